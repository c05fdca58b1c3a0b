//! The two schemas in lockstep: a fresh SQLite database and a fresh PostgreSQL database, each
//! migrated by the store, have the same tables with the same columns — type family, nullability
//! and default — the same primary keys, the same unique constraints and the same named indexes
//! (uniqueness, columns, partial or not). Differences the backends force are listed in
//! [`ALLOWED`] with the reason; an entry no longer needed fails the test too, so the list
//! only ever says what is true.

use beseda_store::{testing, StoreOptions};
use sqlx::{ConnectOptions, Connection};
use std::collections::{BTreeMap, BTreeSet};

/// Differences between the schemas that are deliberate: (the difference as [`compare`] words
/// it, why).
const ALLOWED: &[(&str, &str)] = &[(
    "visitors.number: default Some(\"0\") in SQLite, None in PostgreSQL",
    "the number comes from the row id on SQLite, written by the trigger visitors_number after each \
     insert (0024; SQLite cannot add a column whose default is not a constant, so 0 stands in until \
     the trigger runs), and from a sequence on PostgreSQL (BIGSERIAL); no insert names the column",
)];

/// The ledgers of applied migrations are each migrator's bookkeeping, not Beseda's schema.
const BOOKKEEPING: &[&str] = &["_sqlx_migrations", "beseda_migrations"];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    family: &'static str,
    not_null: bool,
    default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    unique: bool,
    columns: Vec<String>,
    partial: bool,
}

/// One schema, normalised so that the backends' spellings compare.
#[derive(Debug, Default)]
struct Schema {
    /// Table → column → what it is.
    columns: BTreeMap<String, BTreeMap<String, Column>>,
    /// Table → primary-key columns in key order.
    primary_keys: BTreeMap<String, Vec<String>>,
    /// Table → the column lists of its unique constraints (which are unnamed in SQLite).
    unique: BTreeMap<String, BTreeSet<Vec<String>>>,
    /// Index name → (table, index): the indexes `CREATE INDEX` made.
    indexes: BTreeMap<String, (String, Index)>,
}

/// The family of a SQLite declared type, after SQLite's affinity rules (section 3.1 of its
/// «Datatypes» page), with BOOLEAN kept apart as PostgreSQL keeps it.
fn sqlite_family(declared: &str) -> &'static str {
    let t = declared.to_ascii_uppercase();
    if t.contains("BOOL") {
        "boolean"
    } else if t.contains("INT") {
        "integer"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "text"
    } else if t.contains("BLOB") || t.is_empty() {
        "blob"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "real"
    } else {
        "numeric"
    }
}

/// The family of a PostgreSQL `information_schema.columns.data_type`.
fn postgres_family(data_type: &str) -> &'static str {
    match data_type {
        "smallint" | "integer" | "bigint" => "integer",
        "text" | "character varying" | "character" => "text",
        "bytea" => "blob",
        "real" | "double precision" => "real",
        "boolean" => "boolean",
        "json" | "jsonb" => "json",
        _ if data_type.starts_with("timestamp") => "timestamp",
        _ => "numeric",
    }
}

/// A default as both backends would write it: no casts or outer parentheses, keywords in
/// lower case, `1`/`0` for booleans as `true`/`false`, numbers unquoted. A sequence
/// (PostgreSQL's SERIAL) is the same as SQLite's rowid counter: no default.
fn normalise_default(default: Option<&str>, family: &str) -> Option<String> {
    let mut d = default?.trim().to_owned();
    if d.starts_with("nextval(") {
        return None;
    }
    loop {
        let before = d.clone();
        if let Some(inner) = d.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
            d = inner.trim().to_owned();
        }
        // `'x'::text`, `0::bigint`, `'{}'::text[]`: the cast comes after the closing quote.
        if let Some(cast) = d.rfind("::") {
            if !d[cast..].contains('\'') {
                d = d[..cast].trim().to_owned();
            }
        }
        if d == before {
            break;
        }
    }
    if d.eq_ignore_ascii_case("null") {
        return None;
    }
    let unquoted = d.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')).unwrap_or(&d);
    if unquoted.parse::<f64>().is_ok() && family != "text" {
        d = unquoted.to_owned();
    }
    if family == "boolean" {
        d = match d.to_ascii_lowercase().as_str() {
            "1" | "true" => "true".into(),
            "0" | "false" => "false".into(),
            other => other.to_owned(),
        };
    } else if !d.starts_with('\'') {
        d = d.to_ascii_lowercase();
    }
    Some(d)
}

