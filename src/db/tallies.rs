//! The counts reports read (DESIGN.md §6), added to in the same transaction as the
//! responses they count. One row per unit, form version, period (a response counts in its
//! day, week, month, quarter and year) and procedure field holds how many responses there were
//! and their counts. Every response counts in the rows of field `''`, which hold all
//! responses (what reports read unless narrowed to a field), and, when it names a field,
//! in that field's rows too.
//!
//! What is counted has a key: `"question=value"` (how many chose that value),
//! `"question=*"` (how many answered the question), `"@=channel"` (how many came through
//! that channel). Question ids never hold `=` (forms allow letters, digits, `.`, `-`, `_`),
//! so a key splits at its first `=`. Each form version lists its keys in
//! `form_versions.count_keys` (a JSON array), and a row's `counts` is a JSON array of
//! numbers by position in that list: `[14,0,2]` is 14 of the first key, 2 of the third.
//! The list only grows (a key is appended when first counted), so positions never move.
//! Rows are small and are added up position by position, without a key to look up per
//! count: a report over a range of days reads thousands of them.

use std::fmt::Write as _;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Text;
use rustc_hash::FxHashMap;

use super::DbConnection;
use super::count_periods::{CountPeriod, periods_of};
use super::schema::{form_versions, tallies};

/// The value counting respondents who answered a question.
pub const ANSWERED: &str = "*";
/// The "question" whose values are the channels responses came through.
pub const CHANNEL: &str = "@";
/// The `field` of the rows that count every response, whatever its field.
pub const ALL_FIELDS: &str = "";

/// Rows per multi-row statement: well below both backends' bound-parameter limits.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Adds the stored counts and the new ones position by position, in the database, so that
/// concurrent transactions never lose each other's counts. SQLite's GROUP BY sorts by its
/// key and hands the groups on in that order, which the array keeps; an ORDER BY inside
/// `json_group_array` would sort them a second time and cost a fifth of the submission
/// rate (bench/README.md). SQLite is bundled, and the tests that compare tallies with a
/// recount fail at once if a new version ever hands groups on in another order.
/// PostgreSQL may group by hashing, so its array is ordered explicitly.
const SQLITE_MERGE: &str = "(SELECT json_group_array(total) FROM (\
    SELECT key, SUM(value) AS total FROM (\
        SELECT key, value FROM json_each(tallies.counts) \
        UNION ALL SELECT key, value FROM json_each(excluded.counts)) GROUP BY key))";
const POSTGRES_MERGE: &str = "(SELECT COALESCE(jsonb_agg(total ORDER BY at), '[]')::text FROM (\
    SELECT at, SUM(value::bigint)::bigint AS total FROM (\
        SELECT * FROM jsonb_array_elements_text(tallies.counts::jsonb) WITH ORDINALITY AS stored(value, at) \
        UNION ALL SELECT * FROM jsonb_array_elements_text(excluded.counts::jsonb) WITH ORDINALITY AS added(value, at)\
    ) AS both_counts GROUP BY at) AS summed)";

/// Where and when a response is counted.
#[derive(Debug, Clone, Copy)]
pub struct TallyKey<'a> {
    pub unit_code: &'a str,
    pub form_version_id: i64,
    pub day: NaiveDate,
    /// The procedure's field, if known.
    pub field: Option<&'a str>,
}

/// Texts counts are kept under (unit codes, fields, question ids, values, channels), each
/// held once and named by a number, so that counting an answer seen before allocates
/// nothing: an import counts tens of millions of answers.
#[derive(Debug, Default)]
struct Names {
    numbers: FxHashMap<String, u32>,
    texts: Vec<String>,
}

impl Names {
    fn number(&mut self, text: &str) -> u32 {
        if let Some(number) = self.numbers.get(text) {
            return *number;
        }
        let number = u32::try_from(self.texts.len()).expect("fewer than 4 billion distinct names");
        self.texts.push(text.to_string());
        self.numbers.insert(text.to_string(), number);
        number
    }

