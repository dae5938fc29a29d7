//! The indices a form declares, computed from counted answers (never from raw responses):
//! per question, how many respondents answered it and how many chose each value.
//!
//! Every index is an [`Estimate`]: a percentage with its sample size `n` and a 95%
//! interval, kept unrounded until the report rounds it. Indices are of two kinds:
//!
//! - **measured** from the answers:
//!   - `share`: accepted answers over valid answers to its questions (missing and `na`
//!     answers are left out of the denominator); Wilson interval; `n` is the number of
//!     valid answers.
//!   - `points`: the mean of each question's points summed over the questions, as a
//!     percentage of the most points all the index's questions can give (a question nobody
//!     answered earns nothing); its interval uses the sum of the questions' standard
//!     errors (the bound for items that move together), and the grade is that of the mean
//!     total.
//! - **composites** (`mean`) of other indices, computed from the values of their
//!   components *as reported* — whatever the roll-up made of those — so a composite always
//!   equals the mean of the components shown beside it (DESIGN.md §9): a value only when
//!   every component has one (otherwise `null`, naming the missing ones), unless the form
//!   allows a mean of those that have (`partial = "allow"`); `n` is the smallest
//!   component `n`, so a composite resting partly on few answers is marked low-sample; the
//!   interval is the same mean of the components' lower and upper bounds (exact when the
//!   components move together, wider than needed otherwise — never too narrow, which is
//!   the honest choice when only counts per question are kept).

use std::collections::HashMap;

use super::stats::{Z95, wilson};
use crate::forms::{Accept, Form, IndexRule, Question, Text};
use crate::tally::{NOT_APPLICABLE, Tally};

/// An index before rounding: a percentage, its sample size and 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// `None` when nobody answered, or (composites) a component has no value.
    pub value: Option<f64>,
    pub n: i64,
    pub low: f64,
    pub high: f64,
    /// The grade of a `points` index.
    pub grade: Option<Text>,
    /// The components of a composite that have no value.
    pub missing: Vec<String>,
}

impl Estimate {
    pub fn empty() -> Estimate {
        Estimate {
            value: None,
            n: 0,
            low: 0.0,
            high: 100.0,
            grade: None,
            missing: Vec::new(),
        }
    }

    /// Half the width of the interval as a standard error (for weighting children).
    pub fn standard_error(&self) -> f64 {
        (self.high - self.low) / (2.0 * Z95)
    }
}

/// Every index of `form` over the answers in `tally`, in the form's order.
pub fn compute(form: &Form, tally: &Tally) -> Vec<(String, Estimate)> {
    complete(form, measured(form, tally))
}

/// The measured indices (share, points) of `form` over `tally`, by position; `None` at
/// the composites.
pub fn measured(form: &Form, tally: &Tally) -> Vec<Option<Estimate>> {
    form.indices
        .iter()
        .map(|index| match &index.rule {
            IndexRule::Share { questions, accept } => Some(share(tally, questions, accept)),
            IndexRule::Points {
                questions, grades, ..
            } => Some(points(form, tally, questions, grades)),
            IndexRule::Mean { .. } => None,
        })
        .collect()
}

/// Every index: the measured ones as given (by position), the composites computed from
/// them by the form's rule.
pub fn complete(form: &Form, measured: Vec<Option<Estimate>>) -> Vec<(String, Estimate)> {
    // Indices by position: a report computes every unit's indices, and looking each one
    // up by id in the form's list would cost the square of their number.
    let positions: HashMap<&str, usize> = form
        .indices
        .iter()
        .enumerate()
        .map(|(at, index)| (index.id.as_str(), at))
        .collect();
    let mut done = measured;
    done.resize(form.indices.len(), None);
    for at in 0..form.indices.len() {
        evaluate(form, at, &positions, &mut done);
    }
    form.indices
        .iter()
        .zip(done)
        .map(|(index, estimate)| (index.id.clone(), estimate.unwrap_or_else(Estimate::empty)))
        .collect()
}

