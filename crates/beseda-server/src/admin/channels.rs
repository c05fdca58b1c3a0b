//! Channels in the admin API: custom channels (custom-channel.md §1) and the messenger
//! channels built on them — a Telegram bot (`kind: telegram`, `config.botToken`; the token is
//! checked and the webhook set) and a VK community (`kind: vk`, `config.accessToken`,
//! `config.confirmation`, optional `config.groupId`; the answer gives the callback URL and the
//! secret key to enter in VK).

use super::{admin_only, default_sort_order, invalid, parse};
use crate::audit;
use crate::error::{ApiError, ApiResult};
use crate::messenger::{self, telegram};
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use crate::throttle::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use beseda_core::ids::OperatorId;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Channel)]
pub struct ChannelBody {
    /// Absent: a new channel.
    pub key: Option<String>,
    pub title: String,
    #[serde(default)]
    pub callback_url: String,
    #[serde(default = "default_department_mode")]
    pub department_mode: String,
    pub default_department: Option<String>,
    #[serde(default)]
    pub allowed_departments: Vec<String>,
    #[serde(default)]
    pub rotate_secret: bool,
    /// `visitor` (default) or `bot`.
    #[serde(default = "default_side")]
    pub side: String,
    /// Bot side: the operator account the channel speaks as, and its sort order.
    pub operator_id: Option<i64>,
    #[serde(default = "default_sort_order")]
    pub sort_order: i64,
    /// `custom` (default), `telegram` or `vk`.
    #[serde(default = "default_kind")]
    pub kind: String,
    /// The messenger's credentials.
    #[serde(default)]
    #[schema(value_type = MessengerCredentials)]
    pub config: serde_json::Map<String, Value>,
}

/// What `config` holds for each messenger kind (a custom channel has none). Documentation
/// only: [`messenger_config`] reads and checks the fields of its kind from the map.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct MessengerCredentials {
    /// Telegram: the bot token from @BotFather.
    bot_token: Option<String>,
    /// VK: the community access key.
    access_token: Option<String>,
    /// VK: the string VK expects back when it confirms the callback address.
    confirmation: Option<String>,
    /// VK: the community's numeric id (a number, or its digits as a string).
    #[schema(value_type = Option<i64>)]
    group_id: Option<Value>,
}

fn default_side() -> String {
    "visitor".into()
}

fn default_department_mode() -> String {
    "not_necessary".into()
}

fn default_kind() -> String {
    "custom".into()
}

fn unreachable(service: &str, why: String) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, "messenger-unreachable", format!("{service}: {why}"))
}

/// The messenger credentials of a channel of `kind`, checked (Telegram: with Telegram).
async fn messenger_config(
    state: &AppState,
    kind: &str,
    config: &serde_json::Map<String, Value>,
) -> ApiResult<(Value, Option<String>)> {
    let text = |k: &str| config.get(k).and_then(Value::as_str).map(str::trim).unwrap_or_default().to_owned();
    match kind {
        "telegram" => {
            let token = text("botToken");
            if !telegram::is_token(&token) {
                return Err(invalid("config.botToken", "a bot token from @BotFather, like 123456:ABC-DEF…"));
            }
            let username = telegram::check_token(state, &token).await.map_err(|e| match e {
                telegram::ConnectError::Rejected(why) => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "telegram-token-rejected", why)
                }
                telegram::ConnectError::Unreachable(why) => unreachable("Telegram", why),
            })?;
            Ok((json!({"botToken": token, "username": username}), Some(username)))
        }
        "vk" => {
            let (access, confirmation) = (text("accessToken"), text("confirmation"));
            if access.is_empty() {
                return Err(invalid("config.accessToken", "the community access key is required"));
            }
            if confirmation.is_empty() || confirmation.len() > 64 {
                return Err(invalid("config.confirmation", "the string VK expects back, 1 to 64 characters"));
            }
            let group = match config.get("groupId") {
                None | Some(Value::Null) => String::new(),
                Some(g) => match g.as_i64().or_else(|| g.as_str().and_then(|s| s.parse().ok())) {
                    Some(id) if id > 0 => id.to_string(),
                    _ => return Err(invalid("config.groupId", "the community's numeric id")),
                },
            };
            Ok((json!({"accessToken": access, "confirmation": confirmation, "groupId": group}), None))
        }
        _ => Ok((json!({}), None)),
    }
}

/// A channel as the admin lists show it: without its secret and credentials.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelView {
    pub key: String,
    pub title: String,
    /// `custom`, `telegram` or `vk`.
    pub kind: String,
    /// `visitor` or `bot`.
    pub side: String,
    /// Where deliveries go (custom channels; VK: the callback URL to enter in VK, when saved).
    pub callback_url: String,
    /// `not_necessary` or `obligatory`.
    pub department_mode: String,
    pub default_department: Option<String>,
    pub allowed_departments: Vec<String>,
    /// Bot side: the operator account the channel speaks as.
    pub operator_id: Option<i64>,
}

