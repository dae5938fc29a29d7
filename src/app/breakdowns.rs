//! Satisfaction by who answered, for a unit's subtree, a period and a population: read
//! the responses, group them (indices::breakdown), name the groups' desks. Used by the
//! page `/units/{code}/breakdowns` and the official report.

use std::collections::HashMap;

use crate::db::{self, DbConnection};
use crate::forms::Form;
use crate::indices::breakdown::{self, Breakdown, Measure};
use crate::indices::{Period, Population, ReportError};

/// Satisfaction by who answered, with what it measures and the desks' names.
pub struct Breakdowns {
    /// `None`: the form has no satisfaction share to break down.
    pub measure: Option<Measure>,
    pub breakdowns: Vec<Breakdown>,
    pub desks: HashMap<i64, String>,
}

pub struct BreakdownQuery<'a> {
    pub unit: &'a str,
    pub form: &'a Form,
    pub period: Period,
    pub field: Option<&'a str>,
    pub population: Population,
    pub min_sample: u32,
}

pub fn load(conn: &mut DbConnection, query: &BreakdownQuery<'_>) -> Result<Breakdowns, ReportError> {
    let form = query.form;
    let Some(measure) = Measure::of(form) else {
        return Ok(Breakdowns {
            measure: None,
            breakdowns: Vec::new(),
            desks: HashMap::new(),
        });
    };
    let units = db::units::subtree_codes(conn, query.unit)?;
    let versions: Vec<i64> = db::forms::versions_of(conn, &form.id)?
        .iter()
        .map(|v| v.id)
        .collect();
    let rows = db::responses::described(
        conn,
        &units,
        &versions,
        (query.period.from, query.period.to),
        query.field,
    )?;
    let channels = match query.population {
        Population::Official => form.official_channels.as_deref(),
        Population::All => None,
    };
    let breakdowns = breakdown::compute(form, &measure, &rows, channels, query.min_sample)
        .map_err(|e| ReportError::Compute(e.to_string()))?;
    let desks = db::desks::list(conn, Some(&units))?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    Ok(Breakdowns {
        measure: Some(measure),
        breakdowns,
        desks,
    })
}
