//! Inputs and outputs of store operations.

use beseda_core::ids::{ChatId, FileGuid, MessageId, OperatorId, PageId, VisitSessionId, VisitorId};
use beseda_core::model::{Chat, Department, Message, Operator, Placement, Rating, VisitSession, Visitor};
use beseda_core::settings::OrgSettings;
use beseda_core::state::OperatorRole;
use serde_json::Value;

mod changes;
mod integrations;
mod sdk;
mod surveys;
pub use changes::*;
pub use integrations::*;
pub use sdk::*;
pub use surveys::*;

#[derive(Clone, Debug)]
pub struct NewOperator {
    pub email: String,
    pub name: String,
    pub role: OperatorRole,
    pub password_hash: String,
    pub languages: Vec<String>,
    pub department_keys: Vec<String>,
    pub max_chats: Option<i64>,
    /// The password is one-time: the first login must replace it.
    pub must_change_password: bool,
}

/// An operator's two-factor authentication (TOTP): the secret being set up and the enabled
/// one (base32), and how many unused recovery codes are left.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TwoFactor {
    pub pending_secret: Option<String>,
    pub secret: Option<String>,
    pub recovery_codes: i64,
}

#[derive(Clone, Debug)]
pub struct NewToken {
    pub token_hash: String,
    pub operator_id: OperatorId,
    /// `session` (cookie, CSRF-checked) or `api` (bearer).
    pub kind: String,
    pub csrf: String,
    pub expires_at: i64,
}

#[derive(Clone, Debug)]
pub struct TokenRecord {
    pub operator_id: OperatorId,
    pub kind: String,
    pub csrf: String,
    pub expires_at: i64,
}

/// `/l/v/m/init` after parsing.
#[derive(Clone, Debug, Default)]
pub struct InitVisit {
    pub location: String,
    pub visitor_id: Option<VisitorId>,
    pub visit_session_id: Option<VisitSessionId>,
    pub device_id: Option<String>,
    pub platform: Option<String>,
    pub title: Option<String>,
    pub app_version: Option<String>,
    pub push_token: Option<String>,
    pub push_service: Option<String>,
    pub prechat_fields: Option<Value>,
    /// The page the visitor is on (Beseda extension), for priority pages.
    pub page_url: Option<String>,
    /// The client's `User-Agent` header, the address the server determined (behind trusted
    /// proxies, the one they name) and the page the visitor came from (Beseda extension
    /// `referrer`): shown to operators as the visitor's context.
    pub user_agent: Option<String>,
    pub client_address: Option<String>,
    pub referrer: Option<String>,
    /// Visit sessions idle longer than this (µs) are not resumed.
    pub session_ttl_micros: i64,
    /// Verified fields the site vouches for: the visitor is the one with this provided id.
    pub provided: Option<beseda_core::provided_visitor::ProvidedVisitor>,
}

#[derive(Clone, Debug)]
pub struct InitOutcome {
    pub page: PageAuth,
    pub changes: Changes,
}

/// A page's credentials and the session they belong to.
#[derive(Clone, Debug)]
pub struct PageAuth {
    pub page_id: PageId,
    pub auth_token: String,
    pub visit_session_id: VisitSessionId,
    pub visitor_id: VisitorId,
    pub location: String,
    pub last_seen_at: i64,
    /// A block applies to the visitor (or to the address the session was opened from).
    pub blocked: bool,
    /// The visit session has a device push token (visitor-api.md §16).
    pub push_token: bool,
    /// Until when the session's app is known to listen (µs; see `MobilePush::set_listening`).
    pub listening_until: Option<i64>,
}

impl PageAuth {
    pub fn ctx(&self) -> VisitorCtx {
        VisitorCtx {
            visitor_id: self.visitor_id.clone(),
            visit_session_id: self.visit_session_id.clone(),
            location: self.location.clone(),
        }
    }
}

/// Who is acting on the visitor side.
#[derive(Clone, Debug)]
pub struct VisitorCtx {
    pub visitor_id: VisitorId,
    pub visit_session_id: VisitSessionId,
    pub location: String,
}

/// Everything a `fullUpdate` shows, read consistently: `revision` is read first, so the state
/// is never older than it.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub revision: i64,
    pub session: VisitSession,
    pub visitor: Visitor,
    pub placement: Placement,
    pub settings: OrgSettings,
    pub chat: Option<ChatView>,
    /// Departments offered at the placement, ascending order.
    pub departments: Vec<Department>,
    /// Operators currently online (bots included: an online bot makes the placement online).
    pub online_operators: Vec<Operator>,
    /// Waiting chats: (online queue, offline queue), each counted up to its queue limit.
    pub queue_counts: (i64, i64),
    /// The survey running for the visitor, if any.
    pub survey: Option<beseda_core::protocol::visitor::Survey>,
}

