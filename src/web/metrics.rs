//! `GET /metrics` for Prometheus, closed unless `metrics_token` is set (and then only to
//! whoever sends it), and the middleware that counts every request.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use super::AppError;
use crate::config::Settings;
use crate::db::{Database, DbError};
use crate::metrics::Metrics;

/// Counts each request by its route pattern and final status, and times it.
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    // The pattern, never the path: a path can hold a ticket code.
    let route = req.match_pattern().unwrap_or_else(|| "(unmatched)".to_string());
    let started = Instant::now();
    let outcome = next.call(req).await;
    if let Some(metrics) = metrics {
        let status = match &outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        metrics.request(&method, &route, status.as_u16(), started.elapsed());
    }
    outcome
}

/// Whether the request carries the metrics token (compared by hash, so the time taken
/// says nothing about how much of it was right).
fn carries_token(req: &HttpRequest, token: &str) -> bool {
    // As bytes: a token need not be ASCII.
    let sent = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|h| h.as_bytes().strip_prefix(b"Bearer "))
        .unwrap_or_default();
    Sha256::digest(sent.trim_ascii()) == Sha256::digest(token.as_bytes())
}

/// `GET /metrics`: 404 while no `metrics_token` is set (as if there were none), 401
/// without the token.
pub async fn metrics(
    req: HttpRequest,
    settings: web::Data<Settings>,
    metrics: web::Data<Metrics>,
    db: web::Data<Database>,
) -> Result<HttpResponse, AppError> {
    let token = settings.metrics_token.expose();
    if token.is_empty() {
        return Err(AppError::page_not_found());
    }
    if !carries_token(&req, token) {
        return Err(AppError::new(
            actix_web::http::StatusCode::UNAUTHORIZED,
            crate::i18n::Message::new(
                "Cần mã metrics_token (Authorization: Bearer …).",
                "The metrics_token is required (Authorization: Bearer …).",
            ),
        )
        .with_header(actix_web::http::header::WWW_AUTHENTICATE, "Bearer".into()));
    }
    // The outbox is read from the database; metrics still answer while it cannot.
    let outbox = db
        .run(|conn| crate::db::outbox::status(conn).map_err(DbError::from))
        .await
        .ok();
    let text = metrics.render(&db, outbox).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(text))
}
