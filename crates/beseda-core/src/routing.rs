//! Who gets a chat: bots first, then (with auto-assignment) the least loaded matching operator.
//! Pure decisions over snapshots the store reads inside the assigning transaction.

use crate::ids::OperatorId;
use crate::state::OperatorStatus;

/// A bot operator account as routing sees it.
#[derive(Clone, Debug)]
pub struct BotCandidate {
    pub operator_id: OperatorId,
    pub status: OperatorStatus,
    pub sort_order: i64,
    pub created_at: i64,
    pub department_keys: Vec<String>,
}

/// The bot that takes a new chat of `department` (bot-api.md §2): eligible bots are those
/// listing the department, or — when none lists it or the chat has none — the catch-all bots
/// (no departments). `online` bots always take it; `invisible` ones only when no human who could
/// take it is online. Lowest sort order wins, then the oldest bot.
pub fn choose_bot(bots: &[BotCandidate], department: Option<&str>, humans_online: bool) -> Option<OperatorId> {
    let listing: Vec<&BotCandidate> = match department {
        Some(d) => bots.iter().filter(|b| b.department_keys.iter().any(|k| k == d)).collect(),
        None => Vec::new(),
    };
    let eligible: Vec<&BotCandidate> =
        if listing.is_empty() { bots.iter().filter(|b| b.department_keys.is_empty()).collect() } else { listing };
    eligible
        .into_iter()
        .filter(|b| match b.status {
            OperatorStatus::Online => true,
            OperatorStatus::Invisible => !humans_online,
            OperatorStatus::Offline => false,
        })
        .min_by_key(|b| (b.sort_order, b.created_at, b.operator_id))
        .map(|b| b.operator_id)
}

/// Whether department `key` can take a new chat now, for a chat nobody named a department for
/// (seed 001, Metabot24's recipe; routing.md "Who gets a new chat"): a bot would take it there
/// ([`choose_bot`]), or a human serving it is online (`humans_online`). The store walks the
/// placement's departments in sort order and gives the chat to the first that can.
pub fn department_takes(bots: &[BotCandidate], key: &str, humans_online: bool) -> bool {
    humans_online || choose_bot(bots, Some(key), humans_online).is_some()
}

/// A human operator as auto-assignment sees it.
#[derive(Clone, Debug)]
pub struct OperatorLoad {
    pub operator_id: OperatorId,
    pub open_chats: i64,
    /// Effective limit: the operator's own or the organisation's.
    pub max_chats: i64,
    pub last_assigned_at: i64,
    pub languages: Vec<String>,
    pub department_keys: Vec<String>,
}

impl OperatorLoad {
    /// Serves the department (an operator with no departments serves all).
    pub fn serves_department(&self, department: Option<&str>) -> bool {
        match department {
            None => true,
            Some(d) => self.department_keys.is_empty() || self.department_keys.iter().any(|k| k == d),
        }
    }

    /// Speaks the language (always true when languages are not checked).
    pub fn speaks(&self, language: Option<&str>) -> bool {
        language.is_none_or(|l| self.languages.iter().any(|k| k == l))
    }
}

/// The operator a waiting chat goes to: matching department and language, below capacity,
/// fewest open chats, ties broken by the longest time since the last assignment.
pub fn choose_operator<'a>(
    operators: &'a [OperatorLoad],
    department: Option<&str>,
    language: Option<&str>,
    exclude: Option<OperatorId>,
) -> Option<&'a OperatorLoad> {
    let candidates: Vec<&OperatorLoad> = operators.iter().filter(|o| Some(o.operator_id) != exclude).collect();
    choose_operator_from(&candidates, department, language)
}

/// [`choose_operator`] over a list of references (candidates already narrowed by the caller).
pub fn choose_operator_from<'a>(
    operators: &[&'a OperatorLoad],
    department: Option<&str>,
    language: Option<&str>,
) -> Option<&'a OperatorLoad> {
    operators
        .iter()
        .copied()
        .filter(|o| o.open_chats < o.max_chats && o.serves_department(department) && o.speaks(language))
        .min_by_key(|o| (o.open_chats, o.last_assigned_at, o.operator_id))
}

/// Categories as the admin enters them: one per line; a line starting with a space is a
/// subcategory of the category above it.
pub fn parse_categories(lines: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') {
            if let Some(last) = out.last_mut() {
                last.1.push(line.trim().to_owned());
                continue;
            }
        }
        out.push((line.trim().to_owned(), Vec::new()));
    }
    out
}

/// Checks a category (and subcategory) against the configured list.
pub fn valid_category(lines: &[String], category: &str, subcategory: Option<&str>) -> bool {
    parse_categories(lines).iter().any(|(c, subs)| {
        c == category
            && match subcategory {
                None => true,
                Some(s) => subs.iter().any(|x| x == s),
            }
    })
}

