//! Deployment settings: defaults in code → optional TOML file → `BESEDA_*` environment
//! variables → command-line flags. None of these is editable from the UI.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub public_origin: Option<String>,
    pub log_level: String,
    pub log_format: String,
    pub sqlite_synchronous: String,
    pub max_connections: u32,
    pub longpoll_hold_secs: u64,
    pub max_body_bytes: usize,
    pub bot_files_allow_private_addresses: bool,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub allowed_hosts: Vec<String>,
    pub webhook_retry_delays_secs: Vec<u64>,
    pub smtp_url: Option<String>,
    pub nats_url: Option<String>,
    pub max_connections_per_ip: usize,
    pub max_tcp_connections_per_ip: usize,
    pub header_timeout_secs: u64,
    pub mail_from: String,
    pub mail_templates_dir: Option<PathBuf>,
    pub telegram_api_url: String,
    pub vk_api_url: String,
    pub zendesk_api_url: String,
    pub amocrm_api_url: String,
    pub zoho_api_url: String,
    pub zoho_accounts_url: String,
    pub unisender_api_url: String,
    pub metrics_token: Option<String>,
    pub login_address_burst: u32,
    pub login_address_per_minute: u32,
    pub login_account_failures: u32,
    pub login_lockout_secs: u64,
    pub login_lockout_max_secs: u64,
    pub visitor_inits_per_minute: u32,
    pub visitor_chats_per_minute: u32,
    pub visitor_messages_per_minute: u32,
    pub push_contact: Option<String>,
    pub push_insecure_hosts: Vec<String>,
    pub push_preview_chars: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            public_origin: None,
            log_level: "info".into(),
            log_format: "text".into(),
            sqlite_synchronous: "full".into(),
            max_connections: 8,
            longpoll_hold_secs: 25,
            max_body_bytes: 256 * 1024,
            bot_files_allow_private_addresses: false,
            trusted_proxies: Vec::new(),
            allowed_hosts: Vec::new(),
            webhook_retry_delays_secs: vec![10, 30, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800],
            smtp_url: None,
            nats_url: None,
            max_connections_per_ip: 1000,
            max_tcp_connections_per_ip: 256,
            header_timeout_secs: 10,
            mail_from: "noreply@localhost".into(),
            mail_templates_dir: None,
            telegram_api_url: "https://api.telegram.org".into(),
            vk_api_url: "https://api.vk.com".into(),
            zendesk_api_url: "https://{subdomain}.zendesk.com".into(),
            amocrm_api_url: "https://{account}.amocrm.ru".into(),
            zoho_api_url: "https://www.zohoapis.com".into(),
            zoho_accounts_url: "https://accounts.zoho.com".into(),
            unisender_api_url: "https://api.unisender.com".into(),
            metrics_token: None,
            login_address_burst: 10,
            login_address_per_minute: 10,
            login_account_failures: 5,
            login_lockout_secs: 900,
            login_lockout_max_secs: 4 * 3600,
            visitor_inits_per_minute: 120,
            visitor_chats_per_minute: 30,
            visitor_messages_per_minute: 300,
            push_contact: None,
            push_insecure_hosts: Vec::new(),
            push_preview_chars: 0,
        }
    }
}

pub const EXAMPLE: &str = r#"# Beseda configuration. Every key is optional; the value shown is the default.
# Each key can also be set with an environment variable BESEDA_<KEY> (upper case),
# e.g. BESEDA_LISTEN=0.0.0.0:8080; command-line flags win over both.

# Address and port to listen on.
listen = "127.0.0.1:8080"

# Where the SQLite database and other data live (used when database_url is empty).
data_dir = "./data"

# PostgreSQL instead of SQLite, e.g. "postgres://beseda:secret@db.example.com/beseda".
# database_url = ""

