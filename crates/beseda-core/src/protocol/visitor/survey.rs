//! The survey object (visitor-api.md §9.8): a survey offered to the visitor, its forms and the
//! question asked now.

use crate::survey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A running survey: `id` names this offer, `config` the survey in the version offered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Survey {
    pub id: String,
    pub config: SurveyConfig,
    pub current_question: CurrentQuestion,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SurveyConfig {
    pub id: i64,
    pub version: String,
    pub descriptor: SurveyDescriptor,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SurveyDescriptor {
    pub forms: Vec<SurveyForm>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SurveyForm {
    pub id: i64,
    pub questions: Vec<SurveyQuestion>,
}

/// A question: `type` is `stars` (options `1`…`5`), `radio` (its options) or `comment` (no
/// options).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SurveyQuestion {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// A `comment` question's longest answer in characters (Beseda extension; SDKs ignore it).
    #[serde(rename = "maxLength", default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
}

/// The question asked now: the form's id and the question's position in it (from 0).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CurrentQuestion {
    pub form_id: i64,
    pub question_id: i64,
}

impl Survey {
    /// The offer `run_id` of survey `survey_id` (version `version`, these forms), at `at`.
    pub fn new(run_id: i64, survey_id: i64, version: i64, forms: &[survey::Form], at: survey::Position) -> Self {
        Self {
            id: run_id.to_string(),
            config: SurveyConfig {
                id: survey_id,
                version: version.to_string(),
                descriptor: SurveyDescriptor {
                    forms: forms
                        .iter()
                        .map(|f| SurveyForm {
                            id: f.id,
                            questions: f
                                .questions
                                .iter()
                                .map(|q| SurveyQuestion {
                                    kind: q.kind.as_str().to_owned(),
                                    text: q.text.clone(),
                                    options: q.wire_options(),
                                    max_length: (q.kind == survey::QuestionKind::Comment).then(|| q.comment_limit()),
                                })
                                .collect(),
                        })
                        .collect(),
                },
            },
            current_question: CurrentQuestion { form_id: at.form_id, question_id: at.question_id },
        }
    }
}
