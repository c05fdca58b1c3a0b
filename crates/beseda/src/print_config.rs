//! `beseda print-config`: the configuration in effect (defaults ← file ← environment) as
//! TOML, with secrets hidden, so that it can be pasted into an issue or a new file.

use crate::config::{self, Config};
use anyhow::{Context, Result};

const HIDDEN: &str = "***";

/// The effective configuration as TOML: passwords in URLs and any token, password or secret
/// setting replaced by `***`; unset optional keys are left out.
pub fn effective(config: &Config) -> Result<String> {
    let mut value = toml::Value::try_from(config).context("serialising the configuration")?;
    if let Some(table) = value.as_table_mut() {
        for (key, v) in table.iter_mut() {
            redact(key, v);
        }
    }
    toml::to_string(&value).context("serialising the configuration")
}

fn redact(key: &str, value: &mut toml::Value) {
    let secret = ["token", "password", "secret"].iter().any(|s| key.contains(s));
    match value {
        toml::Value::String(s) if secret && !s.is_empty() => *s = HIDDEN.to_owned(),
        toml::Value::String(s) if key.ends_with("_url") => *s = config::redact_url(s),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_effective_configuration_is_toml_without_secrets() {
        let config = Config {
            database_url: Some("postgres://beseda:hunter2@db:5432/beseda".into()),
            smtp_url: Some("smtps://mail:hunter3@smtp.example.com:465".into()),
            ..Config::default()
        };
        let text = effective(&config).expect("prints");
        assert!(!text.contains("hunter"), "{text}");
        let parsed: Config = toml::from_str(&text).expect("valid configuration");
        assert_eq!(parsed.database_url.as_deref(), Some("postgres://beseda:***@db:5432/beseda"));
        assert_eq!(parsed.smtp_url.as_deref(), Some("smtps://mail:***@smtp.example.com:465"));
        assert_eq!(parsed.listen, config.listen);
        let mut token = toml::Value::String("abc".into());
        redact("metrics_token", &mut token);
        assert_eq!(token.as_str(), Some(HIDDEN));
    }
}
