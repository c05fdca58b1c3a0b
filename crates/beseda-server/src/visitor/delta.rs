//! `/l/v/m/delta`: the long-poll view of a visit session's log (visitor-api.md §6).

use super::{full_update, init, page};
use crate::connections::Slot;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::Json;
use beseda_core::protocol::visitor::{DeltaAnswer, DeltaList};
use beseda_store::{DeltaRead, PageAuth};

/// Most items returned at once; a client further behind asks again at once.
pub const MAX_ITEMS: i64 = 1000;

pub async fn delta(
    State(state): State<AppState>,
    _slot: Slot,
    ip: ClientIp,
    headers: axum::http::HeaderMap,
    p: Params,
) -> ApiResult<Json<DeltaAnswer>> {
    if p.get("event") == Some("init") {
        state.visitor_limits.check(ip.0, crate::throttle::visitor::VisitorAct::Init)?;
        let Json(full) = init::init(&state, &p, &init::Client::of(ip.0, &headers)).await?;
        return Ok(Json(DeltaAnswer::Full(full)));
    }
    let mut page = page::from_params(&state, &p).await?;
    let _held = state.metrics.hold(crate::metrics::Held::LongPoll);
    // A malformed `since` is treated like a missing one: the client gets a full update.
    let since = p.get("since").and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or(0);
    let immediately = p.flag("respond-immediately").unwrap_or(false);
    // An app polling gets its news here, not as pushes (for the hold, and a moment for the
    // next poll).
    let hold = if immediately { std::time::Duration::ZERO } else { state.config.longpoll_hold };
    crate::mobile_push::listening(&state, &mut page, hold).await;
    let mut watch = state.bus.watch_session(&page.visit_session_id);
    let first = read(&state, &page, since).await?;
    if !is_empty_delta(&first) || immediately {
        return Ok(Json(first));
    }
    let deadline = tokio::time::sleep(state.config.longpoll_hold);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            changed = watch.changed() => {
                if changed.is_err() {
                    break;
                }
                if *watch.borrow_and_update() > since {
                    let next = read(&state, &page, since).await?;
                    if !is_empty_delta(&next) {
                        return Ok(Json(next));
                    }
                }
            }
            _ = &mut deadline => break,
            _ = state.closing.wait() => break,
        }
    }
    Ok(Json(read(&state, &page, since).await?))
}

fn is_empty_delta(v: &DeltaAnswer) -> bool {
    v.item_count() == Some(0)
}

/// The response for a client at revision `since`: the items after it, or a full update.
pub async fn read(state: &AppState, page: &PageAuth, since: i64) -> ApiResult<DeltaAnswer> {
    match state.store.deltas(&page.visit_session_id, since, MAX_ITEMS).await.map_err(ApiError::visitor)? {
        DeltaRead::Items { revision, items } => Ok(DeltaAnswer::Items(DeltaList { revision, delta_list: items })),
        DeltaRead::Full => {
            let snapshot = state.store.snapshot(&page.visit_session_id).await.map_err(ApiError::visitor)?;
            Ok(DeltaAnswer::Full(full_update::render(page, &snapshot, state.now())))
        }
    }
}
