//! The store suite: every test runs on SQLite, and on PostgreSQL when
//! `BESEDA_TEST_DATABASE_URL` is set (otherwise each prints a `SKIPPED` line).

use beseda_core::state::{ChatState, MessageKind, OperatorRole, OperatorStatus};
use beseda_core::time::{Clock, ManualClock};
use beseda_store::*;
use std::sync::Arc;

struct Fresh {
    store: Arc<dyn Store>,
    dir: std::path::PathBuf,
    url: Option<String>,
    clock: Arc<ManualClock>,
}

impl Fresh {
    /// The same database opened again, as after a restart.
    async fn reopen(&self) -> Arc<dyn Store> {
        let options = StoreOptions { clock: self.clock.clone(), ..StoreOptions::default() };
        let store = beseda_store::open(self.url.as_deref(), &self.dir, &options).await.expect("reopen");
        store.migrate().await.expect("migrate");
        store
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh SQLite store.
async fn open_sqlite() -> Fresh {
    open(None).await
}

/// A fresh PostgreSQL store for `test`, or `None` (the skip is reported) without a server.
async fn open_postgres(test: &str) -> Option<Fresh> {
    let server = testing::database_url(test)?;
    Some(open(Some(testing::fresh_postgres_database(&server).await.expect("fresh database"))).await)
}

async fn open(url: Option<String>) -> Fresh {
    let dir = std::env::temp_dir().join(format!("beseda-store-{}", beseda_core::ids::hex_id()));
    let clock = Arc::new(ManualClock::new());
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = beseda_store::open(url.as_deref(), &dir, &options).await.expect("open");
    store.migrate().await.expect("migrate");
    store.migrate().await.expect("migrations are idempotent");
    Fresh { store, dir, url, clock }
}

macro_rules! suite {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let fresh = super::open_sqlite().await;
                super::$name(&fresh).await;
            })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(fresh) = super::open_postgres(concat!("store::postgres::", stringify!($name))).await {
                    super::$name(&fresh).await;
                }
            })+
        }
    };
}

suite!(
    operators_are_unique_by_email,
    messages_are_idempotent_and_revisions_grow,
    deltas_replay_exactly_and_old_revisions_get_full_updates,
    operator_events_are_gapless,
    one_operator_wins_concurrent_takes,
    history_revisions_order_changes,
    unknown_url_schemes_are_refused,
    pruned_logs_send_clients_a_full_update,
    timers_survive_a_restart_and_fire_once,
    routing_invariants_hold_under_concurrency,
    concurrent_messages_all_commit_and_refusals_write_nothing,
);

fn new_operator(email: &str) -> NewOperator {
    NewOperator {
        email: email.into(),
        name: "Op".into(),
        role: OperatorRole::Operator,
        password_hash: "x".into(),
        languages: vec!["ru".into()],
        department_keys: vec![],
        max_chats: None,
        must_change_password: false,
    }
}

async fn visitor(store: &Arc<dyn Store>) -> VisitorCtx {
    let out = store
        .init_visit(&InitVisit { location: "default".into(), session_ttl_micros: 86_400_000_000, ..Default::default() })
        .await
        .expect("init");
    out.page.ctx()
}

fn text(csid: &str, text: &str) -> VisitorMessage {
    VisitorMessage { client_side_id: csid.into(), text: text.into(), ..Default::default() }
}

