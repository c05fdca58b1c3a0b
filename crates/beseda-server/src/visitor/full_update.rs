//! `fullUpdate`: the whole state of a visit session (visitor-api.md §5).

use beseda_core::presence;
use beseda_core::state::OnlineStatus;
use beseda_core::wire::{self, MessagePolicy};
use beseda_store::{PageAuth, Snapshot};
use serde_json::{json, Value};

/// Renders `{"revision": R, "fullUpdate": {...}}`.
pub fn render(page: &PageAuth, s: &Snapshot, now: i64) -> Value {
    let policy = MessagePolicy::from_settings(&s.settings);
    let chat = s.chat.as_ref().map(|c| wire::chat(&c.chat, &c.messages, c.operator.as_ref(), &c.ratings, policy));
    let departments: Vec<Value> = s
        .departments
        .iter()
        .map(|d| {
            let status = presence::status_for(&s.online_operators, Some(&d.key));
            wire::department(d, presence::with_limits(status, s.queue_counts.0, s.queue_counts.1, &s.settings))
        })
        .collect();
    let offered: Vec<String> = s.departments.iter().map(|d| d.key.clone()).collect();
    let (waiting_online, waiting_offline) = s.queue_counts;
    let online_status = presence::with_limits(
        presence::placement_status(&s.online_operators, &offered),
        waiting_online,
        waiting_offline,
        &s.settings,
    );
    let visitor = wire::visitor(&s.visitor);
    let hello = s.placement.hello_message.trim();
    json!({
        "revision": s.revision.max(1),
        "fullUpdate": {
            "authToken": page.auth_token,
            "pageId": page.page_id.as_str(),
            "visitSessionId": s.session.id.as_str(),
            "visitor": visitor,
            "visitorFull": visitor,
            "state": s.session.state.as_str(),
            "chat": chat,
            "departments": departments,
            "onlineStatus": online_status.as_str(),
            "onlineOperators": online_status == OnlineStatus::Online,
            "historyRevision": s.visitor.history_revision,
            "hintsEnabled": false,
            "survey": null,
            "showHelloMessage": s.chat.is_none() && !hello.is_empty(),
            "helloMessageDescr": beseda_core::markdown::to_plain(hello, false),
            "helloMessageMarkdown": hello,
            "chatStartAfterMessage": s.settings.chat_start_after_message,
            "pollingPeriod": 2,
            "normalPollingPeriod": 10,
            "currentTime": now / 1_000_000,
            "visitorNumber": null,
            "cobrowsingSession": null,
        }
    })
}
