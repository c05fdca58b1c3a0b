//! Operator accounts over their life, through the API and the binary as people use them:
//! one-time passwords, changing one's own password, an administrator's reset, deactivation
//! and deletion (sessions, tokens and open event streams end at once; history stays), the
//! `operator passwd` command and the first administrator of a new installation.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use serde_json::{json, Value};
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

async fn token_call(server: &TestServer, body: Value) -> (u16, Value) {
    let resp = server.http.post(server.url("/api/operator/v1/tokens")).json(&body).send().await.expect("tokens");
    (resp.status().as_u16(), resp.json().await.expect("json"))
}

/// Waits until the event stream closes; returns its close code.
async fn closed_with(ws: &mut Ws) -> Option<u16> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await.expect("the stream was not closed in time") {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn an_administrators_reset_is_one_time_and_ends_every_session_at_once() {
    an_administrators_reset_is_one_time_and_ends_every_session_at_once_on().await;
}

async fn an_administrators_reset_is_one_time_and_ends_every_session_at_once_on() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let mut stream = anna.events(0).await;

    let (code, reset) = admin.post(&format!("/api/admin/v1/operators/{}/password-reset", anna.id), json!({})).await;
    assert_eq!(code, 200, "{reset}");
    let temporary = reset["temporaryPassword"].as_str().expect("temporary password").to_owned();
    assert_eq!(temporary.len(), 16);

    // Her token and her open event stream end at once.
    assert_eq!(anna.get("/api/operator/v1/me").await.0, 401);
    assert_eq!(closed_with(&mut stream).await, Some(4001));
    // The old password is gone; the temporary one only lets her set a new one.
    let (code, answer) = token_call(&server, json!({"email": "anna@x.io", "password": "password123"})).await;
    assert_eq!((code, answer["error"].as_str()), (401, Some("invalid-credentials")));
    let (code, answer) = token_call(&server, json!({"email": "anna@x.io", "password": temporary})).await;
    assert_eq!((code, answer["error"].as_str()), (403, Some("password-change-required")), "{answer}");
    let (code, answer) =
        token_call(&server, json!({"email": "anna@x.io", "password": temporary, "newPassword": "short"})).await;
    assert_eq!((code, answer["error"].as_str()), (422, Some("weak-password")));
    let (code, answer) =
        token_call(&server, json!({"email": "anna@x.io", "password": temporary, "newPassword": temporary})).await;
    assert_eq!((code, answer["error"].as_str()), (422, Some("weak-password")), "the same password again");
    let (code, answer) =
        token_call(&server, json!({"email": "anna@x.io", "password": temporary, "newPassword": "anna's own 1"})).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["operator"]["mustChangePassword"], false);
    // Really one-time: the temporary password no longer works, hers does.
    assert_eq!(token_call(&server, json!({"email": "anna@x.io", "password": temporary})).await.0, 401);
    assert_eq!(token_call(&server, json!({"email": "anna@x.io", "password": "anna's own 1"})).await.0, 200);

    // Only administrators reset, and not their own password.
    let supervisor = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let path = format!("/api/admin/v1/operators/{}/password-reset", anna.id);
    assert_eq!(supervisor.post(&path, json!({})).await.0, 403);
    let (code, answer) = admin.post(&format!("/api/admin/v1/operators/{}/password-reset", admin.id), json!({})).await;
    assert_eq!((code, answer["error"].as_str()), (409, Some("own-account")));
    server.stop().await;
}

