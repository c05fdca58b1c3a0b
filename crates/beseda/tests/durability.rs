//! Acknowledged means committed: the server process is killed (SIGKILL) right after a message
//! is acknowledged; after a restart the message is there, once.

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

async fn start(data_dir: &std::path::Path, port: u16) -> Server {
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_beseda"))
        .args(["serve", "--listen", &addr, "--data-dir"])
        .arg(data_dir)
        .env_remove("BESEDA_DATABASE_URL")
        .env("BESEDA_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn beseda");
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = reqwest::Client::new();
    loop {
        if let Ok(r) = client.get(format!("http://{addr}/readyz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(Instant::now() < deadline, "server did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server { child, addr }
}

#[tokio::test]
async fn acknowledged_messages_survive_sigkill() {
    let dir = std::env::temp_dir().join(format!("beseda-durability-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let port = free_port();
    let mut server = start(&dir, port).await;
    let http = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    let init: Value = http
        .get(format!("{base}/l/v/m/init?event=init&since=0&location=default&device-id=d&platform=web&title=t&respond-immediately=1"))
        .send()
        .await
        .expect("init")
        .json()
        .await
        .expect("json");
    let page = init["fullUpdate"]["pageId"].as_str().expect("page").to_owned();
    let token = init["fullUpdate"]["authToken"].as_str().expect("token").to_owned();
    let session = init["fullUpdate"]["visitSessionId"].as_str().expect("session").to_owned();
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
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();

    let mut server = start(&dir, port).await;
    // The client retries the same message after the restart (as SDKs do on network errors).
    let retry: Value = send("durable-1").await.expect("send").json().await.expect("json");
    assert_eq!(retry["result"], "ok");
    let again: Value = http
        .get(format!("{base}/l/v/m/init?event=init&since=0&location=default&device-id=d&platform=web&title=t&visit-session-id={session}"))
        .send()
        .await
        .expect("init")
        .json()
        .await
        .expect("json");
    let messages = again["fullUpdate"]["chat"]["messages"].as_array().expect("chat survived").clone();
    let copies = messages.iter().filter(|m| m["clientSideId"] == "durable-1").count();
    assert_eq!(copies, 1, "{messages:?}");
    assert_eq!(messages[0]["text"], "сохрани меня");
    server.child.kill().expect("kill");
    let _ = server.child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
