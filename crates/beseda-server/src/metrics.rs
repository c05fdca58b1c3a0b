//! Metrics for Prometheus at `GET /metrics` (OpenMetrics text). Every node keeps its own
//! registry; counters start at zero when it starts. Figures that live in the database or the
//! store (the outbox backlog, pool use, group-commit batches) are read at scrape time.
//! The endpoint answers loopback clients, or, when a metrics token is configured, only requests
//! that carry it as a bearer token. docs/operations.md lists every metric.

use crate::error::ApiError;
use crate::outbound::Attempt;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use beseda_store::Store;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::sync::Arc;

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Request durations, in seconds (a long-poll is held up to its hold time).
const DURATION_BUCKETS: [f64; 14] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// How late the scheduler got to a due timer, in seconds.
const LAG_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AuthorLabels {
    author: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    outcome: &'static str,
    /// Status class of the answer: `2xx` … `5xx`, or `none` (no answer: refused, timed out).
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolNameLabels {
    pool: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: &'static str,
}

/// Who wrote a committed message.
#[derive(Clone, Copy, Debug)]
pub enum Author {
    Visitor,
    Operator,
    Bot,
}

/// A long-lived connection counted while it is open.
#[derive(Clone, Copy, Debug)]
pub enum Held {
    VisitorWebSocket,
    OperatorWebSocket,
    LongPoll,
}

/// The outbox deliveries, by the worker that sends them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Worker {
    Bots,
    Channels,
    Webhooks,
    Mail,
    Crm,
    Push,
    MobilePush,
}

pub const WORKERS: [Worker; 7] =
    [Worker::Bots, Worker::Channels, Worker::Webhooks, Worker::Mail, Worker::Crm, Worker::Push, Worker::MobilePush];

impl Worker {
    pub fn label(self) -> &'static str {
        match self {
            Worker::Bots => "bots",
            Worker::Channels => "channels",
            Worker::Webhooks => "webhooks",
            Worker::Mail => "mail",
            Worker::Crm => "crm",
            Worker::Push => "push",
            Worker::MobilePush => "mobile_push",
        }
    }

    /// The outbox rows this worker delivers, as a published change names them.
    pub fn queue(self) -> beseda_store::Queued {
        use beseda_store::Queued;
        match self {
            Worker::Bots => Queued::BOT,
            Worker::Channels => Queued::CHANNEL,
            Worker::Webhooks => Queued::WEBHOOK,
            Worker::Mail => Queued::MAIL,
            Worker::Crm => Queued::CRM,
            Worker::Push => Queued::PUSH,
            Worker::MobilePush => Queued::MOBILE_PUSH,
        }
    }

    /// The worker of an outbox kind (`webhook_call`: a pending chat event handler call).
    fn of_kind(kind: &str) -> Option<Self> {
        match kind {
            "bot_event" => Some(Worker::Bots),
            "channel_event" => Some(Worker::Channels),
            "webhook_call" => Some(Worker::Webhooks),
            k if k.starts_with("event.") => Some(Worker::Webhooks),
            k if k.starts_with("mail.") => Some(Worker::Mail),
            k if k.starts_with("crm.") => Some(Worker::Crm),
            "push" => Some(Worker::Push),
            "mobile_push" => Some(Worker::MobilePush),
            _ => None,
        }
    }
}

/// How one delivery attempt ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    Delivered,
    /// Failed; it will be tried again.
    Retried,
    /// Given up without (more) retries: refused for good, or nothing to deliver it to.
    Failed,
    /// Given up after the last retry.
    Dead,
}

const OUTCOMES: [Outcome; 4] = [Outcome::Delivered, Outcome::Retried, Outcome::Failed, Outcome::Dead];

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Retried => "retried",
            Outcome::Failed => "failed",
            Outcome::Dead => "dead",
        }
    }

    /// The outcome of an outbound HTTP attempt, given whether a retry is left.
    pub fn of(attempt: &Attempt, retry_left: bool) -> Self {
        match attempt {
            Attempt::Delivered(_) => Outcome::Delivered,
            Attempt::Retry { .. } if retry_left => Outcome::Retried,
            Attempt::Retry { .. } => Outcome::Dead,
            Attempt::Final { .. } => Outcome::Failed,
        }
    }
}

/// Every metric of one node.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<HttpLabels, Histogram, fn() -> Histogram>,
    messages: Family<AuthorLabels, Counter>,
    held: Family<KindLabels, Gauge>,
    backlog: Family<KindLabels, Gauge>,
    deliveries: Family<DeliveryLabels, Counter>,
    wakeups: Family<KindLabels, Counter>,
    webhook_attempts: Family<AttemptLabels, Counter>,
    scheduler_lag: Histogram,
    pool_connections: Family<PoolLabels, Gauge>,
    pool_max: Family<PoolNameLabels, Gauge>,
    refused_connections: Counter,
}

