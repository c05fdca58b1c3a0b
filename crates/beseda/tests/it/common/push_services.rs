//! Local stand-ins for the mobile push services, doing what their documentation says,
//! errors included: APNs (HTTP/2 only — spoken without TLS here, "h2c with prior knowledge";
//! an HTTP/1.1 request gets no answer) checking the provider token, and FCM's HTTP v1 API with
//! Google's OAuth 2.0 token endpoint. The tokens Beseda signs with `ring` are verified here with
//! RustCrypto's `p256` and `rsa`, an implementation of their own.

use axum::body::{Body, Bytes};
use axum::http::{Request, Response, StatusCode, Version};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An answer a test asks for: status, reason or error body, `Retry-After` seconds.
#[derive(Clone, Debug)]
pub struct Fault {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<u64>,
}

impl Fault {
    /// An APNs error answer.
    pub fn apns(status: u16, reason: &str) -> Self {
        Self { status, body: json!({"reason": reason}), retry_after: None }
    }

    /// An FCM error answer (`google.rpc.Status` with an `FcmError` detail, and a `BadRequest`
    /// about `field` when given).
    pub fn fcm(status: u16, rpc_status: &str, error_code: &str, field: Option<&str>) -> Self {
        let mut details =
            vec![json!({"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": error_code})];
        if let Some(f) = field {
            details.push(json!({"@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": f, "description": "The registration token is not a valid FCM registration token"}]}));
        }
        Self {
            status,
            body: json!({"error": {"code": status, "message": rpc_status, "status": rpc_status, "details": details}}),
            retry_after: None,
        }
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
}

fn answer(status: u16, body: &Value, retry_after: Option<u64>) -> Response<Body> {
    let mut resp = Response::builder()
        .status(StatusCode::from_u16(status).expect("status"))
        .header("content-type", "application/json");
    if let Some(s) = retry_after {
        resp = resp.header("retry-after", s.to_string());
    }
    let text = if body.is_null() { String::new() } else { body.to_string() };
    resp.body(Body::from(text)).expect("response")
}

/// The parts of a compact JWS, its header and claims decoded.
fn jws_parts(jwt: &str) -> Result<(Value, Value, Vec<u8>, String), String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, c, s] = parts[..] else { return Err("not three parts".into()) };
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p).map_err(|_| "bad base64url".to_owned());
    let header: Value = serde_json::from_slice(&decode(h)?).map_err(|e| e.to_string())?;
    let claims: Value = serde_json::from_slice(&decode(c)?).map_err(|e| e.to_string())?;
    Ok((header, claims, decode(s)?, format!("{h}.{c}")))
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64
}

// ---------------------------------------------------------------- APNs

/// One APNs request as received.
#[derive(Clone, Debug)]
pub struct ApnsRequest {
    pub version: Version,
    pub device: String,
    pub headers: HashMap<String, String>,
    pub body: Value,
    /// The provider token and its verified claims.
    pub jwt: String,
    pub claims: Value,
    pub answered: u16,
}

#[derive(Default)]
struct ApnsState {
    requests: Vec<ApnsRequest>,
    /// Answers for the next requests, whatever they are.
    next: VecDeque<Fault>,
    /// Answers for one device.
    devices: HashMap<String, Fault>,
    /// Provider tokens answered 403 `ExpiredProviderToken`.
    expired: HashSet<String>,
    /// Requests refused for breaking the protocol (the test expects none).
    refused: Vec<String>,
    /// How far this stand-in's clock is ahead of the wall clock (a test moving the server's).
    ahead_secs: i64,
}

#[derive(Clone)]
pub struct Apns {
    pub addr: SocketAddr,
    pub key_id: String,
    pub team_id: String,
    pub topic: String,
    /// The .p8 key file Beseda is configured with.
    pub key_file: PathBuf,
    verifying: p256::ecdsa::VerifyingKey,
    state: Arc<Mutex<ApnsState>>,
}

