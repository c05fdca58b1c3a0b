//! The real binary as a child process: spawning it, waiting for it, and the installation it
//! runs over — on the backend of the pass, like every `TestServer` test.

use super::{backend, postgres_server, temp_dir, Backend, TempDir};
use beseda_store::{Store, StoreOptions};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::Duration;

/// Where the binary keeps its data in a test: a temporary data directory (SQLite's database
/// lives there) and, in the PostgreSQL pass, a fresh database on the test server, given to
/// every command as `BESEDA_DATABASE_URL`.
pub struct Installation {
    dir: TempDir,
    /// `None`: SQLite, in the data directory.
    pub database_url: Option<String>,
}

impl Installation {
    /// An installation on the backend of this run (see [`backend`]).
    pub async fn new() -> Self {
        let database_url = match backend() {
            Backend::Postgres => {
                Some(beseda_store::testing::fresh_postgres_database(&postgres_server()).await.expect("fresh database"))
            }
            Backend::Sqlite => None,
        };
        Self { dir: temp_dir(), database_url }
    }

    /// An installation on SQLite in either pass, for what only SQLite has (its database file,
    /// the file backups of it).
    pub fn sqlite() -> Self {
        Self { dir: temp_dir(), database_url: None }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Points a command of the binary at this installation: `--data-dir` (appended) and the
    /// database.
    pub fn apply(&self, cmd: &mut Command) {
        cmd.arg("--data-dir").arg(self.dir.path());
        if let Some(url) = &self.database_url {
            cmd.env("BESEDA_DATABASE_URL", url);
        }
    }

    /// `beseda <args>` over this installation, with a clean environment otherwise.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = beseda_command(args);
        self.apply(&mut cmd);
        cmd
    }

    /// `beseda serve` on `port` over this installation (stdout piped), with extra `BESEDA_*`
    /// variables.
    pub fn serve(&self, port: u16, demo: bool, env: &[(&str, &str)]) -> Child {
        let mut all: Vec<(&str, &str)> =
            self.database_url.iter().map(|url| ("BESEDA_DATABASE_URL", url.as_str())).collect();
        all.extend_from_slice(env);
        spawn_beseda_with(self.dir.path(), port, demo, &all)
    }

    /// The installation's store, opened in the test (to prepare settings before a start, or
    /// to check what a command did).
    pub async fn store(&self) -> Arc<dyn Store> {
        beseda_store::open(self.database_url.as_deref(), self.dir.path(), &StoreOptions::default())
            .await
            .expect("open the installation's store")
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// `beseda serve` on `port` over `data_dir` (SQLite), stdout piped.
pub fn spawn_beseda(data_dir: &Path, port: u16, demo: bool) -> Child {
    spawn_beseda_with(data_dir, port, demo, &[])
}

/// `beseda serve` with extra `BESEDA_*` variables (a database URL, a NATS URL…).
pub fn spawn_beseda_with(data_dir: &Path, port: u16, demo: bool, env: &[(&str, &str)]) -> Child {
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_beseda"));
    cmd.args(["serve", "--listen", &addr, "--data-dir"]).arg(data_dir);
    if demo {
        cmd.arg("--demo");
    }
    cmd.env_remove("BESEDA_DATABASE_URL")
        .env_remove("BESEDA_NATS_URL")
        .env_remove("BESEDA_CONFIG")
        .env("BESEDA_LOG_LEVEL", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null()).spawn().expect("spawn beseda")
}

/// Waits until `/readyz` answers 200.
pub async fn wait_ready(addr: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("http://{addr}/readyz")).await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {addr} never became ready");
}

/// Runs a command that is expected to end by itself, killing it after `secs`; returns its
/// status, standard output and error, and how long it ran.
pub fn run_ending(mut cmd: Command, secs: u64) -> (std::process::ExitStatus, String, String, Duration) {
    use std::io::Read;
    let started = std::time::Instant::now();
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still ran after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child.stdout.take().expect("stdout").read_to_string(&mut out).expect("stdout");
    child.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
    (status, out, err, started.elapsed())
}

/// The binary with a clean environment (no database URL or configuration from outside).
pub fn beseda_command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_beseda"));
    c.args(args)
        .env_remove("BESEDA_DATABASE_URL")
        .env_remove("BESEDA_NATS_URL")
        .env_remove("BESEDA_CONFIG")
        .env("BESEDA_LOG_LEVEL", "warn");
    c
}
