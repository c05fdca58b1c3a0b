//! What the store can do, one trait per topic; [`Store`] is all of them. Each trait is
//! implemented once per backend in the module of the same topic under `sql/`.

use crate::{
    AuditEntry, AuditQuery, BotCall, BotConfig, BotDelivery, BotRecord, Changes, ChannelConfig, ChannelRecord,
    ChatDetail, ChatFact, ChatList, ChatSummary, CommitStats, DayReport, DeltaRead, ExportJob, FileRecord,
    HistoryFilter, HistoryPage, HistoryQuery, InitOutcome, InitVisit, LightInfo, LightToken, NewAuditEntry, NewBlock,
    NewFile, NewOperator, NewPushSubscription, NewToken, NewWebhook, OperatorCard, OperatorEvent, OperatorMessage,
    OutboxClaim, OutboxRecord, OutcomeCounts, PageAuth, PageVisit, PoolStats, PushSubscription, RateOperator, Redirect,
    Resolution, Result, SessionField, Snapshot, StartChat, SurveyAnswerFact, SurveyOffers, SurveyReply, TeleportTo,
    Template, TemplateOwner, TokenRecord, TwoFactor, VapidKey, VisitorContext, VisitorCtx, VisitorMessage,
    WebhookDelivery, WebhookOutcome,
};
use async_trait::async_trait;
use beseda_core::ids::{ChatId, FileGuid, MessageId, OperatorId, PageId, VisitSessionId, VisitorId};
use beseda_core::model::{Chat, Department, Message, Operator, Placement, SiteVisitor, Visitor, VisitorBlock};
use beseda_core::provided_visitor::ProvidedVisitor;
use beseda_core::settings::OrgSettings;
use beseda_core::state::{OperatorRole, OperatorStatus};
use beseda_core::survey::Survey;
use beseda_core::time::Clock;
use std::sync::Arc;

/// The database itself: which backend, migrations, a round trip, the clock, log pruning.
#[async_trait]
pub trait Maintenance: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;
    /// A cheap round trip to the database.
    async fn ping(&self) -> Result<()>;
    /// The clock every operation reads.
    fn clock(&self) -> Arc<dyn Clock>;
    async fn prune_session_events(&self, keep_items: i64, keep_micros: i64) -> Result<u64>;
}

/// What the metrics read of the store itself.
#[async_trait]
pub trait Metrics: Send + Sync {
    /// (transactions, changes) committed so far by the group committer, on a backend that has
    /// one (SQLite); more changes than transactions means commits were shared.
    fn group_commit_counts(&self) -> Option<(u64, u64)>;
    /// The group committer's transactions with their batch sizes, where the backend has one.
    fn group_commit_stats(&self) -> Option<CommitStats>;
    /// Use of each connection pool.
    fn pool_stats(&self) -> Vec<PoolStats>;
    /// Unfinished outbox rows by kind, and pending chat event handler calls as `webhook_call`.
    async fn outbox_backlog(&self) -> Result<Vec<(String, i64)>>;
}

/// The organisation's settings, departments and placements.
#[async_trait]
pub trait Organisation: Send + Sync {
    async fn settings(&self) -> Result<OrgSettings>;
    async fn save_settings(&self, settings: &OrgSettings) -> Result<()>;
    /// Tells every operator's workspace that the settings shaping it changed
    /// (`workspace_changed`: it reloads them).
    async fn workspace_changed(&self) -> Result<Changes>;
    async fn is_empty(&self) -> Result<bool>;
    async fn upsert_department(&self, d: &Department) -> Result<()>;
    async fn departments(&self) -> Result<Vec<Department>>;
    async fn upsert_placement(&self, p: &Placement) -> Result<()>;
    async fn placement(&self, key: &str) -> Result<Option<Placement>>;
    /// Every placement, by key.
    async fn placements(&self) -> Result<Vec<Placement>>;
    /// A document of the settings table other than the organisation's settings (an
    /// integration's tokens and connection state), by key; `None` until first written.
    async fn setting_doc(&self, key: &str) -> Result<Option<serde_json::Value>>;
    /// Writes such a document, replacing the one before.
    async fn save_setting_doc(&self, key: &str, value: &serde_json::Value) -> Result<()>;
}