# Public origin of the absolute URLs Beseda gives out (file links to bots and channels,
# messenger webhooks, the embed code). Set it behind a TLS proxy. Without it: the listen
# address. A request never changes it.
# public_origin = "https://chat.example.com"

# Addresses of reverse proxies whose X-Forwarded-For is believed for the client's address
# (the IP allowlist, connection limits), and whose X-Forwarded-Proto / X-Forwarded-Host
# describe a request's origin. Requests from other addresses: the socket's address counts.
# trusted_proxies = ["127.0.0.1", "::1"]

# Without public_origin: host[:port] names under which Beseda is reached. A request for one
# of them gets its own origin in its answer (the embed code shown to the admin); nothing is
# remembered, and bots, channels and messengers still get public_origin or the listen address.
# allowed_hosts = ["chat.example.com"]

# Log level (error, warn, info, debug, trace or off, or a filter of target=level directives
# such as "info,beseda::access=warn") and format (text or json). At info every request writes
# one access line (target beseda::access). See docs/operations.md.
log_level = "info"
log_format = "text"

# GET /metrics (Prometheus/OpenMetrics text) answers loopback clients only; with a token it
# answers only requests with "Authorization: Bearer <token>", from any address.
# metrics_token = ""

# SQLite durability: "full" flushes every commit to disk before it is acknowledged;
# "normal" survives a process crash but may lose the last commits on power loss.
sqlite_synchronous = "full"

# Database connections (readers on SQLite; the whole pool on PostgreSQL).
max_connections = 8

# How long /l/v/m/delta holds a request when nothing is new, in seconds.
longpoll_hold_secs = 25

# Largest form or JSON request body, in bytes (uploads have their own limit).
max_body_bytes = 262144

# Let bots send files (file_operator) from private and loopback addresses.
bot_files_allow_private_addresses = false

# Delays before the retries of a chat event handler call, in seconds (each ±10 %); after the
# last one the call is marked dead.
webhook_retry_delays_secs = [10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800]

# SMTP server for e-mail (offline messages, negative ratings, long waits, the daily report,
# chat histories for visitors): smtp://host:25 (plain), smtp://user:password@host:587?tls=required
# (STARTTLS) or smtps://user:password@host:465. Without it no e-mail is sent.
# smtp_url = ""

# NATS server that carries events between Beseda nodes sharing one PostgreSQL database
# (nats://host:4222). Without it events stay inside this process (one node).
# nats_url = ""

# Open WebSockets and waiting long-polls per client address (0 = no limit); more are refused
# with 429 too-many-connections.
max_connections_per_ip = 1000

# Open TCP connections per client address (0 = no limit); more are closed at once, unanswered.
# Counted by the socket's address, never X-Forwarded-For; the trusted_proxies are exempt, so
# list your reverse proxy there (docs/deployment.md, "Connections").
max_tcp_connections_per_ip = 256

# Seconds a client has to send a request's headers, counted from the connection's opening or
# from the previous answer; so also how long an idle keep-alive connection stays open.
header_timeout_secs = 10

# Sender address of every e-mail; the company name is shown as the sender's name.
mail_from = "noreply@localhost"

# A directory whose files replace the built-in mail templates of the same name
# (offline_message, negative_rating, long_wait, chat_history, daily_report, signature;
# each as <name>.ru.txt and <name>.en.txt: "Subject: ...", a blank line, the body).
# mail_templates_dir = ""

# Addresses of the external services (change them only for a proxy or a stand-in);
# {subdomain} and {account} are the account names from the integration settings.
telegram_api_url = "https://api.telegram.org"
vk_api_url = "https://api.vk.com"
zendesk_api_url = "https://{subdomain}.zendesk.com"
amocrm_api_url = "https://{account}.amocrm.ru"
zoho_api_url = "https://www.zohoapis.com"
zoho_accounts_url = "https://accounts.zoho.com"
unisender_api_url = "https://api.unisender.com"

