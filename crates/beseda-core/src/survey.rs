//! Post-chat surveys (visitor-api.md §9.8): a survey an administrator defines — forms of
//! `stars`, `radio` and `comment` questions, for a department and/or a language — and the rules
//! of answering it. A question is named by its form's id and its position in the form (from 0).

mod check;

pub use check::{blank, Problem, CODES as PROBLEM_CODES};

use crate::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The options of a `stars` question, as clients show them.
pub const STARS: [&str; 5] = ["1", "2", "3", "4", "5"];
pub const MAX_TITLE: usize = 200;
pub const MAX_FORMS: usize = 10;
pub const MAX_QUESTIONS: usize = 20;
pub const MAX_QUESTION_TEXT: usize = 1000;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_OPTION_TEXT: usize = 200;
/// The longest comment an administrator may allow, and the limit when none is set.
pub const MAX_COMMENT_LIMIT: u32 = 5000;
pub const DEFAULT_COMMENT_LIMIT: u32 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// A mark from 1 to 5.
    Stars,
    /// One of the options, answered by its number (from 1, as Webim's SDKs number them).
    Radio,
    /// Free text up to `maxLength` characters.
    Comment,
}

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stars => "stars",
            Self::Radio => "radio",
            Self::Comment => "comment",
        }
    }
}

/// One question of a form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Question {
    #[serde(rename = "type")]
    pub kind: QuestionKind,
    pub text: String,
    /// A `radio` question's options (2 to 20); empty for the other types.
    #[serde(default)]
    pub options: Vec<String>,
    /// A `comment` question's longest answer, in characters (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
}

impl Question {
    /// The options clients are shown: the stars' marks, a radio question's options, none for a
    /// comment.
    pub fn wire_options(&self) -> Option<Vec<String>> {
        match self.kind {
            QuestionKind::Stars => Some(STARS.iter().map(|s| (*s).to_owned()).collect()),
            QuestionKind::Radio => Some(self.options.clone()),
            QuestionKind::Comment => None,
        }
    }

    pub fn comment_limit(&self) -> u32 {
        self.max_length.unwrap_or(DEFAULT_COMMENT_LIMIT)
    }

    /// The answer as it is kept: a mark `1`–`5`, an option's position **from 0** (the visitor
    /// sends its number from 1; answers were always kept from 0, so rows need no migration), or
    /// the comment without the spaces around it.
    pub fn check_answer(&self, answer: &str) -> Result<String, DomainError> {
        match self.kind {
            QuestionKind::Stars => match answer.trim().parse::<u8>() {
                Ok(n @ 1..=5) => Ok(n.to_string()),
                _ => Err(DomainError::IncorrectStarsValue),
            },
            QuestionKind::Radio => match answer.trim().parse::<usize>() {
                Ok(n) if (1..=self.options.len()).contains(&n) => Ok((n - 1).to_string()),
                _ => Err(DomainError::IncorrectRadioValue),
            },
            // An empty comment is accepted (SDK apps send one); it is kept without the spaces
            // around it.
            QuestionKind::Comment => {
                let text = answer.trim();
                if text.chars().count() > self.comment_limit() as usize {
                    return Err(DomainError::MaxCommentLengthExceeded);
                }
                Ok(text.to_owned())
            }
        }
    }
}

/// A form: questions asked one after another. Its id is its position in the survey, from 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Form {
    #[serde(default)]
    pub id: i64,
    pub questions: Vec<Question>,
}

/// Where a survey stands: the question asked now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub form_id: i64,
    pub question_id: i64,
}

/// The question at `at`, if the forms have one there.
pub fn question(forms: &[Form], at: Position) -> Option<&Question> {
    let form = forms.iter().find(|f| f.id == at.form_id)?;
    usize::try_from(at.question_id).ok().and_then(|i| form.questions.get(i))
}

/// The first question of the survey.
pub fn first(forms: &[Form]) -> Option<Position> {
    forms.iter().find(|f| !f.questions.is_empty()).map(|f| Position { form_id: f.id, question_id: 0 })
}

/// The question after `at`: the next one of its form, else the first of the next form; `None`
/// after the last.
pub fn next(forms: &[Form], at: Position) -> Option<Position> {
    let index = forms.iter().position(|f| f.id == at.form_id)?;
    let form = &forms[index];
    if usize::try_from(at.question_id + 1).is_ok_and(|n| n < form.questions.len()) {
        return Some(Position { form_id: form.id, question_id: at.question_id + 1 });
    }
    first(&forms[index + 1..])
}

/// A survey as the administrator defines it.
#[derive(Clone, Debug, PartialEq)]
pub struct Survey {
    /// 0 for a new one.
    pub id: i64,
    pub title: String,
    /// Offered at all (besides the organisation's `surveys` setting).
    pub enabled: bool,
    /// Offered after chats of this department only (`None`: any).
    pub department_key: Option<String>,
    /// Offered after chats in this language only (`None`: any).
    pub lang: Option<String>,
    /// Grows with every change; a running survey keeps the version it was offered in.
    pub version: i64,
    pub forms: Vec<Form>,
    pub updated_at: i64,
}

impl Survey {
    /// Numbers the forms from 1.
    pub fn number_forms(&mut self) {
        for (i, f) in self.forms.iter_mut().enumerate() {
            f.id = i as i64 + 1;
        }
    }

