//! `beseda serve`: bind the address, lock the data directory, open the database, seed the demo, run until a signal.

use crate::config::{self, Config};
use crate::datadir::{self, DataDirLock};
use anyhow::{Context, Result};
use beseda_server::bus::{EventBus, LocalBus, NatsBus};
use beseda_server::{AppState, ServerConfig};
use std::sync::Arc;
use std::time::Duration;

pub async fn serve(config: Config, demo: bool, config_file: Option<&std::path::Path>) -> Result<()> {
    // The address first: a wrong or taken one is reported before anything touches the database.
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    // `restore` takes the same lock, so it never replaces the database under this server.
    let _lock = match datadir::sqlite_file(&config) {
        Some(db) => Some(DataDirLock::acquire(datadir::dir_of(&db))?),
        None => None,
    };
    let store = crate::open_store(&config).await?;
    let database = crate::database_place(&config);
    tracing::info!(database = %database, backend = store.backend(), "database ready");
    if demo {
        let accounts = beseda_server::demo::seed(store.as_ref()).await.context("seeding demo data")?;
        if accounts.is_empty() {
            println!("demo: the database already has operators; nothing seeded");
        }
        for a in accounts {
            // Printed once to the terminal, never logged.
            println!("demo {:<10} {:<28} one-time password: {}", a.role.as_str(), a.email, a.password);
        }
    }
    crate::accounts::first_admin(store.as_ref(), &config, config_file).await?;
    let addr = listener.local_addr()?;
    let server_config = ServerConfig {
        public_origin: config.public_origin.clone().unwrap_or_else(|| format!("http://{addr}")),
        // Whose X-Forwarded-For counts, whatever the origin.
        trusted_proxies: config.trusted_proxies.clone(),
        // A configured origin is fixed; otherwise the allowed hosts get their own, per request.
        allowed_hosts: if config.public_origin.is_some() { Vec::new() } else { config.allowed_hosts.clone() },
        longpoll_hold: Duration::from_secs(config.longpoll_hold_secs),
        max_body_bytes: config.max_body_bytes,
        max_connections_per_ip: config.max_connections_per_ip,
        max_tcp_connections_per_ip: config.max_tcp_connections_per_ip,
        header_timeout: Duration::from_secs(config.header_timeout_secs),
        bot_files_allow_private_addresses: config.bot_files_allow_private_addresses,
        webhook_retry_delays: config.webhook_retry_delays_secs.iter().map(|s| Duration::from_secs(*s)).collect(),
        smtp_url: config.smtp_url.clone(),
        mail_from: config.mail_from.clone(),
        mail_templates_dir: config.mail_templates_dir.clone(),
        api_urls: beseda_server::ApiUrls {
            telegram: config.telegram_api_url.clone(),
            vk: config.vk_api_url.clone(),
            zendesk: config.zendesk_api_url.clone(),
            amocrm: config.amocrm_api_url.clone(),
            zoho: config.zoho_api_url.clone(),
            zoho_accounts: config.zoho_accounts_url.clone(),
            unisender: config.unisender_api_url.clone(),
        },
        demo,
        metrics_token: config.metrics_token.clone(),
        limits: config.limits(),
        push_contact: config.push_contact.clone().unwrap_or_else(|| format!("mailto:{}", config.mail_from)),
        push_insecure_hosts: config.push_insecure_hosts.clone(),
        push_preview_chars: config.push_preview_chars,
        ..ServerConfig::default()
    };
    // An unusable SMTP URL or sender stops the start rather than losing mail later.
    beseda_server::mail::Mailer::new(&server_config).map_err(anyhow::Error::msg)?;
    if let Some(url) = &server_config.smtp_url {
        tracing::info!(smtp = %config::redact_url(url), "e-mail on");
    }
    let bus: Arc<dyn EventBus> = match &config.nats_url {
        Some(url) => {
            let bus = NatsBus::connect(url).await.map_err(anyhow::Error::msg)?;
            tracing::info!(nats = %config::redact_url(url), "events shared with other nodes over NATS");
            bus
        }
        None => Arc::new(LocalBus::default()),
    };
    let state = AppState::new(store, bus, server_config);
    // Web Push: the VAPID key pair is made on the first start and kept in the database.
    beseda_server::push::vapid(&state).await.map_err(anyhow::Error::msg)?;
    println!("beseda listening on http://{addr}{}", if demo { " (demo: open /demo)" } else { "" });
    tracing::info!(%addr, "listening");
    beseda_server::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