#[tokio::test]
async fn operators_change_their_own_password_and_their_other_sessions_end() {
    let server = TestServer::start().await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    // A second session of hers, e.g. another computer, with an open event stream.
    let (_, other) = token_call(&server, json!({"email": "anna@x.io", "password": "password123"})).await;
    let other = other["token"].as_str().expect("token").to_owned();
    let mut other_stream = {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = server.ws_url("/api/operator/v1/events/ws?cursor=0").into_client_request().expect("request");
        req.headers_mut().insert("authorization", format!("Bearer {other}").parse().expect("header"));
        tokio_tungstenite::connect_async(req).await.expect("ws").0
    };
    let mut own_stream = anna.events(0).await;

    let change = |current: &str, new: &str| json!({"currentPassword": current, "newPassword": new});
    let (code, answer) =
        anna.call(reqwest::Method::PUT, "/api/operator/v1/password", Some(change("wrong one", "new secret 1"))).await;
    assert_eq!((code, answer["error"].as_str()), (422, Some("wrong-password")));
    let (code, answer) =
        anna.call(reqwest::Method::PUT, "/api/operator/v1/password", Some(change("password123", "1234"))).await;
    assert_eq!((code, answer["error"].as_str()), (422, Some("weak-password")));
    let (code, answer) =
        anna.call(reqwest::Method::PUT, "/api/operator/v1/password", Some(change("password123", "new secret 1"))).await;
    assert_eq!(code, 200, "{answer}");

    // This session goes on; the other one ends, its stream with it.
    assert_eq!(anna.get("/api/operator/v1/me").await.0, 200);
    let other_me = server.http.get(server.url("/api/operator/v1/me")).bearer_auth(&other).send().await.expect("me");
    assert_eq!(other_me.status().as_u16(), 401);
    assert_eq!(closed_with(&mut other_stream).await, Some(4001));
    let still_open = tokio::time::timeout(Duration::from_millis(500), next_json(&mut own_stream, 1)).await;
    assert!(still_open.is_err() || still_open.is_ok_and(|e| e["type"] == "operator_access"), "own stream stays");
    assert_eq!(token_call(&server, json!({"email": "anna@x.io", "password": "password123"})).await.0, 401);
    assert_eq!(token_call(&server, json!({"email": "anna@x.io", "password": "new secret 1"})).await.0, 200);
    server.stop().await;
}

#[tokio::test]
async fn deactivated_operators_cannot_work_and_their_chats_return_to_the_queue() {
    deactivated_operators_cannot_work_and_their_chats_return_to_the_queue_on().await;
}

async fn deactivated_operators_cannot_work_and_their_chats_return_to_the_queue_on() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    anna.set_status("online").await;
    boris.set_status("online").await;
    let v = server.visitor().await;
    v.send("q", "Здравствуйте").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.reply(chat, "a1", "Добрый день").await.0, 200);
    let mut stream = anna.events(0).await;

    let (code, answer) = admin.post(&format!("/api/admin/v1/operators/{}/deactivate", anna.id), json!({})).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["operator"]["active"], false);
    assert_eq!(anna.get("/api/operator/v1/me").await.0, 401);
    assert_eq!(closed_with(&mut stream).await, Some(4001));
    let (code, answer) = token_call(&server, json!({"email": "anna@x.io", "password": "password123"})).await;
    assert_eq!((code, answer["error"].as_str()), (403, Some("account-deactivated")));
    // Her chat waits for a colleague again, with its history.
    let (_, waiting) = boris.get("/api/operator/v1/chats?list=waiting").await;
    assert!(waiting["chats"].as_array().expect("chats").iter().any(|c| c["id"] == chat), "{waiting}");
    // She stays in the list, marked, and offline.
    let (_, list) = admin.get("/api/admin/v1/operators").await;
    let row = list["operators"].as_array().expect("operators").iter().find(|o| o["id"] == anna.id).cloned();
    let row = row.expect("still listed");
    assert_eq!((row["active"].clone(), row["status"].clone()), (json!(false), json!("offline")));

    let (code, _) = admin.post(&format!("/api/admin/v1/operators/{}/activate", anna.id), json!({})).await;
    assert_eq!(code, 200);
    assert_eq!(token_call(&server, json!({"email": "anna@x.io", "password": "password123"})).await.0, 200);

    // Nobody deactivates themselves or the last administrator.
    let (code, answer) = admin.post(&format!("/api/admin/v1/operators/{}/deactivate", admin.id), json!({})).await;
    assert_eq!((code, answer["error"].as_str()), (409, Some("own-account")));
    let second = server.operator("admin2@x.io", "Второй", OperatorRole::Admin).await;
    assert_eq!(second.post(&format!("/api/admin/v1/operators/{}/deactivate", admin.id), json!({})).await.0, 200);
    let (code, answer) = admin.post(&format!("/api/admin/v1/operators/{}/deactivate", second.id), json!({})).await;
    assert_eq!(code, 401, "the deactivated administrator is logged out: {answer}");
    server.stop().await;
}

#[tokio::test]
async fn deleted_operators_leave_every_list_but_their_chats_keep_their_name() {
    deleted_operators_leave_every_list_but_their_chats_keep_their_name_on().await;
}

