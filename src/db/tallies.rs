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
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Array, BigInt, Binary, HasSqlType, SqlType};
use diesel::sqlite::Sqlite;
use rustc_hash::FxHashMap;

use super::schema::{form_versions, tallies};
use super::{DbConnection, MultiBackend};
use crate::tally::{Channel, CountKey, CountKeys, CountTotals, Totals};

/// Rows per multi-row statement: well below both backends' bound-parameter limits.
const ROWS_PER_STATEMENT: usize = 1_000;

/// The SQL type of `tallies.counts`: `bigint[]` on PostgreSQL, a blob on SQLite.
#[derive(Debug, Clone, Copy, SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 1016, array_oid = 0))]
#[diesel(sqlite_type(name = "Binary"))]
pub struct CountsSql;

/// A row's counts by position, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, FromSqlRow, AsExpression)]
#[diesel(sql_type = CountsSql)]
pub struct StoredCounts(pub Vec<i64>);

impl HasSqlType<CountsSql> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<CountsSql>(lookup)
    }
}

impl FromSql<CountsSql, MultiBackend> for StoredCounts {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        bytes.from_sql::<StoredCounts, CountsSql>()
    }
}

impl ToSql<CountsSql, MultiBackend> for StoredCounts {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((CountsSql, self));
        Ok(IsNull::No)
    }
}

impl FromSql<CountsSql, Pg> for StoredCounts {
    fn from_sql(bytes: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <Vec<i64> as FromSql<Array<BigInt>, Pg>>::from_sql(bytes).map(StoredCounts)
    }
}

impl ToSql<CountsSql, Pg> for StoredCounts {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Vec<i64> as ToSql<Array<BigInt>, Pg>>::to_sql(&self.0, &mut out.reborrow())
    }
}

impl FromSql<CountsSql, Sqlite> for StoredCounts {
    fn from_sql(value: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let bytes = <Vec<u8> as FromSql<Binary, Sqlite>>::from_sql(value)?;
        varints::decode(&bytes)
            .map(StoredCounts)
            .ok_or_else(|| "stored counts that are not a list of whole numbers".into())
    }
}

impl ToSql<CountsSql, Sqlite> for StoredCounts {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        let bytes = varints::encode(&self.0).ok_or("a negative count cannot be stored")?;
        out.set_value(bytes);
        Ok(IsNull::No)
    }
}

/// SQLite's form of counts: unsigned LEB128 numbers one after another (most counts take
/// one byte).
pub mod varints {
    /// `None` for a negative count (stored counts never are).
    pub fn encode(counts: &[i64]) -> Option<Vec<u8>> {
        let mut bytes = Vec::with_capacity(counts.len() + 4);
        for count in counts {
            let mut rest = u64::try_from(*count).ok()?;
            loop {
                let low = (rest & 0x7f) as u8;
                rest >>= 7;
                if rest == 0 {
                    bytes.push(low);
                    break;
                }
                bytes.push(low | 0x80);
            }
        }
        Some(bytes)
    }

    /// `None` for bytes that are not such numbers (cut short, or too large).
    pub fn decode(bytes: &[u8]) -> Option<Vec<i64>> {
        let mut counts = Vec::with_capacity(bytes.len());
        let (mut value, mut shift) = (0u64, 0u32);
        for byte in bytes {
            if shift > 56 {
                return None;
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                counts.push(i64::try_from(value).ok()?);
                (value, shift) = (0, 0);
            } else {
                shift += 7;
            }
        }
        (shift == 0).then_some(counts)
    }

    /// Two rows' counts added position by position (`None` if either is not counts).
    pub fn add(stored: &[u8], added: &[u8]) -> Option<Vec<u8>> {
        let (mut sum, added) = (decode(stored)?, decode(added)?);
        if sum.len() < added.len() {
            sum.resize(added.len(), 0);
        }
        for (total, count) in sum.iter_mut().zip(added) {
            *total = total.checked_add(count)?;
        }
        encode(&sum)
    }
}

diesel::define_sql_function! {
    /// Two SQLite rows' counts added position by position (registered on every connection).
    fn sipas_add_counts(stored: Binary, added: Binary) -> Nullable<Binary>;
}

diesel::define_sql_function! {
    /// SQLite rows' counts summed by position as a JSON array: the form of the tallies
    /// before they were kept by channel (what the migration back to it writes).
    #[aggregate]
    fn sipas_counts_json(counts: Binary) -> Nullable<Text>;
}

/// The running sum of [`sipas_counts_json`].
#[derive(Default)]
struct CountsJson {
    sum: Vec<i64>,
    /// A row was not counts: the sum is left unreadable (`null`), never quietly short.
    unreadable: bool,
}

impl diesel::sqlite::SqliteAggregateFunction<Vec<u8>> for CountsJson {
    type Output = Option<String>;

    fn step(&mut self, counts: Vec<u8>) {
        match varints::decode(&counts) {
            Some(counts) if !self.unreadable => {
                if self.sum.len() < counts.len() {
                    self.sum.resize(counts.len(), 0);
                }
                self.sum
                    .iter_mut()
                    .zip(counts)
                    .for_each(|(total, count)| *total += count);
            }
            _ => self.unreadable = true,
        }
    }

    fn finalize(sum: Option<Self>) -> Option<String> {
        let sum = sum.unwrap_or_default();
        (!sum.unreadable).then(|| serde_json::to_string(&sum.sum).unwrap_or_default())
    }
}

/// Registers the functions SQLite adds counts with on a new connection.
pub fn register_sqlite_functions(conn: &mut diesel::SqliteConnection) -> QueryResult<()> {
    sipas_add_counts_utils::register_impl(conn, |stored: Vec<u8>, added: Vec<u8>| {
        varints::add(&stored, &added)
    })?;
    sipas_counts_json_utils::register_impl::<CountsJson, _>(conn)
}

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

#[cfg(test)]
mod tests {
    use super::varints;

    #[test]
    fn counts_round_trip_through_varints() {
        for counts in [vec![], vec![0], vec![1, 0, 127, 128, 300, 16_384, i64::MAX]] {
            let bytes = varints::encode(&counts).unwrap();
            assert_eq!(varints::decode(&bytes), Some(counts));
        }
        assert_eq!(
            varints::encode(&[1, 2, 3]).unwrap(),
            [1, 2, 3],
            "one byte each below 128"
        );
        assert_eq!(varints::encode(&[-1]), None, "stored counts are never negative");
        assert_eq!(varints::decode(&[0x80]), None, "cut short");
        assert_eq!(varints::decode(&[0xff; 10]), None, "too large");
    }

    #[test]
    fn rows_add_up_by_position_whatever_their_lengths() {
        let add = |a: &[i64], b: &[i64]| {
            varints::add(&varints::encode(a).unwrap(), &varints::encode(b).unwrap())
                .and_then(|sum| varints::decode(&sum))
        };
        assert_eq!(add(&[3, 0, 2], &[1, 4]), Some(vec![4, 4, 2]));
        assert_eq!(add(&[], &[0, 7]), Some(vec![0, 7]));
        assert_eq!(varints::add(&[0x80], &[1]), None, "not counts");
        assert_eq!(add(&[i64::MAX], &[1]), None, "overflow");
    }
}
