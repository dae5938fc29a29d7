//! The counts reports read (DESIGN.md §6), added to in the same transaction as the
//! responses they count. One row per unit, form version, period (a response counts in its
//! day, week, month, quarter and year) and procedure field holds how many responses there were
//! and a JSON object of counts. Every response counts in the rows of field `''`, which
//! hold all responses (what reports read unless narrowed to a field), and, when it names
//! a field, in that field's rows too. The counts: `"question=value"` → how many chose
//! that value (`"question=*"`: how many answered the question), `"@=channel"` → how many
//! came through that channel. Question ids never hold `=` (forms allow letters, digits,
//! `.`, `-`, `_`), so a key splits at its first `=`.

use std::borrow::Cow;
use std::fmt;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Text;
use rustc_hash::FxHashMap;
use serde::de::{Deserializer as _, MapAccess, Visitor};

use super::DbConnection;
use super::count_periods::{CountPeriod, periods_of};
use super::schema::tallies;

/// The value counting respondents who answered a question.
pub const ANSWERED: &str = "*";
/// The "question" whose values are the channels responses came through.
pub const CHANNEL: &str = "@";
/// The `field` of the rows that count every response, whatever its field.
pub const ALL_FIELDS: &str = "";

/// Rows per multi-row statement: well below both backends' bound-parameter limits.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Adds the stored counts and the new ones key by key, in the database, so that
/// concurrent transactions never lose each other's counts.
const SQLITE_MERGE: &str = "(SELECT json_group_object(key, total) FROM (\
    SELECT key, SUM(value) AS total FROM (\
        SELECT key, value FROM json_each(tallies.counts) \
        UNION ALL SELECT key, value FROM json_each(excluded.counts)) GROUP BY key))";
const POSTGRES_MERGE: &str = "(SELECT jsonb_object_agg(key, total)::text FROM (\
    SELECT key, SUM(value::bigint) AS total FROM (\
        SELECT * FROM jsonb_each_text(tallies.counts::jsonb) \
        UNION ALL SELECT * FROM jsonb_each_text(excluded.counts::jsonb)) AS added GROUP BY key) AS summed)";

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

    /// The rows to add for every period of each day, sorted by unit, form version, period,
    /// first day and field, so that concurrent transactions touch the same rows in the
    /// same order and never deadlock. The days are moved, not copied: an import holds hundreds
    /// of thousands of them.
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
                    key.2,
                    key.3,
                    self.names.text(key.4),
                )
            };
            text(a).cmp(&text(b))
        });
        rows
    }

    /// Each pair's JSON key (`"question=value"`, quoted), and the pairs in the order of
    /// those keys.
    fn pair_keys(&self) -> (Vec<String>, Vec<usize>) {
        let texts: Vec<String> = self
            .pairs
            .iter()
            .map(|(q, v)| format!("{}={}", self.names.text(*q), self.names.text(*v)))
            .collect();
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_unstable_by(|a, b| texts[*a].cmp(&texts[*b]));
        let quoted = texts
            .iter()
            .map(|t| serde_json::to_string(t).expect("a string always serializes"))
            .collect();
        (quoted, order)
    }
}

/// A row's counts as stored: a JSON object in key order, leaving out zeros.
fn encode(pairs: &[i64], keys: &[String], order: &[usize]) -> String {
    let mut json = String::from("{");
    for &number in order {
        let count = pairs.get(number).copied().unwrap_or(0);
        if count != 0 {
            if json.len() > 1 {
                json.push(',');
            }
            json.push_str(&keys[number]);
            json.push(':');
            json.push_str(&count.to_string());
        }
    }
    json.push('}');
    json
}

