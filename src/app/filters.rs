//! The dashboard's filters, all in the address so that a link shows the same page:
//! `?form=&period=|from=&to=&rollup=&field=&sort=&q=&page=`.

use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;

use crate::desks::DEFAULT_FORM;
use crate::forms::Rollup;
use crate::i18n::{Lang, Localized, Message};
use crate::indices::{Period, Population};
use crate::responses::procedure::normalize_field;

/// The filters as the address gives them (blank means "not given"; other parameters, such
/// as the language switch's, are the page's own).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FilterQuery {
    pub form: Option<String>,
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub rollup: Option<String>,
    pub population: Option<String>,
    pub field: Option<String>,
    pub sort: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

/// How the ranking of child units is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// By the headline index, highest first.
    Value,
    Name,
    /// Most responses first.
    Responses,
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Value => "value",
            Sort::Name => "name",
            Sort::Responses => "responses",
        }
    }
}

/// Checked filters.
#[derive(Debug, Clone)]
pub struct Filters {
    pub form: String,
    pub period: Period,
    /// `None`: the form's own rule.
    pub rollup: Option<Rollup>,
    pub population: Population,
    /// Only procedures of this field (lĩnh vực); all when `None`.
    pub field: Option<String>,
    pub sort: Sort,
    /// Words to find in comments.
    pub search: String,
    /// The page of comments, from 1.
    pub comments_page: i64,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl Filters {
    pub fn parse(query: &FilterQuery, today: NaiveDate) -> Result<Filters, Message> {
        let period = Period::choose(given(&query.period), given(&query.from), given(&query.to), today)
            .map_err(|e| e.message())?;
        let rollup =
            match given(&query.rollup) {
                None => None,
                Some(name) => Some(Rollup::ALL.into_iter().find(|r| r.as_str() == name).ok_or_else(
                    || {
                        Message::new(
                            format!(
                                "cách gộp «{name}» không hợp lệ: dùng pooled, mean_of_children hoặc weighted"
                            ),
                            format!(
                                "roll-up «{name}» is not valid: use pooled, mean_of_children or weighted"
                            ),
                        )
                    },
                )?),
            };
        let population = match given(&query.population) {
            None | Some("official") => Population::Official,
            Some("all") => Population::All,
            Some(other) => {
                return Err(Message::new(
                    format!("nhóm người trả lời «{other}» không hợp lệ: dùng official hoặc all"),
                    format!("population «{other}» is not valid: use official or all"),
                ));
            }
        };
        let sort = match given(&query.sort) {
            None | Some("value") => Sort::Value,
            Some("name") => Sort::Name,
            Some("responses") => Sort::Responses,
            Some(other) => {
                return Err(Message::new(
                    format!("cách xếp «{other}» không hợp lệ: dùng value, name hoặc responses"),
                    format!("sort «{other}» is not valid: use value, name or responses"),
                ));
            }
        };
        let comments_page = match given(&query.page) {
            None => 1,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or_else(|| {
                    Message::new(
                        format!("trang «{text}» không hợp lệ"),
                        format!("page «{text}» is not valid"),
                    )
                })?,
        };
        Ok(Filters {
            form: given(&query.form).unwrap_or(DEFAULT_FORM).to_string(),
            period,
            rollup,
            population,
            field: normalize_field(query.field.as_deref())?,
            sort,
            search: given(&query.q).unwrap_or_default().chars().take(200).collect(),
            comments_page,
        })
    }

    /// What the report itself depends on, as address parameters: form, period, roll-up,
    /// field.
    pub fn report_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("form", self.form.clone())];
        let label = self.period.label();
        match label.split_once("..") {
            Some((from, to)) => {
                pairs.push(("from", from.to_string()));
                pairs.push(("to", to.to_string()));
            }
            None => pairs.push(("period", label)),
        }
        if let Some(rollup) = self.rollup {
            pairs.push(("rollup", rollup.as_str().to_string()));
        }
        if self.population != Population::Official {
            pairs.push(("population", self.population.as_str().to_string()));
        }
        if let Some(field) = &self.field {
            pairs.push(("field", field.clone()));
        }
        pairs
    }

    /// Every filter as address parameters (the comments page aside).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = self.report_pairs();
        if self.sort != Sort::Value {
            pairs.push(("sort", self.sort.as_str().to_string()));
        }
        if !self.search.is_empty() {
            pairs.push(("q", self.search.clone()));
        }
        pairs
    }

    /// The filters as an address query, with `changes` replacing (or, when empty,
    /// removing) some of them; the comments page is dropped unless given again.
    pub fn query(&self, changes: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, String)> = self.pairs();
        for (name, value) in changes {
            pairs.retain(|(n, _)| n != name);
            if !value.is_empty() {
                pairs.push((name, value.to_string()));
            }
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

/// A period the filter offers: its address value and how it reads.
pub struct PeriodChoice {
    pub value: String,
    pub label: String,
}

/// The periods offered around `today`: this year and the two before, the quarters of this
/// year and the last, the last twelve months; and `shown`, the period on the page, when it
/// is a year, quarter or month further back (so that changing another filter keeps it).
pub fn period_choices(today: NaiveDate, lang: Lang, shown: &Period) -> Vec<PeriodChoice> {
    let mut values: Vec<String> = (today.year() - 2..=today.year())
        .rev()
        .map(|y| y.to_string())
        .collect();
    for year in (today.year() - 1..=today.year()).rev() {
        let last = if year == today.year() {
            today.month0() / 3 + 1
        } else {
            4
        };
        values.extend((1..=last).rev().map(|quarter| format!("{year}Q{quarter}")));
    }
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    values.extend(
        (0..12)
            .filter_map(|back| this_month.checked_sub_months(Months::new(back)))
            .map(|month| month.format("%Y-%m").to_string()),
    );
    let shown = shown.label();
    if !shown.contains("..") && !values.contains(&shown) {
        values.push(shown);
    }
    values
        .into_iter()
        .map(|value| period_choice(value, lang))
        .collect()
}

/// A year (`2025`), quarter (`2025Q3`) or month (`2025-07`) as the filter reads it.
fn period_choice(value: String, lang: Lang) -> PeriodChoice {
    let label = if let Some((year, quarter)) = value.split_once('Q') {
        format!("{} {quarter}/{year}", lang.pick("Quý", "Quarter"))
    } else if let Some((year, month)) = value.split_once('-') {
        format!("{} {month}/{year}", lang.pick("Tháng", "Month"))
    } else {
        format!("{} {value}", lang.pick("Năm", "Year"))
    };
    PeriodChoice { value, label }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> FilterQuery {
        serde_urlencoded::from_str(&serde_urlencoded::to_string(pairs).unwrap()).unwrap()
    }

    #[test]
    fn filters_round_trip_through_the_address() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let filters = Filters::parse(
            &query(&[
                ("form", "tt01-2018"),
                ("period", "2025Q3"),
                ("rollup", "pooled"),
                ("q", "chờ lâu"),
            ]),
            today,
        )
        .unwrap();
        let again = Filters::parse(&serde_urlencoded::from_str(&filters.query(&[])).unwrap(), today).unwrap();
        assert_eq!(again.query(&[]), filters.query(&[]));
        assert_eq!(again.period.label(), "2025Q3");
        assert!(filters.query(&[("page", "2")]).ends_with("&page=2"));
        assert!(!filters.query(&[("q", "")]).contains("q="));
        let range = Filters::parse(&query(&[("from", "2025-01-05"), ("to", "2025-02-04")]), today).unwrap();
        assert!(range.query(&[]).contains("from=2025-01-05&to=2025-02-04"));
        // Nothing given: this year, the default form, the form's roll-up.
        let default = Filters::parse(&FilterQuery::default(), today).unwrap();
        assert_eq!(
            (default.period.label().as_str(), default.form.as_str()),
            ("2026", DEFAULT_FORM)
        );
        assert_eq!(default.rollup, None);
    }

    #[test]
    fn bad_filters_are_refused_with_a_reason() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        for bad in [
            query(&[("period", "2025Q5")]),
            query(&[("period", "2025"), ("from", "2025-01-01")]),
            query(&[("rollup", "median")]),
            query(&[("sort", "random")]),
            query(&[("page", "0")]),
            query(&[("page", "x")]),
        ] {
            assert!(Filters::parse(&bad, today).is_err());
        }
    }

    #[test]
    fn the_periods_offered_end_today_and_keep_the_one_shown() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let offered = |shown: &str| -> Vec<(String, String)> {
            period_choices(today, Lang::Vi, &Period::parse(shown).unwrap())
                .into_iter()
                .map(|c| (c.value, c.label))
                .collect()
        };
        let values: Vec<String> = offered("2026").into_iter().map(|(v, _)| v).collect();
        assert_eq!(&values[..3], ["2026", "2025", "2024"]);
        assert!(values.contains(&"2026Q4".to_string()) && !values.contains(&"2027Q1".to_string()));
        assert_eq!(values.last().unwrap(), "2025-12");
        assert_eq!(values.len(), 3 + 8 + 12);
        // A month further back, shown from an address, is offered too, once.
        let with_july = offered("2025-07");
        assert_eq!(with_july.len(), 3 + 8 + 12 + 1);
        assert_eq!(
            with_july.last().unwrap(),
            &("2025-07".into(), "Tháng 07/2025".into())
        );
        assert!(with_july.contains(&("2025Q3".into(), "Quý 3/2025".into())));
        assert!(with_july.contains(&("2024".into(), "Năm 2024".into())));
        assert_eq!(offered("2021").last().unwrap().1, "Năm 2021");
        assert_eq!(offered("2025-12").len(), 3 + 8 + 12, "offered already");
    }
}
