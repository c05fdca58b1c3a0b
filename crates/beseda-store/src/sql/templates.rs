//! Reply templates: global, per department and per operator.

use crate::capabilities::Templates;
use crate::{Result, StoreError, Template, TemplateOwner};
use async_trait::async_trait;
use beseda_core::ids::OperatorId;
use beseda_core::model::Operator;
use beseda_core::DomainError;

use super::exec::{query, query_scalar};
use super::{DbRow, SqlStore};

const TEMPLATE_COLS: &str = "id, scope, department_key, operator_id, section, lang, title, text";

fn template_from(row: &DbRow) -> Result<Template> {
    let scope: String = row.try_get("scope")?;
    let owner = match scope.as_str() {
        "global" => TemplateOwner::Global,
        "department" => TemplateOwner::Department(
            row.try_get::<Option<String>, _>("department_key")?
                .ok_or_else(|| StoreError::Corrupt("template".into()))?,
        ),
        "personal" => TemplateOwner::Personal(OperatorId(
            row.try_get::<Option<i64>, _>("operator_id")?.ok_or_else(|| StoreError::Corrupt("template".into()))?,
        )),
        other => return Err(StoreError::Corrupt(format!("template scope {other}"))),
    };
    Ok(Template {
        id: row.try_get("id")?,
        owner,
        section: row.try_get("section")?,
        lang: row.try_get("lang")?,
        title: row.try_get("title")?,
        text: row.try_get("text")?,
    })
}

/// The columns that say whose a template is: scope, department key, operator id.
fn owner_cols(owner: &TemplateOwner) -> (&'static str, Option<&str>, Option<i64>) {
    match owner {
        TemplateOwner::Global => ("global", None, None),
        TemplateOwner::Department(key) => ("department", Some(key.as_str()), None),
        TemplateOwner::Personal(op) => ("personal", None, Some(op.0)),
    }
}

#[async_trait]
impl Templates for SqlStore {
    async fn templates(&self, viewer: Option<&Operator>) -> Result<Vec<Template>> {
        let order = "ORDER BY scope, section, title, id";
        let rows = match viewer {
            None => {
                let sql = format!("SELECT {TEMPLATE_COLS} FROM templates WHERE scope <> 'personal' {order}");
                query(&sql).fetch_all(&self.reader).await?
            }
            Some(op) => {
                let sql = format!(
                    "SELECT {TEMPLATE_COLS} FROM templates WHERE scope = 'global' \
                     OR (scope = 'personal' AND operator_id = $1) \
                     OR (scope = 'department' AND department_key IN \
                         (SELECT department_key FROM operator_departments WHERE operator_id = $1)) {order}"
                );
                query(&sql).bind(op.id.0).fetch_all(&self.reader).await?
            }
        };
        rows.iter().map(template_from).collect()
    }

    async fn save_template(&self, t: &Template) -> Result<Template> {
        let (scope, department, operator) = owner_cols(&t.owner);
        let mut tx = self.begin().await?;
        let id: Option<i64> = if t.id == 0 {
            query_scalar(
                "INSERT INTO templates (scope, department_key, operator_id, section, lang, title, text, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(scope)
            .bind(department)
            .bind(operator)
            .bind(&t.section)
            .bind(&t.lang)
            .bind(&t.title)
            .bind(&t.text)
            .bind(self.clock.now())
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(ref db) if db.is_foreign_key_violation() => {
                    StoreError::Domain(DomainError::WrongArgumentValue("departmentKey"))
                }
                other => StoreError::from_db(other),
            })?
        } else {
            // Only the owner's own template changes; anything else is "not found".
            query_scalar(
                "UPDATE templates SET section = $1, lang = $2, title = $3, text = $4 \
                 WHERE id = $5 AND scope = $6 AND COALESCE(department_key, '') = $7 AND COALESCE(operator_id, 0) = $8 \
                 RETURNING id",
            )
            .bind(&t.section)
            .bind(&t.lang)
            .bind(&t.title)
            .bind(&t.text)
            .bind(t.id)
            .bind(scope)
            .bind(department.unwrap_or_default())
            .bind(operator.unwrap_or_default())
            .fetch_optional(&mut *tx)
            .await?
        };
        let id = id.ok_or(StoreError::NotFound)?;
        let row =
            query(&format!("SELECT {TEMPLATE_COLS} FROM templates WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        template_from(&row)
    }

    async fn delete_template(&self, id: i64, owner: Option<&TemplateOwner>) -> Result<bool> {
        let done = match owner.map(owner_cols) {
            None => query("DELETE FROM templates WHERE id = $1").bind(id).execute(&self.writer).await?,
            Some((scope, department, operator)) => {
                query(
                    "DELETE FROM templates WHERE id = $1 AND scope = $2 AND COALESCE(department_key, '') = $3 \
                     AND COALESCE(operator_id, 0) = $4",
                )
                .bind(id)
                .bind(scope)
                .bind(department.unwrap_or_default())
                .bind(operator.unwrap_or_default())
                .execute(&self.writer)
                .await?
            }
        };
        Ok(done.rows_affected() > 0)
    }
}
