//! `beseda serve`: bind the address, lock the data directory, open the database, seed the demo, run until a signal.

use crate::config::Settings;
use crate::datadir::{self, DataDirLock};
use anyhow::{Context, Result};
use beseda_server::bus::{EventBus, LocalBus, NatsBus};
use beseda_server::AppState;
use std::sync::Arc;

pub async fn serve(config: Settings, demo: bool, config_file: Option<&std::path::Path>) -> Result<()> {
    // Secrets show only their placeholder (see beseda_server::settings::secret).
    tracing::info!(settings = ?config, "starting with these settings");
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
    let server_config = config.server_config(&addr.to_string(), demo);
    // An unusable SMTP URL or sender stops the start rather than losing mail later.
    beseda_server::mail::Mailer::new(&server_config).map_err(anyhow::Error::msg)?;
    if let Some(url) = &server_config.smtp_url {
        tracing::info!(smtp = %url, "e-mail on");
    }
    let bus: Arc<dyn EventBus> = match &config.nats_url {
        Some(url) => {
            let bus = NatsBus::connect(url.expose()).await.map_err(anyhow::Error::msg)?;
            tracing::info!(nats = %url, "events shared with other nodes over NATS");
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
