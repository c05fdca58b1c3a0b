//! `/l/v/m/action`: every visitor action, selected by `action=` (visitor-api.md §12).

use super::page;
use crate::error::{ApiError, ApiResult};
use crate::metrics::Author;
use crate::params::Params;
use crate::state::AppState;
use crate::throttle::visitor::VisitorAct;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::{hex_id, FileGuid, OperatorId};
use beseda_core::protocol::visitor::ActionAnswer;
use beseda_core::rules;
use beseda_core::state::ChatState;
use beseda_core::DomainError;
use beseda_store::{
    Changes, PageAuth, PageVisit, RateOperator, Resolution, SessionField, StartChat, StoreError, SurveyAnswer,
    SurveyReply, VisitorMessage, VisitorMessageKind,
};
use serde_json::{json, Value};

pub async fn handler(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    p: Params,
) -> ApiResult<Json<ActionAnswer>> {
    let action = p.required("action")?.to_owned();
    if !KNOWN_ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "unknown-method", format!("unknown action `{action}`")));
    }
    match action.as_str() {
        "chat.start" | "chat.offline_message" => state.visitor_limits.check(ip, VisitorAct::ChatStart)?,
        "chat.message" | "sticker" => state.visitor_limits.check(ip, VisitorAct::Message)?,
        _ => {}
    }
    let page = page::from_params(&state, &p).await?;
    let outcome = run(&state, &page, &action, &p).await;
    match outcome {
        Ok(changes) => {
            if matches!(action.as_str(), "chat.message" | "sticker" | "chat.offline_message") {
                state.metrics.message(Author::Visitor);
            }
            state.publish(changes);
            Ok(Json(ActionAnswer::ok()))
        }
        // Quote problems are reported inside a successful envelope.
        Err(StoreError::Domain(d)) if d.is_quote_error() => Ok(Json(ActionAnswer::problem(d.code()))),
        Err(e) => Err(ApiError::visitor(e)),
    }
}

/// Every action this server takes (the visitor protocol's OpenAPI document names each).
pub const KNOWN_ACTIONS: &[&str] = &[
    "chat.start",
    "chat.message",
    "chat.delete_message",
    "chat.visitor_typing",
    "chat.set_prechat_fields",
    "chat.read_by_visitor",
    "chat.keyboard_response",
    "chat.operator_rate_select",
    "chat.resolution_survey_select",
    "chat.send_chat_history",
    "chat.react_message",
    "chat.close",
    "chat.offline_message",
    "chat.clear_history",
    "chat.cont_resp",
    "chat.action_request.call_sentry_action_request",
    "geo_response",
    "set_push_token",
    "widget.update",
    "sticker",
    "file_upload_progress",
    "page_visit",
    "survey.answer",
    "survey.cancel",
];

/// The action's `client-side-id`, or a fresh one when the client sent none.
fn client_side_id(p: &Params) -> String {
    p.get("client-side-id").filter(|s| !s.is_empty()).map(str::to_owned).unwrap_or_else(hex_id)
}

fn missing(name: &'static str) -> StoreError {
    StoreError::Domain(DomainError::ArgumentMissing(name))
}

fn wrong(name: &'static str) -> StoreError {
    StoreError::Domain(DomainError::WrongArgumentValue(name))
}

fn required<'a>(p: &'a Params, key: &'static str) -> Result<&'a str, StoreError> {
    p.get(key).filter(|v| !v.is_empty()).ok_or_else(|| missing(key))
}

fn json_field(p: &Params, key: &'static str) -> Result<Option<Value>, StoreError> {
    p.json(key).map_err(|_| wrong(key))
}