/// Operator accounts as the workspace and the admin panel see them.
#[async_trait]
pub trait Operators: Send + Sync {
    async fn create_operator(&self, new: &NewOperator) -> Result<Operator>;
    async fn operator(&self, id: OperatorId) -> Result<Option<Operator>>;
    async fn operators(&self) -> Result<Vec<Operator>>;
    async fn set_operator_status(&self, id: OperatorId, status: OperatorStatus) -> Result<Changes>;
    async fn set_operator_role(&self, id: OperatorId, role: OperatorRole) -> Result<()>;
    /// A live (not deleted) account by e-mail, case-insensitively.
    async fn operator_by_email(&self, email: &str) -> Result<Option<Operator>>;
    /// Departments, languages and chat limit of an operator.
    async fn set_operator_profile(
        &self,
        id: OperatorId,
        departments: &[String],
        languages: &[String],
        max_chats: Option<i64>,
    ) -> Result<()>;
    /// The console language of an operator (`None`: the organisation's main language).
    async fn set_operator_interface_lang(&self, id: OperatorId, lang: Option<&str>) -> Result<()>;
    /// Name, e-mail and photo of an operator; a taken e-mail is a conflict.
    async fn set_operator_card(&self, id: OperatorId, card: &OperatorCard) -> Result<Operator>;
    /// An operator's uploaded photo (a `data:` URL).
    async fn operator_photo(&self, id: OperatorId) -> Result<Option<String>>;
}

/// Access: logins, tokens, passwords, two-factor authentication, deactivation and deletion.
#[async_trait]
pub trait Accounts: Send + Sync {
    async fn operator_login(&self, email: &str) -> Result<Option<(Operator, String)>>;
    async fn create_token(&self, token: &NewToken) -> Result<()>;
    async fn token(&self, token_hash: &str) -> Result<Option<TokenRecord>>;
    async fn delete_token(&self, token_hash: &str) -> Result<()>;
    /// Replaces the password (and whether the next login must replace it again); ends every
    /// session and token of the operator but `keep_token` (a token hash).
    async fn set_operator_password(
        &self,
        id: OperatorId,
        password_hash: &str,
        must_change: bool,
        keep_token: Option<&str>,
    ) -> Result<Changes>;
    /// Deactivates (offline, every session and token ended, no login) or reactivates an account.
    async fn set_operator_active(&self, id: OperatorId, active: bool) -> Result<Changes>;
    /// Deletes an account: gone from every list and login, its sessions and tokens ended; the
    /// chats and messages that name it keep it.
    async fn delete_operator(&self, id: OperatorId) -> Result<Changes>;
    /// Administrators that can log in.
    async fn active_admin_count(&self) -> Result<i64>;
    /// The operator's two-factor state (none when never set up).
    async fn two_factor(&self, id: OperatorId) -> Result<Option<TwoFactor>>;
    /// Stores `secret` (base32) as the one being set up, replacing an earlier pending one.
    async fn set_two_factor_pending(&self, id: OperatorId, secret: &str) -> Result<()>;
    /// Enables the pending secret with `step` as the last used time step, replacing the
    /// recovery codes with `recovery_hashes`. `NotFound` when nothing is pending or `secret`
    /// is no longer the pending one.
    async fn enable_two_factor(
        &self,
        id: OperatorId,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
    ) -> Result<()>;
    /// Removes the secrets and the recovery codes; false when there was nothing to remove.
    async fn disable_two_factor(&self, id: OperatorId) -> Result<bool>;
    /// Marks `step` used if it is later than the last used one; false when it is not (a replay).
    async fn use_two_factor_step(&self, id: OperatorId, step: i64) -> Result<bool>;
    /// Spends a recovery code by its hash; false when it is not (or no longer) one.
    async fn use_recovery_code(&self, id: OperatorId, code_hash: &str) -> Result<bool>;
}

