//! The report of a unit: every index of a form over a period for the unit's whole
//! subtree, rolled up by the form's rule (and the other rule alongside), the change since
//! the previous period, the children ranked, responses by channel, and tickets issued vs
//! answered. Its JSON is the document of DESIGN.md §5; other programs parse it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::ser::SerializeMap;

use super::compute::{Estimate, StoredRow, Tally, compute, mean};
use super::period::Period;
use super::stats::round2;
use crate::db::units::Unit;
use crate::db::{self, DbConnection, DbError};
use crate::forms::{Form, FormRegistry, Rollup, Text};
use crate::i18n::{Localized, Message};

/// What a report is asked for.
pub struct ReportRequest<'a> {
    pub unit: &'a str,
    pub form: &'a str,
    pub period: Period,
    /// The form's own rule when `None`.
    pub rollup: Option<Rollup>,
    /// The index children are ranked by; the form's headline when `None`.
    pub rank_by: Option<&'a str>,
    /// Below this `n` an index is `low_sample`.
    pub min_sample: u32,
    /// Only responses to procedures of this field (lĩnh vực); all when `None`.
    pub field: Option<&'a str>,
}

#[derive(Debug)]
pub enum ReportError {
    UnknownUnit(String),
    UnknownForm { form: String, known: Vec<String> },
    UnknownIndex { index: String, form: String },
    Db(DbError),
}

impl Localized for ReportError {
    fn message(&self) -> Message {
        match self {
            ReportError::UnknownUnit(code) => Message::new(
                format!("không có đơn vị mã «{code}»"),
                format!("there is no unit with code «{code}»"),
            ),
            ReportError::UnknownForm { form, known } => Message::new(
                format!("không có phiếu khảo sát «{form}» (có: {})", known.join(", ")),
                format!(
                    "there is no questionnaire «{form}» (there are: {})",
                    known.join(", ")
                ),
            ),
            ReportError::UnknownIndex { index, form } => Message::new(
                format!("phiếu «{form}» không có chỉ số «{index}»"),
                format!("questionnaire «{form}» has no index «{index}»"),
            ),
            ReportError::Db(e) => e.message(),
        }
    }
}

impl From<DbError> for ReportError {
    fn from(e: DbError) -> Self {
        ReportError::Db(e)
    }
}

impl From<diesel::result::Error> for ReportError {
    fn from(e: diesel::result::Error) -> Self {
        ReportError::Db(e.into())
    }
}

/// An index as reports show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexValue {
    /// A percentage rounded half-up to two decimals; `null` only when `n` is 0.
    pub value: Option<f64>,
    pub n: i64,
    /// The 95% interval, rounded like the value; `null` when `n` is 0.
    pub ci95: Option<[f64; 2]>,
    /// `n` is below the minimum sample: read the value with care (public pages hide it).
    pub low_sample: bool,
    /// The change in points since the previous period, when both have a value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<f64>,
    /// The grade of a points index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<Text>,
}

impl IndexValue {
    fn new(estimate: &Estimate, previous: Option<&Estimate>, min_sample: u32) -> IndexValue {
        // The difference of the two values as shown, so the figures on a page add up.
        let change = match (estimate.value, previous.and_then(|p| p.value)) {
            (Some(now), Some(before)) => Some(((round2(now) - round2(before)) * 100.0).round() / 100.0),
            _ => None,
        };
        IndexValue {
            value: estimate.value.map(round2),
            n: estimate.n,
            ci95: estimate
                .value
                .map(|_| [round2(estimate.low), round2(estimate.high)]),
            low_sample: estimate.n < i64::from(min_sample),
            change,
            grade: estimate.grade.clone(),
        }
    }
}

/// Indices by id, in the order the form declares them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Indices(pub Vec<(String, IndexValue)>);

impl Indices {
    pub fn get(&self, id: &str) -> Option<&IndexValue> {
        self.0.iter().find(|(i, _)| i == id).map(|(_, v)| v)
    }
}

