//! `GET /units/{code}/report.{xlsx|pdf}?form=&period=|from=&to=&rollup=&population=&field=`:
//! the official report of what the dashboard shows («Tải báo cáo»), as a workbook or an A4
//! document. Built whole in memory: it holds indices and a ranking, never responses.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use actix_web::{HttpRequest, HttpResponse, web};

use super::filters::FilterQuery;
use super::{checked_filters, today};
use crate::app::official_report;
use crate::config::Settings;
use crate::db::Database;
use crate::forms::FormRegistry;
use crate::i18n::Lang;
use crate::indices::ReportRequest;
use crate::report_files::ReportFile;
use crate::web::AppError;
use crate::web::extract::UnitAccess;

/// `GET /units/{code}/report.{format}`
pub async fn download(
    req: HttpRequest,
    access: UnitAccess,
    query: web::Query<FilterQuery>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let Some(format) = req.match_info().get("format").and_then(ReportFile::parse) else {
        return Err(AppError::page_not_found());
    };
    let lang = Lang::of_request(&req);
    let today = today(&settings)?;
    let (filters, _) = checked_filters(&query, &forms, today)?;
    let (min_sample, sample_margin) = (settings.min_sample, settings.sample_margin);
    let (code, registry) = (access.unit.code.clone(), forms.clone());
    let doc = db
        .run(move |conn| {
            let request = ReportRequest {
                unit: &code,
                form: &filters.form,
                period: filters.period,
                rollup: filters.rollup,
                rank_by: None,
                min_sample,
                field: filters.field.as_deref(),
                population: filters.population,
                sample_margin,
            };
            official_report::load(conn, &registry, &request, today)
        })
        .await?;
    // Drawn off the async workers: a long ranking takes a moment to lay out.
    let (name, bytes) = web::block(move || (format.file_name(&doc), format.render(&doc, lang)))
        .await
        .map_err(AppError::internal)?;
    let bytes = bytes.map_err(|e| AppError::internal(std::io::Error::other(e)))?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}
