//! `GET /favicon.ico`: the tab icon browsers ask for on their own (a blue square with a
//! white tick, as SVG, which every current browser draws), so they stop getting a 404.

use actix_web::HttpResponse;
use actix_web::http::header::CACHE_CONTROL;

const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b3d6e"/><path d="M8 17l5 5 11-12" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/></svg>"##;

pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((CACHE_CONTROL, "public, max-age=604800"))
        .body(ICON)
}