/// Visitor sessions: the widget's start, pages, the session log, the visitor's history and identity.
#[async_trait]
pub trait Visits: Send + Sync {
    async fn init_visit(&self, req: &InitVisit) -> Result<InitOutcome>;
    async fn page(&self, id: &PageId) -> Result<Option<PageAuth>>;
    async fn touch_page(&self, page: &PageAuth, now: i64) -> Result<()>;
    async fn snapshot(&self, session: &VisitSessionId) -> Result<Snapshot>;
    async fn deltas(&self, session: &VisitSessionId, since: i64, limit: i64) -> Result<DeltaRead>;
    async fn current_chat(&self, visitor: &VisitorId, location: &str) -> Result<Option<Chat>>;
    async fn set_session_field(&self, v: &VisitorCtx, field: SessionField, value: &str) -> Result<()>;
    /// The visitor moved to another page (recorded among the visit's pages): a waiting or open
    /// chat gains or loses priority.
    async fn visit_page(&self, v: &VisitorCtx, page: &PageVisit) -> Result<Changes>;
    async fn history(&self, visitor: &VisitorId, query: HistoryQuery) -> Result<HistoryPage>;
    async fn search_messages(&self, visitor: &VisitorId, text: &str, limit: i64) -> Result<Vec<Message>>;
    /// Registers a visitor token with its fields (again: replaces them, restarts its life).
    async fn save_visitor_token(&self, token: &str, visitor: &ProvidedVisitor) -> Result<()>;
    /// The fields of a token registered at or after `since` (µs).
    async fn visitor_token(&self, token: &str, since: i64) -> Result<Option<ProvidedVisitor>>;
}

/// The mobile SDK's extras: light-mode tokens, cleared history, locations, acknowledged action
/// requests (visitor-api.md §12.1, §15.3).
#[async_trait]
pub trait MobileSdk: Send + Sync {
    /// Keeps a light-mode token (by its SHA-256) for a visitor until `expires_at` (µs); drops
    /// expired ones.
    async fn save_light_token(
        &self,
        token_hash: &str,
        visitor: &VisitorId,
        location: &str,
        expires_at: i64,
    ) -> Result<()>;
    /// The visitor of an unexpired light-mode token.
    async fn light_token(&self, token_hash: &str) -> Result<Option<LightToken>>;
    /// The unread count and history revision a light-mode poll shows.
    async fn light_info(&self, token: &LightToken) -> Result<LightInfo>;
    /// `chat.clear_history`: the visitor's earlier chats leave their history.
    async fn clear_history(&self, v: &VisitorCtx) -> Result<Changes>;
    /// `geo_response`: kept on the visit session; the current chat gets a note for operators.
    async fn visitor_location(&self, v: &VisitorCtx, latitude: f64, longitude: f64) -> Result<Changes>;
    /// `chat.action_request.call_sentry_action_request`: the visitor acknowledged an
    /// `action_request` message (by its id or client-side id).
    async fn acknowledge_action_request(&self, v: &VisitorCtx, message: &str) -> Result<Changes>;
}

/// Post-chat surveys: the administrator's surveys, the visitor's answers, their statistics.
#[async_trait]
pub trait Surveys: Send + Sync {
    /// Every survey, by id.
    async fn surveys(&self) -> Result<Vec<Survey>>;
    /// Creates (`id` 0) or changes a survey, numbering its forms; a change raises its version.
    /// `NotFound` for an unknown id.
    async fn save_survey(&self, s: &Survey) -> Result<Survey>;
    /// Deletes a survey; offers already made and their answers stay. False if there was none.
    async fn delete_survey(&self, id: i64) -> Result<bool>;
    /// `survey.answer`: records an answer and moves to the next question (or closes the survey
    /// after the last); without an answer, closes the survey.
    async fn answer_survey(&self, v: &VisitorCtx, reply: &SurveyReply) -> Result<Changes>;
    /// `survey.cancel`: closes the survey.
    async fn cancel_survey(&self, v: &VisitorCtx, survey_id: &str) -> Result<Changes>;
    /// `chat.resolution_survey_select`.
    async fn resolution_survey(&self, v: &VisitorCtx, r: &Resolution) -> Result<Changes>;
    /// Answers given in `[from, to)`, oldest first.
    async fn survey_answers(&self, from: i64, to: i64) -> Result<Vec<SurveyAnswerFact>>;
    /// The answers to the surveys offered after this chat (whoever asks must be allowed to see
    /// the chat).
    async fn chat_survey_answers(&self, chat: ChatId) -> Result<Vec<SurveyAnswerFact>>;
    /// Offers made in `[from, to)`, by survey.
    async fn survey_offers(&self, from: i64, to: i64) -> Result<Vec<SurveyOffers>>;
}

