//! The trend of a unit: an index month by month over the subtree's responses counted
//! together (pooled), read from the month counts summed by the database.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};

use super::compute::{Estimate, Tally, compute};
use crate::db::{self, DbConnection};
use crate::forms::Form;

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

/// Index `index` of `form` over `units` together, for each month in `months`.
pub fn monthly(
    conn: &mut DbConnection,
    form: &Form,
    index: &str,
    versions: &[i64],
    units: &[String],
    months: &[NaiveDate],
) -> diesel::QueryResult<Vec<TrendPoint>> {
    let mut tallies: BTreeMap<NaiveDate, Tally> = months.iter().map(|m| (*m, Tally::default())).collect();
    for (month, question, value, count) in db::reports::monthly_answer_counts(conn, units, versions, months)?
    {
        if let Some(tally) = tallies.get_mut(&month) {
            tally.add(&question, &value, count);
        }
    }
    for (month, count) in db::reports::monthly_response_counts(conn, units, versions, months)? {
        if let Some(tally) = tallies.get_mut(&month) {
            tally.responses += count;
        }
    }
    Ok(tallies
        .into_iter()
        .map(|(month, tally)| {
            let estimate = compute(form, &tally)
                .into_iter()
                .find(|(id, _)| id == index)
                .map_or_else(Estimate::empty, |(_, e)| e);
            TrendPoint {
                month,
                responses: tally.responses,
                estimate,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

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
