//! How a unit's indices are formed from its subtree (DESIGN.md §9). The measured indices
//! (shares, points) of a parent are rolled up by one of three rules; its composites are then
//! computed from its own measured values as rolled up, so a composite always equals the
//! mean of the components shown beside it:
//!
//! - `pooled`: every answer of the subtree counted together;
//! - `mean_of_children`: the unweighted mean of the children's values (each rolled up the
//!   same way), the unit's own answers, if any, one more member; its interval the same mean
//!   of their bounds; `n` the sum of the members';
//! - `weighted`: the mean of the children's values weighted by the dossiers each received
//!   in the period, Σ wᵢvᵢ / Σ wᵢ; its interval from the stratified variance
//!   Σ (wᵢ/W)² SEᵢ²; children with answers but no dossier counts are left out and listed.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use super::compute::{Estimate, complete, grade_of, measured, most_of};
use super::stats::Z95;
use crate::db::reports::TallyReads;
use crate::db::units::Unit;
use crate::forms::{Form, IndexRule, Rollup};
use crate::tally::{Channel, StoredRow, Tally, TallyError};

/// The unit tree below a report's unit.
pub struct Tree<'a> {
    pub form: &'a Form,
    children: HashMap<String, Vec<Unit>>,
    /// The report's unit and every unit below it, parents before children.
    pub subtree: Vec<String>,
}

impl<'a> Tree<'a> {
    pub fn new(form: &'a Form, root: &Unit, below: Vec<Unit>) -> Tree<'a> {
        let subtree = std::iter::once(root.code.clone())
            .chain(below.iter().map(|u| u.code.clone()))
            .collect();
        let mut children: HashMap<String, Vec<Unit>> = HashMap::new();
        for unit in below {
            if let Some(parent) = unit.parent_code.clone() {
                children.entry(parent).or_default().push(unit);
            }
        }
        Tree {
            form,
            children,
            subtree,
        }
    }

    pub fn kids(&self, code: &str) -> &[Unit] {
        self.children.get(code).map(Vec::as_slice).unwrap_or_default()
    }

    /// `code` and every unit below it.
    fn below_and_self<'s>(&'s self, code: &'s str, out: &mut Vec<&'s str>) {
        out.push(code);
        for kid in self.kids(code) {
            self.below_and_self(&kid.code, out);
        }
    }
}

/// The counted answers of every unit of a subtree over one period, in one population.
pub struct Snapshot {
    /// Each unit's own answers (not its subtree's).
    own: HashMap<String, Tally>,
    /// Each unit's whole subtree's answers, counted together (units with children only).
    pooled: HashMap<String, Tally>,
}

static EMPTY: std::sync::LazyLock<Tally> = std::sync::LazyLock::new(Tally::default);

impl Snapshot {
    /// The counts read for `tree`'s units, of the channels given (all when `None`).
    pub fn of(
        tree: &Tree<'_>,
        reads: &TallyReads,
        channels: Option<&[Channel]>,
    ) -> Result<Snapshot, TallyError> {
        let mut by_unit: HashMap<&str, Vec<StoredRow<'_>>> = HashMap::new();
        let mut rows = 0;
        for read in reads
            .rows
            .iter()
            .filter(|r| channels.is_none_or(|cs| cs.contains(&r.channel)))
        {
            by_unit.entry(&read.unit_code).or_default().push(read.stored());
            rows += 1;
        }
        let own: HashMap<String, Tally> =
            Tally::sum_groups(by_unit.into_iter().collect(), rows, &reads.keys)?
                .into_iter()
                .map(|(unit, tally)| (unit.to_string(), tally))
                .collect();
        // Children before parents, each subtree counted once; a unit without children is
        // its own answers (not copied).
        let mut pooled: HashMap<String, Tally> = HashMap::new();
        for code in tree.subtree.iter().rev() {
            let kids = tree.kids(code);
            if kids.is_empty() {
                continue;
            }
            let mut tally = own.get(code).cloned().unwrap_or_default();
            for child in kids {
                if let Some(counted) = pooled.get(&child.code).or_else(|| own.get(&child.code)) {
                    tally.merge(counted);
                }
            }
            pooled.insert(code.clone(), tally);
        }
        Ok(Snapshot { own, pooled })
    }

    /// Every answer of the subtree of `code`, counted together.
    pub fn pooled(&self, code: &str) -> &Tally {
        self.pooled
            .get(code)
            .or_else(|| self.own.get(code))
            .unwrap_or(&EMPTY)
    }

