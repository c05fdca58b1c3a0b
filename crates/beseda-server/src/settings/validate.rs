//! Checks of the settings once all layers are in: values that would only fail later, or
//! silently do something else, stop the start with an error that names the key (and its
//! environment variable).

use super::{Key, Settings};
use std::fmt;

/// A setting whose value cannot be used.
#[derive(Debug)]
pub struct InvalidSetting {
    pub key: &'static str,
    pub problem: String,
}

impl fmt::Display for InvalidSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env = Key::find(self.key).map(Key::env).unwrap_or_default();
        let gap = if self.problem.starts_with(':') { "" } else { " " };
        write!(f, "{} ({env}){gap}{}", self.key, self.problem)
    }
}

impl std::error::Error for InvalidSetting {}

fn invalid(key: &'static str, problem: impl Into<String>) -> Result<(), InvalidSetting> {
    Err(InvalidSetting { key, problem: problem.into() })
}

const LOG_FORMATS: [&str; 2] = ["text", "json"];
const LOG_LEVELS: [&str; 6] = ["error", "warn", "info", "debug", "trace", "off"];

impl Settings {
    /// Checks every setting; blank optional values become unset.
    pub fn validate(&mut self) -> Result<(), InvalidSetting> {
        self.forget_blanks();
        self.check_logging()?;
        self.check_addresses()?;
        self.check_durations()?;
        self.check_push()?;
        self.check_mobile_push()?;
        if !["full", "normal"].contains(&self.sqlite_synchronous.as_str()) {
            invalid("sqlite_synchronous", format!("must be `full` or `normal`, not `{}`", self.sqlite_synchronous))?;
        }
        if self.max_connections == 0 {
            invalid("max_connections", "must be at least 1")?;
        }
        Ok(())
    }

    /// An empty optional value (`metrics_token = ""`, `BESEDA_PUBLIC_ORIGIN=`) means unset.
    fn forget_blanks(&mut self) {
        if self.metrics_token.as_ref().is_some_and(|t| t.expose().trim().is_empty()) {
            self.metrics_token = None;
        }
        for url in [&mut self.database_url, &mut self.smtp_url, &mut self.nats_url] {
            if url.as_ref().is_some_and(|u| u.expose().is_empty()) {
                *url = None;
            }
        }
        for text in [
            &mut self.public_origin,
            &mut self.push_contact,
            &mut self.apns_key_id,
            &mut self.apns_team_id,
            &mut self.apns_topic,
            &mut self.fcm_token_url,
        ] {
            if text.as_deref().is_some_and(str::is_empty) {
                *text = None;
            }
        }
        for dir in [&mut self.mail_templates_dir, &mut self.apns_key_file, &mut self.fcm_service_account_file] {
            if dir.as_ref().is_some_and(|d| d.as_os_str().is_empty()) {
                *dir = None;
            }
        }
    }

    fn check_logging(&self) -> Result<(), InvalidSetting> {
        if !LOG_FORMATS.contains(&self.log_format.as_str()) {
            invalid("log_format", format!("must be `text` or `json`, not `{}`", self.log_format))?;
        }
        if !valid_log_filter(&self.log_level) {
            invalid(
                "log_level",
                format!(
                    "must be one of {} or target=level directives such as `info,beseda::access=warn`, not `{}`",
                    LOG_LEVELS.join(", "),
                    self.log_level
                ),
            )?;
        }
        Ok(())
    }

    fn check_addresses(&self) -> Result<(), InvalidSetting> {
        if let Some(origin) = &self.public_origin {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) {
                invalid("public_origin", format!("must be an http:// or https:// origin, not {origin:?}"))?;
            }
        }
        if let Some(bad) = self.allowed_hosts.iter().find(|h| !is_host(h)) {
            invalid("allowed_hosts", format!(": {bad:?} is not a host[:port] such as chat.example.com"))?;
        }
        Ok(())
    }

    fn check_durations(&self) -> Result<(), InvalidSetting> {
        for (key, value) in [
            ("header_timeout_secs", self.header_timeout_secs),
            ("page_ttl_secs", self.page_ttl_secs),
            ("session_ttl_secs", self.session_ttl_secs),
            ("ws_ping_interval_secs", self.ws_ping_interval_secs),
            ("bot_timeout_secs", self.bot_timeout_secs),
            ("webhook_timeout_secs", self.webhook_timeout_secs),
        ] {
            if value == 0 {
                invalid(key, "must be at least 1")?;
            }
        }
        // A socket must get the chance to answer a ping before it counts as silent.
        if self.ws_idle_timeout_secs <= self.ws_ping_interval_secs {
            invalid(
                "ws_idle_timeout_secs",
                format!("must be more than ws_ping_interval_secs ({})", self.ws_ping_interval_secs),
            )?;
        }
        if self.login_lockout_max_secs < self.login_lockout_secs {
            invalid(
                "login_lockout_max_secs",
                format!("must be at least login_lockout_secs ({})", self.login_lockout_secs),
            )?;
        }
        Ok(())
    }

    fn check_push(&self) -> Result<(), InvalidSetting> {
        if let Some(bad) = self.push_insecure_hosts.iter().find(|h| !is_host(h)) {
            invalid("push_insecure_hosts", format!(": {bad:?} is not a host[:port] such as 127.0.0.1:9000"))?;
        }
        if let Some(c) = &self.push_contact {
            if !(c.starts_with("mailto:") || c.starts_with("https://")) {
                invalid("push_contact", format!("must be a mailto: or https: URL, not {c:?}"))?;
            }
        }
        if self.push_preview_chars > beseda_core::push::MAX_TEXT_CHARS {
            invalid("push_preview_chars", format!("must be at most {}", beseda_core::push::MAX_TEXT_CHARS))?;
        }
        Ok(())
    }
}

