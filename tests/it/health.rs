use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

async fn healthz_answers_ok_when_the_database_answers(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}));
}

on_both_backends!(healthz_answers_ok_when_the_database_answers);

/// With PostgreSQL gone, monitors learn it from /healthz (503, not a hang or a 500).
#[actix_web::test]
#[cfg_attr(not(sipas_test_postgres), ignore = "SIPAS_TEST_POSTGRES_URL is not set")]
async fn healthz_reports_unavailable_when_postgres_is_gone() {
    let app = spawn_app(Backend::Postgres).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    // Dropping the database ends every connection of the pool, and none can be reopened.
    let admin = crate::helpers::required_postgres_url();
    let name = app.db.url.rsplit('/').next().unwrap().to_string();
    actix_web::web::block(move || {
        use diesel::RunQueryDsl;
        let mut conn = crate::helpers::admin_connection(&admin).unwrap();
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut conn)
            .unwrap();
    })
    .await
    .unwrap();
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
}