    fn own(&self, code: &str) -> &Tally {
        self.own.get(code).unwrap_or(&EMPTY)
    }
}

/// Dossiers each unit received over a period (a month partly in the period counts for the
/// share of its days inside).
#[derive(Debug, Default)]
pub struct Dossiers {
    own: HashMap<String, f64>,
}

impl Dossiers {
    /// From `(unit, month, dossiers)` rows, for the span `from..=to`.
    pub fn of(
        rows: &[(String, chrono::NaiveDate, i64)],
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Dossiers {
        let mut own: HashMap<String, f64> = HashMap::new();
        for (unit, month, count) in rows {
            let share = super::sample::share_of_month(*month, from, to);
            if share > 0.0 {
                *own.entry(unit.clone()).or_default() += *count as f64 * share;
            }
        }
        Dossiers { own }
    }

    /// Whether any unit has dossiers reported in the period.
    pub fn any(&self) -> bool {
        !self.own.is_empty()
    }

    /// The dossiers of `code` itself, when it reported any.
    fn own_of(&self, code: &str) -> Option<f64> {
        self.own.get(code).copied()
    }

    /// The dossiers of the subtree of `code`; `None` when no unit of it reported any.
    pub fn subtree_of(&self, tree: &Tree<'_>, code: &str) -> Option<f64> {
        let mut units = Vec::new();
        tree.below_and_self(code, &mut units);
        let known: Vec<f64> = units.iter().filter_map(|u| self.own_of(u)).collect();
        (!known.is_empty()).then(|| known.iter().sum())
    }
}

type Measured = Arc<Vec<Option<Estimate>>>;
type Estimates = Arc<Vec<(String, Estimate)>>;

/// A unit's indices under one roll-up, over one snapshot: computed once per unit (a report
/// needs a commune's for its own line and again for its parent).
pub struct Rolled<'a> {
    tree: &'a Tree<'a>,
    snapshot: &'a Snapshot,
    dossiers: &'a Dossiers,
    rollup: Rollup,
    measured: Mutex<HashMap<String, Measured>>,
    /// Units with answers but no dossier counts, left out of a weighted mean.
    left_out: Mutex<BTreeSet<String>>,
}

impl<'a> Rolled<'a> {
    pub fn new(
        tree: &'a Tree<'a>,
        snapshot: &'a Snapshot,
        dossiers: &'a Dossiers,
        rollup: Rollup,
    ) -> Rolled<'a> {
        Rolled {
            tree,
            snapshot,
            dossiers,
            rollup,
            measured: Mutex::default(),
            left_out: Mutex::default(),
        }
    }

    /// Every index of `code`, in the form's order.
    pub fn estimates(&self, code: &str) -> Estimates {
        Arc::new(complete(self.tree.form, self.measured(code).to_vec()))
    }

    /// The units left out of a weighted mean so far, for want of dossier counts.
    pub fn left_out(&self) -> Vec<String> {
        self.left_out
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn measured(&self, code: &str) -> Measured {
        if let Some(known) = self.measured.lock().ok().and_then(|m| m.get(code).cloned()) {
            return known;
        }
        let form = self.tree.form;
        let rolled = match self.rollup {
            Rollup::Pooled => Arc::new(measured(form, self.snapshot.pooled(code))),
            _ if self.tree.kids(code).is_empty() => Arc::new(measured(form, self.snapshot.own(code))),
            _ => self.of_members(code),
        };
        if let Ok(mut memo) = self.measured.lock() {
            memo.insert(code.to_string(), rolled.clone());
        }
        rolled
    }

    /// The weight of a member under this roll-up; `None` (and listed) when a weighted mean
    /// has no dossier count for it.
    fn weight(&self, code: &str, dossiers: Option<f64>) -> Option<f64> {
        match self.rollup {
            Rollup::Weighted => {
                if dossiers.is_none()
                    && let Ok(mut left_out) = self.left_out.lock()
                {
                    left_out.insert(code.to_string());
                }
                dossiers
            }
            _ => Some(1.0),
        }
    }

    /// A parent's measured indices from its members: its children, and its own answers.
    fn of_members(&self, code: &str) -> Measured {
        let form = self.tree.form;
        let mut members: Vec<(Measured, f64)> = Vec::new();
        for kid in self.tree.kids(code) {
            let estimates = self.measured(&kid.code);
            if !estimates.iter().flatten().any(|e| e.value.is_some()) {
                continue;
            }
            if let Some(weight) = self.weight(&kid.code, self.dossiers.subtree_of(self.tree, &kid.code)) {
                members.push((estimates, weight));
            }
        }
        if self.snapshot.own(code).responses > 0
            && let Some(weight) = self.weight(code, self.dossiers.own_of(code))
        {
            members.push((Arc::new(measured(form, self.snapshot.own(code))), weight));
        }
        let rolled = form
            .indices
            .iter()
            .enumerate()
            .map(|(at, index)| {
                if matches!(index.rule, IndexRule::Mean { .. }) {
                    return None; // A composite: computed from the values rolled up.
                }
                let parts: Vec<(&Estimate, f64)> = members
                    .iter()
                    .filter_map(|(m, w)| m[at].as_ref().filter(|e| e.value.is_some()).map(|e| (e, *w)))
                    .filter(|(_, w)| *w > 0.0)
                    .collect();
                let mut estimate = match self.rollup {
                    Rollup::Weighted => weighted_mean(&parts),
                    _ => mean_of_bounds(&parts),
                };
                if let IndexRule::Points {
                    questions, grades, ..
                } = &index.rule
                {
                    estimate.grade = estimate
                        .value
                        .and_then(|v| grade_of(grades, v / 100.0 * most_of(form, questions)));
                }
                Some(estimate)
            })
            .collect();
        Arc::new(rolled)
    }
}

