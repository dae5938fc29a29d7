//! The indices a form declares, computed from counted answers (never from raw responses):
//! per question, how many respondents answered it and how many chose each value.
//!
//! Every index is an [`Estimate`]: a percentage with its sample size `n` and a 95%
//! interval, kept unrounded until the report rounds it.
//!
//! - `share`: accepted answers over valid answers to its questions (missing answers are
//!   left out of the denominator); Wilson interval; `n` is the number of valid answers.
//! - `mean`: the (weighted) mean of other indices that have a value; the interval is the
//!   same mean of their lower and of their upper bounds. That is exact when the
//!   components move together and wider than needed otherwise — never too narrow, which
//!   is the honest choice when only counts per question are kept (their correlations are
//!   not). `n` is the largest `n` of its components (at least that many people answered).
//! - `points`: the mean of each question's points summed over the questions, as a
//!   percentage of the most points those questions can give; its interval uses the sum of
//!   the questions' standard errors (again the bound for items that move together), and
//!   the grade is that of the mean total.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use super::stats::{Z95, wilson};
use crate::db::tallies::{ANSWERED, CHANNEL, CountKeys, add_counts};
use crate::forms::{Accept, Form, IndexRule, Question, Text};

/// A stored tally as read: its form version, its counts, its responses, and +1 or −1.
pub type StoredRow<'a> = (i64, &'a str, i64, i64);

/// Rows beyond which stored tallies are added up on two threads.
const ROWS_FOR_TWO_THREADS: usize = 2_000;

/// Counted answers of a set of responses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// question → value → how many (`*`: how many answered the question; question `@`:
    /// responses per channel).
    counts: FxHashMap<String, FxHashMap<String, i64>>,
    pub responses: i64,
}

impl Tally {
    pub fn add(&mut self, question: &str, value: &str, count: i64) {
        // Looked up before inserting: reports add hundreds of thousands of counts to a few
        // hundred keys, and each insert would allocate the key.
        let values = match self.counts.get_mut(question) {
            Some(values) => values,
            None => self.counts.entry(question.to_string()).or_default(),
        };
        match values.get_mut(value) {
            Some(total) => *total += count,
            None => {
                values.insert(value.to_string(), count);
            }
        }
    }

    /// The sum of stored tallies (see [`crate::db::tallies`]), named by `keys`. The
    /// counts are summed by position first, per form version (a range of days reads
    /// thousands of rows), and named once at the end.
    pub fn sum_stored<'a>(
        rows: impl IntoIterator<Item = StoredRow<'a>>,
        keys: &CountKeys,
    ) -> diesel::QueryResult<Tally> {
        let mut by_version: Vec<(i64, Vec<i64>)> = Vec::new();
        let mut tally = Tally::default();
        for (version, counts, responses, sign) in rows {
            tally.responses += sign * responses;
            let at = match by_version.iter().position(|(v, _)| *v == version) {
                Some(at) => at,
                None => {
                    by_version.push((version, Vec::new()));
                    by_version.len() - 1
                }
            };
            add_counts(counts, sign, &mut by_version[at].1)?;
        }
        for (version, sums) in &by_version {
            keys.for_each(*version, sums, |question, value, count| {
                tally.add(question, value, count)
            })?;
        }
        Ok(tally)
    }

    /// Groups of stored tallies added up, one tally a group; on two threads when there
    /// are more than [`ROWS_FOR_TWO_THREADS`] rows in all (a range of days reads thousands
    /// for a province, a trend twelve months').
    pub fn sum_groups<'a, K: Send>(
        groups: Vec<(K, Vec<StoredRow<'a>>)>,
        rows: usize,
        keys: &CountKeys,
    ) -> diesel::QueryResult<Vec<(K, Tally)>> {
        let sum = |part: Vec<(K, Vec<StoredRow<'a>>)>| -> diesel::QueryResult<Vec<(K, Tally)>> {
            part.into_iter()
                .map(|(key, rows)| Ok((key, Tally::sum_stored(rows, keys)?)))
                .collect()
        };
        if rows <= ROWS_FOR_TWO_THREADS {
            return sum(groups);
        }
        let mut first = groups;
        let second = first.split_off(first.len() / 2);
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| sum(second));
            let first = sum(first);
            (
                first,
                second
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        });
        Ok(first?.into_iter().chain(second?).collect())
    }

    /// Responses per channel (leaving out channels that net to nothing: seen only on days
    /// taken away from a month).
    pub fn channels(&self) -> std::collections::BTreeMap<String, i64> {
        self.counts
            .get(CHANNEL)
            .into_iter()
            .flatten()
            .filter(|(_, count)| **count != 0)
            .map(|(channel, count)| (channel.clone(), *count))
            .collect()
    }

    pub fn merge(&mut self, other: &Tally) {
        for (question, values) in &other.counts {
            for (value, count) in values {
                self.add(question, value, *count);
            }
        }
        self.responses += other.responses;
    }

    fn answered(&self, question: &str) -> i64 {
        self.count(question, ANSWERED)
    }

    fn count(&self, question: &str, value: &str) -> i64 {
        self.counts
            .get(question)
            .and_then(|v| v.get(value))
            .copied()
            .unwrap_or(0)
    }

    fn values(&self, question: &str) -> impl Iterator<Item = (&str, i64)> {
        self.counts
            .get(question)
            .into_iter()
            .flat_map(|v| v.iter())
            .filter(|(value, _)| value.as_str() != ANSWERED)
            .map(|(value, count)| (value.as_str(), *count))
    }
}

