//! The calendar periods counts are kept for. Every answer is counted for its day, week
//! (Monday to Sunday), month, quarter and year, so that any span of days reads few rows:
//! whole years from the year counts, whole quarters and months from theirs, the days left
//! over from the week and day counts.

use chrono::{Datelike, Days, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CountPeriod {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl CountPeriod {
    /// As stored in the `period` column.
    pub fn as_str(self) -> &'static str {
        match self {
            CountPeriod::Day => "day",
            CountPeriod::Week => "week",
            CountPeriod::Month => "month",
            CountPeriod::Quarter => "quarter",
            CountPeriod::Year => "year",
        }
    }

    /// The most days one such period has.
    pub fn most_days(self) -> i64 {
        match self {
            CountPeriod::Day => 1,
            CountPeriod::Week => 7,
            CountPeriod::Month => 31,
            CountPeriod::Quarter => 92,
            CountPeriod::Year => 366,
        }
    }
}

fn week_start(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("every month has a first day")
}

fn quarter_start(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), (day.month0() / 3) * 3 + 1, 1).expect("every quarter has a first day")
}

fn year_start(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), 1, 1).expect("every year has a first day")
}

/// The day, week, month, quarter and year `day` is counted in, by their first days (the
/// day first).
pub fn periods_of(day: NaiveDate) -> [(CountPeriod, NaiveDate); 5] {
    [
        (CountPeriod::Day, day),
        (CountPeriod::Week, week_start(day)),
        (CountPeriod::Month, month_start(day)),
        (CountPeriod::Quarter, quarter_start(day)),
        (CountPeriod::Year, year_start(day)),
    ]
}

/// Few periods that cover `from..=to` exactly, by kind and first day: whole years,
/// quarters and months, and the days left over, seven at a time where they make a whole
/// week — or, where that reads fewer rows, a month less the weeks and days outside the
/// span (`minus_weeks`, `minus_days`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cover {
    pub years: Vec<NaiveDate>,
    pub quarters: Vec<NaiveDate>,
    pub months: Vec<NaiveDate>,
    pub weeks: Vec<NaiveDate>,
    pub days: Vec<NaiveDate>,
    /// Weeks and days counted in `months` that are not in the span: to be taken away.
    pub minus_weeks: Vec<NaiveDate>,
    pub minus_days: Vec<NaiveDate>,
}

/// `days` (sorted) as the whole weeks among them and the days left over.
fn in_weeks(days: &[NaiveDate]) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
    let set: std::collections::BTreeSet<NaiveDate> = days.iter().copied().collect();
    let weeks: Vec<NaiveDate> = days
        .iter()
        .copied()
        .filter(|d| d.weekday() == chrono::Weekday::Mon)
        .filter(|monday| monday.iter_days().take(7).all(|d| set.contains(&d)))
        .collect();
    let rest = days
        .iter()
        .copied()
        .filter(|d| !weeks.contains(&week_start(*d)))
        .collect();
    (weeks, rest)
}

/// How many rows `days` read as weeks and days.
fn rows(days: &[NaiveDate]) -> usize {
    let (weeks, rest) = in_weeks(days);
    weeks.len() + rest.len()
}

impl Cover {
    pub fn of(from: NaiveDate, to: NaiveDate) -> Cover {
        let mut cover = Cover::default();
        let mut day = from;
        while day <= to {
            let year_end = NaiveDate::from_ymd_opt(day.year(), 12, 31).expect("31 December");
            let end_after = |months: u32| {
                day.checked_add_months(chrono::Months::new(months))
                    .and_then(|next| next.pred_opt())
                    .unwrap_or(NaiveDate::MAX)
            };
            let (quarter_end, month_end) = (end_after(3), end_after(1));
            let next_end = if day == year_start(day) && year_end <= to {
                cover.years.push(day);
                year_end
            } else if day == quarter_start(day) && quarter_end <= to {
                cover.quarters.push(day);
                quarter_end
            } else if day == month_start(day) && month_end <= to {
                cover.months.push(day);
                month_end
            } else {
                cover.days.push(day);
                day
            };
            match next_end.checked_add_days(Days::new(1)) {
                Some(next) => day = next,
                None => break,
            }
        }
        cover.take_mostly_covered_months();
        (cover.weeks, cover.days) = in_weeks(&cover.days);
        (cover.minus_weeks, cover.minus_days) = in_weeks(&cover.minus_days);
        cover
    }