/// Many visitors write at once (on SQLite the changes share commits): every accepted message is
/// stored once, every refused one left nothing, and the operator log has no gaps.
async fn concurrent_messages_all_commit_and_refusals_write_nothing(fresh: &Fresh) {
    let store = fresh.store.clone();
    let start = store.last_operator_event().await.expect("last");
    let counts_before = store.group_commit_counts();
    let mut visitors = Vec::new();
    for _ in 0..20 {
        visitors.push(visitor(&store).await);
    }
    let mut sends = Vec::new();
    for (i, v) in visitors.iter().enumerate() {
        for k in 0..10 {
            sends.push((true, v, format!("c{i}-{k}"), "hi"));
        }
        sends.push((false, v, format!("empty{i}"), "  "));
    }
    let sends = sends.into_iter().map(|(valid, v, csid, body)| {
        let store = store.clone();
        async move { (valid, store.visitor_message(v, &text(&csid, body)).await) }
    });
    for (valid, outcome) in futures_util::future::join_all(sends).await {
        match (valid, outcome) {
            (true, Ok(changes)) => assert!(!changes.sessions.is_empty(), "an accepted message reaches its session"),
            (false, Err(StoreError::Domain(beseda_core::DomainError::MessageEmpty))) => {}
            (valid, other) => panic!("valid={valid}: {other:?}"),
        }
    }
    for v in &visitors {
        let chat = store.current_chat(&v.visitor_id, "default").await.expect("read").expect("chat");
        let detail = store.chat(chat.id).await.expect("read").expect("detail");
        let mut csids: Vec<&str> = detail.messages.iter().map(|m| m.client_side_id.as_str()).collect();
        csids.sort();
        assert_eq!(csids.len(), 10, "ten messages, none lost or doubled: {csids:?}");
        assert!(csids.iter().all(|t| t.starts_with('c')), "no refused message was stored");
    }
    let events = store.operator_events(start, 10_000).await.expect("events");
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (start + 1..=start + seqs.len() as i64).collect::<Vec<_>>(), "no gaps");
    assert!(events.iter().filter(|e| e.event["type"] == "message_added").count() >= 200);
    match (counts_before, store.group_commit_counts()) {
        (Some((t0, c0)), Some((t1, c1))) => {
            assert!(c1 - c0 >= 220, "every change went through the group committer");
            assert!(t1 - t0 < c1 - c0, "commits were shared: {} transactions for {} changes", t1 - t0, c1 - c0);
        }
        (None, None) => assert_eq!(store.backend(), "postgres", "only PostgreSQL commits each change alone"),
        other => panic!("{other:?}"),
    }
}

async fn operators_are_unique_by_email(fresh: &Fresh) {
    let store = fresh.store.clone();
    store.create_operator(&new_operator("a@x.io")).await.expect("first");
    match store.create_operator(&new_operator("a@x.io")).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    let mut bad_dept = new_operator("b@x.io");
    bad_dept.department_keys = vec!["nope".into()];
    assert!(store.create_operator(&bad_dept).await.is_err());
    assert_eq!(store.operators().await.expect("list").len(), 1, "the refused operator left nothing behind");
}

async fn messages_are_idempotent_and_revisions_grow(fresh: &Fresh) {
    let store = fresh.store.clone();
    let v = visitor(&store).await;
    let a = store.visitor_message(&v, &text("m1", "hello")).await.expect("send");
    let b = store.visitor_message(&v, &text("m1", "hello")).await.expect("retry");
    assert!(!a.sessions.is_empty());
    assert!(b.sessions.is_empty(), "a retry appends nothing");
    let c = store.visitor_message(&v, &text("m2", "again")).await.expect("second");
    assert!(c.sessions[0].1 > a.sessions[0].1);
    let chat = store.current_chat(&v.visitor_id, "default").await.expect("read").expect("chat");
    let detail = store.chat(chat.id).await.expect("read").expect("detail");
    assert_eq!(detail.messages.len(), 2);
    assert_eq!(detail.chat.state, ChatState::OfflineQueue, "nobody online: an offline chat");
}

async fn deltas_replay_exactly_and_old_revisions_get_full_updates(fresh: &Fresh) {
    let store = fresh.store.clone();
    let v = visitor(&store).await;
    let session = v.visit_session_id.clone();
    let _ = store.visitor_message(&v, &text("d1", "one")).await.expect("send");
    let DeltaRead::Items { revision: r1, items: first } = store.deltas(&session, 1, 1000).await.expect("read") else {
        panic!("items expected");
    };
    let _ = store.visitor_message(&v, &text("d2", "two")).await.expect("send");
    let DeltaRead::Items { revision: r2, items: second } = store.deltas(&session, r1, 1000).await.expect("read") else {
        panic!("items expected");
    };
    assert!(r2 > r1);
    let DeltaRead::Items { items: all, .. } = store.deltas(&session, 1, 1000).await.expect("read") else {
        panic!("items expected");
    };
    assert_eq!(all, [first, second].concat());
    assert_eq!(store.deltas(&session, 0, 1000).await.expect("read"), DeltaRead::Full);
    assert_eq!(store.deltas(&session, r2 + 5, 1000).await.expect("read"), DeltaRead::Full);
    assert_eq!(store.deltas(&session, r2, 1000).await.expect("read"), DeltaRead::Items { revision: r2, items: vec![] });
    let unknown = beseda_core::ids::VisitSessionId::random();
    assert_eq!(store.deltas(&unknown, 1, 1000).await.expect("read"), DeltaRead::Full);
}

