//! Inputs and outputs of post-chat surveys.

use beseda_core::ids::OperatorId;

/// `survey.answer`: the offer it is about, and the answer to one question (none: the visitor
/// closes the survey).
#[derive(Clone, Debug)]
pub struct SurveyReply {
    pub survey_id: String,
    pub answer: Option<SurveyAnswer>,
}

#[derive(Clone, Debug)]
pub struct SurveyAnswer {
    pub form_id: i64,
    pub question_id: i64,
    pub answer: String,
}

/// `chat.resolution_survey_select`: was the question resolved (1) or not (0) by the operator.
#[derive(Clone, Debug)]
pub struct Resolution {
    pub operator_id: OperatorId,
    pub answer: i64,
}

/// One answer to a survey, with what statistics group it by.
#[derive(Clone, Debug, PartialEq)]
pub struct SurveyAnswerFact {
    /// The offer (the `id` the visitor saw).
    pub run_id: i64,
    pub survey_id: i64,
    /// The survey's title when it was offered.
    pub title: String,
    pub version: i64,
    pub chat_id: i64,
    /// The operator who closed the chat, and the chat's department.
    pub operator_id: Option<i64>,
    pub department_key: Option<String>,
    pub form_id: i64,
    pub question_id: i64,
    /// `stars`, `radio` or `comment`, and the question's text, as offered.
    pub kind: String,
    pub question: String,
    /// A mark `1`–`5`, the chosen option's text, or the comment.
    pub answer: String,
    pub answered_at: i64,
}

/// How many offers of a survey there were in a period, and how they ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SurveyOffers {
    pub survey_id: i64,
    pub title: String,
    pub offered: i64,
    pub completed: i64,
    pub cancelled: i64,
}