    fn text(&self, number: u32) -> &str {
        &self.texts[number as usize]
    }
}

/// How many responses, and how many of each (question, value) pair by pair number.
#[derive(Debug, Default, Clone)]
struct Counted {
    responses: i64,
    pairs: Vec<i64>,
}

impl Counted {
    fn add(&mut self, other: &Counted) {
        self.responses += other.responses;
        if self.pairs.len() < other.pairs.len() {
            self.pairs.resize(other.pairs.len(), 0);
        }
        for (total, count) in self.pairs.iter_mut().zip(&other.pairs) {
            *total += count;
        }
    }
}

/// (unit, form version, period, first day, field), names by number.
type RowKey = (u32, i64, CountPeriod, NaiveDate, u32);

/// Counts to add, summed per unit, form version, day and field before they are written:
/// one response's, or a whole import's (which then writes each row once).
#[derive(Debug, Default)]
pub struct CountTotals {
    names: Names,
    /// Each (question, value) pair seen, by name numbers, numbered in turn.
    pair_numbers: FxHashMap<(u32, u32), u32>,
    pairs: Vec<(u32, u32)>,
    /// (unit, form version, day, field) → what was counted.
    days: FxHashMap<(u32, i64, NaiveDate, u32), Counted>,
}

impl CountTotals {
    /// Counts one response: each `(question, value)` and the response itself under
    /// `channel`, for `key.day` (and so its month, quarter and year), among all responses
    /// and among its field's.
    pub fn add(&mut self, key: TallyKey<'_>, values: &[(&str, &str)], channel: &str) {
        let unit = self.names.number(key.unit_code);
        let all = self.names.number(ALL_FIELDS);
        let field = key
            .field
            .filter(|f| *f != ALL_FIELDS)
            .map(|f| self.names.number(f));
        let mut numbers = Vec::with_capacity(values.len() + 1);
        for (question, value) in values.iter().copied().chain([(CHANNEL, channel)]) {
            let pair = (self.names.number(question), self.names.number(value));
            let next = self.pairs.len() as u32;
            let number = *self.pair_numbers.entry(pair).or_insert(next);
            if number == next {
                self.pairs.push(pair);
            }
            numbers.push(number as usize);
        }
        for field in std::iter::once(all).chain(field) {
            let day = self
                .days
                .entry((unit, key.form_version_id, key.day, field))
                .or_default();
            day.responses += 1;
            for &number in &numbers {
                if day.pairs.len() <= number {
                    day.pairs.resize(number + 1, 0);
                }
                day.pairs[number] += 1;
            }
        }
    }

    /// The rows to add for every period of each day, in the table's key order (unit, form
    /// version, period, field, first day), so that concurrent transactions touch the same
    /// rows in the same order and never deadlock, and an import fills the table's pages in
    /// turn. The days are moved, not copied: an import holds hundreds of thousands of them.
    fn rows(&mut self) -> Vec<(RowKey, Counted)> {
        let mut longer: FxHashMap<RowKey, Counted> = FxHashMap::default();
        let mut rows = Vec::with_capacity(self.days.len());
        for ((unit, version, day, field), counted) in std::mem::take(&mut self.days) {
            for (period, start) in periods_of(day).into_iter().skip(1) {
                longer
                    .entry((unit, version, period, start, field))
                    .or_default()
                    .add(&counted);
            }
            rows.push(((unit, version, CountPeriod::Day, day, field), counted));
        }
        rows.extend(longer);
        rows.sort_unstable_by(|(a, _), (b, _)| {
            let text = |key: &RowKey| {
                (
                    self.names.text(key.0),
                    key.1,
                    key.2.as_str(),
                    self.names.text(key.4),
                    key.3,
                )
            };
            text(a).cmp(&text(b))
        });
        rows
    }

