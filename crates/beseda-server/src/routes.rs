//! The whole route table in one place. Operator and admin API routes carry their
//! documentation, from which their OpenAPI documents are generated (`crate::openapi`).

use crate::admin::SettingsChange;
use crate::openapi::{self, ApiDoc};
use crate::state::AppState;
use crate::{admin, bot, channel, console, demo, health, messenger, operator, stored, visitor, widget};
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, put, MethodRouter};
use axum::Router;
use beseda_core::operator_wire::answers::{
    BlockList, ChatList, Done, EventPage, OneBlock, OneOperator, Operators, Sent, VisitorList,
};
use beseda_core::operator_wire::OperatorEvent;

/// The operator API: documentation and handler of each route.
pub fn operator_api() -> Vec<(ApiDoc, MethodRouter<AppState>)> {
    use operator::{chats, events, files, history, notes, profile, push, session, templates, two_factor, visitors};
    vec![
        (
            ApiDoc::new("POST", "/api/operator/v1/login", "Log in; sets the session cookie and returns the CSRF token").answer::<session::LoggedIn>()
                .public()
                .body::<session::Credentials>(),
            post(session::login),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/tokens", "Create a bearer token for API clients").answer::<session::NewApiToken>()
                .public()
                .body::<session::Credentials>(),
            post(session::create_token),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/logout", "End this session or revoke this token").answer::<Done>(),
            post(session::logout),
        ),
        (ApiDoc::new("GET", "/api/operator/v1/me", "The logged-in operator").answer::<session::Me>(), get(session::me)),
        (
            ApiDoc::new("POST", "/api/operator/v1/2fa/setup", "Start setting up two-factor authentication: a new secret").answer::<two_factor::NewSecret>(),
            post(two_factor::setup),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/2fa/enable",
                "Turn two-factor authentication on with a code of the new secret; answers the recovery codes",
            ).answer::<two_factor::Enabled>()
            .body::<two_factor::EnableBody>(),
            post(two_factor::enable),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/2fa/disable",
                "Turn two-factor authentication off (the password and a code required)",
            ).answer::<Done>()
            .body::<two_factor::DisableBody>(),
            post(two_factor::disable),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/push/key", "The server's VAPID public key for Web Push (base64url)").answer::<push::PushKey>(),
            get(push::key),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/push/subscription", "Your Web Push subscriptions (their endpoints)").answer::<push::PushSubscriptions>(),
            get(push::list),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/operator/v1/push/subscription",
                "Opt in to Web Push: the browser's PushSubscription (endpoint, keys.p256dh, keys.auth)",
            ).answer::<push::PushSaved>()
            .body::<crate::push::subscription::SubscriptionBody>(),
            put(push::put),
        ),
        (
            ApiDoc::new(
                "DELETE",
                "/api/operator/v1/push/subscription",
                "Opt out of Web Push: the subscription with this endpoint, or without one all of yours",
            ).answer::<push::PushRemoved>()
            .body::<push::DeleteBody>(),
            delete(push::delete),
        ),
        (
            ApiDoc::new("PUT", "/api/operator/v1/status", "Set status: online, invisible or offline").answer::<session::StatusSet>().body::<session::StatusBody>(),
            put(session::set_status),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/operator/v1/profile",
                "Change your own name, e-mail and photo (not with hidden profiles)",
            ).answer::<OneOperator>()
            .body::<profile::CardBody>(),
            put(profile::put),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/operator/v1/interface-lang",
                "Your console language: ru, en, or empty for the organisation's main language",
            ).answer::<OneOperator>()
            .body::<profile::InterfaceLangBody>(),
            put(profile::put_interface_lang),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/languages", "The ISO 639-1 languages, and those the interface has texts in")
                .answer::<profile::Languages>(),
            get(profile::languages),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/operator/v1/password",
                "Change your own password (the current one required); your other sessions and tokens end",
            ).answer::<Done>()
            .body::<session::PasswordChange>(),
            put(session::change_password),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/directory", "Operators with their status, and departments").answer::<profile::Directory>(),
            get(profile::directory),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/templates", "Reply templates: global, your departments' and your own").answer::<templates::Templates>(),
            get(templates::list),
        ),
        (
            ApiDoc::new("PUT", "/api/operator/v1/templates", "Create or change a personal template").answer::<templates::OneTemplate>().body::<templates::TemplateBody>(),
            put(templates::put),
        ),
        (
            ApiDoc::new("DELETE", "/api/operator/v1/templates/{id}", "Delete a personal template").answer::<Done>().path_id(),
            delete(templates::delete),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/chats", "List chats: ?list=waiting|mine|others").answer::<ChatList>().query("list", "waiting (the default), mine, others or bots"),
            get(chats::list),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/operator/v1/chats/{id}",
                "One chat with its messages, visitor and visitor context (browser, address, pages, other chats)",
            ).answer::<chats::ChatView>()
            .path_id(),
            get(chats::get),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/operator/v1/history",
                "History of the chats you may see: ?from=&to=&operator=&department=&category=&q=&offset=&limit=",
            ).answer::<crate::chat_history::HistoryPage>().query("from", "see the summary").query("to", "see the summary").query("operator", "see the summary").query("department", "see the summary").query("category", "see the summary").query("q", "see the summary").query("offset", "see the summary").query("limit", "see the summary"),
            get(history::search),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/take", "Take a waiting chat (exactly one operator wins)").answer::<Done>()
                .path_id(),
            post(chats::take),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/chats/{id}/messages",
                "Send a message (idempotent by clientSideId); a waiting chat is taken",
            ).answer::<Sent>()
            .path_id()
            .body::<chats::SendBody>(),
            post(chats::send),
        ),
        (
            ApiDoc::new(
                "DELETE",
                "/api/operator/v1/chats/{id}/messages/{messageId}",
                "Delete a text or file message you wrote, while the chat is not closed (the visitor's widget, app and devices see it go)",
            ).answer::<Done>()
            .path_id()
            .path_string("messageId"),
            delete(chats::delete_message),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/typing", "Typing indicator for the visitor").answer::<Done>()
                .path_id()
                .body::<chats::TypingBody>(),
            post(chats::typing),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/teleport", "Send the visitor to another page of the site").answer::<Done>()
                .path_id()
                .body::<chats::TeleportBody>(),
            post(chats::teleport),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/read", "Mark the visitor's messages read").answer::<Done>().path_id(),
            post(chats::read),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/close", "Close the chat (a category first when required)").answer::<Done>()
                .path_id(),
            post(chats::close),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/chats/{id}/redirect",
                "Redirect to an operator, a department or the queue",
            ).answer::<Done>()
            .path_id()
            .body::<chats::RedirectBody>(),
            post(chats::redirect),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/category", "Set the chat's category and subcategory").answer::<Done>()
                .path_id()
                .body::<chats::CategoryBody>(),
            post(chats::category),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/chats/{id}/files",
                "Send the visitor a file (multipart field `file`; the visitors' size and type limits); a waiting chat is taken",
            ).answer::<files::FileSent>()
            .path_id()
            .multipart::<files::FileUpload>(),
            post(files::upload).layer(DefaultBodyLimit::max(visitor::files::UPLOAD_CEILING)),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/chats/{id}/notes",
                "Add an internal note: staff see it, the visitor and integrations never do",
            ).answer::<Sent>()
            .path_id()
            .body::<notes::NoteBody>(),
            post(notes::add),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/files/{guid}", "A file of a chat you may see, as a download").file()
                .path_string("guid"),
            get(files::download),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/operator/v1/files/{guid}/image",
                "A PNG, JPEG or GIF file of a chat you may see, as an image (404 not-an-image otherwise)",
            ).file()
            .path_string("guid"),
            get(files::image),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/operator/v1/visitors",
                "Visitors on the site now (page, time on site, visits, chat) that you may see",
            ).answer::<VisitorList>(),
            get(visitors::list),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/visitors/{id}/invite",
                "Invite a visitor on the site to chat with you; optional text",
            ).answer::<Done>()
            .path_string("id")
            .body::<visitors::InviteBody>(),
            post(visitors::invite),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/visitors/{id}/block",
                "Block a visitor (reason, durationSecs or permanent, blockAddress; chatId when from a chat)",
            ).answer::<OneBlock>()
            .path_string("id")
            .body::<visitors::BlockBody>(),
            post(visitors::block),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/events", "Stored operator events after ?cursor=N").answer::<EventPage>().query("cursor", "the last seq you have"),
            get(events::list),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/events/ws", "WebSocket: operator events after ?cursor=N, then live").websocket::<OperatorEvent>()
                .query("cursor", "the last seq you have"),
            get(events::ws),
        ),
    ]
}

