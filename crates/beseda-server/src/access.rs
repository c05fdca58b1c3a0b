//! One access-log line per request (target `beseda::access`, at INFO) and the HTTP metrics.
//! Requests are named by their route template (`/api/operator/v1/chats/{id}`), or `unmatched`;
//! the raw path and the query string are never logged, as they can carry credentials.
//! A WebSocket's line is written when its upgrade is answered.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

pub async fn log(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let span = tracing::info_span!("request", method = %method, route = %route);
    let response = next.run(req).instrument(span).await;
    let elapsed = started.elapsed();
    let status = response.status();
    state.metrics.request(&method, &route, status, elapsed.as_secs_f64());
    tracing::info!(
        target: "beseda::access",
        method = %method,
        route = %route,
        status = status.as_u16(),
        duration_ms = (elapsed.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
        "request"
    );
    response
}
