//! Internal notes: a chat's staff-only remarks (`for_operator` messages signed by their
//! author), never sent to the visitor, bots, channels, messengers or the visitor's e-mails.

use super::chats::visible_chat;
use super::session::OperatorAuth;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::ChatId;
use beseda_core::operator_wire::answers::Sent;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[schema(as = Note)]
pub struct NoteBody {
    #[schema(max_length = 10000)]
    pub text: String,
}

/// `POST /chats/{id}/notes`: for operators, supervisors and admins who may see the chat.
pub async fn add(
    State(state): State<AppState>,
    who: OperatorAuth,
    Path(id): Path<i64>,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<Sent>> {
    let b: NoteBody = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid-json", e.to_string()))?;
    crate::limits::text("text", &b.text)
        .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "wrong-argument-value", m))?;
    visible_chat(&state, &who, ChatId(id)).await?;
    let (message_id, changes) =
        state.store.operator_note(who.operator.id, ChatId(id), &b.text).await.map_err(ApiError::operator)?;
    state.publish(changes);
    Ok(Json(Sent::new(message_id.as_str())))
}
