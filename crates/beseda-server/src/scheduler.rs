//! The one scheduler: fires due timers, runs the auto-assignment pass and queues the daily
//! report when it is due. It sleeps until the
//! next deadline (at most a second, so assignment is re-evaluated at least once a second; every
//! timeout is a whole number of seconds, so none is added that falls due sooner) or until a
//! change that can alter assignment wakes it (a chat waiting, an operator freed or changing
//! status, a settings change). Deadlines are rows in the database, so a restart loses none; on
//! PostgreSQL several nodes claim due rows with `SKIP LOCKED` and none fires twice.

use crate::state::AppState;
use std::time::Duration;

/// Timers and waiting chats handled per pass.
const BATCH: i64 = 500;
const MAX_SLEEP: Duration = Duration::from_secs(1);

/// One pass: fire what is due, then assign waiting chats. Returns whether anything changed.
pub async fn run_once(state: &AppState) -> Result<bool, beseda_store::StoreError> {
    let mut changed = false;
    loop {
        let fired = state.store.fire_due_timers(BATCH).await?;
        let more = !fired.sessions.is_empty() || fired.operator_seq.is_some();
        state.bus.publish(&fired);
        changed |= more;
        if !more {
            break;
        }
    }
    let assigned = state.store.assign_waiting(BATCH).await?;
    changed |= assigned.operator_seq.is_some();
    state.bus.publish(&assigned);
    if crate::mail::daily::queue_due(state).await? {
        state.mail_wake.notify_one();
    }
    Ok(changed)
}

pub async fn run(state: AppState) {
    loop {
        if let Err(e) = run_once(&state).await {
            tracing::warn!(error = %e, "scheduler pass failed");
        }
        let now = state.store.clock().now();
        let wait = match state.store.next_timer_due().await {
            Ok(Some(due)) if due > now => Duration::from_micros((due - now) as u64).min(MAX_SLEEP),
            Ok(Some(_)) => Duration::ZERO,
            _ => MAX_SLEEP,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.wake.notified() => {}
            _ = state.closing.wait() => return,
        }
    }
}
