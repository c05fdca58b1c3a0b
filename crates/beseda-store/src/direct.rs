//! SQLite in the calling thread: the connection the group committer's thread owns (rusqlite), so
//! that a batch of changes runs its statements where the data is instead of handing each one to
//! another thread. Parameters, rows and errors mirror sqlx's — `$N` parameters, lenient SQLite
//! decoding, `sqlx::Error` with the same database error kinds — so the shared SQL (`sql/`) reads
//! the same on this connection as on sqlx's.

use rusqlite::types::ValueRef;
use std::borrow::Cow;
use std::sync::Arc;

/// A bound parameter.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// NULL, with the type the Rust value had (PostgreSQL types its parameters).
    Null(Kind),
    Int(i64),
    Int32(i32),
    Bool(bool),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// The type of a parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Int,
    Int32,
    Bool,
    Real,
    Text,
    Blob,
}

/// A Rust value that can be bound as a parameter.
pub(crate) trait Param {
    const KIND: Kind;
    fn param(self) -> Value;
}

macro_rules! param {
    ($kind:ident, $variant:ident: $($t:ty => $conv:expr),+ $(,)?) => {
        $(impl Param for $t {
            const KIND: Kind = Kind::$kind;
            fn param(self) -> Value {
                #[allow(clippy::redundant_closure_call)]
                Value::$variant(($conv)(self))
            }
        })+
    };
}

param!(Int, Int: i64 => |v| v, &i64 => |v: &i64| *v, u32 => i64::from, u16 => i64::from, u8 => i64::from);
param!(Int32, Int32: i32 => |v| v, &i32 => |v: &i32| *v, i16 => i32::from);
param!(Bool, Bool: bool => |v| v, &bool => |v: &bool| *v);
param!(Real, Real: f64 => |v| v, &f64 => |v: &f64| *v, f32 => f64::from);
param!(Text, Text: String => |v| v, &String => |v: &String| v.clone(), &str => |v: &str| v.to_owned(),
    &&str => |v: &&str| (*v).to_owned(), Cow<'_, str> => |v: Cow<'_, str>| v.into_owned());
param!(Blob, Blob: Vec<u8> => |v| v, &Vec<u8> => |v: &Vec<u8>| v.clone(), &[u8] => |v: &[u8]| v.to_vec());

impl<T: Param> Param for Option<T> {
    const KIND: Kind = T::KIND;
    fn param(self) -> Value {
        match self {
            Some(v) => v.param(),
            None => Value::Null(T::KIND),
        }
    }
}

impl<T: Param + Clone> Param for &Option<T> {
    const KIND: Kind = T::KIND;
    fn param(self) -> Value {
        self.clone().param()
    }
}

/// One column of a result row.
#[derive(Debug, Clone)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A result row: its statement's column names and its cells.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    columns: Arc<[String]>,
    cells: Vec<Cell>,
}

/// A Rust value a cell decodes to, as SQLite converts (an integer reads as text, a real as an
/// integer); NULL only into an `Option`.
pub(crate) trait FromCell: Sized {
    fn from_cell(cell: &Cell) -> Result<Self, String>;
}

fn unexpected(cell: &Cell, wanted: &str) -> String {
    match cell {
        Cell::Null => "unexpected null; try decoding as an `Option`".to_owned(),
        other => format!("cannot decode {other:?} as {wanted}"),
    }
}

impl FromCell for i64 {
    fn from_cell(cell: &Cell) -> Result<Self, String> {
        match cell {
            Cell::Int(v) => Ok(*v),
            Cell::Real(v) => Ok(*v as i64),
            Cell::Text(t) => Ok(t.trim().parse().unwrap_or(0)),
            other => Err(unexpected(other, "an integer")),
        }
    }
}

macro_rules! from_int {
    ($($t:ty),+) => {
        $(impl FromCell for $t {
            fn from_cell(cell: &Cell) -> Result<Self, String> {
                let v = i64::from_cell(cell)?;
                <$t>::try_from(v).map_err(|_| format!("{v} is out of range for {}", stringify!($t)))
            }
        })+
    };
}

from_int!(i32, i16, u32, u16, u8, u64);

