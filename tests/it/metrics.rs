//! `GET /metrics`: closed by default, open to the token, and its counters move with what
//! happens — an answer, a refused sign-in, a rate limit — without naming a code.

use serde_json::json;
use sipas::auth::Role;
use sipas::config::Secret;

use crate::auth::{add_token, add_user};
use crate::helpers::{Backend, TestApp, client, spawn_app, spawn_app_with};
use crate::on_both_backends;
use crate::survey::{full_answers, seed_desk};

const TOKEN: &str = "bí-mật-của-prometheus";

async fn scrape(app: &TestApp) -> String {
    let response = client()
        .get(format!("{}/metrics", app.address))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    response.text().await.unwrap()
}

/// The value of the metric line that starts with `series` (0 when there is none).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.parse().unwrap())
}

async fn metrics_are_closed_unless_a_token_is_set(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = client()
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = client()
        .get(format!("{}/metrics", app.address))
        .bearer_auth("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    let app = spawn_app_with(backend, |s| s.metrics_token = Secret::new(TOKEN)).await;
    for token in [None, Some("sai"), Some(&TOKEN[..TOKEN.len() - 1])] {
        let mut request = client().get(format!("{}/metrics", app.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_eq!(request.send().await.unwrap().status(), 401, "{token:?}");
    }
    let text = scrape(&app).await;
    assert!(text.contains("sipas_build_info{version=\""), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
}

async fn counters_move_with_answers_refused_sign_ins_and_limits(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.metrics_token = Secret::new(TOKEN);
        s.submission_limit_per_ip = 2;
    })
    .await;
    let code = seed_desk(&app, "quick-2025");
    let before = scrape(&app).await;
    assert_eq!(
        value(&before, r#"sipas_answers_stored_total{channel="desk_qr"}"#),
        0.0
    );

    let answers = full_answers(&app, "quick-2025");
    assert_eq!(app.answer(&code, &answers).await.status(), 303);
    assert_eq!(app.answer(&code, &answers).await.status(), 303);
    assert_eq!(app.answer(&code, &answers).await.status(), 429);
    let unit = app.stored_responses()[0].unit_code.clone();
    let (_, token) = add_token(&app, Role::Staff, Some(&unit));
    let api = client()
        .post(format!("{}/api/v1/responses", app.address))
        .bearer_auth(&token)
        .json(&json!({"unit": unit, "form": "quick-2025", "answers": {"rating": 4}}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 201);
    add_user(&app, "can.bo@example.vn", Role::Staff, Some(&unit));
    let browser = client();
    let (_, html) = crate::helpers::page(&browser, &app, "/login").await;
    let csrf = crate::auth::csrf_of(&html);
    let login = app
        .post_form(
            &browser,
            "/login",
            &[
                ("_csrf", csrf.as_str()),
                ("email", "can.bo@example.vn"),
                ("password", "sai mật khẩu"),
            ],
        )
        .await;
    assert_eq!(login.status(), 401);

    let after = scrape(&app).await;
    assert_eq!(
        value(&after, r#"sipas_answers_stored_total{channel="desk_qr"}"#),
        2.0
    );
    assert_eq!(value(&after, r#"sipas_answers_stored_total{channel="api"}"#), 1.0);
    assert_eq!(
        value(
            &after,
            r#"sipas_http_requests_total{method="POST",route="/s/{code}",status="303"}"#
        ),
        2.0
    );
    assert_eq!(
        value(
            &after,
            r#"sipas_rate_limited_requests_total{method="POST",route="/s/{code}"}"#
        ),
        1.0
    );
    assert_eq!(value(&after, "sipas_login_failures_total"), 1.0);
    assert!(value(&after, "sipas_commit_batch_size_count") >= 1.0, "{after}");
    assert!(
        value(&after, "sipas_commit_duration_seconds_count") >= 1.0,
        "{after}"
    );
    assert!(
        value(
            &after,
            r#"sipas_http_request_duration_seconds_count{method="GET",route="/s/{code}"}"#
        ) >= 3.0,
        "{after}"
    );
    assert!(
        value(&after, r#"sipas_db_pool_connections{state="size"}"#) >= 1.0,
        "{after}"
    );
    assert!(
        after.contains(r#"sipas_outbox_mails{state="waiting"} 0"#),
        "{after}"
    );
    // Route patterns only: no code or address in any label.
    for secret in [code.as_str(), "127.0.0.1", "can.bo"] {
        assert!(!after.contains(secret), "{secret} in {after}");
    }
}

on_both_backends!(
    metrics_are_closed_unless_a_token_is_set,
    counters_move_with_answers_refused_sign_ins_and_limits,
);