impl Serialize for Indices {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, value) in &self.0 {
            map.serialize_entry(id, value)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OtherRollup {
    pub rollup: Rollup,
    pub indices: Indices,
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketFigures {
    pub issued: i64,
    pub answered: i64,
    /// Answered over issued, in percent; `null` when none were issued.
    pub response_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviousPeriod {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub responses: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChildReport {
    pub unit: String,
    pub name: String,
    pub responses: i64,
    /// Position by `rank_by` (1 = highest); units without a value come last, unranked.
    pub rank: Option<usize>,
    pub indices: Indices,
}

/// The report document (DESIGN.md §5, with more fields after the contract's).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub unit: String,
    pub form: String,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub rollup: Rollup,
    pub responses: i64,
    pub indices: Indices,
    pub children: Vec<ChildReport>,
    pub name: String,
    pub period: String,
    pub form_version: String,
    /// The official figure of the form.
    pub headline: String,
    pub rank_by: String,
    pub min_sample: u32,
    pub other_rollup: OtherRollup,
    pub channels: BTreeMap<String, i64>,
    pub tickets: TicketFigures,
    pub previous: PreviousPeriod,
    /// The procedure field the report is narrowed to, if any.
    pub field: Option<String>,
}

/// The counted answers of every unit of a subtree over one period.
struct Snapshot {
    /// Each unit's own responses (not its subtree's).
    own: HashMap<String, Tally>,
    /// Each unit's whole subtree's responses, counted together (units with children only).
    pooled: HashMap<String, Tally>,
    /// The indices of each unit's pooled responses, once computed: a report needs a
    /// commune's for its own line and again for its parent's mean of children.
    computed: Mutex<HashMap<String, Arc<Estimates>>>,
}

/// Every index of a form, in its order.
type Estimates = Vec<(String, Estimate)>;

impl Snapshot {
    /// The counts of `tree`'s units (parents before children) over the period.
    fn load(
        conn: &mut DbConnection,
        tree: &Tree<'_>,
        versions: &[i64],
        field: Option<&str>,
        period: &Period,
    ) -> Result<Snapshot, DbError> {
        let units = &tree.subtree;
        let reads = db::reports::tallies(conn, units, versions, field, period.from, period.to)?;
        let mut by_unit: HashMap<&str, Vec<StoredRow<'_>>> = HashMap::new();
        for read in &reads.rows {
            by_unit.entry(&read.unit_code).or_default().push((
                read.form_version_id,
                &read.counts,
                read.responses,
                read.sign,
            ));
        }
        let own: HashMap<String, Tally> =
            Tally::sum_groups(by_unit.into_iter().collect(), reads.rows.len(), &reads.keys)?
                .into_iter()
                .map(|(unit, tally)| (unit.to_string(), tally))
                .collect();
        // Children before parents, each subtree counted once; a unit without children is
        // its own responses (not copied).
        let mut pooled: HashMap<String, Tally> = HashMap::new();
        for code in units.iter().rev() {
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
        Ok(Snapshot {
            own,
            pooled,
            computed: Mutex::default(),
        })
    }

    /// The indices of the subtree of `code`, counted together.
    fn pooled_estimates(&self, form: &Form, code: &str) -> Arc<Estimates> {
        let mut computed = self
            .computed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        computed
            .entry(code.to_string())
            .or_insert_with(|| Arc::new(compute(form, self.pooled_tally(code))))
            .clone()
    }

    /// Every answer of the subtree of `code`, counted together.
    fn pooled_tally(&self, code: &str) -> &Tally {
        static EMPTY: std::sync::LazyLock<Tally> = std::sync::LazyLock::new(Tally::default);
        self.pooled
            .get(code)
            .or_else(|| self.own.get(code))
            .unwrap_or(&EMPTY)
    }
}

/// The unit tree below the report's unit.
struct Tree<'a> {
    form: &'a Form,
    children: HashMap<String, Vec<Unit>>,
    /// The report's unit and every unit below it, parents before children.
    subtree: Vec<String>,
}

impl Tree<'_> {
    fn kids(&self, code: &str) -> &[Unit] {
        self.children.get(code).map(Vec::as_slice).unwrap_or_default()
    }

    fn estimates(&self, snapshot: &Snapshot, code: &str, rollup: Rollup) -> Arc<Estimates> {
        match rollup {
            Rollup::Pooled => snapshot.pooled_estimates(self.form, code),
            Rollup::MeanOfChildren => self.mean_of_children(snapshot, code),
        }
    }

    /// The unweighted mean of the children's indices (each rolled up the same way), the
    /// unit's own responses, if any, counting as one more member; a unit without
    /// children is its own responses. `n` is the sum of the members'.
    fn mean_of_children(&self, snapshot: &Snapshot, code: &str) -> Arc<Estimates> {
        if self.kids(code).is_empty() {
            // Its own responses, which are all its subtree's.
            return snapshot.pooled_estimates(self.form, code);
        }
        let own = snapshot.own.get(code).filter(|t| t.responses > 0);
        let mut members: Vec<Arc<Estimates>> = self
            .kids(code)
            .iter()
            .map(|child| self.mean_of_children(snapshot, &child.code))
            .filter(|m| m.iter().any(|(_, e)| e.value.is_some()))
            .collect();
        if members.is_empty() {
            return Arc::new(compute(self.form, own.unwrap_or(&Tally::default())));
        }
        if let Some(own) = own {
            members.push(Arc::new(compute(self.form, own)));
        }
        let rolled_up = self
            .form
            .indices
            .iter()
            .enumerate()
            .map(|(i, index)| {
                let parts: Vec<(Estimate, f64)> = members.iter().map(|m| (m[i].1.clone(), 1.0)).collect();
                let mut estimate = mean(&parts);
                estimate.n = parts
                    .iter()
                    .filter(|(e, _)| e.value.is_some())
                    .map(|(e, _)| e.n)
                    .sum();
                estimate.grade = None;
                (index.id.clone(), estimate)
            })
            .collect();
        Arc::new(rolled_up)
    }
}

fn indices(now: &[(String, Estimate)], before: &[(String, Estimate)], min_sample: u32) -> Indices {
    Indices(
        now.iter()
            .zip(before)
            .map(|((id, estimate), (_, previous))| {
                (id.clone(), IndexValue::new(estimate, Some(previous), min_sample))
            })
            .collect(),
    )
}

/// Builds the report of a unit.
pub fn build(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    request: &ReportRequest<'_>,
) -> Result<Report, ReportError> {
    build_with_spare(conn, None, forms, request)
}

/// The same, reading the previous period on `spare` at the same time as the period itself
/// when a second connection is at hand (a report reads both, and each is as big).
pub fn build_with_spare(
    conn: &mut DbConnection,
    spare: Option<&mut DbConnection>,
    forms: &FormRegistry,
    request: &ReportRequest<'_>,
) -> Result<Report, ReportError> {
    let unit = db::units::find(conn, request.unit)?
        .ok_or_else(|| ReportError::UnknownUnit(request.unit.to_string()))?;
    let registered = forms
        .current(request.form)
        .ok_or_else(|| ReportError::UnknownForm {
            form: request.form.to_string(),
            known: forms.ids(),
        })?;
    let form = &registered.form;
    let rank_by = request.rank_by.unwrap_or(&form.headline).to_string();
    if form.index(&rank_by).is_none() {
        return Err(ReportError::UnknownIndex {
            index: rank_by,
            form: form.id.clone(),
        });
    }
    let versions: Vec<i64> = db::forms::versions_of(conn, &form.id)?
        .iter()
        .map(|v| v.id)
        .collect();

    let below = db::units::descendants(conn, &unit.code)?;
    let subtree: Vec<String> = std::iter::once(unit.code.clone())
        .chain(below.iter().map(|u| u.code.clone()))
        .collect();
    let mut children: HashMap<String, Vec<Unit>> = HashMap::new();
    for u in below {
        if let Some(parent) = u.parent_code.clone() {
            children.entry(parent).or_default().push(u);
        }
    }
    let tree = Tree {
        form,
        children,
        subtree,
    };

    let previous_period = request.period.previous();
    let (now, before) = match spare {
        Some(spare) => std::thread::scope(|scope| {
            let before =
                scope.spawn(|| Snapshot::load(spare, &tree, &versions, request.field, &previous_period));
            let now = Snapshot::load(conn, &tree, &versions, request.field, &request.period);
            let before = before
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (now, before)
        }),
        None => (
            Snapshot::load(conn, &tree, &versions, request.field, &request.period),
            Snapshot::load(conn, &tree, &versions, request.field, &previous_period),
        ),
    };
    let (now, before) = (now?, before?);
    let rollup = request.rollup.unwrap_or(form.rollup);
    let other = match rollup {
        Rollup::Pooled => Rollup::MeanOfChildren,
        Rollup::MeanOfChildren => Rollup::Pooled,
    };
    let report_of = |code: &str, rollup: Rollup| {
        indices(
            &tree.estimates(&now, code, rollup),
            &tree.estimates(&before, code, rollup),
            request.min_sample,
        )
    };
    let responses_of = |snapshot: &Snapshot, code: &str| snapshot.pooled_tally(code).responses;

    let mut child_reports: Vec<ChildReport> = tree
        .kids(&unit.code)
        .iter()
        .map(|child| ChildReport {
            unit: child.code.clone(),
            name: child.name.clone(),
            responses: responses_of(&now, &child.code),
            rank: None,
            indices: report_of(&child.code, rollup),
        })
        .collect();
    rank(&mut child_reports, &rank_by);

    let tickets = db::reports::ticket_counts(
        conn,
        &tree.subtree,
        request.field,
        request.period.from,
        request.period.to,
    )?;
    let (issued, answered) = tickets
        .iter()
        .fold((0, 0), |(i, a), (_, issued, answered)| (i + issued, a + answered));
    Ok(Report {
        unit: unit.code.clone(),
        form: form.id.clone(),
        from: request.period.from,
        to: request.period.to,
        rollup,
        responses: responses_of(&now, &unit.code),
        indices: report_of(&unit.code, rollup),
        children: child_reports,
        name: unit.name.clone(),
        period: request.period.label(),
        form_version: registered.version_label(),
        headline: form.headline.clone(),
        rank_by,
        min_sample: request.min_sample,
        other_rollup: OtherRollup {
            rollup: other,
            indices: report_of(&unit.code, other),
        },
        channels: now.pooled_tally(&unit.code).channels(),
        tickets: TicketFigures {
            issued,
            answered,
            response_rate: (issued > 0).then(|| round2(answered as f64 / issued as f64 * 100.0)),
        },
        previous: PreviousPeriod {
            from: previous_period.from,
            to: previous_period.to,
            responses: responses_of(&before, &unit.code),
        },
        field: request.field.map(str::to_string),
    })
}

/// Orders children by the index, highest first, then by name; numbers those with a value.
fn rank(children: &mut [ChildReport], index: &str) {
    let value = |c: &ChildReport| c.indices.get(index).and_then(|v| v.value);
    children.sort_by(|a, b| match (value(a), value(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.name.cmp(&b.name)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    });
    for (position, child) in children.iter_mut().enumerate() {
        child.rank = value(child).map(|_| position + 1);
    }
}
