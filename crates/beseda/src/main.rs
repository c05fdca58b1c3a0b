//! The `beseda` binary: `serve`, `migrate`, `operator add|passwd`, `allowlist clear`,
//! `print-config`.

mod accounts;
mod config;
mod logging;
mod password;
mod serve;

use anyhow::{Context, Result};
use beseda_core::state::OperatorRole;
use beseda_store::{Store, StoreOptions};
use clap::{Parser, Subcommand};
use config::Config;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// Set an operator's password (read from standard input); their sessions and API tokens
    /// end.
    Passwd {
        /// The operator's e-mail.
        email: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
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
            logging::init_logging(&config);
            let store = open_store(&config).await?;
            println!("database is up to date ({})", store.backend());
            Ok(())
        }
        Command::Operator { command: OperatorCommand::Add { email, name, role, departments, data_dir } } => {
            if let Some(d) = data_dir {
                config.data_dir = d;
            }
            logging::init_logging(&config);
            let role = OperatorRole::parse(&role).context("role must be admin, supervisor or operator")?;
            let password = password::read_password()?;
            let store = open_store(&config).await?;
            accounts::add(store.as_ref(), &email, &name, role, departments, password).await
        }
        Command::Operator { command: OperatorCommand::Passwd { email, data_dir } } => {
            if let Some(d) = data_dir {
                config.data_dir = d;
            }
            logging::init_logging(&config);
            let password = password::read_password()?;
            let store = open_store(&config).await?;
            accounts::passwd(store.as_ref(), &email, password).await
        }
        Command::Allowlist { command: AllowlistCommand::Clear { data_dir } } => {
            if let Some(d) = data_dir {
                config.data_dir = d;
            }
            logging::init_logging(&config);
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
            logging::init_logging(&config);
            serve::serve(config, demo, cli.config.as_deref()).await
        }
    }
}
