//! Single-use tickets as citizens and the one-stop software meet them: one answer per
//! ticket even under a rush, expired, revoked and unknown tickets, and tickets minted
//! through the API, once per dossier.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sipas::auth::Role;
use sipas::codes::tickets::{self, Issue, Revoked, TicketState};
use sipas::db::desks::Desk;
use sipas::db::tickets::Ticket;

use crate::auth::{add_token, seed_units};
use crate::helpers::{Backend, TestApp, client, spawn_app, spawn_app_with};
use crate::on_both_backends;
use crate::printed::decode_svg;
use crate::survey::{assert_counts_match_answers, full_answers, hidden_fields, seed_desk};

/// Issues `count` tickets at the desk with `desk_code`, as the staff page would.
pub fn issue(app: &TestApp, desk_code: &str, count: usize, procedure: Option<&str>) -> Vec<Ticket> {
    let mut conn = app.prepared.db.conn().unwrap();
    let desk = sipas::db::desks::find_by_code(&mut conn, desk_code)
        .unwrap()
        .unwrap();
    tickets::issue(
        &mut conn,
        &Issue::now(&desk, count, procedure, &app.db.settings()),
    )
    .unwrap()
}

pub fn ticket(app: &TestApp, code: &str) -> Ticket {
    sipas::db::tickets::find_by_code(&mut app.prepared.db.conn().unwrap(), code)
        .unwrap()
        .unwrap()
}

/// Issued and answered tickets of every desk and day, summed.
pub fn ticket_totals(app: &TestApp) -> (i64, i64) {
    let counts = sipas::db::tickets::counts(&mut app.prepared.db.conn().unwrap()).unwrap();
    (
        counts.iter().map(|c| c.issued).sum(),
        counts.iter().map(|c| c.answered).sum(),
    )
}

async fn a_ticket_takes_exactly_one_answer_even_from_a_hundred_at_once(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.submission_limit_per_ip = 1000;
        s.submission_limit_per_desk = 1000;
    })
    .await;
    let desk_code = seed_desk(&app, "quick-2025");
    let code = issue(&app, &desk_code, 1, Some("1.005129")).remove(0).code;
    // A hundred phones open the same ticket, each with a page of its own...
    let mut pages = Vec::new();
    for _ in 0..100 {
        let (status, html) = app.open_survey(&code).await;
        assert_eq!(status, 200);
        pages.push(hidden_fields(&html));
    }
    // ...and all send their answers at the same instant.
    let answers = full_answers(&app, "quick-2025");
    let responses = join_all(pages.iter().map(|page| app.post_survey(&code, page, &answers))).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 99, "{statuses:?}");

    let stored = app.stored_responses();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].channel, "ticket");
    assert_eq!(stored[0].procedure_code.as_deref(), Some("1.005129"));
    assert!(ticket(&app, &code).answered);
    assert_eq!(ticket_totals(&app), (1, 1));
    assert_counts_match_answers(&app);

    let (status, html) = app.open_survey(&code).await;
    assert_eq!(status, 409);
    assert!(
        html.contains("Phiếu này đã được dùng để trả lời khảo sát"),
        "{html}"
    );
    // The desk's own code keeps taking answers, through the desk channel.
    assert_eq!(app.answer(&desk_code, &answers).await.status(), 303);
    assert_eq!(app.stored_responses()[1].channel, "desk_qr");
}

