//! What the server takes from the settings: [`ServerConfig`] and its parts. The defaults of
//! `ServerConfig`, `Limits` and `ApiUrls` are the settings' defaults, converted here.

use super::Settings;
use crate::state::{ApiUrls, ServerConfig};
use crate::throttle::Limits;
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn delays(list: &[u64]) -> Vec<Duration> {
    list.iter().copied().map(secs).collect()
}

impl Settings {
    /// The server's settings, for a server listening on `listening` (the origin of absolute
    /// URLs without `public_origin`), `demo` from the command line.
    pub fn server_config(&self, listening: &str, demo: bool) -> ServerConfig {
        ServerConfig {
            public_origin: self.public_origin.clone().unwrap_or_else(|| format!("http://{listening}")),
            // Whose X-Forwarded-For counts, whatever the origin.
            trusted_proxies: self.trusted_proxies.clone(),
            // A configured origin is fixed; otherwise the allowed hosts get their own, per request.
            allowed_hosts: if self.public_origin.is_some() { Vec::new() } else { self.allowed_hosts.clone() },
            longpoll_hold: secs(self.longpoll_hold_secs),
            page_ttl: secs(self.page_ttl_secs),
            session_ttl: secs(self.session_ttl_secs),
            max_body_bytes: self.max_body_bytes,
            ws_ping_interval: secs(self.ws_ping_interval_secs),
            ws_idle_timeout: secs(self.ws_idle_timeout_secs),
            max_connections_per_ip: self.max_connections_per_ip,
            max_tcp_connections_per_ip: self.max_tcp_connections_per_ip,
            header_timeout: secs(self.header_timeout_secs),
            demo,
            bot_timeout: secs(self.bot_timeout_secs),
            bot_retry_delays: delays(&self.bot_retry_delays_secs),
            bot_files_allow_private_addresses: self.bot_files_allow_private_addresses,
            channel_retry_delays: delays(&self.channel_retry_delays_secs),
            webhook_timeout: secs(self.webhook_timeout_secs),
            webhook_retry_delays: delays(&self.webhook_retry_delays_secs),
            smtp_url: self.smtp_url.clone(),
            mail_from: self.mail_from.clone(),
            mail_templates_dir: self.mail_templates_dir.clone(),
            mail_retry_delays: delays(&self.mail_retry_delays_secs),
            api_urls: self.api_urls(),
            crm_retry_delays: delays(&self.crm_retry_delays_secs),
            metrics_token: self.metrics_token.clone(),
            limits: self.limits(),
            push_contact: self.push_contact.clone().unwrap_or_else(|| format!("mailto:{}", self.mail_from)),
            push_insecure_hosts: self.push_insecure_hosts.clone(),
            push_preview_chars: self.push_preview_chars,
            push_retry_delays: delays(&self.push_retry_delays_secs),
            apns: self.apns(),
            fcm: self.fcm(),
            mobile_push_retry_delays: delays(&self.mobile_push_retry_delays_secs),
        }
    }

    /// APNs, when its key file is set (the check made sure the rest is).
    pub fn apns(&self) -> Option<crate::mobile_push::ApnsSettings> {
        Some(crate::mobile_push::ApnsSettings {
            key_file: self.apns_key_file.clone()?,
            key_id: self.apns_key_id.clone().unwrap_or_default(),
            team_id: self.apns_team_id.clone().unwrap_or_default(),
            topic: self.apns_topic.clone().unwrap_or_default(),
            url: self.apns_url.trim_end_matches('/').to_owned(),
        })
    }

    /// FCM, when its service-account file is set.
    pub fn fcm(&self) -> Option<crate::mobile_push::FcmSettings> {
        Some(crate::mobile_push::FcmSettings {
            service_account_file: self.fcm_service_account_file.clone()?,
            url: self.fcm_url.trim_end_matches('/').to_owned(),
            token_url: self.fcm_token_url.clone(),
        })
    }

    /// The rate limits as the server takes them.
    pub fn limits(&self) -> Limits {
        Limits {
            login_address_burst: self.login_address_burst,
            login_address_per_minute: self.login_address_per_minute,
            login_account_failures: self.login_account_failures,
            login_lockout: secs(self.login_lockout_secs),
            login_lockout_max: secs(self.login_lockout_max_secs),
            visitor_inits_per_minute: self.visitor_inits_per_minute,
            visitor_chats_per_minute: self.visitor_chats_per_minute,
            visitor_messages_per_minute: self.visitor_messages_per_minute,
        }
    }

    pub fn api_urls(&self) -> ApiUrls {
        ApiUrls {
            telegram: self.telegram_api_url.clone(),
            vk: self.vk_api_url.clone(),
            zendesk: self.zendesk_api_url.clone(),
            amocrm: self.amocrm_api_url.clone(),
            zoho: self.zoho_api_url.clone(),
            zoho_accounts: self.zoho_accounts_url.clone(),
            unisender: self.unisender_api_url.clone(),
        }
    }
}

impl Default for ServerConfig {
    /// The settings' defaults, as if listening on the default address.
    fn default() -> Self {
        let settings = Settings::default();
        settings.server_config(&settings.listen, false)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Settings::default().limits()
    }
}

impl Default for ApiUrls {
    fn default() -> Self {
        Settings::default().api_urls()
    }
}
