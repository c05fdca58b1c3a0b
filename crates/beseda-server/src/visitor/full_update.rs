//! `fullUpdate`: the whole state of a visit session (visitor-api.md §5).

use beseda_core::presence;
use beseda_core::protocol::visitor::{Chat, Department, FullUpdate, FullUpdateAnswer, MessagePolicy, Visitor};
use beseda_store::{PageAuth, Snapshot};

/// Renders `{"revision": R, "fullUpdate": {...}}`.
pub fn render(page: &PageAuth, s: &Snapshot, now: i64) -> FullUpdateAnswer {
    let policy = MessagePolicy::from_settings(&s.settings);
    let chat = s.chat.as_ref().map(|c| {
        Chat::new(&c.chat, &c.messages, c.operator.as_ref(), &c.ratings, policy).with_resolutions(&c.resolutions)
    });
    let departments: Vec<Department> = s
        .departments
        .iter()
        .map(|d| {
            let status = presence::status_for(&s.online_operators, Some(&d.key));
            Department::new(d, presence::with_limits(status, s.queue_counts.0, s.queue_counts.1, &s.settings))
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
    let visitor = Visitor::new(&s.visitor);
    let hello = s.placement.hello_message.trim();
    FullUpdateAnswer {
        revision: s.revision.max(1),
        full_update: Box::new(FullUpdate {
            auth_token: page.auth_token.clone(),
            page_id: page.page_id.as_str().to_owned(),
            visit_session_id: s.session.id.as_str().to_owned(),
            visitor_full: visitor.clone(),
            visitor,
            state: s.session.state.as_str().to_owned(),
            chat,
            departments,
            online_status: online_status.as_str().to_owned(),
            online_operators: online_status.operators_online(),
            history_revision: s.visitor.history_revision,
            hints_enabled: false,
            survey: s.survey.clone(),
            show_hello_message: s.chat.is_none() && !hello.is_empty(),
            hello_message_descr: beseda_core::markdown::to_plain(hello, false),
            hello_message_markdown: hello.to_owned(),
            chat_start_after_message: s.settings.chat_start_after_message,
            polling_period: 2,
            normal_polling_period: 10,
            current_time: now / 1_000_000,
            visitor_number: None,
            cobrowsing_session: None,
        }),
    }
}