async fn operator_events_are_gapless(fresh: &Fresh) {
    let store = fresh.store.clone();
    let op = store.create_operator(&new_operator("e@x.io")).await.expect("op");
    let start = store.last_operator_event().await.expect("last");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let v = visitor(&store).await;
            let _ = store.visitor_message(&v, &text(&format!("g{i}"), "x")).await.expect("send");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let _ = store.set_operator_status(op.id, OperatorStatus::Online).await.expect("status");
    let events = store.operator_events(start, 1000).await.expect("events");
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (start + 1..=start + seqs.len() as i64).collect();
    assert_eq!(seqs, expected, "sequence numbers have no gaps");
    assert!(events.len() >= 9);
    assert!(events.iter().all(|e| e.event["seq"].as_i64() == Some(e.seq)));
}

async fn one_operator_wins_concurrent_takes(fresh: &Fresh) {
    let store = fresh.store.clone();
    let mut ops = Vec::new();
    for i in 0..4 {
        ops.push(store.create_operator(&new_operator(&format!("t{i}@x.io"))).await.expect("op").id);
    }
    for round in 0..5 {
        let v = visitor(&store).await;
        let _ = store.visitor_message(&v, &text(&format!("t{round}"), "help")).await.expect("send");
        let chat = store.current_chat(&v.visitor_id, "default").await.expect("read").expect("chat").id;
        let mut tasks = Vec::new();
        for op in &ops {
            let (store, op) = (store.clone(), *op);
            tasks.push(tokio::spawn(async move { store.take_chat(op, chat).await.is_ok() }));
        }
        let mut wins = 0;
        for t in tasks {
            if t.await.expect("task") {
                wins += 1;
            }
        }
        assert_eq!(wins, 1, "exactly one operator takes chat {chat:?}");
        let detail = store.chat(chat).await.expect("read").expect("chat");
        assert_eq!(detail.chat.state, ChatState::Chatting);
        let joined = detail.messages.iter().filter(|m| m.kind == MessageKind::Info).count();
        assert_eq!(joined, 1, "one 'operator joined' message");
    }
}

async fn history_revisions_order_changes(fresh: &Fresh) {
    let store = fresh.store.clone();
    let v = visitor(&store).await;
    for i in 0..5 {
        let _ = store.visitor_message(&v, &text(&format!("h{i}"), &format!("m{i}"))).await.expect("send");
    }
    let first = store.history(&v.visitor_id, HistoryQuery::Since(0)).await.expect("history");
    assert_eq!(first.messages.len(), 5);
    let texts: Vec<&str> = first.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["m0", "m1", "m2", "m3", "m4"]);
    let _ = store.visitor_message(&v, &text("h1", "m1 edited")).await.expect("edit");
    let next = store.history(&v.visitor_id, HistoryQuery::Since(first.revision)).await.expect("history");
    assert_eq!(next.messages.len(), 1);
    assert_eq!(next.messages[0].text, "m1 edited");
    assert!(next.revision > first.revision);
    let none = store.history(&v.visitor_id, HistoryQuery::Since(next.revision)).await.expect("history");
    assert!(none.messages.is_empty());
    assert_eq!(none.revision, next.revision, "since is echoed when nothing changed");
}

async fn unknown_url_schemes_are_refused(_fresh: &Fresh) {
    let dir = std::env::temp_dir();
    match beseda_store::open(Some("mysql://localhost/x"), &dir, &StoreOptions::default()).await {
        Err(StoreError::Config(m)) => assert!(m.contains("mysql"), "{m}"),
        Err(other) => panic!("expected a configuration error, got {other}"),
        Ok(_) => panic!("expected a configuration error"),
    }
}

