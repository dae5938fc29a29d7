//! `/units/{code}/breakdowns`: satisfaction by who answered (sex, age band, occupation,
//! channel, procedure field, desk) for the dashboard's filters. A page of its own: it
//! reads the responses themselves, which the dashboard never does.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::filters::FilterQuery;
use super::{checked_filters, today};
use crate::app::breakdowns::{self, BreakdownQuery};
use crate::auth::secrets::Secrets;
use crate::config::Settings;
use crate::db::Database;
use crate::db::units::Unit;
use crate::forms::FormRegistry;
use crate::present::breakdown::{BreakdownView, breakdown_views};
use crate::present::period_name;
use crate::web::AppError;
use crate::web::extract::UnitAccess;
use crate::web::pages::{self, Page};

#[derive(Template)]
#[template(path = "breakdowns.html")]
struct BreakdownsPage<'a> {
    page: Page,
    unit: &'a Unit,
    period: String,
    /// What each group's share measures, or empty when the form has nothing to break down.
    measure: String,
    views: Vec<BreakdownView>,
    min_sample: u32,
    query: String,
}

/// `GET /units/{code}/breakdowns`
#[allow(clippy::too_many_arguments)] // one per extractor, as actix hands them over
pub async fn show(
    req: HttpRequest,
    access: UnitAccess,
    query: web::Query<FilterQuery>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let page = Page::signed_in(&req, &access.identity, &secrets, &settings);
    let lang = page.lang;
    let (filters, registered) = checked_filters(&query, &forms, today(&settings)?)?;
    let form = registered.form.clone();
    let (code, wanted, min_sample) = (access.unit.code.clone(), filters.clone(), settings.min_sample);
    let found = db
        .run(move |conn| {
            breakdowns::load(
                conn,
                &BreakdownQuery {
                    unit: &code,
                    form: &form,
                    period: wanted.period,
                    field: wanted.field.as_deref(),
                    population: wanted.population,
                    min_sample,
                },
            )
        })
        .await?;
    let form = &registered.form;
    let template = BreakdownsPage {
        page: page.clone(),
        unit: &access.unit,
        period: period_name(
            &filters.period.label(),
            filters.period.from,
            filters.period.to,
            lang,
        ),
        measure: found
            .measure
            .as_ref()
            .and_then(|m| form.index(&m.index))
            .map(|i| i.label.get(lang).to_string())
            .unwrap_or_default(),
        views: breakdown_views(form, &found, min_sample, lang),
        min_sample,
        query: serde_urlencoded::to_string(filters.report_pairs()).unwrap_or_default(),
    };
    pages::render(&page, StatusCode::OK, &template)
}
