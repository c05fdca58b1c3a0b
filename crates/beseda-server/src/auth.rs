//! Passwords (argon2, hashed off the async threads), opaque tokens and signatures.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Hashes a password with argon2id on the blocking pool.
pub async fn hash_password(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Checks a password against a stored argon2 hash on the blocking pool.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Shortest and longest password accepted.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=200;

/// Why `new` cannot be a password (replacing `old`), or `None`.
pub fn password_problem(new: &str, old: &str) -> Option<&'static str> {
    if !PASSWORD_CHARS.contains(&new.chars().count()) {
        Some("a password has 8 to 200 characters")
    } else if new == old {
        Some("the new password must differ from the old one")
    } else {
        None
    }
}

/// [`password_problem`] as the API's 422 `weak-password`.
pub fn check_new_password(new: &str, old: &str) -> Result<(), crate::error::ApiError> {
    match password_problem(new, old) {
        Some(why) => {
            Err(crate::error::ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "weak-password", why))
        }
        None => Ok(()),
    }
}

/// A password for someone else to replace at their first login: 16 characters that read
/// unambiguously.
pub fn one_time_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// A fresh random token (64 hex characters).
pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored for a token: its SHA-256, so a database leak reveals no live token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time string comparison.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Lowercase hex HMAC-SHA256 of `message` under `key`.
pub fn hmac_hex(key: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_link_signature_matches_the_spec_example() {
        assert_eq!(
            hmac_hex("17778d49ecf342b5aef702479a99bb65", "010a56da72ee41e2a78d0509155de7551700000300"),
            "263212e73c0a802cc2944ef8f3e47453f6ea86ae3dc13eab93169568f510e23a"
        );
    }

    #[tokio::test]
    async fn passwords_round_trip() {
        let hash = hash_password("correct horse".into()).await.expect("hash");
        assert!(verify_password("correct horse".into(), hash.clone()).await);
        assert!(!verify_password("wrong".into(), hash).await);
    }
}
