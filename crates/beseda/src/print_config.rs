//! `beseda print-config`: the configuration in effect (defaults ← file ← environment ←
//! flags), and `--example`: the defaults. Both are written from the settings' declaration
//! (each key's documentation, then its value), so they cannot drift from the code. Secrets
//! show only their placeholder (their `Serialize` never writes the value).

use crate::config::Settings;
use anyhow::{Context, Result};
use beseda_server::settings::KEYS;

const EXAMPLE_HEADER: &str = "\
# Beseda configuration. Every key is optional; the value shown is the default.
# Each key can also be set with an environment variable BESEDA_<KEY> (upper case, lists
# comma-separated), e.g. BESEDA_LISTEN=0.0.0.0:8080, or on the command line with
# --set KEY=VALUE (written as in the environment). The environment wins over this file,
# and the command line over both.
";

const EFFECTIVE_HEADER: &str = "\
# The configuration in effect: defaults, the file, BESEDA_* variables and flags, in that
# order of precedence. Secrets are hidden (***).
";

/// The commented example configuration: every key with its default.
pub fn example() -> Result<String> {
    render(EXAMPLE_HEADER, &Settings::default(), true)
}

/// The effective configuration as TOML, secrets hidden, unset optional keys commented out.
pub fn effective(settings: &Settings) -> Result<String> {
    render(EFFECTIVE_HEADER, settings, false)
}

/// Each key: a blank line and its documentation (a key without one follows the previous key
/// as part of its group), then `key = value`. Unset keys, and in the example empty lists
/// that have an example value, are commented out.
fn render(header: &str, settings: &Settings, example: bool) -> Result<String> {
    let table = toml::Table::try_from(settings).context("serialising the configuration")?;
    let mut out = header.to_owned();
    for key in KEYS {
        if !key.doc.is_empty() {
            out.push('\n');
            for line in key.doc {
                out.push('#');
                out.push_str(line);
                out.push('\n');
            }
        }
        let shown = key.example.unwrap_or("\"\"");
        match table.get(key.name) {
            Some(toml::Value::Array(a)) if example && a.is_empty() && key.example.is_some() => {
                out.push_str(&format!("# {} = {shown}\n", key.name));
            }
            Some(value) => out.push_str(&format!("{} = {value}\n", key.name)),
            None => out.push_str(&format!("# {} = {shown}\n", key.name)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use beseda_server::settings::SecretUrl;

    #[test]
    fn the_example_parses_to_the_defaults() {
        let text = example().expect("renders");
        let parsed: Settings = toml::from_str(&text).expect("example parses");
        let (parsed, defaults) =
            (toml::Table::try_from(parsed).expect("t"), toml::Table::try_from(Settings::default()).expect("t"));
        assert_eq!(parsed, defaults);
        for key in KEYS {
            assert!(text.contains(&format!("{} = ", key.name)), "{} is in the example", key.name);
        }
    }

    #[test]
    fn the_effective_configuration_is_toml_without_secrets() {
        let config = Settings {
            database_url: Some(SecretUrl::new("postgres://beseda:hunter2@db:5432/beseda")),
            smtp_url: Some(SecretUrl::new("smtps://mail:hunter3@smtp.example.com:465")),
            metrics_token: Some("hunter4".into()),
            ..Settings::default()
        };
        let text = effective(&config).expect("prints");
        assert!(!text.contains("hunter"), "{text}");
        let parsed: Settings = toml::from_str(&text).expect("valid configuration");
        assert_eq!(
            parsed.database_url.map(|u| u.expose().to_owned()).as_deref(),
            Some("postgres://beseda:***@db:5432/beseda")
        );
        assert_eq!(parsed.metrics_token.map(|t| t.expose().to_owned()).as_deref(), Some("***"));
        assert_eq!(parsed.listen, config.listen);
    }
}
