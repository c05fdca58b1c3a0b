//! Durable chat timers: their kinds, and what a due one does given the chat as it is when it
//! fires. The store keeps the timers (one pending row per kind and chat) and carries out the
//! action decided here.

use crate::ids::OperatorId;
use crate::model::Chat;
use crate::state::ChatState;

/// A timer's kind, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimerKind {
    /// No operator has answered the visitor's first message yet.
    FirstAnswer,
    /// The operator has not answered a later visitor message.
    Response,
    /// Nobody wrote in the chat for the inactivity timeout.
    AutoClose,
    /// The operator closed the chat and the visitor did not come back.
    OperatorClosed,
    /// An auto-assigned operator stayed silent.
    Reassign,
    /// A bot did not reply in time.
    BotReply,
}

impl TimerKind {
    pub const ALL: [TimerKind; 6] = [
        TimerKind::FirstAnswer,
        TimerKind::Response,
        TimerKind::AutoClose,
        TimerKind::OperatorClosed,
        TimerKind::Reassign,
        TimerKind::BotReply,
    ];

    /// The stored spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            TimerKind::FirstAnswer => "first_answer",
            TimerKind::Response => "response",
            TimerKind::AutoClose => "auto_close",
            TimerKind::OperatorClosed => "operator_closed",
            TimerKind::Reassign => "reassign",
            TimerKind::BotReply => "bot_reply",
        }
    }

    /// Parses the stored spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Conversation timeout, in hours, of a chat whose placement is unknown (a channel's chats):
/// the placements' default (webchat-sessions.md §5).
pub const DEFAULT_CONVERSATION_HOURS: i64 = 24;

/// How long a close by timeout waits for the visitor to read the operator's last message (the
/// NB rule of the closing timeouts, chat-handlers.md §2): three days after that message.
pub const UNREAD_HOLD_MICROS: i64 = 3 * 24 * 3600 * 1_000_000;

const HOUR_MICROS: i64 = 3600 * 1_000_000;

/// The inactivity timeout of a chat, in microseconds: the chat's own conversation timeout when
/// a bot set one; otherwise the shorter of the account's inactivity timeout (`0` = none) and the
/// conversation timeout of the chat's placement ([`DEFAULT_CONVERSATION_HOURS`] without one).
/// The end of a conversation closes its chat: a chat is never left open once it is hidden.
pub fn inactivity_timeout_micros(account_secs: u64, own_hours: Option<i64>, placement_hours: Option<i64>) -> i64 {
    if let Some(hours) = own_hours {
        return hours.saturating_mul(HOUR_MICROS);
    }
    let conversation = placement_hours.unwrap_or(DEFAULT_CONVERSATION_HOURS).saturating_mul(HOUR_MICROS);
    let account = i64::try_from(account_secs).unwrap_or(i64::MAX).saturating_mul(1_000_000);
    if account > 0 {
        conversation.min(account)
    } else {
        conversation
    }
}

/// The end of the wait for an operator message written at `at` to be read.
pub const fn unread_hold_end(at: i64) -> i64 {
    at.saturating_add(UNREAD_HOLD_MICROS)
}

/// Until when a close by timeout waits (NB rule): three days after the operator's last message
/// the visitor has not read (`None`: everything is read), if that is still ahead of `now`.
pub fn unread_hold_until(last_unread_operator_message_at: Option<i64>, now: i64) -> Option<i64> {
    last_unread_operator_message_at.map(unread_hold_end).filter(|end| *end > now)
}

/// Why the busy auto-message is sent (also the subject of its long-wait e-mail).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusyReason {
    FirstAnswer,
    /// Sent once per chat: the store marks the chat when it sends it.
    OperatorResponse,
}

impl BusyReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            BusyReason::FirstAnswer => "first_answer",
            BusyReason::OperatorResponse => "operator_response",
        }
    }
}

/// What a due timer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerAction {
    /// Nothing: the reason for the timer has passed.
    Nothing,
    /// The first-answer clock starts again: a bot holds the chat, and the clock waits for the
    /// humans' turn.
    RestartFirstAnswer,
    /// The busy auto-message.
    Busy(BusyReason),
    /// The bot holding the chat did not reply: it goes to the humans.
    HandOff { bot: OperatorId },
    /// The chat closes for good by timeout.
    CloseForGood,
    /// The chat goes to another operator if `holder` wrote nothing since it was assigned.
    ReassignIfSilent { holder: OperatorId },
}

