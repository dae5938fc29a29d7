//! Turns every error response into something the asker can read: a page in their language
//! for browsers, JSON for `/api/`. Also catches actix's own errors (a malformed form, a
//! payload too large) so no bare text ever reaches a citizen.

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::i18n::{Lang, Message};

use super::error::{AppError, generic_message};
use super::pages::{self, Page};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    page: Page,
    status: u16,
    title: &'a str,
    message: &'a str,
    /// The survey code the person typed or scanned, kept in the field to correct it.
    code: String,
}

/// The middleware: applies to every 4xx and 5xx response.
pub fn error_handlers<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(render_error)
}

fn render_error<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // A handler that answered with its own page or JSON (a form shown again with its
    // mistakes, a health report) keeps it.
    let rendered = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if rendered {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let app_error = res.response().error().and_then(|e| e.as_error::<AppError>());
    let message = app_error
        .map(|e| e.message().clone())
        .unwrap_or_else(|| generic_message(status));
    let problems = app_error.map(|e| e.problems().to_vec()).unwrap_or_default();
    let (req, original) = res.into_parts();
    let mut response = if req.path().starts_with("/api/") {
        json_error(&req, status, &message, &problems)
    } else {
        html_error(&req, status, &message)
    };
    // Headers that tell the client what to do next survive the rewrite.
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = original.headers().get(&name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

fn json_error(
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    message: &Message,
    problems: &[(Option<String>, Message)],
) -> HttpResponse {
    let lang = Lang::of_request(req);
    let mut error = serde_json::json!({
        "status": status.as_u16(),
        "message": message.get(lang),
    });
    if !problems.is_empty() {
        error["problems"] = problems
            .iter()
            .map(
                |(question, message)| serde_json::json!({"question": question, "message": message.get(lang)}),
            )
            .collect();
    }
    let body = serde_json::json!({ "error": error });
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body.to_string())
}

fn html_error(req: &HttpRequest, status: actix_web::http::StatusCode, message: &Message) -> HttpResponse {
    let page = Page::new(req);
    let title = title(status);
    // `/s/{code}` and its pages: the code goes back into the field as it was typed.
    // Only an unknown code: an expired ticket's code is no use typed again.
    let code: String = (req.path().starts_with("/s/") && status.as_u16() == 404)
        .then(|| req.match_info().get("code"))
        .flatten()
        .map(|typed| typed.chars().take(20).collect())
        .unwrap_or_default();
    let template = ErrorPage {
        code,
        status: status.as_u16(),
        title: title.get(page.lang),
        message: message.get(page.lang),
        page: page.clone(),
    };
    match pages::render(&page, status, &template) {
        Ok(response) => response,
        Err(_) => HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(message.vi.to_string()),
    }
}

fn title(status: actix_web::http::StatusCode) -> Message {
    let (vi, en) = match status.as_u16() {
        401 => ("Cần đăng nhập", "Sign-in required"),
        403 => ("Không có quyền truy cập", "Access denied"),
        404 => ("Không tìm thấy", "Not found"),
        409 => ("Đã được ghi nhận", "Already recorded"),
        410 => ("Đã hết hiệu lực", "No longer valid"),
        429 => ("Thao tác quá nhanh", "Too many requests"),
        503 => ("Tạm ngừng phục vụ", "Temporarily unavailable"),
        s if s >= 500 => ("Lỗi hệ thống", "Server error"),
        _ => ("Yêu cầu chưa hợp lệ", "Invalid request"),
    };
    Message::new(vi, en)
}
