//! Page credentials: every call after init carries `page-id` and `auth-token`.

use crate::auth;
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use axum::http::StatusCode;
use beseda_core::ids::PageId;
use beseda_store::PageAuth;

/// Activity is written back at most this often per page.
const TOUCH_EVERY_MICROS: i64 = 60 * 1_000_000;

pub fn reinit() -> ApiError {
    ApiError::new(StatusCode::OK, "reinit-required", "the page is unknown or expired; call init again")
}

/// Checks `page-id` + `auth-token`; an unknown, wrong or expired page is `reinit-required`.
pub async fn authenticate(state: &AppState, page_id: Option<&str>, token: Option<&str>) -> Result<PageAuth, ApiError> {
    let (Some(page_id), Some(token)) = (page_id, token) else {
        return Err(reinit());
    };
    let page_id = PageId::parse(page_id).ok_or_else(reinit)?;
    let page = state.store.page(&page_id).await.map_err(ApiError::visitor)?.ok_or_else(reinit)?;
    if !auth::same(&page.auth_token, token) {
        return Err(reinit());
    }
    let now = state.now();
    let ttl = state.config.page_ttl.as_micros() as i64;
    if page.last_seen_at < now - ttl {
        return Err(reinit());
    }
    // A blocked visitor is refused as Webim refuses one: `visitor_banned` (403).
    if page.blocked {
        return Err(ApiError::visitor_domain(beseda_core::DomainError::VisitorBanned));
    }
    keep_alive(state, &page, now).await?;
    Ok(page)
}

/// Records activity on the page (throttled).
pub async fn keep_alive(state: &AppState, page: &PageAuth, now: i64) -> Result<(), ApiError> {
    if page.last_seen_at < now - TOUCH_EVERY_MICROS {
        state.store.touch_page(page, now).await.map_err(ApiError::visitor)?;
    }
    Ok(())
}

/// The page of a request's `page-id`/`auth-token` fields.
pub async fn from_params(state: &AppState, p: &Params) -> Result<PageAuth, ApiError> {
    authenticate(state, p.get("page-id"), p.get("auth-token")).await
}
