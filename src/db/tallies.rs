//! Storage of the counts reports read ([`crate::tally`]), added to in the same transaction
//! as the responses they count. One row per unit, form version, period, procedure field,
//! first day and channel holds how many responses there were and their counts.
//!
//! Each form version lists the keys it counts in `form_versions.count_keys` (a JSON array
//! of `question=value` texts, only ever appended to, so positions never move), and a row's
//! `counts` are numbers by position in that list: `[14,0,2]` is 14 of the first key, 2 of
//! the third. Each database keeps them in a form it adds natively — PostgreSQL as a
//! `bigint[]`, SQLite as a blob of unsigned LEB128 numbers added by a function of sipas's
//! registered on every connection — and adds a response's counts to a stored row itself,
//! position by position, so concurrent writers never lose a count.

use chrono::NaiveDate;
use diesel::prelude::*;
use rustc_hash::FxHashMap;

use super::DbConnection;
use super::counts_codec::CountsSql;
pub use super::counts_codec::StoredCounts;
use super::schema::{form_versions, tallies};
use crate::tally::{Channel, CountKey, CountKeys, CountTotals, Totals};

/// Rows per multi-row statement: well below both backends' bound-parameter limits.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Adds a row's stored counts and the new ones in the database (as PostgreSQL's unnest
/// pairs two arrays up, the shorter padded with nulls; ordered by position explicitly).
const POSTGRES_MERGE: &str = "(SELECT array_agg(COALESCE(stored, 0) + COALESCE(added, 0) ORDER BY at) \
     FROM unnest(tallies.counts, excluded.counts) WITH ORDINALITY AS both_counts(stored, added, at))";
const SQLITE_MERGE: &str = "sipas_add_counts(tallies.counts, excluded.counts)";

/// The stored keys of these form versions, by version; with `lock`, locked against other
/// writers of them until the transaction ends (PostgreSQL; SQLite's write transactions
/// already exclude each other). The lock leaves the version's key alone (`FOR NO KEY
/// UPDATE`): transactions that only point at the version (a response, a tally row) never
/// wait for it.
fn stored_keys(
    conn: &mut DbConnection,
    versions: &[i64],
    lock: bool,
) -> QueryResult<FxHashMap<i64, Vec<CountKey>>> {
    let query = form_versions::table
        .filter(form_versions::id.eq_any(versions))
        .select((form_versions::id, form_versions::count_keys));
    let found: Vec<(i64, String)> = match conn {
        DbConnection::Postgres(c) if lock => query.for_no_key_update().load(c)?,
        _ => query.load(conn)?,
    };
    found
        .into_iter()
        .map(|(version, keys)| {
            let keys: Vec<String> = serde_json::from_str(&keys)
                .map_err(|e| unreadable(format!("the count keys of form version {version}: {e}")))?;
            let keys = keys
                .iter()
                .map(|key| key.parse::<CountKey>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| unreadable(format!("a count key without '=': {}", e.0)))?;
            Ok((version, keys))
        })
        .collect()
}

/// The keys of these versions as they are now. Read after the rows they decode: keys are
/// only ever appended, so they then cover every position those rows use.
pub fn count_keys(conn: &mut DbConnection, versions: &[i64]) -> QueryResult<CountKeys> {
    Ok(CountKeys::new(
        stored_keys(conn, versions, false)?.into_iter().collect(),
    ))
}

/// Each form version's position for each key number of `totals` (`None` for keys it never
/// counts), appending to its stored keys those it counts for the first time.
fn positions(conn: &mut DbConnection, totals: &Totals) -> QueryResult<FxHashMap<i64, Vec<Option<usize>>>> {
    // Whatever a version counts is in one of its day rows.
    let mut counted: FxHashMap<i64, Vec<bool>> = FxHashMap::default();
    for row in totals
        .rows
        .iter()
        .filter(|r| r.period == crate::tally::periods::CountPeriod::Day)
    {
        let seen = counted
            .entry(row.form_version_id)
            .or_insert_with(|| vec![false; totals.keys.len()]);
        for (number, count) in row.counted.keys.iter().enumerate() {
            seen[number] |= *count != 0;
        }
    }
    let versions: Vec<i64> = counted.keys().copied().collect();
    let new_keys = |stored: &FxHashMap<i64, Vec<CountKey>>| -> Vec<(i64, Vec<CountKey>)> {
        counted
            .iter()
            .filter_map(|(version, seen)| {
                let known: rustc_hash::FxHashSet<&CountKey> =
                    stored.get(version).into_iter().flatten().collect();
                let mut new: Vec<CountKey> = (0..seen.len())
                    .filter(|number| seen[*number] && !known.contains(&totals.keys[*number]))
                    .map(|number| totals.keys[number].clone())
                    .collect();
                new.sort_unstable();
                (!new.is_empty()).then_some((*version, new))
            })
            .collect()
    };
    let mut stored = stored_keys(conn, &versions, false)?;
    if !new_keys(&stored).is_empty() {
        // Read again, locked: another transaction may be appending to the same list.
        stored = stored_keys(conn, &versions, true)?;
        for (version, new) in new_keys(&stored) {
            let keys = stored.entry(version).or_default();
            keys.extend(new);
            let texts: Vec<String> = keys.iter().map(CountKey::to_string).collect();
            let json = serde_json::to_string(&texts).expect("strings always serialize");
            diesel::update(form_versions::table.find(version))
                .set(form_versions::count_keys.eq(json))
                .execute(conn)?;
        }
    }
    let mut positions = FxHashMap::default();
    for (version, seen) in &counted {
        let at: FxHashMap<&CountKey, usize> = stored
            .get(version)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(position, key)| (key, position))
            .collect();
        let placed = (0..seen.len())
            .map(|number| {
                seen[number]
                    .then(|| at.get(&totals.keys[number]).copied())
                    .flatten()
            })
            .collect();
        positions.insert(*version, placed);
    }
    Ok(positions)
}