    /// The key a pair is counted under.
    fn key(&self, pair: usize) -> String {
        let (question, value) = self.pairs[pair];
        format!("{}={}", self.names.text(question), self.names.text(value))
    }

    /// Each form version's position for each pair number (`None` for pairs it never
    /// counts), appending to its stored keys the pairs it counts for the first time.
    fn positions(
        &self,
        conn: &mut DbConnection,
        rows: &[(RowKey, Counted)],
    ) -> QueryResult<FxHashMap<i64, Vec<Option<usize>>>> {
        // Whatever a version counts is in one of its day rows.
        let mut counted: FxHashMap<i64, Vec<bool>> = FxHashMap::default();
        for ((_, version, period, _, _), row) in rows {
            if *period == CountPeriod::Day {
                let seen = counted
                    .entry(*version)
                    .or_insert_with(|| vec![false; self.pairs.len()]);
                for (pair, count) in row.pairs.iter().enumerate() {
                    seen[pair] |= *count != 0;
                }
            }
        }
        let versions: Vec<i64> = counted.keys().copied().collect();
        // Each pair's key, written once: a group of answers checks every pair it counts.
        let keys: Vec<String> = (0..self.pairs.len()).map(|pair| self.key(pair)).collect();
        let new_keys = |stored: &FxHashMap<i64, Vec<String>>| -> Vec<(i64, Vec<String>)> {
            counted
                .iter()
                .filter_map(|(version, seen)| {
                    let known: rustc_hash::FxHashSet<&str> = stored
                        .get(version)
                        .into_iter()
                        .flatten()
                        .map(String::as_str)
                        .collect();
                    let mut new: Vec<String> = (0..seen.len())
                        .filter(|pair| seen[*pair] && !known.contains(keys[*pair].as_str()))
                        .map(|pair| keys[pair].clone())
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
                let json = serde_json::to_string(keys).expect("strings always serialize");
                diesel::update(form_versions::table.find(version))
                    .set(form_versions::count_keys.eq(json))
                    .execute(conn)?;
            }
        }
        let mut positions = FxHashMap::default();
        for (version, seen) in &counted {
            let at: FxHashMap<&str, usize> = stored
                .get(version)
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(position, key)| (key.as_str(), position))
                .collect();
            let placed = (0..seen.len())
                .map(|pair| seen[pair].then(|| at.get(keys[pair].as_str()).copied()).flatten())
                .collect();
            positions.insert(*version, placed);
        }
        Ok(positions)
    }
}

/// The stored keys of these form versions, by version; with `lock`, locked against other
/// writers of them until the transaction ends (PostgreSQL; SQLite's write transactions
/// already exclude each other). The lock leaves the version's key alone (`FOR NO KEY
/// UPDATE`): transactions that only point at the version (a response, a tally row) never
/// wait for it.
fn stored_keys(
    conn: &mut DbConnection,
    versions: &[i64],
    lock: bool,
) -> QueryResult<FxHashMap<i64, Vec<String>>> {
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
            Ok((version, keys))
        })
        .collect()
}

/// A row's counts as stored: by position, without the zeros at the end.
fn encode(counted: &Counted, positions: &[Option<usize>]) -> QueryResult<String> {
    let mut by_position: Vec<i64> = Vec::new();
    for (pair, count) in counted.pairs.iter().enumerate().filter(|(_, count)| **count != 0) {
        let position = positions
            .get(pair)
            .copied()
            .flatten()
            .ok_or_else(|| unreadable(format!("a count without a position (pair {pair})")))?;
        if by_position.len() <= position {
            by_position.resize(position + 1, 0);
        }
        by_position[position] += count;
    }
    let mut json = String::with_capacity(2 + 3 * by_position.len());
    json.push('[');
    for (at, count) in by_position.iter().enumerate() {
        if at > 0 {
            json.push(',');
        }
        write!(json, "{count}").expect("writing to a String never fails");
    }
    json.push(']');
    Ok(json)
}

