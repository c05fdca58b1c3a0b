//! What every handler gets: the store, the bus and the deployment settings.

use crate::bus::EventBus;
use beseda_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Deployment settings the transports need (not editable from the UI), made from the
/// configuration by [`crate::settings::Settings::server_config`]; its `Default` is the
/// configuration's defaults.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Public origin for absolute URLs, e.g. `https://chat.example.com` (configured, or the
    /// listen address); never changed by a request.
    pub public_origin: String,
    /// Proxies whose `X-Forwarded-For` is believed for the client's address, and whose
    /// `X-Forwarded-Proto` / `X-Forwarded-Host` describe a request's origin.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `host[:port]`s whose requests get their own origin in answers (only without a configured
    /// public origin; empty: always `public_origin`).
    pub allowed_hosts: Vec<String>,
    /// How long `/l/v/m/delta` holds a request with nothing new.
    pub longpoll_hold: Duration,
    /// A page expires after this long without requests.
    pub page_ttl: Duration,
    /// A visit session ends after this long without requests.
    pub session_ttl: Duration,
    /// Largest form or JSON body, in bytes.
    pub max_body_bytes: usize,
    /// WebSocket ping interval, and how long a socket may stay silent before it is closed.
    pub ws_ping_interval: Duration,
    pub ws_idle_timeout: Duration,
    /// Open WebSockets and held long-polls per client address (0 = no limit).
    pub max_connections_per_ip: usize,
    /// Open TCP connections per peer address (0 = no limit); the trusted proxies are exempt.
    pub max_tcp_connections_per_ip: usize,
    /// Time a client has to send a request's headers, from the accept or the previous answer
    /// (so also how long an idle keep-alive connection stays open).
    pub header_timeout: Duration,
    /// Serve the demo page and allow demo data.
    pub demo: bool,
    /// Time limit of one webhook attempt to a bot (connect + full response).
    pub bot_timeout: Duration,
    /// Delays before the retries of a failed bot event (their count is the number of retries).
    pub bot_retry_delays: Vec<Duration>,
    /// Let bots' `file_operator` URLs point at private and loopback addresses.
    pub bot_files_allow_private_addresses: bool,
    /// Delays before the retries of a custom-channel event.
    pub channel_retry_delays: Vec<Duration>,
    /// Time limit of one chat event handler call.
    pub webhook_timeout: Duration,
    /// Delays before the retries of a chat event handler call (±10 % each).
    pub webhook_retry_delays: Vec<Duration>,
    /// SMTP server, e.g. `smtp://user:password@mail.example.com:587?tls=required` (none: e-mail
    /// is off).
    pub smtp_url: Option<crate::settings::SecretUrl>,
    /// Sender address of every e-mail (the company name is its display name).
    pub mail_from: String,
    /// Directory whose `<kind>.<lang>.txt` files replace the built-in mail templates.
    pub mail_templates_dir: Option<std::path::PathBuf>,
    /// Delays before the retries of an e-mail the SMTP server refused for now.
    pub mail_retry_delays: Vec<Duration>,
    /// Where the external services are.
    pub api_urls: ApiUrls,
    /// Delays before the retries of a CRM call.
    pub crm_retry_delays: Vec<Duration>,
    /// Bearer token that `/metrics` requires when set (otherwise loopback clients only).
    pub metrics_token: Option<crate::settings::Secret>,
    /// Login throttling and per-address visitor limits.
    pub limits: crate::throttle::Limits,
    /// Web Push: the contact in every VAPID token (`mailto:` or `https:` URL, RFC 8292 §2.1).
    pub push_contact: String,
    /// Web Push: `host[:port]`s of push endpoints that may be plain `http` and loopback or
    /// private addresses (local stand-ins only).
    pub push_insecure_hosts: Vec<String>,
    /// Web Push: characters of the visitor's message shown in a notification (0: none).
    pub push_preview_chars: usize,
    /// Web Push: delays before the retries of a push the service could not take now (its
    /// `Retry-After` wins when it gives one).
    pub push_retry_delays: Vec<Duration>,
    /// Pushes to mobile SDK visitors through APNs (none: not configured).
    pub apns: Option<crate::mobile_push::ApnsSettings>,
    /// … and through FCM.
    pub fcm: Option<crate::mobile_push::FcmSettings>,
    /// Delays before the retries of a mobile push the service could not take now.
    pub mobile_push_retry_delays: Vec<Duration>,
}

