//! The comment inbox `/units/{code}/comments`: each comment with its respondent's overall
//! rating, new until someone of the unit takes it in, then handled, who and when kept;
//! filtered by status, rating and words; the negative ones exported; anonymous, and
//! closed to other units and to desk staff.

use diesel::prelude::*;
use sipas::auth::Role;
use sipas::responses::Channel;

use crate::auth::{PASSWORD, add_user, sign_in};
use crate::helpers::{Backend, TestApp, page};
use crate::indices::{app_with_test_form_and, respond_with_comment, utc};
use crate::on_both_backends;

const INBOX: &str = "/units/P1/comments?form=test-indices&period=2025-07";

/// Four comments in July 2025, rated on q1 (the test form's first scale question, 1–5):
/// two below the middle in P1, one above, and one in another province.
async fn app(backend: Backend) -> TestApp {
    let app = app_with_test_form_and(backend, |_| {}).await;
    let comment = |unit: &str, day: u32, rating: &str, text: &str| {
        respond_with_comment(
            &app,
            unit,
            utc(2025, 7, day, 3, 0),
            Channel::DeskQr,
            &[("q1", rating)],
            Some(text),
        );
    };
    comment("C1", 10, "1", "chờ quá lâu");
    comment("C1", 11, "5", "rất tốt");
    comment("C2", 12, "2", "<b>thiếu ghế</b>");
    comment("D1", 12, "1", "tỉnh khác");
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    add_user(&app, "lanhdao@c1.vn", Role::Official, Some("C1"));
    add_user(&app, "motcua@c1.vn", Role::Staff, Some("C1"));
    app
}

