//! The accept loop. Every TCP connection is counted against its peer address (the socket's,
//! never a forwarded one) and closed at once beyond `max_tcp_connections_per_ip`; a client
//! must send a request's headers within `header_timeout`, counted from the moment the server
//! waits for them: after the accept, and after each answer on a kept-alive connection — so an
//! idle keep-alive connection is closed after the same time. Request heads are bounded in size.

use crate::connections::Connections;
use crate::log_backoff::LogBackoff;
use crate::state::AppState;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::Service;

/// Largest request head (request line and headers), in bytes.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Most header fields in one request.
pub const MAX_HEADERS: usize = 100;

/// Accepts connections on `listener` and serves `app` on them until `shutdown` resolves; then
/// stops accepting, asks every connection to close after its current request, and waits for them.
pub async fn run(
    listener: TcpListener,
    app: Router,
    state: &AppState,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut make = app.into_make_service_with_connect_info::<SocketAddr>();
    let counts = Arc::new(Connections::default());
    let limit = state.config.max_tcp_connections_per_ip;
    let exempt: Arc<[IpAddr]> = state.config.trusted_proxies.clone().into();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(state.config.header_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS);
    // Every connection task holds a receiver; the sender learns when the last one is gone.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    let accept_log = LogBackoff::default();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    accept_log.succeeded("accepting connections");
                    accepted
                }
                Err(e) => {
                    accept_failed(e, &accept_log).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = if exempt.contains(&peer.ip()) {
            None
        } else {
            match counts.acquire(peer.ip(), limit) {
                Some(slot) => Some(slot),
                None => {
                    // Dropped unanswered: an address over its share gets no reply worth waiting for.
                    state.metrics.connection_refused();
                    tracing::debug!(ip = %peer.ip(), "TCP connection limit reached");
                    continue;
                }
            }
        };
        // Small frames (an event, an acknowledgement) go out at once instead of waiting for the
        // peer's delayed acknowledgement of the previous one (Nagle's algorithm).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        let service = make.call(peer).await.unwrap_or_else(|never| match never {});
        tokio::spawn(connection(http.clone(), tcp, TowerToHyperService::new(service), stop_rx.clone(), slot));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(stop_rx);
    stop_tx.closed().await;
    Ok(())
}

/// Serves one connection until it ends, or until the server stops (after its current request).
async fn connection<S>(
    http: http1::Builder,
    tcp: TcpStream,
    service: S,
    mut stop: watch::Receiver<bool>,
    _slot: Option<crate::connections::Slot>,
) where
    S: hyper::service::Service<hyper::Request<hyper::body::Incoming>, Response = axum::response::Response>
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut conn = pin!(http.serve_connection(TokioIo::new(tcp), service).with_upgrades());
    let mut stopping = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(error = %e, "connection ended");
                }
                return;
            }
            changed = stop.wait_for(|stop| *stop), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// A failed accept: the peer gave up (go on), or the process is out of descriptors or memory
/// (wait a moment rather than spin; connections that end meanwhile free some).
async fn accept_failed(e: std::io::Error, log: &LogBackoff) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    log.failed("accepting connections", &e);
    tokio::time::sleep(Duration::from_millis(50)).await;
}
