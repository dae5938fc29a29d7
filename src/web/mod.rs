//! The HTTP interface, one module per area.

mod account;
mod admin;
mod api;
pub mod csrf;
pub(crate) mod dashboard;
pub mod error;
pub mod error_pages;
pub mod extract;
mod favicon;
mod health;
mod home;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pages;
pub mod rate_limit;
mod staff;
mod survey;
mod survey_faces;
mod survey_place;
mod survey_token;
mod survey_view;

use actix_web::web;

pub use error::AppError;

/// Every route of the application.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Resources (not bare routes) so that a wrong method gets 405, not 404.
    cfg.service(web::resource("/healthz").get(health::healthz))
        .service(web::resource("/favicon.ico").get(favicon::favicon))
        .service(web::resource("/metrics").get(metrics::metrics))
        .service(web::resource("/robots.txt").get(home::robots))
        .service(web::resource("/").get(home::home))
        .service(web::resource("/s").get(home::go_to_code))
        .service(web::resource("/s/{code}").get(survey::show).post(survey::submit))
        .service(web::resource("/s/{code}/thanks").get(survey::thanks))
        .service(
            web::resource("/login")
                .get(account::login_page)
                .post(account::login),
        )
        .service(web::resource("/logout").post(account::logout))
        .service(web::resource("/account").get(account::account_page))
        .service(web::resource("/account/password").post(account::change_password))
        .service(web::resource("/account/digest").post(account::choose_digest))
        .service(web::resource("/units/{code}").get(dashboard::show))
        .service(web::resource("/units/{code}/export.{format}").get(dashboard::export::download))
        .service(web::resource("/units/{code}/report.{format}").get(dashboard::report_file::download))
        .service(web::resource("/units/{code}/breakdowns").get(dashboard::breakdowns::show))
        .service(web::resource("/units/{code}/comments").get(dashboard::inbox::list))
        .service(web::resource("/units/{code}/comments/status").post(dashboard::inbox::set_status))
        .service(web::resource("/units/{code}/comments/negative.csv").get(dashboard::inbox::negative_csv))
        .service(
            web::resource("/units/{code}/alerts")
                .get(dashboard::alerts::list)
                .post(dashboard::alerts::add),
        )
        .service(web::resource("/units/{code}/alerts/{id}/delete").post(dashboard::alerts::delete))
        .service(web::resource("/public/units/{code}").get(dashboard::public::show))
        .configure(staff::routes)
        .service(web::resource("/api/v1/openapi.json").get(openapi::openapi_json))
        .service(web::resource("/api/v1/docs").get(openapi::docs))
        .service(web::resource("/api/v1/me").get(api::me))
        .service(web::resource("/api/v1/units/{code}").get(api::unit))
        .service(web::resource("/api/v1/units/{code}/report").get(api::report))
        .service(web::resource("/api/v1/tickets").post(api::issue_ticket))
        .service(web::resource("/api/v1/dossiers").post(api::dossiers))
        .service(web::resource("/api/v1/forms/{id}").get(api::form))
        .service(web::resource("/api/v1/responses").post(api::submit_response))
        .configure(admin::routes)
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::page_not_found())
}
