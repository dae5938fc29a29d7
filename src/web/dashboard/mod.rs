//! `/units/{code}`: the officials' dashboard — the official figure of a unit for a period
//! with its sample and interval, elements and criteria, the change since the previous
//! period, a monthly trend, the ranking of child units, behaviour and expectations,
//! responses by channel, tickets, the latest comments, and downloads of what is shown.
//! Every filter is in the address; everything is drawn on the server (no script).

pub mod alerts;
pub mod breakdowns;
pub mod export;
pub mod inbox;
pub mod public;
pub mod report_file;
pub(crate) mod view;

pub use crate::app::filters;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::AppError;
use super::pages::{self, Page};
use crate::app::dashboard::{self, COMMENTS_PER_PAGE, Dashboard, DashboardQuery, Limits};
use crate::auth::secrets::Secrets;
use crate::config::Settings;
use crate::db::Database;
use crate::db::desks::Desk;
use crate::db::units::Unit;
use crate::forms::{FormRegistry, RegisteredForm, Rollup};
use crate::i18n::Localized;
use crate::indices::ReportError;
use crate::indices::stats::round2;
use crate::indices::trend;
use crate::present::method::{channel_label, method_lines, other_channels, population_text};
use crate::present::{Figure, Layout, charts};
use crate::web::extract::UnitAccess;
use filters::{FilterQuery, Filters, PeriodChoice, Sort, period_choices};
use view::{ChildRow, FocusView};

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
    /// The elements (or the headline's components) as cards under the headline.
    cards: Vec<Figure>,
    /// «Cần cải thiện trước».
    focus: FocusView,
    /// «Hạng 7/40 trong …; bình quân … 80,20», for a unit with a parent.
    standing: Option<String>,
    layout: Layout,
    responses: String,
    previous_responses: String,
    trend_svg: String,
    /// The same drawn for a phone's width.
    trend_narrow_svg: String,
    trend_rows: Vec<TrendRow>,
    /// Most months had too few answers: the trend is by quarter.
    trend_by_quarter: bool,
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
    let limits = Limits {
        min_sample: settings.min_sample,
        sample_margin: settings.sample_margin,
    };
    let (code, wanted, registry) = (unit.code.clone(), filters.clone(), forms.clone());
    let pool = db.get_ref().clone();
    let loaded = db
        .run(move |conn| {
            let query = DashboardQuery {
                who: &identity,
                unit: &code,
                filters: &wanted,
                limits,
            };
            let mut spare = pool.spare();
            dashboard::load(conn, spare.as_deref_mut(), &registry, &month_cache, &query)
        })
        .await?;
    render(
        &page,
        &unit,
        &filters,
        &registered.form,
        loaded,
        limits.min_sample,
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
    loaded: Dashboard,
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
    let by_quarter = loaded.trend_by_quarter;
    let short = |month: chrono::NaiveDate| {
        if by_quarter {
            format!(
                "Q{}/{}",
                chrono::Datelike::month0(&month) / 3 + 1,
                month.format("%y")
            )
        } else {
            month.format("%m/%y").to_string()
        }
    };
    let marks: Vec<charts::TrendMark> = loaded
        .trend
        .iter()
        .map(|point| charts::TrendMark {
            label: short(point.month),
            value: point.estimate.value.map(round2),
            low_sample: point.estimate.n < i64::from(min_sample),
        })
        .collect();
    let trend_title = format!(
        "{} — {}",
        headline_label,
        if by_quarter {
            lang.pick("4 quý, theo quý", "4 quarters, by quarter")
        } else {
            lang.pick("12 tháng, theo tháng", "12 months, by month")
        }
    );
    let trend_rows = loaded
        .trend
        .iter()
        .map(|point| TrendRow {
            month: if by_quarter {
                format!(
                    "{} {}/{}",
                    lang.pick("Quý", "Quarter"),
                    chrono::Datelike::month0(&point.month) / 3 + 1,
                    point.month.format("%Y")
                )
            } else {
                point.month.format("%m/%Y").to_string()
            },
            value: point
                .estimate
                .value
                .map_or_else(|| "—".into(), |v| lang.number(round2(v), 2)),
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
        cards: crate::present::cards(form, &report.indices, lang),
        focus: FocusView::new(&loaded.focus, form, report, lang),
        standing: loaded.standing.as_ref().map(|s| view::standing_text(s, lang)),
        layout: crate::present::layout(form, &report.indices, lang),
        responses: lang.number(report.responses as f64, 0),
        previous_responses: lang.number(report.previous.responses as f64, 0),
        trend_svg: charts::trend(&marks, &trend_title, lang),
        trend_narrow_svg: charts::trend_sized(&marks, &trend_title, lang, charts::TrendSize::NARROW),
        trend_rows,
        trend_by_quarter: by_quarter,
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
