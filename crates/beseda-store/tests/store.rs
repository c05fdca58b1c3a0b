//! The store suite: every test runs on SQLite, and on PostgreSQL when
//! `BESEDA_TEST_DATABASE_URL` is set (otherwise it says it was skipped).

use beseda_core::state::{ChatState, MessageKind, OperatorRole, OperatorStatus};
use beseda_store::*;
use std::sync::Arc;

struct Fresh {
    store: Arc<dyn Store>,
    dir: std::path::PathBuf,
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn open(postgres: bool) -> Option<Fresh> {
    let dir = std::env::temp_dir().join(format!("beseda-store-{}", beseda_core::ids::hex_id()));
    let options = StoreOptions::default();
    let store = if postgres {
        let url = match std::env::var("BESEDA_TEST_DATABASE_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => return None,
        };
        let db = testing::fresh_postgres_database(&url).await.expect("fresh database");
        beseda_store::open(Some(&db), &dir, &options).await.expect("open")
    } else {
        beseda_store::open(None, &dir, &options).await.expect("open")
    };
    store.migrate().await.expect("migrate");
    store.migrate().await.expect("migrations are idempotent");
    Some(Fresh { store, dir })
}

macro_rules! suite {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let fresh = super::open(false).await.expect("sqlite");
                super::$name(fresh.store.clone()).await;
            })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                match super::open(true).await {
                    Some(fresh) => super::$name(fresh.store.clone()).await,
                    None => println!("SKIPPED postgres::{}: BESEDA_TEST_DATABASE_URL is not set", stringify!($name)),
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

async fn operators_are_unique_by_email(store: Arc<dyn Store>) {
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

async fn messages_are_idempotent_and_revisions_grow(store: Arc<dyn Store>) {
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

async fn deltas_replay_exactly_and_old_revisions_get_full_updates(store: Arc<dyn Store>) {
    let v = visitor(&store).await;
    let session = v.visit_session_id.clone();
    store.visitor_message(&v, &text("d1", "one")).await.expect("send");
    let DeltaRead::Items { revision: r1, items: first } = store.deltas(&session, 1, 1000).await.expect("read") else {
        panic!("items expected");
    };
    store.visitor_message(&v, &text("d2", "two")).await.expect("send");
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

async fn operator_events_are_gapless(store: Arc<dyn Store>) {
    let op = store.create_operator(&new_operator("e@x.io")).await.expect("op");
    let start = store.last_operator_event().await.expect("last");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let v = visitor(&store).await;
            store.visitor_message(&v, &text(&format!("g{i}"), "x")).await.expect("send");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    store.set_operator_status(op.id, OperatorStatus::Online).await.expect("status");
    let events = store.operator_events(start, 1000).await.expect("events");
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (start + 1..=start + seqs.len() as i64).collect();
    assert_eq!(seqs, expected, "sequence numbers have no gaps");
    assert!(events.len() >= 9);
    assert!(events.iter().all(|e| e.event["seq"].as_i64() == Some(e.seq)));
}

async fn one_operator_wins_concurrent_takes(store: Arc<dyn Store>) {
    let mut ops = Vec::new();
    for i in 0..4 {
        ops.push(store.create_operator(&new_operator(&format!("t{i}@x.io"))).await.expect("op").id);
    }
    for round in 0..5 {
        let v = visitor(&store).await;
        store.visitor_message(&v, &text(&format!("t{round}"), "help")).await.expect("send");
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

async fn history_revisions_order_changes(store: Arc<dyn Store>) {
    let v = visitor(&store).await;
    for i in 0..5 {
        store.visitor_message(&v, &text(&format!("h{i}"), &format!("m{i}"))).await.expect("send");
    }
    let first = store.history(&v.visitor_id, HistoryQuery::Since(0)).await.expect("history");
    assert_eq!(first.messages.len(), 5);
    let texts: Vec<&str> = first.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["m0", "m1", "m2", "m3", "m4"]);
    store.visitor_message(&v, &text("h1", "m1 edited")).await.expect("edit");
    let next = store.history(&v.visitor_id, HistoryQuery::Since(first.revision)).await.expect("history");
    assert_eq!(next.messages.len(), 1);
    assert_eq!(next.messages[0].text, "m1 edited");
    assert!(next.revision > first.revision);
    let none = store.history(&v.visitor_id, HistoryQuery::Since(next.revision)).await.expect("history");
    assert!(none.messages.is_empty());
    assert_eq!(none.revision, next.revision, "since is echoed when nothing changed");
}

async fn unknown_url_schemes_are_refused(_store: Arc<dyn Store>) {
    let dir = std::env::temp_dir();
    match beseda_store::open(Some("mysql://localhost/x"), &dir, &StoreOptions::default()).await {
        Err(StoreError::Config(m)) => assert!(m.contains("mysql"), "{m}"),
        Err(other) => panic!("expected a configuration error, got {other}"),
        Ok(_) => panic!("expected a configuration error"),
    }
}

async fn pruned_logs_send_clients_a_full_update(store: Arc<dyn Store>) {
    let v = visitor(&store).await;
    for i in 0..4 {
        store.visitor_message(&v, &text(&format!("p{i}"), "x")).await.expect("send");
    }
    let DeltaRead::Items { revision, .. } = store.deltas(&v.visit_session_id, 1, 1000).await.expect("read") else {
        panic!("items expected");
    };
    // Keep only the last 2 items (and nothing by age).
    let pruned = store.prune_session_events(2, 0).await.expect("prune");
    assert!(pruned > 0);
    assert_eq!(store.deltas(&v.visit_session_id, 1, 1000).await.expect("read"), DeltaRead::Full);
    let DeltaRead::Items { items, .. } = store.deltas(&v.visit_session_id, revision - 2, 1000).await.expect("read")
    else {
        panic!("the retained tail is still served as deltas");
    };
    assert_eq!(items.len(), 2);
    // Retention by age: nothing younger than an hour is removed.
    store.visitor_message(&v, &text("p9", "y")).await.expect("send");
    assert_eq!(store.prune_session_events(0, 3_600_000_000).await.expect("prune"), 0);
}
