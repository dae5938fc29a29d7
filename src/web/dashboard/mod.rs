//! `/units/{code}`: the officials' dashboard — the official figure of a unit for a period
//! with its sample and interval, elements and criteria, the change since the previous
//! period, a monthly trend, the ranking of child units, behaviour and expectations,
//! responses by channel, tickets, the latest comments, and downloads of what is shown.
//! Every filter is in the address; everything is drawn on the server (no script).

pub mod alerts;
pub mod export;
pub mod filters;
pub mod public;
pub(crate) mod view;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::AppError;
use super::pages::{self, Page};
use crate::auth::secrets::Secrets;
use crate::auth::{Permission, authorize};
use crate::config::Settings;
use crate::db::comments::{self, CommentQuery};
use crate::db::desks::Desk;
use crate::db::units::Unit;
use crate::db::{self, Database, DbError};
use crate::forms::{FormRegistry, RegisteredForm, Rollup};
use crate::i18n::{Lang, Localized};
use crate::indices::report::Report;
use crate::indices::trend::{self, TrendPoint};
use crate::indices::{Population, ReportError, ReportRequest, build_with_spare};
use crate::present::{Figure, Layout, charts};
use crate::tally::Channel;
use crate::web::extract::UnitAccess;
use filters::{FilterQuery, Filters, PeriodChoice, Sort, period_choices};
use view::ChildRow;

/// Comments shown at once.
const COMMENTS_PER_PAGE: i64 = 20;
/// Months in the trend.
const TREND_MONTHS: u32 = 12;

/// The local day in the deployment's time zone.
pub fn today(settings: &Settings) -> Result<chrono::NaiveDate, AppError> {
    Ok(chrono::Utc::now().with_timezone(&settings.tz()).date_naive())
}

/// A comment as the page lists it.
struct CommentRow {
    when: String,
    unit: String,
    question: String,
    body: String,
}

struct TrendRow {
    month: String,
    value: String,
    n: String,
    low_sample: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    page: Page,
    unit: &'a Unit,
    crumbs: Vec<Unit>,
    filters: &'a Filters,
    /// The address parameters of the current filters, for links.
    query: String,
    forms: Vec<(String, String)>,
    periods: Vec<PeriodChoice>,
    custom_from: String,
    custom_to: String,
    period_text: String,
    previous_text: String,
    rollup_used: &'static str,
    rollup_text: String,
    other_rollup_value: &'static str,
    population_used: &'static str,
    /// Which answers the figures count, in words.
    population_text: String,
    other_population_value: &'static str,
    other_population_text: String,
    /// The headline in the other population, beside this one.
    other_headline: Figure,
    other_responses: String,
    /// «đạt cỡ mẫu (160/154)», or empty without dossiers.
    sample_text: String,
    sample_met: bool,
    /// How the figures were computed, line by line («Cách tính»).
    method: Vec<(String, String)>,
    /// Units left out of a weighted roll-up for want of dossier counts, by name.
    left_out: Vec<String>,
    headline: Figure,
    layout: Layout,
    responses: String,
    previous_responses: String,
    trend_svg: String,
    trend_rows: Vec<TrendRow>,
    trend_pooled_note: bool,
    children: Vec<ChildRow>,
    sort: Sort,
    channels: Vec<(String, String)>,
    tickets_issued: String,
    tickets_answered: String,
    response_rate: String,
    comments: Vec<CommentRow>,
    comments_total: String,
    comments_prev: Option<String>,
    comments_next: Option<String>,
    min_sample: u32,
    desks: Vec<Desk>,
    fields: Vec<String>,
}

impl DashboardPage<'_> {
    /// A link to this page with one filter changed (removed when `value` is empty).
    fn href(&self, name: &str, value: &str) -> String {
        format!(
            "/units/{}?{}",
            self.unit.code,
            self.filters.query(&[(name, value)])
        )
    }

    /// The filters a comment search keeps, as hidden fields.
    fn hidden_filters(&self) -> Vec<(&'static str, String)> {
        let mut pairs = self.filters.pairs();
        pairs.retain(|(name, _)| *name != "q");
        pairs
    }

    /// The address parameters of the same report from the API.
    fn report_query(&self) -> String {
        serde_urlencoded::to_string(self.filters.report_pairs()).unwrap_or_default()
    }

    /// A link to a child unit's page with the same filters (its own ranking order).
    fn child_href(&self, code: &str) -> String {
        format!("/units/{code}?{}", self.filters.query(&[("q", ""), ("sort", "")]))
    }
}

