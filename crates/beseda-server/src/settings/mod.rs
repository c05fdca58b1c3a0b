//! The deployment settings: one struct, [`Settings`], whose fields are the keys of the
//! configuration file. Each key is declared once, in `fields.rs`, with its type, its default
//! and its documentation; from that one declaration come the struct, its `Default`, and the
//! table [`KEYS`] that `beseda print-config` and the `BESEDA_*` environment layer read. So a
//! default, a key's name and its documentation cannot disagree between the code, the
//! example configuration and the environment.
//!
//! The layers (defaults → TOML file → environment → command-line flags) are put together by
//! the binary; here are the keys, their checks ([`Settings::validate`]) and what the server
//! takes from them ([`Settings::server_config`], which is also what [`ServerConfig::default`]
//! is made of).
//!
//! [`ServerConfig::default`]: crate::ServerConfig

mod fields;
mod secret;
mod server;
mod validate;

pub use fields::{Settings, KEYS};
pub use secret::{redact_url, Secret, SecretUrl, HIDDEN};
pub use validate::InvalidSetting;

/// One key of the configuration, as documentation and the environment layer see it.
#[derive(Debug)]
pub struct Key {
    /// The key in the TOML file; the environment variable is `BESEDA_` and its upper case.
    pub name: &'static str,
    /// The documentation comment, one entry a line (each with the comment's leading space).
    pub doc: &'static [&'static str],
    /// A value shown (commented out) in the example configuration, for keys whose default is
    /// empty or unset.
    pub example: Option<&'static str>,
    /// A list: in the environment, comma-separated.
    pub list: bool,
    /// Optional: an empty environment variable leaves it unset.
    pub optional: bool,
}

impl Key {
    /// `BESEDA_<KEY>`.
    pub fn env(&self) -> String {
        format!("BESEDA_{}", self.name.to_ascii_uppercase())
    }

    pub fn find(name: &str) -> Option<&'static Key> {
        KEYS.iter().find(|k| k.name == name)
    }
}

/// The shape of a setting's type, as far as the environment layer cares.
pub trait Shape {
    const LIST: bool = false;
    const OPTIONAL: bool = false;
}

impl Shape for String {}
impl Shape for std::path::PathBuf {}
impl Shape for bool {}
impl Shape for u32 {}
impl Shape for u64 {}
impl Shape for usize {}
impl Shape for Secret {}
impl Shape for SecretUrl {}
impl<T> Shape for Vec<T> {
    const LIST: bool = true;
}
impl<T> Shape for Option<T> {
    const OPTIONAL: bool = true;
}

/// Declares the settings: for each key its documentation, an optional `#[example = "…"]`
/// (TOML) for the example configuration, its name, type and default.
macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])*
        $(#[example = $example:literal])?
        $name:ident: $ty:ty = $default:expr;
    )*) => {
        /// The deployment settings (see the module documentation); `Debug` hides secrets.
        #[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct Settings {
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        impl Default for Settings {
            fn default() -> Self {
                Self { $( $name: $default, )* }
            }
        }

        /// Every key, in the order of the example configuration.
        pub const KEYS: &[crate::settings::Key] = &[$(
            crate::settings::Key {
                name: stringify!($name),
                doc: &[$($doc),*],
                example: settings!(@example $($example)?),
                list: <$ty as crate::settings::Shape>::LIST,
                optional: <$ty as crate::settings::Shape>::OPTIONAL,
            },
        )*];
    };
    (@example $example:literal) => { Some($example) };
    (@example) => { None };
}
use settings;
