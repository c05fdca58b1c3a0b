//! Signatures of custom-channel traffic and chat event handler calls (custom-channel.md §2,
//! chat-handlers.md §5):
//! `X-Beseda-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.

use crate::auth;

/// Inbound timestamps may differ from our clock by this much.
pub const MAX_SKEW_SECS: i64 = 300;

pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    format!("sha256={}", auth::hmac_hex(secret, &format!("{timestamp}.{body}")))
}

/// `req` with the signature headers (`X-Beseda-Timestamp`, `X-Beseda-Signature`) for `body`
/// signed at `now_secs`.
pub fn signed(req: reqwest::RequestBuilder, secret: &str, now_secs: i64, body: &str) -> reqwest::RequestBuilder {
    req.header("X-Beseda-Timestamp", now_secs.to_string()).header("X-Beseda-Signature", sign(secret, now_secs, body))
}

/// Checks a signed request at `now_secs`.
pub fn verify(secret: &str, timestamp: &str, signature: &str, body: &str, now_secs: i64) -> bool {
    let Ok(ts) = timestamp.trim().parse::<i64>() else { return false };
    (now_secs - ts).abs() <= MAX_SKEW_SECS && auth::same(&sign(secret, ts, body), signature.trim())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_chat_handlers_test_vector() {
        let body = r#"{"event":"chat_assigned","event_id":"7c1d2e3f4a5b4c6d8e9f0a1b2c3d4e5f","ts":"2025-03-01T10:16:02.310Z","chat":{"id":2530,"state":"chatting"},"visitor":{"id":"877a920ede7082412656ac1cdec7ecde"},"operator":{"id":33201,"name":"Анна Петрова"}}"#;
        assert_eq!(body.len(), 250);
        assert_eq!(
            super::sign("whsec_4f2a9c1e7b3d5a8c", 1740824162, body),
            "sha256=19d12789adf23b56a3311ed55c7b966b970dc7f869e96ce5c66fcc7a740e29f8"
        );
    }

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
