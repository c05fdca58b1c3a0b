//! What an operator sees when the server cannot start: one line that names what is wrong
//! (a host and port, a path, an address) and no backtrace, a non-zero exit, and nothing
//! written to the data directory when the problem is found before the database is opened.
//! Also `print-config`, which shows the configuration the server would run with.

use crate::common;

use common::{beseda_command, run_ending, temp_dir};
use std::time::Duration;

/// `beseda serve` over `data_dir` with the given address, backtraces asked for (they must
/// still not appear: these are ordinary errors).
fn serve(listen: &str, data_dir: &std::path::Path) -> std::process::Command {
    let mut c = beseda_command(&["serve", "--listen", listen, "--data-dir"]);
    c.arg(data_dir).env("RUST_BACKTRACE", "1");
    c
}

/// Runs a start that must fail; returns its standard error, checked for the common form.
fn failed_start(cmd: std::process::Command) -> String {
    let (status, _, err, _) = run_ending(cmd, 30);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.trim_end().lines().last().is_some_and(|l| l.starts_with("error: ")), "{err}");
    assert!(!err.contains("backtrace") && !err.contains(" { "), "no Rust debug output: {err}");
    err
}

#[test]
fn an_unreachable_postgresql_is_named_by_host_and_port_within_seconds() {
    let data = temp_dir();
    let mut cmd = serve("127.0.0.1:0", data.path());
    cmd.env("BESEDA_DATABASE_URL", "postgres://u:secret@127.0.0.1:1/db");
    let (status, _, err, took) = run_ending(cmd, 30);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(!err.contains("secret"), "the password is never printed: {err}");
    assert!(took < Duration::from_secs(10), "gave up after {took:?}");
}

#[test]
fn an_unusable_data_directory_is_named() {
    let tmp = temp_dir();
    let file = tmp.path().join("in-the-way");
    std::fs::write(&file, "a file where the data directory should be").expect("write");
    for dir in [file.clone(), file.join("below")] {
        let err = failed_start(serve("127.0.0.1:0", &dir));
        assert!(err.contains(&dir.display().to_string()), "{err}");
    }
    let err = failed_start(serve("127.0.0.1:0", &file));
    assert!(err.contains("is not a directory (a file is in the way)"), "{err}");
    // The database file cannot be opened (here a directory has its name).
    let dir = tmp.path().join("data");
    std::fs::create_dir_all(dir.join("beseda.db")).expect("dir");
    let err = failed_start(serve("127.0.0.1:0", &dir));
    assert!(err.contains(&dir.join("beseda.db").display().to_string()), "{err}");
    let repeats = err.matches("unable to open database file").count();
    assert_eq!(repeats, 1, "each cause once: {err}");
}

#[test]
fn a_bad_or_taken_address_is_refused_before_the_database_is_touched() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = taken.local_addr().expect("addr").to_string();
    for listen in ["nonsense", "127.0.0.1:99999", taken.as_str()] {
        let tmp = temp_dir();
        let data = tmp.path().join("data");
        let err = failed_start(serve(listen, &data));
        assert!(err.contains(listen), "{err}");
        assert!(!data.exists(), "{listen}: the data directory was not even created");
    }
}

#[test]
fn print_config_shows_the_effective_configuration_without_secrets() {
    let tmp = temp_dir();
    let file = tmp.path().join("beseda.toml");
    std::fs::write(&file, "listen = \"0.0.0.0:9000\"\nsmtp_url = \"smtps://mail:hunter2@smtp.example.com:465\"\n")
        .expect("write");
    let mut cmd = beseda_command(&["--config", file.to_str().expect("utf-8"), "print-config"]);
    cmd.env("BESEDA_DATABASE_URL", "postgres://beseda:hunter3@db.example.com/beseda");
    let (status, out, err, _) = run_ending(cmd, 30);
    assert!(status.success(), "{err}");
    assert!(!out.contains("hunter"), "{out}");
    let parsed: toml::Value = toml::from_str(&out).expect("valid TOML");
    assert_eq!(parsed["listen"].as_str(), Some("0.0.0.0:9000"), "from the file");
    assert_eq!(parsed["database_url"].as_str(), Some("postgres://beseda:***@db.example.com/beseda"), "from the env");
    assert_eq!(parsed["smtp_url"].as_str(), Some("smtps://mail:***@smtp.example.com:465"));
    assert_eq!(parsed["max_connections"].as_integer(), Some(8), "a default");
}

/// Managed PostgreSQL services require TLS: `sslmode=require` in the URL must connect (the
/// test server has TLS on; Debian's PostgreSQL does by default).
#[tokio::test]
async fn postgresql_over_tls() {
    let Some(url) = common::pg_url("startup::postgresql_over_tls") else { return };
    let db = beseda_store::testing::fresh_postgres_database(&url).await.expect("fresh database");
    let tls = format!("{db}{}sslmode=require", if db.contains('?') { '&' } else { '?' });
    let mut cmd = beseda_command(&["migrate"]);
    cmd.env("BESEDA_DATABASE_URL", &tls);
    let (status, out, err, _) = run_ending(cmd, 30);
    assert!(status.success(), "migrating over TLS failed (is ssl on in the test server?): {err}");
    assert!(out.contains("database is up to date (postgres)"), "{out}");
}
