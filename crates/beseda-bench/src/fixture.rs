//! What the benchmark cases share: operator accounts and their tokens, visitors' page
//! credentials, and `beseda serve` as a separate process.

use anyhow::{bail, Context, Result};
use beseda_store::{NewOperator, Store};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "bench-password";

/// Creates an operator account whose password has the hash `hash`.
pub async fn operator(store: &dyn Store, email: &str, hash: &str) -> Result<beseda_core::model::Operator> {
    Ok(store
        .create_operator(&NewOperator {
            email: email.into(),
            name: format!("Operator {email}"),
            role: beseda_core::state::OperatorRole::Operator,
            password_hash: hash.into(),
            languages: vec!["ru".into()],
            department_keys: vec![],
            max_chats: None,
            must_change_password: false,
        })
        .await?)
}

/// A visitor who starts a chat with one message, straight through the store.
pub async fn chat(store: &dyn Store, client_side_id: &str, text: &str) -> Result<()> {
    let visit = store
        .init_visit(&beseda_store::InitVisit {
            location: "default".into(),
            session_ttl_micros: 86_400_000_000,
            ..Default::default()
        })
        .await?;
    let msg =
        beseda_store::VisitorMessage { client_side_id: client_side_id.into(), text: text.into(), ..Default::default() };
    let _ = store.visitor_message(&visit.page.ctx(), &msg).await?;
    Ok(())
}

/// The hash of [`PASSWORD`].
pub async fn password_hash() -> Result<String> {
    beseda_server::auth::hash_password(PASSWORD.into()).await.map_err(anyhow::Error::msg)
}

/// A bearer token for `email`; with `online`, the operator goes online.
pub async fn token(http: &reqwest::Client, base: &str, email: &str, online: bool) -> Result<String> {
    let login: Value = http
        .post(format!("{base}/api/operator/v1/tokens"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("token")?.to_owned();
    if online {
        http.put(format!("{base}/api/operator/v1/status"))
            .bearer_auth(&token)
            .json(&json!({"status": "online"}))
            .send()
            .await?
            .error_for_status()?;
    }
    Ok(token)
}

/// A visitor's init on the default placement: its page id and auth token.
pub async fn visitor(http: &reqwest::Client, base: &str, device: &str) -> Result<(String, String)> {
    let url = format!(
        "{base}/l/v/m/init?event=init&since=0&location=default&device-id={device}&platform=web&title=t&respond-immediately=1"
    );
    let init: Value = http.get(url).send().await?.json().await?;
    let f = &init["fullUpdate"];
    Ok((f["pageId"].as_str().context("pageId")?.to_owned(), f["authToken"].as_str().context("authToken")?.to_owned()))
}

/// The `beseda` release binary next to this one.
pub fn release_binary() -> Result<std::path::PathBuf> {
    let bin = std::env::current_exe()?.with_file_name("beseda");
    if !bin.exists() {
        bail!("{} is missing: build it first (cargo build --release -p beseda)", bin.display());
    }
    Ok(bin)
}

/// `beseda serve` (the release binary next to this one) as its own process; stopped with
/// SIGTERM when dropped (so tools wrapping it can write their reports), killed if it lingers.
pub struct Serve {
    child: std::process::Child,
    pub base: String,
}

impl Serve {
    pub async fn start(dir: &std::path::Path, env: &[(&str, String)]) -> Result<Self> {
        Self::start_binary(&release_binary()?, dir, env, None).await
    }

    /// `serve` of the Beseda binary `bin` over the data directory `dir`; `env` can name a
    /// PostgreSQL database (`BESEDA_DATABASE_URL`); its log goes to the file `log` when given.
    pub async fn start_binary(
        bin: &std::path::Path,
        dir: &std::path::Path,
        env: &[(&str, String)],
        log: Option<&std::path::Path>,
    ) -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut cmd = std::process::Command::new(bin);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(dir)
            .env("BESEDA_LOG_LEVEL", "warn")
            // Every simulated visitor comes from 127.0.0.1: the per-address visitor limits
            // would measure the limiter, not the server.
            .env("BESEDA_VISITOR_INITS_PER_MINUTE", "0")
            .env("BESEDA_VISITOR_CHATS_PER_MINUTE", "0")
            .env("BESEDA_VISITOR_MESSAGES_PER_MINUTE", "0")
            .env_remove("BESEDA_DATABASE_URL")
            .env_remove("BESEDA_NATS_URL")
            .stdout(std::process::Stdio::null());
        if let Some(log) = log {
            cmd.stderr(std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let serve =
            Serve { child: cmd.spawn().context("starting beseda serve")?, base: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while reqwest::get(format!("{}/readyz", serve.base)).await.map(|r| r.status().is_success()).ok() != Some(true) {
            if started.elapsed() > Duration::from_secs(30) {
                bail!("beseda serve did not start");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(serve)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
