//! The frequent queries whose cost would otherwise grow with the stored history keep their
//! indexes: SQLite plans each as a search of the index made for it, with no full scan and no
//! sort of the rows, so that dropping an index or reshaping a query fails here instead of
//! showing later as a slower server. (PostgreSQL plans by table statistics, which an empty test
//! database does not have; docs/performance.md records its plans on a filled one.)

use super::chat_reads::CHAT_BY_CLIENT_SIDE_ID;
use super::maintenance::PRUNE_SESSION_EVENTS;
use super::outbox::CLAIM_HEADS;
use super::scheduling::{DUE_TIMERS, WAITING_IN_ORDER};
use super::stats::QUEUE_COUNTS;
use super::visitors::site_visitor_sql;
use super::{SqlStore, BACKEND};
use crate::capabilities::Maintenance;
use crate::StoreOptions;

/// SQLite's plan of `sql`, one detail line per step (parameters left unbound: NULL).
async fn plan(store: &SqlStore, sql: &str) -> Vec<String> {
    let rows: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(&store.reader).await.expect("plan");
    rows.into_iter().map(|(_, _, _, detail)| detail).collect()
}

/// `sql` searches `index` and reads no table whole; with `sorted`, it sorts nothing either.
async fn assert_plan(store: &SqlStore, sql: &str, index: &str, sorted: bool) {
    let steps = plan(store, sql).await;
    let uses = |s: &String| s.contains(&format!("INDEX {index} ")) || s.ends_with(&format!("INDEX {index}"));
    assert!(steps.iter().any(uses), "{sql}\nshould search {index}: {steps:#?}");
    // A table read whole is a `SCAN` naming no index; `SCAN CONSTANT ROW` and scans of a
    // subquery's rows (a `CO-ROUTINE` or `MATERIALIZE` step) read no table.
    let subqueries: Vec<&str> =
        steps.iter().filter_map(|s| s.strip_prefix("CO-ROUTINE ").or_else(|| s.strip_prefix("MATERIALIZE "))).collect();
    let table_scan = |s: &&String| {
        s.strip_prefix("SCAN ").is_some_and(|what| {
            !what.contains("INDEX") && !what.starts_with("CONSTANT ROW") && !subqueries.contains(&what)
        })
    };
    let scans: Vec<&String> = steps.iter().filter(table_scan).collect();
    assert!(scans.is_empty(), "{sql}\nshould read no table whole: {steps:#?}");
    if sorted {
        assert!(!steps.iter().any(|s| s.contains("TEMP B-TREE")), "{sql}\nshould sort nothing: {steps:#?}");
    }
}

#[tokio::test]
async fn the_frequent_queries_search_their_indexes() {
    if BACKEND != "sqlite" {
        return;
    }
    let dir = std::env::temp_dir().join(format!("beseda-plans-{}", beseda_core::ids::hex_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let store = SqlStore::open_url(&url, &StoreOptions::default()).await.expect("open");
    store.migrate().await.expect("migrate");

    assert_plan(&store, CLAIM_HEADS, "outbox_pending", true).await;
    assert_plan(&store, WAITING_IN_ORDER, "chats_queue", true).await;
    assert_plan(&store, DUE_TIMERS, "timers_due", true).await;
    assert_plan(&store, CHAT_BY_CLIENT_SIDE_ID, "chats_client_side_id", true).await;
    assert_plan(&store, QUEUE_COUNTS, "chats_waiting", true).await;
    // One visitor's row for `visitor_new`: their own sessions, never all present ones (the
    // newest-first order sorts that visitor's few sessions).
    let [sessions, visitors, chats] = site_visitor_sql(true);
    assert_plan(&store, &sessions, "visit_sessions_visitor", false).await;
    assert_plan(&store, &visitors, "visit_sessions_visitor", true).await;
    assert_plan(&store, &chats, "visit_sessions_visitor", true).await;
    // The minutely log pruning: recently written sessions only, then each one's log by its key.
    assert_plan(&store, PRUNE_SESSION_EVENTS, "visit_sessions_log_written", true).await;

    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