/// Addresses of the external services Beseda calls (deployment settings: a proxy, or a local
/// stand-in in tests). `{subdomain}` / `{account}` stand for the account's name.
#[derive(Clone, Debug)]
pub struct ApiUrls {
    pub telegram: String,
    pub vk: String,
    pub zendesk: String,
    pub amocrm: String,
    pub zoho: String,
    pub zoho_accounts: String,
    pub unisender: String,
}

impl ApiUrls {
    /// The same addresses, all pointing at one local stand-in (for tests).
    pub fn all_at(base: &str) -> Self {
        let b = base.trim_end_matches('/').to_owned();
        Self {
            telegram: b.clone(),
            vk: b.clone(),
            zendesk: b.clone(),
            amocrm: b.clone(),
            zoho: b.clone(),
            zoho_accounts: b.clone(),
            unisender: b,
        }
    }
}

/// Shutdown signal shared by long-polls and sockets so they finish promptly.
#[derive(Clone)]
pub struct Closing(Arc<watch::Sender<bool>>);

impl Default for Closing {
    fn default() -> Self {
        Self(Arc::new(watch::channel(false).0))
    }
}

impl Closing {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    /// Resolves once shutdown has begun.
    pub async fn wait(&self) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|closing| *closing).await;
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Publishing goes through [`AppState::publish`] only (it also wakes the workers).
    pub(crate) bus: Arc<dyn EventBus>,
    pub config: Arc<ServerConfig>,
    pub closing: Closing,
    /// Wakes the scheduler (a chat was queued, an operator came online or was freed, …).
    pub wake: Arc<tokio::sync::Notify>,
    /// Wakes the bot event delivery.
    pub bot_wake: Arc<tokio::sync::Notify>,
    /// Wakes the custom-channel event delivery.
    pub channel_wake: Arc<tokio::sync::Notify>,
    /// Wakes the chat event handler delivery.
    pub webhook_wake: Arc<tokio::sync::Notify>,
    /// Wakes the e-mail delivery.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// Wakes the CRM calls.
    pub crm_wake: Arc<tokio::sync::Notify>,
    /// A lock per CRM, held while its OAuth tokens are loaded and renewed (calls and admin
    /// checks), so a rotated refresh token is never spent twice by this node.
    pub crm_auth: Arc<crate::crm::oauth::Auth>,
    /// Wakes the Web Push deliveries.
    pub push_wake: Arc<tokio::sync::Notify>,
    /// Wakes the deliveries of pushes to mobile SDK visitors.
    pub mobile_push_wake: Arc<tokio::sync::Notify>,
    /// APNs and FCM, as configured.
    pub mobile_push: Arc<crate::mobile_push::Services>,
    /// The VAPID key pair, read (or made) once.
    pub vapid: Arc<tokio::sync::OnceCell<Arc<crate::push::crypto::Vapid>>>,
    /// Outgoing HTTP (bot webhooks).
    pub http: reqwest::Client,
    /// Calls per second of each bot and custom channel.
    pub integration_calls: Arc<crate::rate::RateLimiter>,
    /// Stored Data API calls per second of each administrator.
    pub stored_calls: Arc<crate::rate::RateLimiter>,
    /// Failed authentications per address and per account (every way to log in).
    pub logins: Arc<crate::throttle::login::Logins>,
    /// New visits, chats and messages per client address.
    pub visitor_limits: Arc<crate::throttle::visitor::VisitorLimits>,
    /// Origin of the absolute URLs Beseda gives out.
    pub origin: Arc<crate::origin::PublicOrigin>,
    /// Long-lived connections per client address.
    pub connections: Arc<crate::connections::Connections>,
    /// Counters, gauges and histograms served at `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Failing readiness probes, logged with back-off.
    pub readiness_log: Arc<crate::log_backoff::LogBackoff>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, bus: Arc<dyn EventBus>, config: ServerConfig) -> Self {
        let clock = crate::throttle::limiter::AppClock(store.clock());
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default();
        Self {
            mobile_push: Arc::new(crate::mobile_push::Services::new(&config, &http)),
            mobile_push_wake: Arc::new(tokio::sync::Notify::new()),
            metrics: Arc::new(crate::metrics::Metrics::new(store.clone())),
            store,
            bus,
            origin: Arc::new(crate::origin::PublicOrigin::new(&config.public_origin)),
            logins: Arc::new(crate::throttle::login::Logins::new(&config.limits, clock.clone())),
            visitor_limits: Arc::new(crate::throttle::visitor::VisitorLimits::new(&config.limits, clock)),
            connections: Arc::default(),
            readiness_log: Arc::default(),
            config: Arc::new(config),
            closing: Closing::default(),
            wake: Arc::new(tokio::sync::Notify::new()),
            bot_wake: Arc::new(tokio::sync::Notify::new()),
            channel_wake: Arc::new(tokio::sync::Notify::new()),
            webhook_wake: Arc::new(tokio::sync::Notify::new()),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
            crm_wake: Arc::new(tokio::sync::Notify::new()),
            crm_auth: Arc::default(),
            push_wake: Arc::new(tokio::sync::Notify::new()),
            vapid: Arc::default(),
            http,
            integration_calls: Arc::new(crate::rate::RateLimiter::new(50)),
            stored_calls: Arc::new(crate::rate::RateLimiter::new(20)),
        }
    }

    /// The one way a committed change is published: its revisions and operator events go to
    /// the bus (this node's long-polls and sockets, and the other nodes), and the scheduler and
    /// the delivery workers it queued work for are woken. Takes the change by value, and every write returns a
    /// `#[must_use]` [`beseda_store::Changes`]: a write whose change is not handed here is a
    /// compiler warning, so no handler, timer or background task can forget to publish.
    pub fn publish(&self, changes: beseda_store::Changes) {
        self.bus.publish(&changes);
        if changes.wake_scheduler {
            self.wake.notify_one();
        }
        // Only the workers whose outbox rows the change wrote: each woken worker queries.
        for worker in crate::metrics::WORKERS {
            if changes.queued.contains(worker.queue()) {
                self.wake_worker(worker);
            }
        }
    }

    /// Wakes one delivery worker (counted: `beseda_delivery_wakeups`).
    pub fn wake_worker(&self, worker: crate::metrics::Worker) {
        use crate::metrics::Worker;
        self.metrics.woken(worker);
        match worker {
            Worker::Bots => &self.bot_wake,
            Worker::Channels => &self.channel_wake,
            Worker::Webhooks => &self.webhook_wake,
            Worker::Mail => &self.mail_wake,
            Worker::Crm => &self.crm_wake,
            Worker::Push => &self.push_wake,
            Worker::MobilePush => &self.mobile_push_wake,
        }
        .notify_one();
    }

    /// Now, by the store's clock.
    pub fn now(&self) -> i64 {
        self.store.clock().now()
    }
}

