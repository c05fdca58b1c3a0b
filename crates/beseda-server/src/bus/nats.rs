//! The multi-node bus: every node keeps its own [`LocalBus`] for its own sockets and long-polls,
//! and tells the other nodes through NATS what committed (session revisions, the operator log
//! position, typing previews). What travels is only "look again": the events themselves are
//! read from the database, so a lost or repeated NATS message never loses or doubles one — a
//! waiting client reads everything after its own revision whichever node it is on.

use super::{EventBus, LocalBus, OperatorSignal};
use beseda_core::ids::VisitSessionId;
use beseda_store::Changes;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, watch};

/// The subject every node publishes to and listens on.
pub const SUBJECT: &str = "beseda.bus";
/// Notices waiting to be sent; beyond this they are dropped (with a warning) rather than block
/// a request. Waiting clients still see the change at their next poll or reconnect.
const QUEUE: usize = 65_536;
/// At most this many notices are merged into one NATS message.
const BATCH: usize = 512;

/// One NATS message: what some node committed.
#[derive(Default, Serialize, Deserialize)]
struct Frame {
    /// The sending node, so it ignores its own frames.
    n: String,
    /// Visit sessions and their newest revision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    s: Vec<(String, i64)>,
    /// The operator log's newest sequence number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    o: Option<i64>,
    /// Events that are not stored (typing previews).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    e: Vec<Value>,
}

enum Notice {
    Changes(Vec<(String, i64)>, Option<i64>),
    Ephemeral(Value),
}

pub struct NatsBus {
    local: Arc<LocalBus>,
    outgoing: mpsc::Sender<Notice>,
}

impl NatsBus {
    /// Connects to the NATS server at `url` (reconnecting by itself later) and starts the
    /// sending and receiving tasks.
    pub async fn connect(url: &str) -> Result<Arc<Self>, String> {
        let client = async_nats::ConnectOptions::new()
            .name("beseda")
            .retry_on_initial_connect()
            .connect(url)
            .await
            .map_err(|e| format!("connecting to NATS: {e}"))?;
        let subscription = client.subscribe(SUBJECT).await.map_err(|e| format!("subscribing to NATS: {e}"))?;
        client.flush().await.map_err(|e| format!("NATS did not answer: {e}"))?;
        let node = uuid::Uuid::new_v4().simple().to_string();
        let local = Arc::new(LocalBus::default());
        let (outgoing, queue) = mpsc::channel(QUEUE);
        tokio::spawn(send(client, node.clone(), queue));
        tokio::spawn(receive(subscription, node, local.clone()));
        Ok(Arc::new(Self { local, outgoing }))
    }

    fn tell(&self, notice: Notice) {
        if self.outgoing.try_send(notice).is_err() {
            tracing::warn!("NATS send queue full: a notice to other nodes was dropped");
        }
    }
}

/// Merges queued notices into frames and publishes them.
async fn send(client: async_nats::Client, node: String, mut queue: mpsc::Receiver<Notice>) {
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        let mut sessions: HashMap<String, i64> = HashMap::new();
        let mut frame = Frame { n: node.clone(), ..Frame::default() };
        for notice in batch.drain(..) {
            match notice {
                Notice::Changes(s, o) => {
                    for (id, rev) in s {
                        let newest = sessions.entry(id).or_insert(rev);
                        *newest = (*newest).max(rev);
                    }
                    frame.o = frame.o.max(o);
                }
                Notice::Ephemeral(e) => frame.e.push(e),
            }
        }
        frame.s = sessions.into_iter().collect();
        let Ok(bytes) = serde_json::to_vec(&frame) else { continue };
        if let Err(e) = client.publish(SUBJECT, bytes.into()).await {
            tracing::warn!(error = %e, "publishing to NATS failed");
        }
    }
}

/// Hands other nodes' frames to this node's own bus.
async fn receive(mut subscription: async_nats::Subscriber, node: String, local: Arc<LocalBus>) {
    while let Some(message) = subscription.next().await {
        let Ok(frame) = serde_json::from_slice::<Frame>(&message.payload) else {
            tracing::warn!("an unreadable message on the NATS bus");
            continue;
        };
        if frame.n == node {
            continue;
        }
        let changes = Changes {
            sessions: frame.s.into_iter().map(|(id, rev)| (VisitSessionId::from_stored(id), rev)).collect(),
            operator_seq: frame.o,
            ..Changes::default()
        };
        local.publish(&changes);
        for e in frame.e {
            local.publish_ephemeral(e);
        }
    }
    tracing::warn!("the NATS subscription ended");
}

impl EventBus for NatsBus {
    fn publish(&self, changes: &Changes) {
        self.local.publish(changes);
        if !changes.sessions.is_empty() || changes.operator_seq.is_some() {
            let sessions = changes.sessions.iter().map(|(id, rev)| (id.as_str().to_owned(), *rev)).collect();
            self.tell(Notice::Changes(sessions, changes.operator_seq));
        }
    }

    fn publish_ephemeral(&self, event: Value) {
        self.local.publish_ephemeral(event.clone());
        self.tell(Notice::Ephemeral(event));
    }

    fn watch_session(&self, session: &VisitSessionId) -> watch::Receiver<i64> {
        self.local.watch_session(session)
    }

    fn operators(&self) -> broadcast::Receiver<OperatorSignal> {
        self.local.operators()
    }

    fn sweep(&self) {
        self.local.sweep();
    }
}
