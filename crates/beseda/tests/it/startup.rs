//! What an operator sees when the server cannot start: one line that names what is wrong
//! (a host and port, a path, an address) and no backtrace, a non-zero exit, and nothing
//! written to the data directory when the problem is found before the database is opened.
//! Also `print-config`, which shows the configuration the server would run with.

use crate::common;

use common::{beseda_command, run_ending, temp_dir, Installation};
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

// SQLite only: with PostgreSQL the data directory holds no database and takes no lock.
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

/// `print-config` of `args` with the environment `env` and the file `toml`, parsed.
fn effective(toml: &str, env: &[(&str, &str)], args: &[&str]) -> Result<toml::Value, String> {
    let tmp = temp_dir();
    let file = tmp.path().join("beseda.toml");
    std::fs::write(&file, toml).expect("write");
    let mut cmd = beseda_command(&["--config", file.to_str().expect("utf-8")]);
    cmd.args(args).arg("print-config");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (status, out, err, _) = run_ending(cmd, 30);
    if status.success() {
        Ok(toml::from_str(&out).expect("valid TOML"))
    } else {
        Err(err)
    }
}

#[test]
fn the_command_line_wins_over_the_environment_which_wins_over_the_file() {
    let file = "listen = \"0.0.0.0:9000\"\nlongpoll_hold_secs = 5\nmax_connections = 3\nbot_timeout_secs = 4\n";
    let env = [("BESEDA_LISTEN", "0.0.0.0:9001"), ("BESEDA_LONGPOLL_HOLD_SECS", "7"), ("BESEDA_BOT_TIMEOUT_SECS", "6")];
    let c = effective(file, &env, &["--set", "longpoll_hold_secs=9"]).expect("starts");
    assert_eq!(c["longpoll_hold_secs"].as_integer(), Some(9), "the flag wins");
    assert_eq!(c["listen"].as_str(), Some("0.0.0.0:9001"), "the environment wins over the file");
    assert_eq!(c["bot_timeout_secs"].as_integer(), Some(6), "a setting that had no key before");
    assert_eq!(c["max_connections"].as_integer(), Some(3), "the file wins over the default");
    assert_eq!(c["header_timeout_secs"].as_integer(), Some(10), "a default");
    let c = effective(file, &[], &["--set", "push_retry_delays_secs=5, 50"]).expect("starts");
    assert_eq!(c["push_retry_delays_secs"].as_array().map(Vec::len), Some(2), "lists are comma-separated");
}

#[test]
fn a_bad_value_is_refused_naming_its_key() {
    // (file, environment, flags, the key the error must name)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str], &'a str);
    let cases: [Case; 5] = [
        ("longpoll_hold_secs = \"soon\"\n", &[], &[], "longpoll_hold_secs"),
        ("lisen = \"0.0.0.0:1\"\n", &[], &[], "lisen"),
        ("", &[("BESEDA_WS_PING_INTERVAL_SECS", "often")], &[], "BESEDA_WS_PING_INTERVAL_SECS"),
        ("", &[], &["--set", "ws_idle_timeout_secs=1"], "ws_idle_timeout_secs"),
        ("", &[], &["--set", "no_such_key=1"], "no_such_key"),
    ];
    for (file, env, args, key) in cases {
        let err = effective(file, env, args).expect_err(key);
        assert!(
            err.trim_end().lines().last().is_some_and(|l| l.starts_with("error: ") && l.contains(key)),
            "{key}: {err}"
        );
    }
}

/// The WebSocket ping interval had no setting; `--set ws_ping_interval_secs=1` makes the
/// server ping a visitor's socket every second (the default is 25 s).
#[tokio::test]
async fn a_setting_that_had_no_key_before_takes_effect() {
    use futures_util::StreamExt;
    let installation = Installation::new().await;
    let port = common::free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = installation.command(&["serve", "--listen", &addr, "--set", "ws_ping_interval_secs=1"]);
    cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut server = cmd.spawn().expect("spawn");
    common::wait_ready(&addr).await;
    let http = reqwest::Client::new();
    let (page, token, _, _) = common::raw_init(&http, &addr, "").await;
    let url = format!("ws://{addr}/l/v/m/ws?page-id={page}&auth-token={token}&since=0");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("visitor ws");
    let pinged = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(message)) = ws.next().await {
            if message.is_ping() {
                return true;
            }
        }
        false
    })
    .await;
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(pinged, Ok(true), "a ping within 5 s");
}

/// Secrets given to a starting server: the log (where the settings in effect are written at
/// start) and `print-config` show none of them. (The database and NATS URLs are checked the
/// same way without a server: `print_config_shows_the_effective_configuration_without_secrets`
/// and the unit tests of the configuration.)
#[tokio::test]
async fn secrets_are_never_logged() {
    let installation = Installation::new().await;
    let port = common::free_port();
    let addr = format!("127.0.0.1:{port}");
    let secrets = [("BESEDA_SMTP_URL", "smtp://mail:hunter1@127.0.0.1:1"), ("BESEDA_METRICS_TOKEN", "hunter2")];
    let mut cmd = installation.command(&["serve", "--listen", &addr]);
    cmd.env("BESEDA_LOG_LEVEL", "info").stdout(std::process::Stdio::null());
    cmd.stderr(std::process::Stdio::piped());
    for (k, v) in secrets {
        cmd.env(k, v);
    }
    let mut server = cmd.spawn().expect("spawn");
    // Read while it runs, so that a full pipe never stops the server.
    let mut stderr = server.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut log);
        log
    });
    common::wait_ready(&addr).await;
    let _ = std::process::Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    let _ = server.wait();
    let log = reader.join().expect("log");
    assert!(log.contains("starting with these settings") && log.contains("mail:***@127.0.0.1:1"), "{log}");
    assert!(!log.contains("hunter"), "{log}");
    let mut print = beseda_command(&["print-config"]);
    for (k, v) in secrets {
        print.env(k, v);
    }
    let (status, out, err, _) = run_ending(print, 30);
    assert!(status.success(), "{err}");
    assert!(!out.contains("hunter") && out.contains("metrics_token = \"***\""), "{out}");
}
