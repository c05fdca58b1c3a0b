//! OpenAPI 3.1 document of the visitor protocol (`/l/v/…` and the placement configuration),
//! served at `/l/v/openapi.json`. Schemas come from the wire types in
//! `beseda_core::protocol::visitor`; the paths follow the visitor route table in `routes.rs`.
//! Fields are query parameters or, for `POST`, an urlencoded body with the same fields.
//! Webim sends some refusals with status 200 (`reinit-required`, …), so a 200 answer is the
//! endpoint's answer or the error body.

use beseda_core::protocol::visitor::*;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, PathsBuilder, Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder, Schema,
};
use utoipa::IntoParams;

#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    ErrorBody,
    FullUpdateAnswer,
    DeltaAnswer,
    DeltaItem,
    ActionAnswer,
    HistoryAnswer,
    SearchAnswer,
    UploadAnswer,
    OnlineStatusAnswer,
    MetaAnswer,
    ConfigAnswer,
    InitRequest,
    DeltaRequest,
    ActionRequest,
    HistoryRequest,
    SearchRequest,
    OnlineStatusRequest,
    UploadRequest,
    FileDeleteRequest,
    LightAuthRequest,
    LightAuthAnswer,
    LightInfoAnswer,
)))]
struct Schemas;

/// What a route answers with status 200.
enum Answer {
    /// JSON of this schema (or the error body).
    Json(&'static str),
    /// The configuration wrapped in a JavaScript call.
    JavaScript,
    /// The file's bytes.
    File,
    /// A WebSocket whose text frames are delta answers.
    Socket,
    /// Always the error body, with this status.
    Refusal(&'static str),
}

/// One route of the visitor route table.
struct Route {
    path: &'static str,
    methods: &'static [HttpMethod],
    summary: &'static str,
    /// Query (and path) parameters.
    params: fn() -> Vec<Parameter>,
    /// The urlencoded (or multipart) body schema a `POST` may carry.
    form: Option<(&'static str, &'static str)>,
    answer: Answer,
}

const GET_POST: &[HttpMethod] = &[HttpMethod::Get, HttpMethod::Post];
const FORM: &str = "application/x-www-form-urlencoded";

fn query<P: IntoParams>() -> Vec<Parameter> {
    P::into_params(|| Some(ParameterIn::Query))
}

fn none() -> Vec<Parameter> {
    Vec::new()
}

fn path_param(name: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

fn routes() -> Vec<Route> {
    vec![
        Route {
            path: "/api/visitor/meta",
            methods: GET_POST,
            summary: "Endpoint overrides (none)",
            params: none,
            form: None,
            answer: Answer::Json("MetaAnswer"),
        },
        Route {
            path: "/api/visitor/v1/configs/{location}",
            methods: GET_POST,
            summary: "A placement's configuration: account settings and the placement's own",
            params: || vec![path_param("location")],
            form: None,
            answer: Answer::Json("ConfigAnswer"),
        },
        Route {
            path: "/x/js/v/{file}",
            methods: &[HttpMethod::Get],
            summary: "The configuration as `webimApplyServerSideSettings(…);` (file `all-settings-{location}.js`)",
            params: || vec![path_param("file")],
            form: None,
            answer: Answer::JavaScript,
        },
        Route {
            path: "/l/v/m/init",
            methods: GET_POST,
            summary: "Start or resume a visit session: the whole state (or, with `Authorization: Bearer <light token>` and no `location`, the light token's visitor)",
            params: query::<InitRequest>,
            form: Some((FORM, "InitRequest")),
            answer: Answer::Json("FullUpdateAnswer"),
        },
        Route {
            path: "/l/v/m/delta",
            methods: GET_POST,
            summary: "The items after `since`, held until there are some; a full update when too far behind",
            params: query::<DeltaRequest>,
            form: Some((FORM, "DeltaRequest")),
            answer: Answer::Json("DeltaAnswer"),
        },
        Route {
            path: "/l/v/m/ws",
            methods: &[HttpMethod::Get],
            summary: "WebSocket: every text frame is a delta answer; a refused page gets one error frame",
            params: query::<SocketRequest>,
            form: None,
            answer: Answer::Socket,
        },
        Route {
            path: "/l/v/m/action",
            methods: GET_POST,
            summary: "One visitor action, chosen by `action`",
            params: query::<ActionRequest>,
            form: Some((FORM, "ActionRequest")),
            answer: Answer::Json("ActionAnswer"),
        },
        Route {
            path: "/l/v/m/history",
            methods: GET_POST,
            summary: "The visitor's messages: the latest page, changes after `since`, or a page before `before-ts`",
            params: query::<HistoryRequest>,
            form: Some((FORM, "HistoryRequest")),
            answer: Answer::Json("HistoryAnswer"),
        },
        Route {
            path: "/l/v/m/auth",
            methods: GET_POST,
            summary: "Light mode: a 30-day bearer token for the visitor the init identity fields name",
            params: query::<LightAuthRequest>,
            form: Some((FORM, "LightAuthRequest")),
            answer: Answer::Json("LightAuthAnswer"),
        },
        Route {
            path: "/l/v/m/info",
            methods: GET_POST,
            summary: "Light mode: unread operator messages (`Authorization: Bearer <light token>`; `unauthorized` 403 otherwise)",
            params: none,
            form: None,
            answer: Answer::Json("LightInfoAnswer"),
        },
        Route {
            path: "/l/v/m/search-messages",
            methods: GET_POST,
            summary: "Search the visitor's messages",
            params: query::<SearchRequest>,
            form: Some((FORM, "SearchRequest")),
            answer: Answer::Json("SearchAnswer"),
        },
        Route {
            path: "/l/v/m/get-online-status",
            methods: GET_POST,
            summary: "A placement's online status",
            params: query::<OnlineStatusRequest>,
            form: Some((FORM, "OnlineStatusRequest")),
            answer: Answer::Json("OnlineStatusAnswer"),
        },
        Route {
            path: "/l/v/m/upload",
            methods: &[HttpMethod::Post],
            summary: "Upload a file (multipart field `webim_upload_file`); it is sent as a file message",
            params: none,
            form: Some(("multipart/form-data", "UploadRequest")),
            answer: Answer::Json("UploadAnswer"),
        },
        Route {
            path: "/l/v/m/download/{guid}/{filename}",
            methods: GET_POST,
            summary: "A file of the visitor's chats, by a signed link",
            params: || {
                let mut params = vec![path_param("guid"), path_param("filename")];
                params.extend(query::<DownloadRequest>());
                params
            },
            form: None,
            answer: Answer::File,
        },
        Route {
            path: "/l/v/file-delete",
            methods: GET_POST,
            summary: "Withdraw an upload",
            params: query::<FileDeleteRequest>,
            form: Some((FORM, "FileDeleteRequest")),
            answer: Answer::Json("ActionAnswer"),
        },
        Route {
            path: "/webim/api/v1/faq/{rest}",
            methods: GET_POST,
            summary: "Webim's FAQ API: not provided",
            params: || vec![path_param("rest")],
            form: None,
            answer: Answer::Refusal("404"),
        },
        Route {
            path: "/services/faq/v1/{rest}",
            methods: GET_POST,
            summary: "Webim's FAQ API: not provided",
            params: || vec![path_param("rest")],
            form: None,
            answer: Answer::Refusal("404"),
        },
    ]
}

fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn json(schema: impl Into<RefOr<Schema>>) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new().description(description).content("application/json", json(schema_ref("ErrorBody"))).build()
}

fn responses(answer: &Answer) -> utoipa::openapi::Responses {
    let string = |format: Option<SchemaFormat>| ObjectBuilder::new().schema_type(Type::String).format(format);
    let ok = match answer {
        Answer::Json(name) => {
            let either = OneOfBuilder::new().item(schema_ref(name)).item(schema_ref("ErrorBody"));
            ResponseBuilder::new()
                .description("The answer, or a refusal Webim sends with 200")
                .content("application/json", json(either))
        }
        Answer::JavaScript => ResponseBuilder::new()
            .description("JavaScript calling webimApplyServerSideSettings with the configuration")
            .content("application/javascript", json(string(None))),
        Answer::File => ResponseBuilder::new()
            .description("The file")
            .content("application/octet-stream", json(string(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))))),
        Answer::Socket => {
            let builder = ResponsesBuilder::new()
                .response("101", ResponseBuilder::new().description("Switching to the WebSocket"))
                .response("default", error_response("The upgrade was refused"));
            return builder.build();
        }
        Answer::Refusal(status) => {
            return ResponsesBuilder::new().response(*status, error_response("Not provided")).build();
        }
    };
    ResponsesBuilder::new().response("200", ok).response("default", error_response("Refused")).build()
}

