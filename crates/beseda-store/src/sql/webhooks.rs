//! Chat event handler calls (chat-handlers.md §3): queued from the `event.chat_*` outbox rows,
//! claimed with a lease, retried, given up.

use crate::capabilities::Webhooks;
use crate::{NewWebhook, Result, WebhookDelivery, WebhookOutcome};
use async_trait::async_trait;

use super::exec::query;
use super::{DbRow, SqlStore};

const WEBHOOK_COLS: &str = "id, event_id, event, chat_id, url, body, status, attempts, created_at, due_at, done_at, \
                            last_status, last_error";

fn webhook_from(row: &DbRow) -> Result<WebhookDelivery> {
    Ok(WebhookDelivery {
        id: row.try_get("id")?,
        event_id: row.try_get("event_id")?,
        event: row.try_get("event")?,
        chat_id: row.try_get("chat_id")?,
        url: row.try_get("url")?,
        body: row.try_get("body")?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        created_at: row.try_get("created_at")?,
        due_at: row.try_get("due_at")?,
        done_at: row.try_get("done_at")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
    })
}

#[async_trait]
impl Webhooks for SqlStore {
    async fn queue_webhooks(&self, outbox_id: i64, calls: &[NewWebhook]) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let done = query("UPDATE outbox SET done_at = $1, attempts = attempts + 1 WHERE id = $2 AND done_at IS NULL")
            .bind(now)
            .bind(outbox_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 1 {
            for c in calls {
                query(
                    "INSERT INTO webhook_deliveries (event_id, event, chat_id, url, body, created_at, due_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id, url) DO NOTHING",
                )
                .bind(&c.event_id)
                .bind(&c.event)
                .bind(c.chat_id.0)
                .bind(&c.url)
                .bind(&c.body)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_webhooks(&self, limit: i64, lease_micros: i64) -> Result<Vec<WebhookDelivery>> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT {WEBHOOK_COLS} FROM webhook_deliveries WHERE status = 'pending' AND due_at <= $1 \
             ORDER BY due_at, id LIMIT $2{}",
            for_update_skip_locked!()
        );
        let rows = query(&sql).bind(now).bind(limit).fetch_all(&mut *tx).await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let call = webhook_from(row)?;
            query("UPDATE webhook_deliveries SET due_at = $1 WHERE id = $2")
                .bind(now + lease_micros)
                .bind(call.id)
                .execute(&mut *tx)
                .await?;
            claimed.push(call);
        }
        tx.commit().await?;
        Ok(claimed)
    }

    async fn webhook_attempted(&self, id: i64, outcome: &WebhookOutcome) -> Result<()> {
        let now = self.clock.now();
        let (status, due, done, last_status, error) = match outcome {
            WebhookOutcome::Delivered => ("delivered", now, Some(now), None, None),
            WebhookOutcome::Retry { delay_micros, status, error } => {
                ("pending", now + delay_micros, None, *status, Some(error.as_str()))
            }
            WebhookOutcome::GiveUp { dead, status, error } => {
                (if *dead { "dead" } else { "failed" }, now, Some(now), *status, Some(error.as_str()))
            }
        };
        query(
            "UPDATE webhook_deliveries SET status = $1, due_at = $2, done_at = $3, last_status = $4, last_error = $5, \
             attempts = attempts + 1 WHERE id = $6 AND status = 'pending'",
        )
        .bind(status)
        .bind(due)
        .bind(done)
        .bind(last_status)
        .bind(error)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn webhook_deliveries(&self, status: Option<&str>, limit: i64) -> Result<Vec<WebhookDelivery>> {
        let sql = format!(
            "SELECT {WEBHOOK_COLS} FROM webhook_deliveries WHERE ($1 = '' OR status = $1) ORDER BY id DESC LIMIT $2"
        );
        let rows = query(&sql).bind(status.unwrap_or("")).bind(limit).fetch_all(&self.reader).await?;
        rows.iter().map(webhook_from).collect()
    }

    async fn resend_webhook(&self, id: i64) -> Result<bool> {
        let done = query(
            "UPDATE webhook_deliveries SET status = 'pending', due_at = $1, done_at = NULL WHERE id = $2 \
             AND status <> 'pending'",
        )
        .bind(self.clock.now())
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
