//! What reports read: the tallies kept at submission time (per day, week, month, quarter
//! and year) covering a span of days, per unit. Never the raw answers.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::DbConnection;
use super::count_periods::{CountPeriod, Cover};
use super::schema::{desks, tallies, ticket_counts, tickets};
use super::tallies::ALL_FIELDS;

/// Bound parameters per query stay well below SQLite's and PostgreSQL's limits.
const UNITS_PER_QUERY: usize = 2_000;

/// The sum of a `count` column, as a 64-bit integer on both backends (PostgreSQL's
/// `SUM(bigint)` is a `numeric`).
fn summed(column: &str) -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CAST(SUM({column}) AS BIGINT)"))
}

/// The tallies of one kind of period to read for a span: added, or (weeks and days outside
/// the span inside a month read whole) taken away.
struct Read<'a> {
    period: CountPeriod,
    starts: &'a [NaiveDate],
    /// +1 or −1.
    sign: i64,
}

/// What to read for a span: its cover's periods to add, then the weeks and days to take
/// away.
fn reads(cover: &Cover) -> Vec<Read<'_>> {
    let added = cover.by_period().map(|(period, starts)| Read {
        period,
        starts,
        sign: 1,
    });
    let taken_away = [
        (CountPeriod::Week, &cover.minus_weeks),
        (CountPeriod::Day, &cover.minus_days),
    ]
    .into_iter()
    .filter(|(_, starts)| !starts.is_empty())
    .map(|(period, starts)| Read {
        period,
        starts,
        sign: -1,
    });
    added.chain(taken_away).collect()
}

/// One stored tally read for a report: whose, which period (by first day), counted
/// with `sign`.
#[derive(Debug, Clone)]
pub struct TallyRead {
    pub unit_code: String,
    pub start: NaiveDate,
    /// +1, or −1 for a day outside the span inside a month read whole.
    pub sign: i64,
    pub responses: i64,
    /// As [`super::tallies`] stores them; [`super::tallies::for_each_count`] reads them.
    pub counts: String,
}

/// The stored tallies of `units`, these form versions, one kind of period starting on
/// `starts`, and `field` (all responses when `None`).
fn tallies_of(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    field: Option<&str>,
    period: CountPeriod,
    starts: &[NaiveDate],
) -> QueryResult<Vec<(String, NaiveDate, i64, String)>> {
    let mut rows = Vec::new();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        let query = tallies::table
            .filter(tallies::unit_code.eq_any(chunk))
            .filter(tallies::form_version_id.eq_any(versions))
            .filter(tallies::period.eq(period.as_str()))
            .filter(tallies::start.eq_any(starts))
            .filter(tallies::field.eq(field.unwrap_or(ALL_FIELDS)))
            .select((
                tallies::unit_code,
                tallies::start,
                tallies::responses,
                tallies::counts,
            ));
        rows.extend(query.load::<(String, NaiveDate, i64, String)>(conn)?);
    }
    Ok(rows)
}

/// What `units` counted over days `from..=to` for these form versions and `field`, read
/// from the year, quarter, month, week and day tallies that cover the span; weeks and days
/// outside the span but inside a month read whole come with sign −1. The caller adds them up.
pub fn tallies(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    field: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<TallyRead>> {
    let cover = Cover::of(from, to);
    let mut rows = Vec::new();
    for read in reads(&cover) {
        let found = tallies_of(conn, units, versions, field, read.period, read.starts)?;
        rows.extend(
            found
                .into_iter()
                .map(|(unit_code, start, responses, counts)| TallyRead {
                    unit_code,
                    start,
                    sign: read.sign,
                    responses,
                    counts,
                }),
        );
    }
    Ok(rows)
}

/// The month tallies of `units` for the months starting on `months` (a trend).
pub fn monthly_tallies(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    field: Option<&str>,
    months: &[NaiveDate],
) -> QueryResult<Vec<TallyRead>> {
    let found = tallies_of(conn, units, versions, field, CountPeriod::Month, months)?;
    Ok(found
        .into_iter()
        .map(|(unit_code, start, responses, counts)| TallyRead {
            unit_code,
            start,
            sign: 1,
            responses,
            counts,
        })
        .collect())
}

/// Responses of `units` together per month: `(month, count)`, without reading the
/// counts (a trend checks them against what it kept).
pub fn monthly_responses(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    field: Option<&str>,
    months: &[NaiveDate],
) -> QueryResult<Vec<(NaiveDate, i64)>> {
    let mut rows = Vec::new();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        let query = tallies::table
            .filter(tallies::unit_code.eq_any(chunk))
            .filter(tallies::form_version_id.eq_any(versions))
            .filter(tallies::period.eq(CountPeriod::Month.as_str()))
            .filter(tallies::start.eq_any(months))
            .filter(tallies::field.eq(field.unwrap_or(ALL_FIELDS)))
            .group_by(tallies::start)
            .select((tallies::start, summed("tallies.responses")));
        rows.extend(query.load::<(NaiveDate, i64)>(conn)?);
    }
    Ok(rows)
}

/// The procedure fields that responses of `units` to these form versions name, in order.
pub fn fields(conn: &mut DbConnection, units: &[String], versions: &[i64]) -> QueryResult<Vec<String>> {
    let mut fields = Vec::new();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        fields.extend(
            tallies::table
                .filter(tallies::unit_code.eq_any(chunk))
                .filter(tallies::form_version_id.eq_any(versions))
                // Every response counts in its year: the year rows name every field.
                .filter(tallies::period.eq(CountPeriod::Year.as_str()))
                .filter(tallies::field.ne(ALL_FIELDS))
                .select(tallies::field)
                .distinct()
                .load::<String>(conn)?,
        );
    }
    fields.sort();
    fields.dedup();
    Ok(fields)
}

/// Tickets issued over the days at the desks of `units` (for procedures of `field`
/// only, when given), and how many of those were answered: `(unit, issued, answered)`.
pub fn ticket_counts(
    conn: &mut DbConnection,
    units: &[String],
    field: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(String, i64, i64)>> {
    let mut rows = Vec::new();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        let found = match field {
            // The daily counts have no field: the field's tickets are counted one by one
            // (through their own index).
            Some(field) => tickets::table
                .inner_join(desks::table)
                .filter(desks::unit_code.eq_any(chunk))
                .filter(tickets::procedure_field.eq(field))
                .filter(tickets::issued_day.between(from, to))
                .group_by(desks::unit_code)
                .select((
                    desks::unit_code,
                    sql::<BigInt>("COUNT(*)"),
                    sql::<BigInt>("COUNT(tickets.response_id)"),
                ))
                .load::<(String, i64, i64)>(conn)?,
            None => ticket_counts::table
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
        };
        rows.extend(found);
    }
    Ok(rows)
}
