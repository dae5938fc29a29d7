//! How counts are kept in each database: `tallies.counts` is a `bigint[]` on PostgreSQL
//! and a blob of unsigned LEB128 numbers on SQLite, added position by position by a
//! function sipas registers on every SQLite connection. Only the codec; the queries are in
//! [`super::tallies`].

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Array, BigInt, Binary, HasSqlType, SqlType};
use diesel::sqlite::Sqlite;

use super::MultiBackend;

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
