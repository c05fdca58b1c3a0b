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
        let more = !fired.sessions.is_empty() || fired.operator_logged;
        publish(state, fired);
        changed |= more;
        if !more {
            break;
        }
    }
    // Visitors no longer seen have left the site.
    let now = state.store.clock().now();
    loop {
        let departed =
            state.store.sweep_departed(now - crate::operator::visitors::PRESENT_WINDOW_MICROS, BATCH).await?;
        let more = departed.operator_logged;
        publish(state, departed);
        if !more {
            break;
        }
        // Changes waiting for the writer go between two parts of a large departure.
        tokio::task::yield_now().await;
    }
    let assigned = state.store.assign_waiting(BATCH).await?;
    changed |= assigned.operator_logged;
    publish(state, assigned);
    if crate::mail::daily::queue_due(state).await? {
        state.mail_wake.notify_one();
    }
    Ok(changed)
}

/// Publishes a change of this pass like any other (a fired timer can queue chat events, bot
/// and channel events, e-mail), except that it does not wake the scheduler itself: the rest of
/// this pass assigns what the change left waiting, and the next deadline is read after it.
fn publish(state: &AppState, mut changes: beseda_store::Changes) {
    changes.wake_scheduler = false;
    state.publish(changes);
}

pub async fn run(state: AppState) {
    let log = crate::log_backoff::LogBackoff::default();
    // The earliest deadline seen before the last sleep: how late the next pass starts after it
    // is the scheduler's lag.
    let mut awaited: Option<i64> = None;
    loop {
        let started = state.store.clock().now();
        if let Some(due) = awaited.filter(|due| *due <= started) {
            state.metrics.scheduler_lag(started - due);
            awaited = None;
        }
        log.record("the scheduler pass", &run_once(&state).await);
        let now = state.store.clock().now();
        let next = state.store.next_timer_due().await;
        let wait = match next {
            Ok(Some(due)) if due > now => Duration::from_micros((due - now) as u64).min(MAX_SLEEP),
            Ok(Some(_)) => Duration::ZERO,
            _ => MAX_SLEEP,
        };
        if let Ok(Some(due)) = next {
            awaited = Some(awaited.map_or(due, |a| a.min(due)));
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.wake.notified() => {}
            _ = state.closing.wait() => return,
        }
    }
}