impl Settings {
    /// APNs and FCM: complete, with keys that load (read and parsed here, so a wrong file stops
    /// the start instead of every push failing); the error never shows a key.
    fn check_mobile_push(&self) -> Result<(), InvalidSetting> {
        let apns_parts = [
            ("apns_key_id", &self.apns_key_id),
            ("apns_team_id", &self.apns_team_id),
            ("apns_topic", &self.apns_topic),
        ];
        match &self.apns_key_file {
            Some(_) => {
                if let Some((key, _)) = apns_parts.iter().find(|(_, v)| v.is_none()) {
                    invalid(key, "is required with apns_key_file")?;
                }
                if let Some(settings) = self.apns() {
                    if let Err(e) = crate::mobile_push::apns::Apns::new(&settings) {
                        invalid("apns_key_file", format!(": {e}"))?;
                    }
                }
            }
            None => {
                if let Some((key, _)) = apns_parts.iter().find(|(_, v)| v.is_some()) {
                    invalid(key, "needs apns_key_file (the .p8 key) too")?;
                }
            }
        }
        for (key, url) in [
            ("apns_url", Some(&self.apns_url)),
            ("fcm_url", Some(&self.fcm_url)),
            ("fcm_token_url", self.fcm_token_url.as_ref()),
        ] {
            if let Some(url) = url {
                if !(url.starts_with("https://") || url.starts_with("http://")) || reqwest::Url::parse(url).is_err() {
                    invalid(key, format!("must be an http(s) URL, not {url:?}"))?;
                }
            }
        }
        if let Some(settings) = self.fcm() {
            if let Err(e) = crate::mobile_push::fcm::Fcm::new(&settings, reqwest::Client::new()) {
                invalid("fcm_service_account_file", format!(": {e}"))?;
            }
        }
        Ok(())
    }
}

fn is_host(h: &str) -> bool {
    !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
}

/// A level, or comma-separated directives each a level or `target=level`, that the tracing
/// filter accepts. (The filter alone would take a bare word such as `loud` as a target name.)
fn valid_log_filter(filter: &str) -> bool {
    let is_level = |l: &str| LOG_LEVELS.iter().any(|k| k.eq_ignore_ascii_case(l.trim()));
    let directives_ok = filter.split(',').filter(|d| !d.trim().is_empty()).all(|d| match d.rsplit_once('=') {
        Some((target, level)) => !target.trim().is_empty() && is_level(level),
        None => is_level(d),
    });
    directives_ok && !filter.trim().is_empty() && tracing_subscriber::EnvFilter::try_new(filter).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_settings_are_checked() {
        for good in ["info", "WARN", "off", "info,beseda::access=warn", "beseda=debug"] {
            assert!(valid_log_filter(good), "{good}");
        }
        for bad in ["loud", "", "info,loud", "beseda=loud", "=info"] {
            assert!(!valid_log_filter(bad), "{bad}");
        }
        let mut c = Settings { log_format: "xml".into(), ..Settings::default() };
        let e = c.validate().expect_err("xml").to_string();
        assert!(e.contains("log_format") && e.contains("json"), "{e}");
        let mut c = Settings { log_level: "loud".into(), ..Settings::default() };
        let e = c.validate().expect_err("loud").to_string();
        assert!(e.contains("log_level") && e.contains("debug"), "{e}");
    }

    #[test]
    fn errors_name_the_key_and_its_variable() {
        let mut c = Settings { ws_idle_timeout_secs: 25, ..Settings::default() };
        let e = c.validate().expect_err("idle = ping").to_string();
        assert!(e.starts_with("ws_idle_timeout_secs (BESEDA_WS_IDLE_TIMEOUT_SECS) must be more than"), "{e}");
        let mut c = Settings { allowed_hosts: vec!["https://a.io/".into()], ..Settings::default() };
        assert!(c.validate().expect_err("a URL").to_string().contains("allowed_hosts"));
        let mut c = Settings { page_ttl_secs: 0, ..Settings::default() };
        assert!(c.validate().expect_err("zero").to_string().contains("page_ttl_secs"));
    }

    #[test]
    fn the_defaults_are_valid() {
        Settings::default().validate().expect("valid");
    }
}