    /// A month whose left-over days read more rows than the month and the days outside
    /// the span is read as the month less those days.
    fn take_mostly_covered_months(&mut self) {
        let mut starts: Vec<NaiveDate> = self.days.iter().map(|d| month_start(*d)).collect();
        starts.dedup();
        for start in starts {
            let end = start
                .checked_add_months(chrono::Months::new(1))
                .and_then(|next| next.pred_opt())
                .unwrap_or(NaiveDate::MAX);
            let month: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= end).collect();
            let inside: Vec<NaiveDate> = self
                .days
                .iter()
                .copied()
                .filter(|d| month_start(*d) == start)
                .collect();
            let outside: Vec<NaiveDate> = month.iter().copied().filter(|d| !inside.contains(d)).collect();
            if 1 + rows(&outside) >= rows(&inside) {
                continue;
            }
            let kept: Vec<NaiveDate> = self
                .days
                .iter()
                .copied()
                .filter(|d| month_start(*d) != start)
                .collect();
            self.minus_days.extend(outside);
            self.days = kept;
            self.months.push(start);
        }
        self.months.sort();
        self.minus_days.sort();
    }

    /// Each kind of period with the first days of those in the cover, leaving out kinds
    /// with none.
    pub fn by_period(&self) -> impl Iterator<Item = (CountPeriod, &[NaiveDate])> {
        [
            (CountPeriod::Year, self.years.as_slice()),
            (CountPeriod::Quarter, self.quarters.as_slice()),
            (CountPeriod::Month, self.months.as_slice()),
            (CountPeriod::Week, self.weeks.as_slice()),
            (CountPeriod::Day, self.days.as_slice()),
        ]
        .into_iter()
        .filter(|(_, starts)| !starts.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_day_is_counted_in_its_month_quarter_and_year() {
        assert_eq!(
            periods_of(d("2025-08-14")),
            [
                (CountPeriod::Day, d("2025-08-14")),
                // A Thursday: the week began on Monday 11 August.
                (CountPeriod::Week, d("2025-08-11")),
                (CountPeriod::Month, d("2025-08-01")),
                (CountPeriod::Quarter, d("2025-07-01")),
                (CountPeriod::Year, d("2025-01-01")),
            ]
        );
        assert_eq!(
            periods_of(d("2025-12-31"))[3],
            (CountPeriod::Quarter, d("2025-10-01"))
        );
        assert_eq!(
            periods_of(d("2025-03-31"))[3],
            (CountPeriod::Quarter, d("2025-01-01"))
        );
    }

    #[test]
    fn whole_years_quarters_and_months_are_read_as_such() {
        assert_eq!(
            Cover::of(d("2025-01-01"), d("2025-12-31")),
            Cover {
                years: vec![d("2025-01-01")],
                ..Cover::default()
            }
        );
        assert_eq!(
            Cover::of(d("2025-07-01"), d("2025-09-30")),
            Cover {
                quarters: vec![d("2025-07-01")],
                ..Cover::default()
            }
        );
        // A quarter's worth of months that is not a quarter stays three months.
        assert_eq!(
            Cover::of(d("2025-08-01"), d("2025-10-31")).months,
            [d("2025-08-01"), d("2025-09-01"), d("2025-10-01")]
        );
        // 30 December 2024 to 2 May 2026: two days, a year, a quarter, a month, two days.
        assert_eq!(
            Cover::of(d("2024-12-30"), d("2026-05-02")),
            Cover {
                years: vec![d("2025-01-01")],
                quarters: vec![d("2026-01-01")],
                months: vec![d("2026-04-01")],
                days: vec![d("2024-12-30"), d("2024-12-31"), d("2026-05-01"), d("2026-05-02")],
                ..Cover::default()
            }
        );
        // 3 to 29 March 2025, 27 of its 31 days: the month less the four days outside
        // (five rows, not three weeks and six days).
        assert_eq!(
            Cover::of(d("2025-03-03"), d("2025-03-29")),
            Cover {
                months: vec![d("2025-03-01")],
                minus_days: vec![d("2025-03-01"), d("2025-03-02"), d("2025-03-30"), d("2025-03-31")],
                ..Cover::default()
            }
        );
        // 1 to 15 March 2025: 1–2, the week of the 3rd and 10–15 read nine rows; the month
        // less 16, the weeks of the 17th and 24th, and 31 reads five.
        assert_eq!(
            Cover::of(d("2025-03-01"), d("2025-03-15")),
            Cover {
                months: vec![d("2025-03-01")],
                minus_weeks: vec![d("2025-03-17"), d("2025-03-24")],
                minus_days: vec![d("2025-03-16"), d("2025-03-31")],
                ..Cover::default()
            }
        );
        // 3 to 9 March 2025 is one week; 5 to 14 March holds none (Wednesday to Friday of
        // the next): ten days, no more rows than the month less its other 21 days.
        assert_eq!(
            Cover::of(d("2025-03-03"), d("2025-03-09")),
            Cover {
                weeks: vec![d("2025-03-03")],
                ..Cover::default()
            }
        );
        assert_eq!(Cover::of(d("2025-03-05"), d("2025-03-14")).days.len(), 10);
        // February of a leap year is a whole month.
        assert_eq!(
            Cover::of(d("2024-02-01"), d("2024-02-29")).months,
            [d("2024-02-01")]
        );
        // …and 1 to 28 February 2024 is that month less the 29th.
        let short = Cover::of(d("2024-02-01"), d("2024-02-28"));
        assert_eq!(
            (short.months, short.minus_days),
            (vec![d("2024-02-01")], vec![d("2024-02-29")])
        );
        assert_eq!(Cover::of(d("2025-03-05"), d("2025-03-04")), Cover::default());
    }

    #[test]
    fn the_cover_holds_every_day_once() {
        for (from, to) in [
            (d("2023-11-17"), d("2026-02-03")),
            (d("2025-01-15"), d("2025-11-20")),
            (d("2025-02-02"), d("2025-02-27")),
            (d("2025-03-01"), d("2025-03-15")),
            (d("2024-12-25"), d("2025-01-08")),
            (d("2025-01-15"), d("2025-11-20")),
        ] {
            every_day_once(from, to);
        }
    }

    fn every_day_once(from: NaiveDate, to: NaiveDate) {
        let mut days = Vec::new();
        let cover = Cover::of(from, to);
        for (period, starts) in cover.by_period() {
            for start in starts {
                let mut day = *start;
                loop {
                    days.push(day);
                    let next = day.succ_opt().unwrap();
                    let same = match period {
                        CountPeriod::Day => false,
                        CountPeriod::Week => next.weekday() != chrono::Weekday::Mon,
                        CountPeriod::Month => next.month() == start.month(),
                        CountPeriod::Quarter => next.month0() / 3 == start.month0() / 3,
                        CountPeriod::Year => next.year() == start.year(),
                    };
                    if !same {
                        break;
                    }
                    day = next;
                }
            }
        }
        let minus_weeks = cover.minus_weeks.iter().flat_map(|w| w.iter_days().take(7));
        for minus in minus_weeks.chain(cover.minus_days.iter().copied()) {
            let at = days
                .iter()
                .position(|d| *d == minus)
                .expect("a day taken away was counted");
            days.remove(at);
        }
        days.sort();
        let expected: Vec<NaiveDate> = from.iter_days().take_while(|day| *day <= to).collect();
        assert_eq!(days, expected, "{from}..{to}");
    }
}
