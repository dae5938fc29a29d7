//! What reports read: the counts kept at submission time (per day, month and year),
//! summed over a span of days, per unit. Never the raw answers.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::DbConnection;
use super::count_periods::{CountPeriod, Cover};
use super::schema::{answer_counts, desks, response_counts, ticket_counts};

/// Bound parameters per query stay well below SQLite's and PostgreSQL's limits.
const UNITS_PER_QUERY: usize = 2_000;

/// The sum of a `count` column, as a 64-bit integer on both backends (PostgreSQL's
/// `SUM(bigint)` is a `numeric`).
fn summed(column: &str) -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CAST(SUM({column}) AS BIGINT)"))
}

/// The count rows of one kind of period to read for a span: added, or (days outside the
/// span inside a month read whole) taken away.
struct Read<'a> {
    period: CountPeriod,
    starts: &'a [NaiveDate],
    /// +1 or −1.
    sign: i64,
}

impl Read<'_> {
    /// Several days: summed by the database (a ragged range has dozens of them).
    fn summed(&self) -> bool {
        self.period == CountPeriod::Day && self.starts.len() > 1
    }
}

/// What to read for a span: its cover's periods to add, then the days to take away.
fn reads(cover: &Cover) -> Vec<Read<'_>> {
    let added = cover.by_period().map(|(period, starts)| Read {
        period,
        starts,
        sign: 1,
    });
    let taken_away = (!cover.minus_days.is_empty()).then_some(Read {
        period: CountPeriod::Day,
        starts: &cover.minus_days,
        sign: -1,
    });
    added.chain(taken_away).collect()
}

/// Answers of `units` over days `from..=to` for these form versions, read from the year,
/// quarter, month and day counts that cover the span: `(unit, question, value, count)`,
/// one row per period read (days summed by the database), days outside the span but
/// inside a month read as a whole counted negative. The caller adds the rows up: for the
/// few whole periods that is cheaper than SQL's GROUP BY, which sorts.
pub fn answer_counts(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(String, String, String, i64)>> {
    let cover = Cover::of(from, to);
    let mut rows = Vec::new();
    for read in reads(&cover) {
        for chunk in units.chunks(UNITS_PER_QUERY) {
            let query = answer_counts::table
                .filter(answer_counts::unit_code.eq_any(chunk))
                .filter(answer_counts::form_version_id.eq_any(versions))
                .filter(answer_counts::period.eq(read.period.as_str()))
                .filter(answer_counts::start.eq_any(read.starts));
            let columns = (
                answer_counts::unit_code,
                answer_counts::question_id,
                answer_counts::value,
            );
            let found = if read.summed() {
                query
                    .group_by(columns)
                    .select((columns.0, columns.1, columns.2, summed("answer_counts.count")))
                    .load::<(String, String, String, i64)>(conn)?
            } else {
                query
                    .select((columns.0, columns.1, columns.2, answer_counts::count))
                    .load::<(String, String, String, i64)>(conn)?
            };
            let sign = read.sign;
            rows.extend(found.into_iter().map(|(u, q, v, c)| (u, q, v, sign * c)));
        }
    }
    Ok(rows)
}

/// Responses of `units` over the days, per channel: `(unit, channel, count)`, one row per
/// period read, like [`answer_counts`].
pub fn response_counts(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(String, String, i64)>> {
    let cover = Cover::of(from, to);
    let mut rows = Vec::new();
    for read in reads(&cover) {
        for chunk in units.chunks(UNITS_PER_QUERY) {
            let found = response_counts::table
                .filter(response_counts::unit_code.eq_any(chunk))
                .filter(response_counts::form_version_id.eq_any(versions))
                .filter(response_counts::period.eq(read.period.as_str()))
                .filter(response_counts::start.eq_any(read.starts))
                .select((
                    response_counts::unit_code,
                    response_counts::channel,
                    response_counts::count,
                ))
                .load::<(String, String, i64)>(conn)?;
            let sign = read.sign;
            rows.extend(found.into_iter().map(|(u, ch, c)| (u, ch, sign * c)));
        }
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

/// Answers of `units` together, per month, for the months starting on `months`:
/// `(month, question, value, count)`, summed over the units by the database (a trend
/// reads a year of months for every unit of a province).
pub fn monthly_answer_counts(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    months: &[NaiveDate],
) -> QueryResult<Vec<(NaiveDate, String, String, i64)>> {
    let mut rows = Vec::new();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        rows.extend(
            answer_counts::table
                .filter(answer_counts::unit_code.eq_any(chunk))
                .filter(answer_counts::form_version_id.eq_any(versions))
                .filter(answer_counts::period.eq(CountPeriod::Month.as_str()))
                .filter(answer_counts::start.eq_any(months))
                .group_by((
                    answer_counts::start,
                    answer_counts::question_id,
                    answer_counts::value,
                ))
                .select((
                    answer_counts::start,
                    answer_counts::question_id,
                    answer_counts::value,
                    summed("answer_counts.count"),
                ))
                .load::<(NaiveDate, String, String, i64)>(conn)?,
        );
    }
    Ok(rows)
}

/// Responses of `units` together per month: `(month, count)`.
pub fn monthly_response_counts(
    conn: &mut DbConnection,
    units: &[String],
    versions: &[i64],
    months: &[NaiveDate],
) -> QueryResult<Vec<(NaiveDate, i64)>> {
    let mut rows = Vec::new();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        rows.extend(
            response_counts::table
                .filter(response_counts::unit_code.eq_any(chunk))
                .filter(response_counts::form_version_id.eq_any(versions))
                .filter(response_counts::period.eq(CountPeriod::Month.as_str()))
                .filter(response_counts::start.eq_any(months))
                .group_by(response_counts::start)
                .select((response_counts::start, summed("response_counts.count")))
                .load::<(NaiveDate, i64)>(conn)?,
        );
    }
    Ok(rows)
}