/// The admin API: documentation and handler of each route.
pub fn admin_api() -> Vec<(ApiDoc, MethodRouter<AppState>)> {
    use operator::templates;
    vec![
        (ApiDoc::new("GET", "/api/admin/v1/settings", "Organisation settings (admin)").answer::<admin::SettingsDoc>(), get(admin::get_settings)),
        (
            ApiDoc::new("PUT", "/api/admin/v1/settings", "Replace organisation settings, validated (admin)").answer::<admin::SettingsDoc>()
                .body::<SettingsChange>(),
            put(admin::put_settings),
        ),
        (
            ApiDoc::new("PATCH", "/api/admin/v1/settings", "Change some settings (one section), validated (admin)").answer::<admin::SettingsDoc>()
                .body::<SettingsChange>(),
            patch(admin::patch_settings),
        ),
        (ApiDoc::new("GET", "/api/admin/v1/departments", "Every department (admin)").answer::<admin::lists::Departments>(), get(admin::lists::departments)),
        (ApiDoc::new("GET", "/api/admin/v1/bots", "Every bot with its token (admin)").answer::<admin::lists::Bots>(), get(admin::lists::bots)),
        (
            ApiDoc::new("GET", "/api/admin/v1/placements", "Every placement with its embed code (admin)").answer::<admin::lists::Placements>(),
            get(admin::lists::placements),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/channels", "Every channel, without credentials (admin)").answer::<admin::lists::Channels>(),
            get(admin::lists::channels),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/operators", "Every operator (supervisor, admin)").answer::<Operators>(),
            get(admin::operators::list),
        ),
        (
            ApiDoc::new("POST", "/api/admin/v1/operators", "Create an operator account (admin)").answer::<OneOperator>().body::<admin::operators::NewOperatorBody>(),
            post(admin::operators::create),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/admin/v1/operators/{id}",
                "Name, e-mail and photo of an operator; role for admins (supervisor, admin)",
            ).answer::<OneOperator>()
            .path_id()
            .body::<admin::operators::AdminCard>(),
            put(admin::operators::put),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/admin/v1/operators/{id}/password-reset",
                "A one-time password for an operator, who must replace it at the next login; their sessions end (admin)",
            ).answer::<admin::operators::TemporaryPassword>()
            .path_id(),
            post(admin::operators::reset_password),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/admin/v1/operators/{id}/deactivate",
                "Deactivate an operator: no login, sessions and tokens end, open chats return to the queue (admin)",
            ).answer::<OneOperator>()
            .path_id(),
            post(admin::operators::deactivate),
        ),
        (
            ApiDoc::new("POST", "/api/admin/v1/operators/{id}/activate", "Reactivate an operator (admin)").answer::<OneOperator>().path_id(),
            post(admin::operators::activate),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/admin/v1/operators/{id}/2fa-reset",
                "Turn off an operator's two-factor authentication, e.g. after a lost phone (admin, not your own)",
            ).answer::<admin::operators::TwoFactorReset>()
            .path_id(),
            post(admin::operators::reset_two_factor),
        ),
        (
            ApiDoc::new(
                "DELETE",
                "/api/admin/v1/operators/{id}",
                "Delete an operator; their chats keep their name, sessions and tokens end (admin)",
            ).answer::<Done>()
            .path_id(),
            delete(admin::operators::delete),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/templates", "Global and department reply templates (admin)").answer::<templates::Templates>(),
            get(admin::templates::list),
        ),
        (
            ApiDoc::new("PUT", "/api/admin/v1/templates", "Create or change a global or department template (admin)").answer::<templates::OneTemplate>()
                .body::<templates::TemplateBody>(),
            put(admin::templates::put),
        ),
        (
            ApiDoc::new("DELETE", "/api/admin/v1/templates/{id}", "Delete a global or department template (admin)").answer::<Done>()
                .path_id(),
            delete(admin::templates::delete),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/surveys", "Post-chat surveys (admin)").answer::<admin::surveys::SurveyList>(),
            get(admin::surveys::list),
        ),
        (
            ApiDoc::new("PUT", "/api/admin/v1/surveys", "Create or change a post-chat survey (admin)").answer::<admin::surveys::OneSurvey>()
                .body::<admin::surveys::SurveyBody>(),
            put(admin::surveys::put),
        ),
        (
            ApiDoc::new("DELETE", "/api/admin/v1/surveys/{id}", "Delete a post-chat survey; its answers stay (admin)").answer::<Done>()
                .path_id(),
            delete(admin::surveys::delete),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/surveys/results",
                "Survey offers and answers of a period; ?from=&to=&format=csv (supervisor, admin)",
            ).answer_or_csv::<admin::survey_results::SurveyResults>().query("from", "see the summary").query("to", "see the summary"),
            get(admin::survey_results::results),
        ),
        (
            ApiDoc::new("PUT", "/api/admin/v1/departments/{key}", "Create or change a department (admin)").path_string("key").answer::<Done>()
                .body::<admin::DepartmentBody>(),
            put(admin::put_department),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/admin/v1/operators/{id}/profile",
                "Departments, languages and chat limit of an operator (admin)",
            ).answer::<admin::ProfileSaved>()
            .path_id()
            .body::<admin::ProfileBody>(),
            put(admin::put_operator_profile),
        ),
        (
            ApiDoc::new("PUT", "/api/admin/v1/bots", "Create or change a bot; returns its token (admin)").answer::<admin::bots::BotView>().body::<admin::bots::BotBody>(),
            put(admin::bots::put),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/admin/v1/channels",
                "Create or change a custom channel; returns its key and secret (admin)",
            ).answer::<admin::channels::SavedChannel>()
            .body::<admin::channels::ChannelBody>(),
            put(admin::channels::put_channel),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/stats/outcomes",
                "Answered, missed, refusals and busy messages (supervisor, admin)",
            ).answer::<admin::stats::Outcomes>(),
            get(admin::stats::outcomes),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/integrations/crm",
                "Whether Zendesk, amoCRM and Zoho CRM work, as last seen (admin)",
            ).answer::<admin::crm::CrmStates>(),
            get(admin::crm::states),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/admin/v1/integrations/crm/{service}/check",
                "Call zendesk, amocrm or zoho with the saved settings and say whether it works (admin)",
            ).path_string("service").answer::<admin::crm::CrmState>(),
            post(admin::crm::check),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/admin/v1/integrations/unisender/export",
                "Export every contact to Unisender (admin)",
            ).answer::<admin::exports::ExportProgress>(),
            post(admin::exports::start),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/integrations/unisender/export",
                "Progress of the Unisender export (admin)",
            ).answer::<admin::exports::ExportProgress>(),
            get(admin::exports::progress),
        ),
        (
            ApiDoc::new("PUT", "/api/admin/v1/placements/{key}", "Create or change a placement (admin)").path_string("key").answer::<admin::placements::PlacementView>()
                .body::<admin::placements::PlacementBody>(),
            put(admin::placements::put),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/placements/{key}", "A placement with its embed code (admin)").path_string("key").answer::<admin::placements::PlacementView>(),
            get(admin::placements::get),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/stats",
                "Statistics by day, operator, department, category or subcategory; ?from=&to=&group=&format=csv (supervisor, admin)",
            ).answer_or_csv::<admin::stats::Stats>().query("from", "see the summary").query("to", "see the summary").query("group", "day (default), operator, department, category or subcategory"),
            get(admin::stats::stats),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/history",
                "Chats by period, operator, department, category and text; ?format=csv (supervisor, admin)",
            ).answer_or_csv::<crate::chat_history::HistoryPage>().query("from", "see the summary").query("to", "see the summary").query("operator", "see the summary").query("department", "see the summary").query("category", "see the summary").query("q", "see the summary").query("offset", "see the summary").query("limit", "see the summary"),
            get(admin::history::search),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/webhooks", "Chat event handler calls, newest first; ?status= (admin)").answer::<admin::webhooks::WebhookCalls>().query("status", "see the summary"),
            get(admin::webhooks::list),
        ),
        (
            ApiDoc::new("POST", "/api/admin/v1/webhooks/{id}/resend", "Send a chat event handler call again (admin)").answer::<Done>()
                .path_id(),
            post(admin::webhooks::resend),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/audit",
                "Audit log of admin actions, newest first; ?from=&to=&actor=&action=&offset=&limit=&format=csv (admin)",
            ).answer_or_csv::<admin::audit_log::AuditPage>().query("from", "see the summary").query("to", "see the summary").query("actor", "see the summary").query("action", "see the summary").query("offset", "see the summary").query("limit", "see the summary"),
            get(admin::audit_log::list),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/visitor-blocks",
                "Blocked visitors, newest first; ?active=1 for those that apply now (admin)",
            ).answer::<BlockList>()
            .query("active", "1: only the blocks that apply now"),
            get(admin::blocks::list),
        ),
        (
            ApiDoc::new("POST", "/api/admin/v1/visitor-blocks/{id}/lift", "Lift a visitor block (admin)").answer::<OneBlock>().path_id(),
            post(admin::blocks::lift),
        ),
    ]
}

