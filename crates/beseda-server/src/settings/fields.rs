//! Every configuration key: its documentation (printed by `beseda print-config --example`,
//! so written for the person editing the file), its type and its default. Durations are whole
//! seconds (`_secs`); lists of delays are retry schedules, one retry per entry.

use super::{settings, Secret, SecretUrl};
use std::net::IpAddr;
use std::path::PathBuf;

/// Seconds, as the durations of a retry schedule.
fn secs(list: &[u64]) -> Vec<u64> {
    list.to_vec()
}

settings! {
    /// Address and port to listen on.
    listen: String = "127.0.0.1:8080".into();

    /// Where the SQLite database and other data live (used when database_url is empty).
    data_dir: PathBuf = PathBuf::from("./data");

    /// PostgreSQL instead of SQLite, e.g. "postgres://beseda:secret@db.example.com/beseda".
    /// Its password is never shown (logs, errors, print-config).
    database_url: Option<SecretUrl> = None;

    /// Public origin of the absolute URLs Beseda gives out (file links to bots and channels,
    /// messenger webhooks, the embed code). Set it behind a TLS proxy. Without it: the listen
    /// address. A request never changes it.
    #[example = "\"https://chat.example.com\""]
    public_origin: Option<String> = None;

    /// Addresses of reverse proxies whose X-Forwarded-For is believed for the client's address
    /// (the IP allowlist, connection limits), and whose X-Forwarded-Proto / X-Forwarded-Host
    /// describe a request's origin. Requests from other addresses: the socket's address counts.
    #[example = "[\"127.0.0.1\", \"::1\"]"]
    trusted_proxies: Vec<IpAddr> = Vec::new();

    /// Without public_origin: host[:port] names under which Beseda is reached. A request for one
    /// of them gets its own origin in its answer (the embed code shown to the admin); nothing is
    /// remembered, and bots, channels and messengers still get public_origin or the listen address.
    #[example = "[\"chat.example.com\"]"]
    allowed_hosts: Vec<String> = Vec::new();

    /// Log level: error, warn, info, debug, trace or off, or a filter of target=level directives
    /// such as "info,beseda::access=warn". At info every request writes one access line (target
    /// beseda::access). See docs/operations.md.
    log_level: String = "info".into();

    /// Log format: text or json.
    log_format: String = "text".into();

    /// GET /metrics (Prometheus/OpenMetrics text) answers loopback clients only; with a token it
    /// answers only requests with "Authorization: Bearer <token>", from any address.
    metrics_token: Option<Secret> = None;

    /// SQLite durability: "full" flushes every commit to disk before it is acknowledged;
    /// "normal" survives a process crash but may lose the last commits on power loss.
    sqlite_synchronous: String = "full".into();

    /// Database connections (readers on SQLite; the whole pool on PostgreSQL).
    max_connections: u32 = 8;

    /// How long /l/v/m/delta holds a request when nothing is new, in seconds.
    longpoll_hold_secs: u64 = 25;

    /// A widget page (its page-id) that sent no request for this many seconds has to start
    /// over (init).
    page_ttl_secs: u64 = 30 * 60;

    /// A visit session ends after this many seconds without requests from any of its pages.
    session_ttl_secs: u64 = 24 * 3600;

    /// WebSockets (the widget's and the operators' event stream) are pinged this often, in
    /// seconds …
    ws_ping_interval_secs: u64 = 25;

    /// … and closed when nothing was heard from the other side for this many seconds (more
    /// than ws_ping_interval_secs).
    ws_idle_timeout_secs: u64 = 60;

    /// Largest form or JSON request body, in bytes (uploads have their own limit).
    max_body_bytes: usize = 256 * 1024;

    /// Let bots send files (file_operator) from private and loopback addresses.
    bot_files_allow_private_addresses: bool = false;

    /// Time limit of one call to a bot's webhook (connecting and the whole answer), in seconds.
    bot_timeout_secs: u64 = 3;

    /// Delays before the retries of an event a bot did not take, in seconds; after the last one
    /// the event is given up.
    bot_retry_delays_secs: Vec<u64> = secs(&[1, 2]);

    /// Delays before the retries of an event a custom channel did not take, in seconds.
    channel_retry_delays_secs: Vec<u64> = secs(&[1, 5, 15, 60, 300]);

    /// Time limit of one chat event handler call, in seconds.
    webhook_timeout_secs: u64 = 10;

    /// Delays before the retries of a chat event handler call, in seconds (each ±10 %); after the
    /// last one the call is marked dead.
    webhook_retry_delays_secs: Vec<u64> = secs(&[10, 30, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800]);

    /// SMTP server for e-mail (offline messages, negative ratings, long waits, the daily report,
    /// chat histories for visitors): smtp://host:25 (plain), smtp://user:password@host:587?tls=required
    /// (STARTTLS) or smtps://user:password@host:465. Without it no e-mail is sent.
    smtp_url: Option<SecretUrl> = None;

    /// NATS server that carries events between Beseda nodes sharing one PostgreSQL database
    /// (nats://host:4222). Without it events stay inside this process (one node).
    nats_url: Option<SecretUrl> = None;

    /// Open WebSockets and waiting long-polls per client address (0 = no limit); more are refused
    /// with 429 too-many-connections.
    max_connections_per_ip: usize = 1000;

    /// Open TCP connections per client address (0 = no limit); more are closed at once, unanswered.
    /// Counted by the socket's address, never X-Forwarded-For; the trusted_proxies are exempt, so
    /// list your reverse proxy there (docs/deployment.md, "Connections").
    max_tcp_connections_per_ip: usize = 256;

    /// Seconds a client has to send a request's headers, counted from the connection's opening or
    /// from the previous answer; so also how long an idle keep-alive connection stays open.
    header_timeout_secs: u64 = 10;

    /// Sender address of every e-mail; the company name is shown as the sender's name.
    mail_from: String = "noreply@localhost".into();

    /// A directory whose files replace the built-in mail templates of the same name
    /// (offline_message, negative_rating, long_wait, chat_history, daily_report, signature;
    /// each as <name>.ru.txt and <name>.en.txt: "Subject: ...", a blank line, the body).
    mail_templates_dir: Option<PathBuf> = None;

    /// Delays before the retries of an e-mail the SMTP server refused for now, in seconds.
    mail_retry_delays_secs: Vec<u64> = secs(&[60, 300, 900, 3600]);

    /// Addresses of the external services (change them only for a proxy or a stand-in);
    /// {subdomain} and {account} are the account names from the integration settings,
    /// {api_host} and {accounts_host} the hosts of the Zoho data centre chosen there.
    /// Telegram Bot API.
    telegram_api_url: String = "https://api.telegram.org".into();

    /// VK API.
    vk_api_url: String = "https://api.vk.com".into();

    /// Zendesk.
    zendesk_api_url: String = "https://{subdomain}.zendesk.com".into();

    /// amoCRM.
    amocrm_api_url: String = "https://{account}.amocrm.ru".into();

    /// Zoho CRM API (www.zohoapis.com, .eu, … by data centre) …
    zoho_api_url: String = "https://{api_host}".into();

    /// … and its accounts (OAuth) server (accounts.zoho.com, .eu, …).
    zoho_accounts_url: String = "https://{accounts_host}".into();

    /// UniSender.
    unisender_api_url: String = "https://api.unisender.com".into();

    /// Delays before the retries of a CRM call that failed for now, in seconds.
    crm_retry_delays_secs: Vec<u64> = secs(&[60, 300, 900, 3600]);

    /// Rate limits (docs/deployment.md, "Rate limits"); 0 turns a limit off. Refusals are
    /// 429 with Retry-After. Behind a reverse proxy set trusted_proxies, or every client shares
    /// the proxy's address.
    /// Failed logins (console, bearer tokens, Stored Data API, bot tokens) per client address:
    /// a burst, then so many a minute.
    login_address_burst: u32 = 10;

    login_address_per_minute: u32 = 10;

    /// Failed logins of one account from one address before that address is locked out of that
    /// account (even the right password is refused) for login_lockout_secs, doubling for each
    /// further lockout up to login_lockout_max_secs.
    login_account_failures: u32 = 5;

    login_lockout_secs: u64 = 15 * 60;

    login_lockout_max_secs: u64 = 4 * 3600;

    /// Per client address and minute: new visit sessions (init), chat starts, visitor messages.
    visitor_inits_per_minute: u32 = 120;

    visitor_chats_per_minute: u32 = 30;

    visitor_messages_per_minute: u32 = 300;

    /// Web Push to operators who opted in (docs/operations.md, "Web Push"). The contact push
    /// services may write to about this server's pushes (a mailto: or https: URL; without it,
    /// mailto: and mail_from).
    #[example = "\"mailto:ops@example.com\""]
    push_contact: Option<String> = None;

    /// Characters of the visitor's message shown in a notification, which may appear on a locked
    /// screen; 0 shows none (only "new message" and the chat's number).
    push_preview_chars: usize = 0;

    /// host[:port] of push endpoints that may be plain http and loopback or private addresses:
    /// local stand-ins for tests only. Real push services are https.
    #[example = "[\"127.0.0.1:9000\"]"]
    push_insecure_hosts: Vec<String> = Vec::new();

    /// Delays before the retries of a push the push service could not take now, in seconds (its
    /// Retry-After wins when it gives one).
    push_retry_delays_secs: Vec<u64> = secs(&[10, 60, 300, 900, 3600]);

    /// Pushes to visitors' apps built on the mobile SDKs (docs/api.md, "Push notifications to
    /// apps"), sent while the app has no open connection. APNs (iOS): the token-signing key
    /// file (.p8) from the Apple developer account; keep it readable by the service only. With
    /// it apns_key_id, apns_team_id and apns_topic are required.
    #[example = "\"/etc/beseda/AuthKey_ABC123DEFG.p8\""]
    apns_key_file: Option<PathBuf> = None;

    /// The key's id (10 characters, shown next to the key in the developer account).
    #[example = "\"ABC123DEFG\""]
    apns_key_id: Option<String> = None;

    /// The Apple developer team id (10 characters).
    #[example = "\"DEF123GHIJ\""]
    apns_team_id: Option<String> = None;

    /// The app's bundle id (the apns-topic).
    #[example = "\"com.example.shop\""]
    apns_topic: Option<String> = None;

    /// APNs: https://api.push.apple.com for App Store and TestFlight builds,
    /// https://api.sandbox.push.apple.com for development builds. HTTP/2 only; a plain http://
    /// address (a local stand-in) is spoken HTTP/2 without TLS.
    apns_url: String = "https://api.push.apple.com".into();

    /// FCM (Android): the service account's key file (JSON, from the Firebase console, «Service
    /// accounts»); keep it readable by the service only.
    #[example = "\"/etc/beseda/firebase-service-account.json\""]
    fcm_service_account_file: Option<PathBuf> = None;

    /// FCM HTTP v1 API.
    fcm_url: String = "https://fcm.googleapis.com".into();

    /// OAuth 2.0 token endpoint for the service account; without it the key file's token_uri.
    fcm_token_url: Option<String> = None;

    /// Delays before the retries of a push APNs or FCM could not take now, in seconds (a
    /// Retry-After wins when the service gives one).
    mobile_push_retry_delays_secs: Vec<u64> = secs(&[10, 60, 300, 900, 3600]);
}
