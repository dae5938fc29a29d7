//! Satisfaction by who answered: the share satisfied by sex, age band, occupation,
//! channel, procedure field and desk, for a unit's subtree over a period. Unlike every
//! other figure these need answers together (a respondent's sex beside their rating), so
//! they are computed from the stored responses, grouped by polars. A group of fewer
//! answers than the minimum sample is never shown alone: the small groups of a dimension
//! are merged, and when even together they are too few, they are left out (and counted).

use std::collections::HashMap;

use polars::prelude::*;

use crate::db::responses::Described;
use crate::forms::{Accept, Form, IndexRule};
use crate::tally::Channel;

/// The questions about the respondent a breakdown looks for, by their ids in the shipped
/// questionnaires.
pub const RESPONDENT_QUESTIONS: [&str; 3] = ["sex", "age", "occupation"];

/// What is measured in each group: the share of answers to `question` at `levels`,
/// as the form's index `index` defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub index: String,
    pub question: String,
    pub levels: Vec<i64>,
}

impl Measure {
    /// The form's overall satisfaction (an index of the «overall» group), else its first
    /// share of scale levels.
    pub fn of(form: &Form) -> Option<Measure> {
        let share = |i: &&crate::forms::IndexDef| match &i.rule {
            IndexRule::Share {
                questions,
                accept: Accept::Levels(levels),
            } => questions.first().map(|q| (q.clone(), levels.clone())),
            _ => None,
        };
        let chosen = form
            .indices
            .iter()
            .filter(|i| i.group.as_deref() == Some("overall"))
            .find(|i| share(i).is_some())
            .or_else(|| form.indices.iter().find(|i| share(i).is_some()))?;
        let (question, levels) = share(&chosen)?;
        Some(Measure {
            index: chosen.id.clone(),
            question,
            levels,
        })
    }
}

/// What the respondents are grouped by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dimension {
    /// A question about the respondent (its id); groups are its options' values.
    Question(String),
    Channel,
    Field,
    Desk,
}

/// One group: its key (an option's value, a channel, a field, a desk id; empty: not
/// given), how many answered the measured question, and the share satisfied.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub key: String,
    pub n: i64,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    pub dimension: Dimension,
    /// Groups with at least the minimum sample, largest first.
    pub groups: Vec<Group>,
    /// The smaller groups together, when together they reach the minimum sample.
    pub merged: Option<Group>,
    /// Small groups left out because even together they are too few.
    pub hidden: usize,
}

/// The breakdowns of `rows` by every dimension the form and the data have.
pub fn compute(
    form: &Form,
    measure: &Measure,
    rows: &[Described],
    channels: Option<&[Channel]>,
    min_sample: u32,
) -> PolarsResult<Vec<Breakdown>> {
    let rows: Vec<&Described> = rows
        .iter()
        .filter(|r| channels.is_none_or(|cs| r.channel.parse::<Channel>().is_ok_and(|c| cs.contains(&c))))
        .collect();
    let answer = |row: &Described, question: &str| -> Option<String> {
        row.answers
            .iter()
            .find(|(q, _)| q == question)
            .map(|(_, v)| v.clone())
    };
    // 1 satisfied, 0 not, per row; rows without a valid answer count for neither.
    let (satisfied, answered): (Vec<f64>, Vec<f64>) = rows
        .iter()
        .map(
            |row| match answer(row, &measure.question).and_then(|v| v.parse::<i64>().ok()) {
                Some(level) => (f64::from(u8::from(measure.levels.contains(&level))), 1.0),
                None => (0.0, 0.0),
            },
        )
        .unzip();
    let mut dimensions: Vec<(Dimension, Vec<String>)> = RESPONDENT_QUESTIONS
        .iter()
        .filter(|id| form.question(id).is_some())
        .map(|id| {
            let keys = rows.iter().map(|r| answer(r, id).unwrap_or_default()).collect();
            (Dimension::Question(id.to_string()), keys)
        })
        .collect();
    dimensions.push((
        Dimension::Channel,
        rows.iter().map(|r| r.channel.clone()).collect(),
    ));
    dimensions.push((
        Dimension::Field,
        rows.iter()
            .map(|r| r.procedure_field.clone().unwrap_or_default())
            .collect(),
    ));
    dimensions.push((
        Dimension::Desk,
        rows.iter()
            .map(|r| r.desk_id.map(|d| d.to_string()).unwrap_or_default())
            .collect(),
    ));
    dimensions
        .into_iter()
        .map(|(dimension, keys)| {
            let groups = grouped(keys, &satisfied, &answered)?;
            Ok(with_min_sample(dimension, groups, min_sample))
        })
        .collect()
}

