//! Where a unit stands among its siblings: its rank in its parent's ranking and the
//! parent's own figure, taken from the parent's report — and nothing else of it, so the
//! unit's officials learn their place without reading their neighbours' figures.

use serde::Serialize;

use super::report::{IndexValue, Report, Unranked};
use crate::forms::Rollup;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    pub parent: String,
    pub parent_name: String,
    /// The unit's rank by the parent's ranked index; `None` when it may not be ranked.
    pub rank: Option<usize>,
    /// Why it is not ranked.
    pub unranked: Option<Unranked>,
    /// How many siblings (the unit among them) are ranked.
    pub ranked: usize,
    /// How many children the parent has.
    pub siblings: usize,
    /// The parent's figure of the ranked index, and how it was formed.
    pub parent_value: Option<IndexValue>,
    pub rollup: Rollup,
}

impl Standing {
    /// The standing of `unit` in `parent`'s report; `None` when it is not one of its
    /// children.
    pub fn of(parent: &Report, unit: &str) -> Option<Standing> {
        let own = parent.children.iter().find(|c| c.unit == unit)?;
        Some(Standing {
            parent: parent.unit.clone(),
            parent_name: parent.name.clone(),
            rank: own.rank,
            unranked: own.unranked,
            ranked: parent.children.iter().filter(|c| c.rank.is_some()).count(),
            siblings: parent.children.len(),
            parent_value: parent.indices.get(&parent.rank_by).cloned(),
            rollup: parent.rollup,
        })
    }
}
