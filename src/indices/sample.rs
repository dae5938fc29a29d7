//! Sample targets (DESIGN.md §9): with N dossiers in a period, a unit needs
//! ⌈N / (1 + N·e²)⌉ answers for a margin of error e (Slovin's formula, as in the Ministry's
//! manual); and the population N of a unit over a span of days, from monthly dossiers.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// How many answers a unit has against how many its dossiers call for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sample {
    /// Dossiers received in the period; `null` when none were reported.
    pub population: Option<i64>,
    /// Answers needed; `null` without a population.
    pub target: Option<i64>,
    pub achieved: i64,
    /// `null` without a target.
    pub met: Option<bool>,
}

impl Sample {
    pub fn new(population: Option<i64>, achieved: i64, margin: f64) -> Sample {
        let target = population.map(|n| target(n, margin));
        Sample {
            population,
            target,
            achieved,
            met: target.map(|t| achieved >= t),
        }
    }
}

/// Slovin's sample size for a population of `n` and a margin of error `margin`.
pub fn target(n: i64, margin: f64) -> i64 {
    if n <= 0 {
        return 0;
    }
    let n = n as f64;
    // A hair below the exact quotient so that a whole number (N = 60 gives 52.17…, 250
    // gives 153.8…) is not pushed up by floating-point noise.
    (n / (1.0 + n * margin * margin) - 1e-9).ceil() as i64
}

/// The share of a month's dossiers that falls in `from..=to`: the days of the month in the
/// span over its days (a month wholly inside counts whole).
pub fn share_of_month(month: NaiveDate, from: NaiveDate, to: NaiveDate) -> f64 {
    let first = month.with_day(1).unwrap_or(month);
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(first);
    let start = first.max(from);
    let end = last.min(to);
    if start > end {
        return 0.0;
    }
    let inside = (end - start).num_days() + 1;
    let days = (last - first).num_days() + 1;
    inside as f64 / days as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_follow_slovin_at_five_percent() {
        // The figures, by hand: 60 / (1 + 60·0.0025) = 52.17 → 53;
        // 250 / 1.625 = 153.8 → 154; 1000 / 3.5 = 285.7 → 286.
        assert_eq!(target(60, 0.05), 53);
        assert_eq!(target(250, 0.05), 154);
        assert_eq!(target(1000, 0.05), 286);
        assert_eq!(target(0, 0.05), 0);
        // A quotient that is whole stays whole: 400 / (1 + 400·0.0025) = 200.
        assert_eq!(target(400, 0.05), 200);
        let sample = Sample::new(Some(250), 160, 0.05);
        assert_eq!((sample.target, sample.met), (Some(154), Some(true)));
        let unknown = Sample::new(None, 3, 0.05);
        assert_eq!((unknown.target, unknown.met), (None, None));
    }

    #[test]
    fn a_span_takes_its_share_of_each_month() {
        let d = |t: &str| t.parse::<NaiveDate>().unwrap();
        assert_eq!(
            share_of_month(d("2025-07-01"), d("2025-01-01"), d("2025-12-31")),
            1.0
        );
        assert_eq!(
            share_of_month(d("2025-06-01"), d("2025-06-16"), d("2025-12-31")),
            0.5
        );
        assert_eq!(
            share_of_month(d("2025-05-01"), d("2025-06-16"), d("2025-12-31")),
            0.0
        );
    }
}
