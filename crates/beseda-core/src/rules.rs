//! The rules that decide what a change does, independent of storage and transport.

use crate::error::DomainError;
use crate::settings::OrgSettings;
use crate::state::ChatState;

/// Checks a text message: not empty (after trimming), not longer than the limit.
pub fn validate_text(text: &str, settings: &OrgSettings) -> Result<(), DomainError> {
    if text.trim().is_empty() {
        return Err(DomainError::MessageEmpty);
    }
    if text.chars().count() > settings.max_message_length {
        return Err(DomainError::MessageTooLong(settings.max_message_length));
    }
    Ok(())
}

/// Parses the protocol's booleans: `1`/`0`, `true`/`false`, `on`/`off` (any case).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Some(true),
        "0" | "false" | "off" | "no" | "" => Some(false),
        _ => None,
    }
}

/// What a visitor message does to the chat it is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitorMessageEffect {
    /// The chat stays as it is.
    Stay,
    /// The chat is reopened in this state.
    Reopen(ChatState),
    /// The chat is final: a new chat starts with the message.
    NewChat,
}

/// A visitor message in a `closed_by_*` chat reopens it (`chatting` with the same operator if
/// that operator is online, else `queue`); in a `closed` chat it starts a new chat.
pub fn visitor_message_effect(state: ChatState, operator_online: bool) -> VisitorMessageEffect {
    match state {
        ChatState::Closed => VisitorMessageEffect::NewChat,
        ChatState::ClosedByOperator | ChatState::ClosedByVisitor => {
            if operator_online {
                VisitorMessageEffect::Reopen(ChatState::Chatting)
            } else {
                VisitorMessageEffect::Reopen(ChatState::Queue)
            }
        }
        _ => VisitorMessageEffect::Stay,
    }
}

/// State after the visitor closes the chat: final when the operator already closed it,
/// otherwise `closed_by_visitor` (a later visitor message reopens it); `None` when there is
/// nothing to change.
pub fn visitor_close(state: ChatState) -> Option<ChatState> {
    match state {
        ChatState::Closed | ChatState::ClosedByVisitor => None,
        // A declined invitation, like a chat the operator already closed, ends for good.
        ChatState::ClosedByOperator | ChatState::Invitation => Some(ChatState::Closed),
        _ => Some(ChatState::ClosedByVisitor),
    }
}

/// State after the operator closes the chat; `closes_finally` is the organisation setting
/// "operator closes chat finally".
pub fn operator_close(state: ChatState, closes_finally: bool) -> Option<ChatState> {
    match state {
        ChatState::Closed | ChatState::ClosedByOperator => None,
        ChatState::ClosedByVisitor => Some(ChatState::Closed),
        _ if closes_finally => Some(ChatState::Closed),
        _ => Some(ChatState::ClosedByOperator),
    }
}

/// An operator's (or a bot's) message in a chat closed by one side reopens it, answered by
/// the writer; `None` when the state stays.
pub fn operator_message_reopens(state: ChatState, writer_is_bot: bool) -> Option<ChatState> {
    state.is_half_closed().then_some(if writer_is_bot { ChatState::ChattingWithRobot } else { ChatState::Chatting })
}

/// An operator's close needs a category when the organisation requires one ("category
/// required"). A bot's close does not, nor a chat that is already final (closing it changes
/// nothing).
pub fn category_before_close(
    category_required: bool,
    category: Option<&str>,
    state: ChatState,
    closer_is_bot: bool,
) -> Result<(), DomainError> {
    if category_required && category.is_none() && !state.is_final() && !closer_is_bot {
        return Err(DomainError::CategoryRequired);
    }
    Ok(())
}

/// A rating value: an integer from −2 to 2.
pub fn parse_rate(s: &str) -> Result<i64, DomainError> {
    match s.trim().parse::<i64>() {
        Ok(v) if (-2..=2).contains(&v) => Ok(v),
        _ => Err(DomainError::RateValueIncorrect),
    }
}

/// Longest visitor note on a rating.
pub const MAX_RATING_NOTE: usize = 2000;

/// How many transcripts a visitor may request per hour.
pub const CHAT_HISTORY_PER_HOUR: i64 = 5;

/// Ratings at or below this (on the −2…2 scale: «satisfactory» and worse) are reported to the
/// negative-feedback addresses.
pub const NEGATIVE_RATING: i64 = 0;

/// Negative-rating and long-wait e-mails: at most one of each kind per 30 minutes.
pub const NOTICE_EVERY_MICROS: i64 = 30 * 60 * 1_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits() {
        let s = OrgSettings::default();
        assert_eq!(validate_text("  \n", &s), Err(DomainError::MessageEmpty));
        assert!(validate_text("привет", &s).is_ok());
        let long = "я".repeat(s.max_message_length + 1);
        assert_eq!(validate_text(&long, &s), Err(DomainError::MessageTooLong(10_000)));
        assert!(validate_text(&"я".repeat(s.max_message_length), &s).is_ok());
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("off"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn reopening_and_closing() {
        use ChatState::*;
        assert_eq!(visitor_message_effect(Closed, true), VisitorMessageEffect::NewChat);
        assert_eq!(visitor_message_effect(ClosedByOperator, true), VisitorMessageEffect::Reopen(Chatting));
        assert_eq!(visitor_message_effect(ClosedByVisitor, false), VisitorMessageEffect::Reopen(Queue));
        assert_eq!(visitor_message_effect(Chatting, true), VisitorMessageEffect::Stay);
        assert_eq!(visitor_close(Chatting), Some(ClosedByVisitor));
        assert_eq!(visitor_close(Queue), Some(ClosedByVisitor));
        assert_eq!(visitor_close(Invitation), Some(Closed), "a declined invitation ends");
        assert_eq!(visitor_close(ClosedByOperator), Some(Closed));
        assert_eq!(visitor_close(Closed), None);
        assert_eq!(operator_close(Chatting, false), Some(ClosedByOperator));
        assert_eq!(operator_close(Chatting, true), Some(Closed));
        assert_eq!(operator_close(ClosedByVisitor, false), Some(Closed));
    }

    #[test]
    fn an_operators_message_reopens_a_chat_closed_by_one_side_for_the_writer() {
        use ChatState::*;
        assert_eq!(operator_message_reopens(ClosedByVisitor, false), Some(Chatting));
        assert_eq!(operator_message_reopens(ClosedByOperator, true), Some(ChattingWithRobot));
        assert_eq!(operator_message_reopens(Chatting, false), None);
        assert_eq!(operator_message_reopens(Queue, false), None);
    }

    #[test]
    fn a_human_closes_a_chat_only_once_it_has_a_category_when_one_is_required() {
        use ChatState::*;
        assert_eq!(category_before_close(true, None, Chatting, false), Err(DomainError::CategoryRequired));
        assert_eq!(category_before_close(true, None, ClosedByVisitor, false), Err(DomainError::CategoryRequired));
        assert_eq!(category_before_close(true, Some("Оплата"), Chatting, false), Ok(()));
        assert_eq!(category_before_close(false, None, Chatting, false), Ok(()), "not required");
        assert_eq!(category_before_close(true, None, Chatting, true), Ok(()), "bots close without one");
        assert_eq!(category_before_close(true, None, Closed, false), Ok(()), "a final chat changes nothing");
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("2"), Ok(2));
        assert_eq!(parse_rate("-2"), Ok(-2));
        assert_eq!(parse_rate("3"), Err(DomainError::RateValueIncorrect));
        assert_eq!(parse_rate("x"), Err(DomainError::RateValueIncorrect));
    }
}
