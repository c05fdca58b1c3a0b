//! Operator accounts over their life: passwords, two-factor authentication, deactivation, deletion,
//! and the sessions and tokens each of these ends.
//!
//! Every change that ends access appends an `operator_access` event to the operator log, so an open
//! event stream of that operator (on any node) re-checks its token and closes when the token is
//! gone.

use crate::capabilities::Accounts;
use crate::{Changes, NewToken, Result, StoreError, TokenRecord, TwoFactor};
use async_trait::async_trait;
use beseda_core::ids::OperatorId;
use beseda_core::model::Operator;
use beseda_core::operator_wire::events::{OperatorAccess, OperatorStatusEvent};
use beseda_core::operator_wire::OperatorEvent;

use super::events::append_operator_event;
use super::exec::{query, query_scalar};
use super::load::load_operator;
use super::{Conn, SqlStore};

/// An account that can log in: not deleted.
pub(super) const LIVE_ACCOUNT: &str = "deleted_at IS NULL";

impl SqlStore {
    async fn ended_access(&self, tx: &mut Conn, id: OperatorId) -> Result<Changes> {
        let event = OperatorEvent::OperatorAccess(OperatorAccess { operator_id: id.0 });
        let seq = append_operator_event(tx, &event, self.clock.now()).await?;
        Ok(Changes { wake_scheduler: true, ..Changes::logged(seq) })
    }

    async fn end_sessions_of(&self, tx: &mut Conn, id: OperatorId) -> Result<Changes> {
        query("DELETE FROM operator_tokens WHERE operator_id = $1").bind(id.0).execute(&mut *tx).await?;
        let status = OperatorEvent::OperatorStatus(OperatorStatusEvent { operator_id: id.0, status: "offline".into() });
        append_operator_event(tx, &status, self.clock.now()).await?;
        self.ended_access(tx, id).await
    }
}

#[async_trait]
impl Accounts for SqlStore {
    async fn operator_login(&self, email: &str) -> Result<Option<(Operator, String)>> {
        let mut conn = self.read().await?;
        let row =
            query("SELECT id, password_hash FROM operators WHERE lower(email) = lower($1) AND deleted_at IS NULL")
                .bind(email)
                .fetch_optional(&mut *conn)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let hash: String = row.try_get("password_hash")?;
        let op = load_operator(&mut conn, OperatorId(row.try_get("id")?)).await?;
        Ok(op.map(|o| (o, hash)))
    }

    async fn create_token(&self, t: &NewToken) -> Result<()> {
        query(
            "INSERT INTO operator_tokens (token_hash, operator_id, kind, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&t.token_hash)
        .bind(t.operator_id.0)
        .bind(&t.kind)
        .bind(&t.csrf)
        .bind(self.clock.now())
        .bind(t.expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
        let row = query("SELECT operator_id, kind, csrf, expires_at FROM operator_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| {
            Ok(TokenRecord {
                operator_id: OperatorId(r.try_get("operator_id")?),
                kind: r.try_get("kind")?,
                csrf: r.try_get("csrf")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    async fn delete_token(&self, token_hash: &str) -> Result<()> {
        query("DELETE FROM operator_tokens WHERE token_hash = $1").bind(token_hash).execute(&self.writer).await?;
        Ok(())
    }

    async fn set_operator_password(
        &self,
        id: OperatorId,
        password_hash: &str,
        must_change: bool,
        keep_token: Option<&str>,
    ) -> Result<Changes> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE operators SET password_hash = $1, must_change_password = $2 WHERE id = $3 AND {LIVE_ACCOUNT}"
        );
        let done = query(&sql).bind(password_hash).bind(must_change).bind(id.0).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        query("DELETE FROM operator_tokens WHERE operator_id = $1 AND token_hash <> $2")
            .bind(id.0)
            .bind(keep_token.unwrap_or_default())
            .execute(&mut *tx)
            .await?;
        let changes = self.ended_access(&mut tx, id).await?;
        self.commit_logged(tx).await?;
        Ok(changes)
    }

    async fn set_operator_active(&self, id: OperatorId, active: bool) -> Result<Changes> {
        let mut tx = self.begin().await?;
        let sql = if active {
            format!("UPDATE operators SET deactivated_at = NULL WHERE id = $1 AND {LIVE_ACCOUNT}")
        } else {
            format!(
                "UPDATE operators SET deactivated_at = COALESCE(deactivated_at, $2), status = 'offline' \
                 WHERE id = $1 AND {LIVE_ACCOUNT}"
            )
        };
        let done = query(&sql).bind(id.0).bind(self.clock.now()).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if active {
            tx.commit().await?;
            return Ok(Changes::default());
        }
        let changes = self.end_sessions_of(&mut tx, id).await?;
        self.commit_logged(tx).await?;
        Ok(changes)
    }

    /// Keeps the row (chats and messages name it) but frees the e-mail for a new account.
    async fn delete_operator(&self, id: OperatorId) -> Result<Changes> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE operators SET deleted_at = $2, status = 'offline', \
             email = 'deleted-' || CAST(id AS TEXT) || '+' || email WHERE id = $1 AND {LIVE_ACCOUNT}"
        );
        let done = query(&sql).bind(id.0).bind(self.clock.now()).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        query("DELETE FROM operator_departments WHERE operator_id = $1").bind(id.0).execute(&mut *tx).await?;
        let changes = self.end_sessions_of(&mut tx, id).await?;
        self.commit_logged(tx).await?;
        Ok(changes)
    }

    async fn active_admin_count(&self) -> Result<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM operators WHERE role = 'admin' AND deactivated_at IS NULL AND {LIVE_ACCOUNT}"
        );
        Ok(query_scalar(&sql).fetch_one(&self.reader).await?)
    }