/// What a visitor does in a chat.
#[async_trait]
pub trait VisitorActions: Send + Sync {
    async fn start_chat(&self, v: &VisitorCtx, req: &StartChat) -> Result<Changes>;
    async fn visitor_message(&self, v: &VisitorCtx, req: &VisitorMessage) -> Result<Changes>;
    async fn visitor_delete_message(&self, v: &VisitorCtx, client_side_id: &str) -> Result<Changes>;
    async fn visitor_react(&self, v: &VisitorCtx, client_side_id: &str, reaction: &str) -> Result<Changes>;
    async fn visitor_read(&self, v: &VisitorCtx, up_to: Option<&str>) -> Result<Changes>;
    async fn keyboard_response(&self, v: &VisitorCtx, request_message_id: &str, button_id: &str) -> Result<Changes>;
    async fn rate_operator(&self, v: &VisitorCtx, req: &RateOperator) -> Result<Changes>;
    async fn visitor_close(&self, v: &VisitorCtx) -> Result<Changes>;
    async fn request_chat_history(&self, v: &VisitorCtx, email: &str) -> Result<()>;
}

/// Contact requests (visitor-api.md §12.1 `chat.cont_resp`).
#[async_trait]
pub trait ContactRequests: Send + Sync {
    /// The visitor's answer to the current chat's pending contact request (`fields` as sent):
    /// checked against the organisation's contact form, written as a `contacts` message, merged
    /// into the visitor's fields. No chat is `no-chat`; no pending request `not_allowed`, except
    /// a repeat of the answer already given, which changes nothing; a fourth e-mail change in
    /// one local day `email-changed-too-many-times`.
    async fn answer_contact_request(&self, v: &VisitorCtx, fields: &serde_json::Value) -> Result<Changes>;
}

/// Uploaded files.
#[async_trait]
pub trait Files: Send + Sync {
    /// Stores an upload and posts it as a file message; a retry (known client-side id) returns
    /// the guid of the file stored the first time.
    async fn store_upload(&self, v: &VisitorCtx, file: &NewFile, client_side_id: &str) -> Result<(FileGuid, Changes)>;
    async fn file(&self, guid: &FileGuid) -> Result<Option<FileRecord>>;
    async fn withdraw_upload(&self, v: &VisitorCtx, guid: &FileGuid) -> Result<Changes>;
}

/// Chats as operators and integrations read them.
#[async_trait]
pub trait ChatReads: Send + Sync {
    /// The visitor's latest visit, its pages, number of visits, pre-chat fields and chats other
    /// than `except` (at most `limit`, newest first): the operator's visitor context.
    async fn visitor_context(&self, visitor: &VisitorId, except: ChatId, limit: i64) -> Result<VisitorContext>;
    async fn operator_chats(&self, viewer: &Operator, list: ChatList) -> Result<Vec<ChatSummary>>;
    async fn chat(&self, id: ChatId) -> Result<Option<ChatDetail>>;
    /// One chat as list rows show it (the `chat` of `GET /chats/{id}`).
    async fn chat_summary(&self, id: ChatId) -> Result<Option<ChatSummary>>;
    /// The newest chat with this client-side id.
    async fn chat_by_client_side_id(&self, client_side_id: &str) -> Result<Option<ChatId>>;
    /// The id of a visitor's message by its client-side id.
    async fn message_id_by_client_side_id(
        &self,
        visitor: &VisitorId,
        client_side_id: &str,
    ) -> Result<Option<MessageId>>;
}

