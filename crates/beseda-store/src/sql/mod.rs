//! The store's SQL, shared by both backends: this module tree is compiled once inside `sqlite.rs`
//! and once inside `postgres.rs`. Each backend defines the dialect knobs used here before it
//! declares this module: `Db`, `DbConnection`, `BACKEND`, `BEGIN_WRITE`, `VISITOR_LOCK`,
//! `SHARED_POOL`, `MIGRATIONS`, the `for_update!()`, `for_update_skip_locked!()`, `by_queue_order!()` and
//! `job_lock!()` macros, and `SqlStore { writer, reader, clock, group }`.
//!
//! Keep the SQL portable: `$N` placeholders in ascending order, `RETURNING`, `ON CONFLICT`,
//! integers as 64-bit, times as microseconds, JSON as text.

use super::{Db, DbConnection, SqlStore, BACKEND, BEGIN_WRITE, DEFERRED_LOG, MIGRATIONS, SHARED_POOL, VISITOR_LOCK};

/// A connection a change or a read runs on: the backend's sqlx connection, or SQLite's
/// in-thread writer (see `exec.rs`).
type Conn = dyn exec::Exec;
/// A result row.
type DbRow = exec::Row;

mod accounts;
mod audit;
mod bots;
mod channels;
mod chat_reads;
mod chats;
mod closing;
mod contacts;
mod context;
mod event_replay;
mod events;
pub(super) mod exec;
mod export;
mod exports;
mod files;
pub(super) mod group_commit;
mod history;
mod lists;
pub(super) mod load;
pub(super) mod log_sequencer;
mod mail;
mod maintenance;
mod messages;
mod mobile_push;
mod mobile_sdk;
mod observe;
mod operator_actions;
mod operators;
mod organisation;
mod outbox;
#[cfg(test)]
mod plan_tests;
mod push;
mod routing;
mod row_facts;
mod rows;
mod scheduling;
mod stats;
mod surveys;
mod templates;
mod transactions;
mod visibility;
mod visitor_actions;
mod visitors;
mod visits;
mod webhooks;