impl FromCell for bool {
    fn from_cell(cell: &Cell) -> Result<Self, String> {
        Ok(i64::from_cell(cell)? != 0)
    }
}

impl FromCell for f64 {
    fn from_cell(cell: &Cell) -> Result<Self, String> {
        match cell {
            Cell::Real(v) => Ok(*v),
            Cell::Int(v) => Ok(*v as f64),
            Cell::Text(t) => Ok(t.trim().parse().unwrap_or(0.0)),
            other => Err(unexpected(other, "a real")),
        }
    }
}

impl FromCell for f32 {
    fn from_cell(cell: &Cell) -> Result<Self, String> {
        Ok(f64::from_cell(cell)? as f32)
    }
}

impl FromCell for String {
    fn from_cell(cell: &Cell) -> Result<Self, String> {
        match cell {
            Cell::Text(t) => Ok(t.clone()),
            Cell::Int(v) => Ok(v.to_string()),
            Cell::Real(v) => Ok(v.to_string()),
            Cell::Blob(b) => String::from_utf8(b.clone()).map_err(|e| e.to_string()),
            Cell::Null => Err(unexpected(cell, "text")),
        }
    }
}

impl FromCell for Vec<u8> {
    fn from_cell(cell: &Cell) -> Result<Self, String> {
        match cell {
            Cell::Blob(b) => Ok(b.clone()),
            Cell::Text(t) => Ok(t.as_bytes().to_vec()),
            other => Err(unexpected(other, "a blob")),
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: &Cell) -> Result<Self, String> {
        match cell {
            Cell::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// A column by position or by name.
pub(crate) trait ColIndex: std::fmt::Debug {
    fn position(&self, row: &Row) -> Result<usize, sqlx::Error>;
}

impl ColIndex for usize {
    fn position(&self, row: &Row) -> Result<usize, sqlx::Error> {
        if *self < row.cells.len() {
            Ok(*self)
        } else {
            Err(sqlx::Error::ColumnIndexOutOfBounds { index: *self, len: row.cells.len() })
        }
    }
}

impl ColIndex for &str {
    fn position(&self, row: &Row) -> Result<usize, sqlx::Error> {
        row.columns.iter().position(|c| c == self).ok_or_else(|| sqlx::Error::ColumnNotFound((*self).to_owned()))
    }
}

impl Row {
    pub(crate) fn try_get<T: FromCell, I: ColIndex>(&self, index: I) -> Result<T, sqlx::Error> {
        let at = index.position(self)?;
        T::from_cell(&self.cells[at])
            .map_err(|e| sqlx::Error::ColumnDecode { index: format!("{index:?}"), source: e.into() })
    }
}

/// What a statement's caller wants back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// The number of rows changed.
    Changes,
    /// At most the first row.
    First,
    /// Every row.
    All,
}

/// A statement's outcome, with rows of type `R`.
pub(crate) enum Outcome<R = Row> {
    Changed(u64),
    Rows(Vec<R>),
}

impl<R> Outcome<R> {
    pub(crate) fn map_rows<S>(self, f: impl FnMut(R) -> S) -> Outcome<S> {
        match self {
            Outcome::Changed(n) => Outcome::Changed(n),
            Outcome::Rows(rows) => Outcome::Rows(rows.into_iter().map(f).collect()),
        }
    }

    /// The rows, none for a statement that only changed some.
    pub(crate) fn into_rows(self) -> Vec<R> {
        match self {
            Outcome::Rows(rows) => rows,
            Outcome::Changed(_) => Vec::new(),
        }
    }
}

/// A SQLite error as sqlx reports it, so that the store maps it the same way (a unique violation
/// is a conflict).
#[derive(Debug)]
struct DbError {
    message: String,
    extended_code: i32,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}

impl sqlx::error::DatabaseError for DbError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.extended_code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        use sqlx::error::ErrorKind;
        match self.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ErrorKind::UniqueViolation,
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

fn db_error(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, message) => sqlx::Error::Database(Box::new(DbError {
            message: message.unwrap_or_else(|| code.to_string()),
            extended_code: code.extended_code,
        })),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// The statements a connection keeps prepared (the in-thread ones here, and the sqlx pools':
/// the store runs a few hundred distinct statements, more than sqlx's default 100, so that a
/// connection would otherwise prepare again what it evicted).
pub(crate) const STATEMENT_CACHE: usize = 512;

/// Rows read through a connection and kept for its next transactions (the organisation's
/// settings, placements), each under the table it came from. They are forgotten when another
/// connection commits ([`Conn::begin`] compares SQLite's `data_version`) and when a statement on
/// this connection writes to that table.
#[derive(Default)]
pub(crate) struct Memo(std::collections::HashMap<(&'static str, String), Box<dyn std::any::Any + Send>>);

impl Memo {
    pub(crate) fn get<T: Clone + 'static>(&self, table: &'static str, key: &str) -> Option<T> {
        self.0.get(&(table, key.to_owned())).and_then(|v| v.downcast_ref::<T>()).cloned()
    }

    pub(crate) fn put<T: Send + 'static>(&mut self, table: &'static str, key: &str, value: T) {
        self.0.insert((table, key.to_owned()), Box::new(value));
    }

    /// Forgets what came from a table the statement `sql` (one that writes) names.
    fn written(&mut self, sql: &str) {
        if !self.0.is_empty() {
            self.0.retain(|(table, _), _| !sql.contains(table));
        }
    }
}

/// A SQLite connection used in the thread that holds it.
pub(crate) struct Conn {
    db: rusqlite::Connection,
    memo: Memo,
    /// SQLite's `data_version` when the memo was last known good.
    data_version: i64,
}

impl Conn {
    /// Opens the database file for writing with the pragmas of the store's other connections.
    pub(crate) fn open(path: &std::path::Path, synchronous: &str) -> Result<Self, sqlx::Error> {
        let conn = rusqlite::Connection::open(path).map_err(db_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(db_error)?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; \
             PRAGMA temp_store = memory; PRAGMA cache_size = -16000;"
        ))
        .map_err(db_error)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self { db: conn, memo: Memo::default(), data_version: -1 })
    }

    /// Opens a transaction with `begin` (e.g. `BEGIN IMMEDIATE`) and forgets the memo if another
    /// connection committed since it was filled.
    pub(crate) fn begin(&mut self, begin: &str) -> Result<(), sqlx::Error> {
        self.batch(begin)?;
        let version: i64 = self
            .db
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut s| s.query_row([], |row| row.get(0)))
            .map_err(db_error)?;
        if version != self.data_version {
            tracing::debug!(target: "beseda_store::direct", "another connection committed: the memo is forgotten");
            self.forget();
            self.data_version = version;
        }
        Ok(())
    }

