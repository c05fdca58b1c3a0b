//! The pages of a visit as the widget reports them, for the operator's visitor context (read in
//! `chat_reads.rs`).

use crate::Result;

use super::exec::{query, query_scalar};
use super::Conn;

/// Pages kept per visit session: the newest ones.
pub(super) const PAGES_PER_VISIT: i64 = 200;

/// Records that the visitor of `session` came to `url` now; the same url as the last one (a
/// reload, or the widget and its loader reporting one page) is not a new page.
pub(super) async fn record_page(
    conn: &mut Conn,
    session: &str,
    url: &str,
    title: Option<&str>,
    now: i64,
) -> Result<()> {
    let last: Option<String> =
        query_scalar("SELECT url FROM visit_pages WHERE visit_session_id = $1 ORDER BY visited_at DESC LIMIT 1")
            .bind(session)
            .fetch_optional(&mut *conn)
            .await?;
    if last.as_deref() == Some(url) {
        return Ok(());
    }
    query("INSERT INTO visit_pages (visit_session_id, url, title, visited_at) VALUES ($1, $2, $3, $4)")
        .bind(session)
        .bind(url)
        .bind(title.filter(|t| !t.is_empty()))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let count: i64 = query_scalar("SELECT COUNT(*) FROM visit_pages WHERE visit_session_id = $1")
        .bind(session)
        .fetch_one(&mut *conn)
        .await?;
    if count > PAGES_PER_VISIT {
        query(
            "DELETE FROM visit_pages WHERE visit_session_id = $1 AND visited_at < (SELECT MIN(visited_at) FROM \
             (SELECT visited_at FROM visit_pages WHERE visit_session_id = $1 ORDER BY visited_at DESC LIMIT $2) newest)",
        )
        .bind(session)
        .bind(PAGES_PER_VISIT)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
