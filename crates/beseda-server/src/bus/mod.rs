//! The event bus: after a change commits, its revisions and operator events are published
//! here, and every waiting long-poll and open socket on this node wakes up. The in-process
//! bus is the default; [`NatsBus`] carries the same notices between nodes.

use beseda_core::ids::VisitSessionId;
use beseda_store::{Changes, OperatorEvent};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};

mod nats;
pub use nats::NatsBus;

/// What operator streams receive.
#[derive(Clone, Debug)]
pub enum OperatorSignal {
    /// The operator log grew up to this sequence number (read it from the store).
    Logged(i64),
    /// The operator log grew by these events, consecutive: a stream whose cursor is just
    /// before the first sends them as they are, without reading the log.
    Written(Arc<[OperatorEvent]>),
    /// An event that is not stored (typing previews).
    Ephemeral(Arc<Value>),
}

pub trait EventBus: Send + Sync + 'static {
    /// Publishes what a committed change appended. Called by `AppState::publish` only, which
    /// also wakes the scheduler and the delivery workers the change concerns.
    fn publish(&self, changes: &Changes);
    /// Publishes an event that is not stored.
    fn publish_ephemeral(&self, event: Value);
    /// Newest known revision of a visit session; changes whenever it grows.
    fn watch_session(&self, session: &VisitSessionId) -> watch::Receiver<i64>;
    /// Operator events.
    fn operators(&self) -> broadcast::Receiver<OperatorSignal>;
    /// Forgets sessions nobody is watching.
    fn sweep(&self);
}

/// The single-node bus.
pub struct LocalBus {
    sessions: Mutex<HashMap<VisitSessionId, watch::Sender<i64>>>,
    operators: broadcast::Sender<OperatorSignal>,
}

impl Default for LocalBus {
    fn default() -> Self {
        Self { sessions: Mutex::new(HashMap::new()), operators: broadcast::channel(1024).0 }
    }
}

impl EventBus for LocalBus {
    fn publish(&self, changes: &Changes) {
        if !changes.sessions.is_empty() {
            let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
            for (id, revision) in &changes.sessions {
                if let Some(tx) = sessions.get(id) {
                    tx.send_if_modified(|current| {
                        let newer = *revision > *current;
                        if newer {
                            *current = *revision;
                        }
                        newer
                    });
                }
            }
        }
        if let Some(seq) = changes.operator_seq {
            let written = &changes.operator_events;
            let whole = written.last().is_some_and(|e| e.seq == seq)
                && written.windows(2).all(|pair| pair[1].seq == pair[0].seq + 1);
            let signal = if whole { OperatorSignal::Written(written.clone()) } else { OperatorSignal::Logged(seq) };
            let _ = self.operators.send(signal);
        }
    }

    fn publish_ephemeral(&self, event: Value) {
        let _ = self.operators.send(OperatorSignal::Ephemeral(Arc::new(event)));
    }

    fn watch_session(&self, session: &VisitSessionId) -> watch::Receiver<i64> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.entry(session.clone()).or_insert_with(|| watch::channel(0).0).subscribe()
    }

    fn operators(&self) -> broadcast::Receiver<OperatorSignal> {
        self.operators.subscribe()
    }

    fn sweep(&self) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, tx| tx.receiver_count() > 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64) -> OperatorEvent {
        OperatorEvent { seq, created_at: 0, event: serde_json::json!({ "seq": seq }) }
    }

    fn signal(changes: Changes) -> OperatorSignal {
        let bus = LocalBus::default();
        let mut operators = bus.operators();
        bus.publish(&changes);
        operators.try_recv().expect("a signal")
    }

    #[test]
    fn the_events_a_change_wrote_travel_with_it_when_they_are_whole() {
        let whole =
            Changes { operator_seq: Some(8), operator_events: vec![event(7), event(8)].into(), ..Changes::default() };
        assert!(matches!(signal(whole), OperatorSignal::Written(e) if e.iter().map(|e| e.seq).eq([7, 8])));
        // Only the sequence number where the events are not all there: the streams read the log.
        let unknown = Changes { operator_seq: Some(8), ..Changes::default() };
        assert!(matches!(signal(unknown), OperatorSignal::Logged(8)));
        let gap =
            Changes { operator_seq: Some(9), operator_events: vec![event(7), event(9)].into(), ..Changes::default() };
        assert!(matches!(signal(gap), OperatorSignal::Logged(9)));
        let short =
            Changes { operator_seq: Some(9), operator_events: vec![event(7), event(8)].into(), ..Changes::default() };
        assert!(matches!(signal(short), OperatorSignal::Logged(9)));
    }
}