impl Metrics {
    pub fn new(store: Arc<dyn Store>) -> Self {
        let mut registry = Registry::default();
        let m = Self {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(|| Histogram::new(DURATION_BUCKETS)),
            messages: Family::default(),
            held: Family::default(),
            backlog: Family::default(),
            deliveries: Family::default(),
            wakeups: Family::default(),
            webhook_attempts: Family::default(),
            scheduler_lag: Histogram::new(LAG_BUCKETS),
            pool_connections: Family::default(),
            pool_max: Family::default(),
            refused_connections: Counter::default(),
            registry: Registry::default(),
        };
        let build = Family::<VersionLabels, Gauge>::default();
        build.get_or_create(&VersionLabels { version: env!("CARGO_PKG_VERSION") }).set(1);
        registry.register("beseda_build_info", "The running version (always 1)", build);
        registry.register("beseda_http_requests", "HTTP requests answered", m.http_requests.clone());
        registry.register(
            "beseda_http_request_duration_seconds",
            "Time to answer an HTTP request (to the upgrade for WebSockets)",
            m.http_duration.clone(),
        );
        registry.register("beseda_messages_committed", "Chat messages committed, by author", m.messages.clone());
        registry.register("beseda_open_connections", "Open WebSockets and held long-polls, by kind", m.held.clone());
        registry.register("beseda_outbox_backlog", "Deliveries waiting in the outbox, by worker", m.backlog.clone());
        registry.register(
            "beseda_outbox_deliveries",
            "Outbox delivery attempts by worker and outcome",
            m.deliveries.clone(),
        );
        registry.register(
            "beseda_delivery_wakeups",
            "Wake-ups of a delivery worker by a published change, by worker",
            m.wakeups.clone(),
        );
        registry.register(
            "beseda_webhook_attempts",
            "Chat event handler calls by outcome and answer status class",
            m.webhook_attempts.clone(),
        );
        registry.register(
            "beseda_scheduler_lag_seconds",
            "How late the scheduler got to a due timer",
            m.scheduler_lag.clone(),
        );
        registry.register(
            "beseda_db_pool_connections",
            "Database connections by pool and state (in_use, idle)",
            m.pool_connections.clone(),
        );
        registry.register("beseda_db_pool_max_connections", "Most connections of each pool", m.pool_max.clone());
        registry.register(
            "beseda_refused_connections",
            "TCP connections closed at accept: their address had max_tcp_connections_per_ip open",
            m.refused_connections.clone(),
        );
        registry.register_collector(Box::new(GroupCommitCollector(store)));
        for worker in WORKERS {
            let _ = m.backlog.get_or_create(&KindLabels { kind: worker.label() });
            let _ = m.wakeups.get_or_create(&KindLabels { kind: worker.label() });
            for outcome in OUTCOMES {
                let _ = m.deliveries.get_or_create(&DeliveryLabels { kind: worker.label(), outcome: outcome.label() });
            }
        }
        for held in [Held::VisitorWebSocket, Held::OperatorWebSocket, Held::LongPoll] {
            let _ = m.held.get_or_create(&held_labels(held));
        }
        Self { registry, ..m }
    }

    /// Counts an answered request; `route` is a route template, never a raw path.
    pub fn request(&self, method: &axum::http::Method, route: &str, status: StatusCode, seconds: f64) {
        let labels = HttpLabels { method: method_label(method), route: route.to_owned(), status: status.as_u16() };
        self.http_requests.get_or_create(&labels).inc();
        self.http_duration.get_or_create(&labels).observe(seconds);
    }

    /// Counts a TCP connection closed at accept (its address was over its limit).
    pub fn connection_refused(&self) {
        self.refused_connections.inc();
    }

    pub fn message(&self, author: Author) {
        let author = match author {
            Author::Visitor => "visitor",
            Author::Operator => "operator",
            Author::Bot => "bot",
        };
        self.messages.get_or_create(&AuthorLabels { author }).inc();
    }

    /// Counts a connection as open until the returned guard is dropped.
    pub fn hold(&self, held: Held) -> Holding {
        let gauge = self.held.get_or_create(&held_labels(held)).clone();
        gauge.inc();
        Holding(gauge)
    }

    /// A published change woke this delivery worker.
    pub fn woken(&self, worker: Worker) {
        self.wakeups.get_or_create(&KindLabels { kind: worker.label() }).inc();
    }

    /// How many times published changes have woken this delivery worker on this node.
    pub fn wakeups(&self, worker: Worker) -> u64 {
        self.wakeups.get_or_create(&KindLabels { kind: worker.label() }).get()
    }

    pub fn delivery(&self, worker: Worker, outcome: Outcome) {
        self.deliveries.get_or_create(&DeliveryLabels { kind: worker.label(), outcome: outcome.label() }).inc();
    }

    /// A chat event handler call: its outcome and the status of the answer, if any.
    pub fn webhook_attempt(&self, outcome: Outcome, status: Option<i64>) {
        let status = match status {
            Some(200..=299) => "2xx",
            Some(300..=399) => "3xx",
            Some(400..=499) => "4xx",
            Some(500..=599) => "5xx",
            Some(_) => "other",
            None => "none",
        };
        self.webhook_attempts.get_or_create(&AttemptLabels { outcome: outcome.label(), status }).inc();
        self.delivery(Worker::Webhooks, outcome);
    }