async fn pruned_logs_send_clients_a_full_update(fresh: &Fresh) {
    let store = fresh.store.clone();
    let v = visitor(&store).await;
    for i in 0..4 {
        let _ = store.visitor_message(&v, &text(&format!("p{i}"), "x")).await.expect("send");
    }
    let DeltaRead::Items { revision, .. } = store.deltas(&v.visit_session_id, 1, 1000).await.expect("read") else {
        panic!("items expected");
    };
    // Keep only the last 2 items (and nothing by age).
    fresh.clock.advance(std::time::Duration::from_millis(1));
    let pruned = store.prune_session_events(2, 0).await.expect("prune");
    assert!(pruned > 0);
    assert_eq!(store.deltas(&v.visit_session_id, 1, 1000).await.expect("read"), DeltaRead::Full);
    let DeltaRead::Items { items, .. } = store.deltas(&v.visit_session_id, revision - 2, 1000).await.expect("read")
    else {
        panic!("the retained tail is still served as deltas");
    };
    assert_eq!(items.len(), 2);
    // Retention by age: nothing younger than an hour is removed.
    let _ = store.visitor_message(&v, &text("p9", "y")).await.expect("send");
    assert_eq!(store.prune_session_events(0, 3_600_000_000).await.expect("prune"), 0);
    // Later runs look only at sessions written lately, and still find what grew since: two
    // hours on, the items kept above for their age go, and a second visitor's log is pruned too.
    let w = visitor(&store).await;
    for i in 0..4 {
        let _ = store.visitor_message(&w, &text(&format!("w{i}"), "x")).await.expect("send");
    }
    fresh.clock.advance(std::time::Duration::from_secs(2 * 3600));
    assert!(store.prune_session_events(2, 3_600_000_000).await.expect("prune") > 0);
    for session in [&v.visit_session_id, &w.visit_session_id] {
        assert_eq!(store.deltas(session, 1, 1000).await.expect("read"), DeltaRead::Full, "pruned up to the last 2");
    }
    assert_eq!(store.prune_session_events(2, 3_600_000_000).await.expect("prune"), 0, "nothing left to prune");
}

async fn timers_survive_a_restart_and_fire_once(fresh: &Fresh) {
    let store = fresh.store.clone();
    let mut settings = store.settings().await.expect("settings");
    settings.first_answer_timeout_secs = 60;
    store.save_settings(&settings).await.expect("save");
    let v = visitor(&store).await;
    let _ = store.visitor_message(&v, &text("t1", "anyone?")).await.expect("send");
    let due = store.next_timer_due().await.expect("due").expect("a pending timer");
    assert_eq!(due, fresh.clock.now() + 60_000_000);
    drop(store);
    // "Restart": a new store over the same database; the deadline is still there.
    let store = fresh.reopen().await;
    assert_eq!(store.next_timer_due().await.expect("due"), Some(due));
    assert!(store.fire_due_timers(100).await.expect("fire").sessions.is_empty(), "nothing is due yet");
    fresh.clock.advance(std::time::Duration::from_secs(61));
    // Two schedulers racing: the timer fires exactly once.
    let (a, b) = tokio::join!(store.fire_due_timers(100), fresh.store.fire_due_timers(100));
    let fired = usize::from(!a.expect("fire").sessions.is_empty()) + usize::from(!b.expect("fire").sessions.is_empty());
    assert_eq!(fired, 1);
    let chat = store.current_chat(&v.visitor_id, "default").await.expect("read").expect("chat");
    let detail = store.chat(chat.id).await.expect("read").expect("chat");
    assert_eq!(detail.messages.iter().filter(|m| m.kind == MessageKind::OperatorBusy).count(), 1);
    // What is left is the inactivity close, a day after the message.
    let sent = due - 60_000_000;
    assert_eq!(store.next_timer_due().await.expect("due"), Some(sent + 86_400_000_000));
}

