//! OpenAPI 3 document of the operator API, generated from the route table.

pub mod visitor;

use serde_json::{json, Map, Value};

#[derive(Clone, Debug)]
pub struct ApiDoc {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub auth: bool,
    pub body: Option<&'static str>,
    pub query: Option<&'static str>,
    pub path_id: bool,
    /// A string path parameter of this name.
    pub path_string: Option<&'static str>,
    /// The body is `multipart/form-data` of this schema.
    pub multipart: bool,
}

impl ApiDoc {
    pub fn new(method: &'static str, path: &'static str, summary: &'static str) -> Self {
        Self {
            method,
            path,
            summary,
            auth: true,
            body: None,
            query: None,
            path_id: false,
            path_string: None,
            multipart: false,
        }
    }
    pub fn public(mut self) -> Self {
        self.auth = false;
        self
    }
    pub fn body(mut self, schema: &'static str) -> Self {
        self.body = Some(schema);
        self
    }
    pub fn query(mut self, name: &'static str) -> Self {
        self.query = Some(name);
        self
    }
    pub fn path_id(mut self) -> Self {
        self.path_id = true;
        self
    }
    pub fn path_string(mut self, name: &'static str) -> Self {
        self.path_string = Some(name);
        self
    }
    pub fn multipart(mut self, schema: &'static str) -> Self {
        self.body = Some(schema);
        self.multipart = true;
        self
    }
}