# Rate limits (docs/deployment.md, "Rate limits"); 0 turns a limit off. Refusals are
# 429 with Retry-After. Behind a reverse proxy set trusted_proxies, or every client shares
# the proxy's address.
# Failed logins (console, bearer tokens, Stored Data API, bot tokens) per client address:
# a burst, then so many a minute.
login_address_burst = 10
login_address_per_minute = 10
# Failed logins of one account from one address before that address is locked out of that
# account (even the right password is refused) for login_lockout_secs, doubling for each
# further lockout up to login_lockout_max_secs.
login_account_failures = 5
login_lockout_secs = 900
login_lockout_max_secs = 14400
# Per client address and minute: new visit sessions (init), chat starts, visitor messages.
visitor_inits_per_minute = 120
visitor_chats_per_minute = 30
visitor_messages_per_minute = 300

# Web Push to operators who opted in (docs/operations.md, "Web Push"). The contact push
# services may write to about this server's pushes (a mailto: or https: URL; without it,
# mailto: and mail_from).
# push_contact = "mailto:ops@example.com"
# Characters of the visitor's message shown in a notification, which may appear on a locked
# screen; 0 shows none (only "new message" and the chat's number).
push_preview_chars = 0
# host[:port] of push endpoints that may be plain http and loopback or private addresses:
# local stand-ins for tests only. Real push services are https.
# push_insecure_hosts = ["127.0.0.1:9000"]
"#;

