//! What a committed write returns for publishing.

use beseda_core::ids::VisitSessionId;

/// What a committed operation appended, for publishing after commit. Every write returns one,
/// and the server hands it by value to its single publishing path (`AppState::publish`), which
/// wakes the long-polls, sockets, the scheduler and the delivery workers it concerns; a change
/// left unpublished is a compile-time warning, not a silent delay until the next poll.
#[must_use = "a committed change must be published (AppState::publish), or nobody waiting for it is woken"]
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// Visit sessions whose log grew, with their new revision.
    pub sessions: Vec<(VisitSessionId, i64)>,
    /// Newest operator event sequence number written, if the change numbered its events
    /// itself (SQLite; on PostgreSQL the log's rounds number and publish them, see
    /// `log_sequencer.rs`).
    pub operator_seq: Option<i64>,
    /// The change appended operator events (numbered or not).
    pub operator_logged: bool,
    /// The operator events written, in order, where the change kept them (a chat change does):
    /// a socket already caught up sends them without reading the log.
    pub operator_events: std::sync::Arc<[crate::OperatorEvent]>,
    /// Something the scheduler acts on changed: a chat is waiting, an operator was freed or
    /// changed status, a deadline was set.
    pub wake_scheduler: bool,
    /// The outbox rows the change wrote, by the worker that delivers them: publishing wakes
    /// those workers only (a woken worker runs its claim queries).
    pub queued: Queued,
}

impl Changes {
    /// A change that appended operator events, the last numbered `seq` where it numbered them.
    pub fn logged(seq: Option<i64>) -> Self {
        Self { operator_seq: seq, operator_logged: true, ..Self::default() }
    }

    pub fn merge(&mut self, other: Changes) {
        self.sessions.extend(other.sessions);
        self.operator_seq = self.operator_seq.max(other.operator_seq);
        self.operator_logged |= other.operator_logged;
        if self.operator_events.is_empty() {
            self.operator_events = other.operator_events;
        } else if !other.operator_events.is_empty() {
            self.operator_events = self.operator_events.iter().chain(other.operator_events.iter()).cloned().collect();
        }
        self.wake_scheduler |= other.wake_scheduler;
        self.queued = self.queued.with(other.queued);
    }
}

/// A set of outbox workers: those a change queued work for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Queued(u8);

impl Queued {
    pub const NONE: Queued = Queued(0);
    /// Bot events (`bot_event` rows).
    pub const BOT: Queued = Queued(1);
    /// Custom-channel events (`channel_event`).
    pub const CHANNEL: Queued = Queued(1 << 1);
    /// Chat events for the chat event handlers (`event.*`).
    pub const WEBHOOK: Queued = Queued(1 << 2);
    /// E-mail (`mail.*`).
    pub const MAIL: Queued = Queued(1 << 3);
    /// CRM calls and exports (`crm.*`).
    pub const CRM: Queued = Queued(1 << 4);
    /// Web Push notifications (`push`).
    pub const PUSH: Queued = Queued(1 << 5);
    /// Pushes to mobile SDK visitors (`mobile_push`).
    pub const MOBILE_PUSH: Queued = Queued(1 << 6);

    /// The worker of an outbox row's kind.
    pub fn of_kind(kind: &str) -> Queued {
        match kind {
            "bot_event" => Queued::BOT,
            "channel_event" => Queued::CHANNEL,
            "push" => Queued::PUSH,
            "mobile_push" => Queued::MOBILE_PUSH,
            k if k.starts_with("event.") => Queued::WEBHOOK,
            k if k.starts_with("mail.") => Queued::MAIL,
            k if k.starts_with("crm.") => Queued::CRM,
            _ => Queued::NONE,
        }
    }

    pub fn with(self, other: Queued) -> Queued {
        Queued(self.0 | other.0)
    }

    pub fn contains(self, other: Queued) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn from_bits(bits: u8) -> Queued {
        Queued(bits)
    }
}
