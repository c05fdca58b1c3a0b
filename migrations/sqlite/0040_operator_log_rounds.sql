-- Operator events waiting to be numbered (PostgreSQL numbers the log in rounds after the
-- commit, see the store's `log_sequencer.rs`). SQLite's single writer numbers every change's
-- events in its own transaction, so this table stays empty here; it keeps both schemas alike.
CREATE TABLE operator_events_pending (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at INTEGER NOT NULL,
    event      TEXT NOT NULL
);
