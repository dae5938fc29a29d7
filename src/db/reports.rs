//! What reports read: the tallies kept at submission time (per day, week, month, quarter
//! and year) covering a span of days, per unit. Never the raw answers.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::DbConnection;
use super::schema::{desks, tallies, ticket_counts, tickets};
use super::tallies::{StoredCounts, channel_of, count_keys};
use crate::tally::periods::{CountPeriod, Cover};
use crate::tally::{ALL_FIELDS, Channel, CountKeys, StoredRow};

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

/// One stored tally read for a report: whose, which form version and channel, which
/// period (by first day), counted with `sign`.
#[derive(Debug, Clone)]
pub struct TallyRead {
    pub unit_code: String,
    pub form_version_id: i64,
    pub start: NaiveDate,
    pub channel: Channel,
    /// +1, or −1 for a day outside the span inside a month read whole.
    pub sign: i64,
    pub responses: i64,
    /// By position of the version's keys (`keys` names them).
    pub counts: Vec<i64>,
}

impl TallyRead {
    /// The row as the tally domain adds it up.
    pub fn stored(&self) -> StoredRow<'_> {
        StoredRow {
            version: self.form_version_id,
            channel: self.channel,
            responses: self.responses,
            sign: self.sign,
            counts: &self.counts,
        }
    }
}

/// Stored tallies read for a report, and the keys of their counts.
#[derive(Debug, Default)]
pub struct TallyReads {
    pub rows: Vec<TallyRead>,
    pub keys: CountKeys,
}

impl TallyReads {
    /// Reads the keys of the form versions after their rows (see [`count_keys`]).
    fn of(conn: &mut DbConnection, rows: Vec<TallyRead>, versions: &[i64]) -> QueryResult<TallyReads> {
        let keys = count_keys(conn, versions)?;
        Ok(TallyReads { rows, keys })
    }
}

/// Which rows a report reads: the form versions, the procedure field (all responses when
/// `None`) and the channels (all when `None`).
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    pub versions: &'a [i64],
    pub field: Option<&'a str>,
    pub channels: Option<&'a [Channel]>,
}

/// A stored row as read: unit, form version, first day, channel, responses, counts.
type Row = (String, i64, NaiveDate, String, i64, StoredCounts);

/// The stored tallies of `units` and `which` rows, of one kind of period starting on
/// `starts`. Each unit's rows of one period and field lie together in the table's key
/// order, so the periods are read as few ranges of first days, each from one seek, rather
/// than one seek per row; a row's channels lie together inside it.
fn tallies_of(
    conn: &mut DbConnection,
    units: &[String],
    which: Rows<'_>,
    period: CountPeriod,
    starts: &[NaiveDate],
) -> QueryResult<Vec<Row>> {
    let mut starts = starts.to_vec();
    starts.sort_unstable();
    let channels: Option<Vec<&str>> = which.channels.map(|cs| cs.iter().map(|c| c.as_str()).collect());
    let mut rows = Vec::new();
    for (first, last) in ranges(period, &starts) {
        for chunk in units.chunks(UNITS_PER_QUERY) {
            let mut query = tallies::table
                .filter(tallies::unit_code.eq_any(chunk))
                .filter(tallies::form_version_id.eq_any(which.versions))
                .filter(tallies::period.eq(period.as_str()))
                .filter(tallies::field.eq(which.field.unwrap_or(ALL_FIELDS)))
                .filter(tallies::start.between(first, last))
                .select((
                    tallies::unit_code,
                    tallies::form_version_id,
                    tallies::start,
                    tallies::channel,
                    tallies::responses,
                    tallies::counts,
                ))
                .into_boxed();
            if let Some(channels) = &channels {
                query = query.filter(tallies::channel.eq_any(channels.clone()));
            }
            let found = query.load::<Row>(conn)?;
            rows.extend(
                found
                    .into_iter()
                    .filter(|row| starts.binary_search(&row.2).is_ok()),
            );
        }
    }
    Ok(rows)
}

/// Periods not asked for that a range may pass over: reading a few neighbouring rows costs
/// less than seeking past them.
const PERIODS_READ_IN_PASSING: i64 = 3;