/// Adds the totals to the stored tallies.
pub fn add(conn: &mut DbConnection, mut totals: CountTotals) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let merge = match conn {
        DbConnection::Postgres(_) => POSTGRES_MERGE,
        DbConnection::Sqlite(_) => SQLITE_MERGE,
    };
    let rows = totals.rows();
    let positions = totals.positions(conn, &rows)?;
    let names = &totals.names;
    crate::with_backend!(&mut *conn, |c| {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let values = chunk
                .iter()
                .map(|((unit, version, period, start, field), counted)| {
                    let counts = encode(counted, positions.get(version).map_or(&[][..], Vec::as_slice))?;
                    Ok((
                        tallies::unit_code.eq(names.text(*unit)),
                        tallies::form_version_id.eq(*version),
                        tallies::period.eq(period.as_str()),
                        tallies::start.eq(*start),
                        tallies::field.eq(names.text(*field)),
                        tallies::responses.eq(counted.responses),
                        tallies::counts.eq(counts),
                    ))
                })
                .collect::<QueryResult<Vec<_>>>()?;
            diesel::insert_into(tallies::table)
                .values(values)
                .on_conflict((
                    tallies::unit_code,
                    tallies::form_version_id,
                    tallies::period,
                    tallies::start,
                    tallies::field,
                ))
                .do_update()
                .set((
                    tallies::responses.eq(tallies::responses + excluded(tallies::responses)),
                    tallies::counts.eq(sql::<Text>(merge)),
                ))
                .execute(c)?;
        }
        QueryResult::Ok(())
    })
}

fn unreadable(why: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(why.into())
}

/// Adds `sign` times each count of a stored row to `sums`, by position. A plain byte loop:
/// this is most of the work of a report over a range of days.
pub fn add_counts(counts: &str, sign: i64, sums: &mut Vec<i64>) -> QueryResult<()> {
    let bytes = counts.as_bytes();
    let not_counts = || {
        unreadable(format!(
            "counts that are not an array of whole numbers: {counts:.80}"
        ))
    };
    let mut at = 0;
    let skip_spaces = |at: &mut usize| {
        while bytes.get(*at).is_some_and(u8::is_ascii_whitespace) {
            *at += 1;
        }
    };
    skip_spaces(&mut at);
    if bytes.get(at) != Some(&b'[') {
        return Err(not_counts());
    }
    at += 1;
    skip_spaces(&mut at);
    if bytes.get(at) == Some(&b']') {
        at += 1;
    } else {
        let mut position = 0;
        loop {
            skip_spaces(&mut at);
            let negative = bytes.get(at) == Some(&b'-');
            if negative {
                at += 1;
            }
            let digits = at;
            let mut count: i64 = 0;
            while let Some(digit) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
                count = count
                    .checked_mul(10)
                    .and_then(|c| c.checked_add(i64::from(digit - b'0')))
                    .ok_or_else(not_counts)?;
                at += 1;
            }
            if at == digits {
                return Err(not_counts());
            }
            if sums.len() <= position {
                sums.resize(position + 1, 0);
            }
            sums[position] += sign * if negative { -count } else { count };
            position += 1;
            skip_spaces(&mut at);
            match bytes.get(at) {
                Some(b',') => at += 1,
                Some(b']') => {
                    at += 1;
                    break;
                }
                _ => return Err(not_counts()),
            }
        }
    }
    skip_spaces(&mut at);
    if at == bytes.len() {
        Ok(())
    } else {
        Err(not_counts())
    }
}

/// The keys of form versions' counts by position, as `(question, value)`.
#[derive(Debug, Default, Clone)]
pub struct CountKeys(pub(crate) FxHashMap<i64, Vec<(String, String)>>);

