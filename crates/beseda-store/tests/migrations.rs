//! Start-up migration on both backends: databases the earlier runner migrated (its own
//! `beseda_migrations` ledger only) upgrade without re-running anything, an applied migration
//! that changed since stops the start by name, and nodes starting at once migrate one at a time.

use beseda_store::migrate::{Migration, POSTGRES, SQLITE};
use beseda_store::{testing, InitVisit, Store, StoreError, StoreOptions, VisitorMessage};
use sqlx::{ConnectOptions, Connection, Executor};
use std::path::PathBuf;
use std::sync::Arc;

/// A direct connection to the database under test, beside the store.
enum Conn {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Conn {
    async fn execute(&mut self, sql: &str) {
        match self {
            Conn::Sqlite(c) => c.execute(sql).await.map(drop),
            Conn::Postgres(c) => c.execute(sql).await.map(drop),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Runs `sql` in one transaction, as the earlier runner ran each migration.
    async fn execute_in_transaction(&mut self, sql: &str) {
        match self {
            Conn::Sqlite(c) => {
                let mut tx = c.begin().await.expect("begin");
                tx.execute(sql).await.expect("migration");
                tx.commit().await.expect("commit");
            }
            Conn::Postgres(c) => {
                let mut tx = c.begin().await.expect("begin");
                tx.execute(sql).await.expect("migration");
                tx.commit().await.expect("commit");
            }
        }
    }

    async fn strings(&mut self, sql: &str) -> Vec<String> {
        match self {
            Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_all(c).await,
            Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_all(c).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// sqlx's ledger: (version, checksum, success) by version.
    async fn sqlx_ledger(&mut self) -> Vec<(i64, Vec<u8>, bool)> {
        let sql = "SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version";
        match self {
            Conn::Sqlite(c) => sqlx::query_as(sql).fetch_all(c).await,
            Conn::Postgres(c) => sqlx::query_as(sql).fetch_all(c).await,
        }
        .expect("sqlx ledger")
    }
}

/// A database to migrate: a SQLite file in a fresh folder, or a fresh PostgreSQL database.
struct Target {
    dir: PathBuf,
    url: Option<String>,
    files: &'static [Migration],
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Target {
    async fn sqlite() -> Target {
        let dir = std::env::temp_dir().join(format!("beseda-migrations-{}", beseda_core::ids::hex_id()));
        std::fs::create_dir_all(&dir).expect("dir");
        Target { dir, url: None, files: SQLITE }
    }

    async fn postgres(test: &str) -> Option<Target> {
        let server = testing::database_url(test)?;
        let url = testing::fresh_postgres_database(&server).await.expect("fresh database");
        let mut target = Target::sqlite().await;
        target.url = Some(url);
        target.files = POSTGRES;
        Some(target)
    }

    async fn connect(&self) -> Conn {
        match &self.url {
            None => Conn::Sqlite(
                sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(self.dir.join("beseda.db"))
                    .create_if_missing(true)
                    .connect()
                    .await
                    .expect("open"),
            ),
            Some(url) => Conn::Postgres(sqlx::PgConnection::connect(url).await.expect("connect")),
        }
    }

    async fn store(&self) -> Arc<dyn Store> {
        beseda_store::open(self.url.as_deref(), &self.dir, &StoreOptions::default()).await.expect("open")
    }

    /// What the earlier runner left after applying the first `n` migrations: their schema and
    /// its ledger `beseda_migrations (name, applied_at)`, one row per migration, and no other.
    async fn migrate_the_old_way(&self, n: usize) {
        let mut conn = self.connect().await;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS beseda_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await;
        for m in &self.files[..n] {
            let record =
                format!("INSERT INTO beseda_migrations (name, applied_at) VALUES ('{}', 1700000000000000)", m.name);
            conn.execute_in_transaction(&format!("{};\n{record}", m.sql)).await;
        }
    }
}

async fn an_old_database_upgrades_without_running_anything_again(target: Target) {
    let files = target.files;
    // All but the last two, so the upgrade also has migrations to run.
    let old = files.len() - 2;
    target.migrate_the_old_way(old).await;
    let mut conn = target.connect().await;
    conn.execute("INSERT INTO settings (key, value) VALUES ('kept', 'from before the upgrade')").await;

    let store = target.store().await;
    store.migrate().await.expect("the upgrade starts");
    let ledger = conn.sqlx_ledger().await;
    let expected: Vec<(i64, Vec<u8>, bool)> =
        files.iter().map(|m| (m.version(), m.to_sqlx().checksum.into_owned(), true)).collect();
    assert_eq!(ledger, expected, "every migration recorded with the checksum of its file");
    let names = conn.strings("SELECT name FROM beseda_migrations ORDER BY name").await;
    let all: Vec<&str> = files.iter().map(|m| m.name).collect();
    assert_eq!(names, all, "the old ledger is kept up to date for older versions");
    let kept = conn.strings("SELECT value FROM settings WHERE key = 'kept'").await;
    assert_eq!(kept, ["from before the upgrade"]);

    // Started again (and by the next node): nothing to do.
    store.migrate().await.expect("idempotent");
    target.store().await.migrate().await.expect("a restart");
    assert_eq!(conn.sqlx_ledger().await, expected);
}

async fn a_fully_migrated_old_database_starts(target: Target) {
    target.migrate_the_old_way(target.files.len()).await;
    target.store().await.migrate().await.expect("nothing left to run");
    let mut conn = target.connect().await;
    assert_eq!(conn.sqlx_ledger().await.len(), target.files.len());
}

async fn a_changed_applied_migration_stops_the_start_by_name(target: Target) {
    let store = target.store().await;
    store.migrate().await.expect("fresh");
    // What a database holds when the file of 0003 was edited after it ran there.
    let mut conn = target.connect().await;
    let other = if target.url.is_some() { "'\\x00'::bytea" } else { "X'00'" };
    conn.execute(&format!("UPDATE _sqlx_migrations SET checksum = {other} WHERE version = 3")).await;
    let err = target.store().await.migrate().await.expect_err("refused");
    assert!(matches!(&err, StoreError::ChangedMigration(name) if name == "0003_open_chats"), "{err}");
    let message = err.to_string();
    assert!(message.contains("0003_open_chats") && message.contains("changed"), "{message}");
}

async fn a_migration_recorded_by_a_newer_version_is_refused(target: Target) {
    target.store().await.migrate().await.expect("fresh");
    let mut conn = target.connect().await;
    let checksum = if target.url.is_some() { "'\\x00'::bytea" } else { "X'00'" };
    conn.execute(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (999, 'from_a_newer_beseda', TRUE, {checksum}, 0)"
    ))
    .await;
    let err = target.store().await.migrate().await.expect_err("refused");
    assert!(matches!(&err, StoreError::NewerSchema(name) if name == "0999_from_a_newer_beseda"), "{err}");
}

async fn nodes_starting_at_once_migrate_one_at_a_time(target: Target) {
    target.migrate_the_old_way(3).await;
    let stores = [target.store().await, target.store().await, target.store().await];
    let (a, b, c) = tokio::join!(stores[0].migrate(), stores[1].migrate(), stores[2].migrate());
    for outcome in [a, b, c] {
        outcome.expect("each start succeeds");
    }
    let mut conn = target.connect().await;
    assert_eq!(conn.sqlx_ledger().await.len(), target.files.len());
}

/// Chats an earlier version left open without an inactivity deadline (its closing timeouts
/// defaulted to "never") get one on the upgrade: the conversation timeout (24 h on the
/// `default` placement) after their last change, so the scheduler closes them.
async fn chats_left_open_get_their_inactivity_deadline(target: Target) {
    let store = target.store().await;
    store.migrate().await.expect("fresh");
    let init = InitVisit { location: "default".into(), session_ttl_micros: 86_400_000_000, ..Default::default() };
    let v = store.init_visit(&init).await.expect("init").page.ctx();
    let question = VisitorMessage { client_side_id: "q".into(), text: "Вопрос".into(), ..Default::default() };
    let _ = store.visitor_message(&v, &question).await.expect("send");
    let mut conn = target.connect().await;
    // The chat as an earlier version left it: no deadline. Then the upgrade's migration runs on
    // it (run here by itself: the code of this version needs the later migrations too).
    conn.execute("DELETE FROM timers").await;
    let upgrade = target.files.iter().find(|m| m.name.starts_with("0032_")).expect("the migration arming the close");
    conn.execute_in_transaction(upgrade.sql).await;
    let deadlines = conn
        .strings(
            "SELECT CAST(t.due_at - c.modified_at AS TEXT) FROM timers t JOIN chats c ON c.id = t.chat_id \
             WHERE t.kind = 'auto_close'",
        )
        .await;
    assert_eq!(deadlines, ["86400000000"], "one deadline, a day after the chat's last change");
}

/// Chats an earlier version made get what their list rows show of their messages (0034): the
/// same unread count, waiting time and preview the message writes keep from then on.
async fn chats_get_their_list_row_facts_on_upgrade(target: Target) {
    let store = target.store().await;
    store.migrate().await.expect("fresh");
    let init = InitVisit { location: "default".into(), session_ttl_micros: 86_400_000_000, ..Default::default() };
    let v = store.init_visit(&init).await.expect("init").page.ctx();
    for (id, text) in [("q1", "Вопрос"), ("q2", "Ещё вопрос")] {
        let question = VisitorMessage { client_side_id: id.into(), text: text.into(), ..Default::default() };
        let _ = store.visitor_message(&v, &question).await.expect("send");
    }
    const FACTS: &str =
        "SELECT CAST(unread_by_operator_count AS TEXT) || ' ' || CAST(waiting_since AS TEXT) || ' ' || \
        (SELECT text FROM messages WHERE id = preview_message_id) FROM chats";
    let mut conn = target.connect().await;
    let kept = conn.strings(FACTS).await;
    assert!(kept.len() == 1 && kept[0].starts_with("2 ") && kept[0].ends_with(" Ещё вопрос"), "{kept:?}");
    // The chat as an earlier version left it, then the upgrade's filling statement by itself
    // (its columns exist already).
    conn.execute("UPDATE chats SET unread_by_operator_count = 0, waiting_since = NULL, preview_message_id = NULL")
        .await;
    let upgrade = target.files.iter().find(|m| m.name.starts_with("0034_")).expect("the migration of the row facts");
    let fill = &upgrade.sql[upgrade.sql.find("UPDATE chats").expect("the filling statement")..];
    conn.execute_in_transaction(fill).await;
    assert_eq!(conn.strings(FACTS).await, kept, "the migration counts what the writes keep");
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::$name(super::Target::sqlite().await).await;
            })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(target) = super::Target::postgres(concat!("migrations::postgres::", stringify!($name))).await
                else { return };
                super::$name(target).await;
            })+
        }
    };
}

both!(
    an_old_database_upgrades_without_running_anything_again,
    a_fully_migrated_old_database_starts,
    a_changed_applied_migration_stops_the_start_by_name,
    a_migration_recorded_by_a_newer_version_is_refused,
    chats_left_open_get_their_inactivity_deadline,
    chats_get_their_list_row_facts_on_upgrade,
);

/// On PostgreSQL, where several nodes share one database (SQLite has one server per file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_at_once_on_postgresql_migrate_one_at_a_time() {
    let Some(target) = Target::postgres("migrations::nodes_starting_at_once_on_postgresql_migrate_one_at_a_time").await
    else {
        return;
    };
    nodes_starting_at_once_migrate_one_at_a_time(target).await;
}