    /// Forgets the memo (a transaction that filled it did not commit).
    pub(crate) fn forget(&mut self) {
        self.memo.0.clear();
    }

    /// The memo, inside a transaction opened by [`Self::begin`].
    pub(crate) fn memo(&mut self) -> &mut Memo {
        &mut self.memo
    }

    /// Opens the database file for reading only (an in-thread reader, [`Readers`]).
    pub(crate) fn open_reader(path: &std::path::Path) -> Result<Self, sqlx::Error> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(db_error)?;
        // The default page cache (2 MB): a reader's cache is emptied whenever another connection
        // committed, and emptying costs in proportion to its size.
        conn.execute_batch("PRAGMA temp_store = memory;").map_err(db_error)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self { db: conn, memo: Memo::default(), data_version: -1 })
    }

    /// Runs one statement that takes no parameters and returns nothing (`BEGIN`, `SAVEPOINT`,
    /// …), prepared once: the writer runs a few of these per change.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.db.prepare_cached(sql).and_then(|mut s| s.raw_execute()).map(drop).map_err(db_error)
    }

    /// Whether a transaction is open.
    pub(crate) fn in_transaction(&self) -> bool {
        !self.db.is_autocommit()
    }

    /// Runs one statement with `$N` (or `?N`, or positional) parameters.
    pub(crate) fn run(&mut self, sql: &str, params: &[Value], want: Want) -> Result<Outcome, sqlx::Error> {
        let timed =
            tracing::enabled!(target: "beseda_store::direct", tracing::Level::DEBUG).then(std::time::Instant::now);
        let outcome = self.run_statement(sql, params, want);
        if let Some(started) = timed {
            let micros = started.elapsed().as_micros() as u64;
            tracing::debug!(target: "beseda_store::direct", statement = sql, micros);
        }
        outcome
    }

    fn run_statement(&mut self, sql: &str, params: &[Value], want: Want) -> Result<Outcome, sqlx::Error> {
        let mut statement = self.db.prepare_cached(sql).map_err(db_error)?;
        if !statement.readonly() {
            self.memo.written(sql);
        }
        let mut next = 0;
        for at in 1..=statement.parameter_count() {
            let n = match statement.parameter_name(at) {
                Some(name) => match name.strip_prefix('$').or_else(|| name.strip_prefix('?')) {
                    Some(digits) => digits
                        .parse::<usize>()
                        .map_err(|_| sqlx::Error::Protocol(format!("unsupported SQL parameter: {name}")))?,
                    None => return Err(sqlx::Error::Protocol(format!("unsupported SQL parameter: {name}"))),
                },
                None => {
                    next += 1;
                    next
                }
            };
            // As sqlx: a parameter without a value is NULL.
            let Some(value) = n.checked_sub(1).and_then(|i| params.get(i)) else { break };
            let bound = match value {
                Value::Null(_) => statement.raw_bind_parameter(at, rusqlite::types::Null),
                Value::Int(v) => statement.raw_bind_parameter(at, v),
                Value::Int32(v) => statement.raw_bind_parameter(at, v),
                Value::Bool(v) => statement.raw_bind_parameter(at, v),
                Value::Real(v) => statement.raw_bind_parameter(at, v),
                Value::Text(v) => statement.raw_bind_parameter(at, v.as_str()),
                Value::Blob(v) => statement.raw_bind_parameter(at, v.as_slice()),
            };
            bound.map_err(db_error)?;
        }
        let columns: Arc<[String]> = if want == Want::Changes {
            Arc::from(Vec::new())
        } else {
            statement.column_names().into_iter().map(str::to_owned).collect()
        };
        let width = statement.column_count();
        let mut found = Vec::new();
        let mut rows = statement.raw_query();
        while let Some(row) = rows.next().map_err(db_error)? {
            if want == Want::Changes || (want == Want::First && !found.is_empty()) {
                continue;
            }
            let cells = (0..width)
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        ValueRef::Null => Cell::Null,
                        ValueRef::Integer(v) => Cell::Int(v),
                        ValueRef::Real(v) => Cell::Real(v),
                        ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                        ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_error)?;
            found.push(Row { columns: columns.clone(), cells });
        }
        drop(rows);
        Ok(match want {
            Want::Changes => Outcome::Changed(self.db.changes()),
            _ => Outcome::Rows(found),
        })
    }
}

/// Read-only connections for short reads on the calling thread (a point lookup takes
/// microseconds; handing it to another thread and back costs more): taken for one read and put
/// back, opened as needed up to the number kept.
pub(crate) struct Readers {
    path: std::path::PathBuf,
    idle: std::sync::Mutex<Vec<Conn>>,
    keep: usize,
}

impl Readers {
    pub(crate) fn new(path: std::path::PathBuf, keep: usize) -> Arc<Self> {
        Arc::new(Self { path, idle: std::sync::Mutex::new(Vec::new()), keep })
    }

    pub(crate) fn take(self: &Arc<Self>) -> Result<Reader, sqlx::Error> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => Conn::open_reader(&self.path)?,
        };
        Ok(Reader { conn: Some(conn), home: self.clone() })
    }
}

/// A reader taken from [`Readers`]; goes back when dropped.
pub(crate) struct Reader {
    conn: Option<Conn>,
    home: Arc<Readers>,
}

impl Reader {
    pub(crate) fn conn(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a reader holds its connection until dropped")
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        // A read that failed half-way may have left its statement open: only a connection with
        // no transaction goes back.
        if conn.in_transaction() {
            return;
        }
        let mut idle = self.home.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.home.keep {
            idle.push(conn);
        }
    }
}
