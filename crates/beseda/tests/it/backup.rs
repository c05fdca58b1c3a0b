//! `beseda backup` and `beseda restore` as an operator runs them, against the real binary:
//! a backup taken under load holds every message acknowledged before it started, a backup
//! never overwrites a file, a restore never replaces a database by surprise or under a
//! running server, and a database written by a newer Beseda is refused.

use crate::common;

use common::{
    beseda_command, free_port, run_ending, spawn_beseda, spawn_beseda_with, temp_dir, wait_ready, Installation,
};
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One visitor of the load: its page credentials and visit session.
struct Visitor {
    page: String,
    token: String,
    session: String,
}

async fn init_visitor(http: &reqwest::Client, addr: &str, device: &str, session: Option<&str>) -> Value {
    let mut q = vec![
        ("event", "init"),
        ("since", "0"),
        ("location", "default"),
        ("device-id", device),
        ("platform", "web"),
        ("title", "t"),
        ("respond-immediately", "1"),
    ];
    if let Some(s) = session {
        q.push(("visit-session-id", s));
    }
    let resp = http.get(format!("http://{addr}/l/v/m/init")).query(&q).send().await.expect("init");
    resp.json().await.expect("init json")
}

/// Sends messages until `stop`; records each acknowledged one with the moment of its answer.
async fn chat_until(
    http: reqwest::Client,
    addr: String,
    v: Arc<Visitor>,
    name: String,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(String, Instant)>>>,
) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) && n < 400 {
        let csid = format!("{name}-{n}");
        let resp = http
            .post(format!("http://{addr}/l/v/m/action"))
            .form(&[
                ("page-id", v.page.as_str()),
                ("auth-token", v.token.as_str()),
                ("action", "chat.message"),
                ("client-side-id", csid.as_str()),
                ("message", "a message written under load"),
            ])
            .send()
            .await
            .expect("send");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["result"], "ok", "{body}");
        acked.lock().expect("lock").push((csid, Instant::now()));
        n += 1;
    }
}

fn beseda(args: &[&str], data_dir: &Path) -> std::process::Command {
    let mut c = beseda_command(args);
    c.arg("--data-dir").arg(data_dir);
    c
}

/// `PRAGMA integrity_check` of a file, opened read-only.
async fn integrity(file: &Path) -> String {
    use sqlx::ConnectOptions;
    let mut conn =
        sqlx::sqlite::SqliteConnectOptions::new().filename(file).read_only(true).connect().await.expect("open backup");
    sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.expect("integrity_check")
}

