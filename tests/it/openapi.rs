//! The OpenAPI document of `/api/v1` matches the routes that exist, both ways, and its
//! page shows it without a script.

use std::collections::BTreeSet;

use serde_json::Value;
use sipas::auth::Role;
use sipas::config::Secret;

use crate::auth::add_token;
use crate::helpers::{Backend, checkout_path, client, spawn_app_with};
use crate::on_both_backends;

/// `(method, path)` of every `/api/v1` resource the router registers, read from its
/// source (actix cannot list its routes); the document's own two routes left out.
fn registered_routes() -> BTreeSet<(String, String)> {
    let source = std::fs::read_to_string(checkout_path("src/web/mod.rs")).unwrap();
    let mut routes = BTreeSet::new();
    for piece in source.split("web::resource(\"").skip(1) {
        let Some((path, rest)) = piece.split_once('"') else {
            continue;
        };
        if !path.starts_with("/api/") || path == "/api/v1/openapi.json" || path == "/api/v1/docs" {
            continue;
        }
        let until = rest.find(".service(").unwrap_or(rest.len());
        for method in ["get", "post", "put", "patch", "delete"] {
            if rest[..until].contains(&format!(".{method}(")) {
                routes.insert((method.to_string(), path.to_string()));
            }
        }
    }
    routes
}

fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            routes.insert((method.clone(), path.clone()));
        }
    }
    routes
}

async fn the_document_describes_every_api_route_and_no_other(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.metrics_token = Secret::new("m")).await;
    let doc: Value = client()
        .get(format!("{}/api/v1/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for schema in [
        "AnswerRequest",
        "Submitted",
        "TicketRequest",
        "DossierCount",
        "ErrorBody",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "no schema {schema}"
        );
    }
    let documented = documented_routes(&doc);
    let registered = registered_routes();
    assert!(registered.len() >= 7, "{registered:?}");
    assert_eq!(documented, registered, "documented vs registered /api/v1 routes");
    for (method, path) in &documented {
        let operation = &doc["paths"][path][method];
        // Vietnamese first, then English, in the summary and every answer.
        assert!(
            operation["summary"].as_str().is_some_and(|s| s.contains(" — ")),
            "{method} {path}"
        );
        assert_eq!(
            operation["security"][0]["bearer"],
            Value::Array(vec![]),
            "{method} {path}"
        );
        let responses = operation["responses"].as_object().unwrap();
        assert!(responses.contains_key("401"), "{method} {path}: 401 undocumented");
        for (status, response) in responses {
            let description = response["description"].as_str().unwrap_or_default();
            assert!(
                description.contains(" — "),
                "{method} {path} {status}: {description}"
            );
        }
    }

    // Each documented operation reaches a route of that very pattern (not the 404 of no
    // route), whatever it answers an administrator.
    let (_, token) = add_token(&app, Role::Admin, None);
    for (method, path) in &documented {
        let url = format!(
            "{}{}",
            app.address,
            path.replace("{code}", "79").replace("{id}", "quick-2025")
        );
        let request = match method.as_str() {
            "get" => client().get(url),
            _ => client().post(url).json(&serde_json::json!({})),
        };
        request.bearer_auth(&token).send().await.unwrap();
    }
    let metrics = client()
        .get(format!("{}/metrics", app.address))
        .bearer_auth("m")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (method, path) in &documented {
        let series = format!(
            "sipas_http_requests_total{{method=\"{}\",route=\"{path}\"",
            method.to_uppercase()
        );
        assert!(metrics.contains(&series), "{series} not routed:\n{metrics}");
    }
    assert!(!metrics.contains("(unmatched)"), "{metrics}");
}

async fn the_docs_page_shows_every_operation_without_a_script(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let response = client()
        .get(format!("{}/api/v1/docs", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script"), "no script may run here");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing from elsewhere"
    );
    for (_, path) in registered_routes() {
        assert!(
            html.contains(&format!("<code>{path}</code>")),
            "{path} not on the page"
        );
    }
    assert!(
        html.contains("Gửi một phiếu trả lời — Submit one response"),
        "{html}"
    );
    assert!(html.contains("Idempotency-Key"));
}

on_both_backends!(
    the_document_describes_every_api_route_and_no_other,
    the_docs_page_shows_every_operation_without_a_script,
);