async fn expired_revoked_and_unknown_tickets_get_clear_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let desk_code = seed_desk(&app, "quick-2025");
    let issued = issue(&app, &desk_code, 4, None);
    let mut conn = app.prepared.db.conn().unwrap();
    sipas::with_backend!(&mut *conn, |c| {
        use diesel::prelude::*;
        use sipas::db::schema::tickets;
        diesel::update(tickets::table.filter(tickets::code.eq(&issued[0].code)))
            .set(tickets::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::hours(1)))
            .execute(c)
            .unwrap()
    });
    // Revoked as staff type it: lower case, with a dash.
    let typed = format!("{}-{}", &issued[1].code[..4], &issued[1].code[4..]).to_lowercase();
    assert_eq!(tickets::revoke(&mut conn, &typed, None).unwrap(), Revoked::Now);
    assert_eq!(
        tickets::revoke(&mut conn, &typed, None).unwrap(),
        Revoked::AlreadyClosed(TicketState::Revoked)
    );
    assert_eq!(
        tickets::revoke(&mut conn, "ZZZZZZZZ", None).unwrap(),
        Revoked::Unknown
    );
    assert_eq!(
        tickets::revoke(&mut conn, &issued[2].code, Some(-1)).unwrap(),
        Revoked::Unknown,
        "a ticket of another desk"
    );
    drop(conn);

    let (status, html) = app.open_survey(&issued[0].code).await;
    assert_eq!(status, 410);
    assert!(html.contains("Phiếu khảo sát này đã hết hạn"), "{html}");
    let (status, html) = app.open_survey(&issued[1].code).await;
    assert_eq!(status, 410);
    assert!(html.contains("Phiếu khảo sát này đã bị thu hồi"), "{html}");
    let (status, html) = app.open_survey("ZZZZZZZZ").await;
    assert_eq!(status, 404);
    assert!(html.contains("Không tìm thấy mã khảo sát “ZZZZZZZZ”"));

    // A ticket revoked while its page is open: the answer is refused, nothing stored.
    let (status, html) = app.open_survey(&issued[2].code).await;
    assert_eq!(status, 200);
    let page = hidden_fields(&html);
    let mut conn = app.prepared.db.conn().unwrap();
    assert_eq!(
        tickets::revoke(&mut conn, &issued[2].code, None).unwrap(),
        Revoked::Now
    );
    drop(conn);
    let answers = full_answers(&app, "quick-2025");
    let response = app.post_survey(&issued[2].code, &page, &answers).await;
    assert_eq!(response.status(), 410);
    assert!(app.stored_responses().is_empty());
    // An answered ticket cannot be revoked afterwards.
    assert_eq!(app.answer(&issued[3].code, &answers).await.status(), 303);
    let mut conn = app.prepared.db.conn().unwrap();
    assert_eq!(
        tickets::revoke(&mut conn, &issued[3].code, None).unwrap(),
        Revoked::AlreadyClosed(TicketState::Answered)
    );
    assert_eq!(ticket_totals(&app), (4, 1));
}

fn desk_of(app: &TestApp, unit: &str, name: &str) -> Desk {
    let mut conn = app.prepared.db.conn().unwrap();
    sipas::desks::add(
        &mut conn,
        unit,
        name,
        sipas::desks::DeskForms::both("quick-2025"),
        &app.prepared.forms.ids(),
    )
    .unwrap()
}

