//! Organisation settings: the runtime-editable record the admin panel changes. Stored as one
//! JSON document; every field has a default so older documents keep loading.

use serde::{Deserialize, Serialize};

/// Longest visitor or operator text message, in characters.
pub const DEFAULT_MAX_MESSAGE_LENGTH: usize = 10_000;

/// A chat closes finally after a day without activity (chat-handlers.md §2).
pub const DEFAULT_AUTO_CLOSE_TIMEOUT_SECS: u64 = 86_400;
/// A chat the operator closed closes finally an hour later (chat-handlers.md §2).
pub const DEFAULT_CLOSED_BY_OPERATOR_TIMEOUT_SECS: u64 = 3600;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OrgSettings {
    /// Company name shown to visitors.
    pub name: String,
    /// The main language (any ISO 639-1 code, `crate::languages`): the language of chats
    /// without multilingual mode, of new operators, system messages and e-mails (whose texts
    /// are Russian for `ru` and English otherwise).
    pub default_lang: String,
    /// The company's site, in the signature of e-mails.
    pub site_url: String,
    /// Company logo shown in the chat window: a `data:` URL of a JPEG, GIF or PNG of at most
    /// 100×100 pixels (empty = none).
    pub logo: String,
    /// Photo on auto-invitations (seed 003 «Генератор лидов»): a `data:` URL of a JPEG or PNG
    /// of at most 100×100 pixels (empty = none).
    pub lead_photo: String,
    /// Auto-invitation shown next to the chat button (empty = none), after this many seconds
    /// on the site.
    pub auto_invitation_text: String,
    pub auto_invitation_delay_secs: u64,
    /// IANA time zone of the organisation (e-mails, the daily report).
    pub time_zone: String,

    // --- e-mail addresses (seed 003 «Адреса электронной почты»), comma-separated lists ---
    /// Offline messages go here; the first one is the Reply-To of mail to visitors.
    pub email_left_messages: String,
    /// Negative ratings and long waits are reported here (at most one of each per 30 min).
    pub email_negative_feedback: String,
    /// The daily report goes here.
    pub email_daily_reports: String,
    /// Local time (`HH:MM`) the working day ends and the daily report is sent.
    pub daily_report_time: String,
    /// Chats are created by the visitor's first message, not by opening the widget.
    pub chat_start_after_message: bool,
    /// The visitor must pick a department when the placement offers two or more.
    pub department_choice_obligatory: bool,
    /// The visitor must write a first question before a chat starts.
    pub first_question_obligatory: bool,
    /// Longest text message, in characters.
    pub max_message_length: usize,
    /// Visitors may edit their own messages.
    pub visitor_message_editing: bool,
    /// Visitors may delete their own messages.
    pub visitor_message_deleting: bool,
    /// Visitors may quote messages.
    pub web_and_mobile_quoting: bool,
    /// Visitors may rate operators.
    pub rate_operator: bool,
    /// Visitors may upload files.
    pub visitor_upload_file: bool,
    /// Largest visitor upload, in megabytes.
    pub max_visitor_upload_file_size: u32,
    /// Allowed upload extensions, lowercase, without dots.
    pub allowed_upload_file_types: Vec<String>,
    /// Chats a single operator holds at once unless overridden per operator.
    pub max_chats_per_operator: u32,
    /// The visitor may e-mail themselves the transcript.
    pub send_chat_history: bool,
    /// Visitors are offered a survey after a chat the operator closes (the surveys themselves
    /// are defined in «Опросы»).
    pub surveys: bool,
    /// Operators see what the visitor is typing before it is sent.
    pub operator_typing_preview: bool,

    // --- routing (seed 003 «Дополнительные функции») ---
    /// New chats go straight to the least loaded matching operator.
    pub auto_assignment: bool,
    /// Operators see only their own and unassigned chats (admins and supervisors see all).
    pub hide_others_chats: bool,
    /// Operators cannot edit their own profile (name, e-mail, photo); supervisors and
    /// administrators edit profiles for them. Personal templates stay editable.
    pub hidden_profiles: bool,
    /// Operators are notified (desktop, title, sound) of each new visitor on the site.
    pub new_visitor_notification: bool,
    /// Chats have a language; routing and lists respect operators' languages.
    pub multilang: bool,
    /// Reassign a chat whose assigned operator sent nothing for this long (0 = off), seconds.
    pub reassign_timeout_secs: u64,

    // --- auto-messages and timeouts (seed 003 «Автосообщения») ---
    /// Sent to the visitor when a chat starts (empty = none).
    pub greeting_message: String,
    /// Busy message when the first answer takes longer than this (0 = never), seconds.
    pub first_answer_timeout_secs: u64,
    /// Busy message (once per chat) when an answer during the chat takes longer (0 = never).
    pub operator_response_timeout_secs: u64,
    /// The "operators are busy" text.
    pub busy_message: String,
    /// A visitor who leaves unanswered sooner than this is a refusal, later a missed visitor.
    pub refusal_timeout_secs: u64,
    /// Close a chat finally after this long without activity, seconds (default 86 400; 0 = only
    /// the placement's conversation timeout ends it). A chat whose visitor has not read the
    /// operator's last message waits for that up to three days after the message.
    pub auto_close_timeout_secs: u64,
    /// Close a chat finally this long after the operator closed it, seconds (default 3600; 0 =
    /// wait for the visitor or the inactivity timeout). Waits for an unread operator message
    /// as the inactivity timeout does.
    pub closed_by_operator_timeout_secs: u64,
    /// The operator's close is final at once.
    pub operator_closes_finally: bool,

    // --- classification ---
    /// One category per line; a leading space makes a subcategory of the line above.
    pub categories: Vec<String>,
    /// Operators must set a category before closing.
    pub category_required: bool,

    /// Absolute URLs of pages whose visitors' chats are served first and highlighted.
    pub priority_pages: Vec<String>,

    // --- misc (seed 003 «Разное») ---
    /// Operators may send the visitor to another page of the site during a chat.
    pub teleport: bool,
    /// Pages operators send visitors to by code (teleport by code): one `code address` per
    /// line; the address is a path of the visitor's site (`/delivery`) or an absolute URL on it.
    pub teleport_pages: Vec<String>,
    /// The contact form shown after an operator's or bot's contact request (`cont_req`): the
    /// presence of each field, `mandatory`, `optional` or `hidden` (at least one shown).
    pub contacts_request_name: String,
    pub contacts_request_email: String,
    pub contacts_request_phone: String,
    // --- security (seed 003 «Безопасность») ---
    /// Addresses allowed into the workspace and the admin panel: IPv4 addresses and ranges,
    /// comma-separated (empty = everyone).
    pub ip_allowlist: String,
    /// Operators and administrators without two-factor authentication can only set it up
    /// (everything else is 403 `2fa-setup-required`).
    pub require_2fa: bool,
    /// Probability (%) of showing the chat button to a new visitor.
    pub button_probability: u32,
    /// Hide the online button once more online chats than this wait (None = no limit).
    pub online_queue_limit: Option<u32>,
    /// Hide the offline button once more offline requests than this wait (None = no limit).
    pub offline_queue_limit: Option<u32>,

    // --- integration (seed 003 «Интеграция») ---
    /// Private key that signs provided visitor fields (empty = identification off).
    pub provided_visitor_private_key: String,
    /// `hmac-sha256`, `sha256`, `sha-512` or `md5` (signed fields v2).
    pub provided_visitor_hash_algorithm: String,
    /// Link to an identified visitor's profile in the site's own system, `{id}` standing for
    /// the provided id (empty = none), e.g. `https://crm.example.com/?id={id}`.
    pub crm_link_template: String,
    /// Chat event handlers (chat-handlers.md §1): each event to its own URL (empty = off), all
    /// events to one URL with `event=<name>` appended, signed when the secret is set.
    pub chat_started_handler_url: String,
    pub chat_assigned_handler_url: String,
    pub chat_closed_handler_url: String,
    pub chat_events_handler_url: String,
    pub chat_handlers_signing_secret: String,
    /// Zendesk: a ticket for every chat (`{subdomain}.zendesk.com`; the agent's e-mail with an
    /// API token, or an OAuth access token, which wins when both are set).
    pub zendesk_subdomain: String,
    pub zendesk_login: String,
    pub zendesk_api_token: String,
    pub zendesk_oauth_token: String,
    /// amoCRM (API v4, OAuth 2.0): a contact for every chat. The account's subdomain, and either
    /// the long-lived token of a private integration, or the integration's id, secret and
    /// redirect URI with a one-time authorization code (exchanged for tokens that Beseda
    /// refreshes and keeps, see `crm::oauth`).
    pub amocrm_account: String,
    pub amocrm_long_lived_token: String,
    pub amocrm_client_id: String,
    pub amocrm_client_secret: String,
    pub amocrm_redirect_uri: String,
    pub amocrm_auth_code: String,
    /// Zoho CRM (OAuth 2.0): a lead for every chat. The account's data centre (one of
    /// [`ZOHO_DATA_CENTERS`]), the client id, secret and refresh token of a Zoho API client,
    /// and the lead source written on every lead.
    pub zoho_data_center: String,
    pub zoho_client_id: String,
    pub zoho_client_secret: String,
    pub zoho_refresh_token: String,
    pub zoho_lead_source: String,
    /// Unisender: visitors with an e-mail or phone join the named contact list.
    pub unisender_api_key: String,
    pub unisender_list_name: String,
}

