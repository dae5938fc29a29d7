//! Idempotency keys of `POST /api/v1/responses`: a key is claimed in the transaction that
//! stores its response, so retries with the key find the first response instead of
//! storing another.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::idempotency_keys;

/// What a key already holds.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Claimed {
    pub request_hash: String,
    pub response_id: Option<i64>,
}

/// How long a key is kept: retries come within minutes; after this a key is free again
/// and no longer tied to its response.
pub const KEPT_FOR: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Claims `key_hash` for a request; `None` when this transaction now holds it, or what
/// the key already holds. Keys older than [`KEPT_FOR`] are forgotten first. On
/// PostgreSQL a claim made by a transaction still running waits for it to end, so a
/// committed first claim is always seen.
pub fn claim(
    conn: &mut DbConnection,
    key_hash: &str,
    request_hash: &str,
    now: chrono::NaiveDateTime,
) -> QueryResult<Option<Claimed>> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(now - KEPT_FOR)))
        .execute(conn)?;
    let row = (
        idempotency_keys::key_hash.eq(key_hash),
        idempotency_keys::request_hash.eq(request_hash),
        idempotency_keys::created_at.eq(now),
    );
    // `ON CONFLICT` needs the concrete backend (MultiConnection lacks it).
    let inserted = crate::with_backend!(&mut *conn, |c| diesel::insert_into(idempotency_keys::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 1 {
        return Ok(None);
    }
    idempotency_keys::table
        .find(key_hash)
        .select((idempotency_keys::request_hash, idempotency_keys::response_id))
        .first(conn)
        .map(Some)
}

/// Records the response a claimed key stored.
pub fn fulfil(conn: &mut DbConnection, key_hash: &str, response_id: i64) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find(key_hash))
        .set(idempotency_keys::response_id.eq(response_id))
        .execute(conn)?;
    Ok(())
}
