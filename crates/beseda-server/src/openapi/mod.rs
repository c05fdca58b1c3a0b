//! OpenAPI 3.1 documents of Beseda's HTTP APIs, generated with utoipa from the wire types and
//! the route table (`crate::routes`): each route carries an [`ApiDoc`], so the table stays the
//! one list of routes and a route cannot exist undocumented. One module per API builds that
//! API's document (`document()`); this module holds what every document shares — the security
//! schemes, the error body, the document builder — and serves every document.

pub mod admin;
pub mod bot;
pub mod channel;
pub mod operator;
pub mod stored;
pub mod visitor;

use crate::error::ErrorBody;
use crate::state::AppState;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref, RefOr,
    Required, Response, ResponseBuilder,
};
use utoipa::{PartialSchema, ToSchema};

/// The refusals every call of the Bot API and the Custom Channel API may answer, in Webim's
/// `{"error", "desc"}` body: a wrong argument or body, no valid credentials (`unauthorized`
/// says which), too many calls (`too_many`), and anything else. Each call's document adds the
/// refusals of its own (403, 404, 409, …).
pub(crate) fn webim_refusals(
    unauthorized: &str,
    too_many: &str,
) -> std::collections::BTreeMap<String, RefOr<Response>> {
    let body = beseda_core::protocol::bot::calls::ErrorBody::name();
    let refusal = |description: &str| -> RefOr<Response> {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name(body.clone()))).build(),
            )
            .build()
            .into()
    };
    [
        ("400", refusal("`argument-missing` or `wrong-argument-value` (also: the body is not a JSON object)")),
        ("401", refusal(unauthorized)),
        ("429", refusal(too_many)),
        (
            "default",
            refusal("Other errors: `unknown-method`, `method-not-allowed`, `request-too-large`, `internal-error`"),
        ),
    ]
    .into_iter()
    .map(|(status, response)| (status.to_owned(), response))
    .collect()
}

/// Builds one API's document.
type Build = fn() -> OpenApi;

/// Every API document this server serves: its address and how to build it.
const DOCUMENTS: &[(&str, Build)] = &[
    ("/api/operator/v1/openapi.json", operator::document),
    ("/api/admin/v1/openapi.json", admin::document),
    ("/l/v/openapi.json", visitor::document),
    ("/api/bot/v2/openapi.json", bot::document),
    ("/api/custom-channel/v1/openapi.json", channel::document),
    // The Stored Data API answers alike under each of its prefixes.
    ("/api/v2/openapi.json", stored::document),
    ("/api/v3/openapi.json", stored::document),
    ("/api/v4/openapi.json", stored::document),
];

/// The routes that serve every document as JSON (each built once, at startup).
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for (path, build) in DOCUMENTS {
        let json: serde_json::Value = serde_json::to_value(build()).expect("an OpenAPI document is JSON");
        router = router.route(path, get(move || async move { axum::Json(json) }));
    }
    router
}

/// The addresses of every served document (for tests and tools).
pub fn addresses() -> impl Iterator<Item = &'static str> {
    DOCUMENTS.iter().map(|(path, _)| *path)
}

/// What a route answers with status 200.
#[derive(Clone)]
enum Answer {
    /// JSON of this schema (by component name).
    Json(String),
    /// A file download: any content type.
    File,
    /// The JSON schema, or CSV text with `?format=csv`.
    JsonOrCsv(String),
    /// A WebSocket upgrade (101); the frames are JSON of this schema.
    WebSocket(String),
}

/// One route's documentation, kept beside its handler in the route table.
#[derive(Clone)]
pub struct ApiDoc {
    pub method: &'static str,
    pub path: &'static str,
    summary: &'static str,
    auth: bool,
    body: Option<(&'static str, String)>,
    answer: Option<Answer>,
    params: Vec<utoipa::openapi::path::Parameter>,
    schemas: Vec<(String, RefOr<Schema>)>,
}

fn schema_type(t: Type) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(SchemaType::Type(t)).into()
}

impl ApiDoc {
    pub fn new(method: &'static str, path: &'static str, summary: &'static str) -> Self {
        Self { method, path, summary, auth: true, body: None, answer: None, params: Vec::new(), schemas: Vec::new() }
    }

    /// No login needed.
    pub fn public(mut self) -> Self {
        self.auth = false;
        self
    }

    /// Remembers the schema of `T` and those it refers to; answers its name.
    fn schema<T: ToSchema>(&mut self) -> String {
        let name = T::name().into_owned();
        self.schemas.push((name.clone(), T::schema()));
        T::schemas(&mut self.schemas);
        name
    }

    /// A JSON request body of type `T`.
    pub fn body<T: ToSchema>(mut self) -> Self {
        let name = self.schema::<T>();
        self.body = Some(("application/json", name));
        self
    }

    /// A `multipart/form-data` request body of type `T`.
    pub fn multipart<T: ToSchema>(mut self) -> Self {
        let name = self.schema::<T>();
        self.body = Some(("multipart/form-data", name));
        self
    }

    /// The JSON answer (200) is a `T`.
    pub fn answer<T: ToSchema>(mut self) -> Self {
        let name = self.schema::<T>();
        self.answer = Some(Answer::Json(name));
        self
    }

    /// The answer is a `T`, or CSV text with `?format=csv`.
    pub fn answer_or_csv<T: ToSchema>(mut self) -> Self {
        let name = self.schema::<T>();
        self.answer = Some(Answer::JsonOrCsv(name));
        self.query("format", "`csv` for CSV text instead of JSON")
    }

