//! The operator API's document (`/api/operator/v1/openapi.json`): login, the workspace's
//! chats, visitors, templates and events.

use utoipa::openapi::OpenApi;

pub fn document() -> OpenApi {
    let docs: Vec<_> = crate::routes::operator_api().into_iter().map(|(doc, _)| doc).collect();
    super::document(
        "Beseda operator API",
        "The operator workspace's API: log in (a session cookie with a CSRF token, or a bearer \
         token), chats, messages, visitors, templates and the operator event stream.",
        &docs,
    )
}
