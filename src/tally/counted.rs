//! Counted answers of a set of responses, by name: what indices are computed from.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::{Channel, CountKey};

/// How many respondents answered one question, and how many chose each value.
#[derive(Debug, Clone, Default, PartialEq)]
struct QuestionCounts {
    answered: i64,
    chose: FxHashMap<String, i64>,
}

/// Counted answers of a set of responses: per question how many answered and how many
/// chose each value, and the responses per channel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    questions: FxHashMap<String, QuestionCounts>,
    channels: BTreeMap<Channel, i64>,
    pub responses: i64,
}

/// Why stored counts cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TallyError {
    /// A count at a position its form version has no key for.
    NoKey { version: i64, position: usize },
}

impl std::fmt::Display for TallyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TallyError::NoKey { version, position } => {
                write!(
                    f,
                    "form version {version} has no count key at position {position}"
                )
            }
        }
    }
}

impl std::error::Error for TallyError {}

/// The keys of form versions' counts, by position: a stored row's counts are numbers in
/// the order of its version's keys.
#[derive(Debug, Clone, Default)]
pub struct CountKeys(FxHashMap<i64, Vec<CountKey>>);

impl CountKeys {
    pub fn new(by_version: FxHashMap<i64, Vec<CountKey>>) -> CountKeys {
        CountKeys(by_version)
    }

    /// Calls `each(key, count)` for each count of `sums` (a version's counts by position)
    /// that is not zero.
    pub fn for_each(
        &self,
        version: i64,
        sums: &[i64],
        mut each: impl FnMut(&CountKey, i64),
    ) -> Result<(), TallyError> {
        let keys = self.0.get(&version).map_or(&[][..], Vec::as_slice);
        for (position, count) in sums.iter().enumerate().filter(|(_, count)| **count != 0) {
            let key = keys
                .get(position)
                .ok_or(TallyError::NoKey { version, position })?;
            each(key, *count);
        }
        Ok(())
    }
}

/// A stored row as read for a report: its form version and channel, how many responses,
/// its counts by position, and +1 (or −1 for a day taken away from a month read whole).
#[derive(Debug, Clone, Copy)]
pub struct StoredRow<'a> {
    pub version: i64,
    pub channel: Channel,
    pub responses: i64,
    pub sign: i64,
    pub counts: &'a [i64],
}

/// Rows beyond which stored tallies are added up on two threads.
const ROWS_FOR_TWO_THREADS: usize = 2_000;

impl Tally {
    pub fn add(&mut self, key: &CountKey, count: i64) {
        // Looked up before inserting: reports add hundreds of thousands of counts to a few
        // hundred keys, and each insert would allocate the key.
        let question = key.question();
        let counts = match self.questions.get_mut(question) {
            Some(counts) => counts,
            None => self.questions.entry(question.to_string()).or_default(),
        };
        match key {
            CountKey::Answered(_) => counts.answered += count,
            CountKey::Chose { value, .. } => match counts.chose.get_mut(value) {
                Some(total) => *total += count,
                None => {
                    counts.chose.insert(value.clone(), count);
                }
            },
        }
    }

    /// Counts `responses` more responses that came through `channel`.
    pub fn add_responses(&mut self, channel: Channel, responses: i64) {
        self.responses += responses;
        *self.channels.entry(channel).or_default() += responses;
    }

