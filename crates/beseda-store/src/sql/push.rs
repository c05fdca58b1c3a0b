//! Web Push: the VAPID key pair, operators' push subscriptions, and the pushes queued (outbox kind
//! `push`, subject = subscription id) in the transaction of the change they tell of.

use crate::capabilities::Push;
use crate::{NewPushSubscription, PushSubscription, Result, VapidKey};
use async_trait::async_trait;
use beseda_core::ids::OperatorId;
use beseda_core::model::Operator;
use beseda_core::push::Target;
use serde_json::Value;
use std::collections::BTreeMap;

use super::exec::{query, query_scalar};
use super::load::{load_operators_by_id, load_settings};
use super::rows::{marks, to_json};
use super::visibility::bot_operator_ids;
use super::{Conn, DbRow, SqlStore};

const PUSH_SUB_COLS: &str = "id, operator_id, endpoint, p256dh, auth, created_at";

fn push_subscription_from(row: &DbRow) -> Result<PushSubscription> {
    Ok(PushSubscription {
        id: row.try_get("id")?,
        operator_id: OperatorId(row.try_get("operator_id")?),
        endpoint: row.try_get("endpoint")?,
        p256dh: row.try_get("p256dh")?,
        auth: row.try_get("auth")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Ends the pushes not yet delivered to the subscriptions `ids`.
async fn end_pushes(conn: &mut Conn, ids: &[i64], now: i64, why: &str) -> Result<()> {
    for id in ids {
        query(
            "UPDATE outbox SET done_at = $1, last_error = $2 WHERE kind = 'push' AND subject = $3 AND done_at IS NULL",
        )
        .bind(now)
        .bind(why)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Queues the pushes a batch of operator events (stamped with their scopes) brings
/// (`beseda_core::push`). Costs one query when nobody concerned opted in; reads only the
/// operators a notice can reach — those named by one (a chat's holder, an assignee) and, for a
/// chat nobody holds, those online — so a message does not read every operator's account.
pub(super) async fn queue_pushes(conn: &mut Conn, events: &[Value], now: i64) -> Result<bool> {
    let notices = beseda_core::push::notices(events);
    if notices.is_empty() {
        return Ok(false);
    }
    let mut named: Vec<i64> = Vec::new();
    let mut takers = false;
    for n in &notices {
        match &n.target {
            Target::Operator(id) => named.push(id.0),
            Target::Takers(_) => takers = true,
        }
    }
    named.sort_unstable();
    named.dedup();
    let sql = format!(
        "SELECT s.id, s.operator_id FROM push_subscriptions s JOIN operators o ON o.id = s.operator_id \
         WHERE o.deleted_at IS NULL AND o.deactivated_at IS NULL AND ((o.status = 'online' AND $1){}) ORDER BY s.id",
        if named.is_empty() { String::new() } else { format!(" OR s.operator_id IN ({})", marks(2, named.len())) }
    );
    let mut rows = query(&sql).bind(takers);
    for id in named {
        rows = rows.bind(id);
    }
    let rows = rows.fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        return Ok(false);
    }
    let mut subs: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in &rows {
        subs.entry(r.try_get("operator_id")?).or_default().push(r.try_get("id")?);
    }
    let bots = bot_operator_ids(conn).await?;
    let ids: Vec<i64> = subs.keys().copied().collect();
    let candidates: Vec<Operator> =
        load_operators_by_id(conn, &ids).await?.into_iter().filter(|o| !bots.contains(&o.id)).collect();
    let settings = load_settings(conn).await?;
    let mut queued = false;
    for d in beseda_core::push::deliveries(&notices, &candidates, &settings) {
        let payload = to_json(&d.payload())?;
        for sub in subs.get(&d.operator.0).into_iter().flatten() {
            query("INSERT INTO outbox (kind, subject, payload, created_at, due_at) VALUES ('push', $1, $2, $3, $4)")
                .bind(sub.to_string())
                .bind(&payload)
                .bind(now)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            queued = true;
        }
    }
    Ok(queued)
}

#[async_trait]
impl Push for SqlStore {
    async fn vapid_key(&self, generated: &VapidKey) -> Result<VapidKey> {
        let read = |row: DbRow| -> Result<VapidKey> {
            Ok(VapidKey { private_pkcs8: row.try_get("private_pkcs8")?, public_key: row.try_get("public_key")? })
        };
        let stored = query("SELECT private_pkcs8, public_key FROM push_vapid_key WHERE id = 1")
            .fetch_optional(&self.reader)
            .await?;
        if let Some(row) = stored {
            return read(row);
        }
        let mut tx = self.begin().await?;
        query(
            "INSERT INTO push_vapid_key (id, private_pkcs8, public_key, created_at) VALUES (1, $1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&generated.private_pkcs8)
        .bind(&generated.public_key)
        .bind(self.clock.now())
        .execute(&mut *tx)
        .await?;
        let row =
            query("SELECT private_pkcs8, public_key FROM push_vapid_key WHERE id = 1").fetch_one(&mut *tx).await?;
        tx.commit().await?;
        read(row)
    }

    async fn save_push_subscription(
        &self,
        operator: OperatorId,
        sub: &NewPushSubscription,
        keep: i64,
    ) -> Result<PushSubscription> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        // A browser that re-subscribes (or changes hands) keeps one row: its old pushes end.
        let old: Option<i64> = query_scalar("SELECT id FROM push_subscriptions WHERE endpoint = $1")
            .bind(&sub.endpoint)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(id) = old {
            end_pushes(&mut tx, &[id], now, "subscription replaced").await?;
            query("DELETE FROM push_subscriptions WHERE id = $1").bind(id).execute(&mut *tx).await?;
        }
        let sql = format!(
            "INSERT INTO push_subscriptions (operator_id, endpoint, p256dh, auth, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING {PUSH_SUB_COLS}"
        );
        let row = query(&sql)
            .bind(operator.0)
            .bind(&sub.endpoint)
            .bind(&sub.p256dh)
            .bind(&sub.auth)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        let saved = push_subscription_from(&row)?;
        let extra: Vec<i64> = query_scalar("SELECT id FROM push_subscriptions WHERE operator_id = $1 ORDER BY id DESC")
            .bind(operator.0)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .skip(keep.max(1) as usize)
            .collect();
        end_pushes(&mut tx, &extra, now, "subscription replaced").await?;
        for id in &extra {
            query("DELETE FROM push_subscriptions WHERE id = $1").bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(saved)
    }

    async fn delete_push_subscriptions(&self, operator: OperatorId, endpoint: Option<&str>) -> Result<u64> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let ids: Vec<i64> =
            query_scalar("SELECT id FROM push_subscriptions WHERE operator_id = $1 AND ($2 IS NULL OR endpoint = $2)")
                .bind(operator.0)
                .bind(endpoint)
                .fetch_all(&mut *tx)
                .await?;
        end_pushes(&mut tx, &ids, now, "unsubscribed").await?;
        for id in &ids {
            query("DELETE FROM push_subscriptions WHERE id = $1").bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    async fn push_subscriptions(&self, operator: OperatorId) -> Result<Vec<PushSubscription>> {
        let sql = format!("SELECT {PUSH_SUB_COLS} FROM push_subscriptions WHERE operator_id = $1 ORDER BY id");
        let rows = query(&sql).bind(operator.0).fetch_all(&self.reader).await?;
        rows.iter().map(push_subscription_from).collect()
    }

    async fn push_subscription(&self, id: i64) -> Result<Option<PushSubscription>> {
        let sql = format!("SELECT {PUSH_SUB_COLS} FROM push_subscriptions WHERE id = $1");
        let row = query(&sql).bind(id).fetch_optional(&self.reader).await?;
        row.as_ref().map(push_subscription_from).transpose()
    }

    async fn drop_push_subscription(&self, id: i64) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        end_pushes(&mut tx, &[id], now, "the push service no longer knows the subscription").await?;
        query("DELETE FROM push_subscriptions WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
