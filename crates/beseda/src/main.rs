//! The `beseda` binary: `serve`, `migrate`, `operator add|passwd`, `backup`, `restore`,
//! `allowlist clear`, `print-config`.

mod accounts;
mod backup;
mod config;
mod datadir;
mod logging;
mod password;
mod print_config;
mod serve;

use anyhow::{Context, Result};
use beseda_core::state::OperatorRole;
use beseda_store::{Store, StoreOptions};
use clap::{Parser, Subcommand};
use config::{Flags, Settings};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "beseda", version, about = "Self-hosted online consulting platform")]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "BESEDA_CONFIG")]
    config: Option<PathBuf>,
    /// Set a configuration key, winning over the file and the environment (repeatable;
    /// the value as in a BESEDA_<KEY> variable, lists comma-separated).
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    set: Vec<String>,
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
    /// Print the configuration in effect (defaults, file, environment, flags), secrets hidden.
    PrintConfig {
        /// Print a commented example configuration instead.
        #[arg(long)]
        example: bool,
    },
    /// Write a consistent copy of the SQLite database to a new file (safe while serving).
    Backup {
        /// The backup file to create; an existing file is never overwritten.
        #[arg(long)]
        to: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Put a backup made by `beseda backup` in place as the database (the server must be stopped).
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Replace the database the data directory already has.
        #[arg(long)]
        force: bool,
    },
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

async fn open_store(config: &Settings) -> Result<Arc<dyn Store>> {
    let options = StoreOptions {
        max_connections: config.max_connections,
        sqlite_synchronous: config.sqlite_synchronous.clone(),
        ..StoreOptions::default()
    };
    let store = beseda_store::open(config.database_url.as_ref().map(|u| u.expose()), &config.data_dir, &options)
        .await
        .context("opening the database")?;
    store.migrate().await.map_err(|e| match e {
        beseda_store::StoreError::NewerSchema(_) => {
            anyhow::anyhow!("the database at {} was {e}", database_place(config))
        }
        e => anyhow::Error::new(e).context("migrating the database"),
    })?;
    Ok(store)
}

/// [`open_store`] for commands that act on an installation's data: a SQLite database that
/// does not exist yet is refused rather than created (the wrong folder or a missing
/// `--config`, e.g. on a packaged install, would otherwise act on a new empty database).
async fn open_existing_store(config: &Settings) -> Result<Arc<dyn Store>> {
    if let Some(file) = datadir::sqlite_file(config).filter(|f| !f.exists()) {
        anyhow::bail!(
            "there is no database at {}; pass the installation's settings (--config /etc/beseda/beseda.toml for \
             the Debian package) or --data-dir",
            file.display()
        );
    }
    open_store(config).await
}

fn database_place(config: &Settings) -> String {
    config::database_place(config)
}

/// Errors end the process with `error: <what failed>: <why>` and status 1, no backtrace.
#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", causes(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, `what: why: why`, leaving out a cause whose text
/// the line already ends with (many errors repeat their source in their own message).
fn causes(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain().map(ToString::to_string) {
        if line.is_empty() {
            line = cause;
        } else if !line.ends_with(&cause) {
            line = format!("{line}: {cause}");
        }
    }
    line
}

/// The settings the command line gives: `--set` for every command, `--listen` and
/// `--data-dir` for those that have them.
fn flags(cli: &Cli) -> Flags {
    let data_dir = match &cli.command {
        Command::Serve { data_dir, .. }
        | Command::Migrate { data_dir }
        | Command::Backup { data_dir, .. }
        | Command::Restore { data_dir, .. }
        | Command::Allowlist { command: AllowlistCommand::Clear { data_dir } }
        | Command::Operator { command: OperatorCommand::Add { data_dir, .. } }
        | Command::Operator { command: OperatorCommand::Passwd { data_dir, .. } } => data_dir.clone(),
        Command::PrintConfig { .. } => None,
    };
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    Flags { listen, data_dir, set: cli.set.clone() }
}

async fn run(cli: Cli) -> Result<()> {
    let config = config::load(cli.config.as_deref(), &flags(&cli))?;
    match cli.command {
        Command::PrintConfig { example: true } => {
            print!("{}", print_config::example()?);
            Ok(())
        }
        Command::PrintConfig { example: false } => {
            print!("{}", print_config::effective(&config)?);
            Ok(())
        }
        Command::Backup { to, .. } => backup::backup(&config, &to).await,
        Command::Restore { from, force, .. } => backup::restore(&config, &from, force).await,
        Command::Migrate { .. } => {
            logging::init_logging(&config);
            let store = open_store(&config).await?;
            println!("database is up to date ({})", store.backend());
            Ok(())
        }
        Command::Operator { command: OperatorCommand::Add { email, name, role, departments, .. } } => {
            logging::init_logging(&config);
            let role = OperatorRole::parse(&role).context("role must be admin, supervisor or operator")?;
            let password = password::read_password()?;
            if let Some(file) = datadir::sqlite_file(&config).filter(|f| !f.exists()) {
                eprintln!("note: creating a new database at {} (is this the configuration you meant?)", file.display());
            }
            let store = open_store(&config).await?;
            let cli = beseda_server::audit::Actor::cli();
            accounts::add(store.as_ref(), &email, &name, role, departments, password, &cli).await
        }
        Command::Operator { command: OperatorCommand::Passwd { email, .. } } => {
            logging::init_logging(&config);
            let store = open_existing_store(&config).await?;
            let password = password::read_password()?;
            accounts::passwd(store.as_ref(), &email, password).await
        }
        Command::Allowlist { command: AllowlistCommand::Clear { .. } } => {
            logging::init_logging(&config);
            let store = open_existing_store(&config).await?;
            let mut settings = store.settings().await.context("reading the settings")?;
            let was = std::mem::take(&mut settings.ip_allowlist);
            store.save_settings(&settings).await.context("saving the settings")?;
            if !was.is_empty() {
                use beseda_server::audit;
                let changes = serde_json::json!({"ip_allowlist": {"before": was, "after": ""}});
                let cli = audit::Actor::cli();
                audit::record_to(store.as_ref(), &cli, "settings.allowlist", ("settings", &"organisation"), changes)
                    .await;
            }
            if was.trim().is_empty() {
                println!("the IP allowlist was already empty");
            } else {
                println!("IP allowlist cleared (it was: {was}); every address may sign in again");
            }
            Ok(())
        }
        Command::Serve { demo, .. } => {
            logging::init_logging(&config);
            serve::serve(config, demo, cli.config.as_deref()).await
        }
    }
}