/// The comments of a page: (response id, text), in order.
fn listed(html: &str) -> Vec<(String, String)> {
    html.split(r#"name="response" value=""#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .zip(
            html.split("<li")
                .skip(1)
                .filter(|li| li.contains(r#"name="response""#))
                .map(|li| {
                    li.split("<p>")
                        .nth(1)
                        .unwrap()
                        .split("</p>")
                        .next()
                        .unwrap()
                        .to_string()
                }),
        )
        .collect()
}

fn texts(html: &str) -> Vec<String> {
    listed(html).into_iter().map(|(_, text)| text).collect()
}

async fn comments_are_received_and_handled_with_who_and_when(backend: Backend) {
    let app = app(backend).await;
    let (browser, csrf) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (status, html) = page(&browser, &app, INBOX).await;
    assert_eq!(status, 200, "{html}");
    // Newest first; the other province's never; markup shown as text; all new.
    assert_eq!(
        texts(&html),
        ["&#60;b&#62;thiếu ghế&#60;/b&#62;", "rất tốt", "chờ quá lâu"]
    );
    assert!(html.contains("Hộp thư ý kiến (3)"));
    assert!(
        html.contains("đánh giá chung: Rất không hài lòng (1/5)"),
        "{html}"
    );
    assert_eq!(html.matches(r#"<p class="state">mới</p>"#).count(), 3);
    // The negative ones: rated below the middle of the scale.
    let (_, negative) = page(&browser, &app, &format!("{INBOX}&rating=negative")).await;
    assert_eq!(
        texts(&negative),
        ["&#60;b&#62;thiếu ghế&#60;/b&#62;", "chờ quá lâu"]
    );
    let (_, found) = page(&browser, &app, &format!("{INBOX}&q=lâu")).await;
    assert_eq!(texts(&found), ["chờ quá lâu"]);

    // «chờ quá lâu» taken in: the change is kept with who made it and when.
    let (id, _) = listed(&html)
        .into_iter()
        .find(|(_, t)| t == "chờ quá lâu")
        .unwrap();
    let back = format!("{INBOX}&status=new");
    let moved = app
        .post_form(
            &browser,
            "/units/P1/comments/status",
            &[
                ("_csrf", &csrf),
                ("response", &id),
                ("question", "comment"),
                ("status", "received"),
                ("back", &back),
            ],
        )
        .await;
    assert_eq!(moved.status(), 303);
    assert_eq!(moved.headers()["location"], back.as_str());
    let (_, html) = page(&browser, &app, INBOX).await;
    let local = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Ho_Chi_Minh);
    let today = sipas::i18n::Lang::Vi.date(local.date_naive());
    let state = format!(r#"<p class="state">đã tiếp nhận — lanhdao@p1.vn, {today}"#);
    assert!(html.contains(&state), "{html}");
    let (_, new) = page(&browser, &app, &back).await;
    assert_eq!(new.matches(r#"<p class="state">"#).count(), 2);
    let (_, received) = page(&browser, &app, &format!("{INBOX}&status=received")).await;
    assert_eq!(texts(&received), ["chờ quá lâu"]);
    // Then handled, by the same official: stored with their account.
    let handled = [
        ("_csrf", csrf.as_str()),
        ("response", id.as_str()),
        ("question", "comment"),
        ("status", "handled"),
    ];
    assert_eq!(
        app.post_form(&browser, "/units/P1/comments/status", &handled)
            .await
            .status(),
        303
    );
    use sipas::db::schema::{comment_statuses, users};
    let mut conn = app.prepared.db.conn().unwrap();
    let (status, by): (String, Option<i64>) = comment_statuses::table
        .select((comment_statuses::status, comment_statuses::changed_by))
        .first(&mut *conn)
        .unwrap();
    let official: i64 = users::table
        .filter(users::email.eq("lanhdao@p1.vn"))
        .select(users::id)
        .first(&mut *conn)
        .unwrap();
    assert_eq!((status.as_str(), by), ("handled", Some(official)));
    let (_, html) = page(&browser, &app, &format!("{INBOX}&status=handled")).await;
    assert_eq!(texts(&html), ["chờ quá lâu"]);

    // The negative ones as a file, with their status.
    let csv = browser
        .get(format!(
            "{}/units/P1/comments/negative.csv?form=test-indices&period=2025-07",
            app.address
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("Ngày,Đơn vị,Lĩnh vực,Quầy,Đánh giá chung"));
    assert!(
        lines[1].contains("<b>thiếu ghế</b>") && lines[1].contains(",mới,"),
        "{csv}"
    );
    assert!(
        lines[2].contains(",1,5,chờ quá lâu,đã xử lý,lanhdao@p1.vn,"),
        "{csv}"
    );
    assert!(!csv.contains("rất tốt") && !csv.contains("tỉnh khác"));
}

async fn the_inbox_is_closed_to_others_and_mistakes_are_refused(backend: Backend) {
    let app = app(backend).await;
    let (official, csrf) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (_, html) = page(&official, &app, INBOX).await;
    let ids: Vec<String> = listed(&html).into_iter().map(|(id, _)| id).collect();
    let post = |browser: &reqwest::Client, path: &str, fields: Vec<(&str, String)>| {
        browser
            .post(format!("{}{path}", app.address))
            .form(&fields)
            .send()
    };
    // Mistakes: a 4xx that says why, nothing changed.
    for (fields, expected) in [
        (vec![("status", "done".to_string())], 400),
        (
            vec![
                ("status", "received".to_string()),
                ("response", "999999".to_string()),
            ],
            404,
        ),
    ] {
        let mut form = vec![
            ("_csrf", csrf.clone()),
            ("response", ids[0].clone()),
            ("question", "comment".to_string()),
        ];
        for (name, value) in fields {
            form.retain(|(n, _)| *n != name);
            form.push((name, value));
        }
        let response = post(&official, "/units/P1/comments/status", form).await.unwrap();
        assert_eq!(response.status(), expected);
    }
    let forged = post(
        &official,
        "/units/P1/comments/status",
        vec![
            ("response", ids[0].clone()),
            ("question", "comment".into()),
            ("status", "handled".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(forged.status(), 403, "no CSRF token");
    for bad in ["&status=done", "&rating=good", "&period=2025-13"] {
        let (status, html) = page(&official, &app, &format!("{INBOX}{bad}")).await;
        assert_eq!(status, 400, "{bad}: {html}");
    }
    // A commune's official: their commune's comments only; another's cannot be moved.
    let (commune, csrf) = sign_in(&app, "lanhdao@c1.vn", PASSWORD).await;
    assert_eq!(page(&commune, &app, INBOX).await.0, 403);
    let (status, html) = page(
        &commune,
        &app,
        "/units/C1/comments?form=test-indices&period=2025-07",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(texts(&html), ["rất tốt", "chờ quá lâu"]);
    let c2 = ids[0].clone(); // «thiếu ghế», in C2
    let refused = post(
        &commune,
        "/units/C1/comments/status",
        vec![
            ("_csrf", csrf),
            ("response", c2),
            ("question", "comment".into()),
            ("status", "handled".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 404);
    // Desk staff never see comments.
    let (staff, _) = sign_in(&app, "motcua@c1.vn", PASSWORD).await;
    assert_eq!(
        page(&staff, &app, "/units/C1/comments?form=test-indices").await.0,
        403
    );
    let mut conn = app.prepared.db.conn().unwrap();
    let changed: i64 = sipas::db::schema::comment_statuses::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(changed, 0, "nothing was changed");
}

on_both_backends!(
    comments_are_received_and_handled_with_who_and_when,
    the_inbox_is_closed_to_others_and_mistakes_are_refused,
);
