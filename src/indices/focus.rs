//! What to fix first, worked out from a report: the weakest criteria of the unit, and the
//! lowest and highest of its children among those that may be ranked (the report's
//! eligibility rule, DESIGN.md §9 — a unit with a small sample or its target unmet is
//! neither praised nor blamed here). The dashboard and the report files show the same.

use serde::Serialize;

use super::report::{ChildReport, IndexValue, Report};
use crate::forms::{Form, IndexRule};

/// How many of each the lists hold.
pub const FOCUS_SIZE: usize = 3;

/// A criterion with its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    pub id: String,
    pub value: IndexValue,
}

/// A ranked child with its value of the ranked index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedUnit {
    pub unit: String,
    pub name: String,
    pub rank: usize,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Focus {
    /// The criteria with the lowest values, lowest first.
    pub weakest: Vec<Criterion>,
    /// The ranked children at the bottom, lowest first (none of them also in `highest`).
    pub lowest: Vec<RankedUnit>,
    /// The ranked children at the top, highest first.
    pub highest: Vec<RankedUnit>,
}

impl Focus {
    pub fn of(form: &Form, report: &Report) -> Focus {
        let (highest, lowest) = extremes(&report.children, &report.rank_by);
        Focus {
            weakest: weakest_criteria(form, report),
            lowest,
            highest,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.weakest.is_empty() && self.lowest.is_empty() && self.highest.is_empty()
    }
}

/// The criteria of a form: the components of its elements; for a form without elements,
/// the components of its headline (so a one-question form has none).
pub fn criteria(form: &Form) -> Vec<&str> {
    let components = |id: &str| -> Vec<&str> {
        match form.index(id).map(|i| &i.rule) {
            Some(IndexRule::Mean { of, .. }) => of.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    };
    let of_elements: Vec<&str> = form
        .indices
        .iter()
        .filter(|i| i.group.as_deref() == Some("element"))
        .flat_map(|i| components(&i.id))
        .collect();
    if of_elements.is_empty() {
        components(&form.headline)
    } else {
        of_elements
    }
}

/// The criteria with a value, lowest first (ties in the form's order).
fn weakest_criteria(form: &Form, report: &Report) -> Vec<Criterion> {
    let mut valued: Vec<Criterion> = criteria(form)
        .into_iter()
        .filter_map(|id| {
            let value = report.indices.get(id)?;
            value.value.map(|_| Criterion {
                id: id.to_string(),
                value: value.clone(),
            })
        })
        .collect();
    // A stable sort keeps the form's order among equal values.
    valued.sort_by(|a, b| {
        a.value
            .value
            .unwrap_or(0.0)
            .total_cmp(&b.value.value.unwrap_or(0.0))
    });
    valued.truncate(FOCUS_SIZE);
    valued
}

/// The top and the bottom of the ranked children, by the report's own ranking.
fn extremes(children: &[ChildReport], index: &str) -> (Vec<RankedUnit>, Vec<RankedUnit>) {
    let ranked: Vec<RankedUnit> = children
        .iter()
        .filter_map(|c| {
            Some(RankedUnit {
                unit: c.unit.clone(),
                name: c.name.clone(),
                rank: c.rank?,
                value: c.indices.get(index)?.value?,
            })
        })
        .collect();
    // Fewer than six ranked units are split between the two lists, the top taking the
    // odd one, so that no unit is both among the highest and the lowest.
    let top = FOCUS_SIZE.min(ranked.len().div_ceil(2));
    let bottom = FOCUS_SIZE.min(ranked.len() - top);
    let highest: Vec<RankedUnit> = ranked.iter().take(top).cloned().collect();
    let lowest: Vec<RankedUnit> = ranked.iter().rev().take(bottom).cloned().collect();
    (highest, lowest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indices::report::{Indices, Unranked};
    use crate::indices::sample::Sample;

    fn child(unit: &str, rank: Option<usize>, value: f64) -> ChildReport {
        ChildReport {
            unit: unit.into(),
            name: unit.into(),
            responses: 10,
            rank,
            unranked: rank.is_none().then_some(Unranked::LowSample),
            sample: Sample::new(None, 10, 0.05),
            indices: Indices(vec![(
                "sipas".into(),
                IndexValue {
                    value: Some(value),
                    n: 10,
                    ci95: None,
                    low_sample: rank.is_none(),
                    change: None,
                    grade: None,
                    missing: Vec::new(),
                },
            )]),
        }
    }

    #[test]
    fn the_extremes_are_ranked_units_only_and_never_listed_twice() {
        let children: Vec<ChildReport> = (1..=8)
            .map(|r| child(&format!("u{r}"), Some(r), 100.0 - r as f64))
            .chain([child("small", None, 10.0)])
            .collect();
        let (highest, lowest) = extremes(&children, "sipas");
        let units = |list: &[RankedUnit]| list.iter().map(|u| u.unit.clone()).collect::<Vec<_>>();
        assert_eq!(units(&highest), ["u1", "u2", "u3"]);
        // The small sample's 10 % is not "the lowest": it may not be ranked.
        assert_eq!(units(&lowest), ["u8", "u7", "u6"]);
        // Five ranked units: three at the top, two at the bottom; two: one and one.
        let (highest, lowest) = extremes(&children[..5], "sipas");
        assert_eq!(
            (units(&highest), units(&lowest)),
            (
                vec!["u1".into(), "u2".into(), "u3".into()],
                vec!["u5".into(), "u4".into()]
            )
        );
        let (highest, lowest) = extremes(&children[..2], "sipas");
        assert_eq!(
            (units(&highest), units(&lowest)),
            (vec!["u1".to_string()], vec!["u2".to_string()])
        );
        let (highest, lowest) = extremes(&children[8..], "sipas");
        assert!(highest.is_empty() && lowest.is_empty());
    }
}
