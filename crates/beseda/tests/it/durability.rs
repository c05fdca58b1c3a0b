//! Acknowledged means committed: the server process is killed (SIGKILL) right after a message
//! is acknowledged; after a restart the message is there, once.

use crate::common;

use common::{free_port, raw_init, wait_ready, Installation};
use serde_json::Value;

#[tokio::test]
async fn acknowledged_messages_survive_sigkill() {
    let installation = Installation::new().await;
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = installation.serve(port, false, &[]);
    wait_ready(&addr).await;
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let (page, token, session, _) = raw_init(&http, &addr, "").await;
    let send = |csid: &'static str| {
        http.post(format!("{base}/l/v/m/action"))
            .form(&[
                ("page-id", page.as_str()),
                ("auth-token", token.as_str()),
                ("action", "chat.message"),
                ("client-side-id", csid),
                ("message", "сохрани меня"),
            ])
            .send()
    };
    let ack: Value = send("durable-1").await.expect("send").json().await.expect("json");
    assert_eq!(ack["result"], "ok");
    // Killed the instant the acknowledgement arrived.
    server.kill().expect("SIGKILL");
    let _ = server.wait();

    let mut server = installation.serve(port, false, &[]);
    wait_ready(&addr).await;
    // The client retries the same message after the restart (as SDKs do on network errors).
    let retry: Value = send("durable-1").await.expect("send").json().await.expect("json");
    assert_eq!(retry["result"], "ok");
    let (_, _, _, again) = raw_init(&http, &addr, &format!("&visit-session-id={session}")).await;
    let messages = again["fullUpdate"]["chat"]["messages"].as_array().expect("chat survived").clone();
    let copies = messages.iter().filter(|m| m["clientSideId"] == "durable-1").count();
    assert_eq!(copies, 1, "{messages:?}");
    assert_eq!(messages[0]["text"], "сохрани меня");
    server.kill().expect("kill");
    let _ = server.wait();
}
