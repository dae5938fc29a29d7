//! Reporting periods: a year (`2025`), a quarter (`2025Q3`), a month (`2025-07`) or any
//! range of days, inclusive, in the deployment's time zone (the day a response belongs to
//! was fixed in that zone when it was stored).

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::i18n::{Localized, Message};

/// An inclusive range of local days, with how it was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Year,
    Quarter,
    Month,
    Days,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodError {
    Malformed(String),
    BadDate(String),
    Reversed { from: NaiveDate, to: NaiveDate },
    Both,
    HalfRange,
}

impl Localized for PeriodError {
    fn message(&self) -> Message {
        match self {
            PeriodError::Malformed(text) => Message::new(
                format!("kỳ «{text}» không hợp lệ: dùng năm (2025), quý (2025Q3) hoặc tháng (2025-07)"),
                format!(
                    "period «{text}» is not valid: use a year (2025), a quarter (2025Q3) or a month (2025-07)"
                ),
            ),
            PeriodError::BadDate(text) => Message::new(
                format!("ngày «{text}» không hợp lệ: dùng dạng 2025-07-31"),
                format!("date «{text}» is not valid: use the form 2025-07-31"),
            ),
            PeriodError::Reversed { from, to } => Message::new(
                format!("ngày bắt đầu {from} sau ngày kết thúc {to}"),
                format!("the start {from} is after the end {to}"),
            ),
            PeriodError::Both => Message::new(
                "chỉ dùng một trong hai: kỳ (--period) hoặc khoảng ngày (--from/--to)",
                "give either a period (--period) or a range of days (--from/--to), not both",
            ),
            PeriodError::HalfRange => Message::new(
                "khoảng ngày cần cả ngày bắt đầu (--from) và ngày kết thúc (--to)",
                "a range of days needs both a start (--from) and an end (--to)",
            ),
        }
    }
}

fn date(text: &str) -> Result<NaiveDate, PeriodError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| PeriodError::BadDate(text.to_string()))
}

/// The last day of the month that starts on `first`.
fn month_end(first: NaiveDate) -> NaiveDate {
    first + Months::new(1) - Days::new(1)
}