/// The visitor protocol's OpenAPI document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for route in routes() {
        for method in route.methods {
            let mut operation = OperationBuilder::new()
                .summary(Some(route.summary))
                .parameters(Some((route.params)()))
                .responses(responses(&route.answer));
            if let (HttpMethod::Post, Some((media, schema))) = (method, route.form) {
                let body = RequestBodyBuilder::new().content(media, json(schema_ref(schema))).build();
                operation = operation.request_body(Some(body));
            }
            paths = paths.path(route.path, PathItem::new(method.clone(), operation));
        }
    }
    let mut doc = <Schemas as utoipa::OpenApi>::openapi();
    doc.info = InfoBuilder::new()
        .title("Beseda visitor protocol (Webim-compatible)")
        .version(env!("CARGO_PKG_VERSION"))
        .build();
    doc.paths = paths.build();
    if let Some(components) = doc.components.as_mut() {
        // A whole message has every key of the deleted form too, so a history message is
        // either (anyOf); the derived oneOf would refuse every whole message.
        let either = AnyOfBuilder::new().item(schema_ref("Message")).item(schema_ref("DeletedMessage"));
        components.schemas.insert("HistoryMessage".to_owned(), RefOr::T(Schema::AnyOf(either.build())));
    }
    doc
}

#[cfg(test)]
mod tests {
    /// Every visitor route of the route table is documented.
    #[test]
    fn the_document_covers_the_visitor_routes() {
        let doc = serde_json::to_value(super::document()).expect("serialises");
        assert_eq!(doc["openapi"], "3.1.0");
        let source = include_str!("../routes.rs");
        let table = &source[source.find("fn visitor_routes()").expect("visitor route table")..];
        let table = &table[..table.find("\n}\n").expect("end of the table")];
        for line in table.lines().filter(|l| l.trim_start().starts_with(".route(\"")) {
            let path = line.split('"').nth(1).expect("a path").replace("{*rest}", "{rest}");
            if path == "/l/v/openapi.json" {
                continue;
            }
            assert!(doc["paths"][&path].is_object(), "{path} is not documented");
        }
    }
}
