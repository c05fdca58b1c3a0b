//! Checks real responses against the OpenAPI documents the server serves: the response schema
//! of the matching path, method and status, with the document's components beside it so that
//! `$ref`s resolve.

use serde_json::{json, Value};

/// Panics, naming every violation, unless `body` is what `doc` promises for
/// `method path` answering `status`. `path` is the document's path template
/// (e.g. `/api/operator/v1/chats/{id}`).
pub fn assert_conforms(doc: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let operation = &doc["paths"][path][method.to_ascii_lowercase()];
    assert!(operation.is_object(), "the document has no {method} {path}");
    let responses = &operation["responses"];
    let response =
        if responses[status.to_string()].is_object() { &responses[status.to_string()] } else { &responses["default"] };
    assert!(response.is_object(), "{method} {path} documents no {status} answer");
    let schema = &response["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} {status} documents no JSON body");
    let mut root = schema.clone();
    if let Some(map) = root.as_object_mut() {
        map.insert("components".into(), doc.get("components").cloned().unwrap_or_else(|| json!({})));
    }
    let validator = jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("the schema of {method} {path} {status} is not a valid JSON Schema: {e}"));
    let errors: Vec<String> = validator.iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} does not match its document:\n{}\nbody: {body}",
        errors.join("\n")
    );
}
