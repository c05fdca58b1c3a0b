//! The admin API's document (`/api/admin/v1/openapi.json`): settings, operators, departments,
//! bots, channels, placements, statistics, history and the audit log. Log in through the
//! operator API; the role each route needs is in its summary.

use utoipa::openapi::OpenApi;

pub fn document() -> OpenApi {
    let docs: Vec<_> = crate::routes::admin_api().into_iter().map(|(doc, _)| doc).collect();
    super::document(
        "Beseda admin API",
        "The admin panel's API. Log in through the operator API (`/api/operator/v1/login` or \
         `/api/operator/v1/tokens`); each route names the roles it serves.",
        &docs,
    )
}
