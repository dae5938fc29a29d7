//! The `sessions` table: one row per sign-in, found by a hash of its identifier.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::sessions;

/// Records a sign-in of `user_id` until `expires_at`.
pub fn insert(
    conn: &mut DbConnection,
    id_hash: &str,
    user_id: i64,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(id_hash),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The user of a session that has not ended or expired.
pub fn user_of(conn: &mut DbConnection, id_hash: &str, now: NaiveDateTime) -> QueryResult<Option<i64>> {
    sessions::table
        .find(id_hash)
        .filter(sessions::expires_at.gt(now))
        .select(sessions::user_id)
        .first(conn)
        .optional()
}

/// Ends one session (signing out).
pub fn end(conn: &mut DbConnection, id_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)
}

/// Ends every session of a user (a new password, a disabled account).
pub fn end_all_of(conn: &mut DbConnection, user_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

/// Forgets sessions that expired before `now`.
pub fn prune(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)
}
