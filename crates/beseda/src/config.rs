//! Loading the deployment settings ([`Settings`]: the keys, their defaults and documentation
//! are declared once, in `beseda_server::settings`), layer over layer, each winning over the
//! ones before it:
//!
//! 1. the defaults;
//! 2. the TOML file given with `--config` (or `BESEDA_CONFIG`);
//! 3. the environment: `BESEDA_<KEY>` for each key, lists comma-separated, an empty value
//!    leaving an optional key unset;
//! 4. the command line: `--listen`, `--data-dir` and `--set KEY=VALUE` (a value as in the
//!    environment).
//!
//! None of these is editable from the UI. Every value is then checked
//! ([`Settings::validate`]); an error names the key and where its value came from.

use anyhow::{anyhow, bail, Context, Result};
use beseda_server::settings::{Key, KEYS};
use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use std::path::{Path, PathBuf};

pub use beseda_server::settings::Settings;

/// The settings given on the command line.
#[derive(Debug, Default)]
pub struct Flags {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    /// `KEY=VALUE` pairs of `--set`.
    pub set: Vec<String>,
}

/// Defaults, then the TOML file (if given), the process's environment and the flags.
pub fn load(file: Option<&Path>, flags: &Flags) -> Result<Settings> {
    load_from(file, |name| std::env::var(name).ok(), flags)
}

fn load_from(file: Option<&Path>, var: impl Fn(&str) -> Option<String>, flags: &Flags) -> Result<Settings> {
    // The defaults are the struct's `Default` (`#[serde(default)]`): every key a layer
    // leaves out keeps it.
    let mut figment = Figment::new();
    if let Some(path) = file {
        // A file that was named must exist (figment would take a missing one as empty).
        std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
        figment = figment.merge(Toml::file_exact(path));
    }
    let figment = figment.merge(Layer::environment(var)).merge(Layer::command_line(flags)?);
    // Lossy: the environment and the command line give text, which becomes a number or a
    // boolean (true/false, yes/no, on/off, 1/0) where the key is one.
    let mut settings: Settings = figment.extract_lossy().map_err(describe)?;
    settings.validate()?;
    Ok(settings)
}

/// Every problem figment found, on one line, each naming its key and source.
fn describe(errors: figment::Error) -> anyhow::Error {
    // Keys are named without figment's profile (`default.`), as they are written.
    let all: Vec<String> =
        errors.into_iter().map(|e| e.to_string().replace("for key \"default.", "for key \"")).collect();
    anyhow!("invalid configuration: {}", all.join("; "))
}

/// The environment or the command line as a figment source: text values for known keys.
struct Layer {
    name: &'static str,
    values: Dict,
    /// How an error names a key from this layer.
    spell: fn(&str) -> String,
}

impl Layer {
    /// `BESEDA_<KEY>` of every key; other `BESEDA_*` variables (`BESEDA_CONFIG`,
    /// `BESEDA_ADMIN_*`) are not settings.
    fn environment(var: impl Fn(&str) -> Option<String>) -> Self {
        let mut values = Dict::new();
        for key in KEYS {
            if let Some(value) = var(&key.env()).and_then(|raw| text_value(key, &raw)) {
                values.insert(key.name.to_owned(), value);
            }
        }
        Self { name: "environment", values, spell: |key| Key::find(key).map(Key::env).unwrap_or_else(|| key.into()) }
    }

    fn command_line(flags: &Flags) -> Result<Self> {
        let mut values = Dict::new();
        for pair in &flags.set {
            let Some((name, raw)) = pair.split_once('=') else {
                bail!("--set {pair}: expected KEY=VALUE, e.g. --set longpoll_hold_secs=10");
            };
            let key = Key::find(name.trim()).ok_or_else(|| {
                anyhow!("--set {pair}: there is no setting {name:?} (beseda print-config --example lists them)")
            })?;
            match text_value(key, raw) {
                Some(value) => values.insert(key.name.to_owned(), value),
                None => values.remove(key.name),
            };
        }
        if let Some(listen) = &flags.listen {
            values.insert("listen".into(), Value::from(listen.clone()));
        }
        if let Some(dir) = &flags.data_dir {
            values.insert("data_dir".into(), Value::from(dir.display().to_string()));
        }
        Ok(Self { name: "command line", values, spell: |key| format!("--set {key}") })
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        let spell = self.spell;
        Metadata::named(self.name)
            .interpolater(move |_: &Profile, keys: &[&str]| spell(keys.first().copied().unwrap_or_default()))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.values.clone()))
    }
}

/// A value written as text (environment, `--set`): a list is comma-separated; an empty value
/// of an optional key is no value.
fn text_value(key: &Key, raw: &str) -> Option<Value> {
    if key.list {
        let items: Vec<String> = raw.split(',').map(str::trim).filter(|i| !i.is_empty()).map(String::from).collect();
        return Some(Value::from(items));
    }
    if key.optional && raw.is_empty() {
        return None;
    }
    Some(Value::from(raw.trim().to_owned()))
}

