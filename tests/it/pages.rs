//! The HTML skeleton every page shares: languages, errors, headers, compression.

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

async fn home_page_speaks_vietnamese_by_default_and_english_on_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = response.text().await.unwrap();
    assert!(body.contains(r#"<html lang="vi">"#));
    assert!(body.contains("Ý kiến của Ông/Bà giúp cải thiện dịch vụ hành chính công"));
    assert!(body.contains(r#"href="/?lang=en""#), "the page offers English");

    // Choosing English is remembered by a cookie for the next pages.
    let response = app.get("/?lang=en").await;
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("lang=en"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(response.text().await.unwrap().contains(r#"<html lang="en">"#));
    let body = app.get("/").await.text().await.unwrap();
    assert!(body.contains("Your opinion helps improve public services"));
    assert!(body.contains(r#"href="/?lang=vi""#));
}

async fn browsers_asking_for_english_get_english(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .client
        .get(format!("{}/", app.address))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains(r#"<html lang="en">"#));
}

async fn unknown_pages_get_a_vietnamese_404_page_that_offers_the_code_form(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/khong-co-trang-nay").await;
    assert_eq!(response.status(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("<title>Không tìm thấy · sipas</title>"));
    assert!(body.contains("Không tìm thấy trang Ông/Bà yêu cầu"));
    assert!(body.contains(r#"<form method="get" action="/s""#));

    let body = app.get("/khong-co-trang-nay?lang=en").await.text().await.unwrap();
    assert!(body.contains("The page you asked for does not exist"));
}

async fn api_errors_are_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/api/v1/no-such-thing").await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["status"], 404);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Không tìm thấy")
    );
}

async fn wrong_methods_get_405_with_a_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .post(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let body = response.text().await.unwrap();
    assert!(body.contains("Trang này không hỗ trợ thao tác đó"), "{body}");
}

async fn every_response_carries_the_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/", "/healthz", "/missing", "/api/v1/missing"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{path}: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
}

async fn pages_are_compressed_for_clients_that_accept_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let plain = app.get("/").await.bytes().await.unwrap().len();
    let response = app
        .client
        .get(format!("{}/", app.address))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let compressed = response.bytes().await.unwrap().len();
    assert!(compressed < plain, "{compressed} bytes compressed vs {plain}");
}

async fn a_typed_code_leads_to_its_questionnaire(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/s?code=+k7m-2qo+").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/s/K7M2Q0");

    let response = app.get("/s?code=%3Cb%3Ebad%3C%2Fb%3E").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("Mã khảo sát chỉ gồm chữ cái và chữ số"));
    assert!(
        body.contains(r#"value="&#60;b&#62;bad&#60;/b&#62;""#),
        "typed text is kept, escaped"
    );
    assert!(!body.contains("<b>bad</b>"));
}

on_both_backends!(
    home_page_speaks_vietnamese_by_default_and_english_on_request,
    browsers_asking_for_english_get_english,
    unknown_pages_get_a_vietnamese_404_page_that_offers_the_code_form,
    api_errors_are_json,
    wrong_methods_get_405_with_a_page,
    every_response_carries_the_security_headers,
    pages_are_compressed_for_clients_that_accept_it,
    a_typed_code_leads_to_its_questionnaire,
);
