//! Counts to add to the stored tallies, summed per row before they are written: one
//! response's, a group of answers committed together, or a whole import's (which then
//! writes each row once).
//!
//! A response counts in one row per period it falls in (its day, week, month, quarter and
//! year), for its unit, form version, channel and field: every response in the rows of
//! field `""` (all responses), and one that names a procedure field in that field's rows
//! too.

use std::sync::Arc;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use super::periods::{CountPeriod, periods_of};
use super::{Channel, CountKey, NOT_APPLICABLE};

/// The `field` of the rows that count every response, whatever its field.
pub const ALL_FIELDS: &str = "";

/// Where and when a response is counted.
#[derive(Debug, Clone, Copy)]
pub struct TallyKey<'a> {
    pub unit_code: &'a str,
    pub form_version_id: i64,
    pub day: NaiveDate,
    /// The procedure's field, if known.
    pub field: Option<&'a str>,
    pub channel: Channel,
}

/// Texts counts are kept under (unit codes, fields, question ids, values), each held once
/// and named by a number, so that counting an answer seen before allocates nothing: an
/// import counts tens of millions of answers.
#[derive(Debug, Default)]
struct Names {
    numbers: FxHashMap<Arc<str>, u32>,
    texts: Vec<Arc<str>>,
}

impl Names {
    fn number(&mut self, text: &str) -> u32 {
        if let Some(number) = self.numbers.get(text) {
            return *number;
        }
        let number = u32::try_from(self.texts.len()).expect("fewer than 4 billion distinct names");
        let text: Arc<str> = text.into();
        self.texts.push(text.clone());
        self.numbers.insert(text, number);
        number
    }

    fn text(&self, number: u32) -> &Arc<str> {
        &self.texts[number as usize]
    }
}

/// How many responses, and how many of each counted key by key number.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counted {
    pub responses: i64,
    /// By key number (see [`Totals::keys`]).
    pub keys: Vec<i64>,
}

impl Counted {
    fn add(&mut self, other: &Counted) {
        self.responses += other.responses;
        if self.keys.len() < other.keys.len() {
            self.keys.resize(other.keys.len(), 0);
        }
        for (total, count) in self.keys.iter_mut().zip(&other.keys) {
            *total += count;
        }
    }
}

/// A key number's subject: the question's name number, and the value's (`None`: answered).
type KeyNames = (u32, Option<u32>);

/// (unit, form version, day, field, channel), names by number.
type DayKey = (u32, i64, NaiveDate, u32, Channel);

/// Counts being gathered.
#[derive(Debug, Default)]
pub struct CountTotals {
    names: Names,
    key_numbers: FxHashMap<KeyNames, u32>,
    keys: Vec<KeyNames>,
    days: FxHashMap<DayKey, Counted>,
}

/// One row to add to the stored tallies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalRow {
    pub unit_code: Arc<str>,
    pub form_version_id: i64,
    pub period: CountPeriod,
    pub start: NaiveDate,
    pub field: Arc<str>,
    pub channel: Channel,
    pub counted: Counted,
}

/// The rows to add, and the keys their counts are numbered by.
#[derive(Debug, Default)]
pub struct Totals {
    pub rows: Vec<TotalRow>,
    pub keys: Vec<CountKey>,
}

impl CountTotals {
    /// Counts one response from its answers: the values it chose (`(question, value)`, one
    /// per option of a multi question) and the questions it gave a free text to. A
    /// question counts as answered once, whatever it was given; a not-applicable answer
    /// is counted as chosen but not as answered (it is in no denominator).
    pub fn add_answers(&mut self, key: TallyKey<'_>, values: &[(&str, &str)], texts: &[&str]) {
        let mut answered: Vec<&str> = values
            .iter()
            .filter(|(_, v)| *v != NOT_APPLICABLE)
            .map(|(q, _)| *q)
            .chain(texts.iter().copied())
            .collect();
        answered.sort_unstable();
        answered.dedup();
        self.add(key, &answered, values);
    }

    /// Counts one response: the questions it answered and the values it chose.
    pub fn add(&mut self, key: TallyKey<'_>, answered: &[&str], chose: &[(&str, &str)]) {
        let unit = self.names.number(key.unit_code);
        let all = self.names.number(ALL_FIELDS);
        let field = key
            .field
            .filter(|f| *f != ALL_FIELDS)
            .map(|f| self.names.number(f));
        let subjects = answered
            .iter()
            .map(|question| (*question, None))
            .chain(chose.iter().map(|(question, value)| (*question, Some(*value))));
        let mut numbers = Vec::with_capacity(answered.len() + chose.len());
        for (question, value) in subjects {
            let subject = (self.names.number(question), value.map(|v| self.names.number(v)));
            let next = self.keys.len() as u32;
            let number = *self.key_numbers.entry(subject).or_insert(next);
            if number == next {
                self.keys.push(subject);
            }
            numbers.push(number as usize);
        }
        for field in std::iter::once(all).chain(field) {
            let day = self
                .days
                .entry((unit, key.form_version_id, key.day, field, key.channel))
                .or_default();
            day.responses += 1;
            for &number in &numbers {
                if day.keys.len() <= number {
                    day.keys.resize(number + 1, 0);
                }
                day.keys[number] += 1;
            }
        }
    }