// SQLite only: `beseda backup` copies SQLite's database file (PostgreSQL has pg_dump).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_every_message_acknowledged_before_it() {
    let live = temp_dir();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    // Load from one address: the per-address message limit is off.
    let mut server = spawn_beseda_with(live.path(), port, false, &[("BESEDA_VISITOR_MESSAGES_PER_MINUTE", "0")]);
    wait_ready(&addr).await;
    let http = reqwest::Client::new();

    let mut visitors = Vec::new();
    for i in 0..4 {
        let init = init_visitor(&http, &addr, &format!("device-{i}"), None).await;
        let field = |k: &str| init["fullUpdate"][k].as_str().expect("credentials").to_owned();
        visitors.push(Arc::new(Visitor {
            page: field("pageId"),
            token: field("authToken"),
            session: field("visitSessionId"),
        }));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let load: Vec<_> = visitors
        .iter()
        .enumerate()
        .map(|(i, v)| {
            tokio::spawn(chat_until(
                http.clone(),
                addr.clone(),
                v.clone(),
                format!("v{i}"),
                stop.clone(),
                acked.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;

    let backups = temp_dir();
    let file = backups.path().join("beseda-backup.db");
    let started = Instant::now();
    let cmd = beseda(&["backup", "--to", file.to_str().expect("utf-8")], live.path());
    let (status, out, err, _) = tokio::task::spawn_blocking(move || run_ending(cmd, 60)).await.expect("join");
    assert!(status.success(), "{err}");
    // The load went on while the backup ran.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.expect("visitor");
    }
    let acked = acked.lock().expect("lock").clone();
    let before: Vec<&String> = acked.iter().filter(|(_, at)| *at < started).map(|(c, _)| c).collect();
    let during = acked.iter().filter(|(_, at)| *at >= started).count();
    assert!(before.len() > 20, "{} messages before the backup", before.len());
    assert!(during > 0, "messages were written while the backup ran");
    assert!(out.contains(file.to_str().expect("utf-8")) && out.contains("bytes"), "{out}");
    assert_eq!(integrity(&file).await, "ok");
    let leftovers: Vec<_> = std::fs::read_dir(backups.path()).expect("dir").filter_map(|e| e.ok()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left beside the backup");
    server.kill().expect("kill");
    let _ = server.wait();

    // Restored into a fresh data directory, a new server has every acknowledged message.
    let restored = temp_dir();
    let (status, out, err, _) =
        run_ending(beseda(&["restore", "--from", file.to_str().expect("utf-8")], restored.path()), 30);
    assert!(status.success(), "{err}");
    assert!(out.contains("restored"), "{out}");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = spawn_beseda(restored.path(), port, false);
    wait_ready(&addr).await;
    let mut found = std::collections::HashSet::new();
    for (i, v) in visitors.iter().enumerate() {
        let again = init_visitor(&http, &addr, &format!("device-{i}"), Some(&v.session)).await;
        let messages = again["fullUpdate"]["chat"]["messages"].as_array().cloned().unwrap_or_default();
        found.extend(messages.iter().filter_map(|m| m["clientSideId"].as_str().map(str::to_owned)));
    }
    let missing: Vec<_> = before.iter().filter(|c| !found.contains(c.as_str())).collect();
    assert!(missing.is_empty(), "acknowledged before the backup but not restored: {missing:?}");
    server.kill().expect("kill");
    let _ = server.wait();
}

// SQLite only: the backup is a copy of SQLite's database file.
#[test]
fn a_backup_never_overwrites_a_file() {
    let data = temp_dir();
    let (status, _, err, _) = run_ending(beseda(&["migrate"], data.path()), 30);
    assert!(status.success(), "{err}");
    let file = data.path().join("existing.db");
    std::fs::write(&file, "precious").expect("write");
    let (status, _, err, _) = run_ending(beseda(&["backup", "--to", file.to_str().expect("utf-8")], data.path()), 30);
    assert!(!status.success());
    assert!(err.starts_with("error: ") && err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "precious");
}

// SQLite only: the backup is a copy of SQLite's database file.
#[test]
fn backups_are_private_and_a_missing_folder_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let data = temp_dir();
    let (status, _, err, _) = run_ending(beseda(&["migrate"], data.path()), 30);
    assert!(status.success(), "{err}");
    let file = data.path().join("copy.db");
    let (status, _, err, _) = run_ending(beseda(&["backup", "--to", file.to_str().expect("utf-8")], data.path()), 30);
    assert!(status.success(), "{err}");
    let mode = std::fs::metadata(&file).expect("backup").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "password hashes and conversations: readable by this user alone");
    let nowhere = data.path().join("no-such-folder").join("copy.db");
    let (status, _, err, _) =
        run_ending(beseda(&["backup", "--to", nowhere.to_str().expect("utf-8")], data.path()), 30);
    assert!(!status.success());
    assert!(err.contains("no-such-folder does not exist"), "{err}");
}

// The same in both passes: the commands refuse before any database is opened.
#[test]
fn backup_and_restore_on_postgresql_point_to_its_own_tools() {
    let data = temp_dir();
    for args in [["backup", "--to", "x.db"], ["restore", "--from", "x.db"]] {
        let mut cmd = beseda(&args, data.path());
        cmd.env("BESEDA_DATABASE_URL", "postgres://beseda:secret@127.0.0.1:1/beseda");
        let (status, _, err, _) = run_ending(cmd, 30);
        assert!(!status.success());
        assert!(err.contains("pg_dump") || err.contains("pg_restore"), "{err}");
        assert!(err.contains("docs/backup.md") && !err.contains("secret"), "{err}");
    }
}

// SQLite only: `beseda restore` puts back a SQLite database file (PostgreSQL has pg_restore).
#[tokio::test]
async fn a_restore_replaces_a_database_only_with_force_and_never_under_a_server() {
    let source = temp_dir();
    let (status, _, err, _) = run_ending(beseda(&["migrate"], source.path()), 30);
    assert!(status.success(), "{err}");
    let backups = temp_dir();
    let file = backups.path().join("b.db");
    let (status, _, err, _) = run_ending(beseda(&["backup", "--to", file.to_str().expect("utf-8")], source.path()), 30);
    assert!(status.success(), "{err}");

    let target = temp_dir();
    let restore = |force: bool| {
        let mut args = vec!["restore", "--from", file.to_str().expect("utf-8")];
        if force {
            args.push("--force");
        }
        run_ending(beseda(&args, target.path()), 30)
    };
    let (status, _, err, _) = run_ending(beseda(&["migrate"], target.path()), 30);
    assert!(status.success(), "{err}");
    let (status, _, err, _) = restore(false);
    assert!(!status.success());
    assert!(err.contains("already has a database") && err.contains("--force"), "{err}");

    // A running server holds the data directory: not even --force replaces its database.
    let port = free_port();
    let mut server = spawn_beseda(target.path(), port, false);
    wait_ready(&format!("127.0.0.1:{port}")).await;
    let (status, _, err, _) = restore(true);
    assert!(!status.success());
    assert!(err.contains("a Beseda server is using the data directory"), "{err}");
    server.kill().expect("kill");
    let _ = server.wait();

    std::fs::write(target.path().join("beseda.db-wal"), "stale").expect("write");
    let (status, _, err, _) = restore(true);
    assert!(status.success(), "{err}");
    assert!(!target.path().join("beseda.db-wal").exists(), "the old write-ahead log is gone");

    // What is not a Beseda database is never restored.
    std::fs::write(backups.path().join("junk.db"), "not a database at all").expect("write");
    let (status, _, err, _) = run_ending(
        beseda(&["restore", "--from", backups.path().join("junk.db").to_str().expect("utf-8")], target.path()),
        30,
    );
    assert!(!status.success());
    assert!(err.contains("junk.db"), "{err}");
}

const FUTURE: &str = "0999_from_a_newer_beseda";

/// Refused with the operator's remedy, quickly and without starting to serve.
fn assert_refused_as_newer(cmd: std::process::Command, place: &str) {
    let (status, _, err, _) = run_ending(cmd, 30);
    assert!(!status.success());
    assert!(err.contains(&format!("unknown migration {FUTURE}")), "{err}");
    assert!(err.contains("newer Beseda") && err.contains("restore a backup") && err.contains(place), "{err}");
}

/// `beseda migrate` over the installation, then a migration no Beseda knows written into
/// the ledger, as a newer version would leave it; returns how errors name the database.
async fn migrate_then_mark_newer(installation: &Installation) -> String {
    use sqlx::{ConnectOptions, Connection};
    let (status, _, err, _) = run_ending(installation.command(&["migrate"]), 60);
    assert!(status.success(), "{err}");
    match &installation.database_url {
        None => {
            let db = installation.data_dir().join("beseda.db");
            mark_newer(sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.expect("open")).await;
            db.display().to_string()
        }
        Some(url) => {
            mark_newer(sqlx::PgConnection::connect(url).await.expect("connect")).await;
            url.rsplit('@').next().expect("host part").to_owned()
        }
    }
}

async fn mark_newer<C>(mut conn: C)
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c>,
{
    let insert = format!("INSERT INTO beseda_migrations (name, applied_at) VALUES ('{FUTURE}', 0)");
    sqlx::Executor::execute(&mut conn, insert.as_str()).await.expect("insert");
    conn.close().await.expect("close");
}

#[tokio::test]
async fn a_database_from_a_newer_beseda_is_refused() {
    let installation = Installation::new().await;
    let place = migrate_then_mark_newer(&installation).await;
    assert_refused_as_newer(installation.command(&["serve", "--listen", "127.0.0.1:0"]), &place);
    if installation.database_url.is_none() {
        // Nor is such a database restored (restoring a file is SQLite's).
        let other = temp_dir();
        assert_refused_as_newer(beseda(&["restore", "--from", &place], other.path()), &place);
        assert!(!other.path().join("beseda.db").exists());
    }
}
