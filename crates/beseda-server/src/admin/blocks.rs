//! Blocked visitors in the admin panel: the list (newest first; `?active=1` only those that
//! apply now) and lifting a block. Administrators only; a lift is audited.

use super::admin_only;
use crate::audit::{self, Actor};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::operator_wire::answers::{BlockList, OneBlock};
use beseda_core::operator_wire::BlockRow;
use serde::Deserialize;
use serde_json::json;

/// Most blocks listed.
const LIMIT: i64 = 1000;

#[derive(Deserialize)]
pub struct ListParams {
    active: Option<String>,
}

/// `GET /api/admin/v1/visitor-blocks?active=1`.
pub async fn list(
    State(state): State<AppState>,
    who: OperatorAuth,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<BlockList>> {
    admin_only(&who)?;
    let now = state.now();
    let active = match p.active.as_deref() {
        None | Some("" | "0" | "false") => None,
        Some("1" | "true") => Some(now),
        Some(_) => return Err(ApiError::wrong_argument("active")),
    };
    let blocks = state.store.visitor_blocks(active, LIMIT).await.map_err(ApiError::operator)?;
    Ok(Json(BlockList { blocks: blocks.iter().map(|b| BlockRow::new(b, now)).collect() }))
}

/// `POST /api/admin/v1/visitor-blocks/{id}/lift`: the block stops applying now. 404
/// `block-not-found` for an unknown block or one that no longer applies.
pub async fn lift(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<OneBlock>> {
    admin_only(&who)?;
    let lifted = state.store.lift_block(id, who.operator.id).await.map_err(ApiError::operator)?;
    let block = lifted.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "block-not-found", "no such block, or it no longer applies")
    })?;
    let changes = json!({"active": {"before": true, "after": false}, "visitorId": {"before": block.visitor_id, "after": block.visitor_id}});
    audit::record(&state, &Actor::operator(&who, ip), "visitor.unblock", ("visitor_block", &block.id), changes).await;
    Ok(Json(OneBlock { block: BlockRow::new(&block, state.now()) }))
}
