//! Placement configuration (`/api/visitor/v1/configs/{location}`, its JSONP twin), endpoint
//! overrides and online status (visitor-api.md §2, §14.4, §15.1).

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::contacts;
use beseda_core::model::Placement;
use beseda_core::presence;
use beseda_core::protocol::visitor::{
    AccountConfig, ChatForm, ConfigAnswer, ErrorBody, FieldPresence, FieldValidation, Invitation, LocationSettings,
    MetaAnswer, OnlineStatusAnswer, Resources, VisitorFieldDefs,
};
use beseda_core::settings::OrgSettings;
use beseda_core::state::OnlineStatus;
use std::collections::BTreeMap;

pub async fn meta() -> Json<MetaAnswer> {
    Json(MetaAnswer::default())
}

/// Webim's FAQ endpoints are not provided.
pub async fn faq() -> Response {
    (StatusCode::NOT_FOUND, Json(ErrorBody::code("unknown-method"))).into_response()
}

fn account_config(s: &OrgSettings) -> AccountConfig {
    AccountConfig {
        visitor_hints_api_endpoint: None,
        web_and_mobile_quoting: s.web_and_mobile_quoting,
        visitor_message_editing: s.visitor_message_editing,
        max_visitor_upload_file_size: s.max_visitor_upload_file_size,
        allowed_upload_file_types: s.allowed_types_joined(),
        rate_operator: s.rate_operator,
        show_visitor_rate_operator_button: s.rate_operator,
        disabling_message_input_field: false,
        show_processing_personal_data_checkbox: false,
        personal_data_agreement_confirmation_mandatory: false,
        processing_personal_data_url: None,
        rate_form: None,
        rated_entity: None,
        visitor_segment: None,
        visitor_upload_file: s.visitor_upload_file,
        logo: crate::images::path(s, "logo"),
        multilang: s.multilang,
        visitor_enabling_probability: s.button_probability,
        rate_operator_by_click_on_avatar: false,
        force_visitor_disable: false,
        default_phone_number: None,
        visitor_tracking: true,
        operator_check_status_online: 0,
        visitor_websockets: true,
        default_prompter_id: None,
        check_visitor_auth: false,
        offline_chat_processing: true,
        client_php_url: None,
        operator_status_timer: false,
        open_chat_in_new_tab_for_mobile: false,
        default_survey_id: None,
        teleport: s.teleport,
        file_url_expiring_timeout: 300,
        hide_referrer: false,
        surveys: s.surveys,
        track_visitor_typing: s.operator_typing_preview,
        chatting_timer: false,
        default_lang: s.default_lang.clone(),
        use_emoji_annotations: false,
        messages_translator: false,
        privacy_policy_url: None,
    }
}

/// The contact form's fields (`locationSettings.chat.visitorFields.contactsRequest`).
fn contacts_form(s: &OrgSettings) -> BTreeMap<String, FieldPresence> {
    contacts::FIELDS
        .iter()
        .map(|f| {
            let validation = FieldValidation { max_length: f.max_length, kind: f.format.wire().map(str::to_owned) };
            (f.key.to_owned(), FieldPresence { presence: f.presence(s).to_owned(), validation: Some(validation) })
        })
        .collect()
}

/// A placement by key; an unknown key is `wrong-argument-value`.
async fn placement(state: &AppState, location: &str) -> ApiResult<Placement> {
    state
        .store
        .placement(location)
        .await
        .map_err(ApiError::visitor)?
        .ok_or_else(|| ApiError::wrong_argument("location"))
}