impl Config {
    /// Loads defaults, then the TOML file (if given), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        config.validate()?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = var("BESEDA_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = var("BESEDA_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = var("BESEDA_DATABASE_URL").filter(|v| !v.is_empty()) {
            self.database_url = Some(v);
        }
        if let Some(v) = var("BESEDA_PUBLIC_ORIGIN") {
            self.public_origin = Some(v);
        }
        if let Some(v) = var("BESEDA_LOG_LEVEL") {
            self.log_level = v;
        }
        if let Some(v) = var("BESEDA_LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = var("BESEDA_SQLITE_SYNCHRONOUS") {
            self.sqlite_synchronous = v;
        }
        if let Some(v) = var("BESEDA_MAX_CONNECTIONS") {
            self.max_connections = v.parse().context("BESEDA_MAX_CONNECTIONS must be a number")?;
        }
        if let Some(v) = var("BESEDA_LONGPOLL_HOLD_SECS") {
            self.longpoll_hold_secs = v.parse().context("BESEDA_LONGPOLL_HOLD_SECS must be a number")?;
        }
        if let Some(v) = var("BESEDA_BOT_FILES_ALLOW_PRIVATE_ADDRESSES") {
            self.bot_files_allow_private_addresses =
                matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "on" | "yes");
        }
        if let Some(v) = var("BESEDA_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| a.parse().with_context(|| format!("BESEDA_TRUSTED_PROXIES: {a:?} is not an IP address")))
                .collect::<Result<_>>()?;
        }
        if let Some(v) = var("BESEDA_ALLOWED_HOSTS") {
            self.allowed_hosts = v.split(',').map(str::trim).filter(|h| !h.is_empty()).map(String::from).collect();
        }
        if let Some(v) = var("BESEDA_WEBHOOK_RETRY_DELAYS_SECS") {
            self.webhook_retry_delays_secs = v
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(|d| d.parse().with_context(|| format!("BESEDA_WEBHOOK_RETRY_DELAYS_SECS: {d:?} is not a number")))
                .collect::<Result<_>>()?;
        }
        if let Some(v) = var("BESEDA_SMTP_URL").filter(|v| !v.is_empty()) {
            self.smtp_url = Some(v);
        }
        if let Some(v) = var("BESEDA_NATS_URL").filter(|v| !v.is_empty()) {
            self.nats_url = Some(v);
        }
        if let Some(v) = var("BESEDA_MAX_CONNECTIONS_PER_IP") {
            self.max_connections_per_ip = v.parse().context("BESEDA_MAX_CONNECTIONS_PER_IP must be a number")?;
        }
        number(&var, "BESEDA_MAX_TCP_CONNECTIONS_PER_IP", &mut self.max_tcp_connections_per_ip)?;
        number(&var, "BESEDA_HEADER_TIMEOUT_SECS", &mut self.header_timeout_secs)?;
        if let Some(v) = var("BESEDA_MAIL_FROM") {
            self.mail_from = v;
        }
        if let Some(v) = var("BESEDA_MAIL_TEMPLATES_DIR").filter(|v| !v.is_empty()) {
            self.mail_templates_dir = Some(v.into());
        }
        for (name, field) in [
            ("BESEDA_TELEGRAM_API_URL", &mut self.telegram_api_url),
            ("BESEDA_VK_API_URL", &mut self.vk_api_url),
            ("BESEDA_ZENDESK_API_URL", &mut self.zendesk_api_url),
            ("BESEDA_AMOCRM_API_URL", &mut self.amocrm_api_url),
            ("BESEDA_ZOHO_API_URL", &mut self.zoho_api_url),
            ("BESEDA_ZOHO_ACCOUNTS_URL", &mut self.zoho_accounts_url),
            ("BESEDA_UNISENDER_API_URL", &mut self.unisender_api_url),
        ] {
            if let Some(v) = var(name) {
                *field = v;
            }
        }
        if let Some(v) = var("BESEDA_MAX_BODY_BYTES") {
            self.max_body_bytes = v.parse().context("BESEDA_MAX_BODY_BYTES must be a number")?;
        }
        if let Some(v) = var("BESEDA_METRICS_TOKEN") {
            self.metrics_token = Some(v);
        }
        if let Some(v) = var("BESEDA_PUSH_CONTACT").filter(|v| !v.is_empty()) {
            self.push_contact = Some(v);
        }
        if let Some(v) = var("BESEDA_PUSH_INSECURE_HOSTS") {
            self.push_insecure_hosts =
                v.split(',').map(str::trim).filter(|h| !h.is_empty()).map(String::from).collect();
        }
        number(&var, "BESEDA_PUSH_PREVIEW_CHARS", &mut self.push_preview_chars)?;
        self.apply_limits_env(var)
    }

    /// `BESEDA_LOGIN_*` and `BESEDA_VISITOR_*`: the rate limits.
    fn apply_limits_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<()> {
        number(&var, "BESEDA_LOGIN_ADDRESS_BURST", &mut self.login_address_burst)?;
        number(&var, "BESEDA_LOGIN_ADDRESS_PER_MINUTE", &mut self.login_address_per_minute)?;
        number(&var, "BESEDA_LOGIN_ACCOUNT_FAILURES", &mut self.login_account_failures)?;
        number(&var, "BESEDA_LOGIN_LOCKOUT_SECS", &mut self.login_lockout_secs)?;
        number(&var, "BESEDA_LOGIN_LOCKOUT_MAX_SECS", &mut self.login_lockout_max_secs)?;
        number(&var, "BESEDA_VISITOR_INITS_PER_MINUTE", &mut self.visitor_inits_per_minute)?;
        number(&var, "BESEDA_VISITOR_CHATS_PER_MINUTE", &mut self.visitor_chats_per_minute)?;
        number(&var, "BESEDA_VISITOR_MESSAGES_PER_MINUTE", &mut self.visitor_messages_per_minute)?;
        Ok(())
    }

    /// Refuses settings that would only fail later, or silently do something else.
    fn validate(&mut self) -> Result<()> {
        if !LOG_FORMATS.contains(&self.log_format.as_str()) {
            bail!("log_format (BESEDA_LOG_FORMAT) must be `text` or `json`, not `{}`", self.log_format);
        }
        if !valid_log_filter(&self.log_level) {
            bail!(
                "log_level (BESEDA_LOG_LEVEL) must be one of {} or target=level directives such as \
                 `info,beseda::access=warn`, not `{}`",
                LOG_LEVELS.join(", "),
                self.log_level
            );
        }
        let is_host = |h: &str| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
        if let Some(bad) = self.allowed_hosts.iter().find(|h| !is_host(h)) {
            bail!("allowed_hosts (BESEDA_ALLOWED_HOSTS): {bad:?} is not a host[:port] such as chat.example.com");
        }
        if let Some(bad) = self.push_insecure_hosts.iter().find(|h| !is_host(h)) {
            bail!(
                "push_insecure_hosts (BESEDA_PUSH_INSECURE_HOSTS): {bad:?} is not a host[:port] such as 127.0.0.1:9000"
            );
        }
        if let Some(c) = &self.push_contact {
            if !(c.starts_with("mailto:") || c.starts_with("https://")) {
                bail!("push_contact (BESEDA_PUSH_CONTACT) must be a mailto: or https: URL, not {c:?}");
            }
        }
        if self.push_preview_chars > beseda_core::push::MAX_TEXT_CHARS {
            bail!(
                "push_preview_chars (BESEDA_PUSH_PREVIEW_CHARS) must be at most {}",
                beseda_core::push::MAX_TEXT_CHARS
            );
        }
        if self.header_timeout_secs == 0 {
            bail!("header_timeout_secs (BESEDA_HEADER_TIMEOUT_SECS) must be at least 1");
        }
        if self.metrics_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            self.metrics_token = None;
        }
        Ok(())
    }
}

