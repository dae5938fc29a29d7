//! Application secrets, and the record of sign-in attempts the sign-in limits read.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{app_secrets, known_sign_ins, login_throttle};

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

/// A subject's failures in a row and the time of its last attempt.
pub fn throttle_of(conn: &mut DbConnection, subject: &str) -> QueryResult<Option<(i64, NaiveDateTime)>> {
    login_throttle::table
        .find(subject)
        .select((login_throttle::failures, login_throttle::last_attempt))
        .first(conn)
        .optional()
}

/// Counts the first failure of a subject; false when another attempt counted it first.
pub fn first_attempt(conn: &mut DbConnection, subject: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let inserted = crate::with_backend!(&mut *conn, |c| {
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::subject.eq(subject),
                login_throttle::failures.eq(1i64),
                login_throttle::last_attempt.eq(now),
            ))
            .on_conflict(login_throttle::subject)
            .do_nothing()
            .execute(c)
    })?;
    Ok(inserted == 1)
}

/// Sets a subject's failures to `failures`, only if it still holds `seen` (what this
/// attempt read): one statement, so of parallel attempts that read the same row exactly
/// one counts itself; the others see false and read again.
pub fn next_attempt(
    conn: &mut DbConnection,
    subject: &str,
    seen: (i64, NaiveDateTime),
    failures: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        login_throttle::table
            .find(subject)
            .filter(login_throttle::failures.eq(seen.0))
            .filter(login_throttle::last_attempt.eq(seen.1)),
    )
    .set((
        login_throttle::failures.eq(failures),
        login_throttle::last_attempt.eq(now),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Takes back one attempt counted on a subject (it turned out right).
pub fn take_back_attempt(conn: &mut DbConnection, subject: &str) -> QueryResult<usize> {
    diesel::update(
        login_throttle::table
            .find(subject)
            .filter(login_throttle::failures.gt(0)),
    )
    .set(login_throttle::failures.eq(login_throttle::failures - 1))
    .execute(conn)
}

/// Forgets a subject's failures (after a right password).
pub fn forget_failures(conn: &mut DbConnection, subject: &str) -> QueryResult<usize> {
    diesel::delete(login_throttle::table.find(subject)).execute(conn)
}

/// Forgets subjects whose last attempt is older than `before`.
pub fn forget_attempts_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_throttle::table.filter(login_throttle::last_attempt.lt(before))).execute(conn)
}

/// Whether `subject` (an account on an address) signed in since `since`.
pub fn known_since(conn: &mut DbConnection, subject: &str, since: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        known_sign_ins::table
            .find(subject)
            .filter(known_sign_ins::last_seen.ge(since)),
    ))
    .get_result(conn)
}

/// Records a sign-in of `subject` now; forgets those not seen since `forget_before`.
pub fn remember_known(
    conn: &mut DbConnection,
    subject: &str,
    now: NaiveDateTime,
    forget_before: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(known_sign_ins::table.filter(known_sign_ins::last_seen.lt(forget_before)))
        .execute(conn)?;
    crate::with_backend!(&mut *conn, |c| {
        diesel::insert_into(known_sign_ins::table)
            .values((
                known_sign_ins::subject.eq(subject),
                known_sign_ins::last_seen.eq(now),
            ))
            .on_conflict(known_sign_ins::subject)
            .do_update()
            .set(known_sign_ins::last_seen.eq(now))
            .execute(c)
    })?;
    Ok(())
}