/// An index before rounding: a percentage, its sample size and 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// `None` when nobody answered.
    pub value: Option<f64>,
    pub n: i64,
    pub low: f64,
    pub high: f64,
    /// The grade of a `points` index.
    pub grade: Option<Text>,
}

impl Estimate {
    pub fn empty() -> Estimate {
        Estimate {
            value: None,
            n: 0,
            low: 0.0,
            high: 100.0,
            grade: None,
        }
    }
}

/// Every index of `form` over the answers in `tally`, in the form's order.
pub fn compute(form: &Form, tally: &Tally) -> Vec<(String, Estimate)> {
    // Indices by position: a report computes every unit's indices, and looking each one
    // up by id in the form's list would cost the square of their number.
    let positions: HashMap<&str, usize> = form
        .indices
        .iter()
        .enumerate()
        .map(|(at, index)| (index.id.as_str(), at))
        .collect();
    let mut done: Vec<Option<Estimate>> = vec![None; form.indices.len()];
    for at in 0..form.indices.len() {
        evaluate(form, tally, at, &positions, &mut done);
    }
    form.indices
        .iter()
        .zip(done)
        .map(|(index, estimate)| (index.id.clone(), estimate.unwrap_or_else(Estimate::empty)))
        .collect()
}

/// The index at `at`, after the indices it is the mean of (the form checker rules out
/// cycles).
fn evaluate(
    form: &Form,
    tally: &Tally,
    at: usize,
    positions: &HashMap<&str, usize>,
    done: &mut [Option<Estimate>],
) -> Estimate {
    if let Some(known) = &done[at] {
        return known.clone();
    }
    let index = &form.indices[at];
    let estimate = match &index.rule {
        IndexRule::Share { questions, accept } => share(tally, questions, accept),
        IndexRule::Mean { of, weights } => {
            let parts: Vec<(Estimate, f64)> = of
                .iter()
                .enumerate()
                .map(|(i, part)| {
                    let weight = weights.as_ref().and_then(|w| w.get(i)).copied().unwrap_or(1.0);
                    let estimate = positions
                        .get(part.as_str())
                        .map_or_else(Estimate::empty, |p| evaluate(form, tally, *p, positions, done));
                    (estimate, weight)
                })
                .collect();
            mean(&parts)
        }
        IndexRule::Points {
            questions, grades, ..
        } => {
            let mut estimate = points(form, tally, questions);
            if let Some(value) = estimate.value {
                let most: f64 = questions
                    .iter()
                    .filter_map(|q| form.question(q))
                    .map(most_points)
                    .sum();
                let total = value / 100.0 * most;
                estimate.grade = grades
                    .iter()
                    .find(|g| total + 1e-9 >= g.min)
                    .map(|g| g.label.clone());
            }
            estimate
        }
    };
    done[at] = Some(estimate.clone());
    estimate
}

fn accepts(accept: &Accept, value: &str) -> bool {
    match accept {
        Accept::Levels(levels) => value.parse::<i64>().is_ok_and(|v| levels.contains(&v)),
        Accept::Options(options) => options.iter().any(|o| o == value),
        Accept::Range(low, high) => value.parse::<i64>().is_ok_and(|v| (*low..=*high).contains(&v)),
    }
}

fn share(tally: &Tally, questions: &[String], accept: &Accept) -> Estimate {
    let n: i64 = questions.iter().map(|q| tally.answered(q)).sum();
    if n == 0 {
        return Estimate::empty();
    }
    let k: i64 = questions
        .iter()
        .flat_map(|q| tally.values(q))
        .filter(|(value, _)| accepts(accept, value))
        .map(|(_, count)| count)
        .sum();
    let (low, high) = wilson(k as f64, n as f64);
    Estimate {
        value: Some(k as f64 / n as f64 * 100.0),
        n,
        low: low * 100.0,
        high: high * 100.0,
        grade: None,
    }
}

