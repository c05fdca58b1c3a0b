//! Who may change a chat: take it, write in it, redirect, categorise or close it. Pure
//! decisions over what the store read inside the change's transaction.

use crate::error::DomainError;
use crate::ids::OperatorId;
use crate::model::Operator;
use crate::settings::OrgSettings;
use crate::state::{ChatState, MessageKind, OperatorRole, OperatorStatus};

/// An operator changes chats nobody holds and their own; supervisors and administrators any.
pub fn may_change(operator: &Operator, holder: Option<OperatorId>) -> Result<(), DomainError> {
    if holder.is_some_and(|h| h != operator.id) && operator.role == OperatorRole::Operator {
        return Err(DomainError::ChatTaken);
    }
    Ok(())
}

/// Some actions (typing, reading for the visitor, teleporting the page) are the holder's alone.
pub fn must_hold(operator: OperatorId, holder: Option<OperatorId>) -> Result<(), DomainError> {
    if holder != Some(operator) {
        return Err(DomainError::ChatTaken);
    }
    Ok(())
}

/// An operator deletes a message of a chat that is not closed (neither `closed` nor
/// `closed_by_operator`, what the workspace shows as closed): only one they wrote themselves,
/// and only a text or a file — not a visitor's, a bot's, a colleague's or a system message, not
/// a note, keyboard, contact request or action request.
pub fn may_delete_message(
    operator: OperatorId,
    state: ChatState,
    author: Option<OperatorId>,
    kind: MessageKind,
) -> Result<(), DomainError> {
    if author != Some(operator) {
        return Err(DomainError::MessageNotOwned);
    }
    if !matches!(kind, MessageKind::Operator | MessageKind::FileOperator) {
        return Err(DomainError::WrongMessageKind);
    }
    if matches!(state, ChatState::Closed | ChatState::ClosedByOperator) {
        return Err(DomainError::ChatClosed);
    }
    Ok(())
}

/// What taking a chat (explicitly, or implicitly by writing in it) does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The chat is already the operator's and being answered: nothing changes.
    Holding,
    /// The operator's own chat, closed by one side: it becomes active again.
    Resume,
    /// The chat becomes the operator's: a waiting one, or one a bot holds (taken over).
    Assign,
}

/// Writing in a chat makes it the writer's: a waiting chat is taken implicitly, a bot's is
/// taken over, the writer's own is resumed; a final chat or another human's is refused.
pub fn claim(operator: OperatorId, state: ChatState, holder: Option<OperatorId>) -> Result<Claim, DomainError> {
    if state.is_final() {
        return Err(DomainError::ChatClosed);
    }
    match holder {
        Some(h) if h == operator => Ok(if state.is_active() { Claim::Holding } else { Claim::Resume }),
        Some(_) if state != ChatState::ChattingWithRobot => Err(DomainError::ChatTaken),
        _ => Ok(Claim::Assign),
    }
}

/// An explicit take: the operator's own active chat is taken already; otherwise only a waiting
/// chat or a bot's can be taken (a half-closed chat is not up for taking).
pub fn take(operator: OperatorId, state: ChatState, holder: Option<OperatorId>) -> Result<Claim, DomainError> {
    if holder == Some(operator) && state.is_active() {
        return Ok(Claim::Holding);
    }
    if !state.is_waiting() && state != ChatState::ChattingWithRobot {
        return Err(if state.is_final() { DomainError::ChatClosed } else { DomainError::ChatTaken });
    }
    claim(operator, state, holder)
}

/// A redirect: never of a final chat; an operator may move their own chats and take over
/// bots'; supervisors and administrators any.
pub fn may_redirect(
    by: &Operator,
    state: ChatState,
    holder: Option<OperatorId>,
    holder_is_bot: bool,
) -> Result<(), DomainError> {
    if state.is_final() {
        return Err(DomainError::ChatClosed);
    }
    if holder.is_some_and(|h| h != by.id) && by.role == OperatorRole::Operator && !holder_is_bot {
        return Err(DomainError::ChatTaken);
    }
    Ok(())
}

/// A redirect to one operator: a bot takes it whatever its status and language; a human only
/// when not offline and, in a multilingual organisation, speaking the chat's `language` (the
/// rule of the lists, [`crate::visibility::speaks_language`]).
pub fn may_redirect_to(
    target: &Operator,
    target_is_bot: bool,
    settings: &OrgSettings,
    language: Option<&str>,
) -> Result<(), DomainError> {
    if target_is_bot {
        return Ok(());
    }
    if target.status == OperatorStatus::Offline {
        return Err(DomainError::OperatorOffline);
    }
    if !crate::visibility::speaks_language(target, settings, language) {
        return Err(DomainError::OperatorLanguageNotSpoken);
    }
    Ok(())
}

/// What a redirect to a department may count on, and what it accepts.
#[derive(Clone, Copy, Debug, Default)]
pub struct DepartmentReach {
    /// A human serving the department is online.
    pub online: bool,
    /// A human serving the department is invisible.
    pub invisible: bool,
    /// The redirecting operator accepts a department nobody is online in.
    pub allow_offline: bool,
    /// … or one only invisible operators serve.
    pub allow_invisible: bool,
}