    /// The rows to add for every period of each day, in the table's key order (unit, form
    /// version, period, field, first day, channel), so that concurrent transactions touch
    /// the same rows in the same order and never deadlock, and an import fills the table's
    /// pages in turn. The days are moved, not copied: an import holds hundreds of
    /// thousands of them.
    pub fn into_totals(mut self) -> Totals {
        type RowKey = (u32, i64, CountPeriod, NaiveDate, u32, Channel);
        let mut longer: FxHashMap<RowKey, Counted> = FxHashMap::default();
        let mut rows: Vec<(RowKey, Counted)> = Vec::with_capacity(self.days.len());
        for ((unit, version, day, field, channel), counted) in std::mem::take(&mut self.days) {
            for (period, start) in periods_of(day).into_iter().skip(1) {
                longer
                    .entry((unit, version, period, start, field, channel))
                    .or_default()
                    .add(&counted);
            }
            rows.push(((unit, version, CountPeriod::Day, day, field, channel), counted));
        }
        rows.extend(longer);
        let names = &self.names;
        rows.sort_unstable_by(|(a, _), (b, _)| {
            let text = |k: &RowKey| {
                (
                    names.text(k.0),
                    k.1,
                    k.2.as_str(),
                    names.text(k.4),
                    k.3,
                    k.5.as_str(),
                )
            };
            text(a).cmp(&text(b))
        });
        let keys = self
            .keys
            .iter()
            .map(|(question, value)| {
                let question = names.text(*question).to_string();
                match value {
                    None => CountKey::Answered(question),
                    Some(value) => CountKey::Chose {
                        question,
                        value: names.text(*value).to_string(),
                    },
                }
            })
            .collect();
        let rows = rows
            .into_iter()
            .map(
                |((unit, version, period, start, field, channel), counted)| TotalRow {
                    unit_code: names.text(unit).clone(),
                    form_version_id: version,
                    period,
                    start,
                    field: names.text(field).clone(),
                    channel,
                    counted,
                },
            )
            .collect();
        Totals { rows, keys }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(unit_code: &'static str, field: Option<&'static str>, channel: Channel) -> TallyKey<'static> {
        TallyKey {
            unit_code,
            form_version_id: 1,
            day: "2025-08-14".parse().unwrap(),
            field,
            channel,
        }
    }

    #[test]
    fn a_day_is_written_for_its_five_periods_in_key_order() {
        let mut totals = CountTotals::default();
        totals.add(key("B", None, Channel::Paper), &["q1"], &[("q1", "2")]);
        totals.add(key("A", None, Channel::DeskQr), &["q1"], &[("q1", "1")]);
        totals.add(key("A", None, Channel::DeskQr), &["q1"], &[("q1", "1")]);
        totals.add(key("A", None, Channel::Paper), &["q1"], &[("q1", "2")]);
        let totals = totals.into_totals();
        // Keys numbered as first met: q1 answered, q1=2, q1=1.
        assert_eq!(
            totals.keys,
            [
                CountKey::Answered("q1".into()),
                CountKey::chose("q1", "2"),
                CountKey::chose("q1", "1")
            ]
        );
        let described: Vec<(&str, &str, &str, i64, Vec<i64>)> = totals
            .rows
            .iter()
            .map(|row| {
                (
                    &*row.unit_code,
                    row.period.as_str(),
                    row.channel.as_str(),
                    row.counted.responses,
                    row.counted.keys.clone(),
                )
            })
            .collect();
        let mut expected = Vec::new();
        for period in ["day", "month", "quarter", "week", "year"] {
            expected.push(("A", period, "desk_qr", 2, vec![2, 0, 2]));
            expected.push(("A", period, "paper", 1, vec![1, 1]));
        }
        for period in ["day", "month", "quarter", "week", "year"] {
            expected.push(("B", period, "paper", 1, vec![1, 1]));
        }
        assert_eq!(described, expected);
    }

    #[test]
    fn a_response_of_a_field_counts_among_all_and_among_its_fields() {
        let mut totals = CountTotals::default();
        totals.add(
            key("A", Some("Hộ tịch"), Channel::Ticket),
            &["q1"],
            &[("q1", "1")],
        );
        totals.add(key("A", None, Channel::Ticket), &["q1"], &[("q1", "2")]);
        let totals = totals.into_totals();
        let days: Vec<(&str, i64)> = totals
            .rows
            .iter()
            .filter(|row| row.period == CountPeriod::Day)
            .map(|row| (&*row.field, row.counted.responses))
            .collect();
        assert_eq!(days, [(ALL_FIELDS, 2), ("Hộ tịch", 1)]);
        assert_eq!(totals.rows.len(), 10, "each in five periods");
    }

    #[test]
    fn a_question_answered_with_several_options_or_a_text_counts_once_as_answered() {
        let mut totals = CountTotals::default();
        let values = [("why", "nhanh"), ("rating", "4"), ("why", "gọn")];
        totals.add_answers(key("A", None, Channel::Paper), &values, &["comment"]);
        let totals = totals.into_totals();
        let day = &totals.rows[0].counted.keys;
        let count = |key: CountKey| day[totals.keys.iter().position(|k| *k == key).unwrap()];
        assert_eq!(count(CountKey::Answered("why".into())), 1);
        assert_eq!(count(CountKey::Answered("comment".into())), 1);
        assert_eq!(count(CountKey::chose("why", "gọn")), 1);
        assert_eq!(totals.keys.len(), 6);
    }

    #[test]
    fn a_not_applicable_answer_is_counted_apart_and_not_as_answered() {
        let mut totals = CountTotals::default();
        totals.add_answers(
            key("A", None, Channel::Paper),
            &[("result", NOT_APPLICABLE), ("rating", "4")],
            &[],
        );
        let totals = totals.into_totals();
        let day = &totals.rows[0].counted.keys;
        let count = |key: CountKey| totals.keys.iter().position(|k| *k == key).map_or(0, |at| day[at]);
        assert_eq!(count(CountKey::chose("result", NOT_APPLICABLE)), 1);
        assert_eq!(count(CountKey::Answered("result".into())), 0);
        assert_eq!(count(CountKey::Answered("rating".into())), 1);
    }
}