impl Default for OrgSettings {
    fn default() -> Self {
        Self {
            name: "Beseda".into(),
            default_lang: "ru".into(),
            site_url: String::new(),
            logo: String::new(),
            lead_photo: String::new(),
            auto_invitation_text: String::new(),
            auto_invitation_delay_secs: 30,
            time_zone: "Europe/Moscow".into(),
            email_left_messages: String::new(),
            email_negative_feedback: String::new(),
            email_daily_reports: String::new(),
            daily_report_time: "00:00".into(),
            chat_start_after_message: true,
            department_choice_obligatory: false,
            first_question_obligatory: false,
            max_message_length: DEFAULT_MAX_MESSAGE_LENGTH,
            visitor_message_editing: true,
            visitor_message_deleting: true,
            web_and_mobile_quoting: true,
            rate_operator: true,
            visitor_upload_file: true,
            max_visitor_upload_file_size: 10,
            allowed_upload_file_types: ["png", "jpg", "jpeg", "gif", "pdf", "txt", "doc", "docx"]
                .into_iter()
                .map(String::from)
                .collect(),
            max_chats_per_operator: 5,
            send_chat_history: true,
            surveys: false,
            operator_typing_preview: true,
            auto_assignment: false,
            hide_others_chats: false,
            hidden_profiles: false,
            new_visitor_notification: false,
            multilang: false,
            reassign_timeout_secs: 0,
            greeting_message: String::new(),
            first_answer_timeout_secs: 120,
            operator_response_timeout_secs: 300,
            busy_message: "Все операторы сейчас заняты. Пожалуйста, подождите, мы скоро ответим.".into(),
            refusal_timeout_secs: 30,
            auto_close_timeout_secs: DEFAULT_AUTO_CLOSE_TIMEOUT_SECS,
            closed_by_operator_timeout_secs: DEFAULT_CLOSED_BY_OPERATOR_TIMEOUT_SECS,
            operator_closes_finally: false,
            categories: Vec::new(),
            category_required: false,
            priority_pages: Vec::new(),
            teleport: false,
            teleport_pages: Vec::new(),
            contacts_request_name: "optional".into(),
            contacts_request_email: "optional".into(),
            contacts_request_phone: "optional".into(),
            ip_allowlist: String::new(),
            require_2fa: false,
            button_probability: 100,
            online_queue_limit: None,
            offline_queue_limit: None,
            provided_visitor_private_key: String::new(),
            provided_visitor_hash_algorithm: "hmac-sha256".into(),
            crm_link_template: String::new(),
            chat_started_handler_url: String::new(),
            chat_assigned_handler_url: String::new(),
            chat_closed_handler_url: String::new(),
            chat_events_handler_url: String::new(),
            chat_handlers_signing_secret: String::new(),
            zendesk_subdomain: String::new(),
            zendesk_login: String::new(),
            zendesk_api_token: String::new(),
            zendesk_oauth_token: String::new(),
            amocrm_account: String::new(),
            amocrm_long_lived_token: String::new(),
            amocrm_client_id: String::new(),
            amocrm_client_secret: String::new(),
            amocrm_redirect_uri: String::new(),
            amocrm_auth_code: String::new(),
            zoho_data_center: "com".into(),
            zoho_client_id: String::new(),
            zoho_client_secret: String::new(),
            zoho_refresh_token: String::new(),
            zoho_lead_source: String::new(),
            unisender_api_key: String::new(),
            unisender_list_name: String::new(),
        }
    }
}