/// 1,000 chats, 50 operators with random capacities; visitors write while operators take,
/// redirect and close and auto-assignment runs. Nobody is assigned over capacity by
/// auto-assignment, no chat is owned twice, no chat is lost from the queue.
async fn routing_invariants_hold_under_concurrency(fresh: &Fresh) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let store = fresh.store.clone();
    let mut settings = store.settings().await.expect("settings");
    settings.auto_assignment = true;
    settings.first_answer_timeout_secs = 0;
    settings.operator_response_timeout_secs = 0;
    store.save_settings(&settings).await.expect("save");
    let mut ops = Vec::new();
    let mut capacity = std::collections::HashMap::new();
    for i in 0..50i64 {
        let op = store.create_operator(&new_operator(&format!("c{i}@x.io"))).await.expect("op");
        let max = 1 + (i * 7 + 3) % 6; // 1..=6, spread
        store.set_operator_profile(op.id, &[], &["ru".into()], Some(max)).await.expect("profile");
        let _ = store.set_operator_status(op.id, OperatorStatus::Online).await.expect("online");
        capacity.insert(op.id.0, max);
        ops.push(op.id);
    }
    let ops = Arc::new(ops);
    let chats: Arc<std::sync::Mutex<Vec<beseda_core::ids::ChatId>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let double_wins = Arc::new(std::sync::atomic::AtomicUsize::new(0));

    // Visitors: 8 writers × 125 chats.
    let mut writers = Vec::new();
    for w in 0..8 {
        let (store, chats) = (store.clone(), chats.clone());
        writers.push(tokio::spawn(async move {
            for k in 0..125 {
                let v = visitor(&store).await;
                let _ = store.visitor_message(&v, &text(&format!("w{w}-{k}"), "help")).await.expect("send");
                let chat = store.current_chat(&v.visitor_id, "default").await.expect("read").expect("chat");
                chats.lock().expect("lock").push(chat.id);
            }
        }));
    }
    // Auto-assignment passes.
    let mut background = Vec::new();
    for _ in 0..2 {
        let (store, done) = (store.clone(), done.clone());
        background.push(tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let _ = store.assign_waiting(50).await.expect("assign");
                tokio::task::yield_now().await;
            }
        }));
    }
    // Operators: three at once try to take the same chat; holders redirect to the queue or
    // close. A chat is worked on by one worker at a time, so that a redirect back to the queue
    // between two takes of one trio cannot pass for a double win.
    let busy: Arc<std::sync::Mutex<std::collections::HashSet<i64>>> = Arc::default();
    for worker in 0..4u64 {
        let (store, chats, ops, done, double_wins, busy) =
            (store.clone(), chats.clone(), ops.clone(), done.clone(), double_wins.clone(), busy.clone());
        background.push(tokio::spawn(async move {
            let mut n = worker;
            while !done.load(Ordering::Relaxed) {
                n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let pick = {
                    let list = chats.lock().expect("lock");
                    if list.is_empty() {
                        None
                    } else {
                        Some(list[(n >> 33) as usize % list.len()])
                    }
                };
                let Some(chat) = pick.filter(|c| busy.lock().expect("lock").insert(c.0)) else {
                    tokio::task::yield_now().await;
                    continue;
                };
                let Some(detail) = store.chat(chat).await.expect("read") else {
                    busy.lock().expect("lock").remove(&chat.0);
                    continue;
                };
                match (detail.chat.operator_id, detail.chat.state) {
                    (None, s) if s.is_waiting() => {
                        let takers: Vec<_> = (0..3).map(|j| ops[((n >> 20) as usize + j * 17) % ops.len()]).collect();
                        let results = futures_join(&store, chat, &takers).await;
                        if results > 1 {
                            double_wins.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    (Some(holder), ChatState::Chatting) => {
                        if n % 3 == 0 {
                            let to = Redirect {
                                target: RedirectTarget::Queue,
                                language: None,
                                allow_offline: false,
                                allow_invisible: false,
                            };
                            let _ = store.redirect(holder, chat, &to).await;
                        } else if n % 3 == 1 {
                            let _ = store.operator_close(holder, chat).await;
                        }
                    }
                    _ => {}
                }
                busy.lock().expect("lock").remove(&chat.0);
                tokio::task::yield_now().await;
            }
        }));
    }
    // Sampling while it runs: every chat row is consistent at any moment.
    let sampler = {
        let (store, chats, done) = (store.clone(), chats.clone(), done.clone());
        tokio::spawn(async move {
            let mut samples = 0usize;
            let mut n = 7u64;
            while !done.load(Ordering::Relaxed) {
                n = n.wrapping_mul(6364136223846793005).wrapping_add(1);
                let pick = chats.lock().expect("lock").get((n >> 33) as usize % 1000).copied();
                if let Some(chat) = pick {
                    let c = store.chat(chat).await.expect("read").expect("chat").chat;
                    let consistent = match c.state {
                        s if s.is_waiting() => c.operator_id.is_none(),
                        ChatState::Chatting | ChatState::ClosedByOperator => c.operator_id.is_some(),
                        _ => true,
                    };
                    assert!(consistent, "inconsistent chat during the run: {c:?}");
                    samples += 1;
                }
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            samples
        })
    };
    for w in writers {
        w.await.expect("writer");
    }
    done.store(true, Ordering::Relaxed);
    assert!(sampler.await.expect("sampler") > 0, "the run was sampled");
    for b in background {
        b.await.expect("worker");
    }
    let _ = store.assign_waiting(10_000).await.expect("final pass");

    assert_eq!(double_wins.load(Ordering::Relaxed), 0, "a waiting chat was taken by two operators");
    // Auto-assignment never went over anyone's capacity (each assignment records the load).
    let events = store.operator_events(0, 1_000_000).await.expect("events");
    let autos: Vec<_> =
        events.iter().filter(|e| e.event["type"] == "chat_assigned" && e.event["auto"] == true).collect();
    assert!(!autos.is_empty());
    for e in &autos {
        let open = e.event["openChats"].as_i64().expect("openChats");
        let max = e.event["maxChats"].as_i64().expect("maxChats");
        let op = e.event["operatorId"].as_i64().expect("operator");
        assert!(open < max, "auto-assigned over capacity: {}", e.event);
        assert_eq!(capacity[&op], max);
    }
    // Every chat is accounted for, in a consistent state.
    let ids = chats.lock().expect("lock").clone();
    assert_eq!(ids.len(), 1000);
    let mut waiting = 0;
    let mut held: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for id in &ids {
        let c = store.chat(*id).await.expect("read").expect("chat exists").chat;
        match c.state {
            s if s.is_waiting() => {
                assert!(c.operator_id.is_none(), "a waiting chat has no owner: {c:?}");
                waiting += 1;
            }
            ChatState::Chatting => *held.entry(c.operator_id.expect("held chat has an owner").0).or_default() += 1,
            ChatState::ClosedByOperator | ChatState::Closed | ChatState::ClosedByVisitor => {}
            other => panic!("unexpected state {other:?}"),
        }
    }
    // No chat is lost from the queue: a chat waits only while every operator is full.
    if waiting > 0 {
        let open_capacity = capacity.iter().any(|(op, max)| held.get(op).copied().unwrap_or(0) < *max);
        assert!(!open_capacity, "{waiting} chats wait while operators have room: {held:?}");
    }
}

/// Three operators try to take one chat at the same moment; returns how many succeeded.
async fn futures_join(
    store: &Arc<dyn Store>,
    chat: beseda_core::ids::ChatId,
    takers: &[beseda_core::ids::OperatorId],
) -> usize {
    let (a, b, c) = tokio::join!(
        store.take_chat(takers[0], chat),
        store.take_chat(takers[1], chat),
        store.take_chat(takers[2], chat)
    );
    [a.is_ok(), b.is_ok(), c.is_ok()].iter().filter(|ok| **ok).count()
}

/// Several nodes run the pruning job; on PostgreSQL an advisory lock lets one at a time work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_prunes_at_a_time_on_postgres() {
    use sqlx::Connection;
    let Some(fresh) = open_postgres("store::one_node_prunes_at_a_time_on_postgres").await else { return };
    let store = fresh.store.clone();
    let v = visitor(&store).await;
    for i in 0..4 {
        let _ = store.visitor_message(&v, &text(&format!("p{i}"), "x")).await.expect("send");
    }
    fresh.clock.advance(std::time::Duration::from_millis(1));
    // Another node is pruning: it holds the job's lock.
    let url = fresh.url.as_deref().expect("a PostgreSQL URL");
    let mut other = sqlx::PgConnection::connect(url).await.expect("second connection");
    sqlx::query("SELECT pg_advisory_lock($1)").bind(PRUNE_JOB_LOCK).execute(&mut other).await.expect("lock");
    assert_eq!(store.prune_session_events(2, 0).await.expect("prune"), 0, "this node skips the round");
    sqlx::query("SELECT pg_advisory_unlock($1)").bind(PRUNE_JOB_LOCK).execute(&mut other).await.expect("unlock");
    assert!(store.prune_session_events(2, 0).await.expect("prune") > 0, "and prunes once the lock is free");
}

/// PostgreSQL numbers the operator log in rounds after the commit: a change does not wait for
/// the log counter's row lock (another node's round may hold it), its events are numbered
/// before it is answered, and two stores on one database (two nodes) number everything once,
/// gapless, each chat's events in order, each round's events announced by the store that ran it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_numbered_in_rounds_on_postgres() {
    use sqlx::Connection;
    let Some(fresh) = open_postgres("store::the_log_is_numbered_in_rounds_on_postgres").await else { return };
    let url = fresh.url.as_deref().expect("a PostgreSQL URL");
    let (a, b) = (fresh.store.clone(), fresh.reopen().await);
    let start = a.last_operator_event().await.expect("last");
    let (mut heard_a, mut heard_b) =
        (a.numbered_events().expect("rounds on PostgreSQL"), b.numbered_events().expect("rounds on PostgreSQL"));

    // The counter is locked (as by a round elsewhere): a message still commits at once, and is
    // answered once the lock is free and its events are numbered.
    let v = visitor(&a).await;
    let mut side = sqlx::PgConnection::connect(url).await.expect("connection");
    let mut lock = side.begin().await.expect("begin");
    sqlx::query("SELECT value FROM counters WHERE name = 'operator_events' FOR UPDATE")
        .execute(&mut *lock)
        .await
        .expect("lock the counter");
    let sent = tokio::spawn({
        let (a, v) = (a.clone(), v.clone());
        async move { a.visitor_message(&v, &text("locked", "while the counter is locked")).await }
    });
    let mut look = sqlx::PgConnection::connect(url).await.expect("connection");
    let committed = async {
        loop {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE client_side_id = 'locked'")
                .fetch_one(&mut look)
                .await
                .expect("count");
            if n == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), committed).await.expect("committed without the counter");
    assert!(!sent.is_finished(), "answered only once its events are numbered");
    lock.rollback().await.expect("unlock");
    let _ = sent.await.expect("task").expect("sent");
    let events = a.operator_events(start, 100).await.expect("events");
    assert!(events.iter().any(|e| e.event["type"] == "message_added"), "numbered before the answer: {events:?}");

    // Both nodes write at once.
    let mut visitors = Vec::new();
    for i in 0..12 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        visitors.push((store.clone(), visitor(&store).await));
    }
    let sends = visitors.iter().enumerate().map(|(i, (store, v))| async move {
        for k in 0..5 {
            let _ = store.visitor_message(v, &text(&format!("n{i}-{k}"), &format!("{k}"))).await.expect("send");
        }
    });
    futures_util::future::join_all(sends).await;
    let events = b.operator_events(start, 10_000).await.expect("events");
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (start + 1..=start + seqs.len() as i64).collect::<Vec<_>>(), "no gaps, nothing twice");
    assert!(events.iter().all(|e| e.event["seq"].as_i64() == Some(e.seq)));
    for (_, v) in &visitors {
        let chat = a.current_chat(&v.visitor_id, "default").await.expect("read").expect("chat").id.0;
        let texts: Vec<&str> = events
            .iter()
            .filter(|e| e.event["type"] == "message_added" && e.event["chatId"] == chat)
            .filter_map(|e| e.event["message"]["text"].as_str())
            .collect();
        assert_eq!(texts, ["0", "1", "2", "3", "4"], "a chat's events in their order");
    }
    let mut heard = Vec::new();
    for rx in [&mut heard_a, &mut heard_b] {
        while let Ok(round) = rx.try_recv() {
            heard.extend(round.iter().map(|e| e.seq));
        }
    }
    heard.sort_unstable();
    assert_eq!(heard, seqs, "every event announced once, by the node whose round numbered it");

    // A node stopped between its commit and its round: the next round numbers what it left.
    let mut raw = sqlx::PgConnection::connect(url).await.expect("connection");
    sqlx::query(
        "INSERT INTO operator_events_pending (created_at, event) VALUES (1, '{\"type\": \"workspace_changed\"}')",
    )
    .execute(&mut raw)
    .await
    .expect("a pending event");
    let before = b.last_operator_event().await.expect("last");
    b.number_pending().await;
    let left = b.operator_events(before, 10).await.expect("events");
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!((left[0].seq, left[0].event["type"].as_str()), (before + 1, Some("workspace_changed")));
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM operator_events_pending").fetch_one(&mut raw).await.expect("count");
    assert_eq!(pending, 0);
}