/// A row's counts by the positions of its version's keys, without the zeros at the end.
fn by_position(counts: &[i64], positions: &[Option<usize>]) -> QueryResult<StoredCounts> {
    let mut stored: Vec<i64> = Vec::new();
    for (number, count) in counts.iter().enumerate().filter(|(_, count)| **count != 0) {
        let position = positions
            .get(number)
            .copied()
            .flatten()
            .ok_or_else(|| unreadable(format!("a count without a position (key {number})")))?;
        if stored.len() <= position {
            stored.resize(position + 1, 0);
        }
        stored[position] += count;
    }
    Ok(StoredCounts(stored))
}

/// Adds the totals to the stored tallies.
pub fn add(conn: &mut DbConnection, totals: CountTotals) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let merge = match conn {
        DbConnection::Postgres(_) => POSTGRES_MERGE,
        DbConnection::Sqlite(_) => SQLITE_MERGE,
    };
    let totals = totals.into_totals();
    let positions = positions(conn, &totals)?;
    crate::with_backend!(&mut *conn, |c| {
        for chunk in totals.rows.chunks(ROWS_PER_STATEMENT) {
            let values = chunk
                .iter()
                .map(|row| {
                    let version_positions =
                        positions.get(&row.form_version_id).map_or(&[][..], Vec::as_slice);
                    Ok((
                        tallies::unit_code.eq(&*row.unit_code),
                        tallies::form_version_id.eq(row.form_version_id),
                        tallies::period.eq(row.period.as_str()),
                        tallies::start.eq(row.start),
                        tallies::field.eq(&*row.field),
                        tallies::channel.eq(row.channel.as_str()),
                        tallies::responses.eq(row.counted.responses),
                        tallies::counts.eq(by_position(&row.counted.keys, version_positions)?),
                    ))
                })
                .collect::<QueryResult<Vec<_>>>()?;
            diesel::insert_into(tallies::table)
                .values(values)
                .on_conflict((
                    tallies::unit_code,
                    tallies::form_version_id,
                    tallies::period,
                    tallies::field,
                    tallies::start,
                    tallies::channel,
                ))
                .do_update()
                .set((
                    tallies::responses.eq(tallies::responses + excluded(tallies::responses)),
                    tallies::counts.eq(diesel::dsl::sql::<CountsSql>(merge)),
                ))
                .execute(c)?;
        }
        QueryResult::Ok(())
    })
}

pub(super) fn unreadable(why: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(why.into())
}

/// A stored channel's name as a [`Channel`].
pub(super) fn channel_of(name: &str) -> QueryResult<Channel> {
    name.parse()
        .map_err(|_| unreadable(format!("a tally of an unknown channel «{name}»")))
}

/// One stored row, its counts read back by key (zeros left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTally {
    pub unit_code: String,
    pub form_version_id: i64,
    pub period: String,
    pub start: NaiveDate,
    pub field: String,
    pub channel: Channel,
    pub responses: i64,
    pub counts: Vec<(CountKey, i64)>,
}

/// Every stored row (for checks against a recount).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<StoredTally>> {
    type Row = (String, i64, String, NaiveDate, String, String, i64, StoredCounts);
    let rows: Vec<Row> = tallies::table
        .select((
            tallies::unit_code,
            tallies::form_version_id,
            tallies::period,
            tallies::start,
            tallies::field,
            tallies::channel,
            tallies::responses,
            tallies::counts,
        ))
        .load(conn)?;
    let mut versions: Vec<i64> = rows.iter().map(|row| row.1).collect();
    versions.sort_unstable();
    versions.dedup();
    let keys = count_keys(conn, &versions)?;
    rows.into_iter()
        .map(
            |(unit_code, form_version_id, period, start, field, channel, responses, stored)| {
                let mut counts = Vec::new();
                keys.for_each(form_version_id, &stored.0, |key, count| {
                    counts.push((key.clone(), count))
                })
                .map_err(|e| unreadable(e.to_string()))?;
                Ok(StoredTally {
                    unit_code,
                    form_version_id,
                    period,
                    start,
                    field,
                    channel: channel_of(&channel)?,
                    responses,
                    counts,
                })
            },
        )
        .collect()
}

/// Forgets every count (before a recount from the responses).
pub fn clear(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(tallies::table).execute(conn)?;
    diesel::update(form_versions::table)
        .set(form_versions::count_keys.eq("[]"))
        .execute(conn)?;
    Ok(())
}