/// The visitor protocol (visitor-api.md §2).
fn visitor_routes() -> Router<AppState> {
    use visitor::{actions, config, delta, files, history, init, light, ws};
    Router::new()
        .route("/api/visitor/meta", get(config::meta).post(config::meta))
        .route("/api/visitor/v1/configs/{location}", get(config::configs).post(config::configs))
        .route("/x/js/v/{file}", get(config::jsonp))
        .route("/l/v/m/init", get(init::handler).post(init::handler))
        .route("/l/v/m/delta", get(delta::delta).post(delta::delta))
        .route("/l/v/m/ws", get(ws::handler))
        .route("/l/v/m/action", get(actions::handler).post(actions::handler))
        .route("/l/v/m/history", get(history::history).post(history::history))
        .route("/l/v/m/auth", post(light::auth).get(light::auth))
        .route("/l/v/m/info", get(light::info).post(light::info))
        .route("/l/v/m/search-messages", get(history::search).post(history::search))
        .route("/l/v/m/get-online-status", get(config::online_status).post(config::online_status))
        .route("/l/v/m/upload", post(files::upload).layer(DefaultBodyLimit::max(files::UPLOAD_CEILING)))
        .route("/l/v/m/download/{guid}/{filename}", get(files::download).post(files::download))
        .route("/l/v/file-delete", get(files::withdraw).post(files::withdraw))
        .route("/webim/api/v1/faq/{*rest}", get(config::faq).post(config::faq))
        .route("/services/faq/v1/{*rest}", get(config::faq).post(config::faq))
        .layer(visitor_cors())
}