/// The composite at `at`, after the indices it is the mean of (the form checker rules out
/// cycles).
fn evaluate(
    form: &Form,
    at: usize,
    positions: &HashMap<&str, usize>,
    done: &mut [Option<Estimate>],
) -> Estimate {
    if let Some(known) = &done[at] {
        return known.clone();
    }
    let estimate = match &form.indices[at].rule {
        IndexRule::Mean {
            of,
            weights,
            allow_partial,
        } => {
            let parts: Vec<(String, Estimate, f64)> = of
                .iter()
                .enumerate()
                .map(|(i, part)| {
                    let weight = weights.as_ref().and_then(|w| w.get(i)).copied().unwrap_or(1.0);
                    let estimate = positions
                        .get(part.as_str())
                        .map_or_else(Estimate::empty, |p| evaluate(form, *p, positions, done));
                    (part.clone(), estimate, weight)
                })
                .collect();
            composite(&parts, *allow_partial)
        }
        // Measured indices are given; one that is not is empty.
        _ => Estimate::empty(),
    };
    done[at] = Some(estimate.clone());
    estimate
}

/// The (weighted) mean of named parts by the composite rule (see the module's doc).
pub fn composite(parts: &[(String, Estimate, f64)], allow_partial: bool) -> Estimate {
    let missing: Vec<String> = parts
        .iter()
        .filter(|(_, e, _)| e.value.is_none())
        .map(|(id, _, _)| id.clone())
        .collect();
    let present: Vec<(&Estimate, f64)> = parts
        .iter()
        .filter(|(_, e, w)| e.value.is_some() && *w > 0.0)
        .map(|(_, e, w)| (e, *w))
        .collect();
    let weight: f64 = present.iter().map(|(_, w)| w).sum();
    let smallest_n = |of: &mut dyn Iterator<Item = i64>| of.min().unwrap_or(0);
    if (!missing.is_empty() && !allow_partial) || present.is_empty() || weight <= 0.0 {
        return Estimate {
            n: smallest_n(&mut parts.iter().map(|(_, e, _)| e.n)),
            missing,
            ..Estimate::empty()
        };
    }
    let weighted = |f: &dyn Fn(&Estimate) -> f64| present.iter().map(|(e, w)| f(e) * w).sum::<f64>() / weight;
    Estimate {
        value: Some(weighted(&|e| e.value.unwrap_or(0.0))),
        n: smallest_n(&mut present.iter().map(|(e, _)| e.n)),
        low: weighted(&|e| e.low),
        high: weighted(&|e| e.high),
        grade: None,
        missing,
    }
}

fn accepts(accept: &Accept, value: &str) -> bool {
    match accept {
        Accept::Levels(levels) => value.parse::<i64>().is_ok_and(|v| levels.contains(&v)),
        Accept::Options(options) => options.iter().any(|o| o == value),
        Accept::Range(low, high) => value.parse::<i64>().is_ok_and(|v| (*low..=*high).contains(&v)),
    }
}

fn share(tally: &Tally, questions: &[String], accept: &Accept) -> Estimate {
    let n: i64 = questions.iter().map(|q| tally.answered(q)).sum();
    if n == 0 {
        return Estimate::empty();
    }
    // `answered` leaves not-applicable answers out, and no accepted set holds them.
    let k: i64 = questions
        .iter()
        .flat_map(|q| tally.values(q))
        .filter(|(value, _)| *value != NOT_APPLICABLE && accepts(accept, value))
        .map(|(_, count)| count)
        .sum();
    let (low, high) = wilson(k as f64, n as f64);
    Estimate {
        value: Some(k as f64 / n as f64 * 100.0),
        n,
        low: low * 100.0,
        high: high * 100.0,
        grade: None,
        missing: Vec::new(),
    }
}