    /// How late, in microseconds, the scheduler got to a timer that was due.
    pub fn scheduler_lag(&self, micros: i64) {
        self.scheduler_lag.observe(micros.max(0) as f64 / 1e6);
    }

    /// Reads what lives in the store, then renders every metric.
    async fn render(&self, store: &dyn Store) -> Result<String, std::fmt::Error> {
        match store.outbox_backlog().await {
            Ok(rows) => {
                let mut counts = [0i64; WORKERS.len()];
                for (kind, n) in rows {
                    if let Some(i) = Worker::of_kind(&kind).and_then(|w| WORKERS.iter().position(|x| *x == w)) {
                        counts[i] += n;
                    }
                }
                for (worker, n) in WORKERS.iter().zip(counts) {
                    self.backlog.get_or_create(&KindLabels { kind: worker.label() }).set(n);
                }
            }
            // The previous figures stay; /readyz and the workers report a database that is down.
            Err(e) => tracing::debug!(error = %e, "outbox backlog not read"),
        }
        for p in store.pool_stats() {
            let in_use = i64::from(p.size.saturating_sub(p.idle));
            self.pool_connections.get_or_create(&PoolLabels { pool: p.pool, state: "in_use" }).set(in_use);
            self.pool_connections.get_or_create(&PoolLabels { pool: p.pool, state: "idle" }).set(i64::from(p.idle));
            self.pool_max.get_or_create(&PoolNameLabels { pool: p.pool }).set(i64::from(p.max));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

fn held_labels(held: Held) -> KindLabels {
    KindLabels {
        kind: match held {
            Held::VisitorWebSocket => "visitor_websocket",
            Held::OperatorWebSocket => "operator_websocket",
            Held::LongPoll => "long_poll",
        },
    }
}

/// The standard methods by name; anything else as `other`, so clients cannot add series.
fn method_label(method: &axum::http::Method) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    KNOWN.into_iter().find(|m| *m == method.as_str()).unwrap_or("other")
}

/// An open connection counted by [`Metrics::hold`].
pub struct Holding(Gauge);

impl Drop for Holding {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The group committer's batch sizes, read from the store at scrape time.
struct GroupCommitCollector(Arc<dyn Store>);

impl std::fmt::Debug for GroupCommitCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupCommitCollector")
    }
}

impl prometheus_client::collector::Collector for GroupCommitCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(stats) = self.0.group_commit_stats() else { return Ok(()) };
        let buckets: Vec<(f64, u64)> = stats.batches.iter().map(|(bound, n)| (*bound as f64, *n)).collect();
        let histogram = BatchHistogram { sum: stats.changes as f64, count: stats.transactions, buckets };
        let metric = encoder.encode_descriptor(
            "beseda_group_commit_batch_size",
            "Changes carried by each group-commit transaction (SQLite)",
            None,
            histogram.metric_type(),
        )?;
        histogram.encode(metric)?;
        let busy = prometheus_client::metrics::counter::ConstCounter::new(stats.busy_micros as f64 / 1e6);
        let metric = encoder.encode_descriptor(
            "beseda_group_commit_busy",
            "Time the SQLite writer spent running and committing batches (a rate near 1 means it is the bottleneck)",
            Some(&prometheus_client::registry::Unit::Seconds),
            busy.metric_type(),
        )?;
        busy.encode(metric)
    }
}

struct BatchHistogram {
    sum: f64,
    count: u64,
    buckets: Vec<(f64, u64)>,
}

impl EncodeMetric for BatchHistogram {
    fn encode(&self, mut encoder: prometheus_client::encoding::MetricEncoder) -> Result<(), std::fmt::Error> {
        // The +Inf bucket holds every transaction.
        let mut buckets = self.buckets.clone();
        buckets.push((f64::INFINITY, self.count));
        encoder.encode_histogram::<NoLabelSet>(self.sum, self.count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// Whether the request may read the metrics: with a configured token, only with that bearer
/// token; without one, only from a loopback address with no proxy in between.
fn allowed(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    if let Some(token) = state.config.metrics_token.as_ref().map(|t| t.expose()) {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        return crate::auth::same(given.trim(), token);
    }
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"].iter().any(|h| headers.contains_key(*h));
    peer.is_some_and(|p| p.ip().to_canonical().is_loopback()) && !forwarded
}

/// `GET /metrics`.
pub async fn scrape(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    if !allowed(&state, peer, req.headers()) {
        let why = if state.config.metrics_token.is_some() {
            "metrics need the metrics token (Authorization: Bearer …)"
        } else {
            "metrics are served to this machine only (loopback, without proxy headers); set metrics_token to scrape from elsewhere"
        };
        return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", why));
    }
    let text = state.metrics.render(state.store.as_ref()).await.map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response())
}
