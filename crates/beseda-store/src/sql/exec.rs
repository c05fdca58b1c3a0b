//! How the shared SQL reaches a connection: one query builder (`query`, `query_scalar`, with
//! sqlx's shape: `bind`, `execute`, `fetch_one`, `fetch_optional`, `fetch_all`) over any
//! connection that can run a statement — the backend's sqlx connections and pools, and the group
//! committer's in-thread SQLite connection (`crate::direct`). Each query is written once.

use crate::direct::{self, ColIndex, FromCell, Outcome, Param, Value, Want};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use super::{Db, DbConnection as SqlxConn};

type SqlxRow = <Db as sqlx::Database>::Row;
type Answer<'a> = Pin<Box<dyn Future<Output = Result<Ran, sqlx::Error>> + Send + 'a>>;

/// A statement's outcome, with rows of either kind of connection.
type Ran = Outcome<Row>;

/// A connection a statement can run on.
pub(crate) trait Exec: Send {
    fn run<'a>(&'a mut self, sql: &'a str, params: Vec<Value>, want: Want) -> Answer<'a>;

    /// Values this connection keeps between transactions (see [`direct::Memo`]): only SQLite's
    /// writer, which sees every commit in order, has them.
    fn memo(&mut self) -> Option<&mut direct::Memo> {
        None
    }
}

impl Exec for SqlxConn {
    fn run<'a>(&'a mut self, sql: &'a str, params: Vec<Value>, want: Want) -> Answer<'a> {
        Box::pin(run_sqlx(self, sql, params, want))
    }
}

impl Exec for sqlx::Transaction<'static, Db> {
    fn run<'a>(&'a mut self, sql: &'a str, params: Vec<Value>, want: Want) -> Answer<'a> {
        Box::pin(run_sqlx(&mut **self, sql, params, want))
    }
}

impl Exec for sqlx::pool::PoolConnection<Db> {
    fn run<'a>(&'a mut self, sql: &'a str, params: Vec<Value>, want: Want) -> Answer<'a> {
        Box::pin(run_sqlx(&mut **self, sql, params, want))
    }
}

impl Exec for direct::Conn {
    fn run<'a>(&'a mut self, sql: &'a str, params: Vec<Value>, want: Want) -> Answer<'a> {
        let outcome = direct::Conn::run(self, sql, &params, want).map(|o| o.map_rows(Row::Direct));
        Box::pin(std::future::ready(outcome))
    }

    fn memo(&mut self) -> Option<&mut direct::Memo> {
        Some(direct::Conn::memo(self))
    }
}

impl Exec for direct::Reader {
    fn run<'a>(&'a mut self, sql: &'a str, params: Vec<Value>, want: Want) -> Answer<'a> {
        Exec::run(self.conn(), sql, params, want)
    }
}

/// What a query runs on: a connection (`&mut *conn`) or a pool (`&self.reader`).
pub(crate) trait Target<'e>: Send {
    fn run(self, sql: &'e str, params: Vec<Value>, want: Want) -> Answer<'e>;
}

impl<'e> Target<'e> for &'e mut (dyn Exec + 'static) {
    fn run(self, sql: &'e str, params: Vec<Value>, want: Want) -> Answer<'e> {
        Exec::run(self, sql, params, want)
    }
}

impl<'e> Target<'e> for &'e mut SqlxConn {
    fn run(self, sql: &'e str, params: Vec<Value>, want: Want) -> Answer<'e> {
        Box::pin(run_sqlx(self, sql, params, want))
    }
}

impl<'e> Target<'e> for &'e mut QuickRead {
    fn run(self, sql: &'e str, params: Vec<Value>, want: Want) -> Answer<'e> {
        match self {
            QuickRead::InThread(reader) => Exec::run(reader, sql, params, want),
            QuickRead::Pool(pool) => Box::pin(run_sqlx(&*pool, sql, params, want)),
        }
    }
}

/// A connection for a short read: SQLite's in-thread reader, else the reader pool.
pub(crate) enum QuickRead {
    InThread(direct::Reader),
    Pool(sqlx::Pool<Db>),
}

impl<'e> Target<'e> for &'e sqlx::Pool<Db> {
    fn run(self, sql: &'e str, params: Vec<Value>, want: Want) -> Answer<'e> {
        Box::pin(run_sqlx(self, sql, params, want))
    }
}

async fn run_sqlx<'e, E>(executor: E, sql: &'e str, params: Vec<Value>, want: Want) -> Result<Ran, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    let mut arguments = <Db as sqlx::Database>::Arguments::<'e>::default();
    for value in params {
        add(&mut arguments, value).map_err(sqlx::Error::Encode)?;
    }
    let query = sqlx::query_with(sql, arguments);
    Ok(match want {
        Want::Changes => Outcome::Changed(sqlx::query::Query::execute(query, executor).await?.rows_affected()),
        Want::First => Outcome::Rows(query.fetch_optional(executor).await?.into_iter().map(Row::Sqlx).collect()),
        Want::All => Outcome::Rows(query.fetch_all(executor).await?.into_iter().map(Row::Sqlx).collect()),
    })
}

