//! The trend of a unit: an index month by month over the subtree's responses counted
//! together (pooled), read from the month tallies, and kept for the months that did not
//! change since (see [`MonthCache`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{Months, NaiveDate};

use super::compute::{Estimate, compute};
use super::report::ReportError;
use crate::db::reports::Rows;
use crate::db::{self, DbConnection};
use crate::forms::Form;
use crate::tally::{Channel, StoredRow, Tally};

/// One month of a trend.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    /// The month's first day.
    pub month: NaiveDate,
    pub responses: i64,
    pub estimate: Estimate,
}

/// The first days of the `count` months that end with the month of `last`, oldest first.
pub fn months_ending(last: NaiveDate, count: u32) -> Vec<NaiveDate> {
    let newest = last - chrono::Days::new(u64::from(chrono::Datelike::day0(&last)));
    (0..count)
        .rev()
        .filter_map(|back| newest.checked_sub_months(Months::new(back)))
        .collect()
}

/// Months kept at most (each a few kilobytes); past it the cache starts afresh.
const KEPT_MONTHS: usize = 5_000;

/// The counted answers of months already read, kept between requests. A month's counts
/// change only when responses are added to it (responses are never edited or removed),
/// and that changes its number of responses: a kept month is used only while that number
/// is still the same, so the cache can never show stale figures — it only spares reading
/// again the months that did not change (all but the current one, usually).
#[derive(Default)]
pub struct MonthCache {
    kept: Mutex<HashMap<MonthKey, (i64, Arc<Tally>)>>,
}

/// A kept month: (subtree root, form versions, procedure field, channels, month), kept with
/// its number of responses and its answers counted.
type MonthKey = (String, Vec<i64>, Option<String>, Option<Vec<Channel>>, NaiveDate);

/// What a trend is asked for: index `index` of `form` (these versions of it) over `units`,
/// the subtree of `root`, counted together, for each month in `months`.
pub struct TrendRequest<'a> {
    pub root: &'a str,
    pub units: &'a [String],
    pub form: &'a Form,
    pub versions: &'a [i64],
    pub index: &'a str,
    pub months: &'a [NaiveDate],
    /// Only responses to procedures of this field; all when `None`.
    pub field: Option<&'a str>,
    /// Only responses through these channels (the official population); all when `None`.
    pub channels: Option<&'a [Channel]>,
}

pub fn monthly(
    conn: &mut DbConnection,
    cache: &MonthCache,
    request: &TrendRequest<'_>,
) -> Result<Vec<TrendPoint>, ReportError> {
    let (tallies, responses) = month_tallies(conn, cache, request)?;
    Ok(tallies
        .into_iter()
        .map(|(month, tally)| TrendPoint {
            month,
            responses: responses[&month],
            estimate: estimate_of(request, &tally),
        })
        .collect())
}

/// The same by quarter: each point is a quarter (its first month), its months' answers
/// counted together. `request.months` should be whole quarters.
pub fn quarterly(
    conn: &mut DbConnection,
    cache: &MonthCache,
    request: &TrendRequest<'_>,
) -> Result<Vec<TrendPoint>, ReportError> {
    let (tallies, responses) = month_tallies(conn, cache, request)?;
    let mut quarters: BTreeMap<NaiveDate, (Tally, i64)> = BTreeMap::new();
    for (month, tally) in tallies {
        let first = quarter_of(month);
        let (sum, count) = quarters.entry(first).or_default();
        sum.merge(&tally);
        *count += responses[&month];
    }
    Ok(quarters
        .into_iter()
        .map(|(quarter, (tally, responses))| TrendPoint {
            month: quarter,
            responses,
            estimate: estimate_of(request, &tally),
        })
        .collect())
}

/// The first day of the quarter of `day`.
pub fn quarter_of(day: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    NaiveDate::from_ymd_opt(day.year(), day.month0() / 3 * 3 + 1, 1).unwrap_or(day)
}