async fn sqlite_schema(conn: &mut sqlx::SqliteConnection) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("tables");
    for table in tables.into_iter().filter(|t| !BOOKKEEPING.contains(&t.as_str())) {
        let columns: Vec<(String, String, bool, Option<String>, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(&mut *conn)
                .await
                .expect("table_info");
        let mut key: Vec<(i64, String)> = columns.iter().filter(|c| c.4 > 0).map(|c| (c.4, c.0.clone())).collect();
        key.sort();
        for (name, declared, not_null, default, pk) in columns {
            let family = sqlite_family(&declared);
            // A primary-key column is never NULL in PostgreSQL; SQLite allows it only by an old
            // quirk that Beseda never relies on.
            let column =
                Column { family, not_null: not_null || pk > 0, default: normalise_default(default.as_deref(), family) };
            schema.columns.entry(table.clone()).or_default().insert(name, column);
        }
        schema.primary_keys.insert(table.clone(), key.into_iter().map(|(_, c)| c).collect());
        let indexes: Vec<(String, bool, String, bool)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
                .bind(&table)
                .fetch_all(&mut *conn)
                .await
                .expect("index_list");
        for (name, unique, origin, partial) in indexes {
            let columns: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&mut *conn)
                    .await
                    .expect("index_info");
            let columns: Vec<String> =
                columns.into_iter().map(|c| c.unwrap_or_else(|| "<expression>".into())).collect();
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    schema.unique.entry(table.clone()).or_default().insert(columns);
                }
                _ => {
                    schema.indexes.insert(name, (table.clone(), Index { unique, columns, partial }));
                }
            }
        }
    }
    schema
}

/// table, index, unique, partial, the constraint it backs (`p`, `u`), its columns.
type PgIndexRow = (String, String, bool, bool, Option<String>, Vec<String>);

