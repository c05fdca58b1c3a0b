//! Identifiers. Visitor, visit session, page, message and file ids are 32 lowercase hex
//! characters (a random UUID without dashes); chat and operator ids are positive integers;
//! departments and placements are keyed by short strings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A fresh random 32-hex id.
pub fn hex_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// True when `s` is exactly 32 lowercase hex characters.
pub fn is_hex_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

macro_rules! hex_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            pub fn random() -> Self {
                Self(hex_id())
            }
            /// Parses a 32-hex id; `None` when the text is not one.
            pub fn parse(s: &str) -> Option<Self> {
                is_hex_id(s).then(|| Self(s.to_owned()))
            }
            /// Wraps a value read back from storage.
            pub fn from_stored(s: String) -> Self {
                Self(s)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

hex_newtype!(
    /// A visitor.
    VisitorId
);
hex_newtype!(
    /// A visit session: one visitor's presence through one placement.
    VisitSessionId
);
hex_newtype!(
    /// A page: one init's credentials.
    PageId
);
hex_newtype!(
    /// A message.
    MessageId
);
hex_newtype!(
    /// An uploaded file.
    FileGuid
);

/// A chat: positive integer, unique per installation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChatId(pub i64);

/// An operator (human, or the account a bot speaks through).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OperatorId(pub i64);

impl fmt::Display for ChatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for OperatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// True for a department or placement key: 1–64 characters of lowercase Latin letters and
/// digits, plus `_` and `-` anywhere but first.
pub fn is_valid_key(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_ids_are_32_lowercase_hex() {
        let id = hex_id();
        assert!(is_hex_id(&id), "{id}");
        assert!(!is_hex_id("877A920EDE7082412656AC1CDEC7ECDE"));
        assert!(!is_hex_id("877a920e"));
        assert!(VisitorId::parse("877a920ede7082412656ac1cdec7ecde").is_some());
    }

    #[test]
    fn keys_follow_the_placement_rule() {
        assert!(is_valid_key("sales"));
        assert!(is_valid_key("mobile_test-1"));
        assert!(!is_valid_key("-sales"));
        assert!(!is_valid_key("Sales"));
        assert!(!is_valid_key("sales team"));
        assert!(!is_valid_key(""));
        assert!(!is_valid_key(&"a".repeat(65)));
    }
}