/// What an operator does in a chat.
#[async_trait]
pub trait OperatorActions: Send + Sync {
    async fn take_chat(&self, op: OperatorId, id: ChatId) -> Result<Changes>;
    async fn operator_message(&self, op: OperatorId, id: ChatId, msg: &OperatorMessage)
        -> Result<(MessageId, Changes)>;
    /// An operator's file in the chat (a `file_operator` message the visitor can download);
    /// a waiting chat is taken, as with a message.
    async fn operator_file(&self, op: OperatorId, id: ChatId, file: &NewFile) -> Result<(MessageId, Changes)>;
    /// An internal note (`for_operator`, signed by the operator): seen by staff only, never
    /// sent to the visitor or any integration.
    async fn operator_note(&self, op: OperatorId, id: ChatId, text: &str) -> Result<(MessageId, Changes)>;
    async fn operator_typing(&self, op: OperatorId, id: ChatId, typing: bool) -> Result<Changes>;
    /// Deletes a message of chat `id` the operator wrote (a text or a file) while the chat is not
    /// closed (`beseda_core::chat_access::may_delete_message`), as a visitor's deletion does;
    /// an unread one no longer counts as unread for the visitor. A message not of this chat, or
    /// deleted already, is `MessageNotFound`.
    async fn operator_delete_message(&self, op: OperatorId, id: ChatId, message: &str) -> Result<Changes>;
    /// Sends the visitor of an open chat the operator holds to a page of the visitor's site
    /// (setting `teleport`): an address, or a page of `teleport_pages` by its code.
    async fn teleport(&self, op: OperatorId, id: ChatId, to: &TeleportTo) -> Result<Changes>;
    async fn operator_read(&self, op: OperatorId, id: ChatId) -> Result<Changes>;
    async fn operator_close(&self, op: OperatorId, id: ChatId) -> Result<Changes>;
    async fn redirect(&self, op: OperatorId, id: ChatId, to: &Redirect) -> Result<Changes>;
    async fn set_category(
        &self,
        op: OperatorId,
        id: ChatId,
        category: &str,
        subcategory: Option<&str>,
    ) -> Result<Changes>;
}

/// The operator event log, read by event streams.
#[async_trait]
pub trait EventLog: Send + Sync {
    async fn operator_events(&self, after: i64, limit: i64) -> Result<Vec<OperatorEvent>>;
    async fn last_operator_event(&self) -> Result<i64>;
    /// Events as rounds number them after their changes committed (PostgreSQL, see the
    /// store's `log_sequencer.rs`): the server publishes them. `None` where every change
    /// numbers its own events (SQLite) and returns them in its [`crate::Changes`].
    fn numbered_events(&self) -> Option<tokio::sync::broadcast::Receiver<std::sync::Arc<[OperatorEvent]>>>;
    /// Numbers the events waiting for it now (PostgreSQL; nothing to do elsewhere): what a
    /// node that stopped between a commit and its round left behind.
    async fn number_pending(&self);
}

/// The history search over chats (admin panel and workspace).
#[async_trait]
pub trait History: Send + Sync {
    /// The history search's candidates: chats of the filter, newest first, each with whether
    /// its holder is a bot (for the visibility rule).
    async fn history_chats(&self, filter: &HistoryFilter) -> Result<Vec<(Chat, bool)>>;
    /// The texts of the messages of `chats` that the visitor could see (not notes for
    /// operators) and that are not deleted, for the history's text search.
    async fn visible_texts(&self, chats: &[ChatId]) -> Result<Vec<(ChatId, String)>>;
}

/// The Stored Data API's incremental chat export.
#[async_trait]
pub trait ChatExport: Send + Sync {
    /// Chats changed after the change stamp `since`, oldest change first, with their stamps
    /// (stored-data-api.md §5 `/chats`); at most `limit`.
    async fn chats_since(&self, since: i64, limit: i64) -> Result<Vec<(i64, ChatDetail)>>;
}

