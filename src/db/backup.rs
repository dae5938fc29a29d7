//! A copy of a SQLite database taken while sipas serves it, then checked.
//!
//! `VACUUM INTO` rather than the C backup API: it reads one consistent snapshot in a
//! single read transaction (in WAL mode writers go on meanwhile, and nothing has to
//! restart when they write), writes a compact file, and needs no `unsafe` FFI — diesel
//! does not wrap `sqlite3_backup_*`.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::i18n::{Localized, Message};

/// What the copy holds, read back from the copy itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// `ok`, or what SQLite's `integrity_check` found.
    pub integrity: String,
    /// Rows per table, by table name.
    pub rows: Vec<(String, i64)>,
}

#[derive(Debug)]
pub enum BackupError {
    /// The database is PostgreSQL: its own tools back it up.
    Postgres,
    /// The file to write exists already.
    Exists(PathBuf),
    /// The database file to copy does not exist.
    NoDatabase(PathBuf),
    /// The copy failed, or cannot be read back.
    Failed(String),
    /// The copy was written but is damaged.
    Damaged(String),
}

impl Localized for BackupError {
    fn message(&self) -> Message {
        match self {
            BackupError::Postgres => Message::new(
                "sipas backup chỉ sao lưu SQLite. Với PostgreSQL hãy dùng công cụ của PostgreSQL khi máy chủ vẫn chạy: \
                 pg_dump --format=custom --file=sipas.dump \"$SIPAS_DATABASE_URL\"; khôi phục vào một cơ sở dữ liệu trống: \
                 pg_restore --dbname=postgres://…/sipas_moi sipas.dump (xem README, mục Sao lưu)",
                "sipas backup copies SQLite only. For PostgreSQL use PostgreSQL's own tools while the server runs: \
                 pg_dump --format=custom --file=sipas.dump \"$SIPAS_DATABASE_URL\"; restore into an empty database with \
                 pg_restore --dbname=postgres://…/sipas_new sipas.dump (see the README, Backups)",
            ),
            BackupError::Exists(path) => Message::new(
                format!(
                    "tệp {} đã tồn tại; hãy chọn tên khác (không ghi đè bản sao lưu)",
                    path.display()
                ),
                format!(
                    "{} exists already; choose another name (a backup is never overwritten)",
                    path.display()
                ),
            ),
            BackupError::NoDatabase(path) => Message::new(
                format!("không có cơ sở dữ liệu {}", path.display()),
                format!("there is no database {}", path.display()),
            ),
            BackupError::Failed(why) => Message::new(
                format!("sao lưu thất bại: {why}"),
                format!("the backup failed: {why}"),
            ),
            BackupError::Damaged(why) => Message::new(
                format!("bản sao lưu bị hỏng (integrity_check: {why}); đừng dùng nó"),
                format!("the backup is damaged (integrity_check: {why}); do not use it"),
            ),
        }
    }
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Copies the SQLite database at `source` to `target` (which must not exist), then opens
/// the copy and checks it: `integrity_check`, and its rows counted table by table.
pub fn sqlite(source: &Path, target: &Path) -> Result<BackupReport, BackupError> {
    let failed = |e: &dyn std::fmt::Display| BackupError::Failed(e.to_string());
    if target.exists() {
        return Err(BackupError::Exists(target.to_path_buf()));
    }
    if !source.exists() {
        return Err(BackupError::NoDatabase(source.to_path_buf()));
    }
    let mut conn = SqliteConnection::establish(&source.to_string_lossy()).map_err(|e| failed(&e))?;
    // A writer holds the lock only for a moment (one group commit): wait for it.
    conn.batch_execute("PRAGMA busy_timeout = 30000;")
        .map_err(|e| failed(&e))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target.to_string_lossy())
        .execute(&mut conn)
        .map_err(|e| failed(&e))?;
    drop(conn);
    check(target)
}

/// Opens a copy and reads what it holds.
pub fn check(path: &Path) -> Result<BackupReport, BackupError> {
    let failed = |e: &dyn std::fmt::Display| BackupError::Failed(e.to_string());
    let mut copy = SqliteConnection::establish(&path.to_string_lossy()).map_err(|e| failed(&e))?;
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut copy)
        .map_err(|e| failed(&e))?;
    let integrity = checks
        .into_iter()
        .map(|c| c.integrity_check)
        .collect::<Vec<_>>()
        .join("; ");
    if integrity != "ok" {
        return Err(BackupError::Damaged(integrity));
    }
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .load(&mut copy)
    .map_err(|e| failed(&e))?;
    let mut rows = Vec::new();
    for table in tables {
        // Names come from the copy's own catalogue; quoted all the same.
        let quoted = table.name.replace('"', "\"\"");
        let counted: Count = diesel::sql_query(format!("SELECT COUNT(*) AS count FROM \"{quoted}\""))
            .get_result(&mut copy)
            .map_err(|e| failed(&e))?;
        rows.push((table.name, counted.count));
    }
    let bytes = std::fs::metadata(path).map_err(|e| failed(&e))?.len();
    Ok(BackupReport {
        path: path.to_path_buf(),
        bytes,
        integrity,
        rows,
    })
}