/// Runs `pass` until shutdown: again at once while it finds work, otherwise after `wake` or
/// 200 ms. Used by the outbox deliveries.
pub async fn delivery_loop<F, Fut>(state: &AppState, what: &str, wake: &tokio::sync::Notify, pass: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<usize, beseda_store::StoreError>>,
{
    let log = crate::log_backoff::LogBackoff::default();
    let what = format!("delivering {what}");
    loop {
        let result = pass().await;
        log.record(&what, &result);
        if result.is_ok_and(|n| n > 0) {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = wake.notified() => {}
            _ = state.closing.wait() => return,
        }
    }
}

/// Periodic housekeeping: forget unwatched sessions, prune the visit-session log (keeping at
/// least the last 1000 items and the last hour of each session).
pub async fn maintenance(state: AppState) {
    // The first round a minute after the start, not at once: a server starting under load (a
    // restart, a benchmark) should not meet a long first run.
    let period = Duration::from_secs(60);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let log = crate::log_backoff::LogBackoff::default();
    loop {
        tick.tick().await;
        state.bus.sweep();
        let result = state.store.prune_session_events(1000, 3600 * 1_000_000).await;
        log.record("pruning the visit-session log", &result);
        if let Ok(n @ 1..) = result {
            tracing::debug!(pruned = n, "pruned visit-session log");
        }
    }
}
