//! The `beseda` binary: `serve`, `migrate`, `operator add`, `print-config`.

mod config;

use anyhow::{bail, Context, Result};
use beseda_core::state::OperatorRole;
use beseda_server::bus::{EventBus, LocalBus, NatsBus};
use beseda_server::{AppState, ServerConfig};
use beseda_store::{NewOperator, Store, StoreOptions};
use clap::{Parser, Subcommand};
use config::Config;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "beseda", version, about = "Self-hosted online consulting platform")]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "BESEDA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on (BESEDA_LISTEN).
        #[arg(long)]
        listen: Option<String>,
        /// Data directory for the SQLite database (BESEDA_DATA_DIR).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Seed a demo organisation (departments, operators) and serve /demo.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Manage operators.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// The IP allowlist of the workspace and the admin panel.
    Allowlist {
        #[command(subcommand)]
        command: AllowlistCommand,
    },
    /// Print a commented example configuration.
    PrintConfig,
}

#[derive(Subcommand)]
enum AllowlistCommand {
    /// Remove every restriction (for an admin locked out by a wrong list).
    Clear {
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Add an operator; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, supervisor or operator.
        #[arg(long, default_value = "operator")]
        role: String,
        /// Comma-separated department keys.
        #[arg(long, value_delimiter = ',')]
        departments: Vec<String>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open_store(config: &Config) -> Result<Arc<dyn Store>> {
    let options = StoreOptions {
        max_connections: config.max_connections,
        sqlite_synchronous: config.sqlite_synchronous.clone(),
        ..StoreOptions::default()
    };
    let store = beseda_store::open(config.database_url.as_deref(), &config.data_dir, &options)
        .await
        .context("opening the database")?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::PrintConfig => {
            print!("{}", config::EXAMPLE);
            Ok(())
        }
        Command::Migrate { data_dir } => {
            if let Some(d) = data_dir {
                config.data_dir = d;
            }
            init_logging(&config);
            let store = open_store(&config).await?;
            println!("database is up to date ({})", store.backend());
            Ok(())
        }
        Command::Operator { command: OperatorCommand::Add { email, name, role, departments, data_dir } } => {
            if let Some(d) = data_dir {
                config.data_dir = d;
            }
            init_logging(&config);
            let role = OperatorRole::parse(&role).context("role must be admin, supervisor or operator")?;
            let password = read_password()?;
            if password.chars().count() < 8 {
                bail!("the password must have at least 8 characters");
            }
            let store = open_store(&config).await?;
            let hash = beseda_server::auth::hash_password(password).await.map_err(anyhow::Error::msg)?;
            let op = store
                .create_operator(&NewOperator {
                    email: email.trim().to_owned(),
                    name,
                    role,
                    password_hash: hash,
                    languages: vec!["ru".into(), "en".into()],
                    department_keys: departments,
                    max_chats: None,
                })
                .await
                .context("adding the operator")?;
            println!("operator {} added with id {}", op.email, op.id);
            Ok(())
        }
        Command::Allowlist { command: AllowlistCommand::Clear { data_dir } } => {
            if let Some(d) = data_dir {
                config.data_dir = d;
            }
            init_logging(&config);
            let store = open_store(&config).await?;
            let mut settings = store.settings().await.context("reading the settings")?;
            let was = std::mem::take(&mut settings.ip_allowlist);
            store.save_settings(&settings).await.context("saving the settings")?;
            if was.trim().is_empty() {
                println!("the IP allowlist was already empty");
            } else {
                println!("IP allowlist cleared (it was: {was}); every address may sign in again");
            }
            Ok(())
        }
        Command::Serve { listen, data_dir, demo } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            if let Some(d) = data_dir {
                config.data_dir = d;
            }
            init_logging(&config);
            serve(config, demo).await
        }
    }
}

/// Reads a password without echoing it: from the terminal when there is one, else one line
/// of standard input.
fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password: ").context("reading the password");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn serve(config: Config, demo: bool) -> Result<()> {
    let store = open_store(&config).await?;
    let database = match &config.database_url {
        Some(url) => config::redact_url(url),
        None => config.data_dir.join("beseda.db").display().to_string(),
    };
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
    let listener =
        tokio::net::TcpListener::bind(&config.listen).await.with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let server_config = ServerConfig {
        public_origin: config.public_origin.clone().unwrap_or_else(|| format!("http://{addr}")),
        // A configured origin is fixed; otherwise trusted proxies may tell it.
        trusted_proxies: if config.public_origin.is_some() { Vec::new() } else { config.trusted_proxies.clone() },
        longpoll_hold: Duration::from_secs(config.longpoll_hold_secs),
        max_body_bytes: config.max_body_bytes,
        max_connections_per_ip: config.max_connections_per_ip,
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