impl CountKeys {
    /// The keys of these versions as they are now. Read after the rows they decode: keys
    /// are only ever appended, so they then cover every position those rows use.
    pub fn load(conn: &mut DbConnection, versions: &[i64]) -> QueryResult<CountKeys> {
        let mut by_version = FxHashMap::default();
        for (version, keys) in stored_keys(conn, versions, false)? {
            let split = keys
                .into_iter()
                .map(|key| {
                    key.split_once('=')
                        .map(|(question, value)| (question.to_string(), value.to_string()))
                        .ok_or_else(|| unreadable(format!("a count key without '=': {key}")))
                })
                .collect::<QueryResult<_>>()?;
            by_version.insert(version, split);
        }
        Ok(CountKeys(by_version))
    }

    /// Calls `each(question, value, count)` for each count of `sums` (a version's counts
    /// by position) that is not zero.
    pub fn for_each(
        &self,
        version: i64,
        sums: &[i64],
        mut each: impl FnMut(&str, &str, i64),
    ) -> QueryResult<()> {
        let keys = self.0.get(&version).map_or(&[][..], Vec::as_slice);
        for (position, count) in sums.iter().enumerate().filter(|(_, count)| **count != 0) {
            let (question, value) = keys.get(position).ok_or_else(|| {
                unreadable(format!(
                    "form version {version} has no count key at position {position}"
                ))
            })?;
            each(question, value, *count);
        }
        Ok(())
    }
}

/// One stored row, its counts read back as `(question, value, count)` (zeros left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTally {
    pub unit_code: String,
    pub form_version_id: i64,
    pub period: String,
    pub start: NaiveDate,
    pub field: String,
    pub responses: i64,
    pub counts: Vec<(String, String, i64)>,
}