/// External bots: their settings, calls and event deliveries.
#[async_trait]
pub trait Bots: Send + Sync {
    /// Creates or changes a bot (an operator account routing treats as a bot's); a new bot, or
    /// `rotate_token`, gets a new token.
    async fn save_bot(&self, config: &BotConfig) -> Result<BotRecord>;
    async fn bot_by_token(&self, token: &str) -> Result<Option<BotRecord>>;
    async fn bots(&self) -> Result<Vec<BotRecord>>;
    /// A Bot API call; the bot must hold the chat.
    async fn bot_call(&self, bot: OperatorId, chat: ChatId, call: &BotCall) -> Result<(Option<MessageId>, Changes)>;
    /// Beseda extension (webchat-sessions.md §4): a bot writes to a visit session; the visitor's
    /// current chat is used (the bot must hold it, or take it when nobody does), or a chat is
    /// started for the bot.
    async fn bot_send_to_session(
        &self,
        bot: OperatorId,
        session: &VisitSessionId,
        msg: &OperatorMessage,
        timeout_hours: Option<i64>,
    ) -> Result<(ChatId, Changes)>;
    /// Claims the next undelivered event of each chat (one per chat, in order) for delivery;
    /// a claim lasts `lease_micros`, after which an unfinished delivery is tried again.
    async fn claim_bot_events(&self, limit: i64, lease_micros: i64) -> Result<Vec<BotDelivery>>;
    async fn bot_event_delivered(&self, outbox_id: i64) -> Result<()>;
    /// The event finally failed: the chat is handed to humans.
    async fn bot_event_failed(&self, outbox_id: i64, reason: &str) -> Result<Changes>;
}

/// Custom channels and their visitors.
#[async_trait]
pub trait Channels: Send + Sync {
    /// Creates (generating key and secret) or changes a custom channel and its placement.
    async fn save_channel(&self, config: &ChannelConfig) -> Result<ChannelRecord>;
    async fn channel(&self, key: &str) -> Result<Option<ChannelRecord>>;
    async fn channels(&self) -> Result<Vec<ChannelRecord>>;
    /// The visitor (and visit session) of an external user of a channel.
    async fn channel_visitor(
        &self,
        key: &str,
        external_id: &str,
        fields: Option<&serde_json::Value>,
    ) -> Result<VisitorCtx>;
    /// The visitor whose open chat of this channel has this external chat id.
    async fn channel_chat_visitor(&self, key: &str, chat_client_side_id: &str) -> Result<Option<VisitorCtx>>;
    /// A custom-channel event finally failed: recorded, and its message marked not delivered.
    async fn channel_event_failed(&self, outbox_id: i64, reason: &str) -> Result<Changes>;
}

/// The outbox: rows written with the change that causes them, claimed and finished by senders.
#[async_trait]
pub trait Outbox: Send + Sync {
    async fn outbox(&self, kind: &str, subject: &str) -> Result<Vec<OutboxRecord>>;
    /// Claims the next undelivered row of each subject of an outbox kind (in order per subject).
    async fn claim_outbox(&self, kind: &str, limit: i64, lease_micros: i64) -> Result<Vec<OutboxClaim>>;
    /// An outbox row is finished: delivered (`None`) or given up (`Some(reason)`).
    async fn outbox_done(&self, outbox_id: i64, error: Option<&str>) -> Result<()>;
    /// A failed attempt to be retried after `delay_micros`.
    async fn outbox_retry(&self, outbox_id: i64, delay_micros: i64, error: &str) -> Result<()>;
}

/// Chat event handler calls.
#[async_trait]
pub trait Webhooks: Send + Sync {
    /// Queues the calls of a claimed `event.chat_*` outbox row and marks the row done, in one
    /// transaction (nothing is queued if another node finished the row first).
    async fn queue_webhooks(&self, outbox_id: i64, calls: &[NewWebhook]) -> Result<()>;
    /// Claims due pending chat event handler calls for `lease_micros`.
    async fn claim_webhooks(&self, limit: i64, lease_micros: i64) -> Result<Vec<WebhookDelivery>>;
    /// Records an attempt of a claimed call.
    async fn webhook_attempted(&self, id: i64, outcome: &WebhookOutcome) -> Result<()>;
    /// The newest calls, optionally of one status.
    async fn webhook_deliveries(&self, status: Option<&str>, limit: i64) -> Result<Vec<WebhookDelivery>>;
    /// Sends a call again (same id and body); false if there is no such call or it is pending.
    async fn resend_webhook(&self, id: i64) -> Result<bool>;
}

