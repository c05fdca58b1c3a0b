//! A visitor's acknowledgement of an `action_request` message (visitor-api.md §12.1), on SQLite
//! and, when `BESEDA_TEST_DATABASE_URL` is set, PostgreSQL. No API writes action requests yet,
//! so the message is put in the chat directly.

use beseda_core::DomainError;
use beseda_store::{testing, InitVisit, Store, StoreError, StoreOptions, VisitorCtx, VisitorMessage};
use sqlx::{ConnectOptions, Connection, Executor};
use std::path::PathBuf;
use std::sync::Arc;

struct Db {
    dir: PathBuf,
    url: Option<String>,
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Db {
    fn new(url: Option<String>) -> Db {
        let dir = std::env::temp_dir().join(format!("beseda-action-requests-{}", beseda_core::ids::hex_id()));
        std::fs::create_dir_all(&dir).expect("dir");
        Db { dir, url }
    }

    async fn execute(&self, sql: &str) {
        match &self.url {
            None => {
                let mut c = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(self.dir.join("beseda.db"))
                    .connect()
                    .await
                    .expect("open");
                c.execute(sql).await.map(drop)
            }
            Some(url) => sqlx::PgConnection::connect(url).await.expect("connect").execute(sql).await.map(drop),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

async fn visitor(store: &Arc<dyn Store>) -> VisitorCtx {
    let init = InitVisit { location: "mobile".into(), session_ttl_micros: 86_400_000_000, ..Default::default() };
    store.init_visit(&init).await.expect("init").page.ctx()
}

async fn acknowledgement_is_recorded_once_and_only_for_the_visitor(db: Db) {
    let store = beseda_store::open(db.url.as_deref(), &db.dir, &StoreOptions::default()).await.expect("open");
    store.migrate().await.expect("migrate");
    let v = visitor(&store).await;
    let first = VisitorMessage {
        client_side_id: "q1".into(), text: "Перезвоните мне".into(), ..Default::default()
    };
    let _written = store.visitor_message(&v, &first).await.expect("message");
    let chat = store.current_chat(&v.visitor_id, "mobile").await.expect("chat").expect("a chat");
    db.execute(&format!(
        "INSERT INTO messages (id, chat_id, client_side_id, session_id, kind, text, data, name, created_at, \
         modified_at, history_revision) VALUES ('0123456789abcdef0123456789abcdef', {}, 'ar-1', '{}', \
         'action_request', 'Позвонить специалисту?', '{{\"action\": \"call\"}}', 'Анна', 1, 1, 1)",
        chat.id.0,
        chat.visit_session_id.as_str()
    ))
    .await;

    let other = visitor(&store).await;
    let refused = store.acknowledge_action_request(&other, "ar-1").await;
    assert!(matches!(refused, Err(StoreError::Domain(DomainError::MessageNotFound))), "{refused:?}");
    let refused = store.acknowledge_action_request(&v, "q1").await;
    assert!(matches!(refused, Err(StoreError::Domain(DomainError::MessageNotFound))), "not an action request");

    let changes = store.acknowledge_action_request(&v, "ar-1").await.expect("acknowledged");
    assert!(!changes.sessions.is_empty(), "the visitor's client hears of the change");
    let detail = store.chat(chat.id).await.expect("detail").expect("chat");
    let request = detail.messages.iter().find(|m| m.client_side_id == "ar-1").expect("the request");
    let data = request.data.as_ref().expect("data");
    assert_eq!(data["action"], "call", "the request's own data is kept");
    let at = data["acknowledgedAt"].as_f64().expect("acknowledgedAt");

    // Again, by its id: nothing changes.
    let again = store.acknowledge_action_request(&v, "0123456789abcdef0123456789abcdef").await.expect("again");
    assert!(again.sessions.is_empty(), "a repeat writes nothing");
    let detail = store.chat(chat.id).await.expect("detail").expect("chat");
    let request = detail.messages.iter().find(|m| m.client_side_id == "ar-1").expect("the request");
    assert_eq!(request.data.as_ref().expect("data")["acknowledgedAt"].as_f64(), Some(at));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_acknowledgement_is_recorded_once_and_only_for_the_visitor() {
    acknowledgement_is_recorded_once_and_only_for_the_visitor(Db::new(None)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_acknowledgement_is_recorded_once_and_only_for_the_visitor() {
    let Some(server) = testing::database_url("action_requests::postgres") else { return };
    let url = testing::fresh_postgres_database(&server).await.expect("fresh database");
    acknowledgement_is_recorded_once_and_only_for_the_visitor(Db::new(Some(url))).await;
}
