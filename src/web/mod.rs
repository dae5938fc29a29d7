//! The HTTP interface, one module per area.

pub mod error;
pub mod error_pages;
mod health;
mod home;
pub mod pages;
pub mod rate_limit;
mod survey;
mod survey_view;

use actix_web::web;

pub use error::AppError;

/// Every route of the application.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Resources (not bare routes) so that a wrong method gets 405, not 404.
    cfg.service(web::resource("/healthz").get(health::healthz))
        .service(web::resource("/").get(home::home))
        .service(web::resource("/s").get(home::go_to_code))
        .service(web::resource("/s/{code}").get(survey::show).post(survey::submit))
        .service(web::resource("/s/{code}/thanks").get(survey::thanks))
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::not_found(error::generic_message(
        actix_web::http::StatusCode::NOT_FOUND,
    )))
}
