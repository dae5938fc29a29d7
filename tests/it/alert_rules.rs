//! The `drop` alert rule: an official hears once a month which indices fell by more than
//! the rule allows since the month before, on the dataset of `indices.rs` (mail queued in
//! the outbox; sending it over SMTP is `mail.rs`'s business).

use sipas::auth::Role;
use sipas::db::{self, alerts::NewAlertRule};
use sipas::mail::alerts::check_all;
use sipas::responses::Channel;

use crate::auth::{PASSWORD, add_user, sign_in};
use crate::helpers::{Backend, page};
use crate::indices::{app_with_test_form, respond_with_comment, seed_responses, utc};
use crate::on_both_backends;

/// July (indices.rs), P1 pooled: c1 50 %, c2 60 %, e 55 %, a_share 60 %, total 66.67 %.
/// August: r8 (C1: 5, 5, a, 2, 2) and five paper answers in C2 at 1 and 1 (no q3, p1, p2):
/// c1 = c2 = e = 1 of 6 = 16.67 % (n = 6), a_share 1 of 1 = 100 %, total 100 % (r8).
/// So c1 fell 33.33 points, c2 43.33, e 38.33; a_share and total rose.
async fn a_drop_alert_names_the_indices_that_fell_more_than_its_threshold(backend: Backend) {
    let app = app_with_test_form(backend).await;
    seed_responses(&app);
    let official = add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    for day in 4..9 {
        respond_with_comment(
            &app,
            "C2",
            utc(2025, 8, day, 3, 0),
            Channel::Paper,
            &[("q1", "1"), ("q2", "1")],
            None,
        );
    }
    let mut conn = app.prepared.db.conn().unwrap();
    for (index, threshold) in [
        (None, 30.0),           // every index: c1, c2 and e fell more than 30
        (Some("c2"), 40.0),     // c2 fell 43.33
        (Some("c1"), 40.0),     // c1 fell only 33.33
        (Some("a_share"), 0.5), // a_share rose
        (None, 50.0),           // nothing fell 50
    ] {
        let rule = NewAlertRule {
            unit_code: "P1",
            form_id: "test-indices",
            kind: "drop",
            index_id: index,
            threshold,
            min_n: 5,
            created_by: Some(official),
            created_at: db::now(),
        };
        db::alerts::insert(&mut conn, &rule).unwrap();
    }
    let (forms, settings) = (&app.prepared.forms, app.db.settings());
    // In July every index rose since June: nothing.
    let july = utc(2025, 7, 31, 9, 0);
    assert_eq!(check_all(&mut conn, forms, &settings, july).unwrap(), 0);
    let august = utc(2025, 8, 20, 9, 0);
    assert_eq!(check_all(&mut conn, forms, &settings, august).unwrap(), 2);
    assert_eq!(
        check_all(&mut conn, forms, &settings, august).unwrap(),
        0,
        "once per rule and month"
    );
    let mut mails = db::outbox::latest(&mut conn, 10).unwrap();
    mails.sort_by_key(|m| m.id);
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "[sipas] Cảnh báo — Tỉnh Một: 3 chỉ số giảm hơn 30,00 điểm trong tháng 08/2025 so với tháng trước",
            "[sipas] Cảnh báo — Tỉnh Một: 1 chỉ số giảm hơn 40,00 điểm trong tháng 08/2025 so với tháng trước",
        ]
    );
    let every = &mails[0].text_body;
    for fell in [
        "Tiêu chí 1: 16,67 % (−33,33 điểm)",
        "Tiêu chí 2: 16,67 % (−43,33 điểm)",
        "Yếu tố: 16,67 % (−38,33 điểm)",
    ] {
        assert!(every.contains(fell), "{fell} in:\n{every}");
    }
    assert!(
        !every.contains("Chọn A") && !every.contains("Tổng điểm"),
        "{every}"
    );
    assert!(mails.iter().all(|m| m.recipient == "lanhdao@p1.vn"));
    assert!(mails[1].text_body.contains("Tiêu chí 2: 16,67 % (−43,33 điểm)"));
    assert!(
        !mails[1].text_body.contains("Tiêu chí 1"),
        "{}",
        mails[1].text_body
    );
}

/// Nothing fails in silence: without a mail server the alerts and account pages say no
/// mail leaves; a rule that needs more answers than the unit's busiest month had says it
/// cannot fire; indices are picked by name under their questionnaire; roles read with
/// their unit's name.
async fn rules_that_cannot_fire_and_mail_that_cannot_leave_are_said(backend: Backend) {
    let app = app_with_test_form(backend).await;
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    // Three answers in C1 in the last hour: this month, whatever the day.
    let now = chrono::Utc::now() - chrono::Duration::hours(1);
    for _ in 0..3 {
        respond_with_comment(
            &app,
            "C1",
            now,
            Channel::DeskQr,
            &[("q1", "4"), ("q2", "4")],
            None,
        );
    }
    let (browser, csrf) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    for min_n in ["2", "10"] {
        let fields = [
            ("_csrf", csrf.as_str()),
            ("kind", "below"),
            ("form", "test-indices"),
            ("index", "e"),
            ("threshold", "80"),
            ("min_n", min_n),
        ];
        assert_eq!(
            app.post_form(&browser, "/units/P1/alerts", &fields)
                .await
                .status(),
            303
        );
    }
    let (status, html) = page(&browser, &app, "/units/P1/alerts").await;
    assert_eq!(status, 200, "{html}");
    let cannot = "Quy tắc này không thể xảy ra với lượng phiếu hiện nay: tháng nhiều nhất trong 12 tháng qua có 3 phiếu, quy tắc cần n ≥ 10.";
    assert_eq!(html.matches("Quy tắc này không thể xảy ra").count(), 1, "{html}");
    assert!(html.contains(cannot), "{html}");
    assert!(html.contains("Máy chủ thư chưa được cấu hình"), "{html}");
    assert!(
        html.contains(r#"<optgroup label="Phiếu thử chỉ số"><option value="c1">Tiêu chí 1</option>"#),
        "{html}"
    );
    let (_, account) = page(&browser, &app, "/account").await;
    assert!(
        account.contains("Quyền: Lãnh đạo, chuyên viên — Tỉnh Một"),
        "{account}"
    );
    assert!(account.contains("Máy chủ thư chưa được cấu hình"), "{account}");
}

on_both_backends!(
    a_drop_alert_names_the_indices_that_fell_more_than_its_threshold,
    rules_that_cannot_fire_and_mail_that_cannot_leave_are_said,
);
