//! Connection hygiene through the real binary: one address holding thousands of idle TCP
//! connections does not shut others out (it keeps at most `max_tcp_connections_per_ip`, the
//! rest are closed at accept), a client that never finishes its headers is disconnected after
//! `header_timeout_secs`, and so is an idle keep-alive connection.

use crate::common;

use common::{free_port, wait_ready, Installation};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// `beseda serve` on `port` over `installation` with at most 1024 file descriptors and extra
/// `BESEDA_*` settings.
fn spawn_limited(installation: &Installation, port: u16, env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new("prlimit");
    cmd.arg("--nofile=1024:1024")
        .arg(env!("CARGO_BIN_EXE_beseda"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("BESEDA_DATABASE_URL")
        .env_remove("BESEDA_NATS_URL")
        .env_remove("BESEDA_CONFIG")
        .env("BESEDA_LOG_LEVEL", "warn");
    installation.apply(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn beseda under prlimit")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A connection from 127.0.0.2, another address than the flood's 127.0.0.1.
async fn connect_from_other_address(addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind("127.0.0.2:0".parse().expect("address")).expect("bind 127.0.0.2");
    socket.connect(addr).await.expect("connect")
}

/// Reads until the peer closes the connection (or fails it); the bytes read.
async fn read_to_close(tcp: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => return seen,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn thousands_of_idle_connections_from_one_address_do_not_shut_others_out() {
    let dir = Installation::new().await;
    let port = free_port();
    let _server = Server(spawn_limited(&dir, port, &[("BESEDA_MAX_TCP_CONNECTIONS_PER_IP", "256")]));
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    wait_ready(&addr.to_string()).await;

    // 1,500 idle connections from 127.0.0.1: more than the cap, more than the server's files.
    let mut flood = Vec::new();
    for _ in 0..1500 {
        if let Ok(Ok(tcp)) = tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
            flood.push(tcp);
        }
    }
    assert!(flood.len() > 1024, "the flood got through the handshake ({} connections)", flood.len());

    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(3), async {
        let mut tcp = connect_from_other_address(addr).await;
        tcp.write_all(b"GET /readyz HTTP/1.1\r\nHost: beseda\r\nConnection: close\r\n\r\n").await.expect("write");
        read_to_close(&mut tcp).await
    })
    .await
    .expect("/readyz answers another address within 3 s despite the flood");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    println!("/readyz answered in {:?} with {} idle connections open", started.elapsed(), flood.len());

    // The flood's connections beyond the cap were closed by the server.
    let mut closed = 0;
    for tcp in &mut flood {
        let mut byte = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(5), tcp.read(&mut byte)).await {
            closed += 1;
        }
    }
    assert!(closed >= flood.len() - 256, "{closed} of {} closed; at most 256 may stay", flood.len());
}

#[tokio::test]
async fn slow_headers_and_idle_keep_alive_connections_are_closed_after_the_header_timeout() {
    let dir = Installation::new().await;
    let port = free_port();
    let _server = Server(spawn_limited(&dir, port, &[("BESEDA_HEADER_TIMEOUT_SECS", "1")]));
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    wait_ready(&addr.to_string()).await;

    // A partial request line, then nothing.
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"GET /readyz HT").await.expect("write");
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), read_to_close(&mut slow))
        .await
        .expect("a client that never finishes its headers is disconnected");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(800), "disconnected too early: {waited:?}");

    // One request answered, then the connection stays idle.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    idle.write_all(b"GET /readyz HTTP/1.1\r\nHost: beseda\r\n\r\n").await.expect("write");
    let mut buf = [0u8; 4096];
    let n = idle.read(&mut buf).await.expect("answer");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
    assert!(!buf[..n].windows(17).any(|w| w.eq_ignore_ascii_case(b"connection: close")), "kept alive");
    let started = Instant::now();
    let rest = tokio::time::timeout(Duration::from_secs(5), read_to_close(&mut idle))
        .await
        .expect("an idle keep-alive connection is closed");
    assert!(rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"), "{}", String::from_utf8_lossy(&rest));
    assert!(started.elapsed() >= Duration::from_millis(800), "closed too early: {:?}", started.elapsed());
}