/// A chat with what the visitor sees of it.
#[derive(Clone, Debug)]
pub struct ChatView {
    pub chat: Chat,
    pub messages: Vec<Message>,
    pub operator: Option<Operator>,
    pub ratings: Vec<Rating>,
    /// Resolution survey answers: (operator id, 1 = resolved / 0 = not).
    pub resolutions: Vec<(i64, i64)>,
}

pub use beseda_core::wire::DeltaItem;

#[derive(Clone, Debug, PartialEq)]
pub enum DeltaRead {
    /// Items after `since`, in order; `revision` is the newest one's number.
    Items { revision: i64, items: Vec<DeltaItem> },
    /// `since` is unknown or older than the retained log: send a full update.
    Full,
}

#[derive(Clone, Debug, Default)]
pub struct StartChat {
    pub client_side_id: Option<String>,
    pub force_online: bool,
    pub force_start: bool,
    pub first_question: Option<String>,
    pub department_key: Option<String>,
    pub visitor_fields: Option<Value>,
}

#[derive(Clone, Debug, Default)]
pub struct VisitorMessage {
    pub client_side_id: String,
    pub text: String,
    pub kind: VisitorMessageKind,
    pub data: Option<Value>,
    pub quote_message_id: Option<String>,
    /// Picked from the hints (`hint_question`): shown to operators.
    pub hint_question: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum VisitorMessageKind {
    #[default]
    Text,
    /// `text` holds uploaded-file descriptors.
    Files(Vec<FileGuid>),
    Sticker(i64),
}

#[derive(Clone, Debug)]
pub struct RateOperator {
    pub operator_id: Option<OperatorId>,
    pub rate: i64,
    pub note: Option<String>,
}

/// What the history search asks of the chats (each filter only when given).
#[derive(Clone, Debug, Default)]
pub struct HistoryFilter {
    /// Started in `[from, to)` (µs).
    pub from: i64,
    pub to: i64,
    /// The (last) operator.
    pub operator: Option<i64>,
    pub department: Option<String>,
    /// The category or the subcategory.
    pub category: Option<String>,
}

/// A page the widget reported (`page_visit`): the visitor is on `url` from now on.
#[derive(Clone, Debug, Default)]
pub struct PageVisit {
    pub url: String,
    pub title: Option<String>,
    /// Where the visitor came from; kept as the visit's referrer when it has none yet.
    pub referrer: Option<String>,
}

/// A page of a visit, with when the visitor came to it.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitedPage {
    pub url: String,
    pub title: Option<String>,
    pub at: i64,
}

/// A visit session as the operator's visitor context shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VisitInfo {
    pub platform: Option<String>,
    pub user_agent: Option<String>,
    pub client_address: Option<String>,
    pub referrer: Option<String>,
    pub page_url: Option<String>,
    pub started_at: i64,
    pub last_seen_at: i64,
    /// The last location the app reported (`geo_response`): `{"latitude", "longitude", "at"}`.
    pub geo: Option<Value>,
}

/// Another chat of the same visitor.
#[derive(Clone, Debug)]
pub struct PreviousChat {
    pub chat: Chat,
    /// The holder is a bot's operator account (for the visibility rule).
    pub holder_is_bot: bool,
    pub operator_name: Option<String>,
    /// The visitor's first message.
    pub first_message: Option<String>,
    pub messages: i64,
}

/// What the store knows of a visitor's visits (the operator's visitor context): the latest
/// visit session with its pages, how many visits there were, the pre-chat fields and the
/// visitor's other chats, newest first.
#[derive(Clone, Debug, Default)]
pub struct VisitorContext {
    pub visit: Option<VisitInfo>,
    pub pages: Vec<VisitedPage>,
    pub visits: i64,
    pub prechat_fields: Option<Value>,
    pub previous_chats: Vec<PreviousChat>,
}

/// Small per-session values a visitor sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionField {
    PushToken,
    WidgetState,
    PrechatFields,
}

#[derive(Clone, Copy, Debug)]
pub enum HistoryQuery {
    Latest,
    Since(i64),
    Before(i64),
}

#[derive(Clone, Debug)]
pub struct HistoryPage {
    pub messages: Vec<Message>,
    pub has_more: bool,
    /// Current history revision (`Latest`), or the last change returned (`Since`).
    pub revision: i64,
}

#[derive(Clone, Debug)]
pub struct OutboxRecord {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub payload: Value,
    pub created_at: i64,
}