/// The weighted mean of the parts that have a value.
pub fn mean(parts: &[(Estimate, f64)]) -> Estimate {
    let present: Vec<&(Estimate, f64)> = parts
        .iter()
        .filter(|(e, w)| e.value.is_some() && *w > 0.0)
        .collect();
    let weight: f64 = present.iter().map(|(_, w)| w).sum();
    if present.is_empty() || weight <= 0.0 {
        return Estimate::empty();
    }
    let weighted = |f: &dyn Fn(&Estimate) -> f64| present.iter().map(|(e, w)| f(e) * w).sum::<f64>() / weight;
    Estimate {
        value: Some(weighted(&|e| e.value.unwrap_or(0.0))),
        n: present.iter().map(|(e, _)| e.n).max().unwrap_or(0),
        low: weighted(&|e| e.low),
        high: weighted(&|e| e.high),
        grade: None,
    }
}

/// The points of an answer: the level of a scale option, or the number itself.
fn points_of(question: &Question, value: &str) -> Option<f64> {
    question
        .kind
        .options()
        .iter()
        .find(|o| o.value == value)
        .and_then(|o| o.level)
        .or_else(|| value.parse::<i64>().ok())
        .map(|p| p as f64)
}

fn most_points(question: &Question) -> f64 {
    question
        .kind
        .options()
        .iter()
        .filter_map(|o| o.level)
        .max()
        .unwrap_or(0) as f64
}

fn points(form: &Form, tally: &Tally, questions: &[String]) -> Estimate {
    let (mut total, mut most, mut standard_error, mut n) = (0.0, 0.0, 0.0, 0);
    for question in questions.iter().filter_map(|q| form.question(q)) {
        let answered = tally.answered(&question.id);
        if answered == 0 {
            continue;
        }
        let (mut sum, mut squares) = (0.0, 0.0);
        for (value, count) in tally.values(&question.id) {
            let p = points_of(question, value).unwrap_or(0.0);
            sum += p * count as f64;
            squares += p * p * count as f64;
        }
        let mean = sum / answered as f64;
        let variance = (squares / answered as f64 - mean * mean).max(0.0);
        total += mean;
        most += most_points(question);
        standard_error += (variance / answered as f64).sqrt();
        n = n.max(answered);
    }
    if n == 0 || most <= 0.0 {
        return Estimate::empty();
    }
    let percent = |points: f64| (points / most * 100.0).clamp(0.0, 100.0);
    Estimate {
        value: Some(percent(total)),
        n,
        low: percent(total - Z95 * standard_error),
        high: percent(total + Z95 * standard_error),
        grade: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_add_up_alike_on_one_thread_and_on_two() {
        // Two form versions that list the same keys in other orders.
        let pair = |q: &str, v: &str| (q.to_string(), v.to_string());
        let keys = CountKeys(rustc_hash::FxHashMap::from_iter([
            (1, vec![pair("@", "paper"), pair("q1", "*"), pair("q1", "5")]),
            (
                2,
                vec![
                    pair("q1", "5"),
                    pair("q1", "*"),
                    pair("q2", "1"),
                    pair("@", "paper"),
                ],
            ),
        ]));
        // Fifty units of sixty rows each (3,000 rows: two threads), and the same read alone.
        let groups: Vec<(usize, Vec<StoredRow<'_>>)> = (0..50)
            .map(|unit| {
                let rows = (0..60).map(|i| {
                    let sign = if i % 10 == 9 { -1 } else { 1 };
                    if i % 2 == 0 {
                        (1, "[1,1,1]", 1, sign)
                    } else {
                        (2, "[1, 1, 0, 1]", 1, sign)
                    }
                });
                (unit, rows.collect())
            })
            .collect();
        let summed = Tally::sum_groups(groups.clone(), 3_000, &keys).unwrap();
        assert_eq!(summed.len(), 50);
        for (unit, tally) in &summed {
            let alone = Tally::sum_groups(vec![(*unit, groups[*unit].1.clone())], 60, &keys).unwrap();
            assert_eq!(&alone[0].1, tally);
            // 54 rows added, 6 taken away.
            assert_eq!(
                (
                    tally.responses,
                    tally.count("q1", "5"),
                    tally.answered("q1"),
                    tally.channels()["paper"]
                ),
                (48, 48, 48, 48)
            );
            assert_eq!(tally.values("q2").count(), 0, "a zero is not a count");
        }
        let units: Vec<usize> = summed.iter().map(|(unit, _)| *unit).collect();
        assert_eq!(units, (0..50).collect::<Vec<_>>(), "in order, each once");
        let unknown = Tally::sum_groups(vec![(0, vec![(3, "[1]", 1, 1)])], 1, &keys);
        assert!(unknown.is_err(), "a version without keys cannot be read");
    }
}
