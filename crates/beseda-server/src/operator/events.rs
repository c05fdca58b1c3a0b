//! The operator event stream: stored events (each with a `seq`) replayed from a cursor, then
//! pushed live; typing previews are pushed without a `seq`. Over a WebSocket
//! (`/api/operator/v1/events/ws?cursor=N`) or as a plain read (`/api/operator/v1/events`).
//! Each viewer gets only the events of chats they may see (`beseda_core::visibility`); the
//! cursor moves past the others all the same.

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
use beseda_core::model::Operator;
use beseda_core::operator_wire::answers::EventPage;
use beseda_core::settings::OrgSettings;
use beseda_core::visibility;
use beseda_store::OperatorEvent;
use serde::Deserialize;
use serde_json::Value;
use std::time::{Duration, Instant};
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
    who: OperatorAuth,
    Query(q): Query<CursorQuery>,
) -> ApiResult<Json<EventPage>> {
    let cursor = start_cursor(&state, q.cursor.or(Some(0))).await?;
    let events = state.store.operator_events(cursor, BATCH).await.map_err(ApiError::operator)?;
    let settings = state.store.settings().await.map_err(ApiError::operator)?;
    // The cursor is the last event read, shown or not, so a client never reads hidden ones again.
    let next = events.last().map_or(cursor, |e| e.seq);
    let shown: Vec<Value> =
        events.iter().filter_map(|e| visibility::for_viewer(&who.operator, &settings, &e.event)).collect();
    Ok(Json(EventPage { cursor: next, events: shown }))
}

pub async fn ws(
    State(state): State<AppState>,
    who: OperatorAuth,
    slot: Slot,
    Query(q): Query<CursorQuery>,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    let cursor = start_cursor(&state, q.cursor).await?;
    let settings = state.store.settings().await.map_err(ApiError::operator)?;
    let viewer = Viewer { operator: who.operator, settings, read_at: Instant::now(), token_hash: who.token_hash };
    Ok(upgrade.read_buffer_size(16 * 1024).write_buffer_size(16 * 1024).on_upgrade(move |socket| async move {
        let _slot = slot;
        let _open = state.metrics.hold(crate::metrics::Held::OperatorWebSocket);
        run(state, socket, cursor, viewer).await
    }))
}

/// How long a socket trusts its copy of the viewer's account and the settings. Every event
/// on every socket is judged against them, so they are read again at most this often (two
/// small reads per socket and period, not one per event) rather than per event or batch: a
/// change of role, departments, languages or `hide_others_chats` reaches open sockets within
/// this time. Lost access is checked at once (`operator_access`).
const VIEWER_TTL: Duration = Duration::from_secs(1);

/// Whose socket this is: checked again whenever that operator's access changes.
struct Viewer {
    operator: Operator,
    settings: OrgSettings,
    read_at: Instant,
    token_hash: String,
}

impl Viewer {
    /// Whether `event` ended this socket's access (its token deleted by a password change,
    /// a reset, deactivation or deletion).
    async fn lost_access(&self, state: &AppState, event: &Value) -> bool {
        if event["type"] != "operator_access" || event["operatorId"] != self.operator.id.0 {
            return false;
        }
        !matches!(state.store.token(&self.token_hash).await, Ok(Some(_)))
    }

    /// Reads the account and the settings again once [`VIEWER_TTL`] has passed. A failed read
    /// keeps the old copy (the next event tries again).
    async fn refresh(&mut self, state: &AppState) {
        if self.read_at.elapsed() < VIEWER_TTL {
            return;
        }
        if let (Ok(Some(operator)), Ok(settings)) =
            (state.store.operator(self.operator.id).await, state.store.settings().await)
        {
            self.operator = operator;
            self.settings = settings;
            self.read_at = Instant::now();
        }
    }

    /// The event as this viewer receives it, if at all: a pure check of the scope the store
    /// stamped on it, no query.
    fn shown(&self, event: &Value) -> Option<Value> {
        visibility::for_viewer(&self.operator, &self.settings, event)
    }
}

/// Sends stored events after `cursor`; returns the new cursor, or `None` if the socket is gone
/// (closed here when the viewer's access ended).
async fn catch_up(state: &AppState, socket: &mut WebSocket, mut cursor: i64, viewer: &mut Viewer) -> Option<i64> {
    loop {
        let events = state.store.operator_events(cursor, BATCH).await.ok()?;
        let n = events.len() as i64;
        cursor = send_events(state, socket, cursor, viewer, &events).await?;
        if n < BATCH {
            return Some(cursor);
        }
    }
}

/// Sends the events (consecutive, after `cursor`) this viewer may see; returns the new cursor,
/// or `None` if the socket is gone.
async fn send_events(
    state: &AppState,
    socket: &mut WebSocket,
    mut cursor: i64,
    viewer: &mut Viewer,
    events: &[OperatorEvent],
) -> Option<i64> {
    viewer.refresh(state).await;
    for e in events {
        // Hidden events move the cursor too: the socket never reads them again.
        cursor = e.seq;
        if viewer.lost_access(state, &e.event).await {
            let close = CloseFrame { code: 4001, reason: "session ended".into() };
            let _ = socket.send(Message::Close(Some(close))).await;
            return None;
        }
        if let Some(shown) = viewer.shown(&e.event) {
            socket.send(Message::Text(shown.to_string().into())).await.ok()?;
        }
    }
    Some(cursor)
}

async fn run(state: AppState, mut socket: WebSocket, cursor: i64, mut viewer: Viewer) {
    // Subscribe before reading the log so nothing falls between the two.
    let mut live = state.bus.operators();
    let Some(mut cursor) = catch_up(&state, &mut socket, cursor, &mut viewer).await else { return };
    let mut ping = tokio::time::interval(state.config.ws_ping_interval);
    ping.reset();
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            signal = live.recv() => match signal {
                Ok(OperatorSignal::Logged(seq)) if seq <= cursor => {}
                Ok(OperatorSignal::Written(events)) if events.last().is_none_or(|e| e.seq <= cursor) => {}
                // Caught up: these are the next events, no need to read the log.
                Ok(OperatorSignal::Written(events)) if events.first().is_some_and(|e| e.seq == cursor + 1) => {
                    match send_events(&state, &mut socket, cursor, &mut viewer, &events).await {
                        Some(c) => cursor = c,
                        None => return,
                    }
                }
                Ok(OperatorSignal::Logged(_) | OperatorSignal::Written(_)) | Err(RecvError::Lagged(_)) => {
                    match catch_up(&state, &mut socket, cursor, &mut viewer).await {
                        Some(c) => cursor = c,
                        None => return,
                    }
                }
                Ok(OperatorSignal::Ephemeral(event)) => {
                    viewer.refresh(&state).await;
                    let Some(shown) = viewer.shown(&event) else { continue };
                    if socket.send(Message::Text(shown.to_string().into())).await.is_err() {
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