#[derive(Clone, Debug)]
pub struct NewFile {
    pub guid: FileGuid,
    pub filename: String,
    pub content_type: String,
    pub client_content_type: String,
    pub size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub content: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct FileRecord {
    pub guid: FileGuid,
    pub visitor_id: VisitorId,
    pub chat_id: Option<ChatId>,
    pub message_id: Option<MessageId>,
    pub filename: String,
    pub content_type: String,
    pub client_content_type: String,
    pub size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub content: Vec<u8>,
}

impl FileRecord {
    /// The descriptor of visitor-api.md §9.6.
    pub fn descriptor(&self) -> Value {
        let mut d = serde_json::json!({
            "client_content_type": self.client_content_type,
            "visitor_id": self.visitor_id.as_str(),
            "filename": self.filename,
            "content_type": self.content_type,
            "guid": self.guid.as_str(),
            "size": self.size,
        });
        if let (Some(w), Some(h), Value::Object(map)) = (self.width, self.height, &mut d) {
            map.insert("image".into(), serde_json::json!({"size": {"width": w, "height": h}}));
        }
        d
    }
}

/// Which chats an operator lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatList {
    /// Waiting for an operator (online and offline queue) that this operator may take.
    Waiting,
    /// Open chats held by this operator.
    Mine,
    /// Open chats held by other operators.
    Others,
    /// Chats held by bots.
    Bots,
}

/// Where an operator sends the visitor's page (setting `teleport`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TeleportTo {
    /// An address typed in the workspace.
    Url(String),
    /// A page of the organisation's list (`teleport_pages`) by its code.
    Code(String),
}

/// Where a redirect sends a chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedirectTarget {
    /// An operator (a bot's operator account returns the chat to the bot).
    Operator(OperatorId),
    /// A department's queue.
    Department(String),
    /// The general queue.
    Queue,
}

#[derive(Clone, Debug)]
pub struct Redirect {
    pub target: RedirectTarget,
    /// Change the chat's language (multilingual mode).
    pub language: Option<String>,
    /// Allow a department with nobody online.
    pub allow_offline: bool,
    /// Allow a department whose operators are invisible.
    pub allow_invisible: bool,
}

/// Counters of unanswered chats and busy messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    pub answered: i64,
    pub missed: i64,
    pub refusals: i64,
    pub busy_messages: i64,
}

/// A chat as operator lists show it.
#[derive(Clone, Debug)]
pub struct ChatSummary {
    pub chat: Chat,
    /// The given name, or the default «Посетитель» / «Visitor» of the organisation's language.
    pub visitor_name: String,
    /// Name, number, preview, unread count and waiting time of the row.
    pub row: beseda_core::operator_wire::RowFacts,
    /// The chat's holder is a bot's operator account.
    pub holder_is_bot: bool,
}

#[derive(Clone, Debug)]
pub struct ChatDetail {
    pub chat: Chat,
    pub visitor: Visitor,
    pub messages: Vec<Message>,
    pub operator: Option<Operator>,
    pub ratings: Vec<Rating>,
    /// Messages a custom channel could not be given.
    pub undelivered: Vec<MessageId>,
    /// The platform the visitor's client named on init (`web`, `ios`, `android`, …).
    pub platform: Option<String>,
    /// The page the visitor was last on (reported by the widget).
    pub page_url: Option<String>,
}

#[derive(Clone, Debug)]
pub struct OperatorMessage {
    pub client_side_id: String,
    pub text: String,
    /// `text` is Markdown: the stored text is its plain rendering, `data.markdown` the source.
    pub markdown: bool,
    /// Keyboard rows: each button `{"id", "text", optional "config"}`.
    pub keyboard: Option<Value>,
    /// What the message is beyond its text (a keyboard wins over it).
    pub kind: OperatorMessageKind,
}

/// What an operator's (or bot's) message is, beyond its text.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum OperatorMessageKind {
    /// A plain `operator` message.
    #[default]
    Text,
    /// `cont_req`: asks the visitor for contact details (`data` null); an empty text becomes
    /// the default request in the chat's language.
    ContactRequest,
    /// `action_request`: asks the visitor's app to do something; `data` (an object) is for the
    /// app, the text for the visitor.
    ActionRequest(Value),
}

#[derive(Clone, Debug, PartialEq)]
pub struct OperatorEvent {
    pub seq: i64,
    pub created_at: i64,
    pub event: Value,
}

/// What the daily report tells about a window of time.
#[derive(Clone, Debug, Default)]
pub struct DayReport {
    /// Chats created in the window, of them offline, and their outcomes so far.
    pub chats: i64,
    pub offline: i64,
    pub answered: i64,
    pub missed: i64,
    pub refusals: i64,
    pub busy_messages: i64,
    /// Ratings given in the window and the sum of their values (−2…2 each).
    pub ratings: i64,
    pub rating_sum: i64,
    /// Every chat with a message in the window (all its messages; the report picks the window's).
    pub details: Vec<ChatDetail>,
}