async fn deleted_operators_leave_every_list_but_their_chats_keep_their_name_on() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q", "Вопрос").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.reply(chat, "a1", "Ответ Анны").await.0, 200);
    let mut stream = anna.events(0).await;

    let (code, answer) =
        admin.call(reqwest::Method::DELETE, &format!("/api/admin/v1/operators/{}", anna.id), None).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(anna.get("/api/operator/v1/me").await.0, 401);
    assert_eq!(closed_with(&mut stream).await, Some(4001));
    assert_eq!(token_call(&server, json!({"email": "anna@x.io", "password": "password123"})).await.0, 401);
    let (_, list) = admin.get("/api/admin/v1/operators").await;
    assert!(list["operators"].as_array().expect("operators").iter().all(|o| o["id"] != anna.id));
    let (_, directory) = admin.get("/api/operator/v1/directory").await;
    assert!(!directory.to_string().contains("Анна"), "{directory}");
    // The chat and her answer stay, under her name.
    let (code, detail) = admin.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(code, 200);
    let answer = detail["messages"].as_array().expect("messages").iter().find(|m| m["text"] == "Ответ Анны").cloned();
    assert_eq!(answer.expect("her answer")["name"], "Анна");
    // The e-mail is free for a new account; deleting twice finds nobody.
    let body = json!({"email": "anna@x.io", "name": "Новая Анна", "password": "long enough"});
    assert_eq!(admin.post("/api/admin/v1/operators", body).await.0, 200);
    let again = admin.call(reqwest::Method::DELETE, &format!("/api/admin/v1/operators/{}", anna.id), None).await;
    assert_eq!((again.0, again.1["error"].as_str()), (404, Some("operator-not-found")));
    server.stop().await;
}

#[tokio::test]
async fn a_taken_e_mail_is_a_conflict_with_a_code() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let body = json!({"email": "ANNA@x.io", "name": "Ещё Анна", "password": "long enough"});
    let (code, answer) = admin.post("/api/admin/v1/operators", body).await;
    assert_eq!((code, answer["error"].as_str()), (409, Some("email-taken")), "{answer}");
    let card = json!({"name": "Анна", "email": "admin@x.io"});
    let (code, answer) = anna.call(reqwest::Method::PUT, "/api/operator/v1/profile", Some(card.clone())).await;
    assert_eq!((code, answer["error"].as_str()), (409, Some("email-taken")), "{answer}");
    assert!(!answer.to_string().to_lowercase().contains("unique"), "no constraint names: {answer}");
    let path = format!("/api/admin/v1/operators/{}", anna.id);
    let (code, answer) = admin.call(reqwest::Method::PUT, &path, Some(card)).await;
    assert_eq!((code, answer["error"].as_str()), (409, Some("email-taken")), "{answer}");
    server.stop().await;
}

// --- The binary ------------------------------------------------------------------------------

/// `beseda <args>` over `installation`, `stdin` written to it.
fn beseda(installation: &Installation, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = installation
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // A command that refuses before reading its input closes the pipe: that is its answer.
    let _ = child.stdin.take().expect("stdin").write_all(stdin.as_bytes());
    child.wait_with_output().expect("wait")
}

async fn login(addr: &str, email: &str, password: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/api/operator/v1/tokens"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("tokens");
    (resp.status().as_u16(), resp.json().await.expect("json"))
}

#[tokio::test]
async fn operator_passwd_sets_a_password_from_stdin_and_ends_sessions() {
    let dir = Installation::new().await;
    let add = ["operator", "add", "--email", "anna@x.io", "--name", "Анна", "--role", "operator"];
    assert!(beseda(&dir, &add, "first password\n").status.success());
    let out = beseda(&dir, &add, "first password\n");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("an operator with the e-mail anna@x.io already exists"), "{err}");
    assert!(!err.to_lowercase().contains("unique"), "{err}");

    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = dir.serve(port, false, &[]);
    wait_ready(&addr).await;
    let (code, token) = login(&addr, "anna@x.io", "first password").await;
    assert_eq!(code, 200);
    let token = token["token"].as_str().expect("token").to_owned();

    let out = beseda(&dir, &["operator", "passwd", "ANNA@x.io"], "second password\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("password of anna@x.io changed"));
    let me = reqwest::Client::new()
        .get(format!("http://{addr}/api/operator/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status().as_u16(), 401, "the running server no longer accepts her token");
    assert_eq!(login(&addr, "anna@x.io", "first password").await.0, 401);
    assert_eq!(login(&addr, "anna@x.io", "second password").await.0, 200);

    let out = beseda(&dir, &["operator", "passwd", "nobody@x.io"], "second password\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no operator has the e-mail nobody@x.io"));
    // A data directory without a database is SQLite's case (a PostgreSQL URL names one).
    let elsewhere = Installation::sqlite();
    let out = beseda(&elsewhere, &["operator", "passwd", "anna@x.io"], "second password\n");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("there is no database at"), "no new empty database is made: {err}");
    assert!(!elsewhere.data_dir().join("beseda.db").exists());
    let out = beseda(&dir, &["operator", "add", "--email", "bogus", "--name", "B"], "first password\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bogus is not an e-mail address"));
    let out = beseda(&dir, &["operator", "passwd", "anna@x.io"], "short\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("8 to 200 characters"));
    let _ = server.kill();
    let _ = server.wait();
}

