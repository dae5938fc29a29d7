//! Schema migrations, embedded in the binary: `migrations/sqlite/` and
//! `migrations/postgres/` hold the same migrations (same names) for each backend.

use diesel::RunQueryDsl;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConnection, DbError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Replicas starting together on one PostgreSQL take turns on this advisory lock, so a
/// migration never runs twice at once.
pub const MIGRATION_LOCK: i64 = 0x5150_4153; // "SIPAS"

/// Applies every pending migration, then the recount a migration may have asked for;
/// returns the versions applied, oldest first.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map(|versions| versions.iter().map(|v| v.to_string()).collect()),
        DbConnection::Postgres(c) => {
            lock(c, true)?;
            let result = c
                .run_pending_migrations(POSTGRES)
                .map(|versions| versions.iter().map(|v| v.to_string()).collect());
            if result.is_err() {
                lock(c, false)?;
            }
            result
        }
    };
    let applied = applied.map_err(|e| DbError::Migration(e.to_string()))?;
    let recounted = super::recount::tallies_if_pending(conn);
    if let DbConnection::Postgres(c) = conn {
        lock(c, false)?;
    }
    recounted?;
    Ok(applied)
}

/// Reverts every applied migration, newest first (used by tests of each `down.sql`).
pub fn revert_all(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let reverted = match conn {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE),
        DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES),
    };
    reverted
        .map(|versions| versions.iter().map(|v| v.to_string()).collect())
        .map_err(|e| DbError::Migration(e.to_string()))
}

/// Reverts the newest applied migration; returns its version (used by tests that take a
/// migration down and up again over real rows).
pub fn revert_last(conn: &mut DbConnection) -> Result<String, DbError> {
    let reverted = match conn {
        DbConnection::Sqlite(c) => c.revert_last_migration(SQLITE),
        DbConnection::Postgres(c) => c.revert_last_migration(POSTGRES),
    };
    reverted
        .map(|version| version.to_string())
        .map_err(|e| DbError::Migration(e.to_string()))
}

/// The migrations not applied yet.
pub fn pending(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let pending = match conn {
        DbConnection::Sqlite(c) => c
            .pending_migrations(SQLITE)
            .map(|m| m.iter().map(|m| m.name().to_string()).collect()),
        DbConnection::Postgres(c) => c
            .pending_migrations(POSTGRES)
            .map(|m| m.iter().map(|m| m.name().to_string()).collect()),
    };
    pending.map_err(|e| DbError::Migration(e.to_string()))
}

fn lock(conn: &mut diesel::PgConnection, acquire: bool) -> Result<(), DbError> {
    let sql = if acquire {
        "SELECT pg_advisory_lock($1)"
    } else {
        "SELECT pg_advisory_unlock($1)"
    };
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
        .execute(conn)?;
    Ok(())
}