impl Period {
    /// `2025`, `2025Q3` or `2025-07`.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let malformed = || PeriodError::Malformed(text.chars().take(40).collect());
        let text = text.trim();
        let year = |y: &str| -> Result<i32, PeriodError> {
            let ok = y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit());
            ok.then(|| y.parse().ok())
                .flatten()
                .filter(|y| (1900..=9999).contains(y))
                .ok_or_else(malformed)
        };
        if let Some((y, q)) = text.split_once(['Q', 'q']) {
            let quarter: u32 = match q {
                "1" | "2" | "3" | "4" => q.parse().unwrap_or(1),
                _ => return Err(malformed()),
            };
            let from = NaiveDate::from_ymd_opt(year(y)?, quarter * 3 - 2, 1).ok_or_else(malformed)?;
            return Ok(Period {
                from,
                to: month_end(from + Months::new(2)),
                kind: Kind::Quarter,
            });
        }
        if let Some((y, m)) = text.split_once('-') {
            let month: u32 = (m.len() == 2)
                .then(|| m.parse().ok())
                .flatten()
                .ok_or_else(malformed)?;
            let from = NaiveDate::from_ymd_opt(year(y)?, month, 1).ok_or_else(malformed)?;
            return Ok(Period {
                from,
                to: month_end(from),
                kind: Kind::Month,
            });
        }
        let y = year(text)?;
        let from = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(malformed)?;
        let to = NaiveDate::from_ymd_opt(y, 12, 31).ok_or_else(malformed)?;
        Ok(Period {
            from,
            to,
            kind: Kind::Year,
        })
    }

    /// Days `from` to `to`, both included (`YYYY-MM-DD`).
    pub fn days(from: &str, to: &str) -> Result<Period, PeriodError> {
        let (from, to) = (date(from)?, date(to)?);
        if from > to {
            return Err(PeriodError::Reversed { from, to });
        }
        Ok(Period {
            from,
            to,
            kind: Kind::Days,
        })
    }

    /// The period the options of a report ask for: `--period`, `--from/--to`, or the year
    /// of `today` when neither is given.
    pub fn choose(
        period: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Period, PeriodError> {
        fn given(value: Option<&str>) -> Option<&str> {
            value.map(str::trim).filter(|v| !v.is_empty())
        }
        match (given(period), given(from), given(to)) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(PeriodError::Both),
            (Some(period), None, None) => Period::parse(period),
            (None, Some(from), Some(to)) => Period::days(from, to),
            (None, Some(_), None) | (None, None, Some(_)) => Err(PeriodError::HalfRange),
            (None, None, None) => Period::parse(&today.year().to_string()),
        }
    }

    /// The period of the same length just before: the previous year, quarter or month,
    /// or as many days right before a range of days.
    pub fn previous(&self) -> Period {
        let (from, to) = match self.kind {
            Kind::Year => (self.from - Months::new(12), self.from - Days::new(1)),
            Kind::Quarter => (self.from - Months::new(3), self.from - Days::new(1)),
            Kind::Month => (self.from - Months::new(1), self.from - Days::new(1)),
            Kind::Days => {
                let length = (self.to - self.from).num_days() as u64 + 1;
                (self.from - Days::new(length), self.from - Days::new(1))
            }
        };
        Period {
            from,
            to,
            kind: self.kind,
        }
    }

    /// How the period is written: `2025`, `2025Q3`, `2025-07`, or `2025-01-05..2025-02-04`.
    pub fn label(&self) -> String {
        match self.kind {
            Kind::Year => self.from.format("%Y").to_string(),
            Kind::Quarter => format!("{}Q{}", self.from.year(), self.from.month0() / 3 + 1),
            Kind::Month => self.from.format("%Y-%m").to_string(),
            Kind::Days => format!("{}..{}", self.from, self.to),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        date(text).unwrap()
    }

    #[test]
    fn years_quarters_months_and_days() {
        let year = Period::parse("2025").unwrap();
        assert_eq!((year.from, year.to), (d("2025-01-01"), d("2025-12-31")));
        let quarter = Period::parse("2025Q3").unwrap();
        assert_eq!((quarter.from, quarter.to), (d("2025-07-01"), d("2025-09-30")));
        let q1 = Period::parse("2024q1").unwrap();
        assert_eq!((q1.from, q1.to), (d("2024-01-01"), d("2024-03-31")));
        let february = Period::parse("2024-02").unwrap();
        assert_eq!(
            (february.from, february.to),
            (d("2024-02-01"), d("2024-02-29")),
            "a leap year"
        );
        let days = Period::days("2025-01-05", "2025-02-04").unwrap();
        assert_eq!(days.label(), "2025-01-05..2025-02-04");
        assert_eq!(
            Period::days("2025-03-01", "2025-03-01").unwrap().to,
            d("2025-03-01")
        );
    }

    #[test]
    fn the_previous_period_has_the_same_length() {
        assert_eq!(Period::parse("2025").unwrap().previous().label(), "2024");
        assert_eq!(Period::parse("2025Q1").unwrap().previous().label(), "2024Q4");
        let march = Period::parse("2025-03").unwrap().previous();
        assert_eq!((march.from, march.to), (d("2025-02-01"), d("2025-02-28")));
        // 31 days (5 January to 4 February) → the 31 days before.
        let days = Period::days("2025-01-05", "2025-02-04").unwrap().previous();
        assert_eq!((days.from, days.to), (d("2024-12-05"), d("2025-01-04")));
    }

    #[test]
    fn malformed_periods_are_refused() {
        for bad in [
            "",
            "25",
            "2025Q5",
            "2025Q0",
            "2025-13",
            "2025-7",
            "20250",
            "năm 2025",
            "2025-07-01",
        ] {
            assert!(
                matches!(Period::parse(bad), Err(PeriodError::Malformed(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Period::days("2025-02-30", "2025-03-01"),
            Err(PeriodError::BadDate(_))
        ));
        assert!(matches!(
            Period::days("2025-03-02", "2025-03-01"),
            Err(PeriodError::Reversed { .. })
        ));
        let today = d("2026-11-22");
        assert_eq!(Period::choose(None, None, None, today).unwrap().label(), "2026");
        assert_eq!(
            Period::choose(Some("2025"), Some("2025-01-01"), None, today),
            Err(PeriodError::Both)
        );
        assert_eq!(
            Period::choose(None, Some("2025-01-01"), None, today),
            Err(PeriodError::HalfRange)
        );
    }
}