/// Satisfied and answered summed by key, with polars.
fn grouped(keys: Vec<String>, satisfied: &[f64], answered: &[f64]) -> PolarsResult<Vec<Group>> {
    let height = keys.len();
    if height == 0 {
        return Ok(Vec::new());
    }
    let frame = DataFrame::new(
        height,
        vec![
            Column::new("key".into(), keys),
            Column::new("satisfied".into(), satisfied),
            Column::new("answered".into(), answered),
        ],
    )?;
    // The eager aggregation: the lazy engine is not compiled in (it would double the
    // build for two sums).
    #[allow(deprecated)]
    let sums = frame.group_by(["key"])?.select(["satisfied", "answered"]).sum()?;
    let key = sums.column("key")?.as_materialized_series().str()?.clone();
    let yes = sums
        .column("satisfied_sum")?
        .as_materialized_series()
        .f64()?
        .clone();
    let n = sums
        .column("answered_sum")?
        .as_materialized_series()
        .f64()?
        .clone();
    Ok((0..sums.height())
        .filter_map(|i| {
            let n = n.get(i)?;
            (n > 0.0).then(|| Group {
                key: key.get(i).unwrap_or_default().to_string(),
                n: n as i64,
                value: yes.get(i).unwrap_or(0.0) / n * 100.0,
            })
        })
        .collect())
}

/// Small groups merged, or left out when even together too few.
fn with_min_sample(dimension: Dimension, mut groups: Vec<Group>, min_sample: u32) -> Breakdown {
    groups.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.key.cmp(&b.key)));
    let (shown, small): (Vec<Group>, Vec<Group>) =
        groups.into_iter().partition(|g| g.n >= i64::from(min_sample));
    let n: i64 = small.iter().map(|g| g.n).sum();
    let merged = (n >= i64::from(min_sample) && small.len() > 1).then(|| Group {
        key: String::new(),
        n,
        value: small.iter().map(|g| g.value * g.n as f64).sum::<f64>() / n as f64,
    });
    Breakdown {
        dimension,
        groups: shown,
        hidden: if merged.is_some() { 0 } else { small.len() },
        merged,
    }
}

/// Desk names by id, for the desk dimension.
pub type DeskNames = HashMap<i64, String>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_groups_are_merged_or_left_out() {
        let group = |key: &str, n: i64, value: f64| Group {
            key: key.into(),
            n,
            value,
        };
        let groups = vec![group("a", 40, 80.0), group("b", 3, 100.0), group("c", 2, 50.0)];
        // Minimum 5: b and c together are 5, shown merged at (3·100 + 2·50) / 5 = 80.
        let merged = with_min_sample(Dimension::Channel, groups.clone(), 5);
        assert_eq!(merged.groups, [group("a", 40, 80.0)]);
        assert_eq!(merged.merged, Some(group("", 5, 80.0)));
        // Minimum 10: together still too few, so neither is shown.
        let hidden = with_min_sample(Dimension::Channel, groups, 10);
        assert_eq!((hidden.merged, hidden.hidden), (None, 2));
        // A single small group is never shown as «merged»: it would be itself.
        let alone = with_min_sample(
            Dimension::Channel,
            vec![group("a", 40, 80.0), group("b", 6, 50.0)],
            10,
        );
        assert_eq!((alone.merged, alone.hidden), (None, 1));
    }

    #[test]
    fn polars_sums_by_group() {
        let keys = vec!["nam".to_string(), "nữ".into(), "nam".into(), String::new()];
        let groups = grouped(keys, &[1.0, 0.0, 0.0, 1.0], &[1.0, 1.0, 1.0, 1.0]).unwrap();
        let mut by_key: Vec<(String, i64, f64)> = groups.into_iter().map(|g| (g.key, g.n, g.value)).collect();
        by_key.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            by_key,
            [
                ("".into(), 1, 100.0),
                ("nam".into(), 2, 50.0),
                ("nữ".into(), 1, 0.0)
            ]
        );
    }
}
