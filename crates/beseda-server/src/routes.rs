//! The whole route table in one place. Operator API routes carry their documentation, from
//! which the OpenAPI document is generated.

use crate::openapi::{self, ApiDoc};
use crate::state::AppState;
use crate::{admin, bot, channel, console, demo, health, messenger, operator, stored, visitor, widget};
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, put, MethodRouter};
use axum::Router;

/// The operator API: documentation and handler of each route.
pub fn operator_api() -> Vec<(ApiDoc, MethodRouter<AppState>)> {
    use operator::{chats, events, files, history, notes, profile, push, session, templates, two_factor, visitors};
    vec![
        (ApiDoc::new("GET", "/api/admin/v1/settings", "Organisation settings (admin)"), get(admin::get_settings)),
        (
            ApiDoc::new("PUT", "/api/admin/v1/settings", "Replace organisation settings, validated (admin)")
                .body("Settings"),
            put(admin::put_settings),
        ),
        (
            ApiDoc::new("PATCH", "/api/admin/v1/settings", "Change some settings (one section), validated (admin)")
                .body("Settings"),
            patch(admin::patch_settings),
        ),
        (ApiDoc::new("GET", "/api/admin/v1/departments", "Every department (admin)"), get(admin::lists::departments)),
        (ApiDoc::new("GET", "/api/admin/v1/bots", "Every bot with its token (admin)"), get(admin::lists::bots)),
        (
            ApiDoc::new("GET", "/api/admin/v1/placements", "Every placement with its embed code (admin)"),
            get(admin::lists::placements),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/channels", "Every channel, without credentials (admin)"),
            get(admin::lists::channels),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/operators", "Every operator (supervisor, admin)"),
            get(admin::operators::list),
        ),
        (
            ApiDoc::new("POST", "/api/admin/v1/operators", "Create an operator account (admin)").body("NewOperator"),
            post(admin::operators::create),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/admin/v1/operators/{id}",
                "Name, e-mail and photo of an operator; role for admins (supervisor, admin)",
            )
            .path_id()
            .body("OperatorCard"),
            put(admin::operators::put),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/admin/v1/operators/{id}/password-reset",
                "A one-time password for an operator, who must replace it at the next login; their sessions end (admin)",
            )
            .path_id(),
            post(admin::operators::reset_password),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/admin/v1/operators/{id}/deactivate",
                "Deactivate an operator: no login, sessions and tokens end, open chats return to the queue (admin)",
            )
            .path_id(),
            post(admin::operators::deactivate),
        ),
        (
            ApiDoc::new("POST", "/api/admin/v1/operators/{id}/activate", "Reactivate an operator (admin)").path_id(),
            post(admin::operators::activate),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/admin/v1/operators/{id}/2fa-reset",
                "Turn off an operator's two-factor authentication, e.g. after a lost phone (admin, not your own)",
            )
            .path_id(),
            post(admin::operators::reset_two_factor),
        ),
        (
            ApiDoc::new(
                "DELETE",
                "/api/admin/v1/operators/{id}",
                "Delete an operator; their chats keep their name, sessions and tokens end (admin)",
            )
            .path_id(),
            delete(admin::operators::delete),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/templates", "Global and department reply templates (admin)"),
            get(admin::templates::list),
        ),
        (
            ApiDoc::new("PUT", "/api/admin/v1/templates", "Create or change a global or department template (admin)")
                .body("Template"),
            put(admin::templates::put),
        ),
        (
            ApiDoc::new("DELETE", "/api/admin/v1/templates/{id}", "Delete a global or department template (admin)")
                .path_id(),
            delete(admin::templates::delete),
        ),
        (
            ApiDoc::new("PUT", "/api/admin/v1/departments/{key}", "Create or change a department (admin)")
                .body("Department"),
            put(admin::put_department),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/admin/v1/operators/{id}/profile",
                "Departments, languages and chat limit of an operator (admin)",
            )
            .path_id()
            .body("Profile"),
            put(admin::put_operator_profile),
        ),
        (
            ApiDoc::new("PUT", "/api/admin/v1/bots", "Create or change a bot; returns its token (admin)").body("Bot"),
            put(admin::put_bot),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/admin/v1/channels",
                "Create or change a custom channel; returns its key and secret (admin)",
            )
            .body("Channel"),
            put(admin::channels::put_channel),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/stats/outcomes",
                "Answered, missed, refusals and busy messages (supervisor, admin)",
            ),
            get(admin::outcome_counts),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/admin/v1/integrations/unisender/export",
                "Export every contact to Unisender (admin)",
            ),
            post(admin::exports::start),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/integrations/unisender/export",
                "Progress of the Unisender export (admin)",
            ),
            get(admin::exports::progress),
        ),
        (
            ApiDoc::new("PUT", "/api/admin/v1/placements/{key}", "Create or change a placement (admin)")
                .body("Placement"),
            put(admin::placements::put),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/placements/{key}", "A placement with its embed code (admin)"),
            get(admin::placements::get),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/stats",
                "Statistics by day, operator or department; ?from=&to=&group=&format=csv (supervisor, admin)",
            ),
            get(admin::stats::stats),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/history",
                "Chats by period, operator, department, category and text; ?format=csv (supervisor, admin)",
            ),
            get(admin::history::search),
        ),
        (
            ApiDoc::new("GET", "/api/admin/v1/webhooks", "Chat event handler calls, newest first; ?status= (admin)"),
            get(admin::webhooks::list),
        ),
        (
            ApiDoc::new("POST", "/api/admin/v1/webhooks/{id}/resend", "Send a chat event handler call again (admin)")
                .path_id(),
            post(admin::webhooks::resend),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/audit",
                "Audit log of admin actions, newest first; ?from=&to=&actor=&action=&offset=&limit=&format=csv (admin)",
            ),
            get(admin::audit_log::list),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/admin/v1/visitor-blocks",
                "Blocked visitors, newest first; ?active=1 for those that apply now (admin)",
            )
            .query("active"),
            get(admin::blocks::list),
        ),
        (
            ApiDoc::new("POST", "/api/admin/v1/visitor-blocks/{id}/lift", "Lift a visitor block (admin)").path_id(),
            post(admin::blocks::lift),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/login", "Log in; sets the session cookie and returns the CSRF token")
                .public()
                .body("Credentials"),
            post(session::login),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/tokens", "Create a bearer token for API clients")
                .public()
                .body("Credentials"),
            post(session::create_token),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/logout", "End this session or revoke this token"),
            post(session::logout),
        ),
        (ApiDoc::new("GET", "/api/operator/v1/me", "The logged-in operator"), get(session::me)),
        (
            ApiDoc::new("POST", "/api/operator/v1/2fa/setup", "Start setting up two-factor authentication: a new secret"),
            post(two_factor::setup),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/2fa/enable",
                "Turn two-factor authentication on with a code of the new secret; answers the recovery codes",
            )
            .body("TwoFactorCode"),
            post(two_factor::enable),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/2fa/disable",
                "Turn two-factor authentication off (the password and a code required)",
            )
            .body("TwoFactorDisable"),
            post(two_factor::disable),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/push/key", "The server's VAPID public key for Web Push (base64url)"),
            get(push::key),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/push/subscription", "Your Web Push subscriptions (their endpoints)"),
            get(push::list),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/operator/v1/push/subscription",
                "Opt in to Web Push: the browser's PushSubscription (endpoint, keys.p256dh, keys.auth)",
            )
            .body("PushSubscription"),
            put(push::put),
        ),
        (
            ApiDoc::new(
                "DELETE",
                "/api/operator/v1/push/subscription",
                "Opt out of Web Push: the subscription with this endpoint, or without one all of yours",
            )
            .body("PushUnsubscribe"),
            delete(push::delete),
        ),
        (
            ApiDoc::new("PUT", "/api/operator/v1/status", "Set status: online, invisible or offline").body("Status"),
            put(session::set_status),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/operator/v1/profile",
                "Change your own name, e-mail and photo (not with hidden profiles)",
            )
            .body("OperatorCard"),
            put(profile::put),
        ),
        (
            ApiDoc::new(
                "PUT",
                "/api/operator/v1/password",
                "Change your own password (the current one required); your other sessions and tokens end",
            )
            .body("PasswordChange"),
            put(session::change_password),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/directory", "Operators with their status, and departments"),
            get(profile::directory),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/templates", "Reply templates: global, your departments' and your own"),
            get(templates::list),
        ),
        (
            ApiDoc::new("PUT", "/api/operator/v1/templates", "Create or change a personal template").body("Template"),
            put(templates::put),
        ),
        (
            ApiDoc::new("DELETE", "/api/operator/v1/templates/{id}", "Delete a personal template").path_id(),
            delete(templates::delete),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/chats", "List chats: ?list=waiting|mine|others").query("list"),
            get(chats::list),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/operator/v1/chats/{id}",
                "One chat with its messages, visitor and visitor context (browser, address, pages, other chats)",
            )
            .path_id(),
            get(chats::get),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/operator/v1/history",
                "History of the chats you may see: ?from=&to=&operator=&department=&category=&q=&offset=&limit=",
            ),
            get(history::search),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/take", "Take a waiting chat (exactly one operator wins)")
                .path_id(),
            post(chats::take),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/chats/{id}/messages",
                "Send a message (idempotent by clientSideId); a waiting chat is taken",
            )
            .path_id()
            .body("SendMessage"),
            post(chats::send),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/typing", "Typing indicator for the visitor")
                .path_id()
                .body("Typing"),
            post(chats::typing),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/teleport", "Send the visitor to another page of the site")
                .path_id()
                .body("Teleport"),
            post(chats::teleport),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/read", "Mark the visitor's messages read").path_id(),
            post(chats::read),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/close", "Close the chat (a category first when required)")
                .path_id(),
            post(chats::close),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/chats/{id}/redirect",
                "Redirect to an operator, a department or the queue",
            )
            .path_id()
            .body("Redirect"),
            post(chats::redirect),
        ),
        (
            ApiDoc::new("POST", "/api/operator/v1/chats/{id}/category", "Set the chat's category and subcategory")
                .path_id()
                .body("Category"),
            post(chats::category),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/chats/{id}/files",
                "Send the visitor a file (multipart field `file`; the visitors' size and type limits); a waiting chat is taken",
            )
            .path_id()
            .multipart("FileUpload"),
            post(files::upload).layer(DefaultBodyLimit::max(visitor::files::UPLOAD_CEILING)),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/chats/{id}/notes",
                "Add an internal note: staff see it, the visitor and integrations never do",
            )
            .path_id()
            .body("Note"),
            post(notes::add),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/files/{guid}", "A file of a chat you may see, as a download")
                .path_string("guid"),
            get(files::download),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/operator/v1/files/{guid}/image",
                "A PNG, JPEG or GIF file of a chat you may see, as an image (404 not-an-image otherwise)",
            )
            .path_string("guid"),
            get(files::image),
        ),
        (
            ApiDoc::new(
                "GET",
                "/api/operator/v1/visitors",
                "Visitors on the site now (page, time on site, visits, chat) that you may see",
            ),
            get(visitors::list),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/visitors/{id}/invite",
                "Invite a visitor on the site to chat with you; optional text",
            )
            .path_string("id")
            .body("Invitation"),
            post(visitors::invite),
        ),
        (
            ApiDoc::new(
                "POST",
                "/api/operator/v1/visitors/{id}/block",
                "Block a visitor (reason, durationSecs or permanent, blockAddress; chatId when from a chat)",
            )
            .path_string("id")
            .body("VisitorBlock"),
            post(visitors::block),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/events", "Stored operator events after ?cursor=N").query("cursor"),
            get(events::list),
        ),
        (
            ApiDoc::new("GET", "/api/operator/v1/events/ws", "WebSocket: operator events after ?cursor=N, then live")
                .query("cursor"),
            get(events::ws),
        ),
    ]
}