fn channel_label(channel: Channel, lang: Lang) -> String {
    match channel {
        Channel::DeskQr => lang.pick("Mã QR / mã quầy", "Desk QR / code"),
        Channel::Ticket => lang.pick("Phiếu một lần", "Single-use ticket"),
        Channel::Paper => lang.pick("Phiếu giấy", "Paper"),
        Channel::Kiosk => lang.pick("Ki-ốt", "Kiosk"),
        Channel::Api => "API",
    }
    .to_string()
}

/// Which answers figures of `population` count, in words.
fn population_text(population: Population, channels: &[Channel], lang: Lang) -> String {
    let names: Vec<String> = channels
        .iter()
        .map(|c| channel_label(*c, lang).to_lowercase())
        .collect();
    match population {
        Population::Official if channels.len() < Channel::ALL.len() => format!(
            "{} ({})",
            lang.pick("người trả lời chính thức", "verified respondents"),
            names.join(", ")
        ),
        _ => lang.pick("mọi phiếu trả lời", "every answer").to_string(),
    }
}

/// The channels the report's other population counts.
fn other_channels(form: &crate::forms::Form, report: &Report) -> Vec<Channel> {
    match (report.other_population.population, &form.official_channels) {
        (Population::Official, Some(official)) => official.clone(),
        _ => Channel::ALL.to_vec(),
    }
}

/// «Cách tính»: the method the figures on the page follow.
fn method_lines(report: &Report, lang: Lang) -> Vec<(String, String)> {
    let t = |vi: &str, en: &str| lang.pick(vi, en).to_string();
    let method = &report.method;
    vec![
        (
            t("Cách tổng hợp", "Roll-up"),
            method.rollup.label().get(lang).to_string(),
        ),
        (
            t("Người trả lời được tính", "Who is counted"),
            population_text(method.population, &method.channels, lang),
        ),
        (
            t("Chỉ số tổng hợp", "Composite indices"),
            t(
                "chỉ có giá trị khi mọi thành phần đều có; n là n nhỏ nhất của các thành phần",
                "a value only when every component has one; n is the smallest component n",
            ),
        ),
        (t("Mẫu nhỏ", "Small sample"), format!("n < {}", method.min_sample)),
        (
            t("Cỡ mẫu cần đạt", "Sample target"),
            format!(
                "⌈N / (1 + N·e²)⌉, e = {} ({})",
                lang.number(method.sample_margin, 2),
                t("N: số hồ sơ trong kỳ", "N: dossiers in the period")
            ),
        ),
        (
            t("Xếp hạng", "Ranking"),
            t(
                "chỉ các đơn vị có giá trị, không phải mẫu nhỏ và đạt cỡ mẫu (hoặc chưa có số hồ sơ)",
                "only units with a value, not a small sample, and the sample target met (or no dossier counts)",
            ),
        ),
        (
            t("Phiên bản phiếu", "Questionnaire version"),
            method.form_version.clone(),
        ),
    ]
}

/// Everything the page reads from the database, in one blocking call.
struct Loaded {
    crumbs: Vec<Unit>,
    report: Report,
    trend: Vec<TrendPoint>,
    names: HashMap<String, String>,
    comments_total: i64,
    comments: Vec<comments::Comment>,
    desks: Vec<Desk>,
    /// The procedure fields the subtree's responses name.
    fields: Vec<String>,
}