/// Zoho's data centres: the setting's value, the Zoho Accounts host (OAuth) and the API host.
pub const ZOHO_DATA_CENTERS: [(&str, &str, &str); 8] = [
    ("com", "accounts.zoho.com", "www.zohoapis.com"),
    ("eu", "accounts.zoho.eu", "www.zohoapis.eu"),
    ("in", "accounts.zoho.in", "www.zohoapis.in"),
    ("com.au", "accounts.zoho.com.au", "www.zohoapis.com.au"),
    ("jp", "accounts.zoho.jp", "www.zohoapis.jp"),
    ("ca", "accounts.zohocloud.ca", "www.zohoapis.ca"),
    ("sa", "accounts.zoho.sa", "www.zohoapis.sa"),
    ("com.cn", "accounts.zoho.com.cn", "www.zohoapis.com.cn"),
];

/// The addresses of a comma-separated list, trimmed, empty entries dropped.
pub fn email_list(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|a| !a.is_empty()).map(String::from).collect()
}

/// A plain `local@domain` address (no display name, no spaces, a dotted domain with no empty part).
pub fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !address.chars().any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]".contains(c))
        && !domain.contains('@')
}

impl OrgSettings {
    /// The language of a chat that starts on a placement in `placement_lang`: the placement's
    /// language only in multilingual mode; otherwise, or when the placement names none, the
    /// main language.
    pub fn chat_language(&self, placement_lang: Option<&str>) -> String {
        match placement_lang {
            Some(lang) if self.multilang => lang.to_owned(),
            _ => self.default_lang.clone(),
        }
    }

