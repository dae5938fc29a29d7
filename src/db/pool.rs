//! The connection pool and the one helper every handler uses to reach the database.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};

use super::{DatabaseLocation, DbConnection, DbError};

/// A pooled connection, returned to the pool when dropped.
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Settings applied to every new SQLite connection: wait for a lock instead of failing
/// (first, so that even switching to WAL waits), WAL so readers never block the writer,
/// foreign keys enforced, and `synchronous = FULL` so a committed response survives a
/// power cut.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
     PRAGMA journal_mode = WAL;
     PRAGMA foreign_keys = ON;
     PRAGMA synchronous = FULL;";

/// Opens connections for the pool, choosing the backend explicitly from the location.
/// (diesel's derived `establish` would try each backend in turn, and could create a
/// SQLite file named after an unreachable PostgreSQL URL.)
#[derive(Debug)]
pub struct ConnectionManager {
    location: DatabaseLocation,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        match &self.location {
            DatabaseLocation::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                super::counts_codec::register_sqlite_functions(&mut conn)
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseLocation::Postgres(url) => {
                // libpq uses OpenSSL. Initialised by libpq, OpenSSL registers an exit
                // handler that frees its tables while the pool's threads may still be
                // connecting, which crashes the process as it exits. Initialising it
                // first, without that handler, prevents it. (Idempotent.)
                openssl_sys::init();
                let mut conn = PgConnection::establish(url)?;
                // Timestamps are stored in UTC whatever the server's zone.
                conn.batch_execute("SET TIME ZONE 'UTC'")
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Postgres(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.ping().map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// sipas writes its SQLite file and, beside it, SQLite's log (`-wal`, `-shm`), so both
/// the file and its directory must be writable. Checked first so that a read-only file
/// system or file is named as such, rather than as SQLite's "unable to open database
/// file" or a failure at the first answer.
fn check_writable(path: &Path) -> Result<(), DbError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let probe = dir.join(format!(".{name}.write-check"));
    let checked = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|e| (dir, e))
        .and_then(|()| match OpenOptions::new().append(true).open(path) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err((path, e)),
            _ => Ok(()),
        });
    checked.map_err(|(place, e)| match e.kind() {
        ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied => {
            DbError::ReadOnly(format!("{}: {e}", place.display()))
        }
        ErrorKind::NotFound => DbError::Connect(format!(
            "thư mục {} không tồn tại (the directory does not exist)",
            place.display()
        )),
        _ => DbError::Connect(format!("{}: {e}", place.display())),
    })
}

/// The database of a running sipas: a pool of connections to one backend.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<ConnectionManager>,
    location: DatabaseLocation,
    /// Requests waiting for a free connection now (for `/metrics`).
    waiting: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

/// The pool at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub size: u32,
    pub in_use: u32,
    pub idle: u32,
    pub waiting: i64,
}

impl Database {
    /// Opens a pool and checks that the database answers. A SQLite file is created when
    /// missing, but not its directory: a mistyped path is an error, not a new empty site.
    pub fn connect(
        location: &DatabaseLocation,
        max_connections: u32,
        timeout_seconds: u64,
    ) -> Result<Database, DbError> {
        if let DatabaseLocation::Sqlite(path) = location {
            check_writable(path)?;
        }
        let manager = ConnectionManager {
            location: location.clone(),
        };
        // Fail now, with the driver's reason, rather than on the first request; this
        // first connection also turns a new SQLite file to WAL before the pool opens more.
        manager
            .connect()
            .map_err(|e| DbError::Connect(format!("{}: {e}", location.redacted())))?;
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            .connection_timeout(std::time::Duration::from_secs(timeout_seconds.max(1)))
            .build_unchecked(manager);
        Ok(Database {
            pool,
            location: location.clone(),
            waiting: Default::default(),
        })
    }

    /// How many connections are open, in use and idle, and how many requests wait.
    pub fn pool_use(&self) -> PoolUse {
        let state = self.pool.state();
        PoolUse {
            size: self.pool.max_size(),
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
            waiting: self.waiting.load(std::sync::atomic::Ordering::Relaxed).max(0),
        }
    }

    /// Where this database lives.
    pub fn location(&self) -> &DatabaseLocation {
        &self.location
    }

    /// A connection for code that is already off the async executor (the CLI, jobs).
    pub fn conn(&self) -> Result<PooledConnection, DbError> {
        Ok(self.pool.get()?)
    }

    /// A second connection if one is free right now, for work that goes faster on two
    /// (never waits: under load there is none to spare, and the work goes on one).
    pub fn spare(&self) -> Option<PooledConnection> {
        self.pool.try_get()
    }

    /// Runs `f` with a pooled connection on the blocking thread pool, inside the caller's
    /// tracing span, so that a slow query never stalls the async workers.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let waiting = self.waiting.clone();
        let span = tracing::Span::current();
        let blocking = actix_web::web::block(move || {
            span.in_scope(|| {
                use std::sync::atomic::Ordering::Relaxed;
                waiting.fetch_add(1, Relaxed);
                let conn = pool.get();
                waiting.fetch_sub(1, Relaxed);
                let mut conn = conn.map_err(DbError::from)?;
                f(&mut conn)
            })
        });
        match blocking.await {
            Ok(result) => result,
            Err(_) => Err(DbError::ShuttingDown.into()),
        }
    }

    /// Checks that the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.run(|conn| conn.ping().map_err(DbError::from)).await
    }
}
