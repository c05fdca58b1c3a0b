//! Local stand-ins for amoCRM, Zoho CRM and Zendesk that behave as their documentation says,
//! on one address: token endpoints that issue tokens for the right client only, rotate amoCRM's
//! refresh token and accept a code once; APIs that refuse a token they do not know (or no
//! longer know, after [`Vendors::expire`]) with the vendor's documented error body.
//!
//! - amoCRM: `POST /oauth2/access_token` (JSON: client_id, client_secret, grant_type,
//!   code | refresh_token, redirect_uri) → `{token_type, expires_in, access_token,
//!   refresh_token}`; a refusal is 400 with the `OAuthProblemJson` body. `/api/v4/*` without a
//!   valid bearer token → 401 `{"title":"Unauthorized","type":…,"status":401,"detail":…}`.
//! - Zoho: `POST /oauth/v2/token?refresh_token&client_id&client_secret&grant_type=refresh_token`
//!   → `{access_token, api_domain, token_type, expires_in}`; a wrong refresh token →
//!   `{"error":"invalid_code"}`; too many token requests (more than ten in ten minutes) → 400
//!   `{"error_description":"You have made too many requests continuously. …","error":"Access
//!   Denied","status":"failure"}`. `/crm/v6/*` without a valid `Zoho-oauthtoken` → 401
//!   `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`.
//! - Zendesk: `/api/v2/*` without the right Basic `{email}/token:{token}` or OAuth bearer →
//!   401 `{"error":"Couldn't authenticate you"}`.

use super::mock_http::Recorded;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const AMO_CLIENT: &str = "6a2d4741-0f5e-4a0c-9c1d-92277723dcea";
pub const AMO_SECRET: &str = "PZp1wm7VpAUBvpTzADj4CRHjmuvRR4PwVS7EqV";
pub const AMO_REDIRECT: &str = "https://beseda.example.com/amocrm";
pub const AMO_CODE: &str = "def50200e3a8a701f977d7e9151d7b02da";
pub const ZOHO_CLIENT: &str = "1000.GMB0YULZHJK411248S8I5GZ4CHUEX0";
pub const ZOHO_SECRET: &str = "122c324d3496d5d777ceeebc129470715fbb856b7";
pub const ZOHO_REFRESH: &str = "1000.86a03ca5dbfccb7445b1889b8215efb0.cad9e1ae4989a1196fe05aa729fcb4e1";
pub const ZENDESK_EMAIL: &str = "agent@sila.ru";
pub const ZENDESK_TOKEN: &str = "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv";
pub const ZENDESK_OAUTH: &str = "gErypPlm4dOVgGRvA1ZzMH5MQ3nLo8bo";

#[derive(Default)]
struct State {
    /// Valid now: codes and tokens per vendor (`amo-code`, `amo-refresh`, `amo-access`, …).
    valid: HashMap<&'static str, String>,
    issued: u32,
    requests: Vec<Recorded>,
    /// Plays another Beseda node: the next amoCRM renewal is preceded by that node's renewal
    /// with the same refresh token, whose tokens it keeps in this store after the delay.
    other_node: Option<(Arc<dyn beseda_store::Store>, std::time::Duration)>,
    /// Zoho Accounts answers token requests with its «too many requests» refusal.
    zoho_throttled: bool,
}

#[derive(Clone)]
pub struct Vendors {
    pub url: String,
    state: Arc<Mutex<State>>,
}

fn problem(status: u16, body: Value) -> Response {
    let mut r = (StatusCode::from_u16(status).expect("status"), body.to_string()).into_response();
    r.headers_mut().insert("content-type", "application/json".parse().expect("header"));
    r
}