/// The points of an answer: the level of a scale option, or the number itself.
fn points_of(question: &Question, value: &str) -> Option<f64> {
    question
        .kind
        .options()
        .iter()
        .find(|o| o.value == value)
        .and_then(|o| o.level)
        .or_else(|| value.parse::<i64>().ok())
        .map(|p| p as f64)
}

pub fn most_points(question: &Question) -> f64 {
    question
        .kind
        .options()
        .iter()
        .filter_map(|o| o.level)
        .max()
        .unwrap_or(0) as f64
}

/// The grade of a points index whose mean total is `total` points.
pub fn grade_of(grades: &[crate::forms::Grade], total: f64) -> Option<Text> {
    grades
        .iter()
        .find(|g| total + 1e-9 >= g.min)
        .map(|g| g.label.clone())
}

/// The most points the questions of a points index can give.
pub fn most_of(form: &Form, questions: &[String]) -> f64 {
    questions
        .iter()
        .filter_map(|q| form.question(q))
        .map(most_points)
        .sum()
}

fn points(form: &Form, tally: &Tally, questions: &[String], grades: &[crate::forms::Grade]) -> Estimate {
    let (mut total, mut standard_error, mut n) = (0.0, 0.0, 0);
    for question in questions.iter().filter_map(|q| form.question(q)) {
        let answered = tally.answered(&question.id);
        if answered == 0 {
            continue;
        }
        let (mut sum, mut squares) = (0.0, 0.0);
        // A not-applicable answer is not an answer: `answered` leaves it out already.
        for (value, count) in tally.values(&question.id).filter(|(v, _)| *v != NOT_APPLICABLE) {
            let p = points_of(question, value).unwrap_or(0.0);
            sum += p * count as f64;
            squares += p * p * count as f64;
        }
        let mean = sum / answered as f64;
        let variance = (squares / answered as f64 - mean * mean).max(0.0);
        total += mean;
        standard_error += (variance / answered as f64).sqrt();
        n = n.max(answered);
    }
    // Out of the most points of every question of the index: a question nobody answered
    // earns nothing, it does not shrink the scale (which would inflate the grade).
    let most = most_of(form, questions);
    if n == 0 || most <= 0.0 {
        return Estimate::empty();
    }
    let percent = |points: f64| (points / most * 100.0).clamp(0.0, 100.0);
    Estimate {
        value: Some(percent(total)),
        n,
        low: percent(total - Z95 * standard_error),
        high: percent(total + Z95 * standard_error),
        grade: grade_of(grades, total),
        missing: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(value: Option<f64>, n: i64) -> Estimate {
        Estimate {
            value,
            n,
            low: value.map_or(0.0, |v| v - 2.0),
            high: value.map_or(100.0, |v| v + 2.0),
            grade: None,
            missing: Vec::new(),
        }
    }

    fn parts(of: &[(&str, Option<f64>, i64)]) -> Vec<(String, Estimate, f64)> {
        of.iter()
            .map(|(id, value, n)| (id.to_string(), estimate(*value, *n), 1.0))
            .collect()
    }

    #[test]
    fn a_composite_needs_every_component_and_rests_on_the_smallest_n() {
        let all = composite(&parts(&[("e1", Some(80.0), 120), ("e2", Some(60.0), 4)]), false);
        assert_eq!((all.value, all.n, all.missing.len()), (Some(70.0), 4, 0));
        assert_eq!((all.low, all.high), (68.0, 72.0));
        let without_e2 = parts(&[("e1", Some(80.0), 120), ("e2", None, 0), ("e3", Some(90.0), 50)]);
        let strict = composite(&without_e2, false);
        assert_eq!((strict.value, strict.n), (None, 0));
        assert_eq!(strict.missing, ["e2"]);
        let partial = composite(&without_e2, true);
        assert_eq!(
            (partial.value, partial.n),
            (Some(85.0), 50),
            "allowed: the mean of those present"
        );
        assert_eq!(partial.missing, ["e2"], "and still names the missing one");
    }
}
