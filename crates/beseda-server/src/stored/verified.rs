//! Basic credentials verified lately. Clients of the password-protected APIs (the stored-data
//! API, a bot platform's channel such as JAICP's) send the administrator's e-mail and password
//! with every call; checking the password (argon2: tens of milliseconds and 19 MiB each) on
//! every message would make the password hash the cost of a conversation. A check that passed
//! is remembered for [`VERIFIED_FOR`], under an HMAC of the credentials with a key of this
//! process (the password itself is never kept), and holds only while the account is the same:
//! active, an administrator, without a forced password change or a second factor (a code
//! sent in the password must be checked each time), and with the same password hash — so a
//! password change or a deactivation ends it at once.

use crate::state::AppState;
use beseda_core::model::Operator;
use beseda_core::state::OperatorRole;
use ring::hmac;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How long a passed check is remembered.
pub(super) const VERIFIED_FOR: Duration = Duration::from_secs(300);
/// Most credentials remembered; beyond that the oldest half is forgotten.
const MOST: usize = 1024;

pub(super) type Tag = [u8; 32];

struct Entry {
    password_hash: String,
    at: Instant,
}

static KEY: LazyLock<hmac::Key> = LazyLock::new(|| {
    let rng = ring::rand::SystemRandom::new();
    hmac::Key::generate(hmac::HMAC_SHA256, &rng).unwrap_or_else(|_| hmac::Key::new(hmac::HMAC_SHA256, &[0; 32]))
});
static VERIFIED: LazyLock<Mutex<HashMap<Tag, Entry>>> = LazyLock::new(Default::default);

/// The credentials' tag: what is remembered instead of them.
pub(super) fn tag(email: &str, password: &str) -> Tag {
    let mut ctx = hmac::Context::with_key(&KEY);
    ctx.update(email.trim().to_lowercase().as_bytes());
    ctx.update(&[0]);
    ctx.update(password.as_bytes());
    let mut tag = [0; 32];
    tag.copy_from_slice(ctx.sign().as_ref());
    tag
}

/// The administrator these credentials were verified for lately, if the account is still as
/// it was then.
pub(super) async fn recall(state: &AppState, tag: &Tag, email: &str) -> Option<Operator> {
    let hash = {
        let map = VERIFIED.lock().ok()?;
        let entry = map.get(tag).filter(|e| e.at.elapsed() < VERIFIED_FOR)?;
        entry.password_hash.clone()
    };
    let (operator, current) = state.store.operator_login(email.trim()).await.ok()??;
    (current == hash && still_plain_admin(state, &operator).await).then_some(operator)
}

/// Remembers credentials that just passed the full check (their account must qualify).
pub(super) async fn remember(state: &AppState, tag: Tag, email: &str) {
    let Ok(Some((operator, password_hash))) = state.store.operator_login(email.trim()).await else { return };
    if !still_plain_admin(state, &operator).await {
        return;
    }
    let Ok(mut map) = VERIFIED.lock() else { return };
    if map.len() >= MOST {
        map.retain(|_, e| e.at.elapsed() < VERIFIED_FOR / 2);
    }
    map.insert(tag, Entry { password_hash, at: Instant::now() });
}

async fn still_plain_admin(state: &AppState, o: &Operator) -> bool {
    let second_factor = state.store.two_factor(o.id).await.map(|t| t.and_then(|t| t.secret).is_some());
    o.active && o.role == OperatorRole::Admin && !o.must_change_password && matches!(second_factor, Ok(false))
}