/// Figures: queues, outcomes, chat facts, the daily report.
#[async_trait]
pub trait Stats: Send + Sync {
    /// Queues the daily report of `day` (the local date it ends) over `[from, to)`, once per
    /// day; false if it was queued before.
    async fn queue_daily_report(&self, day: &str, from: i64, to: i64) -> Result<bool>;
    /// Figures and chats of `[from, to)` for the daily report.
    async fn day_report(&self, from: i64, to: i64) -> Result<DayReport>;
    /// Waiting chats: (online queue, offline queue), each counted no further than its cap
    /// (`beseda_core::presence::queue_caps`: the counts are only compared with the queue limits).
    async fn queue_counts(&self, caps: (i64, i64)) -> Result<(i64, i64)>;
    async fn outcome_counts(&self) -> Result<OutcomeCounts>;
    /// The chats started in `[from, to)` with what statistics need of them.
    async fn chat_facts(&self, from: i64, to: i64) -> Result<Vec<ChatFact>>;
}

/// Bulk exports of contacts to an integration.
#[async_trait]
pub trait ContactExports: Send + Sync {
    /// Starts a bulk export of contacts to integration `kind` (or returns the running one).
    async fn start_export(&self, kind: &str) -> Result<ExportJob>;
    /// The newest export of `kind`.
    async fn export_job(&self, kind: &str) -> Result<Option<ExportJob>>;
    async fn export_job_by_id(&self, id: i64) -> Result<Option<ExportJob>>;
    /// Records an export's progress.
    async fn export_progress(&self, id: i64, done: i64, cursor: &str, state: &str, error: Option<&str>) -> Result<()>;
    /// Visitors that may have an e-mail or phone, by id after `after`.
    async fn contact_visitors(&self, after: &str, limit: i64) -> Result<Vec<Visitor>>;
}

/// Reply templates.
#[async_trait]
pub trait Templates: Send + Sync {
    /// Reply templates: with a viewer, the global ones, those of the viewer's departments and
    /// the viewer's own; without, every global and department template.
    async fn templates(&self, viewer: Option<&Operator>) -> Result<Vec<Template>>;
    /// Creates (`id` 0) or changes a template; a change must name the template's owner, or the
    /// template is not found.
    async fn save_template(&self, t: &Template) -> Result<Template>;
    /// Deletes a template, if it belongs to `owner` (any owner when `None`).
    async fn delete_template(&self, id: i64, owner: Option<&TemplateOwner>) -> Result<bool>;
}

/// The audit log of admin and CLI actions.
#[async_trait]
pub trait Audit: Send + Sync {
    /// Appends an entry to the audit log; its id.
    async fn add_audit(&self, entry: &NewAuditEntry) -> Result<i64>;
    /// Audit-log entries, newest first.
    async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;
}

/// Visitors on the site, invitations and blocks.
#[async_trait]
pub trait SiteVisitors: Send + Sync {
    /// Visitors with a present visit session seen after `seen_after` (µs), newest arrival first.
    async fn site_visitors(&self, seen_after: i64) -> Result<Vec<SiteVisitor>>;
    /// One visitor on the site (their latest present visit seen after `seen_after`).
    async fn site_visitor(&self, visitor: &VisitorId, seen_after: i64) -> Result<Option<SiteVisitor>>;
    /// Sessions not seen since `seen_before` are no longer present: `visitor_left` for each, at
    /// most `limit` of them (the longest unseen first) in one change, so that a crowd leaving at
    /// once does not hold the writer; the caller repeats while a change comes back.
    async fn sweep_departed(&self, seen_before: i64, limit: i64) -> Result<Changes>;
    /// An operator invites a visitor on the site to chat: a chat in the `invitation` state,
    /// held by the operator, with their message. `visitor-has-chat` when the visitor has one.
    async fn invite_visitor(&self, op: OperatorId, visitor: &VisitorId, text: &str, seen_after: i64)
        -> Result<Changes>;
    /// Blocks a visitor; their open chat is closed finally.
    async fn block_visitor(&self, block: &NewBlock) -> Result<(VisitorBlock, Changes)>;
    /// Blocks, newest first; `active_at`: only those that apply then.
    async fn visitor_blocks(&self, active_at: Option<i64>, limit: i64) -> Result<Vec<VisitorBlock>>;
    /// Lifts a block that still applies; `None` when there is none such.
    async fn lift_block(&self, id: i64, by: OperatorId) -> Result<Option<VisitorBlock>>;
}