const LOG_FORMATS: [&str; 2] = ["text", "json"];
const LOG_LEVELS: [&str; 6] = ["error", "warn", "info", "debug", "trace", "off"];

/// A level, or comma-separated directives each a level or `target=level`, that the tracing
/// filter accepts. (The filter alone would take a bare word such as `loud` as a target name.)
fn valid_log_filter(filter: &str) -> bool {
    let is_level = |l: &str| LOG_LEVELS.iter().any(|k| k.eq_ignore_ascii_case(l.trim()));
    let directives_ok = filter.split(',').filter(|d| !d.trim().is_empty()).all(|d| match d.rsplit_once('=') {
        Some((target, level)) => !target.trim().is_empty() && is_level(level),
        None => is_level(d),
    });
    directives_ok && !filter.trim().is_empty() && tracing_subscriber::EnvFilter::try_new(filter).is_ok()
}

/// Sets `field` from the variable `name`, if set.
fn number<T: std::str::FromStr>(var: impl Fn(&str) -> Option<String>, name: &str, field: &mut T) -> Result<()> {
    if let Some(v) = var(name) {
        *field = v.trim().parse().map_err(|_| anyhow::anyhow!("{name} must be a number"))?;
    }
    Ok(())
}

impl Config {
    /// The rate limits as the server takes them.
    pub fn limits(&self) -> beseda_server::throttle::Limits {
        beseda_server::throttle::Limits {
            login_address_burst: self.login_address_burst,
            login_address_per_minute: self.login_address_per_minute,
            login_account_failures: self.login_account_failures,
            login_lockout: std::time::Duration::from_secs(self.login_lockout_secs),
            login_lockout_max: std::time::Duration::from_secs(self.login_lockout_max_secs),
            visitor_inits_per_minute: self.visitor_inits_per_minute,
            visitor_chats_per_minute: self.visitor_chats_per_minute,
            visitor_messages_per_minute: self.visitor_messages_per_minute,
        }
    }
}

