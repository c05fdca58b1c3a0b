//! The operator event stream: stored events (each with a `seq`) replayed from a cursor, then
//! pushed live; typing previews are pushed without a `seq`. Over a WebSocket
//! (`/api/operator/v1/events/ws?cursor=N`) or as a plain read (`/api/operator/v1/events`).

use super::session::OperatorAuth;
use crate::bus::OperatorSignal;
use crate::connections::Slot;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Instant;
use tokio::sync::broadcast::error::RecvError;

const BATCH: i64 = 500;

#[derive(Deserialize)]
pub struct CursorQuery {
    /// Last `seq` the client has; absent = only new events.
    pub cursor: Option<i64>,
}

async fn start_cursor(state: &AppState, cursor: Option<i64>) -> ApiResult<i64> {
    match cursor {
        Some(c) if c >= 0 => Ok(c),
        Some(_) => Err(ApiError::wrong_argument("cursor")),
        None => state.store.last_operator_event().await.map_err(ApiError::operator),
    }
}

pub async fn list(
    State(state): State<AppState>,
    _who: OperatorAuth,
    Query(q): Query<CursorQuery>,
) -> ApiResult<Json<Value>> {
    let cursor = start_cursor(&state, q.cursor.or(Some(0))).await?;
    let events = state.store.operator_events(cursor, BATCH).await.map_err(ApiError::operator)?;
    let next = events.last().map_or(cursor, |e| e.seq);
    Ok(Json(json!({"cursor": next, "events": events.into_iter().map(|e| e.event).collect::<Vec<_>>()})))
}

pub async fn ws(
    State(state): State<AppState>,
    who: OperatorAuth,
    slot: Slot,
    Query(q): Query<CursorQuery>,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    let cursor = start_cursor(&state, q.cursor).await?;
    let viewer = Viewer { operator: who.operator.id.0, token_hash: who.token_hash };
    Ok(upgrade.read_buffer_size(16 * 1024).write_buffer_size(16 * 1024).on_upgrade(move |socket| async move {
        let _slot = slot;
        let _open = state.metrics.hold(crate::metrics::Held::OperatorWebSocket);
        run(state, socket, cursor, viewer).await
    }))
}

/// Whose socket this is: checked again whenever that operator's access changes.
struct Viewer {
    operator: i64,
    token_hash: String,
}

impl Viewer {
    /// Whether `event` ended this socket's access (its token deleted by a password change,
    /// a reset, deactivation or deletion).
    async fn lost_access(&self, state: &AppState, event: &Value) -> bool {
        if event["type"] != "operator_access" || event["operatorId"] != self.operator {
            return false;
        }
        !matches!(state.store.token(&self.token_hash).await, Ok(Some(_)))
    }
}

/// Sends stored events after `cursor`; returns the new cursor, or `None` if the socket is gone
/// (closed here when the viewer's access ended).
async fn catch_up(state: &AppState, socket: &mut WebSocket, mut cursor: i64, viewer: &Viewer) -> Option<i64> {
    loop {
        let events = state.store.operator_events(cursor, BATCH).await.ok()?;
        let n = events.len() as i64;
        for e in events {
            cursor = e.seq;
            if viewer.lost_access(state, &e.event).await {
                let close = CloseFrame { code: 4001, reason: "session ended".into() };
                let _ = socket.send(Message::Close(Some(close))).await;
                return None;
            }
            socket.send(Message::Text(e.event.to_string().into())).await.ok()?;
        }
        if n < BATCH {
            return Some(cursor);
        }
    }
}

async fn run(state: AppState, mut socket: WebSocket, cursor: i64, viewer: Viewer) {
    // Subscribe before reading the log so nothing falls between the two.
    let mut live = state.bus.operators();
    let Some(mut cursor) = catch_up(&state, &mut socket, cursor, &viewer).await else { return };
    let mut ping = tokio::time::interval(state.config.ws_ping_interval);
    ping.reset();
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            signal = live.recv() => match signal {
                Ok(OperatorSignal::Logged(seq)) if seq <= cursor => {}
                Ok(OperatorSignal::Logged(_)) | Err(RecvError::Lagged(_)) => {
                    match catch_up(&state, &mut socket, cursor, &viewer).await {
                        Some(c) => cursor = c,
                        None => return,
                    }
                }
                Ok(OperatorSignal::Ephemeral(event)) => {
                    if socket.send(Message::Text(event.to_string().into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > state.config.ws_idle_timeout
                    || socket.send(Message::Ping(Vec::new().into())).await.is_err()
                {
                    return;
                }
            }
            _ = state.closing.wait() => {
                let _ = socket.send(Message::Close(Some(CloseFrame { code: 1001, reason: "server shutdown".into() }))).await;
                return;
            }
        }
    }
}
