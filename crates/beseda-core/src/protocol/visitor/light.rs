//! Light mode (visitor-api.md §15.3): a visitor-scoped bearer token and the unread counter an
//! app polls for its badge without a full session.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `POST /l/v/m/auth`: the init identity fields, in the query.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LightAuthRequest {
    /// The placement's key.
    pub location: String,
    #[serde(rename = "device-id")]
    pub device_id: Option<String>,
    pub platform: Option<String>,
    #[serde(rename = "app-version")]
    pub app_version: Option<String>,
    #[serde(rename = "push-token")]
    pub push_token: Option<String>,
    #[serde(rename = "push-service")]
    pub push_service: Option<String>,
    /// JSON `{"id": "<visitor id>"}` of a returning visitor.
    pub visitor: Option<String>,
    /// JSON of signed visitor fields (as `visitor-ext` on init).
    pub provided_visitor: Option<String>,
    /// A registered visitor token.
    pub provided_auth_token: Option<String>,
}

/// The light-mode token and the visitor it stands for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LightAuthAnswer {
    /// Sent back as `Authorization: Bearer <token>` to `/l/v/m/info` and `/l/v/m/init`.
    pub auth_token: String,
    /// The visitor object (§9.5) as JSON text: the app keeps it and sends it back as `visitor`.
    pub visitor: String,
}

/// `GET /l/v/m/info`: the badge count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LightInfoAnswer {
    /// Operator messages of the current chat the visitor has not read.
    pub unread_messages_count: i64,
    /// When the visitor's history last changed (seconds), `null` before the first message.
    pub history_last_change_ts: Option<f64>,
}
