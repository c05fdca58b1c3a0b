//! The event bus: after a change commits, its revisions and operator events are published
//! here, and every waiting long-poll and open socket on this node wakes up. The in-process
//! bus is the default; [`NatsBus`] carries the same notices between nodes.

use beseda_core::ids::VisitSessionId;
use beseda_store::Changes;
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
            let _ = self.operators.send(OperatorSignal::Logged(seq));
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
