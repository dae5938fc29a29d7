//! The outbox: mail queued in the same transaction as what caused it, claimed by a worker
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas never take the same mail; SQLite
//! has one writer at a time), marked sent, or retried later with its error recorded.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::outbox;

/// A mail to queue.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewMail<'a> {
    /// What this mail is (e.g. `digest:7:46:2026-11`): the same key is queued once.
    pub dedup_key: &'a str,
    /// `digest` or `alert`.
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Mail {
    pub id: i64,
    pub dedup_key: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
}

/// Queues a mail unless one with its key was queued before; whether it was queued now.
pub fn queue(conn: &mut DbConnection, mail: &NewMail<'_>) -> QueryResult<bool> {
    let inserted = crate::with_backend!(&mut *conn, |c| diesel::insert_into(outbox::table)
        .values(mail)
        .on_conflict(outbox::dedup_key)
        .do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Whether a mail with this key was ever queued.
pub fn is_queued(conn: &mut DbConnection, dedup_key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        outbox::table.filter(outbox::dedup_key.eq(dedup_key)),
    ))
    .get_result(conn)
}

/// How long a claimed mail is left to its worker before another may take it (a worker
/// that died while sending): far longer than an SMTP exchange may take.
pub const CLAIM: Duration = Duration::minutes(10);

/// Claims up to `limit` mails due at `now`, oldest first, for one worker: each is held
/// until `now + CLAIM`, so no other worker sends it meanwhile.
pub fn claim(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<Mail>> {
    super::write_transaction(conn, |conn| -> QueryResult<Vec<Mail>> {
        let due = outbox::table
            .filter(outbox::sent_at.is_null())
            .filter(outbox::next_attempt_at.le(now))
            .filter(outbox::claimed_until.is_null().or(outbox::claimed_until.lt(now)))
            .order(outbox::id)
            .limit(limit)
            .select(outbox::id);
        let ids: Vec<i64> = match conn {
            // Rows another replica is claiming are skipped, not waited for.
            DbConnection::Postgres(c) => due.for_update().skip_locked().load(c)?,
            // The write transaction already keeps every other writer out.
            DbConnection::Sqlite(c) => due.load(c)?,
        };
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set(outbox::claimed_until.eq(now + CLAIM))
            .execute(conn)?;
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .order(outbox::id)
            .select(Mail::as_select())
            .load(conn)
    })
}

/// Records that a claimed mail went out.
pub fn mark_sent(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::sent_at.eq(now),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt; the mail is tried again at `retry_at`.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    retry_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error),
            outbox::next_attempt_at.eq(retry_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The queue at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueStatus {
    /// Not sent yet and never tried.
    pub waiting: i64,
    /// Not sent yet, tried and failed at least once.
    pub failing: i64,
    pub sent: i64,
}

pub fn status(conn: &mut DbConnection) -> QueryResult<QueueStatus> {
    let count = |conn: &mut DbConnection, sent: bool, tried: bool| -> QueryResult<i64> {
        let query = outbox::table.into_boxed();
        let query = if sent {
            query.filter(outbox::sent_at.is_not_null())
        } else if tried {
            query
                .filter(outbox::sent_at.is_null())
                .filter(outbox::attempts.gt(0))
        } else {
            query
                .filter(outbox::sent_at.is_null())
                .filter(outbox::attempts.eq(0))
        };
        query.count().get_result(conn)
    };
    Ok(QueueStatus {
        waiting: count(conn, false, false)?,
        failing: count(conn, false, true)?,
        sent: count(conn, true, false)?,
    })
}

/// The latest mails, newest first (for the admin page and `sipas mail status`).
pub fn latest(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Mail>> {
    outbox::table
        .order(outbox::id.desc())
        .limit(limit)
        .select(Mail::as_select())
        .load(conn)
}
