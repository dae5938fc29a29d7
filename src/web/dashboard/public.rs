//! `/public/units/{code}?form=&period=`: a unit's indices for anyone, once an
//! administrator opened the page (`sipas units publish CODE` or the unit's admin page).
//! No comments, no downloads, and no value from fewer people than the minimum sample.
//! A unit whose page is closed and a unit that does not exist look the same (404).

use actix_web::http::StatusCode;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::filters::{FilterQuery, Filters, PeriodChoice, period_choices};
use super::{checked_filters, today};
use crate::config::Settings;
use crate::db::{self, Database, DbError};
use crate::forms::FormRegistry;
use crate::i18n::Localized;
use crate::indices::report::{IndexValue, Indices, Report};
use crate::indices::{Population, ReportError, ReportRequest, build_with_spare};
use crate::present::{self, Figure, Layout};
use crate::web::AppError;
use crate::web::pages::{self, Page};

#[derive(Template)]
#[template(path = "public_unit.html")]
struct PublicPage {
    page: Page,
    report: Report,
    filters: Filters,
    periods: Vec<PeriodChoice>,
    period_text: String,
    headline: Figure,
    layout: Layout,
    responses: String,
    min_sample: u32,
}

/// The indices with every value from too few people taken out.
fn without_small_samples(indices: &Indices) -> Indices {
    Indices(
        indices
            .0
            .iter()
            .map(|(id, value)| {
                let shown = if value.low_sample {
                    IndexValue {
                        value: None,
                        ci95: None,
                        change: None,
                        grade: None,
                        ..value.clone()
                    }
                } else {
                    value.clone()
                };
                (id.clone(), shown)
            })
            .collect(),
    )
}

/// `GET /public/units/{code}`
pub async fn show(
    req: HttpRequest,
    code: web::Path<String>,
    query: web::Query<FilterQuery>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let page = Page::new(&req);
    let lang = page.lang;
    // First whether the page is open at all: a closed or unknown unit is not found,
    // whatever the filters.
    let code = code.into_inner();
    let looked_up = code.clone();
    let open = db
        .run(move |conn| db::units::find(conn, &looked_up).map_err(DbError::from))
        .await?
        .is_some_and(|unit| unit.public);
    if !open {
        return Err(AppError::page_not_found());
    }
    let today = today(&settings)?;
    let (filters, registered) = checked_filters(&query, &forms, today)?;
    let (min_sample, sample_margin) = (settings.min_sample, settings.sample_margin);
    let (wanted, registry) = (filters.clone(), forms.clone());
    let pool = db.get_ref().clone();
    let report = db
        .run(move |conn| -> Result<Result<Report, ReportError>, DbError> {
            let request = ReportRequest {
                unit: &code,
                form: &wanted.form,
                period: wanted.period,
                rollup: None,
                rank_by: None,
                min_sample,
                field: None,
                population: Population::Official,
                sample_margin,
            };
            let mut spare = pool.spare();
            match build_with_spare(conn, spare.as_deref_mut(), &registry, &request) {
                Err(ReportError::Db(e)) => Err(e),
                other => Ok(other),
            }
        })
        .await?
        .map_err(|refused| AppError::bad_request(refused.message()))?;
    let form = &registered.form;
    let shown = without_small_samples(&report.indices);
    let template = PublicPage {
        page: page.clone(),
        headline: Figure::new(form, &form.headline, shown.get(&form.headline), lang),
        layout: present::layout(form, &shown, lang),
        periods: period_choices(today, lang, &filters.period),
        period_text: format!("{} – {}", lang.date(report.from), lang.date(report.to)),
        responses: lang.number(report.responses as f64, 0),
        min_sample,
        filters,
        report,
    };
    let mut response = pages::render(&page, StatusCode::OK, &template)?;
    // The figures change with each response, but not by the second.
    response.headers_mut().insert(
        CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}
