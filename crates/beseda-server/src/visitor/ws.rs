//! `/l/v/m/ws` (Beseda extension): the visit session's log pushed over a WebSocket. Every text
//! frame is exactly a delta response (visitor-api.md §7). Frames are built from the log when
//! the socket is ready to take them, so a slow client gets bigger frames, never an unbounded
//! queue; it cannot fall behind the log.

use super::{delta, page};
use crate::connections::Slot;
use crate::metrics::Held;
use crate::params::Params;
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use beseda_core::protocol::visitor::ErrorBody;
use beseda_store::PageAuth;
use std::time::Instant;

pub const CLOSE_REINIT: u16 = 4001;
/// The visitor is blocked: one `{"error": "visitor_banned"}` frame, then this code.
pub const CLOSE_BANNED: u16 = 4003;
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// Read and write buffers of each socket (the library's default is 128 KiB each); a frame
/// larger than this is still sent, the buffer only bounds what is kept per idle connection.
pub const BUFFER_BYTES: usize = 1024;

pub async fn handler(State(state): State<AppState>, slot: Slot, ws: WebSocketUpgrade, p: Params) -> Response {
    let auth = page::from_params(&state, &p).await;
    let since = p.get("since").and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or(0);
    ws.read_buffer_size(BUFFER_BYTES).write_buffer_size(BUFFER_BYTES).on_upgrade(move |socket| async move {
        let _slot = slot;
        let _open = state.metrics.hold(Held::VisitorWebSocket);
        match auth {
            Ok(mut page) => {
                // An app with a socket open gets its news over it, not as pushes.
                crate::mobile_push::listening(&state, &mut page, state.config.ws_idle_timeout).await;
                let session = page.clone();
                run(state.clone(), socket, page, since).await;
                crate::mobile_push::stopped(&state, &session).await;
            }
            Err(e) if e.code == "visitor_banned" => banned(socket).await,
            Err(_) => reject(socket).await,
        }
    })
}

async fn reject(mut socket: WebSocket) {
    let _ = socket.send(Message::Text(error_frame("reinit-required").into())).await;
    close(socket, CLOSE_REINIT, "reinit-required").await;
}

async fn banned(mut socket: WebSocket) {
    let _ = socket.send(Message::Text(error_frame("visitor_banned").into())).await;
    close(socket, CLOSE_BANNED, "visitor_banned").await;
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) {
    let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
}

fn error_frame(code: &str) -> String {
    serde_json::to_string(&ErrorBody::code(code)).expect("an error body serialises")
}

async fn run(state: AppState, mut socket: WebSocket, mut page: PageAuth, since: i64) {
    let mut watch = state.bus.watch_session(&page.visit_session_id);
    let mut at = since;
    let mut ping = tokio::time::interval(state.config.ws_ping_interval);
    ping.reset();
    let mut last_heard = Instant::now();
    let mut dirty = true;
    // The page was checked when the socket opened.
    let mut first = true;
    loop {
        if dirty {
            dirty = false;
            // A block ends the socket at the next change of the session (the block closes the
            // open chat, which is one).
            if !first && Box::pin(state.store.page(&page.page_id)).await.ok().flatten().is_some_and(|p| p.blocked) {
                return banned(socket).await;
            }
            first = false;
            // Boxed: the read is large and rare; an idle socket's task stays small.
            let frame = match Box::pin(delta::read(&state, &page, at)).await {
                Ok(f) => f,
                Err(e) if e.code == "reinit-required" => return reject(socket).await,
                Err(_) => return close(socket, 1011, "internal error").await,
            };
            let count = frame.item_count();
            at = frame.revision();
            if count != Some(0) {
                let text = serde_json::to_string(&frame).expect("a delta answer serialises");
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
                // More may be waiting beyond one batch.
                dirty = count.is_some_and(|n| n as i64 >= delta::MAX_ITEMS);
                continue;
            }
        }
        tokio::select! {
            changed = watch.changed() => {
                if changed.is_err() {
                    return;
                }
                dirty = *watch.borrow_and_update() > at;
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > state.config.ws_idle_timeout {
                    return close(socket, 1000, "idle").await;
                }
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
                // An open socket keeps its page alive.
                let now = state.now();
                if Box::pin(page::keep_alive(&state, &page, now)).await.is_ok() && page.last_seen_at < now - 60_000_000 {
                    page.last_seen_at = now;
                }
                Box::pin(crate::mobile_push::listening(&state, &mut page, state.config.ws_idle_timeout)).await;
            }
            _ = state.closing.wait() => return close(socket, CLOSE_GOING_AWAY, "server shutdown").await,
        }
    }
}
