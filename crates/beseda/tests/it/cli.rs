//! The binary as operators run it: subcommands, configuration, demo seeding, shutdown.

use crate::common;

use common::{free_port, raw_init, wait_ready, Installation};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_beseda");

fn temp_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("beseda-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).expect("dir");
    d
}

fn beseda(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("BESEDA_DATABASE_URL").env_remove("BESEDA_CONFIG").env("BESEDA_LOG_LEVEL", "warn");
    c
}

#[test]
fn print_config_is_a_valid_commented_example() {
    let out = beseda(&["print-config", "--example"]).output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.lines().any(|l| l.starts_with('#')));
    let parsed: toml::Value = toml::from_str(&text).expect("valid TOML");
    assert_eq!(parsed["listen"].as_str(), Some("127.0.0.1:8080"));
}

/// packaging/beseda.toml (the Debian package's /etc/beseda/beseda.toml) is the example
/// of `print-config` under a header, with the package's data directory; the binary accepts it.
#[test]
fn the_packaged_config_is_the_example_with_the_package_data_dir() {
    // Where the sources are now (cargo tells at run time; a copy moved since the build is fine).
    let path =
        format!("{}/../../packaging/beseda.toml", std::env::var("CARGO_MANIFEST_DIR").expect("cargo runs the tests"));
    let path = path.as_str();
    let packaged = std::fs::read_to_string(path).expect("packaging/beseda.toml");
    let example =
        String::from_utf8(beseda(&["print-config", "--example"]).output().expect("run").stdout).expect("utf-8");
    let expected = example.replacen("data_dir = \"./data\"", "data_dir = \"/var/lib/beseda\"", 1);
    assert_ne!(expected, example);
    let header = packaged.strip_suffix(expected.as_str()).unwrap_or_else(|| {
        panic!("packaging/beseda.toml must end with `beseda print-config` with data_dir = \"/var/lib/beseda\"")
    });
    assert!(header.lines().all(|l| l.starts_with('#')), "only comments before the example");
    let packaged: toml::Value = toml::from_str(&packaged).expect("valid TOML");
    assert_eq!(packaged["data_dir"].as_str(), Some("/var/lib/beseda"));
    assert_eq!(packaged["listen"].as_str(), Some("127.0.0.1:8080"));
    let out = beseda(&["--config", path, "print-config"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn unknown_database_schemes_are_a_clear_error() {
    let out = beseda(&["migrate"]).env("BESEDA_DATABASE_URL", "mysql://localhost/beseda").output().expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported database URL scheme `mysql`"), "{err}");
}

#[test]
fn bad_config_files_are_refused() {
    let dir = temp_dir();
    let file = dir.join("beseda.toml");
    std::fs::write(&file, "listen = 8080\n").expect("write");
    let out = beseda(&["--config", file.to_str().expect("utf-8"), "migrate"]).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("beseda.toml"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn operator_add_reads_the_password_from_stdin_and_can_log_in() {
    let dir = Installation::new().await;
    let mut child = dir
        .command(&["operator", "add", "--email", "ops@example.com", "--name", "Ops", "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(b"s3cret-passw0rd\n").expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!printed.contains("s3cret-passw0rd"), "the password is never echoed");
    // A short password is refused.
    let mut short = dir
        .command(&["operator", "add", "--email", "x@example.com", "--name", "X"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    short.stdin.take().expect("stdin").write_all(b"short\n").expect("write");
    assert!(!short.wait_with_output().expect("wait").status.success());

    let port = free_port();
    let mut server = dir.serve(port, false, &[]);
    let addr = format!("127.0.0.1:{port}");
    wait_ready(&addr).await;
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("http://{addr}/api/operator/v1/tokens"))
        .json(&serde_json::json!({"email": "ops@example.com", "password": "s3cret-passw0rd"}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["operator"]["role"], "admin");
    // Like an account made in the admin panel, it speaks the organisation's main language.
    assert_eq!(body["operator"]["languages"], serde_json::json!(["ru"]), "{body}");
    // The audit log names the command line as the actor, the password masked.
    let audit: Value = http
        .get(format!("http://{addr}/api/admin/v1/audit?actor=cli"))
        .bearer_auth(body["token"].as_str().expect("token"))
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    let entry = &audit["entries"][0];
    assert_eq!((entry["action"].as_str(), entry["actor"].as_str()), (Some("operator.create"), Some("cli")), "{audit}");
    assert_eq!(entry["changes"]["email"]["after"], "ops@example.com");
    assert!(!audit.to_string().contains("s3cret-passw0rd"));
    // No demo data without --demo.
    assert!(reqwest::get(format!("http://{addr}/demo")).await.expect("get").status().as_u16() == 404);
    let spec: Value = reqwest::get(format!("http://{addr}/api/operator/v1/openapi.json"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/api/operator/v1/chats/{id}/messages"]["post"].is_object());
    server.kill().expect("kill");
    let _ = server.wait();
}

#[tokio::test]
async fn demo_mode_seeds_once_and_sigterm_shuts_down_gracefully() {
    use std::io::{BufRead, BufReader};
    let dir = Installation::new().await;
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = dir.serve(port, true, &[]);
    let stdout = server.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut passwords = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("line");
        if let Some((who, pw)) = line.split_once("one-time password: ") {
            passwords.push((who.split_whitespace().nth(2).expect("email").to_owned(), pw.trim().to_owned()));
        }
        if line.contains("listening") {
            break;
        }
    }
    assert_eq!(passwords.len(), 3, "an admin and two operators");
    wait_ready(&addr).await;
    let http = reqwest::Client::new();
    let (email, password) = &passwords[1];
    let resp = http
        .post(format!("http://{addr}/api/operator/v1/tokens"))
        .json(&serde_json::json!({"email": email, "password": password, "newPassword": "a password of my own"}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 200);
    let (page, token, _, init) = raw_init(&http, &addr, "").await;
    let departments: Vec<&str> = init["fullUpdate"]["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .filter_map(|d| d["key"].as_str())
        .collect();
    assert_eq!(departments, ["sales", "support"]);
    assert_eq!(http.get(format!("http://{addr}/demo")).send().await.expect("demo").status().as_u16(), 200);

    // A long-poll is waiting when SIGTERM arrives; the server still exits promptly and cleanly.
    let poll = tokio::spawn({
        let http = http.clone();
        let url = format!("http://{addr}/l/v/m/delta?since=1&page-id={page}&auth-token={token}");
        async move { http.get(url).send().await.map(|r| r.status().as_u16()) }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let status = loop {
        if let Some(s) = server.try_wait().expect("wait") {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "server did not stop after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "clean exit, got {status:?}");
    assert_eq!(poll.await.expect("join").expect("the waiting long-poll was answered"), 200);

    // Restarted with --demo: nothing is seeded twice.
    let mut again = dir.serve(port, true, &[]);
    let out = BufReader::new(again.stdout.take().expect("stdout"));
    let mut seeded_again = false;
    for line in out.lines() {
        let line = line.expect("line");
        seeded_again |= line.contains("one-time password");
        if line.contains("listening") {
            break;
        }
    }
    assert!(!seeded_again);
    again.kill().expect("kill");
    let _ = again.wait();
}