/// `GET /units/{code}`
#[allow(clippy::too_many_arguments)] // one per extractor, as actix hands them over
pub async fn show(
    req: HttpRequest,
    access: UnitAccess,
    query: web::Query<FilterQuery>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    month_cache: web::Data<trend::MonthCache>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let UnitAccess { identity, unit } = access;
    let page = Page::signed_in(&req, &identity, &secrets, &settings);
    let today = today(&settings)?;
    let (filters, registered) = checked_filters(&query, &forms, today)?;
    let (min_sample, sample_margin) = (settings.min_sample, settings.sample_margin);
    let (code, who, wanted) = (unit.code.clone(), identity.clone(), filters.clone());
    let (registry, form_used) = (forms.clone(), registered.clone());
    let pool = db.get_ref().clone();
    let loaded = db
        .run(move |conn| -> Result<Result<Loaded, ReportError>, DbError> {
            let mut crumbs = Vec::new();
            for ancestor in db::units::lineage(conn, &code)?.into_iter().skip(1) {
                if authorize(conn, &who, &Permission::ReadUnit(ancestor.code.clone()))? {
                    crumbs.push(ancestor);
                }
            }
            crumbs.reverse();
            let request = ReportRequest {
                unit: &code,
                form: &wanted.form,
                period: wanted.period,
                rollup: wanted.rollup,
                rank_by: None,
                min_sample,
                field: wanted.field.as_deref(),
                population: wanted.population,
                sample_margin,
            };
            let mut spare = pool.spare();
            let report = match build_with_spare(conn, spare.as_deref_mut(), &registry, &request) {
                Ok(report) => report,
                Err(ReportError::Db(e)) => return Err(e),
                Err(refused) => return Ok(Err(refused)),
            };
            // Back to the pool for other requests: the rest reads on one connection.
            drop(spare);
            let below = db::units::descendants(conn, &code)?;
            let mut names: HashMap<String, String> = below.into_iter().map(|u| (u.code, u.name)).collect();
            names.insert(code.clone(), report.name.clone());
            let units: Vec<String> = names.keys().cloned().collect();
            let versions: Vec<i64> = db::forms::versions_of(conn, &wanted.form)?
                .iter()
                .map(|v| v.id)
                .collect();
            let form = &form_used.form;
            let months = trend::months_ending(wanted.period.to, TREND_MONTHS);
            let request = trend::TrendRequest {
                root: &code,
                units: &units,
                form,
                versions: &versions,
                index: &form.headline,
                months: &months,
                field: wanted.field.as_deref(),
                channels: match wanted.population {
                    Population::Official => form.official_channels.as_deref(),
                    Population::All => None,
                },
            };
            let trend = match trend::monthly(conn, &month_cache, &request) {
                Ok(trend) => trend,
                Err(ReportError::Db(e)) => return Err(e),
                Err(refused) => return Ok(Err(refused)),
            };
            let comment_query = CommentQuery {
                units: &units,
                versions: &versions,
                from: wanted.period.from,
                to: wanted.period.to,
                search: Some(&wanted.search),
                field: wanted.field.as_deref(),
            };
            let comments_total = comments::count(conn, &comment_query)?;
            let offset = (wanted.comments_page - 1) * COMMENTS_PER_PAGE;
            let comments = comments::page(conn, &comment_query, offset, COMMENTS_PER_PAGE)?;
            let desks = db::desks::list(conn, Some(std::slice::from_ref(&code)))?;
            let fields = db::reports::fields(conn, &units, &versions)?;
            Ok(Ok(Loaded {
                crumbs,
                report,
                trend,
                names,
                comments_total,
                comments,
                desks,
                fields,
            }))
        })
        .await?
        .map_err(|refused| AppError::bad_request(refused.message()))?;
    render(
        &page,
        &unit,
        &filters,
        &registered.form,
        loaded,
        min_sample,
        today,
        &forms,
    )
}

