//! What programs read: the unit document of the API, and the children of a report ranked
//! by the index asked for (`--rank-by`, `rank_by=`), on the units and July dataset of
//! `indices.rs`.

use serde_json::{Value, json};
use sipas::auth::Role;

use crate::auth::add_token;
use crate::helpers::{Backend, client, run, run_ok, stderr, stdout};
use crate::indices::{app_with_test_form, app_with_test_form_and, seed_responses, sipas_with_test_form};
use crate::on_both_backends;

/// `GET /api/v1/units/{code}`: the unit and its children, each as the unit list shows it.
async fn the_api_gives_a_unit_with_its_children(backend: Backend) {
    let app = app_with_test_form(backend).await;
    let (_, token) = add_token(&app, Role::Official, Some("P1"));
    let get = |path: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let response = client()
                .get(format!("{}{path}", app.address))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
            response.json::<Value>().await.unwrap()
        }
    };
    let unit = |code: &str, name: &str, kind: &str, parent: Option<&str>| json!({"code": code, "name": name, "kind": kind, "parent": parent, "public": false});
    let mut province = unit("P1", "Tỉnh Một", "tỉnh", None);
    province["children"] = json!([
        unit("C1", "Xã Một", "xã", Some("P1")),
        unit("C2", "Xã Hai", "xã", Some("P1")),
    ]);
    assert_eq!(get("/api/v1/units/P1").await, province);
    let mut commune = unit("C2", "Xã Hai", "xã", Some("P1"));
    commune["children"] = json!([]);
    assert_eq!(get("/api/v1/units/C2").await, commune);
}

/// The children of P1 in July: C1 leads by the headline e (58.33 against 50) and C2 by
/// the points total (75 % against 62.5 %); ranked by total, C2 comes first, from the
/// command line and from the API alike.
async fn children_are_ranked_by_the_index_asked_for(backend: Backend) {
    // Small samples here (n = 2 to 4); ranking them is what this test is about.
    let app = app_with_test_form_and(backend, |s| s.min_sample = 1).await;
    seed_responses(&app);
    let ranks = |document: &Value| -> Vec<(String, Value)> {
        document["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["unit"].as_str().unwrap().to_string(), c["rank"].clone()))
            .collect()
    };
    let report = |rank_by: &[&str]| {
        let output = run_ok(
            sipas_with_test_form(&app.db)
                .env("SIPAS_MIN_SAMPLE", "1")
                .args(["report", "--unit", "P1", "--form", "test-indices"])
                .args(["--period", "2025-07", "--format", "json"])
                .args(rank_by),
        );
        serde_json::from_str::<Value>(&stdout(&output)).unwrap()
    };
    let by_headline = report(&[]);
    assert_eq!(
        ranks(&by_headline),
        [("C1".into(), json!(1)), ("C2".into(), json!(2))]
    );
    let by_total = report(&["--rank-by", "total"]);
    assert_eq!(
        ranks(&by_total),
        [("C2".into(), json!(1)), ("C1".into(), json!(2))]
    );
    assert_eq!(by_total["children"][0]["indices"]["total"]["value"], 75.0);
    let (_, token) = add_token(&app, Role::Official, Some("P1"));
    let api: Value = client()
        .get(format!(
            "{}/api/v1/units/P1/report?form=test-indices&period=2025-07&rank_by=total",
            app.address
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ranks(&api), ranks(&by_total));
    let unknown = run(sipas_with_test_form(&app.db).args([
        "report",
        "--unit",
        "P1",
        "--form",
        "test-indices",
        "--rank-by",
        "khong-co",
    ]));
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("khong-co"), "{}", stderr(&unknown));
}

on_both_backends!(
    the_api_gives_a_unit_with_its_children,
    children_are_ranked_by_the_index_asked_for,
);
