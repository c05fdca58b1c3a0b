//! Signatures of custom-channel traffic (custom-channel.md §2, chat-handlers.md §5):
//! `X-Beseda-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.

use crate::auth;

/// Inbound timestamps may differ from our clock by this much.
pub const MAX_SKEW_SECS: i64 = 300;

pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    format!("sha256={}", auth::hmac_hex(secret, &format!("{timestamp}.{body}")))
}

/// Checks a signed request at `now_secs`.
pub fn verify(secret: &str, timestamp: &str, signature: &str, body: &str, now_secs: i64) -> bool {
    let Ok(ts) = timestamp.trim().parse::<i64>() else { return false };
    (now_secs - ts).abs() <= MAX_SKEW_SECS && auth::same(&sign(secret, ts, body), signature.trim())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_spec_test_vector() {
        let body = r#"{"chat":{"id":"tg-42"},"visitor":{"id":"tg-user-123456"},"message":{"id":"ext-1001","kind":"visitor","text":"Здравствуйте"}}"#;
        assert_eq!(body.len(), 136);
        assert_eq!(
            super::sign("3b8f0c6a1d9e4f7b2a5c8d0e1f3a6b9c7d2e4f60", 1740824200, body),
            "sha256=0db4f5405f3b7ee74f0dc582a4bc462e282cb25977a8aee7f1e4432b39d76a86"
        );
        assert!(super::verify(
            "3b8f0c6a1d9e4f7b2a5c8d0e1f3a6b9c7d2e4f60",
            "1740824200",
            "sha256=0db4f5405f3b7ee74f0dc582a4bc462e282cb25977a8aee7f1e4432b39d76a86",
            body,
            1740824300
        ));
        assert!(!super::verify(
            "3b8f0c6a1d9e4f7b2a5c8d0e1f3a6b9c7d2e4f60",
            "1740824200",
            "sha256=0db4f5405f3b7ee74f0dc582a4bc462e282cb25977a8aee7f1e4432b39d76a86",
            body,
            1740824200 + 301
        ));
    }
}