/// Adds the totals to the stored tallies.
pub fn add(conn: &mut DbConnection, mut totals: CountTotals) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let merge = match conn {
        DbConnection::Postgres(_) => POSTGRES_MERGE,
        DbConnection::Sqlite(_) => SQLITE_MERGE,
    };
    let rows = totals.rows();
    let (keys, order) = totals.pair_keys();
    let names = &totals.names;
    crate::with_backend!(&mut *conn, |c| {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let values: Vec<_> = chunk
                .iter()
                .map(|((unit, version, period, start, field), counted)| {
                    (
                        tallies::unit_code.eq(names.text(*unit)),
                        tallies::form_version_id.eq(*version),
                        tallies::period.eq(period.as_str()),
                        tallies::start.eq(*start),
                        tallies::field.eq(names.text(*field)),
                        tallies::responses.eq(counted.responses),
                        tallies::counts.eq(encode(&counted.pairs, &keys, &order)),
                    )
                })
                .collect();
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

/// Calls `each(question, value, count)` for every count of a stored row.
pub fn for_each_count(counts: &str, mut each: impl FnMut(&str, &str, i64)) -> QueryResult<()> {
    for_each_key(counts, |key, count| {
        let (question, value) = split_key(&key)?;
        each(question, value, count);
        Ok(())
    })
}

/// A count's key as `(question, value)`.
pub fn split_key(key: &str) -> QueryResult<(&str, &str)> {
    key.split_once('=')
        .ok_or_else(|| unreadable(format!("a count key without '=': {key}")))
}

fn unreadable(why: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(why.into())
}

/// Calls `each(key, count)` for every count of a stored row, the key borrowed from
/// `counts` whenever it holds no escape (always, for the keys sipas writes): a report over
/// a range of days reads half a million of them.
pub fn for_each_key<'a>(
    counts: &'a str,
    mut each: impl FnMut(Cow<'a, str>, i64) -> QueryResult<()>,
) -> QueryResult<()> {
    // The plain objects sipas and PostgreSQL write are read by hand; anything else (an
    // escaped quote in a value) by serde_json.
    // About one entry per dozen characters.
    let mut entries = Vec::with_capacity(counts.len() / 12 + 1);
    if plain_entries(counts, &mut entries).is_some() {
        for (key, count) in entries {
            each(Cow::Borrowed(key), count)?;
        }
        return Ok(());
    }
    let mut reader = serde_json::Deserializer::from_str(counts);
    let mut found = Vec::new();
    reader
        .deserialize_map(Counts(&mut found))
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    for (key, count) in found {
        each(key, count)?;
    }
    Ok(())
}

/// The entries of `{"key":123, "key": -4}` without escapes, or `None` for anything else.
/// A plain byte loop: this is most of the work of a report over a range of days.
fn plain_entries<'a>(text: &'a str, entries: &mut Vec<(&'a str, i64)>) -> Option<()> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let skip_spaces = |at: &mut usize| {
        while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
            *at += 1;
        }
    };
    let at_end = |mut at: usize| {
        skip_spaces(&mut at);
        (at == bytes.len()).then_some(())
    };
    skip_spaces(&mut at);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    skip_spaces(&mut at);
    if bytes.get(at) == Some(&b'}') {
        return at_end(at + 1);
    }
    loop {
        skip_spaces(&mut at);
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let start = at + 1;
        let mut end = start;
        loop {
            match *bytes.get(end)? {
                b'"' => break,
                b'\\' => return None,
                b if b < 0x20 => return None,
                _ => end += 1,
            }
        }
        at = end + 1;
        skip_spaces(&mut at);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at += 1;
        skip_spaces(&mut at);
        let negative = bytes.get(at) == Some(&b'-');
        if negative {
            at += 1;
        }
        let digits = at;
        let mut count: i64 = 0;
        while let Some(digit) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            count = count.checked_mul(10)?.checked_add(i64::from(digit - b'0'))?;
            at += 1;
        }
        if at == digits {
            return None;
        }
        // The quotes are ASCII, so the key is a whole UTF-8 slice.
        entries.push((&text[start..end], if negative { -count } else { count }));
        skip_spaces(&mut at);
        match bytes.get(at) {
            Some(b',') => at += 1,
            Some(b'}') => return at_end(at + 1),
            _ => return None,
        }
    }
}

/// Reads a counts object entry by entry with serde_json, borrowing keys where it can.
struct Counts<'v, 'a>(&'v mut Vec<(Cow<'a, str>, i64)>);

#[derive(serde::Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de> Visitor<'de> for Counts<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of counts")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some((Key(key), count)) = map.next_entry::<Key<'de>, i64>()? {
            self.0.push((key, count));
        }
        Ok(())
    }
}

/// One stored row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tallies)]
pub struct StoredTally {
    pub unit_code: String,
    pub form_version_id: i64,
    pub period: String,
    pub start: NaiveDate,
    pub field: String,
    pub responses: i64,
    pub counts: String,
}