async fn run(state: &AppState, page: &PageAuth, action: &str, p: &Params) -> Result<Changes, StoreError> {
    let v = page.ctx();
    let store = &state.store;
    match action {
        "chat.start" => {
            let req = StartChat {
                client_side_id: p.get("client-side-id").filter(|s| !s.is_empty()).map(str::to_owned),
                force_online: p.flag("force-online").map_err(|_| wrong("force-online"))?,
                force_start: p.flag("force-start").map_err(|_| wrong("force-start"))?,
                first_question: p.get("first-question").map(str::to_owned),
                department_key: p.get("department-key").map(str::to_owned),
                visitor_fields: match json_field(p, "visitor-fields")? {
                    Some(f) => Some(f),
                    None => json_field(p, "custom_fields")?,
                },
            };
            store.start_chat(&v, &req).await
        }
        "chat.message" => {
            let text = p.get("message").ok_or_else(|| missing("message"))?.to_owned();
            let kind = if p.get("kind") == Some("file_visitor") {
                VisitorMessageKind::Files(file_guids(&text)?)
            } else {
                VisitorMessageKind::Text
            };
            let quote = match json_field(p, "quote")? {
                None => None,
                Some(q) => Some(
                    q.pointer("/ref/msgId")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .ok_or(DomainError::RequiredQuoteArgsMissing)?,
                ),
            };
            let data = json_field(p, "data")?;
            if data.as_ref().is_some_and(|d| !d.is_object()) {
                return Err(wrong("data"));
            }
            let req = VisitorMessage {
                client_side_id: client_side_id(p),
                text,
                kind,
                data,
                quote_message_id: quote,
                hint_question: p.flag("hint_question").map_err(|_| wrong("hint_question"))?,
            };
            store.visitor_message(&v, &req).await
        }
        "sticker" => {
            let sticker = p.int("sticker-id").map_err(|_| StoreError::Domain(DomainError::NoStickerId))?;
            let sticker = sticker.ok_or(DomainError::NoStickerId)?;
            let req = VisitorMessage {
                client_side_id: client_side_id(p),
                text: String::new(),
                kind: VisitorMessageKind::Sticker(sticker),
                ..Default::default()
            };
            store.visitor_message(&v, &req).await
        }
        "chat.delete_message" => store.visitor_delete_message(&v, required(p, "client-side-id")?).await,
        "chat.react_message" => store.visitor_react(&v, required(p, "client-side-id")?, required(p, "reaction")?).await,
        "chat.visitor_typing" => {
            let typing = p.flag("typing").map_err(|_| wrong("typing"))?;
            let draft = if p.flag("del-message-draft").unwrap_or(false) { None } else { p.get("message-draft") };
            let settings = store.settings().await?;
            if let Some(chat) = store.current_chat(&v.visitor_id, &v.location).await? {
                let mut event = json!({
                    "type": "visitor_typing",
                    "chatId": chat.id.0,
                    "typing": typing,
                    "draft": if settings.operator_typing_preview { draft } else { None },
                });
                // Each operator socket shows the draft only to those who may see the chat.
                // The state tells a bot's chat without a query per keystroke: only a bot-held
                // chat the visitor already closed is taken for a human's.
                let bot = chat.state == ChatState::ChattingWithRobot;
                beseda_core::visibility::stamp(&mut event, &beseda_core::visibility::ChatScope::of(&chat, bot));
                state.bus.publish_ephemeral(event);
            }
            Ok(Changes::default())
        }
        "chat.read_by_visitor" => store.visitor_read(&v, p.get("message_id").filter(|s| !s.is_empty())).await,
        "chat.keyboard_response" => {
            let button = p.get("button-id").filter(|s| !s.is_empty()).ok_or(DomainError::ButtonIdNotSet)?;
            let request =
                p.get("request-message-id").filter(|s| !s.is_empty()).ok_or(DomainError::RequestMessageIdNotSet)?;
            store.keyboard_response(&v, request, button).await
        }
        "chat.operator_rate_select" => {
            let rate = rules::parse_rate(required(p, "rate")?)?;
            let operator_id = match p.get("operator_id").filter(|s| !s.is_empty()) {
                None => None,
                Some(id) => Some(OperatorId(id.trim().parse().map_err(|_| DomainError::WrongOperatorId)?)),
            };
            let req = RateOperator { operator_id, rate, note: p.get("visitor_note").map(str::to_owned) };
            store.rate_operator(&v, &req).await
        }
        "chat.resolution_survey_select" => {
            let answer =
                required(p, "answer")?.trim().parse().map_err(|_| DomainError::ResolutionSurveyValueIncorrect)?;
            let operator = required(p, "operator_id")?.trim().parse().map_err(|_| DomainError::OperatorNotInChat)?;
            store.resolution_survey(&v, &Resolution { operator_id: OperatorId(operator), answer }).await
        }
        "survey.answer" => {
            let survey_id = required(p, "survey-id")?.to_owned();
            // With the survey's id only, the visitor closes it.
            let answer = match (p.get("form-id"), p.get("question-id"), p.get("answer")) {
                (None, None, None) => None,
                (form, question, answer) => {
                    let number = |v: Option<&str>, name: &'static str| -> Result<i64, StoreError> {
                        let v = v.filter(|s| !s.is_empty()).ok_or_else(|| missing(name))?;
                        v.trim().parse().map_err(|_| StoreError::Domain(DomainError::QuestionNotFound))
                    };
                    Some(SurveyAnswer {
                        form_id: number(form, "form-id")?,
                        question_id: number(question, "question-id")?,
                        answer: answer.ok_or_else(|| missing("answer"))?.to_owned(),
                    })
                }
            };
            store.answer_survey(&v, &SurveyReply { survey_id, answer }).await
        }
        "survey.cancel" => store.cancel_survey(&v, required(p, "survey-id")?).await,
        "chat.send_chat_history" => {
            let email = required(p, "email")?;
            if !beseda_core::contacts::looks_like_email(email) {
                return Err(wrong("email"));
            }
            store.request_chat_history(&v, email).await?;
            // The e-mail it queued goes out at once.
            Ok(Changes { queued: beseda_store::Queued::MAIL, ..Changes::default() })
        }
        "chat.close" => store.visitor_close(&v).await,
        // The offline form: the message starts a chat (offline when nobody can take it now), or
        // joins the open one.
        "chat.offline_message" => {
            let text = required(p, "text")?.to_owned();
            let visitor_fields = json_field(p, "visitor-fields")?;
            if visitor_fields.as_ref().is_some_and(|f| !f.is_object()) {
                return Err(wrong("visitor-fields"));
            }
            let client_side_id = client_side_id(p);
            if let Some(chat) = store.current_chat(&v.visitor_id, &v.location).await? {
                // A retry of the form that started this chat changes nothing.
                if chat.client_side_id == client_side_id {
                    return Ok(Changes::default());
                }
                let req = VisitorMessage { client_side_id, text, ..Default::default() };
                return store.visitor_message(&v, &req).await;
            }
            let req = StartChat {
                client_side_id: Some(client_side_id),
                first_question: Some(text),
                visitor_fields,
                force_start: true,
                ..Default::default()
            };
            store.start_chat(&v, &req).await
        }
        "set_push_token" => {
            store.set_session_field(&v, SessionField::PushToken, required(p, "push-token")?).await?;
            // The app is running (it polls as it sends this): no pushes until its next poll
            // would have come.
            let until = state.now() + (state.config.longpoll_hold + crate::mobile_push::GRACE).as_micros() as i64;
            store.set_listening(&v.visit_session_id, until).await?;
            Ok(Changes::default())
        }
        "widget.update" => {
            let data = json_field(p, "data")?.unwrap_or(Value::Null);
            store.set_session_field(&v, SessionField::WidgetState, &data.to_string()).await?;
            Ok(Changes::default())
        }
        "chat.set_prechat_fields" => {
            let fields = json_field(p, "prechat-key-independent-fields")?
                .ok_or_else(|| missing("prechat-key-independent-fields"))?;
            if !fields.is_object() {
                return Err(wrong("prechat-key-independent-fields"));
            }
            store.set_session_field(&v, SessionField::PrechatFields, &fields.to_string()).await?;
            Ok(Changes::default())
        }
        // Beseda extension: the widget reports the page the visitor is on.
        "page_visit" => {
            let url = required(p, "url")?;
            if url.len() > 2048 {
                return Err(wrong("url"));
            }
            let text = |k: &str| p.get(k).filter(|t| !t.is_empty()).map(str::to_owned);
            let visit = PageVisit { url: url.to_owned(), title: text("title"), referrer: text("referrer") };
            store.visit_page(&v, &visit).await
        }
        "chat.clear_history" => store.clear_history(&v).await,
        "chat.cont_resp" => {
            let fields = json_field(p, "visitor-fields")?.ok_or_else(|| missing("visitor-fields"))?;
            store.answer_contact_request(&v, &fields).await
        }
        "geo_response" => {
            let (latitude, longitude) = coordinates(p)?;
            store.visitor_location(&v, latitude, longitude).await
        }
        "chat.action_request.call_sentry_action_request" => {
            store.acknowledge_action_request(&v, required(p, "client-side-id")?).await
        }
        // Progress reports are accepted and ignored (visitor-api.md §12.1).
        "file_upload_progress" => Ok(Changes::default()),
        _ => Err(StoreError::Domain(DomainError::ArgumentMissing("action"))),
    }
}

