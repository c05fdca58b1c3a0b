//! Operator accounts from the command line: `operator add`, `operator passwd`, and the first
//! administrator of a new installation (a hint at start-up, or one made from the environment).

use crate::config::Settings;
use anyhow::{bail, Context, Result};
use beseda_core::state::OperatorRole;
use beseda_server::audit::{self, Actor};
use beseda_server::auth;
use beseda_store::{NewOperator, Store, StoreError};
use std::io::IsTerminal;

/// Environment variables that create the first administrator of an installation that has
/// none (container-style deployments). The password may come from a file (a mounted secret).
pub const ADMIN_EMAIL_VAR: &str = "BESEDA_ADMIN_EMAIL";
pub const ADMIN_PASSWORD_VAR: &str = "BESEDA_ADMIN_PASSWORD";
pub const ADMIN_PASSWORD_FILE_VAR: &str = "BESEDA_ADMIN_PASSWORD_FILE";

fn check_password(password: &str) -> Result<()> {
    match auth::password_problem(password, "") {
        Some(why) => bail!("{why}"),
        None => Ok(()),
    }
}

/// `beseda operator add`: a new account with the password given.
pub async fn add(
    store: &dyn Store,
    email: &str,
    name: &str,
    role: OperatorRole,
    departments: Vec<String>,
    password: String,
    actor: &Actor,
) -> Result<()> {
    check_password(&password)?;
    if !beseda_core::settings::is_email(email.trim()) {
        bail!("{} is not an e-mail address", email.trim());
    }
    let hash = auth::hash_password(password).await.map_err(anyhow::Error::msg)?;
    let new = NewOperator {
        email: email.trim().to_lowercase(),
        name: name.trim().to_owned(),
        role,
        password_hash: hash,
        // Like an account made in the admin panel: the organisation's main language.
        languages: vec![store.settings().await.context("reading the settings")?.default_lang],
        department_keys: departments,
        max_chats: None,
        must_change_password: false,
    };
    let op = store.create_operator(&new).await.map_err(|e| match e {
        StoreError::Conflict(_) => anyhow::anyhow!("an operator with the e-mail {} already exists", new.email),
        StoreError::Domain(d) => anyhow::anyhow!("{d} (is every department key right?)"),
        other => anyhow::Error::new(other).context("adding the operator"),
    })?;
    let changes = serde_json::json!({"email": op.email, "name": op.name, "role": op.role.as_str(),
        "departmentKeys": op.department_keys, "password": "set"});
    audit::record_to(store, actor, "operator.create", ("operator", &op.id.0), audit::created(&changes)).await;
    println!("{} {} added with id {}", op.role.as_str(), op.email, op.id);
    Ok(())
}

/// `beseda operator passwd EMAIL`: sets the password; every session and token of the
/// operator ends, and a one-time password demand is lifted.
pub async fn passwd(store: &dyn Store, email: &str, password: String) -> Result<()> {
    check_password(&password)?;
    let op = store
        .operator_by_email(email.trim())
        .await
        .context("finding the operator")?
        .with_context(|| format!("no operator has the e-mail {}", email.trim()))?;
    let hash = auth::hash_password(password).await.map_err(anyhow::Error::msg)?;
    // No server runs in this process to publish to: a running server's consoles read the
    // operator log again on their next request.
    let _ = store.set_operator_password(op.id, &hash, false, None).await.context("saving the password")?;
    let changes = serde_json::json!({"password": {"before": audit::MASK, "after": audit::MASK}});
    audit::record_to(store, &Actor::cli(), "operator.password", ("operator", &op.id.0), changes).await;
    println!("password of {} changed; their sessions and API tokens have ended", op.email);
    Ok(())
}

/// At start-up: creates the administrator named by the environment when there is none yet,
/// or says how to create one. Never prints a password.
pub async fn first_admin(store: &dyn Store, config: &Settings, config_file: Option<&std::path::Path>) -> Result<()> {
    if store.active_admin_count().await.context("counting administrators")? > 0 {
        return Ok(());
    }
    let email = std::env::var(ADMIN_EMAIL_VAR).ok().filter(|e| !e.trim().is_empty());
    let password = match std::env::var(ADMIN_PASSWORD_FILE_VAR).ok().filter(|f| !f.is_empty()) {
        Some(file) => Some(
            std::fs::read_to_string(&file)
                .with_context(|| format!("{ADMIN_PASSWORD_FILE_VAR}: reading {file}"))?
                .trim_end_matches(['\r', '\n'])
                .to_owned(),
        ),
        None => std::env::var(ADMIN_PASSWORD_VAR).ok(),
    };
    match (email, password) {
        (Some(email), Some(password)) => {
            add(store, &email, "Administrator", OperatorRole::Admin, Vec::new(), password, &Actor::system())
                .await
                .with_context(|| format!("creating the first administrator from {ADMIN_EMAIL_VAR}"))?;
            tracing::info!(email = %email.trim(), "first administrator created from the environment");
            Ok(())
        }
        (Some(_), None) => {
            bail!("{ADMIN_EMAIL_VAR} is set but neither {ADMIN_PASSWORD_VAR} nor {ADMIN_PASSWORD_FILE_VAR}")
        }
        _ => {
            let command = first_admin_command(config, config_file);
            if std::io::stderr().is_terminal() {
                eprintln!(
                    "\nThis installation has no administrator yet. Create the first one, as the user this server \
                     runs as\n(it asks for the password, or reads it from standard input):\n\n    {command}\n\nor start the server with \
                     {ADMIN_EMAIL_VAR} and {ADMIN_PASSWORD_VAR} (or {ADMIN_PASSWORD_FILE_VAR}) set.\n"
                );
            }
            // Also as a log line: a container's log may be all anyone reads (and may be JSON).
            tracing::warn!(
                "no administrator yet: create the first one with `{command}`, run as the user this server runs as \
                 (the password comes from standard input), or start with {ADMIN_EMAIL_VAR} and {ADMIN_PASSWORD_VAR} \
                 set"
            );
            Ok(())
        }
    }
}

/// The command that creates the first administrator, with the same configuration as this
/// server.
fn first_admin_command(config: &Settings, config_file: Option<&std::path::Path>) -> String {
    let mut cmd = String::from("beseda");
    if let Some(file) = config_file {
        cmd.push_str(&format!(" --config {}", file.display()));
    }
    cmd.push_str(" operator add --role admin --email you@example.com --name \"Your Name\"");
    if config.database_url.is_none() && config_file.is_none() {
        cmd.push_str(&format!(" --data-dir {}", config.data_dir.display()));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_names_the_data_dir_or_the_config_file_in_use() {
        let config = Settings { data_dir: "/srv/beseda".into(), ..Settings::default() };
        let hint = first_admin_command(&config, None);
        assert!(hint.contains("operator add --role admin"), "{hint}");
        assert!(hint.contains("--data-dir /srv/beseda"), "{hint}");
        let hint = first_admin_command(&config, Some(std::path::Path::new("/etc/beseda/beseda.toml")));
        assert!(hint.contains("beseda --config /etc/beseda/beseda.toml operator add"), "{hint}");
        assert!(!hint.contains("--data-dir"), "{hint}");
    }
}