/// The first days of the twelve months of the four quarters ending with `last`'s.
pub fn quarters_ending(last: NaiveDate) -> Vec<NaiveDate> {
    let end = quarter_of(last)
        .checked_add_months(Months::new(2))
        .unwrap_or(last);
    months_ending(end, 12)
}

fn estimate_of(request: &TrendRequest<'_>, tally: &Tally) -> Estimate {
    compute(request.form, tally)
        .into_iter()
        .find(|(id, _)| id == request.index)
        .map_or_else(Estimate::empty, |(_, e)| e)
}

/// Each month's counted answers (kept ones reused) and its number of responses.
type MonthTallies = (BTreeMap<NaiveDate, Arc<Tally>>, BTreeMap<NaiveDate, i64>);

fn month_tallies(
    conn: &mut DbConnection,
    cache: &MonthCache,
    request: &TrendRequest<'_>,
) -> Result<MonthTallies, ReportError> {
    let TrendRequest {
        root,
        units,
        versions,
        months,
        field,
        channels,
        ..
    } = *request;
    let which = Rows {
        versions,
        field,
        channels,
    };
    let mut responses: BTreeMap<NaiveDate, i64> = months.iter().map(|m| (*m, 0)).collect();
    for (month, count) in db::reports::monthly_responses(conn, units, which, months)? {
        if let Some(total) = responses.get_mut(&month) {
            *total += count;
        }
    }
    let key = |month: NaiveDate| {
        (
            root.to_string(),
            versions.to_vec(),
            field.map(str::to_string),
            channels.map(<[Channel]>::to_vec),
            month,
        )
    };
    let mut tallies: BTreeMap<NaiveDate, Arc<Tally>> = BTreeMap::new();
    {
        let kept = cache.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (month, total) in &responses {
            match kept.get(&key(*month)) {
                Some((kept_total, tally)) if kept_total == total => {
                    tallies.insert(*month, tally.clone());
                }
                _ if *total == 0 => {
                    tallies.insert(*month, Arc::new(Tally::default()));
                }
                _ => {}
            }
        }
    }
    let missing: Vec<NaiveDate> = months
        .iter()
        .filter(|m| !tallies.contains_key(m))
        .copied()
        .collect();
    if !missing.is_empty() {
        let reads = db::reports::monthly_tallies(conn, units, which, &missing)?;
        let by_month: Vec<(NaiveDate, Vec<StoredRow<'_>>)> = missing
            .iter()
            .map(|month| {
                let of_month = reads.rows.iter().filter(|r| r.start == *month);
                (*month, of_month.map(|r| r.stored()).collect())
            })
            .collect();
        let read: BTreeMap<NaiveDate, Tally> = Tally::sum_groups(by_month, reads.rows.len(), &reads.keys)?
            .into_iter()
            .collect();
        let mut kept = cache.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.len() + read.len() > KEPT_MONTHS {
            kept.clear();
        }
        for (month, tally) in read {
            let tally = Arc::new(tally);
            kept.insert(key(month), (tally.responses, tally.clone()));
            tallies.insert(month, tally);
        }
    }
    Ok((tallies, responses))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_whole() {
        let d = |t: &str| t.parse::<NaiveDate>().unwrap();
        assert_eq!(quarter_of(d("2025-08-17")), d("2025-07-01"));
        let months = quarters_ending(d("2025-07-31"));
        assert_eq!((months[0], months[11]), (d("2024-10-01"), d("2025-09-01")));
    }

    #[test]
    fn the_months_end_with_the_given_one() {
        let d = |t: &str| t.parse::<NaiveDate>().unwrap();
        assert_eq!(
            months_ending(d("2025-03-17"), 4),
            [d("2024-12-01"), d("2025-01-01"), d("2025-02-01"), d("2025-03-01")]
        );
        assert_eq!(months_ending(d("2025-12-31"), 1), [d("2025-12-01")]);
    }
}