fn schemas() -> Value {
    json!({
        "Credentials": {"type": "object", "required": ["email", "password"],
            "properties": {"email": {"type": "string"}, "password": {"type": "string"},
                "newPassword": {"type": "string", "minLength": 8, "maxLength": 200,
                    "description": "Replaces the password as part of this login; required when it is one-time"},
                "totpCode": {"type": "string", "description": "The current two-factor code, when the account has 2FA"},
                "recoveryCode": {"type": "string", "description": "Instead of totpCode: a recovery code (good once)"}}},
        "TwoFactorCode": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}},
        "TwoFactorDisable": {"type": "object", "required": ["password", "code"],
            "properties": {"password": {"type": "string"},
                "code": {"type": "string", "description": "A current code or a recovery code"}}},
        "PasswordChange": {"type": "object", "required": ["currentPassword", "newPassword"],
            "properties": {"currentPassword": {"type": "string"},
                "newPassword": {"type": "string", "minLength": 8, "maxLength": 200}}},
        "PushSubscription": {"type": "object", "required": ["endpoint", "keys"],
            "properties": {"endpoint": {"type": "string", "format": "uri", "maxLength": 2048,
                    "description": "https (http only to a host of push_insecure_hosts)"},
                "keys": {"type": "object", "required": ["p256dh", "auth"],
                    "properties": {"p256dh": {"type": "string", "description": "Uncompressed P-256 point, base64url"},
                        "auth": {"type": "string", "description": "16 bytes, base64url"}}},
                "expirationTime": {"type": ["number", "null"]}}},
        "PushUnsubscribe": {"type": "object",
            "properties": {"endpoint": {"type": "string", "description": "Without it: every subscription of yours"}}},
        "Status": {"type": "object", "required": ["status"],
            "properties": {"status": {"type": "string", "enum": ["online", "invisible", "offline"]}}},
        "SendMessage": {"type": "object", "required": ["clientSideId"],
            "properties": {"clientSideId": {"type": "string", "maxLength": 64}, "text": {"type": "string"},
                "keyboard": {"type": "array", "items": {"type": "array", "items": {"type": "object",
                    "required": ["id", "text"], "properties": {"id": {"type": "string"}, "text": {"type": "string"}}}}}}},
        "FileUpload": {"type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}},
        "Note": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "maxLength": 10000}}},
        "Typing": {"type": "object", "required": ["typing"], "properties": {"typing": {"type": "boolean"}}},
        "Redirect": {"type": "object", "description": "Exactly one of operatorId, departmentKey, queue.",
            "properties": {"operatorId": {"type": "integer"}, "departmentKey": {"type": "string"}, "queue": {"type": "boolean"},
                "language": {"type": "string"}, "allowOffline": {"type": "boolean"}, "allowInvisible": {"type": "boolean"}}},
        "Category": {"type": "object", "required": ["category"],
            "properties": {"category": {"type": "string"}, "subcategory": {"type": "string"}}},
        "Settings": {"type": "object", "description": "The organisation settings document (see GET); keys left out take their defaults."},
        "Department": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"},
            "localeNames": {"type": "object"}, "order": {"type": "integer"}, "logo": {"type": "string"}}},
        "Profile": {"type": "object", "required": ["languages"], "properties": {"departmentKeys": {"type": "array", "items": {"type": "string"}},
            "languages": {"type": "array", "items": {"type": "string"}}, "maxChats": {"type": "integer"}}},
        "Bot": {"type": "object", "required": ["operatorId"], "properties": {"operatorId": {"type": "integer"}, "sortOrder": {"type": "integer"}}},
        "Channel": {"type": "object", "required": ["title"], "properties": {"key": {"type": "string"},
            "title": {"type": "string"}, "callbackUrl": {"type": "string"}, "departmentMode": {"type": "string", "enum": ["not_necessary", "obligatory"]},
            "defaultDepartment": {"type": "string"}, "allowedDepartments": {"type": "array", "items": {"type": "string"}}, "rotateSecret": {"type": "boolean"},
            "kind": {"type": "string", "enum": ["custom", "telegram", "vk"]}, "config": {"type": "object"}}},
        "Teleport": {"type": "object", "required": ["url"], "properties": {"url": {"type": "string", "format": "uri"}}},
        "Invitation": {"type": "object", "properties": {"text": {"type": "string", "maxLength": 1000}}},
        "VisitorBlock": {"type": "object", "required": ["reason"], "properties": {
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
            "durationSecs": {"type": ["integer", "null"], "minimum": 60},
            "blockAddress": {"type": "boolean"},
            "chatId": {"type": "integer"}}},
        "Placement": {"type": "object", "required": ["title"], "properties": {"title": {"type": "string"},
            "lang": {"type": "string", "enum": ["ru", "en"]}, "departmentKeys": {"type": "array", "items": {"type": "string"}},
            "defaultDepartment": {"type": "string"}, "helloMessage": {"type": "string"},
            "conversationTimeoutHours": {"type": "integer", "minimum": 1, "maximum": 720}}},
        "Template": {"type": "object", "required": ["lang", "text"], "properties": {"id": {"type": "integer", "description": "absent to create"},
            "departmentKey": {"type": "string", "description": "admin only: a department's template"}, "section": {"type": "string", "maxLength": 100},
            "lang": {"type": "string", "enum": ["ru", "en"]}, "title": {"type": "string", "maxLength": 200}, "text": {"type": "string", "maxLength": 10000}}},
        "OperatorCard": {"type": "object", "required": ["name", "email"], "properties": {"name": {"type": "string", "maxLength": 100},
            "email": {"type": "string", "format": "email"}, "avatar": {"type": "string", "format": "uri"},
            "role": {"type": "string", "enum": ["operator", "supervisor", "admin"], "description": "admin API, admins only"}}},
        "NewOperator": {"type": "object", "required": ["email", "name", "password"], "properties": {"email": {"type": "string"},
            "name": {"type": "string"}, "password": {"type": "string", "minLength": 8}, "role": {"type": "string", "enum": ["operator", "supervisor", "admin"]},
            "departmentKeys": {"type": "array", "items": {"type": "string"}}, "languages": {"type": "array", "items": {"type": "string"}}, "maxChats": {"type": "integer"}}},
        "Error": {"type": "object", "required": ["error"],
            "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
    })
}

pub fn document(routes: &[ApiDoc]) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for r in routes {
        let mut op = json!({
            "summary": r.summary,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "4XX": {"description": "Client error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        });
        let mut params = Vec::new();
        if r.path_id {
            params.push(json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}));
        }
        if let Some(name) = r.path_string {
            params.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
        }
        if let Some(q) = r.query {
            params.push(json!({"name": q, "in": "query", "required": false, "schema": {"type": "string"}}));
        }
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some(schema) = r.body {
            let media = if r.multipart { "multipart/form-data" } else { "application/json" };
            op["requestBody"] = json!({"required": true, "content": {media: {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
        }
        if r.auth {
            op["security"] = json!([{"cookie": []}, {"bearer": []}]);
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method.to_ascii_lowercase()] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Beseda operator API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "cookie": {"type": "apiKey", "in": "cookie", "name": "beseda_session",
                    "description": "Unsafe methods also need the X-CSRF-Token header from login."},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    })
}