    async fn two_factor(&self, id: OperatorId) -> Result<Option<TwoFactor>> {
        let row = query("SELECT pending_secret, secret FROM operator_totp WHERE operator_id = $1")
            .bind(id.0)
            .fetch_optional(&self.reader)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let recovery_codes: i64 = query_scalar("SELECT COUNT(*) FROM operator_recovery_codes WHERE operator_id = $1")
            .bind(id.0)
            .fetch_one(&self.reader)
            .await?;
        Ok(Some(TwoFactor { pending_secret: row.try_get(0)?, secret: row.try_get(1)?, recovery_codes }))
    }

    async fn set_two_factor_pending(&self, id: OperatorId, secret: &str) -> Result<()> {
        query(
            "INSERT INTO operator_totp (operator_id, pending_secret) VALUES ($1, $2) \
             ON CONFLICT (operator_id) DO UPDATE SET pending_secret = excluded.pending_secret",
        )
        .bind(id.0)
        .bind(secret)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn enable_two_factor(
        &self,
        id: OperatorId,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = query(
            "UPDATE operator_totp SET secret = pending_secret, pending_secret = NULL, last_step = $3 \
             WHERE operator_id = $1 AND pending_secret = $2",
        )
        .bind(id.0)
        .bind(secret)
        .bind(step)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        query("DELETE FROM operator_recovery_codes WHERE operator_id = $1").bind(id.0).execute(&mut *tx).await?;
        for hash in recovery_hashes {
            query("INSERT INTO operator_recovery_codes (operator_id, code_hash) VALUES ($1, $2)")
                .bind(id.0)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn disable_two_factor(&self, id: OperatorId) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = query("DELETE FROM operator_totp WHERE operator_id = $1").bind(id.0).execute(&mut *tx).await?;
        query("DELETE FROM operator_recovery_codes WHERE operator_id = $1").bind(id.0).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn use_two_factor_step(&self, id: OperatorId, step: i64) -> Result<bool> {
        let done = query(
            "UPDATE operator_totp SET last_step = $2 \
             WHERE operator_id = $1 AND secret IS NOT NULL AND (last_step IS NULL OR last_step < $2)",
        )
        .bind(id.0)
        .bind(step)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn use_recovery_code(&self, id: OperatorId, code_hash: &str) -> Result<bool> {
        let done = query("DELETE FROM operator_recovery_codes WHERE operator_id = $1 AND code_hash = $2")
            .bind(id.0)
            .bind(code_hash)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
