//! Storage: one code base for SQLite (embedded, the default) and PostgreSQL, through diesel's
//! `MultiConnection`, pooled, with every call run off the async executor.

pub mod alerts;
pub mod backup;
pub mod comments;
pub mod counts_codec;
pub mod desks;
pub mod dossiers;
pub mod forms;
pub mod idempotency;
pub mod migrations;
pub mod outbox;
mod pool;
pub mod recount;
pub mod reports;
pub mod responses;
pub mod schema;
pub mod security;
pub mod sessions;
pub mod tallies;
pub mod tickets;
pub mod tokens;
pub mod units;
pub mod users;

use std::path::{Path, PathBuf};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

use crate::i18n::{Localized, Message};

pub use pool::{Database, PoolUse, PooledConnection};

/// A connection to either backend. Queries that both backends understand run on it
/// directly; the few that differ (upserts) go through [`with_backend!`].
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$conn` bound to the concrete connection of the backend in use, for
/// the query builder features `MultiConnection` does not cover (e.g. `ON CONFLICT`).
#[macro_export]
macro_rules! with_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseLocation {
    /// Picks the backend by the URL's scheme: `postgres://` or `postgresql://` for
    /// PostgreSQL; `sqlite://path`, `sqlite:path` or a plain path for SQLite; empty means
    /// `sipas.sqlite3` in `data_dir`.
    pub fn parse(url: &str, data_dir: &Path) -> Result<DatabaseLocation, DbError> {
        let url = url.trim();
        if url.is_empty() {
            return Ok(DatabaseLocation::Sqlite(data_dir.join("sipas.sqlite3")));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseLocation::Postgres(url.to_string()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(DbError::BadUrl(url.to_string()));
            }
            return Ok(DatabaseLocation::Sqlite(PathBuf::from(path)));
        }
        if url.contains("://") {
            return Err(DbError::BadUrl(url.to_string()));
        }
        Ok(DatabaseLocation::Sqlite(PathBuf::from(url)))
    }

    /// The location without any password, fit for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseLocation::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseLocation::Postgres(url) => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// A storage failure.
#[derive(Debug)]
pub enum DbError {
    BadUrl(String),
    Connect(String),
    Unavailable(diesel::r2d2::PoolError),
    Query(diesel::result::Error),
    Migration(String),
    /// A SQLite file, or the directory that must hold its log beside it, cannot be
    /// written: a read-only file system or file.
    ReadOnly(String),
    ShuttingDown,
}

impl Localized for DbError {
    fn message(&self) -> Message {
        match self {
            DbError::BadUrl(url) => Message::new(
                format!("địa chỉ cơ sở dữ liệu không hợp lệ: {url} (dùng postgres://… hoặc sqlite://…)"),
                format!("unsupported database URL: {url} (use postgres://… or sqlite://…)"),
            ),
            DbError::Connect(detail) => Message::new(
                format!("không kết nối được cơ sở dữ liệu: {detail}"),
                format!("cannot connect to the database: {detail}"),
            ),
            DbError::Unavailable(detail) => Message::new(
                format!("cơ sở dữ liệu đang bận hoặc không trả lời: {detail}"),
                format!("the database is busy or unreachable: {detail}"),
            ),
            DbError::Query(detail) => Message::new(
                format!("lỗi cơ sở dữ liệu: {detail}"),
                format!("database error: {detail}"),
            ),
            DbError::Migration(detail) => Message::new(
                format!("không cập nhật được lược đồ cơ sở dữ liệu: {detail}"),
                format!("database migration failed: {detail}"),
            ),
            DbError::ReadOnly(detail) => Message::new(
                format!("cơ sở dữ liệu chỉ đọc được, không ghi được (kiểm tra quyền ghi và ổ đĩa): {detail}"),
                format!("the database is read-only (check write permission and the file system): {detail}"),
            ),
            DbError::ShuttingDown => Message::new("máy chủ đang dừng", "the server is shutting down"),
        }
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Unavailable(e) => Some(e),
            DbError::Query(e) => Some(e),
            _ => None,
        }
    }
}

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        DbError::Query(e)
    }
}

impl From<diesel::r2d2::PoolError> for DbError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        DbError::Unavailable(e)
    }
}

/// Runs `f` in a transaction that writes. On SQLite it starts with `BEGIN IMMEDIATE` so
/// the write lock is taken up front: a deferred transaction that reads first could not
/// upgrade to a writer when another connection writes meanwhile.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConnection as TransactionManager<DbConnection>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback_error) => Err(rollback_error.into()),
        },
    }
}

/// The current time in UTC, as stored in every timestamp column.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_scheme() {
        let dir = Path::new("/var/lib/sipas");
        assert_eq!(
            DatabaseLocation::parse("", dir).unwrap(),
            DatabaseLocation::Sqlite(dir.join("sipas.sqlite3"))
        );
        assert_eq!(
            DatabaseLocation::parse("sqlite:///tmp/a.db", dir).unwrap(),
            DatabaseLocation::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            DatabaseLocation::parse("sqlite:a.db", dir).unwrap(),
            DatabaseLocation::Sqlite("a.db".into())
        );
        assert_eq!(
            DatabaseLocation::parse("./x/b.sqlite3", dir).unwrap(),
            DatabaseLocation::Sqlite("./x/b.sqlite3".into())
        );
        assert_eq!(
            DatabaseLocation::parse("postgres://u:p@h/db", dir).unwrap(),
            DatabaseLocation::Postgres("postgres://u:p@h/db".into())
        );
        assert!(DatabaseLocation::parse("postgresql://h/db", dir).is_ok());
        assert!(DatabaseLocation::parse("mysql://h/db", dir).is_err());
        assert!(DatabaseLocation::parse("sqlite://", dir).is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        let loc = DatabaseLocation::Postgres("postgres://sipas:s3cret@db:5432/sipas".into());
        assert_eq!(loc.redacted(), "postgres://sipas:***@db:5432/sipas");
        let loc = DatabaseLocation::Postgres("postgres://db/sipas".into());
        assert_eq!(loc.redacted(), "postgres://db/sipas");
    }

    #[test]
    fn error_messages_come_in_both_languages() {
        let m = DbError::Connect("timeout".into()).message();
        assert_eq!(m.vi, "không kết nối được cơ sở dữ liệu: timeout");
        assert_eq!(m.en, "cannot connect to the database: timeout");
        assert_eq!(
            DbError::Connect("x".into()).to_string(),
            "không kết nối được cơ sở dữ liệu: x"
        );
    }
}