impl ChannelView {
    pub fn new(c: &beseda_store::ChannelRecord) -> Self {
        Self {
            key: c.key.clone(),
            title: c.title.clone(),
            kind: c.kind.clone(),
            side: c.side.clone(),
            callback_url: c.callback_url.clone(),
            department_mode: c.department_mode.clone(),
            default_department: c.default_department.clone(),
            allowed_departments: c.allowed_departments.clone(),
            operator_id: c.operator_id.map(|o| o.0),
        }
    }
}

/// A saved channel: its secret, and for a messenger what to enter there.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SavedChannel {
    #[serde(flatten)]
    pub channel: ChannelView,
    /// 40 hex characters; signs and authenticates both directions.
    pub secret: String,
    /// Telegram: the webhook address set with Telegram.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// Telegram: the bot's username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_username: Option<String>,
    /// VK: the secret key to enter in the community's Callback API settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// VK: the string the callback address answers VK's confirmation with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<String>,
}

impl SavedChannel {
    fn new(c: &beseda_store::ChannelRecord) -> Self {
        Self {
            channel: ChannelView::new(c),
            secret: c.secret.clone(),
            webhook_url: None,
            bot_username: None,
            secret_key: None,
            confirmation: None,
        }
    }
}

/// Creates or changes a channel; the answer carries its key and secret, and for messengers
/// where it is connected.
pub async fn put_channel(
    State(state): State<AppState>,
    who: OperatorAuth,
    ClientIp(ip): ClientIp,
    bytes: axum::body::Bytes,
) -> ApiResult<Json<SavedChannel>> {
    admin_only(&who)?;
    let b: ChannelBody = parse(&bytes)?;
    if b.title.trim().is_empty() {
        return Err(invalid("title", "must not be empty"));
    }
    if !["not_necessary", "obligatory"].contains(&b.department_mode.as_str()) {
        return Err(invalid("departmentMode", "not_necessary or obligatory"));
    }
    if b.department_mode == "obligatory" && b.allowed_departments.is_empty() {
        return Err(invalid("allowedDepartments", "an obligatory department needs allowed departments"));
    }
    let url_ok =
        b.callback_url.is_empty() || b.callback_url.starts_with("http://") || b.callback_url.starts_with("https://");
    if !url_ok {
        return Err(invalid("callbackUrl", "must be an http:// or https:// URL"));
    }
    let messenger = messenger::KINDS.contains(&b.kind.as_str());
    if !messenger && b.kind != "custom" {
        return Err(invalid("kind", "custom, telegram or vk"));
    }
    if messenger && b.side != "visitor" {
        return Err(invalid("side", "messenger channels are on the visitor side"));
    }
    let existing = match &b.key {
        Some(key) => state.store.channel(key).await.map_err(ApiError::operator)?,
        None => None,
    };
    if existing.as_ref().is_some_and(|c| c.kind != b.kind) {
        return Err(invalid("kind", "a channel keeps its kind"));
    }
    // Credentials are checked before anything is saved.
    let (config, username) = messenger_config(&state, &b.kind, &b.config).await?;
    let config = beseda_store::ChannelConfig {
        key: b.key,
        title: b.title,
        callback_url: if messenger { String::new() } else { b.callback_url },
        department_mode: b.department_mode,
        default_department: b.default_department,
        allowed_departments: b.allowed_departments,
        rotate_secret: b.rotate_secret,
        side: b.side,
        operator_id: b.operator_id.map(OperatorId),
        sort_order: b.sort_order,
        kind: b.kind,
        config,
    };
    let c = state.store.save_channel(&config).await.map_err(ApiError::operator)?;
    let mut answer = SavedChannel::new(&c);
    let action = match (&existing, config.rotate_secret) {
        (None, _) => "channel.create",
        (Some(_), true) => "channel.rotate_secret",
        (Some(_), false) => "channel.update",
    };
    let mut changes =
        audit::diff(&audit::fields(existing.as_ref().map(SavedChannel::new)), &audit::fields(Some(&answer)));
    if existing.as_ref().is_some_and(|e| e.config != c.config) {
        changes["config"] = json!({"before": audit::MASK, "after": audit::MASK});
    }
    audit::record(&state, &audit::Actor::operator(&who, ip), action, ("channel", &c.key), changes).await;
    match c.kind.as_str() {
        "telegram" => {
            telegram::set_webhook(&state, &c).await.map_err(|e| match e {
                telegram::ConnectError::Rejected(why) | telegram::ConnectError::Unreachable(why) => {
                    unreachable("Telegram did not take the webhook (the channel is saved; save it again)", why)
                }
            })?;
            answer.webhook_url = Some(telegram::webhook_url(&state, &c));
            answer.bot_username = username;
        }
        "vk" => {
            answer.channel.callback_url = messenger::vk::callback_url(&state, &c);
            answer.secret_key = Some(c.secret.clone());
            answer.confirmation = Some(c.config["confirmation"].as_str().unwrap_or_default().to_owned());
        }
        _ => {}
    }
    Ok(Json(answer))
}