/// A database or SMTP URL safe to log: the password is replaced.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses_to_the_defaults() {
        let parsed: Config = toml::from_str(EXAMPLE).expect("example parses");
        let d = Config::default();
        assert_eq!(parsed.listen, d.listen);
        assert_eq!(parsed.max_body_bytes, d.max_body_bytes);
        assert_eq!(parsed.sqlite_synchronous, d.sqlite_synchronous);
    }

    #[test]
    fn environment_wins_over_the_file() {
        let mut c: Config = toml::from_str("listen = \"0.0.0.0:1\"").expect("parses");
        c.apply_env(|k| (k == "BESEDA_LISTEN").then(|| "127.0.0.1:9".to_owned())).expect("env");
        assert_eq!(c.listen, "127.0.0.1:9");
    }

    #[test]
    fn allowed_hosts_come_from_the_file_or_the_environment() {
        let c: Config = toml::from_str("allowed_hosts = [\"chat.example.com\"]").expect("parses");
        assert_eq!(c.allowed_hosts, ["chat.example.com"]);
        let mut c = Config::default();
        c.apply_env(|k| (k == "BESEDA_ALLOWED_HOSTS").then(|| "a.io, b.io:8443".to_owned())).expect("env");
        assert_eq!(c.allowed_hosts, ["a.io", "b.io:8443"]);
        let mut bad = Config { allowed_hosts: vec!["https://a.io/".into()], ..Config::default() };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn trusted_proxies_come_from_the_file_or_the_environment() {
        let c: Config = toml::from_str("trusted_proxies = [\"10.0.0.1\", \"::1\"]").expect("parses");
        assert_eq!(c.trusted_proxies.len(), 2);
        let mut c = Config::default();
        c.apply_env(|k| (k == "BESEDA_TRUSTED_PROXIES").then(|| "127.0.0.1, 10.0.0.2".to_owned())).expect("env");
        assert_eq!(
            c.trusted_proxies,
            ["127.0.0.1".parse::<std::net::IpAddr>().expect("ip"), "10.0.0.2".parse().expect("ip")]
        );
        let bad = Config::default().apply_env(|k| (k == "BESEDA_TRUSTED_PROXIES").then(|| "proxy.local".to_owned()));
        assert!(bad.is_err());
    }

    #[test]
    fn log_settings_are_checked() {
        for good in ["info", "WARN", "off", "info,beseda::access=warn", "beseda=debug"] {
            assert!(valid_log_filter(good), "{good}");
        }
        for bad in ["loud", "", "info,loud", "beseda=loud", "=info"] {
            assert!(!valid_log_filter(bad), "{bad}");
        }
        let mut c = Config { log_format: "xml".into(), ..Config::default() };
        let e = c.validate().expect_err("xml").to_string();
        assert!(e.contains("log_format") && e.contains("json"), "{e}");
        let mut c = Config { log_level: "loud".into(), ..Config::default() };
        let e = c.validate().expect_err("loud").to_string();
        assert!(e.contains("log_level") && e.contains("debug"), "{e}");
    }

    #[test]
    fn rate_limits_default_to_the_server_defaults_and_take_the_environment() {
        let parsed: Config = toml::from_str(EXAMPLE).expect("example parses");
        let (example, server) = (parsed.limits(), beseda_server::throttle::Limits::default());
        assert_eq!(format!("{example:?}"), format!("{server:?}"));
        let mut c = Config::default();
        c.apply_env(|k| match k {
            "BESEDA_LOGIN_ACCOUNT_FAILURES" => Some("3".into()),
            "BESEDA_LOGIN_LOCKOUT_SECS" => Some("60".into()),
            "BESEDA_VISITOR_CHATS_PER_MINUTE" => Some("0".into()),
            _ => None,
        })
        .expect("env");
        let l = c.limits();
        assert_eq!((l.login_account_failures, l.login_lockout.as_secs(), l.visitor_chats_per_minute), (3, 60, 0));
        let bad = Config::default().apply_env(|k| (k == "BESEDA_LOGIN_ADDRESS_BURST").then(|| "many".to_owned()));
        assert!(bad.expect_err("not a number").to_string().contains("BESEDA_LOGIN_ADDRESS_BURST"));
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