/// A bulk export to an integration and how far it got.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExportJob {
    pub id: i64,
    pub kind: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Visitors with contact data when the export started, and how many were sent.
    pub total: i64,
    pub done: i64,
    /// The last visitor id sent.
    #[serde(skip)]
    pub cursor: String,
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What statistics need of one chat.
#[derive(Clone, Debug, Default)]
pub struct ChatFact {
    pub id: i64,
    pub created_at: i64,
    /// The (last) operator.
    pub operator_id: Option<i64>,
    pub department_key: Option<String>,
    /// The category and subcategory the operator set, if any.
    pub category: Option<String>,
    pub subcategory: Option<String>,
    /// `answered`, `missed`, `refusal`, or none yet.
    pub outcome: Option<String>,
    pub busy_messages: i64,
    pub offline: bool,
    pub first_visitor_message_at: Option<i64>,
    pub first_answer_at: Option<i64>,
    /// The visitor's ratings (−2…2).
    pub ratings: Vec<i64>,
    /// Each wait from a visitor message to the operator's next message, µs.
    pub response_micros: Vec<i64>,
}

/// Whose a reply template is.
#[derive(Clone, Debug, PartialEq)]
pub enum TemplateOwner {
    Global,
    Department(String),
    Personal(OperatorId),
}

/// A reply template. `id` is 0 for one not stored yet; `lang` is empty for every language.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub id: i64,
    pub owner: TemplateOwner,
    pub section: String,
    pub lang: String,
    pub title: String,
    pub text: String,
}

/// What an operator may change about an operator's card.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorCard {
    pub name: String,
    pub email: String,
    /// `None` keeps the photo as it is.
    pub avatar: Option<AvatarChange>,
}

/// A new photo for an operator's card.
#[derive(Clone, Debug, PartialEq)]
pub enum AvatarChange {
    /// No photo.
    Clear,
    /// A photo elsewhere on the web.
    Url(String),
    /// An uploaded image (`data:` URL), shown at `path`.
    Upload { data: String, path: String },
}

/// What the group committer has done: transactions, the changes they carried, and how many
/// transactions carried at most each bucket's number of changes (cumulative, ascending).
#[derive(Clone, Debug, PartialEq)]
pub struct CommitStats {
    pub transactions: u64,
    pub changes: u64,
    pub batches: Vec<(u64, u64)>,
    /// Time the writer spent running and committing batches, µs (idle time excluded): near the
    /// elapsed time means the writer is the bottleneck.
    pub busy_micros: u64,
}

/// One connection pool's use now.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolStats {
    /// `writer` and `reader` on SQLite, `main` on PostgreSQL.
    pub pool: &'static str,
    /// Open connections, in use or idle.
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// One audit-log entry to write: who (an operator, `cli` or `system`), from which address,
/// what action on which target, and the changed fields (`{"field": {"before": …, "after": …}}`,
/// secrets already masked by the caller).
#[derive(Clone, Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAuditEntry {
    pub actor_id: Option<i64>,
    /// The operator's e-mail at the time, or `cli` / `system`.
    pub actor: String,
    pub address: String,
    /// A stable code such as `settings.update` or `operator.deactivate`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub changes: serde_json::Value,
}

/// A stored audit-log entry.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    /// Microseconds since the epoch.
    pub at: i64,
    #[serde(flatten)]
    pub entry: NewAuditEntry,
}

/// Which audit-log entries to read, newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// `[from, to)` in microseconds.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// An operator id, an e-mail, `cli` or `system`.
    pub actor: Option<String>,
    /// An action code, or its prefix before the dot (`operator` matches `operator.*`).
    pub action: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// A block to add (visitor-side effects: no chats; the open chat ends).
#[derive(Clone, Debug)]
pub struct NewBlock {
    pub visitor_id: VisitorId,
    /// Also block the address the visitor's latest visit came from.
    pub block_address: bool,
    pub reason: String,
    /// `None`: permanent.
    pub expires_at: Option<i64>,
    pub created_by: OperatorId,
}

/// The server's VAPID key pair (RFC 8292): the P-256 private key as PKCS#8 DER, base64
/// (standard, padded), and the public key as the uncompressed point, base64url without padding
/// (as browsers take it for `applicationServerKey`). Its `Debug` never shows the private key.
#[derive(Clone, PartialEq, Eq)]
pub struct VapidKey {
    pub private_pkcs8: String,
    pub public_key: String,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey").field("private_pkcs8", &"<secret>").field("public_key", &self.public_key).finish()
    }
}

/// A browser's push subscription (the Push API's `PushSubscription`), validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPushSubscription {
    pub endpoint: String,
    /// The browser's P-256 key, uncompressed point, base64url.
    pub p256dh: String,
    /// The 16-byte auth secret, base64url.
    pub auth: String,
}

/// A stored push subscription of an operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushSubscription {
    pub id: i64,
    pub operator_id: OperatorId,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: i64,
}
