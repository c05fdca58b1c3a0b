//! Beseda's transports: the Webim visitor protocol (`/l/v/m/*` and its WebSocket), Beseda's
//! operator API with its event stream, health checks, and the route table they share.

pub mod access;
pub mod admin;
pub mod allowlist;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod bot;
pub mod bus;
pub mod channel;
pub mod chat_history;
pub mod connections;
pub mod console;
pub mod crm;
pub mod demo;
pub mod error;
pub mod extract;
pub mod file_headers;
pub mod health;
pub mod images;
pub mod limits;
pub mod listener;
pub mod log_backoff;
pub mod mail;
pub mod messenger;
pub mod metrics;
pub mod mobile_push;
pub mod openapi;
pub mod operator;
pub mod operator_log;
pub mod origin;
pub mod outbound;
pub mod params;
pub mod push;
pub mod rate;
pub mod routes;
pub mod scheduler;
pub mod settings;
pub mod state;
pub mod stored;
pub mod throttle;
pub mod thumbnail;
pub mod visitor;
pub mod webhook;
pub mod widget;

pub use routes::router;
pub use state::{ApiUrls, AppState, ServerConfig};

use std::future::Future;
use tokio::net::TcpListener;

/// Serves `state` on `listener` until `shutdown` resolves, then drains connections.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let maintenance = tokio::spawn(state::maintenance(state.clone()));
    let scheduler = tokio::spawn(scheduler::run(state.clone()));
    let bots = tokio::spawn(bot::delivery::run(state.clone()));
    let channels = tokio::spawn(channel::outbound::run(state.clone()));
    let webhooks = tokio::spawn(webhook::run(state.clone()));
    let mail = tokio::spawn(mail::run(state.clone()));
    let crm = tokio::spawn(crm::run(state.clone()));
    let push = tokio::spawn(push::run(state.clone()));
    let mobile_push = tokio::spawn(mobile_push::run(state.clone()));
    let operator_log = tokio::spawn(operator_log::run(state.clone()));
    let closing = state.closing.clone();
    let shutdown = async move {
        shutdown.await;
        closing.cancel();
    };
    let result = listener::run(listener, router(state.clone()), &state, shutdown).await;
    maintenance.abort();
    scheduler.abort();
    bots.abort();
    channels.abort();
    webhooks.abort();
    mail.abort();
    crm.abort();
    push.abort();
    mobile_push.abort();
    operator_log.abort();
    result
}
