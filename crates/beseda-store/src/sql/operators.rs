//! Operator accounts as the workspace and admin panel read and change them.

use crate::capabilities::Operators;
use crate::{AvatarChange, Changes, NewOperator, OperatorCard, Result, StoreError};
use async_trait::async_trait;
use beseda_core::ids::OperatorId;
use beseda_core::model::Operator;
use beseda_core::operator_wire::events::OperatorStatusEvent;
use beseda_core::operator_wire::OperatorEvent;
use beseda_core::state::{OperatorRole, OperatorStatus};
use beseda_core::DomainError;

use super::accounts::LIVE_ACCOUNT;
use super::events::append_operator_event;
use super::exec::{query, query_scalar};
use super::load::{load_operator, load_operators};
use super::rows::to_json;
use super::SqlStore;

#[async_trait]
impl Operators for SqlStore {
    async fn create_operator(&self, new: &NewOperator) -> Result<Operator> {
        let mut tx = self.begin().await?;
        let id: i64 = query_scalar(
            "INSERT INTO operators (email, name, role, password_hash, languages, max_chats, created_at, \
             must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&new.email)
        .bind(&new.name)
        .bind(new.role.as_str())
        .bind(&new.password_hash)
        .bind(to_json(&new.languages)?)
        .bind(new.max_chats)
        .bind(self.clock.now())
        .bind(new.must_change_password)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_db)?;
        for key in &new.department_keys {
            query("INSERT INTO operator_departments (operator_id, department_key) VALUES ($1, $2)")
                .bind(id)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(ref db) if db.is_foreign_key_violation() => {
                        StoreError::Domain(DomainError::WrongArgumentValue("department"))
                    }
                    other => StoreError::from_db(other),
                })?;
        }
        let op = load_operator(&mut tx, OperatorId(id)).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(op)
    }

    async fn operator(&self, id: OperatorId) -> Result<Option<Operator>> {
        load_operator(&mut *self.read().await?, id).await
    }

    async fn operators(&self) -> Result<Vec<Operator>> {
        load_operators(&mut *self.read().await?, false).await
    }

    async fn operator_by_email(&self, email: &str) -> Result<Option<Operator>> {
        let sql = format!("SELECT id FROM operators WHERE lower(email) = lower($1) AND {LIVE_ACCOUNT}");
        let mut conn = self.read().await?;
        let id: Option<i64> = query_scalar(&sql).bind(email).fetch_optional(&mut *conn).await?;
        match id {
            Some(id) => load_operator(&mut conn, OperatorId(id)).await,
            None => Ok(None),
        }
    }

    async fn set_operator_status(&self, id: OperatorId, status: OperatorStatus) -> Result<Changes> {
        let mut tx = self.begin().await?;
        let done = query("UPDATE operators SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let seq = append_operator_event(
            &mut tx,
            &OperatorEvent::OperatorStatus(OperatorStatusEvent { operator_id: id.0, status: status.as_str().into() }),
            self.clock.now(),
        )
        .await?;
        self.commit_logged(tx).await?;
        Ok(Changes { wake_scheduler: true, ..Changes::logged(seq) })
    }

    async fn set_operator_role(&self, id: OperatorId, role: OperatorRole) -> Result<()> {
        query("UPDATE operators SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(id.0)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn set_operator_profile(
        &self,
        id: OperatorId,
        departments: &[String],
        languages: &[String],
        max_chats: Option<i64>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = query("UPDATE operators SET languages = $1, max_chats = $2 WHERE id = $3")
            .bind(to_json(&languages)?)
            .bind(max_chats)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        query("DELETE FROM operator_departments WHERE operator_id = $1").bind(id.0).execute(&mut *tx).await?;
        for key in departments {
            query("INSERT INTO operator_departments (operator_id, department_key) VALUES ($1, $2)")
                .bind(id.0)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(|_| StoreError::Domain(DomainError::WrongArgumentValue("department")))?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_operator_interface_lang(&self, id: OperatorId, lang: Option<&str>) -> Result<()> {
        let lang = lang.map(str::to_owned);
        self.write(move |conn| {
            Box::pin(async move {
                let done = query("UPDATE operators SET interface_lang = $1 WHERE id = $2")
                    .bind(lang.as_deref())
                    .bind(id.0)
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            })
        })
        .await
    }

    async fn set_operator_card(&self, id: OperatorId, card: &OperatorCard) -> Result<Operator> {
        let mut tx = self.begin().await?;
        let done = query("UPDATE operators SET name = $1, email = $2 WHERE id = $3")
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
            query("UPDATE operators SET avatar = $1, photo = $2 WHERE id = $3")
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

    async fn operator_photo(&self, id: OperatorId) -> Result<Option<String>> {
        let photo: Option<Option<String>> =
            query_scalar("SELECT photo FROM operators WHERE id = $1").bind(id.0).fetch_optional(&self.reader).await?;
        Ok(photo.flatten())
    }
}