    /// The sum of stored rows, named by `keys`. The counts are summed by position first,
    /// per form version (a range of days reads thousands of rows), and named once at the
    /// end.
    pub fn sum_stored<'a>(
        rows: impl IntoIterator<Item = StoredRow<'a>>,
        keys: &CountKeys,
    ) -> Result<Tally, TallyError> {
        let mut by_version: Vec<(i64, Vec<i64>)> = Vec::new();
        let mut tally = Tally::default();
        for row in rows {
            tally.add_responses(row.channel, row.sign * row.responses);
            let at = match by_version.iter().position(|(v, _)| *v == row.version) {
                Some(at) => at,
                None => {
                    by_version.push((row.version, Vec::new()));
                    by_version.len() - 1
                }
            };
            let sums = &mut by_version[at].1;
            if sums.len() < row.counts.len() {
                sums.resize(row.counts.len(), 0);
            }
            for (sum, count) in sums.iter_mut().zip(row.counts) {
                *sum += row.sign * count;
            }
        }
        for (version, sums) in &by_version {
            keys.for_each(*version, sums, |key, count| tally.add(key, count))?;
        }
        Ok(tally)
    }

    /// Groups of stored rows added up, one tally a group; on two threads when there are
    /// more than [`ROWS_FOR_TWO_THREADS`] rows in all (a range of days reads thousands for
    /// a province, a trend twelve months').
    pub fn sum_groups<'a, K: Send>(
        groups: Vec<(K, Vec<StoredRow<'a>>)>,
        rows: usize,
        keys: &CountKeys,
    ) -> Result<Vec<(K, Tally)>, TallyError> {
        let sum = |part: Vec<(K, Vec<StoredRow<'a>>)>| -> Result<Vec<(K, Tally)>, TallyError> {
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
    pub fn channels(&self) -> BTreeMap<Channel, i64> {
        self.channels
            .iter()
            .filter(|(_, count)| **count != 0)
            .map(|(channel, count)| (*channel, *count))
            .collect()
    }

    pub fn merge(&mut self, other: &Tally) {
        for (question, counts) in &other.questions {
            let mine = self.questions.entry(question.clone()).or_default();
            mine.answered += counts.answered;
            for (value, count) in &counts.chose {
                *mine.chose.entry(value.clone()).or_default() += count;
            }
        }
        for (channel, count) in &other.channels {
            *self.channels.entry(*channel).or_default() += count;
        }
        self.responses += other.responses;
    }

    /// How many respondents answered `question`.
    pub fn answered(&self, question: &str) -> i64 {
        self.questions.get(question).map_or(0, |c| c.answered)
    }

    /// How many chose `value` for `question`.
    pub fn count(&self, question: &str, value: &str) -> i64 {
        self.questions
            .get(question)
            .and_then(|c| c.chose.get(value))
            .copied()
            .unwrap_or(0)
    }

    /// How many said `question` did not apply to them (counted apart from its answers).
    pub fn not_applicable(&self, question: &str) -> i64 {
        self.count(question, super::NOT_APPLICABLE)
    }

    /// The values chosen for `question`, with how many chose each (not-applicable
    /// included: an index's arithmetic leaves it out).
    pub fn values(&self, question: &str) -> impl Iterator<Item = (&str, i64)> {
        self.questions
            .get(question)
            .into_iter()
            .flat_map(|c| c.chose.iter())
            .filter(|(_, count)| **count != 0)
            .map(|(value, count)| (value.as_str(), *count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_add_up_alike_on_one_thread_and_on_two() {
        // Two form versions that list the same keys in other orders.
        let keys = CountKeys::new(FxHashMap::from_iter([
            (
                1,
                vec![CountKey::Answered("q1".into()), CountKey::chose("q1", "5")],
            ),
            (
                2,
                vec![
                    CountKey::chose("q1", "5"),
                    CountKey::Answered("q1".into()),
                    CountKey::chose("q2", "1"),
                ],
            ),
        ]));
        let (one, two) = ([1, 1], [1, 1, 0]);
        // Fifty units of sixty rows each (3,000 rows: two threads), and the same read alone.
        let groups: Vec<(usize, Vec<StoredRow<'_>>)> = (0..50)
            .map(|unit| {
                let rows = (0..60).map(|i| StoredRow {
                    version: if i % 2 == 0 { 1 } else { 2 },
                    channel: if i % 3 == 0 {
                        Channel::Paper
                    } else {
                        Channel::Ticket
                    },
                    responses: 1,
                    sign: if i % 10 == 9 { -1 } else { 1 },
                    counts: if i % 2 == 0 { &one[..] } else { &two[..] },
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
                (tally.responses, tally.count("q1", "5"), tally.answered("q1")),
                (48, 48, 48)
            );
            assert_eq!(tally.channels().values().sum::<i64>(), 48);
            assert_eq!(tally.values("q2").count(), 0, "a zero is not a count");
        }
        let units: Vec<usize> = summed.iter().map(|(unit, _)| *unit).collect();
        assert_eq!(units, (0..50).collect::<Vec<_>>(), "in order, each once");
        let stray = StoredRow {
            version: 3,
            channel: Channel::Paper,
            responses: 1,
            sign: 1,
            counts: &[1],
        };
        assert_eq!(
            Tally::sum_groups(vec![(0, vec![stray])], 1, &keys).unwrap_err(),
            TallyError::NoKey {
                version: 3,
                position: 0
            },
            "a version without keys cannot be read"
        );
    }
}