#[allow(clippy::too_many_arguments)]
fn render(
    page: &Page,
    unit: &Unit,
    filters: &Filters,
    form: &crate::forms::Form,
    loaded: Loaded,
    min_sample: u32,
    today: chrono::NaiveDate,
    forms: &FormRegistry,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang;
    let report = &loaded.report;
    let headline_label = form
        .index(&form.headline)
        .map(|i| i.label.get(lang).to_string())
        .unwrap_or_else(|| form.headline.clone());
    let headline = Figure::new(form, &form.headline, report.indices.get(&form.headline), lang);
    let marks: Vec<charts::TrendMark> = loaded
        .trend
        .iter()
        .map(|point| charts::TrendMark {
            label: point.month.format("%m/%y").to_string(),
            value: point.estimate.value.map(crate::indices::stats::round2),
            low_sample: point.estimate.n < i64::from(min_sample),
        })
        .collect();
    let trend_title = format!(
        "{} — {}",
        headline_label,
        lang.pick("12 tháng, theo tháng", "12 months, by month")
    );
    let trend_rows = loaded
        .trend
        .iter()
        .map(|point| TrendRow {
            month: point.month.format("%m/%Y").to_string(),
            value: point.estimate.value.map_or_else(
                || "—".into(),
                |v| lang.number(crate::indices::stats::round2(v), 2),
            ),
            n: lang.number(point.estimate.n as f64, 0),
            low_sample: point.estimate.n < i64::from(min_sample),
        })
        .collect();
    let comments = loaded
        .comments
        .iter()
        .map(|c| CommentRow {
            when: lang.date(c.day),
            unit: loaded
                .names
                .get(&c.unit_code)
                .cloned()
                .unwrap_or_else(|| c.unit_code.clone()),
            question: form
                .question(&c.question_id)
                .map(|q| q.label.get(lang).to_string())
                .unwrap_or_else(|| c.question_id.clone()),
            body: c.body.clone(),
        })
        .collect();
    let pages = (loaded.comments_total + COMMENTS_PER_PAGE - 1) / COMMENTS_PER_PAGE;
    let page_link = |p: i64| filters.query(&[("page", &p.to_string())]);
    let (custom_from, custom_to) = match filters.period.label().split_once("..") {
        Some((from, to)) => (from.to_string(), to.to_string()),
        None => (String::new(), String::new()),
    };
    let period_text = format!("{} – {}", lang.date(report.from), lang.date(report.to));
    let previous_text = format!(
        "{} – {}",
        lang.date(report.previous.from),
        lang.date(report.previous.to)
    );
    let template = DashboardPage {
        page: page.clone(),
        unit,
        crumbs: loaded.crumbs.clone(),
        filters,
        query: filters.query(&[]),
        forms: forms
            .all()
            .iter()
            .map(|f| (f.form.id.clone(), f.form.title.get(lang).to_string()))
            .collect(),
        periods: period_choices(today, lang, &filters.period),
        custom_from,
        custom_to,
        period_text,
        previous_text,
        rollup_used: report.rollup.as_str(),
        rollup_text: report.rollup.label().get(lang).to_string(),
        other_rollup_value: report.other_rollup.rollup.as_str(),
        population_used: report.population.as_str(),
        population_text: population_text(report.population, &report.method.channels, lang),
        other_population_value: report.other_population.population.as_str(),
        other_population_text: population_text(
            report.other_population.population,
            &other_channels(form, report),
            lang,
        ),
        other_headline: Figure::new(
            form,
            &form.headline,
            report.other_population.indices.get(&form.headline),
            lang,
        ),
        other_responses: lang.number(report.other_population.responses as f64, 0),
        sample_text: crate::present::sample_text(&report.sample, lang),
        sample_met: report.sample.met != Some(false),
        method: method_lines(report, lang),
        left_out: report
            .left_out_of_weights
            .iter()
            .map(|code| loaded.names.get(code).cloned().unwrap_or_else(|| code.clone()))
            .collect(),
        headline,
        layout: crate::present::layout(form, &report.indices, lang),
        responses: lang.number(report.responses as f64, 0),
        previous_responses: lang.number(report.previous.responses as f64, 0),
        trend_svg: charts::trend(&marks, &trend_title, lang),
        trend_rows,
        trend_pooled_note: report.rollup != Rollup::Pooled,
        children: view::ranking(&report.children, form, &form.headline, filters.sort, lang),
        sort: filters.sort,
        channels: report
            .channels
            .iter()
            .map(|(channel, count)| (channel_label(*channel, lang), lang.number(*count as f64, 0)))
            .collect(),
        tickets_issued: lang.number(report.tickets.issued as f64, 0),
        tickets_answered: lang.number(report.tickets.answered as f64, 0),
        response_rate: report
            .tickets
            .response_rate
            .map_or_else(|| "—".into(), |r| format!("{} %", lang.number(r, 2))),
        comments,
        comments_total: lang.number(loaded.comments_total as f64, 0),
        comments_prev: (filters.comments_page > 1).then(|| page_link(filters.comments_page - 1)),
        comments_next: (filters.comments_page < pages).then(|| page_link(filters.comments_page + 1)),
        min_sample,
        desks: loaded.desks,
        fields: loaded.fields,
    };
    pages::render(page, StatusCode::OK, &template)
}

/// The address's filters and the questionnaire they name, or a 400 that says what is
/// wrong with them.
fn checked_filters(
    query: &FilterQuery,
    forms: &FormRegistry,
    today: chrono::NaiveDate,
) -> Result<(Filters, std::sync::Arc<RegisteredForm>), AppError> {
    let filters = Filters::parse(query, today).map_err(AppError::bad_request)?;
    let form = forms.current(&filters.form).ok_or_else(|| {
        let unknown = ReportError::UnknownForm {
            form: filters.form.clone(),
            known: forms.ids(),
        };
        AppError::bad_request(unknown.message())
    })?;
    Ok((filters, form))
}