    /// The answer is a file.
    pub fn file(mut self) -> Self {
        self.answer = Some(Answer::File);
        self
    }

    /// A WebSocket whose frames are each a `T`.
    pub fn websocket<T: ToSchema>(mut self) -> Self {
        let name = self.schema::<T>();
        self.answer = Some(Answer::WebSocket(name));
        self
    }

    /// An optional query parameter (a string).
    pub fn query(mut self, name: &'static str, description: &'static str) -> Self {
        self.params.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(schema_type(Type::String)))
                .build(),
        );
        self
    }

    /// The integer path parameter `{id}`.
    pub fn path_id(mut self) -> Self {
        self.params.push(
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema_type(Type::Integer)))
                .build(),
        );
        self
    }

    /// A string path parameter.
    pub fn path_string(mut self, name: &'static str) -> Self {
        self.params.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema_type(Type::String)))
                .build(),
        );
        self
    }

    fn method(&self) -> HttpMethod {
        match self.method {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            other => panic!("no OpenAPI method for {other}"),
        }
    }

    fn operation(&self) -> utoipa::openapi::path::Operation {
        let json = |name: &str| ContentBuilder::new().schema(Some(Ref::from_schema_name(name))).build();
        let ok = match &self.answer {
            Some(Answer::Json(name)) => {
                ResponseBuilder::new().description("OK").content("application/json", json(name))
            }
            Some(Answer::JsonOrCsv(name)) => ResponseBuilder::new()
                .description("OK: JSON, or CSV with `format=csv`")
                .content("application/json", json(name))
                .content("text/csv", ContentBuilder::new().schema(Some(schema_type(Type::String))).build()),
            Some(Answer::File) => ResponseBuilder::new()
                .description("The file")
                .content("application/octet-stream", ContentBuilder::new().build()),
            Some(Answer::WebSocket(name)) => ResponseBuilder::new()
                .description(format!("Switching to a WebSocket; each text frame is a {name}"))
                .content("application/json", json(name)),
            None => panic!("{} {} documents no answer", self.method, self.path),
        };
        let mut op =
            OperationBuilder::new().summary(Some(self.summary)).parameters(Some(self.params.clone())).response(
                "default",
                ResponseBuilder::new()
                    .description("A refusal or an error")
                    .content("application/json", json(&ErrorBody::name())),
            );
        op = match &self.answer {
            Some(Answer::WebSocket(_)) => op.response("101", ok),
            _ => op.response("200", ok),
        };
        if let Some((media, name)) = &self.body {
            op = op.request_body(Some(
                RequestBodyBuilder::new().required(Some(Required::True)).content(*media, json(name)).build(),
            ));
        }
        if self.auth {
            op = op
                .security(utoipa::openapi::security::SecurityRequirement::new::<_, [&str; 0], &str>("cookie", []))
                .security(utoipa::openapi::security::SecurityRequirement::new::<_, [&str; 0], &str>("bearer", []));
        }
        op.build()
    }
}

/// An API's document: `title`, and every route of `docs`, with the schemas they name, the
/// error body and the security schemes.
pub fn document(title: &str, description: &str, docs: &[ApiDoc]) -> OpenApi {
    let mut paths = PathsBuilder::new();
    let mut schemas = std::collections::BTreeMap::<String, RefOr<Schema>>::new();
    let mut seen = std::collections::BTreeMap::<&str, PathItem>::new();
    for d in docs {
        let item = PathItem::new(d.method(), d.operation());
        match seen.get_mut(d.path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                seen.insert(d.path, item);
            }
        }
        for (name, schema) in &d.schemas {
            // Two types of one name would leave the document describing only one of them.
            if let Some(known) = schemas.get(name) {
                let json = |s: &RefOr<Schema>| serde_json::to_value(s).expect("a schema is JSON");
                assert_eq!(json(known), json(schema), "two different schemas are named {name}");
            }
            schemas.insert(name.clone(), schema.clone());
        }
    }
    // In the order of the table, each path once.
    let mut done = std::collections::BTreeSet::new();
    for d in docs {
        if done.insert(d.path) {
            paths = paths.path(d.path, seen.remove(d.path).expect("collected above"));
        }
    }
    let mut components = ComponentsBuilder::new()
        .schema(ErrorBody::name(), ErrorBody::schema())
        .security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::operator::session::COOKIE,
                "The session cookie from login. Unsafe methods also need the X-CSRF-Token header from login.",
            ))),
        )
        .security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    for (name, schema) in schemas {
        components = components.schema(name, schema);
    }
    OpenApiBuilder::new()
        .info(InfoBuilder::new().title(title).description(Some(description)).version(env!("CARGO_PKG_VERSION")))
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

#[cfg(test)]
mod tests {
    /// Every document builds, is OpenAPI 3.1, has routes and documents its error body.
    #[test]
    fn every_document_builds() {
        for (path, build) in super::DOCUMENTS {
            let doc = serde_json::to_value(build()).expect("json");
            assert_eq!(doc["openapi"], "3.1.0", "{path}");
            assert!(doc["paths"].as_object().is_some_and(|p| !p.is_empty()), "{path}");
            // Stored Data keeps Webim's own error shape (`StoredError`); the others share `ErrorBody`.
            let schemas = &doc["components"]["schemas"];
            assert!(schemas["ErrorBody"].is_object() || schemas["StoredError"].is_object(), "{path}");
        }
    }
}
