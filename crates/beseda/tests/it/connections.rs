//! Long-lived connections per client address: WebSockets and held long-polls count against
//! `max_connections_per_ip`; one more is refused with 429 `too-many-connections` and a slot is
//! given back when a connection ends.

use crate::common;

use beseda_server::state::ServerConfig;
use common::*;
use std::time::Duration;

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_sockets() {
    let config =
        ServerConfig { max_connections_per_ip: 3, longpoll_hold: Duration::from_secs(2), ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let v = server.visitor().await;
    let mut sockets = vec![v.ws(0).await, v.ws(0).await];
    // A held long-poll is the third connection.
    let poll = {
        let (http, url) = (server.http.clone(), server.url("/l/v/m/delta"));
        let q = [("page-id", v.page_id.clone()), ("auth-token", v.auth_token.clone()), ("since", "1".into())];
        tokio::spawn(async move { http.get(url).query(&q).send().await.expect("long-poll").status().as_u16() })
    };
    let url = format!("{}?page-id={}&auth-token={}&since=0", server.ws_url("/l/v/m/ws"), v.page_id, v.auth_token);
    let refused = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match tokio_tungstenite::connect_async(url.as_str()).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => break resp,
                Ok((ws, _)) => {
                    // The long-poll had not started waiting yet.
                    drop(ws);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("unexpected: {e}"),
            }
        }
    })
    .await
    .expect("the fourth connection is refused");
    assert_eq!(refused.status().as_u16(), 429);
    let body: serde_json::Value =
        serde_json::from_slice(refused.body().as_deref().unwrap_or_default()).expect("a JSON error");
    assert_eq!(body["error"], "too-many-connections");
    // Closing a socket gives its slot back.
    sockets.pop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (again, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("a slot was given back");
    drop(again);
    assert_eq!(poll.await.expect("poll"), 200);
    drop(sockets);
    server.stop().await;
}
