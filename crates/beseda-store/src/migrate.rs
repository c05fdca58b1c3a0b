//! Migrations: two folders (`migrations/sqlite`, `migrations/postgres`) kept in lockstep —
//! same names, same order. Each is compiled into the binary; a test checks the lists match
//! the folders and each other.

/// One migration: its file stem and SQL text.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! migrations {
    ($dir:literal: $($name:literal),+ $(,)?) => {
        &[$(Migration {
            name: $name,
            sql: include_str!(concat!("../../../migrations/", $dir, "/", $name, ".sql")),
        }),+]
    };
}

pub const SQLITE: &[Migration] = migrations!("sqlite": "0001_core", "0002_routing", "0003_open_chats", "0004_priority_pages", "0005_bots", "0006_bot_breaker", "0007_bot_history", "0008_chat_conversation_timeout", "0009_custom_channels", "0010_channel_bot_side", "0011_message_delivery", "0012_visitor_tokens", "0013_chat_stamps", "0014_department_ids", "0015_webhook_deliveries", "0016_mail", "0017_messenger_channels", "0018_export_jobs", "0019_templates", "0020_operator_photos", "0021_operator_accounts", "0022_audit_log", "0023_two_factor", "0024_visitor_numbers", "0026_visitor_context", "0027_visitors_on_site", "0028_web_push");
pub const POSTGRES: &[Migration] = migrations!("postgres": "0001_core", "0002_routing", "0003_open_chats", "0004_priority_pages", "0005_bots", "0006_bot_breaker", "0007_bot_history", "0008_chat_conversation_timeout", "0009_custom_channels", "0010_channel_bot_side", "0011_message_delivery", "0012_visitor_tokens", "0013_chat_stamps", "0014_department_ids", "0015_webhook_deliveries", "0016_mail", "0017_messenger_channels", "0018_export_jobs", "0019_templates", "0020_operator_photos", "0021_operator_accounts", "0022_audit_log", "0023_two_factor", "0024_visitor_numbers", "0026_visitor_context", "0027_visitors_on_site", "0028_web_push");

/// The table recording applied migrations.
pub(crate) const CREATE_LEDGER: &str =
    "CREATE TABLE IF NOT EXISTS beseda_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)";

/// Refuses a database a newer Beseda has migrated: a ledger name that `known` lacks.
pub fn check_known(applied: &[String], known: &[Migration]) -> Result<(), crate::StoreError> {
    match applied.iter().find(|name| !known.iter().any(|m| m.name == name.as_str())) {
        Some(name) => Err(crate::StoreError::NewerSchema(name.clone())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn folder(dir: &str) -> Vec<String> {
        let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo runs the tests"))
            .join("../../migrations")
            .join(dir);
        let mut names: Vec<String> = std::fs::read_dir(&root)
            .expect("migration folder")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| n.trim_end_matches(".sql").to_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn migration_folders_are_in_lockstep() {
        let sqlite = folder("sqlite");
        let postgres = folder("postgres");
        assert_eq!(sqlite, postgres, "migrations/sqlite and migrations/postgres differ");
        let listed_sqlite: Vec<_> = SQLITE.iter().map(|m| m.name.to_owned()).collect();
        let listed_pg: Vec<_> = POSTGRES.iter().map(|m| m.name.to_owned()).collect();
        assert_eq!(listed_sqlite, sqlite, "a sqlite migration is not listed in migrate.rs");
        assert_eq!(listed_pg, postgres, "a postgres migration is not listed in migrate.rs");
    }

    #[test]
    fn a_ledger_name_this_binary_does_not_know_is_refused() {
        let applied: Vec<String> = SQLITE.iter().map(|m| m.name.to_owned()).collect();
        assert!(check_known(&applied, SQLITE).is_ok());
        assert!(check_known(&applied[..3], SQLITE).is_ok(), "an older database is fine");
        let newer = [applied, vec!["9999_future".to_owned()]].concat();
        let err = check_known(&newer, SQLITE).expect_err("refused");
        assert!(matches!(&err, crate::StoreError::NewerSchema(n) if n == "9999_future"), "{err}");
    }

    #[test]
    fn both_schemas_create_the_same_tables() {
        fn tables(m: &[Migration]) -> Vec<String> {
            let mut t: Vec<String> = m
                .iter()
                .flat_map(|m| m.sql.lines())
                .filter_map(|l| l.trim().strip_prefix("CREATE TABLE "))
                .map(|l| l.split_whitespace().next().unwrap_or_default().to_owned())
                .collect();
            t.sort();
            t
        }
        assert_eq!(tables(SQLITE), tables(POSTGRES));
    }
}