async fn mint(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    let response = client()
        .post(format!("{}/api/v1/tickets", app.address))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn the_one_stop_software_mints_one_ticket_per_dossier(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    let desk = desk_of(&app, "C1", "Bộ phận Một cửa");
    let other_province = desk_of(&app, "D1", "Bộ phận Một cửa");
    let (_, token) = add_token(&app, Role::Staff, Some("C1"));

    // The field as some keyboards type it: decomposed marks, doubled spaces.
    let typed_field: String = unicode_normalization::UnicodeNormalization::nfd("Hộ  tịch").collect();
    let body = json!({"desk": desk.id, "procedure_code": "1.005129", "procedure_field": typed_field,
                      "dossier_code": "H46.19753-251122-0001"});
    let (status, first) = mint(&app, &token, &body).await;
    assert_eq!(status, 201, "{first}");
    let code = first["code"].as_str().unwrap().to_string();
    assert!(tickets::is_ticket_code(&code), "{code}");
    let url = format!("{}/s/{code}", app.address);
    assert_eq!(first["url"], url.as_str());
    let expires = chrono::DateTime::parse_from_rfc3339(first["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.0).contains(&days), "valid 30 days, not {days}");
    assert_eq!(decode_svg(first["qr_svg"].as_str().unwrap()), vec![url.clone()]);
    // The same dossier again: the same ticket.
    let (status, again) = mint(&app, &token, &body).await;
    assert_eq!((status, &again), (StatusCode::OK, &first));

    // Ten posts for one new dossier at once, the desk named by its code: one ticket.
    let body = json!({"desk": desk.code.to_lowercase(), "dossier_code": "H46.19753-251122-0002"});
    let rush = join_all((0..10).map(|_| mint(&app, &token, &body))).await;
    let created = rush.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 1, "{rush:?}");
    assert!(rush.iter().all(|(s, _)| *s == 201 || *s == 200), "{rush:?}");
    assert!(
        rush.iter().all(|(_, b)| b["code"] == rush[0].1["code"]),
        "{rush:?}"
    );
    // Without a dossier every post is a new ticket.
    let (a, b) = (
        mint(&app, &token, &json!({"desk": desk.id})).await,
        mint(&app, &token, &json!({"desk": desk.id})).await,
    );
    assert_eq!((a.0, b.0), (StatusCode::CREATED, StatusCode::CREATED));
    assert_ne!(a.1["code"], b.1["code"]);
    assert_eq!(ticket_totals(&app), (4, 0));

    // Refusals, each with a JSON reason, none of them issuing anything.
    let (_, official) = add_token(&app, Role::Official, Some("P1"));
    let refusals = [
        (token.as_str(), json!({"desk": other_province.id}), 403),
        (token.as_str(), json!({"desk": 999_999}), 403),
        (official.as_str(), json!({"desk": desk.id}), 403),
        ("not-a-token", json!({"desk": desk.id}), 401),
        (
            token.as_str(),
            json!({"desk": desk.id, "dossier_code": "hồ sơ 1"}),
            422,
        ),
        (
            token.as_str(),
            json!({"desk": desk.id, "procedure_code": "x".repeat(65)}),
            422,
        ),
        (
            token.as_str(),
            json!({"desk": desk.id, "procedure_field": "đ".repeat(101)}),
            422,
        ),
        (token.as_str(), json!({"desk": desk.id, "colour": "red"}), 400),
        (token.as_str(), json!({"procedure_code": "1.005129"}), 400),
    ];
    for (who, body, expected) in refusals {
        let (status, answer) = mint(&app, who, &body).await;
        assert_eq!(status.as_u16(), expected, "{body}: {answer}");
        assert!(
            answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}: {answer}"
        );
    }
    let not_json = client()
        .post(format!("{}/api/v1/tickets", app.address))
        .bearer_auth(&token)
        .body("desk=1")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 415);
    let anonymous = client()
        .post(format!("{}/api/v1/tickets", app.address))
        .json(&json!({"desk": desk.id}))
        .send();
    assert_eq!(anonymous.await.unwrap().status(), 401);
    assert_eq!(ticket_totals(&app), (4, 0));

    // The citizen answers through the minted ticket: channel, procedure and its field
    // (as one spelling) recorded, the dossier number nowhere in the response.
    let answers = full_answers(&app, "quick-2025");
    assert_eq!(app.answer(&code, &answers).await.status(), 303);
    let stored = app.stored_responses();
    assert_eq!(
        (stored[0].channel.as_str(), stored[0].procedure_code.as_deref()),
        ("ticket", Some("1.005129"))
    );
    assert_eq!(stored[0].procedure_field.as_deref(), Some("Hộ tịch"));
    assert_counts_match_answers(&app);
    assert_eq!(ticket_totals(&app), (4, 1));
}

on_both_backends!(
    a_ticket_takes_exactly_one_answer_even_from_a_hundred_at_once,
    expired_revoked_and_unknown_tickets_get_clear_pages,
    the_one_stop_software_mints_one_ticket_per_dossier,
);