/// The widget's loader runs on the customer's site, another origin: it reads the placement's
/// configuration and starts the visit from there. The visitor protocol carries its
/// credentials in parameters (page id, auth token), never in cookies, so any origin may call
/// it and no origin gets credentials.
fn visitor_cors() -> tower_http::cors::CorsLayer {
    use axum::http::{header, Method};
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(86_400))
}

pub fn router(state: AppState) -> Router {
    let mut operator = Router::new();
    for (doc, handler) in operator_api().into_iter().chain(admin_api()) {
        operator = operator.route(doc.path, handler);
    }
    let operator = operator
        .route("/workspace", get(console::workspace))
        .route("/workspace/sw.js", get(console::service_worker))
        .route("/admin", get(console::admin));
    // The workspace and the admin panel answer only the addresses of the IP allowlist.
    let operator = operator.layer(axum::middleware::from_fn_with_state(state.clone(), crate::allowlist::guard));
    let demo = state.config.demo;
    let mut app = Router::new()
        .merge(visitor_routes())
        .merge(operator)
        .merge(openapi::routes())
        .route("/api/bot/v2/{method}", axum::routing::any(bot::api::call))
        .route("/api/bot/v2/file/{guid}", get(bot::files::download))
        .route("/api/custom-channel/v1/{key}/{method}", post(channel::inbound::call))
        .route("/api/telegram/{key}/webhook", post(messenger::telegram::webhook))
        .route("/widget/loader.js", get(widget::loader))
        .route("/assets/{hash}/{*path}", get(crate::assets::serve))
        .route("/widget/frame", get(widget::frame))
        .route("/widget/image/{name}", get(crate::images::serve))
        .route("/api/vk/{key}/callback", post(messenger::vk::callback))
        .route("/api/v2/{*method}", get(stored::call).post(stored::call))
        .route("/api/v3/{*method}", get(stored::call).post(stored::call))
        .route("/api/v4/{*method}", get(stored::call).post(stored::call))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(crate::metrics::scrape));
    if demo {
        app = app.route("/demo", get(demo::page));
    }
    app.fallback(health::not_found)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn(crate::error::json_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::access::log))
        .with_state(state)
}
