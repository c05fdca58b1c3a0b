//! Bots in the admin API (bot-api.md §1): the operator account a bot speaks as, its sort order,
//! API version, webhook and reply timeout, and its token.

use super::{admin_only, default_sort_order, invalid, parse};
use crate::audit;
use crate::error::{ApiError, ApiResult};
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::OperatorId;
use beseda_store::BotRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Bot)]
pub struct BotBody {
    pub operator_id: i64,
    #[serde(default = "default_sort_order")]
    pub sort_order: i64,
    #[serde(default = "default_api_version")]
    pub api_version: i64,
    #[serde(default)]
    pub webhook_url: String,
    #[serde(default)]
    pub rotate_token: bool,
    #[serde(default)]
    pub reply_timeout_secs: i64,
    /// Beseda extensions (bot-api.md §7), all off by default.
    #[serde(default)]
    pub send_channel: bool,
    #[serde(default)]
    pub send_chat_closed: bool,
    #[serde(default)]
    pub send_chat_returned_to_bot: bool,
}

fn default_api_version() -> i64 {
    2
}

/// A bot as the admin API shows it, token included (administrators only see it).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BotView {
    pub operator_id: i64,
    /// The operator account's name: what visitors see.
    pub name: String,
    pub sort_order: i64,
    /// 1 or 2.
    pub api_version: i64,
    pub webhook_url: String,
    /// 0: no reply timeout.
    pub reply_timeout_secs: i64,
    pub send_channel: bool,
    pub send_chat_closed: bool,
    pub send_chat_returned_to_bot: bool,
    /// API 2.0 token (40 hex characters).
    pub token: String,
}

impl BotView {
    pub fn new(bot: &BotRecord) -> Self {
        Self {
            operator_id: bot.operator_id.0,
            name: bot.operator_name.clone(),
            sort_order: bot.sort_order,
            api_version: bot.api_version,
            webhook_url: bot.webhook_url.clone(),
            reply_timeout_secs: bot.reply_timeout_secs,
            send_channel: bot.send_channel,
            send_chat_closed: bot.send_chat_closed,
            send_chat_returned_to_bot: bot.send_chat_returned_to_bot,
            token: bot.token.clone(),
        }
    }
}

/// Creates or changes a bot (bot-api.md §1): the operator account it speaks as, sort order,
/// API version, webhook URL and reply timeout. The answer carries the token (new bots and
/// `rotateToken` get a new one; the old one stops working at once).
pub async fn put(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<BotView>> {
    admin_only(&who)?;
    let b: BotBody = parse(&bytes)?;
    if b.api_version != 1 && b.api_version != 2 {
        return Err(invalid("apiVersion", "must be 1 or 2"));
    }
    let url_ok =
        b.webhook_url.is_empty() || b.webhook_url.starts_with("http://") || b.webhook_url.starts_with("https://");
    if !url_ok {
        return Err(invalid("webhookUrl", "must be an http:// or https:// URL"));
    }
    if !(0..=3600).contains(&b.reply_timeout_secs) {
        return Err(invalid("replyTimeoutSecs", "must be 0 to 3600"));
    }
    let config = beseda_store::BotConfig {
        operator_id: OperatorId(b.operator_id),
        sort_order: b.sort_order,
        api_version: b.api_version,
        webhook_url: b.webhook_url,
        rotate_token: b.rotate_token,
        reply_timeout_secs: b.reply_timeout_secs,
        send_channel: b.send_channel,
        send_chat_closed: b.send_chat_closed,
        send_chat_returned_to_bot: b.send_chat_returned_to_bot,
    };
    let before =
        state.store.bots().await.map_err(ApiError::operator)?.into_iter().find(|x| x.operator_id == config.operator_id);
    let bot = state.store.save_bot(&config).await.map_err(|e| match e {
        beseda_store::StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such operator"),
        other => ApiError::operator(other),
    })?;
    let action = match (&before, config.rotate_token) {
        (None, _) => "bot.create",
        (Some(_), true) => "bot.rotate_token",
        (Some(_), false) => "bot.update",
    };
    // The token is masked in the log (`audit::is_secret`).
    let changes =
        audit::diff(&audit::fields(before.as_ref().map(BotView::new)), &audit::fields(Some(BotView::new(&bot))));
    audit::record(&state, &audit::Actor::operator(&who, ip), action, ("bot", &bot.operator_id.0), changes).await;
    Ok(Json(BotView::new(&bot)))
}