/// Runs `beseda serve` until it is ready; returns what it wrote to stderr before that.
async fn serve_and_read_stderr(
    installation: &Installation,
    env: &[(&str, &str)],
) -> (std::process::Child, String, String) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let log = installation.data_dir().join("stderr.log");
    let mut cmd = installation.command(&["serve", "--listen", &addr]);
    cmd.stdout(Stdio::null()).stderr(std::fs::File::create(&log).expect("log"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("spawn");
    wait_ready(&addr).await;
    (child, addr, std::fs::read_to_string(&log).expect("stderr"))
}

#[tokio::test]
async fn a_new_installation_says_how_to_create_the_first_administrator() {
    let dir = Installation::new().await;
    let (mut server, _, stderr) = serve_and_read_stderr(&dir, &[]).await;
    assert!(stderr.contains("no administrator yet"), "{stderr}");
    assert!(stderr.contains("operator add --role admin"), "{stderr}");
    assert!(stderr.contains("BESEDA_ADMIN_EMAIL"), "{stderr}");
    let _ = server.kill();
    let _ = server.wait();
}

#[tokio::test]
async fn the_first_administrator_can_come_from_the_environment() {
    let dir = Installation::new().await;
    let secret = dir.data_dir().join("admin-password");
    std::fs::write(&secret, "from a mounted secret\n").expect("secret");
    let env = [("BESEDA_ADMIN_EMAIL", "root@x.io"), ("BESEDA_ADMIN_PASSWORD_FILE", secret.to_str().expect("path"))];
    let (mut server, addr, stderr) = serve_and_read_stderr(&dir, &env).await;
    assert!(!stderr.contains("no administrator yet"), "{stderr}");
    assert!(!stderr.contains("from a mounted secret"), "the password is never printed");
    let (code, answer) = login(&addr, "root@x.io", "from a mounted secret").await;
    assert_eq!((code, answer["operator"]["role"].as_str()), (200, Some("admin")), "{answer}");
    let _ = server.kill();
    let _ = server.wait();
    // Once there is an administrator the variables change nothing (no second account, no
    // password reset).
    let env = [("BESEDA_ADMIN_EMAIL", "other@x.io"), ("BESEDA_ADMIN_PASSWORD", "another password")];
    let (mut server, addr, _) = serve_and_read_stderr(&dir, &env).await;
    assert_eq!(login(&addr, "other@x.io", "another password").await.0, 401);
    assert_eq!(login(&addr, "root@x.io", "from a mounted secret").await.0, 200);
    let _ = server.kill();
    let _ = server.wait();
}

#[tokio::test]
async fn demo_passwords_are_one_time() {
    let dir = Installation::new().await;
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = dir.serve(port, true, &[]);
    let mut printed = String::new();
    {
        use std::io::BufRead;
        let stdout = server.stdout.take().expect("stdout");
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.expect("line");
            let done = line.contains("listening");
            printed.push_str(&line);
            printed.push('\n');
            if done {
                break;
            }
        }
    }
    wait_ready(&addr).await;
    let line = printed.lines().find(|l| l.contains("anna@demo.beseda.local")).expect("anna's password printed");
    let password = line.rsplit(' ').next().expect("password").to_owned();
    let (code, answer) = login(&addr, "anna@demo.beseda.local", &password).await;
    assert_eq!((code, answer["error"].as_str()), (403, Some("password-change-required")), "{answer}");
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/api/operator/v1/tokens"))
        .json(&json!({"email": "anna@demo.beseda.local", "password": password, "newPassword": "anna's own 1"}))
        .send()
        .await
        .expect("tokens");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(login(&addr, "anna@demo.beseda.local", &password).await.0, 401);
    let _ = server.kill();
    let _ = server.wait();
}