/// The database for messages to the operator: its file, or its URL without the password.
pub fn database_place(config: &Settings) -> String {
    match &config.database_url {
        Some(url) => url.redacted(),
        None => config.data_dir.join("beseda.db").display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut f, text.as_bytes()).expect("write");
        f
    }

    #[test]
    fn environment_wins_over_the_file_and_flags_over_both() {
        let f = file("listen = \"0.0.0.0:1\"\nlongpoll_hold_secs = 5\nmax_connections = 3\n");
        let vars = [("BESEDA_LISTEN", "127.0.0.1:9"), ("BESEDA_LONGPOLL_HOLD_SECS", "7")];
        let flags = Flags { set: vec!["longpoll_hold_secs=9".into()], ..Flags::default() };
        let c = load_from(Some(f.path()), env(&vars), &flags).expect("loads");
        assert_eq!((c.listen.as_str(), c.longpoll_hold_secs, c.max_connections), ("127.0.0.1:9", 9, 3));
        let flags = Flags { listen: Some("127.0.0.1:10".into()), ..Flags::default() };
        assert_eq!(load_from(Some(f.path()), env(&vars), &flags).expect("loads").listen, "127.0.0.1:10");
    }

    #[test]
    fn lists_come_from_the_file_or_comma_separated_from_the_environment() {
        let f = file("allowed_hosts = [\"chat.example.com\"]\ntrusted_proxies = [\"10.0.0.1\", \"::1\"]\n");
        let c = load_from(Some(f.path()), env(&[]), &Flags::default()).expect("loads");
        assert_eq!(c.allowed_hosts, ["chat.example.com"]);
        assert_eq!(c.trusted_proxies.len(), 2);
        let vars = [
            ("BESEDA_ALLOWED_HOSTS", "a.io, b.io:8443"),
            ("BESEDA_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.2"),
            ("BESEDA_WEBHOOK_RETRY_DELAYS_SECS", "1,2, 3"),
        ];
        let c = load_from(None, env(&vars), &Flags::default()).expect("loads");
        assert_eq!(c.allowed_hosts, ["a.io", "b.io:8443"]);
        assert_eq!(
            c.trusted_proxies,
            ["127.0.0.1".parse::<std::net::IpAddr>().expect("ip"), "10.0.0.2".parse().expect("ip")]
        );
        assert_eq!(c.webhook_retry_delays_secs, [1, 2, 3]);
        let bad = load_from(None, env(&[("BESEDA_TRUSTED_PROXIES", "proxy.local")]), &Flags::default());
        assert!(bad.expect_err("not an address").to_string().contains("BESEDA_TRUSTED_PROXIES"));
    }

    #[test]
    fn rate_limits_default_to_the_server_defaults_and_take_the_environment() {
        let vars = [
            ("BESEDA_LOGIN_ACCOUNT_FAILURES", "3"),
            ("BESEDA_LOGIN_LOCKOUT_SECS", "60"),
            ("BESEDA_VISITOR_CHATS_PER_MINUTE", "0"),
        ];
        let l = load_from(None, env(&vars), &Flags::default()).expect("loads").limits();
        assert_eq!((l.login_account_failures, l.login_lockout.as_secs(), l.visitor_chats_per_minute), (3, 60, 0));
        let bad = load_from(None, env(&[("BESEDA_LOGIN_ADDRESS_BURST", "many")]), &Flags::default());
        assert!(bad.expect_err("not a number").to_string().contains("BESEDA_LOGIN_ADDRESS_BURST"));
    }

    #[test]
    fn text_values_take_the_type_of_their_key() {
        let vars = [
            ("BESEDA_METRICS_TOKEN", "12345"),
            ("BESEDA_BOT_FILES_ALLOW_PRIVATE_ADDRESSES", "yes"),
            ("BESEDA_MAIL_FROM", "1@example.com"),
            ("BESEDA_DATABASE_URL", ""),
            ("BESEDA_HEADER_TIMEOUT_SECS", " 4 "),
        ];
        let c = load_from(None, env(&vars), &Flags::default()).expect("loads");
        assert_eq!(c.metrics_token.as_ref().map(|t| t.expose()), Some("12345"));
        assert!(c.bot_files_allow_private_addresses);
        assert!(c.database_url.is_none());
        assert_eq!(c.header_timeout_secs, 4);
    }

    #[test]
    fn unknown_keys_and_bad_flags_are_refused() {
        let f = file("lisen = \"0.0.0.0:1\"\n");
        let e = load_from(Some(f.path()), env(&[]), &Flags::default()).expect_err("typo").to_string();
        assert!(e.contains("lisen"), "{e}");
        for set in ["nokey=1", "no equals sign"] {
            let flags = Flags { set: vec![set.into()], ..Flags::default() };
            let e = load_from(None, env(&[]), &flags).expect_err("refused").to_string();
            assert!(e.contains(set), "{e}");
        }
        let flags = Flags { set: vec!["ws_ping_interval_secs=soon".into()], ..Flags::default() };
        let e = load_from(None, env(&[]), &flags).expect_err("not a number").to_string();
        assert!(e.contains("--set ws_ping_interval_secs"), "{e}");
    }

    #[test]
    fn a_named_file_must_exist() {
        let e = load_from(Some(Path::new("/nonexistent/beseda.toml")), env(&[]), &Flags::default());
        assert!(e.expect_err("missing").to_string().contains("/nonexistent/beseda.toml"));
    }

    #[test]
    fn the_loaded_settings_show_no_secret() {
        let vars = [
            ("BESEDA_DATABASE_URL", "postgres://beseda:hunter1@db/beseda?password=hunter5"),
            ("BESEDA_SMTP_URL", "smtps://mail:hunter2@smtp.example.com:465"),
            ("BESEDA_NATS_URL", "nats://hunter3@nats:4222"),
            ("BESEDA_METRICS_TOKEN", "hunter4"),
        ];
        let c = load_from(None, env(&vars), &Flags::default()).expect("loads");
        let server = c.server_config("127.0.0.1:1", false);
        let shown = format!("{c:?} {server:?} {}", database_place(&c));
        assert!(!shown.contains("hunter"), "{shown}");
        assert!(shown.contains("postgres://beseda:***@db/beseda"), "{shown}");
    }
}
