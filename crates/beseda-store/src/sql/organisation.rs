//! The organisation's settings, departments and placements.

use crate::capabilities::Organisation;
use crate::{Changes, Result};
use async_trait::async_trait;
use beseda_core::model::{Department, Placement};
use beseda_core::operator_wire::events::WorkspaceChanged;
use beseda_core::operator_wire::OperatorEvent;
use beseda_core::settings::OrgSettings;

use super::events::append_operator_event;
use super::exec::{query, query_scalar};
use super::load::{load_departments, load_placement, load_settings};
use super::rows::{json_col, placement_from, to_json, PLACEMENT_COLS};
use super::SqlStore;

#[async_trait]
impl Organisation for SqlStore {
    async fn settings(&self) -> Result<OrgSettings> {
        load_settings(&mut *self.read().await?).await
    }

    async fn save_settings(&self, settings: &OrgSettings) -> Result<()> {
        query(
            "INSERT INTO settings (key, value) VALUES ('organisation', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(to_json(settings)?)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn workspace_changed(&self) -> Result<Changes> {
        let mut tx = self.begin().await?;
        let seq =
            append_operator_event(&mut tx, &OperatorEvent::WorkspaceChanged(WorkspaceChanged {}), self.clock.now())
                .await?;
        self.commit_logged(tx).await?;
        Ok(Changes::logged(seq))
    }

    async fn is_empty(&self) -> Result<bool> {
        let n: i64 = query_scalar("SELECT COUNT(*) FROM operators").fetch_one(&self.reader).await?;
        Ok(n == 0)
    }

    async fn upsert_department(&self, d: &Department) -> Result<()> {
        query(
            "INSERT INTO departments (id, key, name, locale_names, sort_order, logo) \
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM departments), $1, $2, $3, $4, $5) \
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, locale_names = excluded.locale_names, \
             sort_order = excluded.sort_order, logo = excluded.logo",
        )
        .bind(&d.key)
        .bind(&d.name)
        .bind(to_json(&d.locale_names)?)
        .bind(d.order)
        .bind(&d.logo)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn departments(&self) -> Result<Vec<Department>> {
        load_departments(&mut *self.read().await?).await
    }

    async fn upsert_placement(&self, p: &Placement) -> Result<()> {
        query(
            "INSERT INTO placements (key, title, lang, department_keys, default_department, hello_message, \
             conversation_timeout_hours) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO UPDATE SET \
             title = excluded.title, lang = excluded.lang, department_keys = excluded.department_keys, \
             default_department = excluded.default_department, hello_message = excluded.hello_message, \
             conversation_timeout_hours = excluded.conversation_timeout_hours",
        )
        .bind(&p.key)
        .bind(&p.title)
        .bind(&p.lang)
        .bind(to_json(&p.department_keys)?)
        .bind(&p.default_department)
        .bind(&p.hello_message)
        .bind(p.conversation_timeout_hours)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn placement(&self, key: &str) -> Result<Option<Placement>> {
        load_placement(&mut *self.read().await?, key).await
    }

    async fn placements(&self) -> Result<Vec<Placement>> {
        let sql = format!("SELECT {PLACEMENT_COLS} FROM placements ORDER BY key");
        let rows = query(&sql).fetch_all(&self.reader).await?;
        rows.iter().map(placement_from).collect()
    }

    async fn setting_doc(&self, key: &str) -> Result<Option<serde_json::Value>> {
        let row = query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&self.reader).await?;
        row.map(|r| json_col(&r, "value")).transpose()
    }

    async fn save_setting_doc(&self, key: &str, value: &serde_json::Value) -> Result<()> {
        if key == "organisation" {
            return Err(crate::StoreError::Conflict("the organisation's settings are saved with save_settings".into()));
        }
        // Through the writer: on SQLite beside it this would take the write lock it waits for.
        let (key, value) = (key.to_owned(), to_json(value)?);
        self.write(move |conn| {
            Box::pin(async move {
                query(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key.as_str())
                .bind(value.as_str())
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }
}