impl Apns {
    /// A stand-in with a fresh P-256 key, its .p8 file written in `dir`.
    pub async fn start(dir: &Path) -> Self {
        use p256::pkcs8::DecodePrivateKey;
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 =
            ring::signature::EcdsaKeyPair::generate_pkcs8(&ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .expect("key");
        let key_file = dir.join("AuthKey_ABC123DEFG.p8");
        let pem =
            format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", STANDARD.encode(pkcs8.as_ref()));
        std::fs::write(&key_file, pem).expect("key file");
        let secret = p256::SecretKey::from_pkcs8_der(pkcs8.as_ref()).expect("p256 reads the key");
        let verifying = p256::ecdsa::VerifyingKey::from(secret.public_key());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let apns = Apns {
            addr,
            key_id: "ABC123DEFG".into(),
            team_id: "DEF123GHIJ".into(),
            topic: "com.example.shop".into(),
            key_file,
            verifying,
            state: Arc::default(),
        };
        let serving = apns.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let apns = serving.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let apns = apns.clone();
                        async move { Ok::<_, std::convert::Infallible>(apns.handle(req.map(Body::new)).await) }
                    });
                    // HTTP/2 only: an HTTP/1.1 request is not answered.
                    let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        apns
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn settings(&self) -> beseda_server::mobile_push::ApnsSettings {
        beseda_server::mobile_push::ApnsSettings {
            key_file: self.key_file.clone(),
            key_id: self.key_id.clone(),
            team_id: self.team_id.clone(),
            topic: self.topic.clone(),
            url: self.url(),
        }
    }

    /// Moves this stand-in's clock forward (with the server's manual clock).
    pub fn advance(&self, by: Duration) {
        self.state.lock().expect("lock").ahead_secs += by.as_secs() as i64;
    }

    fn now(&self) -> i64 {
        now_secs() + self.state.lock().expect("lock").ahead_secs
    }

    /// Checks the provider token: ES256, our `kid`, our team as `iss`, an `iat` not in the
    /// future, and a valid signature (its age is checked by the caller).
    fn verify(&self, jwt: &str) -> Result<Value, String> {
        use p256::ecdsa::signature::Verifier;
        let (header, claims, sig, input) = jws_parts(jwt)?;
        if header["alg"] != "ES256" || header["kid"] != self.key_id.as_str() {
            return Err(format!("header {header}"));
        }
        if claims["iss"] != self.team_id.as_str() {
            return Err(format!("claims {claims}"));
        }
        let iat = claims["iat"].as_i64().ok_or("no iat")?;
        if iat > self.now() + 60 {
            return Err("iat in the future".into());
        }
        let sig = p256::ecdsa::Signature::from_slice(&sig).map_err(|e| e.to_string())?;
        self.verifying.verify(input.as_bytes(), &sig).map_err(|_| "bad signature".to_owned())?;
        Ok(claims)
    }

    async fn handle(&self, req: Request<Body>) -> Response<Body> {
        let version = req.version();
        let path = req.uri().path().to_owned();
        let headers: HashMap<String, String> = req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = axum::body::to_bytes(req.into_body(), 1 << 20).await.unwrap_or_default();
        let refuse = |why: String, status: u16, reason: &str| {
            self.state.lock().expect("lock").refused.push(why);
            answer(status, &json!({"reason": reason}), None)
        };
        let Some(device) = path.strip_prefix("/3/device/").map(str::to_owned) else {
            return refuse(format!("path {path}"), 404, "BadPath");
        };
        let Some(jwt) = headers.get("authorization").and_then(|a| a.strip_prefix("bearer ")).map(str::to_owned) else {
            return refuse("no bearer token".into(), 403, "MissingProviderToken");
        };
        let claims = match self.verify(&jwt) {
            Ok(c) => c,
            Err(why) => return refuse(why, 403, "InvalidProviderToken"),
        };
        if headers.get("apns-topic") != Some(&self.topic) {
            return refuse("apns-topic".into(), 400, "BadTopic");
        }
        if headers.get("apns-push-type").map(String::as_str) != Some("alert") {
            return refuse("apns-push-type".into(), 400, "InvalidPushType");
        }
        if !headers.get("apns-priority").is_some_and(|p| p == "10" || p == "5") {
            return refuse("apns-priority".into(), 400, "BadPriority");
        }
        if !headers.get("apns-expiration").is_some_and(|e| e.parse::<i64>().is_ok_and(|e| e > self.now())) {
            return refuse("apns-expiration".into(), 400, "BadExpirationDate");
        }
        let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
            return refuse("payload".into(), 400, "PayloadEmpty");
        };
        if body.len() > 4096 {
            return refuse("payload too large".into(), 413, "PayloadTooLarge");
        }
        // APNs refuses provider tokens older than an hour.
        let too_old = claims["iat"].as_i64().is_some_and(|iat| iat < self.now() - 3600);
        let mut s = self.state.lock().expect("lock");
        let fault = if too_old || s.expired.contains(&jwt) {
            Some(Fault::apns(403, "ExpiredProviderToken"))
        } else {
            s.devices.get(&device).cloned().or_else(|| s.next.pop_front())
        };
        let (status, reply, retry_after) = match &fault {
            Some(f) => (f.status, f.body.clone(), f.retry_after),
            None => (200, Value::Null, None),
        };
        s.requests.push(ApnsRequest { version, device, headers, body: payload, jwt, claims, answered: status });
        answer(status, &reply, retry_after)
    }

    pub fn requests(&self) -> Vec<ApnsRequest> {
        self.state.lock().expect("lock").requests.clone()
    }

    pub fn refused(&self) -> Vec<String> {
        self.state.lock().expect("lock").refused.clone()
    }

    /// The next requests get these answers, in order.
    pub fn fail_next(&self, faults: &[Fault]) {
        self.state.lock().expect("lock").next.extend(faults.iter().cloned());
    }

    /// Every request for `device` gets this answer.
    pub fn device_answers(&self, device: &str, fault: Fault) {
        self.state.lock().expect("lock").devices.insert(device.to_owned(), fault);
    }

    /// The provider tokens seen so far are answered `ExpiredProviderToken` from now on.
    pub fn expire_tokens(&self) {
        let mut s = self.state.lock().expect("lock");
        let seen: Vec<String> = s.requests.iter().map(|r| r.jwt.clone()).collect();
        s.expired.extend(seen);
    }

    /// Waits until the recorded requests satisfy `pred`.
    pub async fn wait_until(&self, secs: u64, pred: impl Fn(&[ApnsRequest]) -> bool) -> Vec<ApnsRequest> {
        wait_for(secs, || {
            let r = self.requests();
            pred(&r).then_some(r)
        })
        .await
        .unwrap_or_else(|| panic!("APNs stand-in: condition not met; got {:#?}", self.requests()))
    }
}