/// What a timer of `kind` that is due now does to `chat`. A final chat is past every timer.
pub fn due_timer_action(kind: TimerKind, chat: &Chat) -> TimerAction {
    let state = chat.state;
    if state.is_final() {
        return TimerAction::Nothing;
    }
    let awaiting_human = state.is_waiting() || state == ChatState::Chatting;
    let with_bot = state == ChatState::ChattingWithRobot;
    match kind {
        TimerKind::FirstAnswer if with_bot => TimerAction::RestartFirstAnswer,
        TimerKind::FirstAnswer if chat.first_answer_at.is_none() && awaiting_human => {
            TimerAction::Busy(BusyReason::FirstAnswer)
        }
        TimerKind::Response if !chat.response_busy_sent && awaiting_human => {
            TimerAction::Busy(BusyReason::OperatorResponse)
        }
        TimerKind::BotReply if with_bot => {
            chat.operator_id.map_or(TimerAction::Nothing, |bot| TimerAction::HandOff { bot })
        }
        TimerKind::AutoClose => TimerAction::CloseForGood,
        TimerKind::OperatorClosed if state == ChatState::ClosedByOperator => TimerAction::CloseForGood,
        TimerKind::Reassign if state == ChatState::Chatting => {
            chat.operator_id.map_or(TimerAction::Nothing, |holder| TimerAction::ReassignIfSilent { holder })
        }
        _ => TimerAction::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ChatId, VisitSessionId, VisitorId};
    use ChatState::*;

    const BOT: OperatorId = OperatorId(7);
    const ANNA: OperatorId = OperatorId(1);

    fn chat(state: ChatState, operator: Option<OperatorId>) -> Chat {
        Chat {
            id: ChatId(1),
            client_side_id: "c".into(),
            visitor_id: VisitorId::from_stored("v".into()),
            visit_session_id: VisitSessionId::from_stored("s".into()),
            location: "default".into(),
            department_key: None,
            operator_id: operator,
            state,
            offline: false,
            created_at: 0,
            modified_at: 0,
            unread_by_operator_since: None,
            unread_by_visitor_since: None,
            unread_by_visitor_count: 0,
            read_by_visitor: true,
            operator_typing: false,
            category: None,
            subcategory: None,
            subject: None,
            language: None,
            priority: 0,
            assigned_at: None,
            first_visitor_message_at: Some(0),
            first_answer_at: None,
            busy_messages: 0,
            response_busy_sent: false,
            outcome: None,
            operator_closed_at: None,
            conversation_timeout_hours: None,
            channel_key: None,
        }
    }

    #[test]
    fn kinds_keep_their_stored_spelling() {
        for kind in TimerKind::ALL {
            assert_eq!(TimerKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(TimerKind::parse("first_answer"), Some(TimerKind::FirstAnswer));
        assert_eq!(TimerKind::parse("no_such_timer"), None);
    }

    #[test]
    fn a_final_chat_is_past_every_timer() {
        for kind in TimerKind::ALL {
            assert_eq!(due_timer_action(kind, &chat(Closed, Some(ANNA))), TimerAction::Nothing, "{kind:?}");
        }
    }

    #[test]
    fn an_unanswered_first_message_gets_the_busy_message_while_humans_are_awaited() {
        let busy = TimerAction::Busy(BusyReason::FirstAnswer);
        assert_eq!(due_timer_action(TimerKind::FirstAnswer, &chat(Queue, None)), busy);
        assert_eq!(due_timer_action(TimerKind::FirstAnswer, &chat(OfflineQueue, None)), busy);
        assert_eq!(due_timer_action(TimerKind::FirstAnswer, &chat(Chatting, Some(ANNA))), busy);
        let answered = Chat { first_answer_at: Some(5), ..chat(Chatting, Some(ANNA)) };
        assert_eq!(due_timer_action(TimerKind::FirstAnswer, &answered), TimerAction::Nothing);
        let left = chat(ClosedByVisitor, None);
        assert_eq!(due_timer_action(TimerKind::FirstAnswer, &left), TimerAction::Nothing, "nobody waits any more");
    }

    #[test]
    fn while_a_bot_holds_the_chat_the_first_answer_clock_waits_for_the_humans_turn() {
        let with_bot = chat(ChattingWithRobot, Some(BOT));
        assert_eq!(due_timer_action(TimerKind::FirstAnswer, &with_bot), TimerAction::RestartFirstAnswer);
        assert_eq!(due_timer_action(TimerKind::Response, &with_bot), TimerAction::Nothing);
    }

    #[test]
    fn the_operator_response_busy_message_is_sent_once_per_chat() {
        let waiting = chat(Chatting, Some(ANNA));
        assert_eq!(due_timer_action(TimerKind::Response, &waiting), TimerAction::Busy(BusyReason::OperatorResponse));
        let sent = Chat { response_busy_sent: true, ..waiting };
        assert_eq!(due_timer_action(TimerKind::Response, &sent), TimerAction::Nothing);
    }

    #[test]
    fn a_bot_that_does_not_reply_in_time_hands_the_chat_off() {
        let with_bot = chat(ChattingWithRobot, Some(BOT));
        assert_eq!(due_timer_action(TimerKind::BotReply, &with_bot), TimerAction::HandOff { bot: BOT });
        let taken_over = chat(Chatting, Some(ANNA));
        assert_eq!(due_timer_action(TimerKind::BotReply, &taken_over), TimerAction::Nothing);
    }

    #[test]
    fn inactivity_closes_any_open_chat_for_good() {
        for state in [Queue, OfflineQueue, Chatting, ChattingWithRobot, Invitation, ClosedByVisitor, ClosedByOperator] {
            assert_eq!(due_timer_action(TimerKind::AutoClose, &chat(state, None)), TimerAction::CloseForGood);
        }
    }

    #[test]
    fn an_operators_close_becomes_final_unless_the_chat_was_reopened() {
        let closed = chat(ClosedByOperator, Some(ANNA));
        assert_eq!(due_timer_action(TimerKind::OperatorClosed, &closed), TimerAction::CloseForGood);
        let reopened = chat(Chatting, Some(ANNA));
        assert_eq!(due_timer_action(TimerKind::OperatorClosed, &reopened), TimerAction::Nothing);
    }

    #[test]
    fn the_inactivity_timeout_is_the_shorter_of_the_account_and_the_conversation_timeout() {
        let h = 3600 * 1_000_000;
        assert_eq!(inactivity_timeout_micros(86_400, None, Some(24)), 24 * h);
        assert_eq!(inactivity_timeout_micros(900, None, Some(24)), 900 * 1_000_000);
        assert_eq!(inactivity_timeout_micros(86_400, None, Some(2)), 2 * h, "the placement's conversation ends first");
        assert_eq!(
            inactivity_timeout_micros(0, None, Some(48)),
            48 * h,
            "0 = no account timeout; the conversation still ends"
        );
        assert_eq!(inactivity_timeout_micros(0, None, None), DEFAULT_CONVERSATION_HOURS * h);
        assert_eq!(inactivity_timeout_micros(3600, Some(72), Some(24)), 72 * h, "a bot's own timeout wins");
    }

    #[test]
    fn an_unread_operator_message_holds_a_close_for_three_days() {
        let day = 24 * 3600 * 1_000_000;
        assert_eq!(unread_hold_until(None, 10), None);
        assert_eq!(unread_hold_until(Some(0), day), Some(3 * day));
        assert_eq!(unread_hold_until(Some(0), 3 * day), None, "three days after the message the hold is over");
    }

    #[test]
    fn a_silent_auto_assigned_operator_is_checked_only_while_chatting() {
        let chatting = chat(Chatting, Some(ANNA));
        assert_eq!(due_timer_action(TimerKind::Reassign, &chatting), TimerAction::ReassignIfSilent { holder: ANNA });
        assert_eq!(due_timer_action(TimerKind::Reassign, &chat(Queue, None)), TimerAction::Nothing);
        assert_eq!(due_timer_action(TimerKind::Reassign, &chat(ClosedByOperator, Some(ANNA))), TimerAction::Nothing);
    }
}
