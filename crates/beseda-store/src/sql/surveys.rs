//! Post-chat surveys (visitor-api.md §9.8): the administrator's surveys, the offer made when an
//! operator closes a chat, the visitor's answers, the resolution survey, and what statistics
//! read of them.

use crate::capabilities::Surveys;
use crate::{Changes, Resolution, Result, StoreError, SurveyAnswerFact, SurveyOffers, SurveyReply, VisitorCtx};
use async_trait::async_trait;
use beseda_core::ids::{ChatId, VisitorId};
use beseda_core::model::Chat;
use beseda_core::protocol::visitor::{self as proto, DeltaItem};
use beseda_core::survey::{self, Form, Position, Survey};
use beseda_core::DomainError;

use super::events::Emit;
use super::exec::{query, query_scalar};
use super::load::load_operator;
use super::rows::{json_col, to_json};
use super::visitor_actions::{chat_to_rate, took_part};
use super::{Conn, DbRow, SqlStore};

const SURVEY_COLS: &str = "id, title, enabled, department_key, lang, version, forms, updated_at";
const RUN_COLS: &str = "id, survey_id, version, forms, form_id, question_id";

fn survey_from(row: &DbRow) -> Result<Survey> {
    Ok(Survey {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        enabled: row.try_get("enabled")?,
        department_key: row.try_get("department_key")?,
        lang: row.try_get("lang")?,
        version: row.try_get("version")?,
        forms: json_col(row, "forms")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// An offer the visitor has open.
struct Run {
    id: i64,
    survey_id: i64,
    version: i64,
    forms: Vec<Form>,
    at: Position,
}

impl Run {
    fn wire(&self) -> proto::Survey {
        proto::Survey::new(self.id, self.survey_id, self.version, &self.forms, self.at)
    }
}

fn run_from(row: &DbRow) -> Result<Run> {
    Ok(Run {
        id: row.try_get("id")?,
        survey_id: row.try_get("survey_id")?,
        version: row.try_get("version")?,
        forms: json_col(row, "forms")?,
        at: Position { form_id: row.try_get("form_id")?, question_id: row.try_get("question_id")? },
    })
}

async fn open_run(conn: &mut Conn, visitor: &VisitorId) -> Result<Option<Run>> {
    let sql =
        format!("SELECT {RUN_COLS} FROM survey_runs WHERE visitor_id = $1 AND state = 'open' ORDER BY id DESC LIMIT 1");
    let row = query(&sql).bind(visitor.as_str()).fetch_optional(&mut *conn).await?;
    row.as_ref().map(run_from).transpose()
}

/// The survey running for the visitor, as `fullUpdate.survey` shows it.
pub(super) async fn running_survey(conn: &mut Conn, visitor: &VisitorId) -> Result<Option<proto::Survey>> {
    Ok(open_run(conn, visitor).await?.map(|r| r.wire()))
}

/// Ends the visitor's open offer `id` (`completed` or `cancelled`).
async fn close_run(conn: &mut Conn, id: i64, state: &str, now: i64) -> Result<()> {
    query("UPDATE survey_runs SET state = $1, closed_at = $2 WHERE id = $3 AND state = 'open'")
        .bind(state)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// After the operator closed `chat`: with surveys on, a chat of the widget or an app, and its
/// visitor on the site now, the best fitting enabled survey is offered (`SURVEY`), in place of
/// one still open. The closest scope wins (department and language, then department, then
/// language, then neither); among equals the newest survey.
pub(super) async fn offer_survey(conn: &mut Conn, emit: &mut Emit, chat: &Chat) -> Result<()> {
    if !emit.settings.surveys || chat.channel_key.is_some() {
        return Ok(());
    }
    let present: bool =
        query_scalar("SELECT EXISTS (SELECT 1 FROM visit_sessions WHERE visitor_id = $1 AND present = TRUE)")
            .bind(chat.visitor_id.as_str())
            .fetch_one(&mut *conn)
            .await?;
    if !present {
        return Ok(());
    }
    let sql = format!("SELECT {SURVEY_COLS} FROM surveys WHERE enabled = TRUE ORDER BY id DESC");
    let rows = query(&sql).fetch_all(&mut *conn).await?;
    let lang = chat.text_language(&emit.settings).to_owned();
    let mut best: Option<(u8, Survey)> = None;
    for row in &rows {
        let s = survey_from(row)?;
        if let Some(fit) = s.fit(chat.department_key.as_deref(), &lang) {
            if best.as_ref().is_none_or(|(b, _)| fit > *b) {
                best = Some((fit, s));
            }
        }
    }
    let Some((_, s)) = best else { return Ok(()) };
    let Some(at) = survey::first(&s.forms) else { return Ok(()) };
    query("UPDATE survey_runs SET state = 'cancelled', closed_at = $1 WHERE visitor_id = $2 AND state = 'open'")
        .bind(emit.now)
        .bind(chat.visitor_id.as_str())
        .execute(&mut *conn)
        .await?;
    let id: i64 = query_scalar(
        "INSERT INTO survey_runs (survey_id, title, version, forms, visitor_id, chat_id, operator_id, department_key, \
         form_id, question_id, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11) \
         RETURNING id",
    )
    .bind(s.id)
    .bind(&s.title)
    .bind(s.version)
    .bind(to_json(&s.forms)?)
    .bind(chat.visitor_id.as_str())
    .bind(chat.id.0)
    .bind(chat.operator_id.map(|o| o.0))
    .bind(chat.department_key.as_deref())
    .bind(at.form_id)
    .bind(at.question_id)
    .bind(emit.now)
    .fetch_one(&mut *conn)
    .await?;
    let run = Run { id, survey_id: s.id, version: s.version, forms: s.forms, at };
    emit.item(DeltaItem::survey(chat.visit_session_id.as_str(), Some(run.wire())));
    Ok(())
}

/// The visitor's open offer named `id`. Closing (`closing`) an offer of theirs that is closed
/// already is `None`: nothing to do.
async fn named_run(conn: &mut Conn, visitor: &VisitorId, id: &str, closing: bool) -> Result<Option<Run>> {
    let wanted: Option<i64> = id.trim().parse().ok();
    match open_run(conn, visitor).await? {
        Some(run) if Some(run.id) == wanted => Ok(Some(run)),
        Some(_) => Err(DomainError::IncorrectSurveyId.into()),
        None if closing => {
            let theirs: i64 = query_scalar("SELECT COUNT(*) FROM survey_runs WHERE id = $1 AND visitor_id = $2")
                .bind(wanted.unwrap_or(0))
                .bind(visitor.as_str())
                .fetch_one(&mut *conn)
                .await?;
            if theirs > 0 {
                Ok(None)
            } else {
                Err(DomainError::NoCurrentSurvey.into())
            }
        }
        None => Err(DomainError::NoCurrentSurvey.into()),
    }
}

/// Answers with their offers; a `WHERE` follows.
const ANSWER_SQL: &str = "SELECT r.id, r.survey_id, r.title, r.version, r.forms, r.chat_id, r.operator_id, \
     r.department_key, a.form_id, a.question_id, a.answer, a.created_at FROM survey_answers a \
     JOIN survey_runs r ON r.id = a.run_id";

fn answer_fact(row: &DbRow) -> Result<SurveyAnswerFact> {
    let forms: Vec<Form> = json_col(row, "forms")?;
    let at = Position { form_id: row.try_get("form_id")?, question_id: row.try_get("question_id")? };
    let q = survey::question(&forms, at).ok_or_else(|| StoreError::Corrupt("survey answer".into()))?;
    let kept: String = row.try_get("answer")?;
    // A radio answer is kept as the option's position; it is read as the option's text.
    let answer = match q.kind {
        survey::QuestionKind::Radio => {
            kept.parse::<usize>().ok().and_then(|i| q.options.get(i).cloned()).unwrap_or(kept)
        }
        _ => kept,
    };
    Ok(SurveyAnswerFact {
        run_id: row.try_get("id")?,
        survey_id: row.try_get("survey_id")?,
        title: row.try_get("title")?,
        version: row.try_get("version")?,
        chat_id: row.try_get("chat_id")?,
        operator_id: row.try_get("operator_id")?,
        department_key: row.try_get("department_key")?,
        form_id: at.form_id,
        question_id: at.question_id,
        kind: q.kind.as_str().to_owned(),
        question: q.text.clone(),
        answer,
        answered_at: row.try_get("created_at")?,
    })
}

#[async_trait]
impl Surveys for SqlStore {
    async fn surveys(&self) -> Result<Vec<Survey>> {
        let sql = format!("SELECT {SURVEY_COLS} FROM surveys ORDER BY id");
        let rows = query(&sql).fetch_all(&self.reader).await?;
        rows.iter().map(survey_from).collect()
    }

    async fn save_survey(&self, s: &Survey) -> Result<Survey> {
        let mut s = s.clone();
        s.number_forms();
        let forms = to_json(&s.forms)?;
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let id: Option<i64> = if s.id == 0 {
            query_scalar(
                "INSERT INTO surveys (title, enabled, department_key, lang, version, forms, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 1, $5, $6, $7) RETURNING id",
            )
            .bind(&s.title)
            .bind(s.enabled)
            .bind(s.department_key.as_deref())
            .bind(s.lang.as_deref())
            .bind(&forms)
            .bind(now)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?
        } else {
            query_scalar(
                "UPDATE surveys SET title = $1, enabled = $2, department_key = $3, lang = $4, forms = $5, \
                 version = version + 1, updated_at = $6 WHERE id = $7 RETURNING id",
            )
            .bind(&s.title)
            .bind(s.enabled)
            .bind(s.department_key.as_deref())
            .bind(s.lang.as_deref())
            .bind(&forms)
            .bind(now)
            .bind(s.id)
            .fetch_optional(&mut *tx)
            .await?
        };
        let id = id.ok_or(StoreError::NotFound)?;
        let sql = format!("SELECT {SURVEY_COLS} FROM surveys WHERE id = $1");
        let row = query(&sql).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        survey_from(&row)
    }

    async fn delete_survey(&self, id: i64) -> Result<bool> {
        let done = query("DELETE FROM surveys WHERE id = $1").bind(id).execute(&self.writer).await?;
        Ok(done.rows_affected() > 0)
    }

    async fn answer_survey(&self, v: &VisitorCtx, reply: &SurveyReply) -> Result<Changes> {
        let (v2, reply) = (v.clone(), reply.clone());
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                if !settings.surveys {
                    return Err(DomainError::SurveyDisabled.into());
                }
                let closing = reply.answer.is_none();
                let Some(mut run) = named_run(conn, &v2.visitor_id, &reply.survey_id, closing).await? else {
                    return Ok(());
                };
                let session = v2.visit_session_id.as_str();
                let Some(a) = reply.answer else {
                    let answered: i64 = query_scalar("SELECT COUNT(*) FROM survey_answers WHERE run_id = $1")
                        .bind(run.id)
                        .fetch_one(&mut *conn)
                        .await?;
                    let state = if answered > 0 { "completed" } else { "cancelled" };
                    close_run(conn, run.id, state, emit.now).await?;
                    emit.item(DeltaItem::survey(session, None));
                    return Ok(());
                };
                let at = Position { form_id: a.form_id, question_id: a.question_id };
                let question = survey::question(&run.forms, at).ok_or(DomainError::QuestionNotFound)?;
                let kept = question.check_answer(&a.answer)?;
                query(
                    "INSERT INTO survey_answers (run_id, form_id, question_id, answer, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id, form_id, question_id) \
                     DO UPDATE SET answer = excluded.answer, created_at = excluded.created_at",
                )
                .bind(run.id)
                .bind(at.form_id)
                .bind(at.question_id)
                .bind(&kept)
                .bind(emit.now)
                .execute(&mut *conn)
                .await?;
                match survey::next(&run.forms, at) {
                    Some(next) => {
                        query("UPDATE survey_runs SET form_id = $1, question_id = $2 WHERE id = $3")
                            .bind(next.form_id)
                            .bind(next.question_id)
                            .bind(run.id)
                            .execute(&mut *conn)
                            .await?;
                        run.at = next;
                        emit.item(DeltaItem::survey(session, Some(run.wire())));
                    }
                    None => {
                        close_run(conn, run.id, "completed", emit.now).await?;
                        emit.item(DeltaItem::survey(session, None));
                    }
                }
                Ok(())
            })
        })
        .await
    }

    async fn cancel_survey(&self, v: &VisitorCtx, survey_id: &str) -> Result<Changes> {
        let (v2, survey_id) = (v.clone(), survey_id.to_owned());
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                if !settings.surveys {
                    return Err(DomainError::SurveyDisabled.into());
                }
                let Some(run) = named_run(conn, &v2.visitor_id, &survey_id, true).await? else {
                    return Ok(());
                };
                close_run(conn, run.id, "cancelled", emit.now).await?;
                emit.item(DeltaItem::survey(v2.visit_session_id.as_str(), None));
                Ok(())
            })
        })
        .await
    }

    async fn resolution_survey(&self, v: &VisitorCtx, r: &Resolution) -> Result<Changes> {
        let (v2, r) = (v.clone(), r.clone());
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                if !(0..=1).contains(&r.answer) {
                    return Err(DomainError::ResolutionSurveyValueIncorrect.into());
                }
                if !settings.rate_operator {
                    return Err(DomainError::RateDisabled.into());
                }
                let chat = chat_to_rate(conn, &v2, emit.now).await?;
                if load_operator(conn, r.operator_id).await?.is_none() || !took_part(conn, &chat, r.operator_id).await?
                {
                    return Err(DomainError::OperatorNotInChat.into());
                }
                query(
                    "INSERT INTO resolution_answers (chat_id, operator_id, answer, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (chat_id, operator_id) DO UPDATE SET answer = excluded.answer, \
                     created_at = excluded.created_at",
                )
                .bind(chat.id.0)
                .bind(r.operator_id.0)
                .bind(r.answer)
                .bind(emit.now)
                .execute(&mut *conn)
                .await?;
                let rating = proto::Rating::resolution(r.operator_id.0, r.answer);
                emit.item(DeltaItem::operator_rate(chat.visit_session_id.as_str(), rating));
                Ok(())
            })
        })
        .await
    }

    async fn survey_answers(&self, from: i64, to: i64) -> Result<Vec<SurveyAnswerFact>> {
        let sql = format!(
            "{ANSWER_SQL} WHERE a.created_at >= $1 AND a.created_at < $2 \
             ORDER BY a.created_at, r.id, a.form_id, a.question_id"
        );
        let rows = query(&sql).bind(from).bind(to).fetch_all(&self.reader).await?;
        rows.iter().map(answer_fact).collect()
    }

    async fn chat_survey_answers(&self, chat: ChatId) -> Result<Vec<SurveyAnswerFact>> {
        let sql = format!("{ANSWER_SQL} WHERE r.chat_id = $1 ORDER BY r.id, a.form_id, a.question_id");
        let rows = query(&sql).bind(chat.0).fetch_all(&self.reader).await?;
        rows.iter().map(answer_fact).collect()
    }

    async fn survey_offers(&self, from: i64, to: i64) -> Result<Vec<SurveyOffers>> {
        let rows = query(
            "SELECT survey_id, MAX(title) AS title, COUNT(*) AS offered, \
             COUNT(CASE WHEN state = 'completed' THEN 1 END) AS completed, \
             COUNT(CASE WHEN state = 'cancelled' THEN 1 END) AS cancelled \
             FROM survey_runs WHERE created_at >= $1 AND created_at < $2 GROUP BY survey_id ORDER BY survey_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SurveyOffers {
                    survey_id: row.try_get("survey_id")?,
                    title: row.try_get("title")?,
                    offered: row.try_get("offered")?,
                    completed: row.try_get("completed")?,
                    cancelled: row.try_get("cancelled")?,
                })
            })
            .collect()
    }
}
