//! Limits on failed sign-ins, per account and per address, kept in the database so that
//! every replica counts the same failures. Addresses are stored only as an HMAC.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

use super::secrets::Secrets;
use crate::db::{self, DbConnection, DbError};

/// How many failures are allowed within the window.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub per_account: u32,
    pub per_address: u32,
    pub window: Duration,
}

/// What the limits count for one attempt.
pub struct Subjects {
    account: String,
    address: Option<String>,
}

impl Subjects {
    pub fn new(secrets: &Secrets, email: &str, address: Option<IpAddr>) -> Subjects {
        Subjects {
            account: format!("account:{email}"),
            address: address.map(|a| format!("address:{}", secrets.mac("address", &a.to_string()))),
        }
    }
}

/// How long to wait before the next attempt, when a limit is reached.
pub fn wait(
    conn: &mut DbConnection,
    limits: LoginLimits,
    subjects: &Subjects,
    now: NaiveDateTime,
) -> Result<Option<Duration>, DbError> {
    let since = now - limits.window;
    let mut checks = vec![(&subjects.account, limits.per_account)];
    if let Some(address) = &subjects.address {
        checks.push((address, limits.per_address));
    }
    let mut longest: Option<Duration> = None;
    for (subject, limit) in checks {
        let (failures, oldest) = db::security::failures_since(conn, subject, since)?;
        if limit > 0 && failures >= i64::from(limit) {
            let free_at = oldest.unwrap_or(now) + limits.window;
            let wait = (free_at - now).max(Duration::seconds(1));
            longest = Some(longest.map_or(wait, |l| l.max(wait)));
        }
    }
    Ok(longest)
}

/// Records a failed attempt; forgets failures older than the window on the way.
pub fn failed(
    conn: &mut DbConnection,
    limits: LoginLimits,
    subjects: &Subjects,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    db::security::prune_failures(conn, now - limits.window)?;
    db::security::record_failure(conn, &subjects.account, now)?;
    if let Some(address) = &subjects.address {
        db::security::record_failure(conn, address, now)?;
    }
    Ok(())
}

/// A successful sign-in clears the account's failures (not the address's).
pub fn succeeded(conn: &mut DbConnection, subjects: &Subjects) -> Result<(), DbError> {
    db::security::clear_failures(conn, &subjects.account)?;
    Ok(())
}