/// The weighted mean of members' values, `n` their sum, the interval the same mean of
/// their bounds; empty without members.
fn mean_of_bounds(parts: &[(&Estimate, f64)]) -> Estimate {
    let weight: f64 = parts.iter().map(|(_, w)| w).sum();
    if parts.is_empty() || weight <= 0.0 {
        return Estimate::empty();
    }
    let mean = |f: &dyn Fn(&Estimate) -> f64| parts.iter().map(|(e, w)| f(e) * w).sum::<f64>() / weight;
    Estimate {
        value: Some(mean(&|e| e.value.unwrap_or(0.0))),
        n: parts.iter().map(|(e, _)| e.n).sum(),
        low: mean(&|e| e.low),
        high: mean(&|e| e.high),
        grade: None,
        missing: Vec::new(),
    }
}

/// The weighted mean of members' values with the interval of a stratified estimate: the
/// members are independent samples, so the variance is Σ (wᵢ/W)² SEᵢ².
fn weighted_mean(parts: &[(&Estimate, f64)]) -> Estimate {
    let weight: f64 = parts.iter().map(|(_, w)| w).sum();
    if parts.is_empty() || weight <= 0.0 {
        return Estimate::empty();
    }
    let value = parts.iter().map(|(e, w)| e.value.unwrap_or(0.0) * w).sum::<f64>() / weight;
    let variance: f64 = parts
        .iter()
        .map(|(e, w)| (w / weight).powi(2) * e.standard_error().powi(2))
        .sum();
    let spread = Z95 * variance.sqrt();
    Estimate {
        value: Some(value),
        n: parts.iter().map(|(e, _)| e.n).sum(),
        low: (value - spread).max(0.0),
        high: (value + spread).min(100.0),
        grade: None,
        missing: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(value: f64, low: f64, high: f64, n: i64) -> Estimate {
        Estimate {
            value: Some(value),
            n,
            low,
            high,
            grade: None,
            missing: Vec::new(),
        }
    }

    #[test]
    fn a_weighted_mean_weighs_values_and_variances_by_dossiers() {
        // Two communes: 80 ± 1.96·4 with 300 dossiers, 60 ± 1.96·2 with 100.
        let a = member(80.0, 80.0 - Z95 * 4.0, 80.0 + Z95 * 4.0, 50);
        let b = member(60.0, 60.0 - Z95 * 2.0, 60.0 + Z95 * 2.0, 40);
        let rolled = weighted_mean(&[(&a, 300.0), (&b, 100.0)]);
        // (300·80 + 100·60) / 400 = 75; SE = √(0.75²·16 + 0.25²·4) = √9.25.
        assert!((rolled.value.unwrap() - 75.0).abs() < 1e-9);
        let spread = Z95 * 9.25f64.sqrt();
        assert!((rolled.low - (75.0 - spread)).abs() < 1e-9, "{}", rolled.low);
        assert!((rolled.high - (75.0 + spread)).abs() < 1e-9);
        assert_eq!(rolled.n, 90);
    }
}
