//! Transactions: reads, writes (grouped on SQLite), and the wrappers that run a visitor's or an
//! operator's change and finish its events.

use crate::{Changes, Result, StoreError, VisitorCtx};
use beseda_core::ids::{ChatId, OperatorId};
use beseda_core::model::{Chat, Operator};
use beseda_core::settings::OrgSettings;
use beseda_core::DomainError;

use super::events::Emit;
use super::exec::query;
use super::exec::QuickRead;
use super::load::{load_chat, load_operator, load_settings};
use super::visibility::may_act_on;
use super::{Conn, Db, SqlStore, BEGIN_WRITE, VISITOR_LOCK};

/// What the closure of a change returns: its work, borrowing the connection and the `Emit`.
pub(super) type Step<'c> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'c>>;

impl SqlStore {
    pub(super) async fn begin(&self) -> Result<sqlx::Transaction<'static, Db>> {
        Ok(self.writer.begin_with(BEGIN_WRITE).await?)
    }

    /// Commits a transaction (one not run by [`Self::write`]) that appended operator events,
    /// and returns once they are numbered (see `log_sequencer.rs`).
    pub(super) async fn commit_logged(&self, tx: sqlx::Transaction<'static, Db>) -> Result<()> {
        tx.commit().await?;
        if super::log_sequencer::DEFERRED {
            self.log.after_commit(&self.writer).await;
        }
        Ok(())
    }

    pub(crate) async fn read(&self) -> Result<sqlx::pool::PoolConnection<Db>> {
        Ok(self.reader.acquire().await?)
    }

    /// For a short indexed read on a hot path (a visitor's every request): on SQLite an
    /// in-thread reader, run right here without a hand-off; else the reader pool. Never for a
    /// read that scans: it would hold up the calling thread.
    pub(crate) fn read_quick(&self) -> Result<QuickRead> {
        Ok(match &self.readers {
            Some(readers) => QuickRead::InThread(readers.take()?),
            None => QuickRead::Pool(self.reader.clone()),
        })
    }

    /// Runs a visitor-side change: loads the settings, runs `f` in a write transaction,
    /// appends what it emitted and returns once committed.
    pub(super) async fn visitor_change<F>(&self, v: &VisitorCtx, f: F) -> Result<Changes>
    where
        F: for<'c> FnOnce(&'c mut Conn, &'c mut Emit, OrgSettings) -> Step<'c> + Send + 'static,
    {
        let (visitor, clock) = (v.visitor_id.clone(), self.clock.clone());
        self.write(move |conn| {
            Box::pin(async move {
                if let Some(lock) = VISITOR_LOCK {
                    query(lock).bind(visitor.as_str()).execute(&mut *conn).await?;
                }
                let settings = load_settings(conn).await?;
                let mut emit = Emit::new(&visitor, settings.clone(), clock.now());
                f(&mut *conn, &mut emit, settings).await?;
                emit.finish(conn).await
            })
        })
        .await
    }

    /// [`Self::chat_change`] for an operator's action: refused when the chat is not theirs to
    /// see (see `may_act_on`).
    pub(super) async fn operator_change<F>(&self, op: OperatorId, id: ChatId, f: F) -> Result<Changes>
    where
        F: for<'c> FnOnce(&'c mut Conn, &'c mut Emit, Operator, Chat) -> Step<'c> + Send + 'static,
    {
        self.chat_change(op, id, move |conn, emit, operator, chat| {
            Box::pin(async move {
                may_act_on(conn, &operator, &emit.settings, &chat).await?;
                f(conn, emit, operator, chat).await
            })
        })
        .await
    }

    /// Runs an operator-side change on one chat (locked).
    pub(super) async fn chat_change<F>(&self, op: OperatorId, id: ChatId, f: F) -> Result<Changes>
    where
        F: for<'c> FnOnce(&'c mut Conn, &'c mut Emit, Operator, Chat) -> Step<'c> + Send + 'static,
    {
        let clock = self.clock.clone();
        self.write(move |conn| {
            Box::pin(async move {
                let operator = load_operator(conn, op).await?.ok_or(StoreError::NotFound)?;
                let chat = load_chat(conn, id, true).await?.ok_or(DomainError::ChatNotFound)?;
                let settings = load_settings(conn).await?;
                let mut emit = Emit::new(&chat.visitor_id, settings, clock.now());
                f(&mut *conn, &mut emit, operator, chat).await?;
                emit.finish(conn).await
            })
        })
        .await
    }
}
