//! Application secrets and the record of failed sign-ins.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{app_secrets, login_failures};

/// The secret called `name`, made with `generate` the first time. Replicas starting
/// together agree on one value: the first insert wins and everyone reads it back.
pub fn secret(conn: &mut DbConnection, name: &str, generate: impl FnOnce() -> String) -> QueryResult<String> {
    let candidate = generate();
    crate::with_backend!(&mut *conn, |c| {
        diesel::insert_into(app_secrets::table)
            .values((app_secrets::name.eq(name), app_secrets::value.eq(&candidate)))
            .on_conflict(app_secrets::name)
            .do_nothing()
            .execute(c)
    })?;
    app_secrets::table
        .find(name)
        .select(app_secrets::value)
        .first(conn)
}

pub fn record_failure(conn: &mut DbConnection, subject: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::subject.eq(subject),
            login_failures::failed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failures of `subject` since `since`, and the oldest of them.
pub fn failures_since(
    conn: &mut DbConnection,
    subject: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    login_failures::table
        .filter(login_failures::subject.eq(subject))
        .filter(login_failures::failed_at.ge(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(login_failures::failed_at),
        ))
        .first(conn)
}

/// Forgets the failures of `subject` (after it signs in).
pub fn clear_failures(conn: &mut DbConnection, subject: &str) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(subject))).execute(conn)
}

/// Forgets failures older than `before`.
pub fn prune_failures(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::failed_at.lt(before))).execute(conn)
}
