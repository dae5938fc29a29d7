//! The home page, where a citizen without a camera types the survey code.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::codes;

use super::AppError;
use super::pages::{self, Page};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    page: Page,
    code: &'a str,
    code_error: &'a str,
}

pub async fn home(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let page = Page::new(&req);
    pages::render(
        &page,
        StatusCode::OK,
        &HomePage {
            page: page.clone(),
            code: "",
            code_error: "",
        },
    )
}

#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    code: String,
}

/// `GET /s?code=…` (the home page's form): on to the questionnaire of a well-formed code,
/// or back to the form with the reason.
pub async fn go_to_code(req: HttpRequest, query: web::Query<CodeQuery>) -> Result<HttpResponse, AppError> {
    if let Some(code) = codes::normalize(&query.code) {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/s/{code}")))
            .finish());
    }
    let page = Page::new(&req);
    let error = page.t(
        "Mã khảo sát chỉ gồm chữ cái và chữ số, ví dụ K7M2QX. Hãy kiểm tra và nhập lại.",
        "A survey code has only letters and digits, for example K7M2QX. Please check it and try again.",
    );
    let typed: String = query.code.chars().take(20).collect();
    let template = HomePage {
        page: page.clone(),
        code: &typed,
        code_error: error,
    };
    pages::render(&page, StatusCode::UNPROCESSABLE_ENTITY, &template)
}

/// What search engines may read: the home page only. Survey pages (whose addresses hold
/// desk and ticket codes), units' pages and everything behind a sign-in stay out.
const ROBOTS: &str = "User-agent: *\n\
Disallow: /s/\n\
Disallow: /s?\n\
Disallow: /units/\n\
Disallow: /public/\n\
Disallow: /staff/\n\
Disallow: /admin/\n\
Disallow: /api/\n\
Disallow: /kiosk\n\
Disallow: /login\n\
Disallow: /account\n";

/// `GET /robots.txt`
pub async fn robots() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(ROBOTS)
}
