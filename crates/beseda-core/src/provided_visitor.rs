//! Signed visitor fields (visitor-identification.md §2–§3): a site vouches for who its visitor
//! is with fields signed by the account's private key. This module checks the signature and
//! returns the fields; finding or creating the visitor is the caller's business.

use hmac::{Hmac, Mac};
use md5::Md5;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha512};
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;

/// The account's `provided_visitor_hash_algorithm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlgorithm {
    HmacSha256,
    Sha256,
    Sha512,
    Md5,
}

impl HashAlgorithm {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "hmac-sha256" => Self::HmacSha256,
            "sha256" => Self::Sha256,
            "sha-512" => Self::Sha512,
            "md5" => Self::Md5,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha256 => "hmac-sha256",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha-512",
            Self::Md5 => "md5",
        }
    }

    /// Lowercase hex of the signature of `input` under `key`.
    pub fn sign(self, key: &str, input: &str) -> String {
        let salted = || [input.as_bytes(), key.as_bytes()].concat();
        match self {
            Self::HmacSha256 => hmac_sha256(key, input.as_bytes()),
            Self::Sha256 => hex::encode(Sha256::digest(salted())),
            Self::Sha512 => hex::encode(Sha512::digest(salted())),
            Self::Md5 => hex::encode(Md5::digest(salted())),
        }
    }
}

/// Why provided fields were refused; `code` is the protocol's error string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProvidedError {
    #[error("the provided visitor is not a valid object of fields")]
    WrongArgument,
    #[error("expires is missing or not a positive integer")]
    WrongExpires,
    #[error("the signature has expired")]
    Expired,
    #[error("the signature does not match")]
    WrongHash,
}

impl ProvidedError {
    pub fn code(self) -> &'static str {
        match self {
            Self::WrongArgument => "wrong-argument-value",
            Self::WrongExpires => "wrong-provided-visitor-expires-value",
            Self::Expired => "provided-visitor-expired",
            Self::WrongHash => "wrong-provided-visitor-hash-value",
        }
    }
}

/// Verified fields: the site's own `id` and every non-null field (including `id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvidedVisitor {
    pub id: String,
    pub fields: BTreeMap<String, String>,
}

/// Checks signed fields in either form (v2 with `fields`, v1 with `crc`) at `now` (Unix seconds).
pub fn verify(value: &Value, key: &str, algorithm: HashAlgorithm, now: i64) -> Result<ProvidedVisitor, ProvidedError> {
    let object = value.as_object().ok_or(ProvidedError::WrongArgument)?;
    if let Some(fields) = object.get("fields") {
        verify_v2(object, fields, key, algorithm, now)
    } else if object.contains_key("crc") {
        verify_v1(object, key)
    } else {
        Err(ProvidedError::WrongArgument)
    }
}

/// Fields a caller vouches for by being authenticated (visitor tokens, §4): no signature.
pub fn unsigned(fields: &Value) -> Result<ProvidedVisitor, ProvidedError> {
    provided(&field_values(fields.as_object().ok_or(ProvidedError::WrongArgument)?)?)
}

/// A visitor token: 8–128 characters of `A-Z a-z 0-9 _ -`.
pub fn valid_token(token: &str) -> bool {
    (8..=128).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn verify_v2(
    object: &Map<String, Value>,
    fields: &Value,
    key: &str,
    algorithm: HashAlgorithm,
    now: i64,
) -> Result<ProvidedVisitor, ProvidedError> {
    let values = field_values(fields.as_object().ok_or(ProvidedError::WrongArgument)?)?;
    let visitor = provided(&values)?;
    let expires = expires(object.get("expires"))?;
    let input: String =
        values.values().map(|v| v.as_deref().unwrap_or_default()).collect::<String>() + &expires.to_string();
    let hash = object.get("hash").and_then(Value::as_str).ok_or(ProvidedError::WrongHash)?;
    if !same_hex(hash, &algorithm.sign(key, &input)) {
        return Err(ProvidedError::WrongHash);
    }
    if now > expires {
        return Err(ProvidedError::Expired);
    }
    Ok(visitor)
}

fn verify_v1(object: &Map<String, Value>, key: &str) -> Result<ProvidedVisitor, ProvidedError> {
    let mut rest = object.clone();
    let crc = rest.remove("crc").and_then(|c| c.as_str().map(str::to_owned)).ok_or(ProvidedError::WrongHash)?;
    let values = field_values(&rest)?;
    let visitor = provided(&values)?;
    let input: String = values.values().map(|v| v.as_deref().unwrap_or_default()).collect();
    let matches = if crc.len() == 64 {
        same_hex(&crc, &hmac_sha256(key, input.as_bytes()))
    } else {
        // Sites often hashed the text in a Cyrillic single-byte encoding.
        let text = input + key;
        let utf8 = std::iter::once(text.as_bytes().to_vec());
        let legacy = [encoding_rs::WINDOWS_1251, encoding_rs::KOI8_R].into_iter().filter_map(|encoding| {
            let (bytes, _, unmappable) = encoding.encode(&text);
            (!unmappable).then(|| bytes.into_owned())
        });
        utf8.chain(legacy).any(|bytes| same_hex(&crc, &hex::encode(Md5::digest(bytes))))
    };
    if !matches {
        return Err(ProvidedError::WrongHash);
    }
    Ok(visitor)
}

/// Field values in key order; `None` for JSON null.
fn field_values(fields: &Map<String, Value>) -> Result<BTreeMap<String, Option<String>>, ProvidedError> {
    fields
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
                Value::Null => None,
                _ => return Err(ProvidedError::WrongArgument),
            };
            Ok((k.clone(), value))
        })
        .collect()
}