impl Vendors {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state: Arc<Mutex<State>> = Arc::default();
        state.lock().expect("lock").valid.insert("amo-code", AMO_CODE.into());
        state.lock().expect("lock").valid.insert("zoho-refresh", ZOHO_REFRESH.into());
        let shared = state.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let shared = shared.clone();
            async move {
                let text = String::from_utf8_lossy(&body).into_owned();
                let (answer, rotated) = {
                    let mut s = shared.lock().expect("lock");
                    let renewal = uri.path() == "/oauth2/access_token" && text.contains("\"refresh_token\"");
                    let node = if renewal { s.other_node.take() } else { None };
                    let rotated = node.map(|(store, after)| (store, after, s.issue("amo")));
                    let answer = s.answer(&method, &uri, &headers, &text);
                    let path_and_query = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
                    let answered = answer.status().as_u16();
                    s.requests.push(Recorded {
                        method: method.to_string(),
                        uri: path_and_query,
                        headers,
                        body: text,
                        answered,
                    });
                    (answer, rotated)
                };
                if let Some((store, after, (access, refresh))) = rotated {
                    let keep = async move {
                        tokio::time::sleep(after).await;
                        let mut doc =
                            store.setting_doc("crm.tokens.amocrm").await.expect("tokens").expect("kept tokens");
                        doc["access_token"] = json!(access);
                        doc["refresh_token"] = json!(refresh);
                        store.save_setting_doc("crm.tokens.amocrm", &doc).await.expect("save");
                    };
                    if after.is_zero() {
                        keep.await;
                    } else {
                        tokio::spawn(keep);
                    }
                }
                answer
            }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, state }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("lock").requests.clone()
    }

    /// The requests to `path` so far.
    pub fn to(&self, path: &str) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.path() == path).collect()
    }

    /// What is valid now under `key` (`amo-access`, `amo-refresh`, `zoho-access`, …).
    pub fn valid(&self, key: &str) -> Option<String> {
        self.state.lock().expect("lock").valid.get(key).cloned()
    }

    /// Forgets a token, as the vendor does when it expires or is revoked.
    pub fn expire(&self, key: &str) {
        self.state.lock().expect("lock").valid.remove(key);
    }

    /// Waits until `pred` holds for the recorded requests (at most 10 s).
    pub async fn wait_until(&self, pred: impl Fn(&[Recorded]) -> bool) -> Vec<Recorded> {
        for _ in 0..500 {
            let now = self.requests();
            if pred(&now) {
                return now;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("timed out waiting; got {:#?}", self.requests());
    }
}

impl State {
    fn issue(&mut self, vendor: &'static str) -> (String, String) {
        self.issued += 1;
        let (access, refresh) =
            (format!("{vendor}-access-{}", self.issued), format!("{vendor}-refresh-{}", self.issued));
        let (ak, rk) = if vendor == "amo" { ("amo-access", "amo-refresh") } else { ("zoho-access", "zoho-refresh") };
        self.valid.insert(ak, access.clone());
        if vendor == "amo" {
            self.valid.insert(rk, refresh.clone());
        }
        (access, refresh)
    }

    fn is(&self, key: &str, value: &str) -> bool {
        self.valid.get(key).is_some_and(|v| v == value)
    }

    fn answer(&mut self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &str) -> Response {
        let path = uri.path();
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        if path == "/oauth2/access_token" && method == Method::POST {
            return self.amo_token(body);
        }
        if let Some(rest) = path.strip_prefix("/api/v4/") {
            let token = auth.strip_prefix("Bearer ").unwrap_or_default();
            if !(self.is("amo-access", token) || self.is("amo-long-lived", token)) {
                return problem(
                    401,
                    json!({"title": "Unauthorized", "type": "https://httpstatus.es/401", "status": 401, "detail": "Неверный логин или пароль"}),
                );
            }
            return match rest {
                "contacts" => problem(200, json!({"_embedded": {"contacts": [{"id": 9001, "request_id": "0"}]}})),
                _ => problem(200, json!({"id": 28805383, "name": "sila", "subdomain": "sila"})),
            };
        }
        if path == "/oauth/v2/token" && method == Method::POST {
            let q: HashMap<String, String> =
                reqwest::Url::parse(&format!("http://x{uri}")).expect("uri").query_pairs().into_owned().collect();
            let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
            if self.zoho_throttled {
                return problem(
                    400,
                    json!({"error_description": "You have made too many requests continuously. Please try again after some time.",
                           "error": "Access Denied", "status": "failure"}),
                );
            }
            let ok = get("client_id") == ZOHO_CLIENT
                && get("client_secret") == ZOHO_SECRET
                && get("grant_type") == "refresh_token"
                && self.is("zoho-refresh", get("refresh_token"));
            if !ok {
                return problem(200, json!({"error": "invalid_code"}));
            }
            let (access, _) = self.issue("zoho");
            return problem(
                200,
                json!({"access_token": access, "api_domain": "https://www.zohoapis.com", "token_type": "Bearer", "expires_in": 3600}),
            );
        }
        if path.starts_with("/crm/v6/") {
            if !self.is("zoho-access", auth.strip_prefix("Zoho-oauthtoken ").unwrap_or_default()) {
                return problem(
                    401,
                    json!({"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"}),
                );
            }
            if method == Method::POST {
                return problem(
                    201,
                    json!({"data": [{"code": "SUCCESS", "details": {"id": "4150868000000624001"}, "message": "record added", "status": "success"}]}),
                );
            }
            return problem(
                200,
                json!({"data": [{"Last_Name": "Петров", "id": "4150868000000624001"}], "info": {"per_page": 1}}),
            );
        }
        if path.starts_with("/api/v2/") {
            let basic =
                base64::engine::general_purpose::STANDARD.encode(format!("{ZENDESK_EMAIL}/token:{ZENDESK_TOKEN}"));
            let basic_ok = auth == format!("Basic {basic}") && self.valid.contains_key("zendesk-token");
            if !(basic_ok || auth == format!("Bearer {ZENDESK_OAUTH}")) {
                return problem(401, json!({"error": "Couldn't authenticate you"}));
            }
            return match path {
                "/api/v2/users/me.json" => {
                    problem(200, json!({"user": {"id": 35436, "email": ZENDESK_EMAIL, "role": "admin"}}))
                }
                _ => problem(201, json!({"ticket": {"id": 35436}})),
            };
        }
        problem(404, json!({"error": "InvalidEndpoint"}))
    }

    fn amo_token(&mut self, body: &str) -> Response {
        let b: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let get = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let refuse = |hint: &str| {
            problem(
                400,
                json!({"hint": hint, "title": "Некорректный запрос", "type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson",
                       "status": 400, "detail": "В запросе отсутствует ряд параметров или параметры невалидны"}),
            )
        };
        if get("client_id") != AMO_CLIENT || get("client_secret") != AMO_SECRET || get("redirect_uri") != AMO_REDIRECT {
            return refuse("Client authentication failed");
        }
        match get("grant_type").as_str() {
            "authorization_code" if self.is("amo-code", &get("code")) => {
                self.valid.remove("amo-code");
            }
            "authorization_code" => return refuse("Authorization code has been revoked"),
            "refresh_token" if self.is("amo-refresh", &get("refresh_token")) => {}
            "refresh_token" => return refuse("Token has been revoked"),
            _ => return refuse("Unsupported grant type"),
        }
        let (access, refresh) = self.issue("amo");
        problem(
            200,
            json!({"token_type": "Bearer", "expires_in": 86400, "access_token": access, "refresh_token": refresh}),
        )
    }
}

impl Vendors {
    /// The next amoCRM renewal comes just after one «another node» made with the same refresh
    /// token (so amoCRM refuses it), and that node keeps its tokens in `store` `after` the
    /// refusal (at once when zero).
    pub fn race_with_another_node(&self, store: Arc<dyn beseda_store::Store>, after: std::time::Duration) {
        self.state.lock().expect("lock").other_node = Some((store, after));
    }

    /// Zoho Accounts refuses token requests as too many (HTTP 400 `"error":"Access Denied"`)
    /// while `on`.
    pub fn throttle_zoho_tokens(&self, on: bool) {
        self.state.lock().expect("lock").zoho_throttled = on;
    }

    /// Makes a long-lived amoCRM token, or the Zendesk API token, valid.
    pub fn allow(&self, key: &'static str, value: &str) {
        self.state.lock().expect("lock").valid.insert(key, value.into());
    }
}
