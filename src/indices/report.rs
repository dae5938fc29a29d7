//! The report of a unit: every index of a form over a period for the unit's whole subtree,
//! in the official population or all answers, rolled up by the form's rule (and another
//! alongside), the change since the previous period, the sample against its target, the
//! children ranked (only those whose figure can be defended), responses by channel,
//! tickets issued vs answered, and the method stated. Its JSON is the document of
//! DESIGN.md §5; other programs parse it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

use super::compute::Estimate;
use super::period::Period;
use super::rollup::{Dossiers, Rolled, Snapshot, Tree};
use super::sample::Sample;
use super::stats::round2;
use crate::db::reports::Rows;
use crate::db::units::Unit;
use crate::db::{self, DbConnection, DbError};
use crate::forms::{Form, FormRegistry, IndexRule, RegisteredForm, Rollup, Text};
use crate::i18n::{Localized, Message};
use crate::tally::{Channel, TallyError};

/// Whose answers a figure counts (DESIGN.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Population {
    /// The channels the form declares official (verified respondents).
    Official,
    /// Every answer, volunteered ones (the desk poster) included.
    All,
}

impl Population {
    pub fn as_str(self) -> &'static str {
        match self {
            Population::Official => "official",
            Population::All => "all",
        }
    }

    fn other(self) -> Population {
        match self {
            Population::Official => Population::All,
            Population::All => Population::Official,
        }
    }
}

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
    pub population: Population,
    /// The margin of error of sample targets (0.05: Slovin at 5%).
    pub sample_margin: f64,
}

#[derive(Debug)]
pub enum ReportError {
    UnknownUnit(String),
    UnknownForm {
        form: String,
        known: Vec<String>,
    },
    UnknownIndex {
        index: String,
        form: String,
    },
    /// A weighted roll-up was asked for, but no dossier counts cover the period.
    NoDossiers {
        unit: String,
        period: String,
    },
    Db(DbError),
    /// Stored counts that cannot be read.
    Tally(TallyError),
    /// Stored answers that could not be grouped (a breakdown).
    Compute(String),
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
            ReportError::NoDossiers { unit, period } => Message::new(
                format!(
                    "chưa có số hồ sơ nào của đơn vị {unit} và các đơn vị trực thuộc trong kỳ {period}, nên không tính được bình quân có trọng số (nhập số hồ sơ: sipas dossiers import)"
                ),
                format!(
                    "no dossier counts of unit {unit} or the units under it cover {period}, so a weighted roll-up cannot be computed (import them: sipas dossiers import)"
                ),
            ),
            ReportError::Db(e) => e.message(),
            ReportError::Tally(e) => Message::new(
                format!("số liệu đã đếm không đọc được: {e}"),
                format!("stored counts cannot be read: {e}"),
            ),
            ReportError::Compute(e) => Message::new(
                format!("không tính được số liệu theo nhóm người trả lời: {e}"),
                format!("the breakdown by respondent could not be computed: {e}"),
            ),
        }
    }
}

impl From<DbError> for ReportError {
    fn from(e: DbError) -> Self {
        ReportError::Db(e)
    }
}

