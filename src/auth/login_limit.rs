//! Limits on failed sign-ins, kept in the database so that every replica counts the same
//! failures. Three subjects are counted: the account from this address, the address, and
//! the account from anywhere (skipped on an address where the account signed in before,
//! so others' guesses never keep the owner out there). Past a few failures each next
//! attempt on a subject waits longer — 15 s, 30 s, 1 min … up to the window — instead of
//! a lock. Each attempt claims its place before the password is checked, with a
//! conditional update that only one of any number of parallel attempts can win per
//! count, so parallel guesses are counted exactly. E-mails and addresses are stored only
//! as HMACs.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

use super::secrets::Secrets;
use crate::db::{self, DbConnection, DbError};

/// The first wait after the free attempts; each further failure doubles it.
const FIRST_DELAY_SECONDS: i64 = 15;
/// How many times the account may fail from anywhere, as a multiple of the per-address
/// allowance.
const ACCOUNT_WIDE_FACTOR: u32 = 4;
/// An address stays known for an account this long after its last sign-in there.
const KNOWN_FOR_DAYS: i64 = 180;

/// How many failures are free, and how long failures are remembered (also the longest
/// wait).
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Per account from one address; the account from anywhere gets four times as many.
    pub per_account: u32,
    pub per_address: u32,
    pub window: Duration,
}

/// What the limits count for one attempt.
pub struct Subjects {
    /// The account from this address.
    pair: Option<String>,
    /// This address, for every account.
    address: Option<String>,
    /// The account, from every address.
    account: String,
    /// Says that the account signed in from this address before.
    known: Option<String>,
}

impl Subjects {
    pub fn new(secrets: &Secrets, email: &str, address: Option<IpAddr>) -> Subjects {
        let address = address.map(|a| a.to_string());
        let pair = address
            .as_ref()
            .map(|a| secrets.mac("sign-in pair", &format!("{email}\n{a}")));
        Subjects {
            known: pair.as_ref().map(|p| format!("known:{p}")),
            pair: pair.map(|p| format!("pair:{p}")),
            address: address.map(|a| format!("address:{}", secrets.mac("address", &a))),
            account: format!("account:{}", secrets.mac("sign-in account", email)),
        }
    }
}

/// The wait before the next attempt on a subject that failed `failures` times in a row,
/// the last at `last`; `None` when it may go ahead now.
fn wait_for(
    failures: i64,
    free: u32,
    last: NaiveDateTime,
    now: NaiveDateTime,
    window: Duration,
) -> Option<Duration> {
    let beyond = failures - i64::from(free);
    if beyond < 0 {
        return None;
    }
    let doubled = FIRST_DELAY_SECONDS.saturating_mul(1i64 << beyond.min(20));
    let delay = Duration::seconds(doubled).min(window);
    let free_at = last + delay;
    (now < free_at).then(|| free_at - now)
}

/// Counts one attempt on `subject` as a failure before the password is checked (a right
/// password takes it back), unless the subject must wait first.
fn claim(
    conn: &mut DbConnection,
    subject: &str,
    free: u32,
    window: Duration,
    now: NaiveDateTime,
) -> Result<Option<Duration>, DbError> {
    // Each round either claims or sees another attempt's claim and looks again.
    for _ in 0..16 {
        let claimed = match db::security::throttle_of(conn, subject)? {
            None => {
                db::security::forget_attempts_before(conn, now - window)?;
                db::security::first_attempt(conn, subject, now)?
            }
            Some((failures, last)) => {
                let counted = if now - last >= window { 0 } else { failures };
                if let Some(wait) = wait_for(counted, free, last, now, window) {
                    return Ok(Some(wait));
                }
                db::security::next_attempt(conn, subject, (failures, last), counted + 1, now)?
            }
        };
        if claimed {
            return Ok(None);
        }
    }
    // So many attempts at once that this one never got its turn: it waits like the rest.
    Ok(Some(Duration::seconds(FIRST_DELAY_SECONDS)))
}

/// Claims an attempt on every subject that applies; returns how long to wait instead
/// when one of them must wait.
pub fn claim_attempt(
    conn: &mut DbConnection,
    limits: LoginLimits,
    subjects: &Subjects,
    now: NaiveDateTime,
) -> Result<Option<Duration>, DbError> {
    let known = match &subjects.known {
        Some(known) => db::security::known_since(conn, known, now - Duration::days(KNOWN_FOR_DAYS))?,
        None => false,
    };
    let account_wide = limits.per_account.saturating_mul(ACCOUNT_WIDE_FACTOR);
    let checks = [
        (subjects.pair.as_ref(), limits.per_account),
        (subjects.address.as_ref(), limits.per_address),
        ((!known).then_some(&subjects.account), account_wide),
    ];
    for (subject, free) in checks {
        if let Some(subject) = subject
            && free > 0
            && let Some(wait) = claim(conn, subject, free, limits.window, now)?
        {
            return Ok(Some(wait));
        }
    }
    Ok(None)
}

/// A right password: the attempt claimed on the address is taken back, the account's
/// failures from this address are forgotten, and this address becomes known for the
/// account. Failures of the account from anywhere stay until the window forgets them (or
/// the owner's sign-ins would hand a guesser fresh tries), as do the address's earlier
/// failures (one good account does not clear its guesses at others).
pub fn succeeded(conn: &mut DbConnection, subjects: &Subjects, now: NaiveDateTime) -> Result<(), DbError> {
    if let Some(address) = &subjects.address {
        db::security::take_back_attempt(conn, address)?;
    }
    if let Some(pair) = &subjects.pair {
        db::security::forget_failures(conn, pair)?;
    }
    if let Some(known) = &subjects.known {
        db::security::remember_known(conn, known, now, now - Duration::days(KNOWN_FOR_DAYS))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_700_000_000 + seconds, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn the_wait_doubles_after_the_free_attempts_up_to_the_window() {
        let window = Duration::seconds(900);
        assert_eq!(wait_for(2, 3, at(0), at(0), window), None);
        assert_eq!(wait_for(3, 3, at(0), at(0), window), Some(Duration::seconds(15)));
        assert_eq!(wait_for(3, 3, at(0), at(10), window), Some(Duration::seconds(5)));
        assert_eq!(wait_for(3, 3, at(0), at(15), window), None);
        assert_eq!(wait_for(4, 3, at(0), at(0), window), Some(Duration::seconds(30)));
        assert_eq!(wait_for(6, 3, at(0), at(0), window), Some(Duration::seconds(120)));
        assert_eq!(wait_for(60, 3, at(0), at(0), window), Some(window));
    }
}
