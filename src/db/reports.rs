//! What reports read: the per-day counts kept at submission time, summed over a period,
//! per unit. Never the raw answers.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::DbConnection;
use super::schema::{daily_counts, daily_responses, desks, ticket_counts};

/// Bound parameters per query stay well below SQLite's and PostgreSQL's limits.
const UNITS_PER_QUERY: usize = 2_000;

/// The sum of a `count` column, as a 64-bit integer on both backends (PostgreSQL's
/// `SUM(bigint)` is a `numeric`).
fn summed(column: &str) -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CAST(SUM({column}) AS BIGINT)"))
}

/// Answers of `units` over days `from..=to` for these form versions:
/// `(unit, question, value, count)`.
pub fn answer_counts(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(String, String, String, i64)>> {
    let mut rows = Vec::new();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        rows.extend(
            daily_counts::table
                .filter(daily_counts::unit_code.eq_any(chunk))
                .filter(daily_counts::form_version_id.eq_any(versions))
                .filter(daily_counts::day.between(from, to))
                .group_by((
                    daily_counts::unit_code,
                    daily_counts::question_id,
                    daily_counts::value,
                ))
                .select((
                    daily_counts::unit_code,
                    daily_counts::question_id,
                    daily_counts::value,
                    summed("daily_counts.count"),
                ))
                .load::<(String, String, String, i64)>(conn)?,
        );
    }
    Ok(rows)
}

/// Responses of `units` over the days, per channel: `(unit, channel, count)`.
pub fn response_counts(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(String, String, i64)>> {
    let mut rows = Vec::new();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        rows.extend(
            daily_responses::table
                .filter(daily_responses::unit_code.eq_any(chunk))
                .filter(daily_responses::form_version_id.eq_any(versions))
                .filter(daily_responses::day.between(from, to))
                .group_by((daily_responses::unit_code, daily_responses::channel))
                .select((
                    daily_responses::unit_code,
                    daily_responses::channel,
                    summed("daily_responses.count"),
                ))
                .load::<(String, String, i64)>(conn)?,
        );
    }
    Ok(rows)
}

/// Tickets issued over the days at the desks of `units`, and how many of those were
/// answered: `(unit, issued, answered)`.
pub fn ticket_counts(
    conn: &mut DbConnection,
    units: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(String, i64, i64)>> {
    let mut rows = Vec::new();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        rows.extend(
            ticket_counts::table
                .inner_join(desks::table)
                .filter(desks::unit_code.eq_any(chunk))
                .filter(ticket_counts::day.between(from, to))
                .group_by(desks::unit_code)
                .select((
                    desks::unit_code,
                    summed("ticket_counts.issued"),
                    summed("ticket_counts.answered"),
                ))
                .load::<(String, i64, i64)>(conn)?,
        );
    }
    Ok(rows)
}
