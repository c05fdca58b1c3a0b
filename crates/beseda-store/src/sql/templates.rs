//! Reply templates, operators' cards and the lists the admin panel shows.

use crate::{AvatarChange, OperatorCard, Result, StoreError, Template, TemplateOwner};
use beseda_core::ids::OperatorId;
use beseda_core::model::{Operator, Placement};
use beseda_core::DomainError;
use sqlx::Row;

use super::common::{load_operator, placement_from, PLACEMENT_COLS};
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

impl SqlStore {
    pub(super) async fn list_templates(&self, viewer: Option<&Operator>) -> Result<Vec<Template>> {
        let order = "ORDER BY scope, section, title, id";
        let rows = match viewer {
            None => {
                let sql = format!("SELECT {TEMPLATE_COLS} FROM templates WHERE scope <> 'personal' {order}");
                sqlx::query(&sql).fetch_all(&self.reader).await?
            }
            Some(op) => {
                let sql = format!(
                    "SELECT {TEMPLATE_COLS} FROM templates WHERE scope = 'global' \
                     OR (scope = 'personal' AND operator_id = $1) \
                     OR (scope = 'department' AND department_key IN \
                         (SELECT department_key FROM operator_departments WHERE operator_id = $1)) {order}"
                );
                sqlx::query(&sql).bind(op.id.0).fetch_all(&self.reader).await?
            }
        };
        rows.iter().map(template_from).collect()
    }

    pub(super) async fn store_template(&self, t: &Template) -> Result<Template> {
        let (scope, department, operator) = owner_cols(&t.owner);
        let mut tx = self.begin().await?;
        let id: Option<i64> = if t.id == 0 {
            sqlx::query_scalar(
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
            sqlx::query_scalar(
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
        let row = sqlx::query(&format!("SELECT {TEMPLATE_COLS} FROM templates WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        template_from(&row)
    }

    pub(super) async fn remove_template(&self, id: i64, owner: Option<&TemplateOwner>) -> Result<bool> {
        let done = match owner.map(owner_cols) {
            None => sqlx::query("DELETE FROM templates WHERE id = $1").bind(id).execute(&self.writer).await?,
            Some((scope, department, operator)) => {
                sqlx::query(
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

    pub(super) async fn update_operator_card(&self, id: OperatorId, card: &OperatorCard) -> Result<Operator> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE operators SET name = $1, email = $2 WHERE id = $3")
            .bind(&card.name)
            .bind(&card.email)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from_db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if let Some(change) = &card.avatar {
            let (avatar, photo) = match change {
                AvatarChange::Clear => (None, None),
                AvatarChange::Url(url) => (Some(url.as_str()), None),
                AvatarChange::Upload { data, path } => (Some(path.as_str()), Some(data.as_str())),
            };
            sqlx::query("UPDATE operators SET avatar = $1, photo = $2 WHERE id = $3")
                .bind(avatar)
                .bind(photo)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        let op = load_operator(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(op)
    }

    pub(super) async fn load_operator_photo(&self, id: OperatorId) -> Result<Option<String>> {
        let photo: Option<Option<String>> = sqlx::query_scalar("SELECT photo FROM operators WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.reader)
            .await?;
        Ok(photo.flatten())
    }

    pub(super) async fn list_placements(&self) -> Result<Vec<Placement>> {
        let sql = format!("SELECT {PLACEMENT_COLS} FROM placements ORDER BY key");
        let rows = sqlx::query(&sql).fetch_all(&self.reader).await?;
        rows.iter().map(placement_from).collect()
    }
}
