//! Outside services that only need canned answers and a record of what they were sent, as a
//! `wiremock` server: anything without an answer of its own gets 200 `{"ok":true}`.
//! (`mock_http.rs` stays for stand-ins whose answers change while a test runs: receivers that
//! fail and then recover, vendor APIs whose answers follow what was sent before.)

use serde_json::Value;
use std::time::Duration;
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A server answering 200 `{"ok":true}` to everything not given an answer with [`answer`].
pub async fn service() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(json_answer(200, r#"{"ok":true}"#)).with_priority(u8::MAX).mount(&server).await;
    server
}

/// Answers requests to `at` (a path, without query) with `status` and the JSON text `body`.
pub async fn answer(server: &MockServer, at: &str, status: u16, body: &str) {
    Mock::given(path(at)).respond_with(json_answer(status, body)).mount(server).await;
}

fn json_answer(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_owned(), "application/json")
}

/// Every request received so far, in order.
pub async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("wiremock records requests")
}

/// A request's body as text.
pub fn text(request: &Request) -> String {
    String::from_utf8_lossy(&request.body).into_owned()
}

/// A request's body as JSON.
pub fn json(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or_else(|e| panic!("{e}: {}", text(request)))
}

/// Waits until the requests received satisfy `pred` and returns them, failing after `secs`.
pub async fn wait_until(server: &MockServer, secs: u64, pred: impl Fn(&[Request]) -> bool) -> Vec<Request> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let now = received(server).await;
        if pred(&now) {
            return now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not received in {secs} s: {:?}",
            now.iter().map(text).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