async fn wait_for<T>(secs: u64, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = probe() {
            return Some(v);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

// ---------------------------------------------------------------- FCM

/// One FCM send as received.
#[derive(Clone, Debug)]
pub struct FcmRequest {
    pub access_token: String,
    pub project: String,
    pub body: Value,
    pub answered: u16,
}

#[derive(Default)]
struct FcmState {
    sends: Vec<FcmRequest>,
    /// The verified claims of each token request.
    token_requests: Vec<Value>,
    issued: HashSet<String>,
    next: VecDeque<Fault>,
    devices: HashMap<String, Fault>,
    refused: Vec<String>,
}

#[derive(Clone)]
pub struct Fcm {
    pub addr: SocketAddr,
    pub service_account_file: PathBuf,
    pub client_email: String,
    pub project: String,
    verifying: rsa::pkcs1v15::VerifyingKey<sha2::Sha256>,
    state: Arc<Mutex<FcmState>>,
}

pub const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

impl Fcm {
    /// A stand-in for the service account of the test fixture (its key made for the tests),
    /// whose key file, pointing `token_uri` here, is written in `dir`.
    pub async fn start(dir: &Path) -> Self {
        use rsa::pkcs8::DecodePrivateKey;
        let mut account: Value =
            serde_json::from_str(include_str!("../../fixtures/mobile-push/test-service-account.json"))
                .expect("fixture");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        account["token_uri"] = json!(format!("http://{addr}/token"));
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(account["private_key"].as_str().expect("key")).expect("rsa");
        let verifying = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(private.to_public_key());
        let service_account_file = dir.join("service-account.json");
        std::fs::write(&service_account_file, account.to_string()).expect("write");
        let fcm = Fcm {
            addr,
            service_account_file,
            client_email: account["client_email"].as_str().expect("email").to_owned(),
            project: account["project_id"].as_str().expect("project").to_owned(),
            verifying,
            state: Arc::default(),
        };
        let serving = fcm.clone();
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let fcm = serving.clone();
            async move { fcm.handle(req).await }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        fcm
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn settings(&self) -> beseda_server::mobile_push::FcmSettings {
        beseda_server::mobile_push::FcmSettings {
            service_account_file: self.service_account_file.clone(),
            url: self.url(),
            token_url: None,
        }
    }

    fn verify(&self, jwt: &str) -> Result<Value, String> {
        use rsa::signature::Verifier;
        let (header, claims, sig, input) = jws_parts(jwt)?;
        if header["alg"] != "RS256" {
            return Err(format!("header {header}"));
        }
        let sig = rsa::pkcs1v15::Signature::try_from(sig.as_slice()).map_err(|e| e.to_string())?;
        self.verifying.verify(input.as_bytes(), &sig).map_err(|_| "bad signature".to_owned())?;
        let (iat, exp) = (claims["iat"].as_i64().ok_or("no iat")?, claims["exp"].as_i64().ok_or("no exp")?);
        if claims["iss"] != self.client_email.as_str()
            || claims["scope"] != FCM_SCOPE
            || claims["aud"] != format!("http://{}/token", self.addr).as_str()
            || exp <= iat
            || exp - iat > 3600
            || iat > now_secs() + 60
        {
            return Err(format!("claims {claims}"));
        }
        Ok(claims)
    }

    async fn handle(&self, req: Request<Body>) -> Response<Body> {
        let path = req.uri().path().to_owned();
        let bearer = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let body: Bytes = axum::body::to_bytes(req.into_body(), 1 << 20).await.unwrap_or_default();
        let mut s = self.state.lock().expect("lock");
        if path == "/token" {
            let text = String::from_utf8_lossy(&body);
            let form: HashMap<String, String> = reqwest::Url::parse(&format!("http://form/?{text}"))
                .map(|u| u.query_pairs().into_owned().collect())
                .unwrap_or_default();
            if form.get("grant_type").map(String::as_str) != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
                s.refused.push("grant_type".into());
                return answer(400, &json!({"error": "unsupported_grant_type"}), None);
            }
            match self.verify(form.get("assertion").map(String::as_str).unwrap_or_default()) {
                Ok(claims) => {
                    s.token_requests.push(claims);
                    let token = format!("ya29.test-{}", s.token_requests.len());
                    s.issued.insert(token.clone());
                    return answer(
                        200,
                        &json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"}),
                        None,
                    );
                }
                Err(why) => {
                    s.refused.push(why);
                    return answer(400, &json!({"error": "invalid_grant", "error_description": "Invalid JWT"}), None);
                }
            }
        }
        let Some(project) =
            path.strip_prefix("/v1/projects/").and_then(|p| p.strip_suffix("/messages:send")).map(str::to_owned)
        else {
            s.refused.push(format!("path {path}"));
            return answer(404, &Value::Null, None);
        };
        let token = bearer.unwrap_or_default();
        if !s.issued.contains(&token) {
            let unauthenticated = Fault::fcm(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", None);
            s.sends.push(FcmRequest { access_token: token, project, body: Value::Null, answered: 401 });
            return answer(401, &unauthenticated.body, None);
        }
        let Ok(message) = serde_json::from_slice::<Value>(&body) else {
            s.refused.push("body".into());
            return answer(400, &Fault::fcm(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", None).body, None);
        };
        let data_ok = message["message"]["data"].as_object().is_some_and(|d| d.values().all(Value::is_string));
        if project != self.project || !data_ok {
            s.refused.push(format!("project {project} or data {}", message["message"]["data"]));
            return answer(
                400,
                &Fault::fcm(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", Some("message.data")).body,
                None,
            );
        }
        let device = message["message"]["token"].as_str().unwrap_or_default().to_owned();
        let fault = s.devices.get(&device).cloned().or_else(|| s.next.pop_front());
        let (status, reply, retry_after) = match &fault {
            Some(f) => (f.status, f.body.clone(), f.retry_after),
            None => (200, json!({"name": format!("projects/{project}/messages/{}", s.sends.len() + 1)}), None),
        };
        s.sends.push(FcmRequest { access_token: token, project, body: message, answered: status });
        answer(status, &reply, retry_after)
    }

    pub fn sends(&self) -> Vec<FcmRequest> {
        self.state.lock().expect("lock").sends.clone()
    }

    pub fn token_requests(&self) -> Vec<Value> {
        self.state.lock().expect("lock").token_requests.clone()
    }

    pub fn refused(&self) -> Vec<String> {
        self.state.lock().expect("lock").refused.clone()
    }

    pub fn fail_next(&self, faults: &[Fault]) {
        self.state.lock().expect("lock").next.extend(faults.iter().cloned());
    }

    pub fn device_answers(&self, device: &str, fault: Fault) {
        self.state.lock().expect("lock").devices.insert(device.to_owned(), fault);
    }

    /// Every access token issued so far stops working (FCM answers 401).
    pub fn revoke_tokens(&self) {
        self.state.lock().expect("lock").issued.clear();
    }

    pub async fn wait_until(&self, secs: u64, pred: impl Fn(&[FcmRequest]) -> bool) -> Vec<FcmRequest> {
        wait_for(secs, || {
            let r = self.sends();
            pred(&r).then_some(r)
        })
        .await
        .unwrap_or_else(|| panic!("FCM stand-in: condition not met; got {:#?}", self.sends()))
    }
}