/// The fields to keep, if `id` is there and not empty.
fn provided(values: &BTreeMap<String, Option<String>>) -> Result<ProvidedVisitor, ProvidedError> {
    let fields: BTreeMap<String, String> = values.iter().filter_map(|(k, v)| Some((k.clone(), v.clone()?))).collect();
    match fields.get("id") {
        Some(id) if !id.is_empty() => Ok(ProvidedVisitor { id: id.clone(), fields }),
        _ => Err(ProvidedError::WrongArgument),
    }
}

fn expires(value: Option<&Value>) -> Result<i64, ProvidedError> {
    let n = match value {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        _ => None,
    };
    n.filter(|n| *n > 0).ok_or(ProvidedError::WrongExpires)
}

fn hmac_sha256(key: &str, input: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(input);
    hex::encode(mac.finalize().into_bytes())
}

/// Hex strings equal regardless of case, compared in constant time.
fn same_hex(given: &str, expected: &str) -> bool {
    let given = given.to_ascii_lowercase();
    given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &str = "e64e35642555f3ecd64ae7dbb600dca8";
    const EXPIRES: i64 = 1481195621;

    fn fields() -> Value {
        json!({"id": "12345", "display_name": "Евгений", "phone": "+78123855337", "email": "abc@webim.ru"})
    }

    fn v2(hash: &str) -> Value {
        json!({"fields": fields(), "expires": EXPIRES, "hash": hash})
    }

    const VECTORS: [(HashAlgorithm, &str); 4] = [
        (HashAlgorithm::HmacSha256, "07ef16b821f9552a8b3118416ed9ed6278d3a8ff93751d157c88edc1895cd86f"),
        (HashAlgorithm::Sha256, "f859287203804f8f25123b3ea651338ac73cef970bec1066d061d75786c0dcb7"),
        (
            HashAlgorithm::Sha512,
            "4ea919daf569bfe27144e33f84b58fcccf98379107c3024db7d0514963775cd600a603cb4dbb48e51a50825df62287b4eb52073c7a86b46b38c6fddcc6c8afbb",
        ),
        (HashAlgorithm::Md5, "8d549c98b9d888c35a619274db4888e3"),
    ];

    #[test]
    fn the_documented_v2_vectors_verify() {
        for (algorithm, hash) in VECTORS {
            let got = verify(&v2(hash), KEY, algorithm, EXPIRES).expect("the vector verifies");
            assert_eq!(got.id, "12345");
            assert_eq!(got.fields["display_name"], "Евгений");
            assert_eq!(got.fields.len(), 4);
            // Hex case does not matter.
            assert!(verify(&v2(&hash.to_uppercase()), KEY, algorithm, EXPIRES).is_ok());
            assert_eq!(HashAlgorithm::parse(algorithm.as_str()), Some(algorithm));
        }
    }

    #[test]
    fn only_the_configured_algorithm_is_accepted() {
        let (_, sha256) = VECTORS[1];
        assert_eq!(verify(&v2(sha256), KEY, HashAlgorithm::HmacSha256, EXPIRES), Err(ProvidedError::WrongHash));
    }

    #[test]
    fn anything_changed_does_not_match() {
        let (algorithm, hash) = VECTORS[0];
        // Without expires in the input.
        let without = algorithm.sign(KEY, "Евгенийabc@webim.ru12345+78123855337");
        assert_eq!(verify(&v2(&without), KEY, algorithm, EXPIRES), Err(ProvidedError::WrongHash));
        // Another value, another key, another order.
        let mut changed = v2(hash);
        changed["fields"]["phone"] = json!("+78123855338");
        assert_eq!(verify(&changed, KEY, algorithm, EXPIRES), Err(ProvidedError::WrongHash));
        assert_eq!(verify(&v2(hash), "another", algorithm, EXPIRES), Err(ProvidedError::WrongHash));
        let unsorted = algorithm.sign(KEY, &format!("12345Евгенийabc@webim.ru+78123855337{EXPIRES}"));
        assert_eq!(verify(&v2(&unsorted), KEY, algorithm, EXPIRES), Err(ProvidedError::WrongHash));
        assert_eq!(
            verify(&json!({"fields": fields(), "expires": EXPIRES}), KEY, algorithm, 0),
            Err(ProvidedError::WrongHash)
        );
    }

    #[test]
    fn expiry_is_checked() {
        let (algorithm, hash) = VECTORS[0];
        assert_eq!(verify(&v2(hash), KEY, algorithm, EXPIRES + 1), Err(ProvidedError::Expired));
        let as_string = json!({"fields": fields(), "expires": EXPIRES.to_string(), "hash": hash});
        assert!(verify(&as_string, KEY, algorithm, EXPIRES).is_ok());
        for bad in [json!(null), json!("soon"), json!(-5), json!(0), json!(1.5), json!("-1")] {
            let mut value = v2(hash);
            value["expires"] = bad.clone();
            assert_eq!(verify(&value, KEY, algorithm, 0), Err(ProvidedError::WrongExpires), "{bad}");
        }
        let mut missing = v2(hash);
        missing.as_object_mut().expect("object").remove("expires");
        assert_eq!(verify(&missing, KEY, algorithm, 0), Err(ProvidedError::WrongExpires));
    }

    #[test]
    fn malformed_values_are_wrong_arguments() {
        let algorithm = HashAlgorithm::HmacSha256;
        for bad in [
            json!("12345"),
            json!([1]),
            json!({"id": "12345"}),
            json!({"fields": "x", "expires": EXPIRES, "hash": ""}),
            json!({"fields": {"id": ["12345"]}, "expires": EXPIRES, "hash": ""}),
            json!({"fields": {"id": 1.5}, "expires": EXPIRES, "hash": ""}),
        ] {
            assert_eq!(verify(&bad, KEY, algorithm, 0), Err(ProvidedError::WrongArgument), "{bad}");
        }
        // Fields without an id (or with an empty one) are refused, signed or not.
        for fields in [json!({"display_name": "Евгений"}), json!({"id": "", "email": "a@b.io"})] {
            let input: String =
                fields.as_object().expect("object").values().filter_map(Value::as_str).collect::<String>();
            let hash = algorithm.sign(KEY, &format!("{input}{EXPIRES}"));
            for hash in [hash.as_str(), "00"] {
                let value = json!({"fields": fields, "expires": EXPIRES, "hash": hash});
                assert_eq!(verify(&value, KEY, algorithm, 0), Err(ProvidedError::WrongArgument));
            }
        }
        assert_eq!(
            verify(&json!({"display_name": "x", "crc": "00"}), KEY, algorithm, 0),
            Err(ProvidedError::WrongArgument)
        );
        assert_eq!(ProvidedError::WrongArgument.code(), "wrong-argument-value");
    }

    #[test]
    fn numbers_are_decimal_and_null_is_empty() {
        let algorithm = HashAlgorithm::HmacSha256;
        let hash = algorithm.sign(KEY, &format!("12345{EXPIRES}"));
        let value = json!({"fields": {"id": 12345, "comment": null}, "expires": EXPIRES, "hash": hash});
        let got = verify(&value, KEY, algorithm, EXPIRES).expect("valid");
        assert_eq!(got.id, "12345");
        assert!(!got.fields.contains_key("comment"));
    }

    #[test]
    fn the_documented_v1_vectors_verify() {
        let algorithm = HashAlgorithm::HmacSha256; // v1 ignores the v2 algorithm
        for crc in
            ["c1b7be5d2b0d1692efabd78fc733396e", "fd58c8cf476b6819e28ff5089c6dc757", "1d7e7a48ac469eab9cfbdb20b880103e"]
        {
            let mut value = fields();
            value["crc"] = json!(crc);
            let got = verify(&value, KEY, algorithm, i64::MAX).expect(crc);
            assert_eq!(got.fields.len(), 4);
            assert!(!got.fields.contains_key("crc"));
        }
        let hmac_form = json!({"id": "test_id", "display_name": "test_name",
            "crc": "766053ac9688a049f023e89da9d364fbf97fc10e15ba5037cb8f990d320f1c05"});
        assert_eq!(verify(&hmac_form, "64f7099e123231123123123121", algorithm, 0).expect("hmac form").id, "test_id");
        let mut wrong = fields();
        wrong["crc"] = json!("c1b7be5d2b0d1692efabd78fc733396f");
        assert_eq!(verify(&wrong, KEY, algorithm, 0), Err(ProvidedError::WrongHash));
    }
}