fn add<'q>(
    arguments: &mut <Db as sqlx::Database>::Arguments<'q>,
    value: Value,
) -> Result<(), sqlx::error::BoxDynError> {
    use direct::Kind;
    use sqlx::Arguments;
    match value {
        Value::Int(v) => arguments.add(v),
        Value::Int32(v) => arguments.add(v),
        Value::Bool(v) => arguments.add(v),
        Value::Real(v) => arguments.add(v),
        Value::Text(v) => arguments.add(v),
        Value::Blob(v) => arguments.add(v),
        Value::Null(Kind::Int) => arguments.add(None::<i64>),
        Value::Null(Kind::Int32) => arguments.add(None::<i32>),
        Value::Null(Kind::Bool) => arguments.add(None::<bool>),
        Value::Null(Kind::Real) => arguments.add(None::<f64>),
        Value::Null(Kind::Text) => arguments.add(None::<String>),
        Value::Null(Kind::Blob) => arguments.add(None::<Vec<u8>>),
    }
}

/// A result row from either kind of connection.
pub(crate) enum Row {
    Sqlx(SqlxRow),
    Direct(direct::Row),
}

impl Row {
    /// The column at `index` (a position or a name), decoded as `T`.
    pub(crate) fn try_get<'r, T, I>(&'r self, index: I) -> Result<T, sqlx::Error>
    where
        T: sqlx::Decode<'r, Db> + sqlx::Type<Db> + FromCell,
        I: sqlx::ColumnIndex<SqlxRow> + ColIndex,
    {
        match self {
            Row::Sqlx(row) => sqlx::Row::try_get(row, index),
            Row::Direct(row) => row.try_get(index),
        }
    }
}

/// The number of rows a statement changed.
pub(crate) struct Done(u64);

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.0
    }
}

/// A statement and its parameters.
#[must_use = "a query does nothing until it is executed or fetched"]
pub(crate) struct Query<'q> {
    sql: &'q str,
    params: Vec<Value>,
}

/// A statement whose first column is the answer.
#[must_use = "a query does nothing until it is fetched"]
pub(crate) struct QueryScalar<'q, T> {
    query: Query<'q>,
    decode: PhantomData<fn() -> T>,
}

pub(crate) fn query(sql: &str) -> Query<'_> {
    Query { sql, params: Vec::new() }
}

pub(crate) fn query_scalar<T>(sql: &str) -> QueryScalar<'_, T> {
    QueryScalar { query: query(sql), decode: PhantomData }
}

impl<'q> Query<'q> {
    pub(crate) fn bind<T: Param>(mut self, value: T) -> Self {
        self.params.push(value.param());
        self
    }

    pub(crate) async fn execute<'e, E: Target<'e>>(self, target: E) -> Result<Done, sqlx::Error>
    where
        'q: 'e,
    {
        match target.run(self.sql, self.params, Want::Changes).await? {
            Outcome::Changed(n) => Ok(Done(n)),
            Outcome::Rows(_) => Ok(Done(0)),
        }
    }

    pub(crate) async fn fetch_optional<'e, E: Target<'e>>(self, target: E) -> Result<Option<Row>, sqlx::Error>
    where
        'q: 'e,
    {
        Ok(target.run(self.sql, self.params, Want::First).await?.into_rows().into_iter().next())
    }

    pub(crate) async fn fetch_one<'e, E: Target<'e>>(self, target: E) -> Result<Row, sqlx::Error>
    where
        'q: 'e,
    {
        self.fetch_optional(target).await?.ok_or(sqlx::Error::RowNotFound)
    }

    pub(crate) async fn fetch_all<'e, E: Target<'e>>(self, target: E) -> Result<Vec<Row>, sqlx::Error>
    where
        'q: 'e,
    {
        Ok(target.run(self.sql, self.params, Want::All).await?.into_rows())
    }
}

impl<'q, T> QueryScalar<'q, T>
where
    T: for<'r> sqlx::Decode<'r, Db> + sqlx::Type<Db> + FromCell + Send,
{
    pub(crate) fn bind<P: Param>(mut self, value: P) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub(crate) async fn fetch_optional<'e, E: Target<'e>>(self, target: E) -> Result<Option<T>, sqlx::Error>
    where
        'q: 'e,
    {
        self.query.fetch_optional(target).await?.map(|row| row.try_get(0)).transpose()
    }

    pub(crate) async fn fetch_one<'e, E: Target<'e>>(self, target: E) -> Result<T, sqlx::Error>
    where
        'q: 'e,
    {
        self.query.fetch_one(target).await?.try_get(0)
    }

    pub(crate) async fn fetch_all<'e, E: Target<'e>>(self, target: E) -> Result<Vec<T>, sqlx::Error>
    where
        'q: 'e,
    {
        self.query.fetch_all(target).await?.iter().map(|row| row.try_get(0)).collect()
    }
}