/// Every stored row (for checks against a recount).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<StoredTally>> {
    tallies::table.select(StoredTally::as_select()).load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts_of(stored: &str) -> Vec<(String, String, i64)> {
        let mut found = Vec::new();
        for_each_count(stored, |q, v, c| found.push((q.to_string(), v.to_string(), c))).unwrap();
        found
    }

    #[test]
    fn a_day_is_written_for_its_five_periods_in_key_order() {
        let mut totals = CountTotals::default();
        let day = "2025-08-14".parse().unwrap();
        let key = |unit_code| TallyKey {
            unit_code,
            form_version_id: 1,
            day,
            field: None,
        };
        totals.add(key("B"), &[("q1", "2"), ("q1", ANSWERED)], "paper");
        totals.add(key("A"), &[("q1", "1"), ("q1", ANSWERED)], "desk_qr");
        totals.add(key("A"), &[("q1", "1"), ("q1", ANSWERED)], "paper");
        let rows = totals.rows();
        let (keys, order) = totals.pair_keys();
        let described: Vec<(&str, &str, i64, String)> = rows
            .iter()
            .map(|((unit, _, period, _, _), counted)| {
                (
                    totals.names.text(*unit),
                    period.as_str(),
                    counted.responses,
                    encode(&counted.pairs, &keys, &order),
                )
            })
            .collect();
        let a = r#"{"@=desk_qr":1,"@=paper":1,"q1=*":2,"q1=1":2}"#.to_string();
        let b = r#"{"@=paper":1,"q1=*":1,"q1=2":1}"#.to_string();
        assert_eq!(
            described,
            [
                ("A", "day", 2, a.clone()),
                ("A", "week", 2, a.clone()),
                ("A", "month", 2, a.clone()),
                ("A", "quarter", 2, a.clone()),
                ("A", "year", 2, a),
                ("B", "day", 1, b.clone()),
                ("B", "week", 1, b.clone()),
                ("B", "month", 1, b.clone()),
                ("B", "quarter", 1, b.clone()),
                ("B", "year", 1, b),
            ]
        );
    }

    #[test]
    fn a_response_of_a_field_counts_among_all_and_among_its_fields() {
        let mut totals = CountTotals::default();
        let key = |field| TallyKey {
            unit_code: "A",
            form_version_id: 1,
            day: "2025-08-14".parse().unwrap(),
            field,
        };
        totals.add(key(Some("Hộ tịch")), &[("q1", "1")], "ticket");
        totals.add(key(None), &[("q1", "2")], "desk_qr");
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
    fn stored_counts_read_back_whatever_the_values_hold() {
        let mut totals = CountTotals::default();
        let odd = "nhanh \"gọn\" = đúng\\hẹn";
        let key = TallyKey {
            unit_code: "A",
            form_version_id: 1,
            day: "2025-01-01".parse().unwrap(),
            field: None,
        };
        totals.add(key, &[("why", odd), ("why", "a=b")], "ticket");
        let (keys, order) = totals.pair_keys();
        let stored = encode(&totals.rows()[0].1.pairs, &keys, &order);
        let mut read = counts_of(&stored);
        read.sort();
        assert_eq!(
            read,
            [
                ("@".to_string(), "ticket".to_string(), 1),
                ("why".to_string(), "a=b".to_string(), 1),
                ("why".to_string(), odd.to_string(), 1),
            ]
        );
        // As PostgreSQL's jsonb writes it back: spaces after the colons.
        assert_eq!(counts_of(r#"{"q=1": 5, "@=paper": 2}"#).len(), 2);
        assert!(for_each_count(r#"{"nokey": 1}"#, |_, _, _| {}).is_err());
        assert!(for_each_count("[1]", |_, _, _| {}).is_err());
        assert!(for_each_count(r#"{"q=1": 1.5}"#, |_, _, _| {}).is_err());
        assert!(for_each_count(r#"{"q=1": 1"#, |_, _, _| {}).is_err());
        assert_eq!(counts_of("{}"), []);
        assert_eq!(counts_of(" { } "), []);
    }

    #[test]
    fn plain_objects_are_read_by_hand_and_others_by_serde() {
        let mut entries = Vec::new();
        assert!(plain_entries(r#"{"q=1":3,"@=paper":-2, "q=đúng hẹn" : 4}"#, &mut entries).is_some());
        assert_eq!(entries, [("q=1", 3), ("@=paper", -2), ("q=đúng hẹn", 4)]);
        // An escape, a fraction, trailing text: left to serde_json (which refuses the last two).
        for other in [
            r#"{"q=\"a\"":1}"#,
            r#"{"q=1":1.5}"#,
            r#"{"q=1":1} x"#,
            r#"{"q=1":}"#,
        ] {
            assert!(plain_entries(other, &mut Vec::new()).is_none(), "{other}");
        }
        assert_eq!(
            counts_of(r#"{"q=\"a\"":1}"#),
            [("q".to_string(), "\"a\"".to_string(), 1)]
        );
    }
}