impl From<TallyError> for ReportError {
    fn from(e: TallyError) -> Self {
        ReportError::Tally(e)
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
    /// A percentage rounded half-up to two decimals; `null` when `n` is 0 or (composites)
    /// a component has no value.
    pub value: Option<f64>,
    pub n: i64,
    /// The 95% interval, rounded like the value; `null` without a value.
    pub ci95: Option<[f64; 2]>,
    /// `n` is below the minimum sample (for a composite: some component's is): read the
    /// value with care (public pages hide it).
    pub low_sample: bool,
    /// The change in points since the previous period, when both have a value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<f64>,
    /// The grade of a points index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<Text>,
    /// The components of a composite that have no value (why it has none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
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
            missing: estimate.missing.clone(),
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

/// The unit's figures in the other population, for a page that shows both.
#[derive(Debug, Clone, Serialize)]
pub struct OtherPopulation {
    pub population: Population,
    pub responses: i64,
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

/// Why a child has no rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unranked {
    /// The ranked index has no value.
    NoValue,
    /// The ranked index rests on fewer answers than the minimum sample.
    LowSample,
    /// Fewer answers than the unit's dossiers call for.
    TargetNotMet,
}

impl Unranked {
    pub fn message(self) -> Message {
        match self {
            Unranked::NoValue => Message::new("chưa đủ dữ liệu", "not enough data"),
            Unranked::LowSample => Message::new("mẫu nhỏ", "small sample"),
            Unranked::TargetNotMet => Message::new("chưa đạt cỡ mẫu", "sample target not met"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChildReport {
    pub unit: String,
    pub name: String,
    pub responses: i64,
    /// Position by `rank_by` (1 = highest), only for a child whose ranked index has a
    /// value, is not low-sample and whose sample target is met or unknown; the others
    /// come after, unranked, with the reason.
    pub rank: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unranked: Option<Unranked>,
    pub sample: Sample,
    pub indices: Indices,
}

/// How the figures were computed, stated with them (DESIGN.md §9).
#[derive(Debug, Clone, Serialize)]
pub struct Method {
    pub rollup: Rollup,
    /// `dossiers` (weighted), `equal` (mean of children) or `responses` (pooled: each
    /// answer counts once).
    pub weights: &'static str,
    pub population: Population,
    /// The channels counted.
    pub channels: Vec<Channel>,
    /// `every_component`: a composite has a value only when each of its components has.
    pub composite_rule: &'static str,
    /// Composites the form lets take the mean of the components that have a value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partial_allowed: Vec<String>,
    pub min_sample: u32,
    pub sample_margin: f64,
    pub form_version: String,
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
    pub method: Method,
    pub population: Population,
    pub sample: Sample,
    pub other_rollup: OtherRollup,
    pub other_population: OtherPopulation,
    /// Units with answers but no dossier counts, left out of a weighted roll-up.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out_of_weights: Vec<String>,
    pub channels: BTreeMap<Channel, i64>,
    pub tickets: TicketFigures,
    pub previous: PreviousPeriod,
    /// The procedure field the report is narrowed to, if any.
    pub field: Option<String>,
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

/// The counts of one period, in both populations.
struct Counts {
    official: Snapshot,
    /// `None` when the form counts every channel: the official snapshot is all of them.
    all: Option<Snapshot>,
}

impl Counts {
    fn load(
        conn: &mut DbConnection,
        tree: &Tree<'_>,
        which: Rows<'_>,
        official: Option<&[Channel]>,
        period: &Period,
    ) -> Result<Counts, ReportError> {
        let reads = db::reports::tallies(conn, &tree.subtree, which, period.from, period.to)?;
        Ok(Counts {
            official: Snapshot::of(tree, &reads, official)?,
            all: match official {
                Some(_) => Some(Snapshot::of(tree, &reads, None)?),
                None => None,
            },
        })
    }

    fn of(&self, population: Population) -> &Snapshot {
        match (population, &self.all) {
            (Population::All, Some(all)) => all,
            _ => &self.official,
        }
    }
}

/// The same, reading the previous period on `spare` at the same time as the period itself
/// when a second connection is at hand (a report reads both, and each is as big).
pub fn build_with_spare(
    conn: &mut DbConnection,
    spare: Option<&mut DbConnection>,
    forms: &FormRegistry,
    request: &ReportRequest<'_>,
) -> Result<Report, ReportError> {
    let (unit, registered, rank_by) = resolve(conn, forms, request)?;
    let form = &registered.form;
    let versions: Vec<i64> = db::forms::versions_of(conn, &form.id)?
        .iter()
        .map(|v| v.id)
        .collect();
    let below = db::units::descendants(conn, &unit.code)?;
    let tree = Tree::new(form, &unit, below);

    let official = form.official_channels.as_deref();
    let previous_period = request.period.previous();
    let (now, before) = load_both(conn, spare, &tree, &versions, official, request)?;
    let month = |d: chrono::NaiveDate| d - chrono::Days::new(u64::from(chrono::Datelike::day0(&d)));
    let dossier_rows = db::dossiers::of_units(
        conn,
        &tree.subtree,
        month(previous_period.from),
        request.period.to,
    )?;
    let (dossiers_now, dossiers_before) = (
        Dossiers::of(&dossier_rows, request.period.from, request.period.to),
        Dossiers::of(&dossier_rows, previous_period.from, previous_period.to),
    );
    let rollup = request.rollup.unwrap_or(form.rollup);
    if rollup == Rollup::Weighted && !dossiers_now.any() {
        return Err(ReportError::NoDossiers {
            unit: unit.code.clone(),
            period: request.period.label(),
        });
    }
    let other_rollup = match rollup {
        Rollup::Pooled => Rollup::MeanOfChildren,
        Rollup::MeanOfChildren | Rollup::Weighted => Rollup::Pooled,
    };
    let population = request.population;
    let tree = &tree;
    fn roll<'a>(
        tree: &'a Tree<'a>,
        counts: &'a Counts,
        dossiers: &'a Dossiers,
        population: Population,
        rollup: Rollup,
    ) -> Rolled<'a> {
        Rolled::new(tree, counts.of(population), dossiers, rollup)
    }
    let (rolled_now, rolled_before) = (
        roll(tree, &now, &dossiers_now, population, rollup),
        roll(tree, &before, &dossiers_before, population, rollup),
    );
    let report_of = |now: &Rolled<'_>, before: &Rolled<'_>, code: &str| {
        indices(&now.estimates(code), &before.estimates(code), request.min_sample)
    };
    let sample_of = |code: &str| {
        let population = dossiers_now.subtree_of(tree, code).map(|n| n.round() as i64);
        Sample::new(
            population,
            now.of(request.population).pooled(code).responses,
            request.sample_margin,
        )
    };

    let mut child_reports: Vec<ChildReport> = tree
        .kids(&unit.code)
        .iter()
        .map(|child| ChildReport {
            unit: child.code.clone(),
            name: child.name.clone(),
            responses: now.of(population).pooled(&child.code).responses,
            rank: None,
            unranked: None,
            sample: sample_of(&child.code),
            indices: report_of(&rolled_now, &rolled_before, &child.code),
        })
        .collect();
    rank(&mut child_reports, &rank_by);
    let unit_indices = report_of(&rolled_now, &rolled_before, &unit.code);
    let left_out_of_weights = rolled_now.left_out();

    let other = (
        roll(tree, &now, &dossiers_now, population, other_rollup),
        roll(tree, &before, &dossiers_before, population, other_rollup),
    );
    let elsewhere = (
        roll(tree, &now, &dossiers_now, population.other(), rollup),
        roll(tree, &before, &dossiers_before, population.other(), rollup),
    );

    let tickets = ticket_figures(conn, tree, request)?;
    let counted_channels = match (population, official) {
        (Population::Official, Some(channels)) => channels.to_vec(),
        _ => Channel::ALL.to_vec(),
    };
    Ok(Report {
        unit: unit.code.clone(),
        form: form.id.clone(),
        from: request.period.from,
        to: request.period.to,
        rollup,
        responses: now.of(population).pooled(&unit.code).responses,
        indices: unit_indices,
        children: child_reports,
        name: unit.name.clone(),
        period: request.period.label(),
        form_version: registered.version_label(),
        headline: form.headline.clone(),
        rank_by,
        min_sample: request.min_sample,
        method: method_of(
            form,
            rollup,
            &counted_channels,
            request,
            registered.version_label(),
        ),
        population,
        sample: sample_of(&unit.code),
        other_rollup: OtherRollup {
            rollup: other_rollup,
            indices: report_of(&other.0, &other.1, &unit.code),
        },
        other_population: OtherPopulation {
            population: population.other(),
            responses: now.of(population.other()).pooled(&unit.code).responses,
            indices: report_of(&elsewhere.0, &elsewhere.1, &unit.code),
        },
        left_out_of_weights,
        channels: now.of(Population::All).pooled(&unit.code).channels(),
        tickets,
        previous: PreviousPeriod {
            from: previous_period.from,
            to: previous_period.to,
            responses: before.of(population).pooled(&unit.code).responses,
        },
        field: request.field.map(str::to_string),
    })
}

/// The unit, the form and the ranking index asked for, each known.
fn resolve(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    request: &ReportRequest<'_>,
) -> Result<(Unit, Arc<RegisteredForm>, String), ReportError> {
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
    Ok((unit, registered, rank_by))
}

/// The counts of the period and of the one before, the two read at once when a spare
/// connection is at hand. Every channel is read once; the official population is those
/// rows the form names.
fn load_both(
    conn: &mut DbConnection,
    spare: Option<&mut DbConnection>,
    tree: &Tree<'_>,
    versions: &[i64],
    official: Option<&[Channel]>,
    request: &ReportRequest<'_>,
) -> Result<(Counts, Counts), ReportError> {
    let which = Rows {
        versions,
        field: request.field,
        channels: None,
    };
    let previous_period = request.period.previous();
    let (now, before) = match spare {
        Some(spare) => std::thread::scope(|scope| {
            let before = scope.spawn(|| Counts::load(spare, tree, which, official, &previous_period));
            let now = Counts::load(conn, tree, which, official, &request.period);
            let before = before
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (now, before)
        }),
        None => (
            Counts::load(conn, tree, which, official, &request.period),
            Counts::load(conn, tree, which, official, &previous_period),
        ),
    };
    Ok((now?, before?))
}

/// How the figures were formed, as the report states it.
fn method_of(
    form: &Form,
    rollup: Rollup,
    channels: &[Channel],
    request: &ReportRequest<'_>,
    form_version: String,
) -> Method {
    Method {
        rollup,
        weights: match rollup {
            Rollup::Pooled => "responses",
            Rollup::MeanOfChildren => "equal",
            Rollup::Weighted => "dossiers",
        },
        population: request.population,
        channels: channels.to_vec(),
        composite_rule: "every_component",
        partial_allowed: form
            .indices
            .iter()
            .filter(|i| {
                matches!(
                    i.rule,
                    IndexRule::Mean {
                        allow_partial: true,
                        ..
                    }
                )
            })
            .map(|i| i.id.clone())
            .collect(),
        min_sample: request.min_sample,
        sample_margin: request.sample_margin,
        form_version,
    }
}

/// Tickets issued in the period and answered, in the unit's subtree.
fn ticket_figures(
    conn: &mut DbConnection,
    tree: &Tree<'_>,
    request: &ReportRequest<'_>,
) -> Result<TicketFigures, ReportError> {
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
    Ok(TicketFigures {
        issued,
        answered,
        response_rate: (issued > 0).then(|| round2(answered as f64 / issued as f64 * 100.0)),
    })
}

/// Why a child may not be ranked, if it may not.
fn unranked(child: &ChildReport, index: &str) -> Option<Unranked> {
    let ranked = child.indices.get(index);
    match ranked {
        None => Some(Unranked::NoValue),
        Some(v) if v.value.is_none() => Some(Unranked::NoValue),
        Some(v) if v.low_sample => Some(Unranked::LowSample),
        _ if child.sample.met == Some(false) => Some(Unranked::TargetNotMet),
        _ => None,
    }
}

/// Orders children: those that may be ranked by the index, highest first, numbered; then
/// the others by reason, without a number (within each, by value, then name).
fn rank(children: &mut [ChildReport], index: &str) {
    for child in children.iter_mut() {
        child.unranked = unranked(child, index);
    }
    let value = |c: &ChildReport| c.indices.get(index).and_then(|v| v.value).unwrap_or(-1.0);
    children.sort_by(|a, b| {
        a.unranked
            .is_some()
            .cmp(&b.unranked.is_some())
            .then_with(|| a.unranked.cmp(&b.unranked))
            .then_with(|| value(b).total_cmp(&value(a)))
            .then_with(|| a.name.cmp(&b.name))
    });
    for (position, child) in children.iter_mut().enumerate() {
        child.rank = child.unranked.is_none().then_some(position + 1);
    }
}