/// Every stored row (for checks against a recount).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<StoredTally>> {
    let rows: Vec<(String, i64, String, NaiveDate, String, i64, String)> = tallies::table
        .select((
            tallies::unit_code,
            tallies::form_version_id,
            tallies::period,
            tallies::start,
            tallies::field,
            tallies::responses,
            tallies::counts,
        ))
        .load(conn)?;
    let mut versions: Vec<i64> = rows.iter().map(|row| row.1).collect();
    versions.sort_unstable();
    versions.dedup();
    let keys = CountKeys::load(conn, &versions)?;
    rows.into_iter()
        .map(
            |(unit_code, form_version_id, period, start, field, responses, stored)| {
                let mut sums = Vec::new();
                add_counts(&stored, 1, &mut sums)?;
                let mut counts = Vec::new();
                keys.for_each(form_version_id, &sums, |q, v, c| {
                    counts.push((q.to_string(), v.to_string(), c))
                })?;
                Ok(StoredTally {
                    unit_code,
                    form_version_id,
                    period,
                    start,
                    field,
                    responses,
                    counts,
                })
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(unit_code: &'static str, field: Option<&'static str>) -> TallyKey<'static> {
        TallyKey {
            unit_code,
            form_version_id: 1,
            day: "2025-08-14".parse().unwrap(),
            field,
        }
    }

    #[test]
    fn a_day_is_written_for_its_five_periods_in_key_order() {
        let mut totals = CountTotals::default();
        totals.add(key("B", None), &[("q1", "2"), ("q1", ANSWERED)], "paper");
        totals.add(key("A", None), &[("q1", "1"), ("q1", ANSWERED)], "desk_qr");
        totals.add(key("A", None), &[("q1", "1"), ("q1", ANSWERED)], "paper");
        let rows = totals.rows();
        let keys: Vec<String> = (0..totals.pairs.len()).map(|pair| totals.key(pair)).collect();
        // Pairs numbered as first met: q1=2, q1=*, @=paper, q1=1, @=desk_qr.
        assert_eq!(keys, ["q1=2", "q1=*", "@=paper", "q1=1", "@=desk_qr"]);
        // Stored as @=desk_qr, @=paper, q1=*, q1=1, q1=2.
        let positions = [Some(4), Some(2), Some(1), Some(3), Some(0)];
        let described: Vec<(&str, &str, i64, String)> = rows
            .iter()
            .map(|((unit, _, period, _, _), counted)| {
                (
                    totals.names.text(*unit),
                    period.as_str(),
                    counted.responses,
                    encode(counted, &positions).unwrap(),
                )
            })
            .collect();
        let a = "[1,1,2,2]".to_string();
        let b = "[0,1,1,0,1]".to_string();
        assert_eq!(
            described,
            [
                ("A", "day", 2, a.clone()),
                ("A", "month", 2, a.clone()),
                ("A", "quarter", 2, a.clone()),
                ("A", "week", 2, a.clone()),
                ("A", "year", 2, a),
                ("B", "day", 1, b.clone()),
                ("B", "month", 1, b.clone()),
                ("B", "quarter", 1, b.clone()),
                ("B", "week", 1, b.clone()),
                ("B", "year", 1, b),
            ]
        );
        assert!(
            encode(&rows[0].1, &positions[..2]).is_err(),
            "a count without a position"
        );
    }

    #[test]
    fn a_response_of_a_field_counts_among_all_and_among_its_fields() {
        let mut totals = CountTotals::default();
        totals.add(key("A", Some("Hộ tịch")), &[("q1", "1")], "ticket");
        totals.add(key("A", None), &[("q1", "2")], "desk_qr");
        let rows = totals.rows();
        let days: Vec<(&str, i64)> = rows
            .iter()
            .filter(|((_, _, period, _, _), _)| *period == CountPeriod::Day)
            .map(|((_, _, _, _, field), counted)| (totals.names.text(*field), counted.responses))
            .collect();
        assert_eq!(days, [(ALL_FIELDS, 2), ("Hộ tịch", 1)]);
        assert_eq!(rows.len(), 10, "each in five periods");
    }

    #[test]
    fn stored_counts_are_added_by_position_with_their_sign() {
        let mut sums = Vec::new();
        add_counts("[3,0,2]", 1, &mut sums).unwrap();
        // As PostgreSQL's jsonb writes an array back: spaces after the commas.
        add_counts(" [1, 4, 0, 7] ", 1, &mut sums).unwrap();
        add_counts("[1,1]", -1, &mut sums).unwrap();
        add_counts("[]", 1, &mut sums).unwrap();
        add_counts("[-2]", 1, &mut sums).unwrap();
        assert_eq!(sums, [1, 3, 2, 7]);
        for bad in [
            "",
            "{}",
            "[1,]",
            "[1 2]",
            "[1.5]",
            "[1",
            "[1] x",
            "[\"1\"]",
            "[99999999999999999999]",
        ] {
            assert!(add_counts(bad, 1, &mut sums).is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_are_read_back_by_their_keys_whatever_the_values_hold() {
        let odd = "nhanh \"gọn\" = đúng\\hẹn";
        let keys = CountKeys(FxHashMap::from_iter([(
            7,
            vec![
                ("@".to_string(), "ticket".to_string()),
                ("why".to_string(), odd.to_string()),
                ("why".to_string(), "a=b".to_string()),
            ],
        )]));
        let mut read = Vec::new();
        keys.for_each(7, &[1, 3, 2], |q, v, c| {
            read.push((q.to_string(), v.to_string(), c))
        })
        .unwrap();
        assert_eq!(
            read,
            [
                ("@".to_string(), "ticket".to_string(), 1),
                ("why".to_string(), odd.to_string(), 3),
                ("why".to_string(), "a=b".to_string(), 2),
            ]
        );
        assert!(
            keys.for_each(7, &[0, 0, 0, 1], |_, _, _| {}).is_err(),
            "no key at 3"
        );
        assert!(
            keys.for_each(8, &[1], |_, _, _| {}).is_err(),
            "no keys for version 8"
        );
        assert!(
            keys.for_each(8, &[0, 0], |_, _, _| {}).is_ok(),
            "zeros need no key"
        );
    }
}