    /// Extensions as the visitor protocol sends them (joined by `", "`).
    pub fn allowed_types_joined(&self) -> String {
        self.allowed_upload_file_types.join(", ")
    }

    /// The URLs that receive chat event `event` (`chat_started`, `chat_assigned`,
    /// `chat_closed`): its own handler as entered, and the all-events handler with `event=`
    /// appended to its query.
    pub fn chat_handler_urls(&self, event: &str) -> Vec<String> {
        let own = match event {
            "chat_started" => &self.chat_started_handler_url,
            "chat_assigned" => &self.chat_assigned_handler_url,
            "chat_closed" => &self.chat_closed_handler_url,
            _ => return Vec::new(),
        };
        let mut urls = Vec::new();
        if !own.trim().is_empty() {
            urls.push(own.trim().to_owned());
        }
        let all = self.chat_events_handler_url.trim();
        if !all.is_empty() {
            let (base, fragment) = all.split_once('#').map_or((all, None), |(b, f)| (b, Some(f)));
            let sep = if !base.contains('?') {
                "?"
            } else if base.ends_with('?') || base.ends_with('&') {
                ""
            } else {
                "&"
            };
            let mut url = format!("{base}{sep}event={event}");
            if let Some(f) = fragment {
                url = format!("{url}#{f}");
            }
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
        urls
    }

    /// The CRMs set up to hear of every new chat (`zendesk`, `amocrm`, `zoho`, `unisender`).
    pub fn crm_targets(&self) -> Vec<&'static str> {
        let set = |v: &str| !v.trim().is_empty();
        let mut out = Vec::new();
        if set(&self.zendesk_subdomain)
            && (set(&self.zendesk_oauth_token) || (set(&self.zendesk_login) && set(&self.zendesk_api_token)))
        {
            out.push("zendesk");
        }
        let amo_oauth =
            set(&self.amocrm_client_id) && set(&self.amocrm_client_secret) && set(&self.amocrm_redirect_uri);
        if set(&self.amocrm_account) && (set(&self.amocrm_long_lived_token) || amo_oauth) {
            out.push("amocrm");
        }
        if set(&self.zoho_client_id) && set(&self.zoho_client_secret) && set(&self.zoho_refresh_token) {
            out.push("zoho");
        }
        if set(&self.unisender_api_key) && set(&self.unisender_list_name) {
            out.push("unisender");
        }
        out
    }

    /// Whether a visitor on `url` is on a priority page (query and fragment ignored, a trailing
    /// slash and the case of scheme and host do not matter).
    pub fn is_priority_page(&self, url: &str) -> bool {
        let norm = normalize_url(url);
        !norm.is_empty() && self.priority_pages.iter().any(|p| normalize_url(p) == norm)
    }

    /// The CRM link of a visitor with this provided id (the id percent-encoded).
    pub fn crm_link(&self, provided_id: &str) -> Option<String> {
        if self.crm_link_template.is_empty() {
            return None;
        }
        let mut id = String::new();
        for b in provided_id.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                id.push(b as char);
            } else {
                id.push_str(&format!("%{b:02X}"));
            }
        }
        Some(self.crm_link_template.replace("{id}", &id))
    }

    /// Largest upload in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        u64::from(self.max_visitor_upload_file_size) * 1024 * 1024
    }
}

