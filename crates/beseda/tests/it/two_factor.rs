//! Two-factor authentication (TOTP, RFC 6238) of operator accounts, with codes computed by an
//! implementation of this test's own (HMAC-SHA1, dynamic truncation per RFC 4226): setting it
//! up, logins that need a code, wrong and replayed codes, recovery codes, turning it off, an
//! administrator's reset, the organisation requiring it, and HTTP Basic of the Stored Data API.

use crate::common;

use base64::Engine;
use beseda_core::state::OperatorRole;
use beseda_core::time::{Clock, ManualClock};
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// RFC 4226 HOTP, 6 digits, written apart from the server's.
fn code(key: &[u8], counter: u64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("test value");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = (h[h.len() - 1] & 0xf) as usize;
    let v = ((u32::from(h[o]) & 0x7f) << 24)
        | (u32::from(h[o + 1]) << 16)
        | (u32::from(h[o + 2]) << 8)
        | u32::from(h[o + 3]);
    format!("{:06}", v % 1_000_000)
}

fn key(secret: &str) -> Vec<u8> {
    data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).expect("base32 secret")
}

#[test]
fn the_test_implementation_meets_rfc_6238() {
    assert_eq!(code(b"12345678901234567890", 59 / 30), "287082");
}

async fn tokens(server: &TestServer, body: Value) -> (u16, Value) {
    let resp = server.http.post(server.url("/api/operator/v1/tokens")).json(&body).send().await.expect("test value");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Sets up and enables 2FA for `op` at `step`; answers the key and the recovery codes.
async fn enable(op: &Operator, email: &str, step: u64) -> (Vec<u8>, Vec<String>) {
    let (status, setup) = op.post("/api/operator/v1/2fa/setup", json!({})).await;
    assert_eq!(status, 200, "{setup}");
    let secret = setup["secret"].as_str().expect("test value");
    assert_eq!(secret.len(), 32);
    assert_eq!(
        setup["otpauthUrl"],
        format!("otpauth://totp/Beseda:{email}?secret={secret}&issuer=Beseda&digits=6&period=30")
    );
    let key = key(secret);
    let (status, wrong) = op.post("/api/operator/v1/2fa/enable", json!({"code": code(&key, step + 5)})).await;
    assert_eq!((status, wrong["error"].as_str()), (422, Some("invalid-totp")));
    let (status, on) = op.post("/api/operator/v1/2fa/enable", json!({"code": code(&key, step)})).await;
    assert_eq!(status, 200, "{on}");
    let codes: Vec<String> = on["recoveryCodes"]
        .as_array()
        .expect("test value")
        .iter()
        .map(|c| c.as_str().expect("test value").to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (key, codes)
}

/// The time step of the server's clock.
fn step_of(clock: &ManualClock) -> u64 {
    (clock.now() / 1_000_000 / 30) as u64
}

#[tokio::test]
async fn login_needs_a_fresh_code_once_2fa_is_on() {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    let step = step_of(&clock);
    let (key, recovery) = enable(&op, "op@x.io", step).await;
    let (_, me) = op.get("/api/operator/v1/me").await;
    assert_eq!(me["twoFactor"], json!({"enabled": true, "recoveryCodesLeft": 10}));

    let creds = |extra: Value| {
        let mut b = json!({"email": "op@x.io", "password": "password123"});
        b.as_object_mut().expect("test value").extend(extra.as_object().expect("test value").clone());
        b
    };
    // The password alone: the code is asked for, no token made.
    let (status, r) = tokens(&server, creds(json!({}))).await;
    assert_eq!((status, r["error"].as_str()), (401, Some("totp-required")), "{r}");
    assert!(r["token"].is_null());
    // The enabling code's step is spent already: a replay.
    let (status, r) = tokens(&server, creds(json!({"totpCode": code(&key, step)}))).await;
    assert_eq!((status, r["error"].as_str()), (401, Some("invalid-totp")));
    // A wrong code.
    let (status, r) = tokens(&server, creds(json!({"totpCode": code(&key, step + 7)}))).await;
    assert_eq!((status, r["error"].as_str()), (401, Some("invalid-totp")));
    // The next step's code (one step of drift is allowed) works, once.
    clock.advance(Duration::from_secs(30));
    let (status, r) = tokens(&server, creds(json!({"totpCode": code(&key, step + 1)}))).await;
    assert_eq!(status, 200, "{r}");
    assert!(r["token"].is_string());
    let (status, r) = tokens(&server, creds(json!({"totpCode": code(&key, step + 1)}))).await;
    assert_eq!((status, r["error"].as_str()), (401, Some("invalid-totp")));
    // A code with a wrong password is still a wrong password.
    let (status, r) =
        tokens(&server, json!({"email": "op@x.io", "password": "nope-nope", "totpCode": code(&key, step + 2)})).await;
    assert_eq!((status, r["error"].as_str()), (401, Some("invalid-credentials")));
    // The cookie login too.
    let resp = server
        .http
        .post(server.url("/api/operator/v1/login"))
        .json(&creds(json!({})))
        .send()
        .await
        .expect("test value");
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.headers().get("set-cookie").is_none());

    // A recovery code works once (in any case, with or without the dash).
    let (status, r) = tokens(&server, creds(json!({"recoveryCode": recovery[0].to_uppercase()}))).await;
    assert_eq!(status, 200, "{r}");
    let (status, r) = tokens(&server, creds(json!({"recoveryCode": recovery[0]}))).await;
    assert_eq!((status, r["error"].as_str()), (401, Some("invalid-totp")));
    let (_, me) = op.get("/api/operator/v1/me").await;
    assert_eq!(me["twoFactor"]["recoveryCodesLeft"], 9);

    // Turning it off needs the password and a code.
    clock.advance(Duration::from_secs(60));
    let (status, r) =
        op.post("/api/operator/v1/2fa/disable", json!({"password": "wrong pass", "code": code(&key, step + 3)})).await;
    assert_eq!((status, r["error"].as_str()), (422, Some("wrong-password")));
    let (status, r) =
        op.post("/api/operator/v1/2fa/disable", json!({"password": "password123", "code": "000000"})).await;
    assert_eq!((status, r["error"].as_str()), (422, Some("invalid-totp")));
    let (status, r) =
        op.post("/api/operator/v1/2fa/disable", json!({"password": "password123", "code": code(&key, step + 3)})).await;
    assert_eq!(status, 200, "{r}");
    let (_, me) = op.get("/api/operator/v1/me").await;
    assert_eq!(me["twoFactor"], json!({"enabled": false, "recoveryCodesLeft": 0}));

    // The audit log has the operator's own changes.
    let (_, audit) = admin.get("/api/admin/v1/audit").await;
    let text = audit.to_string();
    assert!(text.contains("operator.2fa_enable") && text.contains("operator.2fa_disable"), "{audit}");
    server.stop().await;
}

#[tokio::test]
async fn wrong_codes_count_for_the_login_throttle() {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    let step = step_of(&clock);
    let (key, _) = enable(&op, "op@x.io", step).await;
    let mut throttled = false;
    for _ in 0..30 {
        let (status, _) =
            tokens(&server, json!({"email": "op@x.io", "password": "password123", "totpCode": "000000"})).await;
        if status == 429 {
            throttled = true;
            break;
        }
        assert_eq!(status, 401);
    }
    assert!(throttled, "wrong codes never locked the login out");
    let (status, _) =
        tokens(&server, json!({"email": "op@x.io", "password": "password123", "totpCode": code(&key, step + 1)})).await;
    assert_eq!(status, 429);
    server.stop().await;
}

#[tokio::test]
async fn an_administrator_resets_anothers_2fa_but_not_their_own() {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    enable(&op, "op@x.io", step_of(&clock)).await;
    let (status, r) = admin.post(&format!("/api/admin/v1/operators/{}/2fa-reset", admin.id), json!({})).await;
    assert_eq!((status, r["error"].as_str()), (409, Some("own-account")));
    let (status, r) = op.post(&format!("/api/admin/v1/operators/{}/2fa-reset", admin.id), json!({})).await;
    assert_eq!(status, 403, "{r}");
    let (status, r) = admin.post(&format!("/api/admin/v1/operators/{}/2fa-reset", op.id), json!({})).await;
    assert_eq!((status, r["wasEnabled"].as_bool()), (200, Some(true)), "{r}");
    let (status, _) = tokens(&server, json!({"email": "op@x.io", "password": "password123"})).await;
    assert_eq!(status, 200);
    let (_, audit) = admin.get("/api/admin/v1/audit").await;
    assert!(audit.to_string().contains("operator.2fa_reset"), "{audit}");
    server.stop().await;
}

#[tokio::test]
async fn the_organisation_can_require_2fa() {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    let (status, r) =
        admin.call(reqwest::Method::PATCH, "/api/admin/v1/settings", Some(json!({"require_2fa": true}))).await;
    assert_eq!(status, 200, "{r}");
    // Without 2FA: only /me, setting it up, and logging out.
    let (status, r) = op.get("/api/operator/v1/chats?list=waiting").await;
    assert_eq!((status, r["error"].as_str()), (403, Some("2fa-setup-required")));
    let (status, r) = admin.get("/api/admin/v1/settings").await;
    assert_eq!((status, r["error"].as_str()), (403, Some("2fa-setup-required")));
    let (status, me) = op.get("/api/operator/v1/me").await;
    assert_eq!((status, me["require2fa"].as_bool()), (200, Some(true)));
    // The Stored Data API's Basic access of an administrator without 2FA is closed too.
    let basic = |password: &str| {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("admin@x.io:{password}")))
    };
    let stored = |password: String| {
        server.http.get(server.url("/api/v2/chats")).header("authorization", basic(&password)).send()
    };
    assert_eq!(stored("password123".into()).await.expect("test value").status().as_u16(), 403);
    // With 2FA set up, everything is open again.
    let step = step_of(&clock);
    enable(&op, "op@x.io", step).await;
    let (status, _) = op.get("/api/operator/v1/chats?list=waiting").await;
    assert_eq!(status, 200);
    let (key, _) = enable(&admin, "admin@x.io", step).await;
    // Basic with 2FA: the current code follows the password; the password alone is refused.
    clock.advance(Duration::from_secs(30));
    assert_eq!(stored("password123".into()).await.expect("test value").status().as_u16(), 401);
    let with_code = format!("password123{}", code(&key, step + 1));
    assert_ne!(stored(with_code.clone()).await.expect("test value").status().as_u16(), 401);
    assert_eq!(stored(with_code).await.expect("test value").status().as_u16(), 401, "a replayed code");
    server.stop().await;
}
