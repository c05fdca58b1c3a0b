//! Publishing a committed change: the scheduler's changes wake the deliveries like a request's
//! do, and a change wakes only the delivery workers it queued work for
//! (`beseda_delivery_wakeups`).

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_core::time::ManualClock;
use beseda_server::metrics::{Worker, WORKERS};
use common::mock_http::{MockHttp, Recorded};
use common::*;
use std::sync::Arc;
use std::time::Duration;

/// The calls of one chat event, by `X-Beseda-Event`.
fn of(requests: &[Recorded], event: &str) -> Vec<Recorded> {
    requests.iter().filter(|r| r.header("x-beseda-event") == Some(event)).cloned().collect()
}

fn wakeups(server: &TestServer) -> Vec<(&'static str, u64)> {
    WORKERS.iter().map(|w| (w.label(), server.state.metrics.wakeups(*w))).collect()
}

/// A chat closed by a timer (the inactivity timeout) reaches its handler at once: the
/// scheduler publishes what the timer changed like a request does, and that wakes the chat
/// event delivery instead of leaving the event to its next poll.
#[tokio::test]
async fn a_chat_closed_by_a_timer_wakes_the_delivery_to_its_handler() {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let mock = MockHttp::start().await;
    let url = mock.url("/events");
    server
        .settings(|s| {
            s.chat_events_handler_url = url;
            s.auto_close_timeout_secs = 900;
        })
        .await;
    let v = server.visitor().await;
    v.send("q", "Вопрос").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.reply(chat, "a", "Здравствуйте").await.0, 200);
    // Read, so the close does not wait for the visitor to read the answer.
    v.ok("chat.read_by_visitor", &[]).await;
    mock.wait_until(10, |r| of(r, "chat_assigned").len() == 1).await;
    assert!(of(&mock.requests(), "chat_closed").is_empty());
    let woken = server.state.metrics.wakeups(Worker::Webhooks);
    clock.advance(Duration::from_secs(901));
    server.tick().await;
    assert!(server.state.metrics.wakeups(Worker::Webhooks) > woken, "the fired timer's change woke the delivery");
    let seen = mock.wait_until(10, |r| !of(r, "chat_closed").is_empty()).await;
    let closed = of(&seen, "chat_closed");
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].json()["chat"]["id"], chat, "{}", closed[0].json());
    server.stop().await;
}

/// With no chat event handler, bot, channel, CRM, e-mail or push configured, a visitor's
/// message in a running chat queues nothing for the deliveries, and wakes none of them (a
/// woken worker runs its claim queries).
#[tokio::test]
async fn a_plain_visitor_message_wakes_no_delivery() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    v.send("q1", "Здравствуйте").await;
    v.chat_id().await;
    let before = wakeups(&server);
    // Committed (and published) before the answer.
    v.send("q2", "Есть кто-нибудь?").await;
    assert_eq!(wakeups(&server), before);
    server.stop().await;
}