/// Guids of the uploaded-file descriptors in a `file_visitor` message (one object or an
/// array of up to 10).
fn file_guids(text: &str) -> Result<Vec<FileGuid>, StoreError> {
    let value: Value = serde_json::from_str(text).map_err(|_| wrong("message"))?;
    let list = match value {
        Value::Array(items) => items,
        obj @ Value::Object(_) => vec![obj],
        _ => return Err(wrong("message")),
    };
    if list.is_empty() || list.len() > 10 {
        return Err(wrong("message"));
    }
    list.iter()
        .map(|d| {
            d.get("guid")
                .and_then(Value::as_str)
                .and_then(FileGuid::parse)
                .ok_or(StoreError::Domain(DomainError::UploadedFileNotFound))
        })
        .collect()
}

/// `latitude` and `longitude` of `geo_response`: both required; a value that is not a number of
/// degrees in range is `invalid-coordinates-received`.
fn coordinates(p: &Params) -> Result<(f64, f64), StoreError> {
    let degrees = |key: &'static str, max: f64| -> Result<f64, StoreError> {
        let value: f64 = required(p, key)?.trim().parse().map_err(|_| DomainError::InvalidCoordinates)?;
        if !value.is_finite() || value.abs() > max {
            return Err(DomainError::InvalidCoordinates.into());
        }
        Ok(value)
    };
    Ok((degrees("latitude", 90.0)?, degrees("longitude", 180.0)?))
}