async fn config_json(state: &AppState, location: &str) -> ApiResult<ConfigAnswer> {
    let placement = placement(state, location).await?;
    let settings = state.store.settings().await.map_err(ApiError::visitor)?;
    // The chat's language (the placement's only in multilingual mode); the window's texts
    // exist in Russian and English, every other language shows English.
    let chat_lang = settings.chat_language(placement.lang.as_deref());
    let en = beseda_core::languages::interface(&chat_lang) == "en";
    let (leave, first, operator) = if en {
        ("Leave a message", "Ask a question", "Operator")
    } else {
        ("Оставьте сообщение", "Задайте вопрос", "Оператор")
    };
    let status = placement_status(state, &placement).await?;
    let invitation = (!settings.auto_invitation_text.trim().is_empty()).then(|| Invitation {
        text: settings.auto_invitation_text.clone(),
        delay_secs: settings.auto_invitation_delay_secs,
        photo: crate::images::path(&settings, "lead_photo"),
    });
    let location_settings = LocationSettings {
        // Beseda extension: the chat button is hidden while a queue limit is exceeded.
        button_hidden: matches!(status, OnlineStatus::BusyOnline | OnlineStatus::BusyOffline),
        online_status: status.as_str().to_owned(),
        // Beseda extensions for Beseda's widget.
        lang: if en { "en" } else { "ru" }.to_owned(),
        title: placement.title,
        company_name: settings.name.clone(),
        send_chat_history: settings.send_chat_history,
        department_choice: settings.department_choice_obligatory,
        invitation,
        chat: ChatForm {
            visitor_fields: VisitorFieldDefs {
                def: BTreeMap::from([(
                    "name".to_owned(),
                    FieldPresence { presence: "optional".to_owned(), validation: None },
                )]),
                contacts_request: contacts_form(&settings),
            },
            visitor_field_labels: contacts::FIELDS
                .iter()
                .map(|f| (f.key.to_owned(), f.label(&chat_lang).to_owned()))
                .collect(),
        },
        resources: Resources {
            leave_message: leave.to_owned(),
            first_question: first.to_owned(),
            operator_title: operator.to_owned(),
            personal_data_agreement: String::new(),
        },
    };
    Ok(ConfigAnswer {
        account_config: Box::new(account_config(&settings)),
        location_settings,
        routing_rules: Vec::new(),
    })
}

pub async fn configs(State(state): State<AppState>, Path(location): Path<String>) -> ApiResult<Json<ConfigAnswer>> {
    Ok(Json(config_json(&state, &location).await?))
}

/// `/x/js/v/all-settings-{location}.js`: the same JSON wrapped for old clients.
pub async fn jsonp(State(state): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let location = file
        .strip_prefix("all-settings-")
        .and_then(|f| f.strip_suffix(".js"))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "unknown-method", "not found"))?;
    let config = serde_json::to_string(&config_json(&state, location).await?).map_err(ApiError::internal)?;
    let body = format!("webimApplyServerSideSettings({config});");
    Ok(([(header::CONTENT_TYPE, "application/javascript")], body).into_response())
}

pub async fn online_status(State(state): State<AppState>, p: Params) -> ApiResult<Json<OnlineStatusAnswer>> {
    let location = p.get("location").unwrap_or("default");
    let placement = placement(&state, location).await?;
    let status = placement_status(&state, &placement).await?;
    Ok(Json(OnlineStatusAnswer {
        online_status: status.as_str().to_owned(),
        online_operators: status.operators_online(),
    }))
}

/// Online status of a placement with the queue limits applied.
async fn placement_status(state: &AppState, placement: &Placement) -> ApiResult<OnlineStatus> {
    let online: Vec<_> = state
        .store
        .operators()
        .await
        .map_err(ApiError::visitor)?
        .into_iter()
        .filter(|o| o.status == beseda_core::state::OperatorStatus::Online)
        .collect();
    let settings = state.store.settings().await.map_err(ApiError::visitor)?;
    let caps = presence::queue_caps(&settings);
    let (waiting_online, waiting_offline) = state.store.queue_counts(caps).await.map_err(ApiError::visitor)?;
    let status = presence::placement_status(&online, &placement.department_keys);
    Ok(presence::with_limits(status, waiting_online, waiting_offline, &settings))
}