    /// How well the survey fits a chat: `None` if it does not; more for a closer scope (a
    /// department and a language, then a department, then a language, then neither).
    pub fn fit(&self, department: Option<&str>, lang: &str) -> Option<u8> {
        if !self.enabled {
            return None;
        }
        let dep = match &self.department_key {
            None => 0,
            Some(k) if Some(k.as_str()) == department => 2,
            Some(_) => return None,
        };
        let lang_fit = match &self.lang {
            None => 0,
            Some(l) if l == lang => 1,
            Some(_) => return None,
        };
        Some(dep + lang_fit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(kind: QuestionKind) -> Question {
        let options = if kind == QuestionKind::Radio { vec!["Да".into(), "Нет".into()] } else { vec![] };
        Question { kind, text: "?".into(), options, max_length: None }
    }

    fn forms() -> Vec<Form> {
        vec![
            Form { id: 1, questions: vec![q(QuestionKind::Stars), q(QuestionKind::Radio)] },
            Form { id: 2, questions: vec![q(QuestionKind::Comment)] },
        ]
    }

    #[test]
    fn questions_follow_each_other_across_forms() {
        let f = forms();
        let start = first(&f).expect("first");
        assert_eq!(start, Position { form_id: 1, question_id: 0 });
        let second = next(&f, start).expect("second");
        assert_eq!(second, Position { form_id: 1, question_id: 1 });
        let third = next(&f, second).expect("third");
        assert_eq!(third, Position { form_id: 2, question_id: 0 });
        assert_eq!(next(&f, third), None);
        assert!(question(&f, Position { form_id: 2, question_id: 1 }).is_none());
        assert!(question(&f, Position { form_id: 3, question_id: 0 }).is_none());
        assert!(question(&f, Position { form_id: 1, question_id: -1 }).is_none());
    }

    #[test]
    fn answers_are_checked_by_question_type() {
        assert_eq!(q(QuestionKind::Stars).check_answer(" 5 "), Ok("5".into()));
        for bad in ["0", "6", "x", "", "-1"] {
            assert_eq!(q(QuestionKind::Stars).check_answer(bad), Err(DomainError::IncorrectStarsValue), "{bad}");
        }
        // Numbered from 1 on the wire, kept from 0.
        assert_eq!(q(QuestionKind::Radio).check_answer("1"), Ok("0".into()));
        assert_eq!(q(QuestionKind::Radio).check_answer(" 2 "), Ok("1".into()));
        for bad in ["0", "3", "Да", "-1", ""] {
            assert_eq!(q(QuestionKind::Radio).check_answer(bad), Err(DomainError::IncorrectRadioValue), "{bad}");
        }
        let mut c = q(QuestionKind::Comment);
        c.max_length = Some(3);
        assert_eq!(c.check_answer("ёжик"), Err(DomainError::MaxCommentLengthExceeded));
        assert_eq!(c.check_answer("ёж"), Ok("ёж".into()));
        assert_eq!(c.check_answer("  ёжи \n"), Ok("ёжи".into()));
        assert_eq!(c.check_answer(" "), Ok(String::new()));
    }

    #[test]
    fn the_closest_scope_fits_best() {
        let mut s = Survey {
            id: 1,
            title: "t".into(),
            enabled: true,
            department_key: None,
            lang: None,
            version: 1,
            forms: forms(),
            updated_at: 0,
        };
        assert_eq!(s.fit(Some("sales"), "ru"), Some(0));
        s.lang = Some("ru".into());
        assert_eq!(s.fit(None, "ru"), Some(1));
        assert_eq!(s.fit(None, "en"), None);
        s.department_key = Some("sales".into());
        assert_eq!(s.fit(Some("sales"), "ru"), Some(3));
        assert_eq!(s.fit(None, "ru"), None);
        s.enabled = false;
        assert_eq!(s.fit(Some("sales"), "ru"), None);
    }

    #[test]
    fn an_administrator_is_told_what_to_fix() {
        let mut s = Survey {
            id: 0,
            title: "Опрос".into(),
            enabled: true,
            department_key: None,
            lang: None,
            version: 0,
            forms: forms(),
            updated_at: 0,
        };
        assert!(s.problems().is_ok());
        let at = |s: &Survey| s.problems().map_err(|p| (p.code, p.path()));
        s.forms[0].questions[1].options.truncate(1);
        assert_eq!(at(&s), Err(("survey-options-count", "forms[0].questions[1].options".into())));
        s.forms = forms();
        s.forms[0].questions[1].options = vec!["Да".into(), " да ".into()];
        assert_eq!(at(&s), Err(("survey-option-duplicate", "forms[0].questions[1].options".into())));
        s.forms = forms();
        s.forms[1].questions[0].max_length = Some(MAX_COMMENT_LIMIT + 1);
        assert_eq!(at(&s), Err(("survey-max-length-invalid", "forms[1].questions[0].maxLength".into())));
        s.forms = forms();
        s.forms[0].questions[0].options = vec!["a".into()];
        assert_eq!(at(&s), Err(("survey-options-not-radio", "forms[0].questions[0].options".into())));
        for empty in ["", " \t\n", "\u{200b}", "\u{3000}\u{feff}"] {
            s.forms = forms();
            s.forms[1].questions[0].text = empty.into();
            assert_eq!(at(&s), Err(("survey-question-text-invalid", "forms[1].questions[0].text".into())), "{empty:?}");
        }
        s.forms[1].questions.clear();
        assert_eq!(at(&s), Err(("survey-questions-count", "forms[1].questions".into())));
        s.forms.clear();
        assert_eq!(at(&s), Err(("survey-forms-count", "forms".into())));
        s.title = " ".into();
        assert_eq!(at(&s), Err(("survey-title-invalid", "title".into())));
        for code in PROBLEM_CODES {
            assert!(code.starts_with("survey-"), "{code}");
        }
    }
}
