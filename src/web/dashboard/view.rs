//! The dashboard's ranking of child units, what to fix first and where the unit stands,
//! written for people from the report.

use crate::forms::Form;
use crate::i18n::Lang;
use crate::indices::focus::{Focus, RankedUnit};
use crate::indices::report::{ChildReport, Report};
pub use crate::present::standing_text;
use crate::present::{Figure, sample_text};

use super::filters::Sort;

/// A child unit in the ranking.
pub struct ChildRow {
    pub code: String,
    pub name: String,
    /// The rank, or «—» and why the unit is not ranked.
    pub rank: String,
    pub unranked: String,
    pub responses: String,
    /// «đạt cỡ mẫu (160/154)», «chưa đạt cỡ mẫu (40/154)», or empty without dossiers.
    pub sample: String,
    pub sample_met: bool,
    pub figure: Figure,
}

pub fn ranking(children: &[ChildReport], form: &Form, index: &str, sort: Sort, lang: Lang) -> Vec<ChildRow> {
    let mut order: Vec<&ChildReport> = children.iter().collect();
    match sort {
        // The report ranks by value already (units without a value last).
        Sort::Value => {}
        Sort::Name => order.sort_by(|a, b| a.name.cmp(&b.name)),
        Sort::Responses => order.sort_by(|a, b| b.responses.cmp(&a.responses).then(a.name.cmp(&b.name))),
    }
    order
        .into_iter()
        .map(|child| ChildRow {
            code: child.unit.clone(),
            name: child.name.clone(),
            rank: child.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
            unranked: child
                .unranked
                .map(|why| why.message().get(lang).to_string())
                .unwrap_or_default(),
            responses: lang.number(child.responses as f64, 0),
            sample: sample_text(&child.sample, lang),
            sample_met: child.sample.met != Some(false),
            figure: Figure::new(form, index, child.indices.get(index), lang),
        })
        .collect()
}

/// A unit at the top or bottom of the ranking.
pub struct UnitLine {
    pub code: String,
    pub name: String,
    pub rank: usize,
    pub value: String,
}

/// «Cần cải thiện trước»: the weakest criteria, the lowest and the highest ranked units.
pub struct FocusView {
    pub weakest: Vec<Figure>,
    pub lowest: Vec<UnitLine>,
    pub highest: Vec<UnitLine>,
}

impl FocusView {
    pub fn new(focus: &Focus, form: &Form, report: &Report, lang: Lang) -> FocusView {
        let line = |u: &RankedUnit| UnitLine {
            code: u.unit.clone(),
            name: u.name.clone(),
            rank: u.rank,
            value: lang.number(u.value, 2),
        };
        FocusView {
            weakest: focus
                .weakest
                .iter()
                .map(|c| Figure::new(form, &c.id, report.indices.get(&c.id), lang))
                .collect(),
            lowest: focus.lowest.iter().map(line).collect(),
            highest: focus.highest.iter().map(line).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.weakest.is_empty() && self.lowest.is_empty() && self.highest.is_empty()
    }
}
