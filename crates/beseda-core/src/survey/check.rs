//! What an administrator must fix in a survey before it is saved: every problem has a stable
//! code (the admin panel shows its own text for it), the place (the field, and the form and
//! question when the field is theirs) and a message for people.

use super::{
    QuestionKind, Survey, MAX_COMMENT_LIMIT, MAX_FORMS, MAX_OPTIONS, MAX_OPTION_TEXT, MAX_QUESTIONS, MAX_QUESTION_TEXT,
    MAX_TITLE,
};

/// One thing wrong with a survey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Machine-readable, e.g. `survey-option-duplicate`.
    pub code: &'static str,
    /// The field: `title`, `forms`, `questions`, `text`, `options`, `maxLength`.
    pub field: &'static str,
    /// The form and the question (from 0) the field belongs to, if it does.
    pub form: Option<usize>,
    pub question: Option<usize>,
    pub why: String,
}

impl Problem {
    fn new(code: &'static str, field: &'static str, why: String) -> Self {
        Self { code, field, form: None, question: None, why }
    }

    fn at(self, form: usize, question: Option<usize>) -> Self {
        Self { form: Some(form), question, ..self }
    }

    /// Where it is, as a path: `title`, `forms[0].questions`, `forms[1].questions[2].options`.
    pub fn path(&self) -> String {
        match (self.form, self.question) {
            (Some(f), Some(q)) => format!("forms[{f}].questions[{q}].{}", self.field),
            (Some(f), None) => format!("forms[{f}].{}", self.field),
            _ => self.field.to_owned(),
        }
    }
}

/// Characters that show nothing: a text of only these (and spaces) is empty.
fn invisible(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{00ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// A text with nothing to read.
pub fn blank(text: &str) -> bool {
    text.chars().all(invisible)
}

impl Survey {
    /// The texts without the spaces around them (title, questions, options), as they are kept.
    pub fn tidy(&mut self) {
        self.title = self.title.trim().to_owned();
        for q in self.forms.iter_mut().flat_map(|f| f.questions.iter_mut()) {
            q.text = q.text.trim().to_owned();
            for o in &mut q.options {
                *o = o.trim().to_owned();
            }
        }
    }

    /// The first problem an administrator must fix, if any.
    pub fn problems(&self) -> Result<(), Problem> {
        if blank(&self.title) || self.title.trim().chars().count() > MAX_TITLE {
            return Err(Problem::new("survey-title-invalid", "title", format!("1 to {MAX_TITLE} characters")));
        }
        if self.forms.is_empty() || self.forms.len() > MAX_FORMS {
            return Err(Problem::new("survey-forms-count", "forms", format!("1 to {MAX_FORMS} forms")));
        }
        for (fi, f) in self.forms.iter().enumerate() {
            if f.questions.is_empty() || f.questions.len() > MAX_QUESTIONS {
                let why = format!("1 to {MAX_QUESTIONS} questions in each form");
                return Err(Problem::new("survey-questions-count", "questions", why).at(fi, None));
            }
            for (qi, q) in f.questions.iter().enumerate() {
                question(q).map_err(|p| p.at(fi, Some(qi)))?;
            }
        }
        Ok(())
    }
}

fn question(q: &super::Question) -> Result<(), Problem> {
    if blank(&q.text) || q.text.trim().chars().count() > MAX_QUESTION_TEXT {
        let why = format!("1 to {MAX_QUESTION_TEXT} characters in each question, not only spaces");
        return Err(Problem::new("survey-question-text-invalid", "text", why));
    }
    match q.kind {
        QuestionKind::Radio => {
            if q.options.len() < 2 || q.options.len() > MAX_OPTIONS {
                let why = format!("2 to {MAX_OPTIONS} options in a radio question");
                return Err(Problem::new("survey-options-count", "options", why));
            }
            if q.options.iter().any(|o| blank(o) || o.trim().chars().count() > MAX_OPTION_TEXT) {
                let why = format!("1 to {MAX_OPTION_TEXT} characters in each option");
                return Err(Problem::new("survey-option-text-invalid", "options", why));
            }
            // The results count answers by the option's text: two options alike would merge.
            let keys: Vec<String> = q.options.iter().map(|o| o.trim().to_lowercase()).collect();
            if let Some(i) = (1..keys.len()).find(|&i| keys[..i].contains(&keys[i])) {
                let shown: String = q.options[i].trim().chars().take(40).collect();
                let why = format!("the option `{shown}` is given twice");
                return Err(Problem::new("survey-option-duplicate", "options", why));
            }
        }
        _ if !q.options.is_empty() => {
            return Err(Problem::new(
                "survey-options-not-radio",
                "options",
                "only a radio question has options".into(),
            ));
        }
        _ => {}
    }
    match (q.kind, q.max_length) {
        (QuestionKind::Comment, Some(n)) if n == 0 || n > MAX_COMMENT_LIMIT => {
            Err(Problem::new("survey-max-length-invalid", "maxLength", format!("1 to {MAX_COMMENT_LIMIT} characters")))
        }
        (QuestionKind::Stars | QuestionKind::Radio, Some(_)) => Err(Problem::new(
            "survey-max-length-not-comment",
            "maxLength",
            "only a comment question has a length limit".into(),
        )),
        _ => Ok(()),
    }
}

/// Every code `problems` gives, for the docs and the admin panel's texts.
pub const CODES: [&str; 10] = [
    "survey-title-invalid",
    "survey-forms-count",
    "survey-questions-count",
    "survey-question-text-invalid",
    "survey-options-count",
    "survey-option-text-invalid",
    "survey-option-duplicate",
    "survey-options-not-radio",
    "survey-max-length-invalid",
    "survey-max-length-not-comment",
];