impl DepartmentReach {
    /// Humans (never bots: a department redirect never lands on a bot) with `status` serve
    /// `department`; an operator with no departments serves all.
    pub fn serves(operators: &[Operator], bots: &[OperatorId], department: &str, status: OperatorStatus) -> bool {
        operators.iter().any(|o| {
            o.status == status
                && !bots.contains(&o.id)
                && (o.department_keys.is_empty() || o.department_keys.iter().any(|k| k == department))
        })
    }

    /// The redirect goes ahead when someone is online, or the redirecting operator accepts
    /// the department as it is.
    pub fn check(self) -> Result<(), DomainError> {
        if self.online || self.allow_offline || (self.invisible && self.allow_invisible) {
            Ok(())
        } else {
            Err(DomainError::DepartmentOffline)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChatState::*;

    fn op(id: i64, role: OperatorRole, status: OperatorStatus, departments: &[&str]) -> Operator {
        Operator {
            id: OperatorId(id),
            email: format!("{id}@x.io"),
            name: format!("op {id}"),
            role,
            status,
            languages: Vec::new(),
            max_chats: None,
            avatar: None,
            title: None,
            department_keys: departments.iter().map(|d| d.to_string()).collect(),
            locale_names: Default::default(),
            created_at: 0,
            must_change_password: false,
            active: true,
            interface_lang: None,
        }
    }

    const ANNA: OperatorId = OperatorId(1);
    const BORIS: OperatorId = OperatorId(2);

    #[test]
    fn an_operator_changes_chats_nobody_holds_and_their_own_supervisors_and_admins_any() {
        let anna = op(1, OperatorRole::Operator, OperatorStatus::Online, &[]);
        assert_eq!(may_change(&anna, None), Ok(()));
        assert_eq!(may_change(&anna, Some(ANNA)), Ok(()));
        assert_eq!(may_change(&anna, Some(BORIS)), Err(DomainError::ChatTaken));
        for role in [OperatorRole::Supervisor, OperatorRole::Admin] {
            assert_eq!(may_change(&op(1, role, OperatorStatus::Online, &[]), Some(BORIS)), Ok(()), "{role:?}");
        }
    }

    #[test]
    fn typing_reading_and_teleporting_are_the_holders_alone() {
        assert_eq!(must_hold(ANNA, Some(ANNA)), Ok(()));
        assert_eq!(must_hold(ANNA, None), Err(DomainError::ChatTaken));
        assert_eq!(must_hold(ANNA, Some(BORIS)), Err(DomainError::ChatTaken));
    }

    #[test]
    fn writing_takes_a_waiting_chat_takes_over_a_bots_and_resumes_ones_own() {
        assert_eq!(claim(ANNA, Queue, None), Ok(Claim::Assign));
        assert_eq!(claim(ANNA, OfflineQueue, None), Ok(Claim::Assign));
        assert_eq!(claim(ANNA, ChattingWithRobot, Some(BORIS)), Ok(Claim::Assign), "a bot's chat is taken over");
        assert_eq!(claim(ANNA, Chatting, Some(ANNA)), Ok(Claim::Holding));
        assert_eq!(claim(ANNA, ClosedByVisitor, Some(ANNA)), Ok(Claim::Resume));
        assert_eq!(claim(ANNA, ClosedByOperator, Some(ANNA)), Ok(Claim::Resume));
    }

    #[test]
    fn nobody_writes_in_a_final_chat_or_in_another_humans() {
        assert_eq!(claim(ANNA, Closed, Some(ANNA)), Err(DomainError::ChatClosed));
        assert_eq!(claim(ANNA, Chatting, Some(BORIS)), Err(DomainError::ChatTaken));
        assert_eq!(claim(ANNA, ClosedByVisitor, Some(BORIS)), Err(DomainError::ChatTaken));
    }

    #[test]
    fn an_operator_deletes_only_their_own_texts_and_files_while_the_chat_is_not_closed() {
        use MessageKind::*;
        assert_eq!(may_delete_message(ANNA, Chatting, Some(ANNA), Operator), Ok(()));
        assert_eq!(may_delete_message(ANNA, ClosedByVisitor, Some(ANNA), FileOperator), Ok(()));
        assert_eq!(may_delete_message(ANNA, Queue, Some(ANNA), Operator), Ok(()), "redirected back to the queue");
        assert_eq!(may_delete_message(ANNA, Chatting, Some(BORIS), Operator), Err(DomainError::MessageNotOwned));
        assert_eq!(may_delete_message(ANNA, Chatting, None, Visitor), Err(DomainError::MessageNotOwned));
        assert_eq!(may_delete_message(ANNA, Chatting, None, Info), Err(DomainError::MessageNotOwned));
        for kind in [ForOperator, Keyboard, ContReq, ActionRequest] {
            assert_eq!(may_delete_message(ANNA, Chatting, Some(ANNA), kind), Err(DomainError::WrongMessageKind));
        }
        for state in [Closed, ClosedByOperator] {
            assert_eq!(
                may_delete_message(ANNA, state, Some(ANNA), Operator),
                Err(DomainError::ChatClosed),
                "{state:?}"
            );
        }
    }

    #[test]
    fn only_a_waiting_chat_or_a_bots_can_be_taken() {
        assert_eq!(take(ANNA, Queue, None), Ok(Claim::Assign));
        assert_eq!(take(ANNA, ChattingWithRobot, Some(BORIS)), Ok(Claim::Assign));
        assert_eq!(take(ANNA, Chatting, Some(ANNA)), Ok(Claim::Holding), "one's own active chat is taken already");
        assert_eq!(take(ANNA, Chatting, Some(BORIS)), Err(DomainError::ChatTaken));
        assert_eq!(take(ANNA, ClosedByVisitor, Some(ANNA)), Err(DomainError::ChatTaken), "half-closed is not waiting");
        assert_eq!(take(ANNA, Closed, None), Err(DomainError::ChatClosed));
    }

    #[test]
    fn an_operator_redirects_their_own_chats_and_bots_supervisors_any_never_a_closed_one() {
        let anna = op(1, OperatorRole::Operator, OperatorStatus::Online, &[]);
        assert_eq!(may_redirect(&anna, Chatting, Some(ANNA), false), Ok(()));
        assert_eq!(may_redirect(&anna, Queue, None, false), Ok(()));
        assert_eq!(may_redirect(&anna, ChattingWithRobot, Some(BORIS), true), Ok(()));
        assert_eq!(may_redirect(&anna, Chatting, Some(BORIS), false), Err(DomainError::ChatTaken));
        let supervisor = op(1, OperatorRole::Supervisor, OperatorStatus::Online, &[]);
        assert_eq!(may_redirect(&supervisor, Chatting, Some(BORIS), false), Ok(()));
        assert_eq!(may_redirect(&supervisor, Closed, Some(BORIS), false), Err(DomainError::ChatClosed));
    }

    #[test]
    fn a_redirect_reaches_a_bot_always_and_a_human_unless_offline() {
        let offline = op(2, OperatorRole::Operator, OperatorStatus::Offline, &[]);
        let plain = OrgSettings::default();
        assert_eq!(may_redirect_to(&offline, false, &plain, None), Err(DomainError::OperatorOffline));
        assert_eq!(may_redirect_to(&offline, true, &plain, None), Ok(()));
        let invisible = op(2, OperatorRole::Operator, OperatorStatus::Invisible, &[]);
        assert_eq!(may_redirect_to(&invisible, false, &plain, None), Ok(()));
    }

    #[test]
    fn in_a_multilingual_organisation_a_redirect_reaches_only_a_human_speaking_the_chats_language() {
        let mut russian = op(2, OperatorRole::Operator, OperatorStatus::Online, &[]);
        russian.languages = vec!["ru".to_owned()];
        let plain = OrgSettings::default();
        let multilang = OrgSettings { multilang: true, ..OrgSettings::default() };
        assert_eq!(may_redirect_to(&russian, false, &plain, Some("en")), Ok(()), "languages do not matter");
        let refused = may_redirect_to(&russian, false, &multilang, Some("en"));
        assert_eq!(refused, Err(DomainError::OperatorLanguageNotSpoken));
        assert_eq!(may_redirect_to(&russian, false, &multilang, Some("ru")), Ok(()));
        assert_eq!(may_redirect_to(&russian, false, &multilang, None), Ok(()), "a chat without a language");
        assert_eq!(may_redirect_to(&russian, true, &multilang, Some("en")), Ok(()), "a bot takes any language");
    }

    #[test]
    fn a_department_is_reached_through_online_humans_or_as_the_redirecting_operator_accepts() {
        let operators = [
            op(1, OperatorRole::Operator, OperatorStatus::Online, &["sales"]),
            op(2, OperatorRole::Operator, OperatorStatus::Invisible, &[]),
            op(3, OperatorRole::Operator, OperatorStatus::Online, &["support"]),
        ];
        let bots = [OperatorId(3)];
        assert!(DepartmentReach::serves(&operators, &bots, "sales", OperatorStatus::Online));
        assert!(!DepartmentReach::serves(&operators, &bots, "support", OperatorStatus::Online), "bots do not count");
        assert!(
            DepartmentReach::serves(&operators, &bots, "support", OperatorStatus::Invisible),
            "no departments: all"
        );
        let nobody = DepartmentReach::default();
        assert_eq!(nobody.check(), Err(DomainError::DepartmentOffline));
        assert_eq!(DepartmentReach { online: true, ..nobody }.check(), Ok(()));
        assert_eq!(DepartmentReach { allow_offline: true, ..nobody }.check(), Ok(()));
        assert_eq!(DepartmentReach { allow_invisible: true, ..nobody }.check(), Err(DomainError::DepartmentOffline));
        assert_eq!(DepartmentReach { invisible: true, allow_invisible: true, ..nobody }.check(), Ok(()));
    }
}
