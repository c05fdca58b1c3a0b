//! `/l/v/m/init` (and the old `/l/v/m/delta?event=init`): start or resume a visit session.

use super::full_update;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;
use crate::throttle::visitor::VisitorAct;
use crate::throttle::ClientIp;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::{VisitSessionId, VisitorId};
use beseda_core::protocol::visitor::FullUpdateAnswer;
use beseda_core::provided_visitor::{self, HashAlgorithm, ProvidedError, ProvidedVisitor};
use beseda_store::InitVisit;
use serde_json::Value;

/// Who the visitor's client is, as the request shows it (for the operator's visitor context).
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
}

/// Longest `User-Agent` kept.
const MAX_USER_AGENT: usize = 512;

impl Client {
    pub fn of(ip: std::net::IpAddr, headers: &axum::http::HeaderMap) -> Self {
        let user_agent = headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(MAX_USER_AGENT).collect::<String>())
            .filter(|ua| !ua.is_empty());
        Self { ip: Some(ip), user_agent }
    }
}

pub async fn init(state: &AppState, p: &Params, client: &Client) -> ApiResult<Json<FullUpdateAnswer>> {
    let location = p.required("location")?.to_owned();
    let visitor_id = p.json("visitor")?.and_then(|v| v.get("id").and_then(Value::as_str).and_then(VisitorId::parse));
    let provided = provided(state, p, "visitor-ext").await?;
    let req = visit_request(state, p, client, location, visitor_id, provided)?;
    start(state, req).await
}

/// Starts or resumes the visit session and renders its `fullUpdate`.
pub async fn start(state: &AppState, req: InitVisit) -> ApiResult<Json<FullUpdateAnswer>> {
    let outcome = state.store.init_visit(&req).await.map_err(ApiError::visitor)?;
    state.publish(outcome.changes);
    let snapshot = state.store.snapshot(&outcome.page.visit_session_id).await.map_err(ApiError::visitor)?;
    Ok(Json(full_update::render(&outcome.page, &snapshot, state.now())))
}

/// The init fields of a request, for this placement and visitor.
pub fn visit_request(
    state: &AppState,
    p: &Params,
    client: &Client,
    location: String,
    visitor_id: Option<VisitorId>,
    provided: Option<ProvidedVisitor>,
) -> ApiResult<InitVisit> {
    Ok(InitVisit {
        location,
        visitor_id,
        visit_session_id: p.get("visit-session-id").and_then(VisitSessionId::parse),
        device_id: p.get("device-id").map(str::to_owned),
        platform: p.get("platform").map(str::to_owned),
        title: p.get("title").map(str::to_owned),
        app_version: p.get("app-version").map(str::to_owned),
        push_token: p.get("push-token").map(str::to_owned),
        push_service: p.get("push-service").map(str::to_owned),
        prechat_fields: prechat_fields(p)?,
        page_url: p.get("page-url").filter(|u| !u.is_empty() && u.len() <= 2048).map(str::to_owned),
        user_agent: client.user_agent.clone(),
        client_address: client.ip.map(|ip| ip.to_canonical().to_string()),
        referrer: p.get("referrer").filter(|u| !u.is_empty()).map(str::to_owned),
        session_ttl_micros: state.config.session_ttl.as_micros() as i64,
        provided,
    })
}

/// A visitor token is valid for 30 days after its last registration.
const TOKEN_LIFETIME_MICROS: i64 = 30 * 24 * 3600 * 1_000_000;

/// A registered visitor token (`provided_auth_token`) or signed fields from `signed_field`
/// (`visitor-ext` on init, `provided_visitor` in light mode; visitor-identification.md §2–§3);
/// an init whose fields fail is refused, never downgraded to an anonymous visitor.
pub async fn provided(state: &AppState, p: &Params, signed_field: &'static str) -> ApiResult<Option<ProvidedVisitor>> {
    if let Some(token) = p.get("provided_auth_token").filter(|t| !t.is_empty()) {
        let since = state.now() - TOKEN_LIFETIME_MICROS;
        let found = state.store.visitor_token(token, since).await.map_err(ApiError::visitor)?;
        let not_found = || ApiError::new(StatusCode::OK, "provided-auth-token-not-found", "unknown or expired token");
        return found.map(Some).ok_or_else(not_found);
    }
    let Some(value) = p.json(signed_field)? else { return Ok(None) };
    let settings = state.store.settings().await.map_err(ApiError::visitor)?;
    let refused = |e: ProvidedError| {
        let status = if e == ProvidedError::WrongArgument { StatusCode::BAD_REQUEST } else { StatusCode::FORBIDDEN };
        ApiError::new(status, e.code(), e.to_string())
    };
    if settings.provided_visitor_private_key.is_empty() {
        // Identification is off: nothing can be verified.
        return Err(refused(ProvidedError::WrongHash));
    }
    let algorithm =
        HashAlgorithm::parse(&settings.provided_visitor_hash_algorithm).unwrap_or(HashAlgorithm::HmacSha256);
    let now_secs = state.now() / 1_000_000;
    provided_visitor::verify(&value, &settings.provided_visitor_private_key, algorithm, now_secs)
        .map(Some)
        .map_err(refused)
}

pub async fn handler(
    axum::extract::State(state): axum::extract::State<AppState>,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    p: Params,
) -> ApiResult<Json<FullUpdateAnswer>> {
    state.visitor_limits.check(ip, VisitorAct::Init)?;
    let client = Client::of(ip, &headers);
    // Light mode: the app's bearer token and no query is an init for that token's visitor.
    if p.get("location").is_none() {
        if let Some(token) = super::light::bearer(&headers) {
            let light = super::light::visitor_of(&state, token).await?;
            let req = visit_request(&state, &p, &client, light.location, Some(light.visitor_id), None)?;
            return start(&state, req).await;
        }
    }
    init(&state, &p, &client).await
}

/// `prechat-key-independent-fields`: a JSON object (its values are shown to operators as text).
pub fn prechat_fields(p: &Params) -> ApiResult<Option<Value>> {
    match p.json("prechat-key-independent-fields")? {
        Some(v) if !v.is_object() => Err(ApiError::wrong_argument("prechat-key-independent-fields")),
        v => Ok(v),
    }
}