/// `scheme://host/path` with the query, fragment and trailing slash removed and the scheme and
/// host lowercased; empty when `url` is not an absolute http(s) URL.
pub fn normalize_url(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else { return String::new() };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return String::new();
    }
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() {
        return String::new();
    }
    format!("{scheme}://{}/{}", host.to_ascii_lowercase(), path.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_document_keeps_the_other_defaults() {
        let s: OrgSettings =
            serde_json::from_str(r#"{"name":"Acme","visitor_message_editing":false}"#).expect("parses");
        assert_eq!(s.name, "Acme");
        assert!(!s.visitor_message_editing);
        assert_eq!(s.max_message_length, DEFAULT_MAX_MESSAGE_LENGTH);
        assert_eq!(s.allowed_types_joined(), "png, jpg, jpeg, gif, pdf, txt, doc, docx");
    }

    #[test]
    fn the_closing_timeouts_default_to_the_spec_and_a_stored_zero_stays() {
        let s: OrgSettings = serde_json::from_str(r#"{"name":"Acme"}"#).expect("parses");
        assert_eq!((s.auto_close_timeout_secs, s.closed_by_operator_timeout_secs), (86_400, 3600));
        let saved: OrgSettings =
            serde_json::from_str(r#"{"auto_close_timeout_secs":0,"closed_by_operator_timeout_secs":0}"#)
                .expect("parses");
        assert_eq!((saved.auto_close_timeout_secs, saved.closed_by_operator_timeout_secs), (0, 0));
    }

    #[test]
    fn crm_links_carry_the_encoded_id() {
        let s = OrgSettings { crm_link_template: "https://crm.example.com/?id={id}".into(), ..OrgSettings::default() };
        assert_eq!(s.crm_link("12345").as_deref(), Some("https://crm.example.com/?id=12345"));
        assert_eq!(s.crm_link("a b&c=д").as_deref(), Some("https://crm.example.com/?id=a%20b%26c%3D%D0%B4"));
        assert_eq!(OrgSettings::default().crm_link("12345"), None);
    }

    #[test]
    fn chat_handlers_go_to_their_own_url_and_the_all_events_url() {
        let s = OrgSettings {
            chat_started_handler_url: "https://u:p@crm.example.com/h?webim_chat_start".into(),
            chat_events_handler_url: "https://bot.example.com/webhook/abc123".into(),
            ..OrgSettings::default()
        };
        assert_eq!(
            s.chat_handler_urls("chat_started"),
            [
                "https://u:p@crm.example.com/h?webim_chat_start",
                "https://bot.example.com/webhook/abc123?event=chat_started"
            ]
        );
        assert_eq!(s.chat_handler_urls("chat_closed"), ["https://bot.example.com/webhook/abc123?event=chat_closed"]);
        let s =
            OrgSettings { chat_events_handler_url: "https://b.example.com/w?x=1#f".into(), ..OrgSettings::default() };
        assert_eq!(s.chat_handler_urls("chat_assigned"), ["https://b.example.com/w?x=1&event=chat_assigned#f"]);
        assert!(OrgSettings::default().chat_handler_urls("chat_started").is_empty());
        assert!(s.chat_handler_urls("other").is_empty());
    }

    #[test]
    fn e_mail_lists_split_on_commas() {
        assert_eq!(email_list(" petrov@moysite.ru, ivanov@company.com ,"), ["petrov@moysite.ru", "ivanov@company.com"]);
        assert!(email_list("").is_empty());
        assert!(is_email("petrov@moysite.ru"));
        for bad in ["petrov", "@moysite.ru", "a@b", "a b@c.ru", "Пётр <p@c.ru>", "a@b.ru.", "a@@b.ru", "a@b..ru"] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn priority_pages_match_without_query_or_trailing_slash() {
        let s = OrgSettings { priority_pages: vec!["https://www.mysite.com/main".into()], ..OrgSettings::default() };
        assert!(s.is_priority_page("https://WWW.mysite.com/main/?utm=1#x"));
        assert!(!s.is_priority_page("https://www.mysite.com/other"));
        assert!(!s.is_priority_page("not a url"));
        assert_eq!(normalize_url("ftp://x/y"), "");
    }
}