/// `starts` (sorted) as ranges `(first, last)` of first days to read.
fn ranges(period: CountPeriod, starts: &[NaiveDate]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut ranges: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for start in starts.iter().copied() {
        match ranges.last_mut() {
            Some((_, last))
                if (start - *last).num_days() <= (PERIODS_READ_IN_PASSING + 1) * period.most_days() =>
            {
                *last = start
            }
            _ => ranges.push((start, start)),
        }
    }
    ranges
}

/// What `units` counted over days `from..=to` in `which` rows, read from the year,
/// quarter, month, week and day tallies that cover the span; weeks and days outside the
/// span but inside a month read whole come with sign −1. The caller adds them up.
pub fn tallies(
    conn: &mut DbConnection,
    units: &[String],
    which: Rows<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<TallyReads> {
    let cover = Cover::of(from, to);
    let mut rows = Vec::new();
    for read in reads(&cover) {
        for row in tallies_of(conn, units, which, read.period, read.starts)? {
            rows.push(read_with_sign(row, read.sign)?);
        }
    }
    TallyReads::of(conn, rows, which.versions)
}

fn read_with_sign(
    (unit_code, form_version_id, start, channel, responses, counts): Row,
    sign: i64,
) -> QueryResult<TallyRead> {
    Ok(TallyRead {
        unit_code,
        form_version_id,
        start,
        channel: channel_of(&channel)?,
        sign,
        responses,
        counts: counts.0,
    })
}

/// The month tallies of `units` in `which` rows for the months starting on `months` (a
/// trend).
pub fn monthly_tallies(
    conn: &mut DbConnection,
    units: &[String],
    which: Rows<'_>,
    months: &[NaiveDate],
) -> QueryResult<TallyReads> {
    let rows = tallies_of(conn, units, which, CountPeriod::Month, months)?
        .into_iter()
        .map(|row| read_with_sign(row, 1))
        .collect::<QueryResult<_>>()?;
    TallyReads::of(conn, rows, which.versions)
}

/// Responses of `units` in `which` rows together per month: `(month, count)`, without
/// reading the counts (a trend checks them against what it kept).
pub fn monthly_responses(
    conn: &mut DbConnection,
    units: &[String],
    which: Rows<'_>,
    months: &[NaiveDate],
) -> QueryResult<Vec<(NaiveDate, i64)>> {
    let channels: Option<Vec<&str>> = which.channels.map(|cs| cs.iter().map(|c| c.as_str()).collect());
    let mut rows = Vec::new();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        let mut query = tallies::table
            .filter(tallies::unit_code.eq_any(chunk))
            .filter(tallies::form_version_id.eq_any(which.versions))
            .filter(tallies::period.eq(CountPeriod::Month.as_str()))
            .filter(tallies::start.eq_any(months))
            .filter(tallies::field.eq(which.field.unwrap_or(ALL_FIELDS)))
            .group_by(tallies::start)
            .select((tallies::start, summed("tallies.responses")))
            .into_boxed();
        if let Some(channels) = &channels {
            query = query.filter(tallies::channel.eq_any(channels.clone()));
        }
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
                    sql::<BigInt>("COUNT(*) FILTER (WHERE tickets.answered)"),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn nearby_periods_are_read_as_one_range() {
        let days = [d("2025-06-18"), d("2025-06-19"), d("2025-06-22"), d("2025-06-30")];
        // 22 → 30 June passes over seven days: more than three, so a second range.
        assert_eq!(
            ranges(CountPeriod::Day, &days),
            [
                (d("2025-06-18"), d("2025-06-22")),
                (d("2025-06-30"), d("2025-06-30"))
            ]
        );
        let weeks = [d("2025-06-02"), d("2025-06-23"), d("2025-08-04")];
        assert_eq!(
            ranges(CountPeriod::Week, &weeks),
            [
                (d("2025-06-02"), d("2025-06-23")),
                (d("2025-08-04"), d("2025-08-04"))
            ]
        );
        assert_eq!(ranges(CountPeriod::Year, &[]), []);
    }
}