/// The visitor protocol (visitor-api.md §2).
fn visitor_routes() -> Router<AppState> {
    use visitor::{actions, config, delta, files, history, init, ws};
    Router::new()
        .route("/api/visitor/meta", get(config::meta).post(config::meta))
        .route("/api/visitor/v1/configs/{location}", get(config::configs).post(config::configs))
        .route("/x/js/v/{file}", get(config::jsonp))
        .route("/l/v/m/init", get(init::handler).post(init::handler))
        .route("/l/v/m/delta", get(delta::delta).post(delta::delta))
        .route("/l/v/m/ws", get(ws::handler))
        .route("/l/v/m/action", get(actions::handler).post(actions::handler))
        .route("/l/v/m/history", get(history::history).post(history::history))
        .route("/l/v/m/search-messages", get(history::search).post(history::search))
        .route("/l/v/m/get-online-status", get(config::online_status).post(config::online_status))
        .route("/l/v/m/upload", post(files::upload).layer(DefaultBodyLimit::max(files::UPLOAD_CEILING)))
        .route("/l/v/m/download/{guid}/{filename}", get(files::download).post(files::download))
        .route("/l/v/file-delete", get(files::withdraw).post(files::withdraw))
        .route("/l/v/openapi.json", get(openapi::visitor::serve))
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
    let mut docs = Vec::new();
    for (doc, handler) in operator_api() {
        operator = operator.route(doc.path, handler);
        docs.push(doc);
    }
    let operator = operator
        .route("/workspace", get(console::workspace))
        .route("/workspace/sw.js", get(console::service_worker))
        .route("/admin", get(console::admin));
    // The workspace and the admin panel answer only the addresses of the IP allowlist.
    let operator = operator.layer(axum::middleware::from_fn_with_state(state.clone(), crate::allowlist::guard));
    let spec = openapi::document(&docs);
    let demo = state.config.demo;
    let mut app = Router::new()
        .merge(visitor_routes())
        .merge(operator)
        .route("/api/operator/v1/openapi.json", get(move || async move { axum::Json(spec.clone()) }))
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
