//! Answers from programs that are not browsers (`POST /api/v1/responses`) and the form
//! they render (`GET /api/v1/forms/{id}`): checked like the web form, stored once per
//! `Idempotency-Key`, refused without the right token.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sipas::auth::Role;

use crate::auth::{add_token, seed_units};
use crate::helpers::{Backend, TestApp, client, spawn_app, spawn_app_with};
use crate::on_both_backends;
use crate::survey::assert_counts_match_answers;

async fn post(app: &TestApp, token: Option<&str>, key: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut request = client()
        .post(format!("{}/api/v1/responses?lang=en", app.address))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn desk_of(app: &TestApp, unit: &str) -> sipas::db::desks::Desk {
    let mut conn = app.prepared.db.conn().unwrap();
    sipas::desks::add(
        &mut conn,
        unit,
        "Bộ phận Một cửa",
        sipas::desks::DeskForms::both("quick-2025"),
        &app.prepared.forms.ids(),
    )
    .unwrap()
}

async fn a_collector_renders_the_form_and_its_answers_count_like_the_web_forms(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    let desk = desk_of(&app, "C1");
    let (_, token) = add_token(&app, Role::Collector, Some("P1"));

    let form: Value = client()
        .get(format!("{}/api/v1/forms/quick-2025", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let current = app.prepared.forms.current("quick-2025").unwrap();
    assert_eq!(form["id"], "quick-2025");
    assert_eq!(form["version_id"], current.version_id);
    let rating = &form["sections"][0]["questions"][0];
    assert_eq!(rating["id"], "rating");
    assert_eq!(rating["kind"]["type"], "scale");
    // Worst first, as every scale is shown.
    assert_eq!(rating["kind"]["options"][0]["label"]["vi"], "Không hài lòng");
    assert_eq!(rating["kind"]["options"][0]["level"], 1);
    assert_eq!(rating["kind"]["options"][3]["label"]["vi"], "Rất hài lòng");
    assert_eq!(rating["kind"]["options"][3]["level"], 4);
    assert_eq!(form["indices"][0]["id"], "satisfied");
    let missing = client()
        .get(format!("{}/api/v1/forms/khong-co", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // By desk code (any case), a number and a list as the form would post them.
    let body = json!({
        "desk": desk.code.to_lowercase(),
        "answers": {"rating": 4, "reasons": ["wait", "fees"], "comment": "  Nhanh gọn  "},
        "procedure_code": "1.005129",
        "procedure_field": "Hộ tịch",
        "submitted_at": "2025-07-31T14:30:00+07:00",
    });
    let (status, stored) = post(&app, Some(&token), None, &body).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["unit"], "C1");
    assert_eq!(stored["desk"], desk.id);
    assert_eq!(stored["channel"], "api");
    assert_eq!(stored["form_version"], current.version_id);
    assert_eq!(stored["submitted_at"], "2025-07-31T07:30:00Z");
    assert_eq!(stored["day"], "2025-07-31");
    let id = stored["id"].as_i64().unwrap();
    let mut conn = app.prepared.db.conn().unwrap();
    assert_eq!(
        sipas::db::responses::answers_of(&mut conn, id).unwrap(),
        [
            ("rating".to_string(), "4".to_string()),
            ("reasons".to_string(), "fees".to_string()),
            ("reasons".to_string(), "wait".to_string())
        ]
    );
    assert_eq!(
        sipas::db::responses::texts_of(&mut conn, id).unwrap(),
        [("comment".to_string(), "Nhanh gọn".to_string())]
    );

    // By unit and form, on the kiosk channel: a commune under the collector's province.
    let body = json!({"unit": "C2", "form": "quick-2025", "channel": "kiosk", "answers": {"rating": "1"}});
    let (status, stored) = post(&app, Some(&token), None, &body).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(
        (stored["unit"].as_str(), stored["desk"].is_null()),
        (Some("C2"), true)
    );
    assert_eq!(stored["channel"], "kiosk");
    let channels: Vec<String> = app.stored_responses().into_iter().map(|r| r.channel).collect();
    assert_eq!(channels, ["api", "kiosk"]);
    assert_counts_match_answers(&app);
}

async fn every_mistake_is_listed_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    let desk = desk_of(&app, "C1");
    let (_, token) = add_token(&app, Role::Staff, Some("C1"));
    let body = json!({
        "desk": desk.id,
        "answers": {"reasons": ["wait", "bribe"], "hack": "1", "comment": {"text": "x"}},
        "channel": "ticket",
        "procedure_code": "1 005 129",
        "submitted_at": "2999-01-01T00:00:00Z",
    });
    let (status, answer) = post(&app, Some(&token), None, &body).await;
    assert_eq!(status, 422, "{answer}");
    let problems = answer["error"]["problems"].as_array().unwrap();
    let by_question: Vec<(&str, &str)> = problems
        .iter()
        .filter_map(|p| Some((p["question"].as_str()?, p["message"].as_str()?)))
        .collect();
    // The web form's own messages, by question.
    assert_eq!(
        by_question,
        [
            (
                "comment",
                "An answer must be a string, a number, or a list of strings or numbers."
            ),
            ("rating", "Please answer this question."),
            ("reasons", "That is not one of the options."),
        ]
    );
    let general: Vec<&str> = problems
        .iter()
        .filter(|p| p["question"].is_null())
        .filter_map(|p| p["message"].as_str())
        .collect();
    assert_eq!(general.len(), 4, "{general:?}");
    assert!(general[0].contains("“hack”"), "{general:?}");
    assert!(general[1].contains("Channel «ticket»"), "{general:?}");
    assert!(general[2].contains("procedure_code"), "{general:?}");
    assert!(general[3].contains("in the future"), "{general:?}");
    assert!(app.stored_responses().is_empty());

    // Nothing to say where, a form that does not exist, a desk of another unit than named.
    for (body, needle) in [
        (json!({"answers": {"rating": 4}}), "Name the desk"),
        (json!({"unit": "C1", "answers": {"rating": 4}}), "Name the form"),
        (
            json!({"unit": "C1", "form": "nope", "answers": {"rating": 4}}),
            "no form «nope»",
        ),
        (
            json!({"desk": desk.id, "unit": "C2", "answers": {"rating": 4}}),
            "does not belong",
        ),
        (
            json!({"desk": desk.id, "form_version": 999_999, "answers": {"rating": 4}}),
            "no version",
        ),
    ] {
        let (status, answer) = post(&app, Some(&token), None, &body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        let text = answer["error"]["problems"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains(needle), "{body}: {answer}");
    }
    // Not JSON, or JSON of another shape: a sentence, never a 500.
    let (status, answer) = post(&app, Some(&token), None, &json!({"desk": desk.id, "answer": {}})).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]["message"].as_str().unwrap().contains("JSON"),
        "{answer}"
    );
    let (status, _) = post(
        &app,
        Some(&token),
        Some("có dấu"),
        &json!({"desk": desk.id, "answers": {}}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(app.stored_responses().is_empty());
}

async fn retries_with_one_key_store_once_even_twenty_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    let desk = desk_of(&app, "C1");
    let (_, token) = add_token(&app, Role::Staff, Some("C1"));
    let body = json!({"desk": desk.id, "answers": {"rating": 3, "comment": "Tốt"}});

    let (status, first) = post(&app, Some(&token), Some("khoa-0001"), &body).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = post(&app, Some(&token), Some("khoa-0001"), &body).await;
    assert_eq!((status, &again), (StatusCode::OK, &first));

    let rush = join_all((0..20).map(|_| post(&app, Some(&token), Some("khoa-0002"), &body))).await;
    let created: Vec<&Value> = rush.iter().filter(|(s, _)| *s == 201).map(|(_, v)| v).collect();
    assert_eq!(created.len(), 1, "{rush:?}");
    assert!(
        rush.iter()
            .all(|(s, v)| (*s == 200 || *s == 201) && v["id"] == created[0]["id"]),
        "{rush:?}"
    );
    assert_eq!(app.stored_responses().len(), 2);

    // The key of another request: refused, not taken for a retry.
    let other = json!({"desk": desk.id, "answers": {"rating": 1}});
    let (status, answer) = post(&app, Some(&token), Some("khoa-0001"), &other).await;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    // Another token's key of the same name is its own; no key, a new response each time.
    let (_, second_token) = add_token(&app, Role::Collector, Some("P1"));
    assert_eq!(
        post(&app, Some(&second_token), Some("khoa-0001"), &body).await.0,
        201
    );
    assert_eq!(post(&app, Some(&token), None, &body).await.0, 201);
    assert_eq!(post(&app, Some(&token), None, &body).await.0, 201);
    assert_eq!(app.stored_responses().len(), 5);
    assert_counts_match_answers(&app);

    // A day later the key is forgotten (and no longer tied to its response): it stores anew.
    {
        use diesel::{ExpressionMethods, RunQueryDsl};
        let day_ago = chrono::Utc::now().naive_utc() - chrono::TimeDelta::hours(25);
        diesel::update(sipas::db::schema::idempotency_keys::table)
            .set(sipas::db::schema::idempotency_keys::created_at.eq(day_ago))
            .execute(&mut app.prepared.db.conn().unwrap())
            .unwrap();
    }
    let (status, later) = post(&app, Some(&token), Some("khoa-0001"), &body).await;
    assert_eq!(status, 201, "{later}");
    assert_ne!(later["id"], first["id"]);
    let kept: i64 = {
        use diesel::{QueryDsl, RunQueryDsl};
        sipas::db::schema::idempotency_keys::table
            .count()
            .get_result(&mut app.prepared.db.conn().unwrap())
            .unwrap()
    };
    assert_eq!(kept, 1, "only the new claim is kept");
}

async fn only_the_units_staff_and_collectors_above_it_may_submit(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.api_submission_limit_per_token = 3).await;
    seed_units(&app);
    let desk = desk_of(&app, "C1");
    let body = json!({"desk": desk.id, "answers": {"rating": 4}});
    let by_unit = json!({"unit": "C1", "form": "quick-2025", "answers": {"rating": 4}});

    assert_eq!(post(&app, None, None, &body).await.0, 401);
    assert_eq!(post(&app, Some("sipas_nothing"), None, &body).await.0, 401);
    for (role, unit) in [
        (Role::Official, "C1"),
        (Role::Official, "P1"),
        (Role::Staff, "C2"),
        (Role::Staff, "P1"),
        (Role::Collector, "C2"),
        (Role::Collector, "P2"),
    ] {
        let (_, token) = add_token(&app, role, Some(unit));
        for body in [&body, &by_unit] {
            let (status, answer) = post(&app, Some(&token), None, body).await;
            assert_eq!(status, 403, "{role:?}@{unit}: {answer}");
        }
    }
    // Whether a desk or unit exists is not told to those who may not submit there…
    let (_, outsider) = add_token(&app, Role::Collector, Some("P2"));
    let ghost = json!({"desk": 999_999, "answers": {"rating": 4}});
    assert_eq!(post(&app, Some(&outsider), None, &ghost).await.0, 403);
    // …and is to an administrator.
    let (_, admin) = add_token(&app, Role::Admin, None);
    assert_eq!(post(&app, Some(&admin), None, &ghost).await.0, 404);
    assert!(app.stored_responses().is_empty());

    let (_, staff) = add_token(&app, Role::Staff, Some("C1"));
    let (_, collector) = add_token(&app, Role::Collector, Some("C1"));
    assert_eq!(post(&app, Some(&staff), None, &body).await.0, 201);
    assert_eq!(post(&app, Some(&collector), None, &by_unit).await.0, 201);
    // A limit of its own per token: past it, 429 with when to come back.
    assert_eq!(post(&app, Some(&staff), None, &body).await.0, 201);
    assert_eq!(post(&app, Some(&staff), None, &body).await.0, 201);
    let response = client()
        .post(format!("{}/api/v1/responses", app.address))
        .bearer_auth(&staff)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(post(&app, Some(&collector), None, &by_unit).await.0, 201);
    assert_eq!(app.stored_responses().len(), 5);
}

on_both_backends!(
    a_collector_renders_the_form_and_its_answers_count_like_the_web_forms,
    every_mistake_is_listed_and_nothing_is_stored,
    retries_with_one_key_store_once_even_twenty_at_once,
    only_the_units_staff_and_collectors_above_it_may_submit,
);
