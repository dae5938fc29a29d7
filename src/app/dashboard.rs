//! The officials' dashboard as one use case: for a unit the person may read and checked
//! filters, everything the page shows — the report, where the unit stands among its
//! siblings, what to fix first, the trend, comments, desks and fields — read in one
//! blocking call. The web handler parses the request, calls [`load`], and renders.

use std::collections::HashMap;

use crate::app::filters::Filters;
use crate::auth::{Identity, Permission, authorize};
use crate::db::comments::{self, Comment, CommentQuery};
use crate::db::desks::Desk;
use crate::db::units::Unit;
use crate::db::{self, DbConnection};
use crate::forms::FormRegistry;
use crate::indices::focus::Focus;
use crate::indices::report::Report;
use crate::indices::standing::Standing;
use crate::indices::trend::{self, MonthCache, TrendPoint};
use crate::indices::{Population, ReportError, ReportRequest, build, build_with_spare};

/// Comments shown at once.
pub const COMMENTS_PER_PAGE: i64 = 20;
/// Months in the trend.
pub const TREND_MONTHS: u32 = 12;

/// The deployment's rules a figure follows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub min_sample: u32,
    pub sample_margin: f64,
}

/// What the page is asked for. The unit is one the person may read (checked by the
/// router's access extractor before this is called).
pub struct DashboardQuery<'a> {
    pub who: &'a Identity,
    pub unit: &'a str,
    pub filters: &'a Filters,
    pub limits: Limits,
}

/// Everything the dashboard shows, before it is written for people.
pub struct Dashboard {
    /// The unit's ancestors the person may read, the root first (links up the tree).
    pub crumbs: Vec<Unit>,
    pub report: Report,
    /// The unit's place among its siblings, when it has a parent.
    pub standing: Option<Standing>,
    pub focus: Focus,
    pub trend: Vec<TrendPoint>,
    /// The trend is by quarter: most months had too few answers to read alone.
    pub trend_by_quarter: bool,
    /// Names of the unit and every unit below it, by code.
    pub names: HashMap<String, String>,
    pub comments_total: i64,
    pub comments: Vec<Comment>,
    pub desks: Vec<Desk>,
    /// The procedure fields the subtree's responses name.
    pub fields: Vec<String>,
}

/// Reads the dashboard of a unit. `spare`, when free, reads the previous period at the
/// same time as the period itself.
pub fn load(
    conn: &mut DbConnection,
    spare: Option<&mut DbConnection>,
    forms: &FormRegistry,
    month_cache: &MonthCache,
    query: &DashboardQuery<'_>,
) -> Result<Dashboard, ReportError> {
    let filters = query.filters;
    let code = query.unit;
    let mut crumbs = Vec::new();
    let lineage = db::units::lineage(conn, code)?;
    for ancestor in lineage.iter().skip(1) {
        if authorize(conn, query.who, &Permission::ReadUnit(ancestor.code.clone()))? {
            crumbs.push(ancestor.clone());
        }
    }
    crumbs.reverse();
    let request = ReportRequest {
        unit: code,
        form: &filters.form,
        period: filters.period,
        rollup: filters.rollup,
        rank_by: None,
        min_sample: query.limits.min_sample,
        field: filters.field.as_deref(),
        population: filters.population,
        sample_margin: query.limits.sample_margin,
    };
    let report = build_with_spare(conn, spare, forms, &request)?;
    let registered = forms
        .current(&report.form)
        .ok_or_else(|| ReportError::UnknownForm {
            form: report.form.clone(),
            known: forms.ids(),
        })?;
    let form = &registered.form;
    let standing = standing(conn, forms, &lineage, &request)?;
    let focus = Focus::of(form, &report);

    let below = db::units::descendants(conn, code)?;
    let mut names: HashMap<String, String> = below.into_iter().map(|u| (u.code, u.name)).collect();
    names.insert(code.to_string(), report.name.clone());
    let units: Vec<String> = names.keys().cloned().collect();
    let versions: Vec<i64> = db::forms::versions_of(conn, &form.id)?
        .iter()
        .map(|v| v.id)
        .collect();
    let months = trend::months_ending(filters.period.to, TREND_MONTHS);
    let trend_request = trend::TrendRequest {
        root: code,
        units: &units,
        form,
        versions: &versions,
        index: &form.headline,
        months: &months,
        field: filters.field.as_deref(),
        channels: match filters.population {
            Population::Official => form.official_channels.as_deref(),
            Population::All => None,
        },
    };
    let mut trend = trend::monthly(conn, month_cache, &trend_request)?;
    // A unit with too few answers a month reads better by quarter than as a line of
    // small samples: switch when most months with answers are small samples.
    let small = |point: &TrendPoint| point.estimate.n < i64::from(query.limits.min_sample);
    let answered: Vec<&TrendPoint> = trend.iter().filter(|p| p.responses > 0).collect();
    let trend_by_quarter = answered.iter().filter(|p| small(p)).count() * 2 > answered.len();
    if trend_by_quarter {
        let quarters = trend::quarters_ending(filters.period.to);
        trend = trend::quarterly(
            conn,
            month_cache,
            &trend::TrendRequest {
                months: &quarters,
                ..trend_request
            },
        )?;
    }
    let comment_query = CommentQuery {
        units: &units,
        versions: &versions,
        from: filters.period.from,
        to: filters.period.to,
        search: Some(&filters.search),
        field: filters.field.as_deref(),
        status: None,
    };
    let comments_total = comments::count(conn, &comment_query)?;
    let offset = (filters.comments_page - 1) * COMMENTS_PER_PAGE;
    let comments = comments::page(conn, &comment_query, offset, COMMENTS_PER_PAGE)?;
    let own = code.to_string();
    let desks = db::desks::list(conn, Some(std::slice::from_ref(&own)))?;
    let fields = db::reports::fields(conn, &units, &versions)?;
    Ok(Dashboard {
        crumbs,
        report,
        standing,
        focus,
        trend,
        trend_by_quarter,
        names,
        comments_total,
        comments,
        desks,
        fields,
    })
}

/// Where the unit (the first of `lineage`) stands in its parent's report, built with the
/// same request otherwise. Only the unit's rank and the parent's figure leave this
/// function.
pub fn standing(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    lineage: &[Unit],
    request: &ReportRequest<'_>,
) -> Result<Option<Standing>, ReportError> {
    let (Some(unit), Some(parent)) = (lineage.first(), lineage.get(1)) else {
        return Ok(None);
    };
    let parent_request = ReportRequest {
        unit: &parent.code,
        ..*request
    };
    let parent_report = match build(conn, forms, &parent_request) {
        Ok(report) => report,
        // The unit's own report was built with these filters; the parent's may still have
        // no dossiers for a weighted roll-up: then there is no standing to show.
        Err(ReportError::NoDossiers { .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    Ok(Standing::of(&parent_report, &unit.code))
}