/// A visitor who left before any answer: a refusal when they waited less than the refusal
/// timeout, missed otherwise.
pub fn unanswered_outcome(waited_micros: i64, refusal_timeout_secs: u64) -> &'static str {
    if waited_micros < i64::try_from(refusal_timeout_secs).unwrap_or(i64::MAX).saturating_mul(1_000_000) {
        "refusal"
    } else {
        "missed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bot(id: i64, status: OperatorStatus, order: i64, deps: &[&str]) -> BotCandidate {
        BotCandidate {
            operator_id: OperatorId(id),
            status,
            sort_order: order,
            created_at: id,
            department_keys: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn bots_first_by_status_department_and_order() {
        use OperatorStatus::*;
        let bots = [bot(1, Online, 100, &[]), bot(2, Online, 10, &["sales"]), bot(3, Online, 5, &["sales"])];
        assert_eq!(choose_bot(&bots, Some("sales"), true), Some(OperatorId(3)), "lowest order among listing bots");
        assert_eq!(choose_bot(&bots, Some("support"), true), Some(OperatorId(1)), "catch-all when none lists it");
        assert_eq!(choose_bot(&bots, None, true), Some(OperatorId(1)));
        let invisible = [bot(4, Invisible, 1, &[])];
        assert_eq!(choose_bot(&invisible, None, true), None, "invisible bots yield to online humans");
        assert_eq!(choose_bot(&invisible, None, false), Some(OperatorId(4)));
        assert_eq!(choose_bot(&[bot(5, Offline, 1, &[])], None, false), None);
        let tie = [bot(7, Online, 1, &[]), bot(6, Online, 1, &[])];
        assert_eq!(choose_bot(&tie, None, false), Some(OperatorId(6)), "a tie goes to the oldest bot");
    }

    #[test]
    fn a_department_takes_a_chat_with_a_bot_or_a_human_online() {
        use OperatorStatus::*;
        let bots = [bot(1, Online, 100, &["bot"]), bot(2, Offline, 1, &["night"]), bot(3, Invisible, 1, &["quiet"])];
        assert!(department_takes(&bots, "bot", false), "its online bot takes it");
        assert!(!department_takes(&bots, "night", false), "an offline bot takes nothing");
        assert!(department_takes(&bots, "night", true), "a human serving it is online");
        assert!(!department_takes(&bots, "people", false), "no bot lists it, no catch-all bot, nobody online");
        assert!(department_takes(&bots, "quiet", false), "an invisible bot when no human there is online");
        let catch_all = [bot(4, Online, 1, &[])];
        assert!(department_takes(&catch_all, "people", false), "a catch-all bot serves every department");
    }

    fn load(id: i64, open: i64, max: i64, last: i64, langs: &[&str], deps: &[&str]) -> OperatorLoad {
        OperatorLoad {
            operator_id: OperatorId(id),
            open_chats: open,
            max_chats: max,
            last_assigned_at: last,
            languages: langs.iter().map(|l| l.to_string()).collect(),
            department_keys: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn least_loaded_matching_operator_below_capacity() {
        let ops = [
            load(1, 2, 5, 10, &["ru"], &[]),
            load(2, 1, 5, 50, &["ru"], &["sales"]),
            load(3, 1, 5, 20, &["en"], &[]),
            load(4, 5, 5, 0, &["ru"], &[]),
        ];
        let pick = |d, l, x| choose_operator(&ops, d, l, x).map(|o| o.operator_id.0);
        assert_eq!(pick(Some("sales"), Some("ru"), None), Some(2));
        assert_eq!(pick(Some("support"), Some("ru"), None), Some(1), "operator 2 serves sales only");
        assert_eq!(pick(None, None, None), Some(3), "tie on load: longest since last assignment");
        assert_eq!(pick(None, Some("de"), None), None);
        assert_eq!(pick(Some("sales"), Some("ru"), Some(OperatorId(2))), Some(1));
        assert!(
            ops[3].open_chats >= ops[3].max_chats && pick(None, None, None) != Some(4),
            "full operators get nothing"
        );
    }

    #[test]
    fn categories_with_subcategories() {
        let lines: Vec<String> = ["Доставка", " Курьер", " Почта", "Оплата"].iter().map(|s| s.to_string()).collect();
        let parsed = parse_categories(&lines);
        assert_eq!(parsed[0], ("Доставка".into(), vec!["Курьер".into(), "Почта".into()]));
        assert!(valid_category(&lines, "Доставка", Some("Почта")));
        assert!(valid_category(&lines, "Оплата", None));
        assert!(!valid_category(&lines, "Оплата", Some("Почта")));
        assert!(!valid_category(&lines, "Прочее", None));
    }

    #[test]
    fn refusal_or_missed() {
        assert_eq!(unanswered_outcome(10_000_000, 30), "refusal");
        assert_eq!(unanswered_outcome(31_000_000, 30), "missed");
    }
}