/// Web Push: the VAPID key and operators' subscriptions.
#[async_trait]
pub trait Push: Send + Sync {
    /// The VAPID key pair: the stored one, or else `generated`, stored now (the first start;
    /// when two nodes start at once, both get the one stored first).
    async fn vapid_key(&self, generated: &VapidKey) -> Result<VapidKey>;
    /// Stores a push subscription of `operator`, keyed by its endpoint (a known endpoint gets
    /// the new keys and owner); beyond `keep` subscriptions of the operator the oldest go.
    async fn save_push_subscription(
        &self,
        operator: OperatorId,
        sub: &NewPushSubscription,
        keep: i64,
    ) -> Result<PushSubscription>;
    /// Removes the operator's subscription with `endpoint`, or all of theirs; how many went.
    /// Their pushes not yet delivered end with them.
    async fn delete_push_subscriptions(&self, operator: OperatorId, endpoint: Option<&str>) -> Result<u64>;
    /// The operator's subscriptions, oldest first.
    async fn push_subscriptions(&self, operator: OperatorId) -> Result<Vec<PushSubscription>>;
    async fn push_subscription(&self, id: i64) -> Result<Option<PushSubscription>>;
    /// The push service no longer knows the subscription (404, 410): it goes, with its
    /// pushes not yet delivered.
    async fn drop_push_subscription(&self, id: i64) -> Result<()>;
}

/// Pushes to mobile SDK visitors (queued by the changes themselves): whether an app is
/// listening, and tokens the push services no longer know.
#[async_trait]
pub trait MobilePush: Send + Sync {
    /// The session's app listens (an open long-poll or WebSocket) until `until` (µs; a past
    /// time: no longer). Only sessions with a push token keep it.
    async fn set_listening(&self, session: &VisitSessionId, until: i64) -> Result<()>;
    /// Some session with this push token has its app listening now.
    async fn push_token_listening(&self, token: &str) -> Result<bool>;
    /// The push service no longer knows the token: it leaves every session that has it, and
    /// their pushes not yet sent end with `why`; how many sessions had it.
    async fn drop_push_token(&self, token: &str, why: &str) -> Result<u64>;
}

/// Auto-assignment and durable timers.
#[async_trait]
pub trait Scheduling: Send + Sync {
    /// Auto-assignment pass over the waiting chats, oldest (and priority) first.
    async fn assign_waiting(&self, limit: i64) -> Result<Changes>;
    /// Acts on timers due by now; each fires exactly once.
    async fn fire_due_timers(&self, limit: i64) -> Result<Changes>;
    /// The earliest pending deadline.
    async fn next_timer_due(&self) -> Result<Option<i64>>;
}

/// Every operation on Beseda's state: the sum of the topic traits, usable as `Arc<dyn Store>`.
/// Implemented once per backend from shared SQL.
pub trait Store:
    Maintenance
    + Metrics
    + Organisation
    + Operators
    + Accounts
    + Visits
    + VisitorActions
    + ContactRequests
    + MobileSdk
    + MobilePush
    + Files
    + ChatReads
    + OperatorActions
    + EventLog
    + History
    + ChatExport
    + Bots
    + Channels
    + Outbox
    + Webhooks
    + Stats
    + ContactExports
    + Templates
    + Audit
    + SiteVisitors
    + Push
    + Scheduling
    + Surveys
    + Send
    + Sync
    + 'static
{
}

impl Store for crate::sqlite::SqlStore {}
impl Store for crate::postgres::SqlStore {}
