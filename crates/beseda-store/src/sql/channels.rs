// Custom channels (custom-channel.md), visitor side. Included next to `common.rs`.

use crate::types::{ChannelConfig, ChannelRecord};

const CHANNEL_COLS: &str = "key, title, secret, callback_url, department_mode, default_department, allowed_departments";

fn channel_from(row: &DbRow) -> Result<ChannelRecord> {
    Ok(ChannelRecord {
        key: row.try_get("key")?,
        title: row.try_get("title")?,
        secret: row.try_get("secret")?,
        callback_url: row.try_get("callback_url")?,
        department_mode: row.try_get("department_mode")?,
        default_department: row.try_get("default_department")?,
        allowed_departments: json_col(row, "allowed_departments")?,
    })
}

async fn load_channel(conn: &mut Conn, key: &str) -> Result<Option<ChannelRecord>> {
    let sql = format!("SELECT {CHANNEL_COLS} FROM custom_channels WHERE key = $1");
    let row = sqlx::query(&sql).bind(key).fetch_optional(&mut *conn).await?;
    row.as_ref().map(channel_from).transpose()
}

/// The channel's visitor for an external user id, created with a visit session at the channel's
/// placement on first contact; `fields` update the contact data.
async fn channel_visitor(
    conn: &mut Conn,
    channel: &ChannelRecord,
    external_id: &str,
    fields: Option<&Value>,
    now: i64,
) -> Result<VisitorCtx> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM visitors WHERE channel_key = $1 AND channel_user_id = $2")
            .bind(&channel.key)
            .bind(external_id)
            .fetch_optional(&mut *conn)
            .await?;
    let visitor = match existing {
        Some(id) => VisitorId::from_stored(id),
        None => {
            let id = create_visitor(conn, now).await?;
            sqlx::query("UPDATE visitors SET channel_key = $1, channel_user_id = $2 WHERE id = $3")
                .bind(&channel.key)
                .bind(external_id)
                .bind(id.as_str())
                .execute(&mut *conn)
                .await
                .map_err(StoreError::from_db)?;
            id
        }
    };
    if let Some(fields) = fields {
        merge_visitor_fields(conn, &visitor, fields, now).await?;
    }
    let session: Option<String> =
        sqlx::query_scalar("SELECT id FROM visit_sessions WHERE visitor_id = $1 ORDER BY last_seen_at DESC LIMIT 1")
            .bind(visitor.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    let session = match session {
        Some(id) => {
            sqlx::query("UPDATE visit_sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&id)
                .execute(&mut *conn)
                .await?;
            VisitSessionId::from_stored(id)
        }
        None => {
            let req =
                InitVisit { location: channel.key.clone(), platform: Some("custom".into()), ..InitVisit::default() };
            create_visit_session(conn, &visitor, &req, now).await?
        }
    };
    Ok(VisitorCtx { visitor_id: visitor, visit_session_id: session, location: channel.key.clone() })
}
