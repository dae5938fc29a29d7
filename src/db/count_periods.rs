//! The calendar periods counts are kept for. Every answer is counted for its day, month,
//! quarter and year, so that any span of days reads the fewest rows: whole years from the
//! year counts, whole quarters and months from theirs, the days left over from the day
//! counts.

use chrono::{Datelike, Days, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CountPeriod {
    Day,
    Month,
    Quarter,
    Year,
}

impl CountPeriod {
    /// As stored in the `period` column.
    pub fn as_str(self) -> &'static str {
        match self {
            CountPeriod::Day => "day",
            CountPeriod::Month => "month",
            CountPeriod::Quarter => "quarter",
            CountPeriod::Year => "year",
        }
    }
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

/// The day, month, quarter and year `day` is counted in, by their first days.
pub fn periods_of(day: NaiveDate) -> [(CountPeriod, NaiveDate); 4] {
    [
        (CountPeriod::Day, day),
        (CountPeriod::Month, month_start(day)),
        (CountPeriod::Quarter, quarter_start(day)),
        (CountPeriod::Year, year_start(day)),
    ]
}

/// The fewest periods that cover `from..=to` exactly, by kind and first day: whole
/// years, quarters and months, and the days left over — or, where a month is mostly in
/// the span, the month less the few days outside it (`minus_days`), which reads fewer rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cover {
    pub years: Vec<NaiveDate>,
    pub quarters: Vec<NaiveDate>,
    pub months: Vec<NaiveDate>,
    pub days: Vec<NaiveDate>,
    /// Days counted in `months` that are not in the span: to be taken away.
    pub minus_days: Vec<NaiveDate>,
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
        cover
    }

    /// A month more than half of whose days are left over is read as the month less the
    /// days outside the span.
    fn take_mostly_covered_months(&mut self) {
        let mut starts: Vec<NaiveDate> = self.days.iter().map(|d| month_start(*d)).collect();
        starts.dedup();
        for start in starts {
            let end = start
                .checked_add_months(chrono::Months::new(1))
                .and_then(|next| next.pred_opt())
                .unwrap_or(NaiveDate::MAX);
            let month: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= end).collect();
            let inside = self.days.iter().filter(|d| month_start(**d) == start).count();
            if inside * 2 <= month.len() {
                continue;
            }
            let kept: Vec<NaiveDate> = self
                .days
                .iter()
                .copied()
                .filter(|d| month_start(*d) != start)
                .collect();
            let outside = month.iter().copied().filter(|d| !self.days.contains(d));
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
                (CountPeriod::Month, d("2025-08-01")),
                (CountPeriod::Quarter, d("2025-07-01")),
                (CountPeriod::Year, d("2025-01-01")),
            ]
        );
        assert_eq!(
            periods_of(d("2025-12-31"))[2],
            (CountPeriod::Quarter, d("2025-10-01"))
        );
        assert_eq!(
            periods_of(d("2025-03-31"))[2],
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
                minus_days: vec![],
            }
        );
        // 3 to 29 March, 27 of its 31 days: the month less the four days outside; 1 to 15
        // March, fewer than half: fifteen days.
        assert_eq!(
            Cover::of(d("2025-03-03"), d("2025-03-29")),
            Cover {
                months: vec![d("2025-03-01")],
                minus_days: vec![d("2025-03-01"), d("2025-03-02"), d("2025-03-30"), d("2025-03-31")],
                ..Cover::default()
            }
        );
        assert_eq!(Cover::of(d("2025-03-01"), d("2025-03-15")).days.len(), 15);
        assert!(Cover::of(d("2025-03-01"), d("2025-03-15")).minus_days.is_empty());
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
        for minus in &cover.minus_days {
            let at = days
                .iter()
                .position(|d| d == minus)
                .expect("a day taken away was counted");
            days.remove(at);
        }
        days.sort();
        let expected: Vec<NaiveDate> = from.iter_days().take_while(|day| *day <= to).collect();
        assert_eq!(days, expected, "{from}..{to}");
    }
}
