//! `GET /healthz`: whether this replica can serve, for load balancers and monitors.

use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};

use crate::db::Database;

/// 200 `{"status":"ok"}` when the database answers, 503 `{"status":"unavailable"}`
/// otherwise.
pub async fn healthz(db: web::Data<Database>) -> HttpResponse {
    let mut response = match db.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(error) => {
            tracing::warn!(%error, "health check: the database does not answer");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
        }
    };
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
