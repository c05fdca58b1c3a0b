//! Where the store numbers the operator log after the commit (PostgreSQL, see the store's
//! `log_sequencer.rs`): publishes each round's events on the event bus (this node's streams
//! and, over NATS, the other nodes'), and asks for a round every second so that events a
//! stopped node left waiting are numbered too. Nothing to do on SQLite, where every change
//! numbers its own events and publishes them itself.

use crate::state::AppState;
use beseda_store::Changes;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How often a round runs without being asked.
const SWEEP: Duration = Duration::from_secs(1);

pub async fn run(state: AppState) {
    let Some(mut numbered) = state.store.numbered_events() else {
        return;
    };
    let mut sweep = tokio::time::interval(SWEEP);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            got = numbered.recv() => match got {
                Ok(events) => {
                    let last = events.last().map(|e| e.seq);
                    state.publish(Changes { operator_seq: last, operator_events: events, ..Changes::logged(last) });
                }
                // Too far behind to hand the events over: streams read them from the log.
                Err(RecvError::Lagged(_)) => {
                    if let Ok(seq) = state.store.last_operator_event().await {
                        state.publish(Changes::logged(Some(seq)));
                    }
                }
                Err(RecvError::Closed) => return,
            },
            _ = sweep.tick() => state.store.number_pending().await,
        }
    }
}