async fn postgres_schema(conn: &mut sqlx::PgConnection) -> Schema {
    let mut schema = Schema::default();
    let columns: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text \
         FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("columns");
    for (table, name, data_type, nullable, default) in columns {
        if BOOKKEEPING.contains(&table.as_str()) {
            continue;
        }
        let family = postgres_family(&data_type);
        let column =
            Column { family, not_null: nullable == "NO", default: normalise_default(default.as_deref(), family) };
        schema.columns.entry(table).or_default().insert(name, column);
    }
    for table in schema.columns.keys() {
        schema.primary_keys.insert(table.clone(), Vec::new());
    }
    // Every index of the schema's tables with its columns in order (an expression as such),
    // and what it backs: a primary key, a unique constraint, or nothing (`CREATE INDEX`).
    let indexes: Vec<PgIndexRow> = sqlx::query_as(
        "SELECT t.relname::text, i.relname::text, x.indisunique, x.indpred IS NOT NULL, \
                (SELECT c.contype::text FROM pg_constraint c WHERE c.conindid = x.indexrelid \
                 AND c.contype IN ('p', 'u') LIMIT 1), \
                ARRAY(SELECT CASE WHEN x.indkey[k] = 0 THEN '<expression>' \
                                  ELSE (SELECT a.attname::text FROM pg_attribute a \
                                        WHERE a.attrelid = x.indrelid AND a.attnum = x.indkey[k]) END \
                      FROM generate_subscripts(x.indkey, 1) AS k ORDER BY k) \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("indexes");
    for (table, name, unique, partial, backs, columns) in indexes {
        if BOOKKEEPING.contains(&table.as_str()) {
            continue;
        }
        match backs.as_deref() {
            Some("p") => {
                schema.primary_keys.insert(table, columns);
            }
            Some(_) => {
                schema.unique.entry(table).or_default().insert(columns);
            }
            None => {
                schema.indexes.insert(name, (table, Index { unique, columns, partial }));
            }
        }
    }
    schema
}

/// Every difference between the two schemas, one line each.
fn compare(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let tables: BTreeSet<&String> = sqlite.columns.keys().chain(postgres.columns.keys()).collect();
    for table in tables {
        let (Some(s), Some(p)) = (sqlite.columns.get(table), postgres.columns.get(table)) else {
            let only = if sqlite.columns.contains_key(table) { "SQLite" } else { "PostgreSQL" };
            out.push(format!("table {table} only in {only}"));
            continue;
        };
        let names: BTreeSet<&String> = s.keys().chain(p.keys()).collect();
        for name in names {
            match (s.get(name), p.get(name)) {
                (Some(a), Some(b)) if a == b => {}
                (Some(a), Some(b)) => {
                    if a.family != b.family {
                        out.push(format!("{table}.{name}: type {} in SQLite, {} in PostgreSQL", a.family, b.family));
                    }
                    if a.not_null != b.not_null {
                        let says = |n: bool| if n { "NOT NULL" } else { "nullable" };
                        out.push(format!(
                            "{table}.{name}: {} in SQLite, {} in PostgreSQL",
                            says(a.not_null),
                            says(b.not_null)
                        ));
                    }
                    if a.default != b.default {
                        out.push(format!(
                            "{table}.{name}: default {:?} in SQLite, {:?} in PostgreSQL",
                            a.default, b.default
                        ));
                    }
                }
                (Some(_), None) => out.push(format!("{table}.{name}: column only in SQLite")),
                (None, _) => out.push(format!("{table}.{name}: column only in PostgreSQL")),
            }
        }
        let (a, b) = (sqlite.primary_keys.get(table), postgres.primary_keys.get(table));
        if a != b {
            out.push(format!("{table}: primary key {a:?} in SQLite, {b:?} in PostgreSQL"));
        }
        let (a, b) = (sqlite.unique.get(table).cloned(), postgres.unique.get(table).cloned());
        let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
        for only in a.difference(&b) {
            out.push(format!("{table}: unique constraint on {only:?} only in SQLite"));
        }
        for only in b.difference(&a) {
            out.push(format!("{table}: unique constraint on {only:?} only in PostgreSQL"));
        }
    }
    let names: BTreeSet<&String> = sqlite.indexes.keys().chain(postgres.indexes.keys()).collect();
    for name in names {
        match (sqlite.indexes.get(name), postgres.indexes.get(name)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => out.push(format!("index {name}: {a:?} in SQLite, {b:?} in PostgreSQL")),
            (Some(_), None) => out.push(format!("index {name} only in SQLite")),
            (None, _) => out.push(format!("index {name} only in PostgreSQL")),
        }
    }
    out
}

#[tokio::test]
async fn both_backends_migrate_to_the_same_columns_types_keys_and_indexes() {
    let Some(server) =
        testing::database_url("schema_lockstep::both_backends_migrate_to_the_same_columns_types_keys_and_indexes")
    else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("beseda-lockstep-{}", beseda_core::ids::hex_id()));
    let options = StoreOptions::default();
    beseda_store::open(None, &dir, &options).await.expect("sqlite").migrate().await.expect("migrate sqlite");
    let url = testing::fresh_postgres_database(&server).await.expect("fresh database");
    beseda_store::open(Some(&url), &dir, &options).await.expect("postgres").migrate().await.expect("migrate postgres");

    let mut sqlite_conn =
        sqlx::sqlite::SqliteConnectOptions::new().filename(dir.join("beseda.db")).connect().await.expect("open");
    let mut pg_conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    let sqlite = sqlite_schema(&mut sqlite_conn).await;
    let postgres = postgres_schema(&mut pg_conn).await;
    let _ = std::fs::remove_dir_all(&dir);

    assert!(sqlite.columns.len() > 20 && sqlite.indexes.len() > 10, "the catalogue queries see the schema: {sqlite:?}");
    let found = compare(&sqlite, &postgres);
    let unexplained: Vec<&String> = found.iter().filter(|d| !ALLOWED.iter().any(|(a, _)| a == d)).collect();
    assert!(
        unexplained.is_empty(),
        "the schemas differ (fix with a migration or explain in ALLOWED):\n{unexplained:#?}"
    );
    let stale: Vec<&str> = ALLOWED.iter().map(|(a, _)| *a).filter(|a| !found.iter().any(|d| d == a)).collect();
    assert!(stale.is_empty(), "ALLOWED lists differences the schemas no longer have: {stale:#?}");
}

#[test]
fn defaults_are_compared_as_both_backends_spell_them() {
    assert_eq!(normalise_default(Some("'offline'::text"), "text"), Some("'offline'".into()));
    assert_eq!(normalise_default(Some("'offline'"), "text"), Some("'offline'".into()));
    assert_eq!(normalise_default(Some("FALSE"), "boolean"), Some("false".into()));
    assert_eq!(normalise_default(Some("0"), "boolean"), Some("false".into()));
    assert_eq!(normalise_default(Some("'-1'::integer"), "integer"), Some("-1".into()));
    assert_eq!(normalise_default(Some("(-1)"), "integer"), Some("-1".into()));
    assert_eq!(normalise_default(Some("nextval('operators_id_seq'::regclass)"), "integer"), None);
    assert_eq!(normalise_default(Some("NULL"), "text"), None);
    assert_eq!(sqlite_family("BIGINT"), postgres_family("bigint"));
    assert_eq!(sqlite_family("BLOB"), postgres_family("bytea"));
}
