//! The citizen's survey: the page, submissions, every kind of bad input, double submits,
//! limits, and what ends up stored.

use chrono::Datelike;
use std::collections::BTreeMap;

use reqwest::StatusCode;
use sipas::db;
use sipas::forms::QuestionKind;
use sipas::tally::CountKey;

use crate::helpers::{Backend, TestApp, paper_submission, spawn_app, spawn_app_with};
use crate::on_both_backends;

/// Adds units P > C and a desk of C answering `form`; returns the desk code.
pub fn seed_desk(app: &TestApp, form: &str) -> String {
    let mut conn = app.prepared.db.conn().unwrap();
    let csv = "code,name,kind,parent_code\nP,Tỉnh Thử,tỉnh,\nC,Xã Thử,xã,P\n";
    sipas::units::import::import_csv(&mut conn, csv.as_bytes()).unwrap();
    let known = app.prepared.forms.ids();
    let name = format!("Quầy {form}");
    sipas::desks::add(&mut conn, "C", &name, sipas::desks::DeskForms::both(form), &known)
        .unwrap()
        .code
}

/// The hidden fields of a questionnaire page.
pub struct PageFields {
    pub token: String,
    pub version: String,
}

pub fn hidden_fields(html: &str) -> PageFields {
    let value_of = |name: &str| {
        let marker = format!(r#"name="{name}" value=""#);
        let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in page")) + marker.len();
        html[start..].split('"').next().unwrap().to_string()
    };
    PageFields {
        token: value_of("_token"),
        version: value_of("_version"),
    }
}

/// A complete set of answers to a form: the last option of every choice (or, for a
/// question a condition depends on, the first value that makes it hold, so that every
/// question is asked), the two first options of a multi (and those conditions name), the
/// lowest number, and a comment.
pub fn full_answers(app: &TestApp, form_id: &str) -> Vec<(String, String)> {
    full_answers_of(&app.prepared.forms, form_id)
}

/// The same, from the questionnaires themselves.
pub fn full_answers_of(forms: &sipas::forms::FormRegistry, form_id: &str) -> Vec<(String, String)> {
    let form = forms.current(form_id).unwrap();
    let form = &form.form;
    let conditions = form.sections.iter().flat_map(|s| {
        s.show_if
            .iter()
            .chain(s.questions.iter().flat_map(|q| q.show_if.iter()))
    });
    let mut wanted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for condition in conditions {
        wanted
            .entry(condition.question.as_str())
            .or_default()
            .push(condition.is[0].as_str());
    }
    let mut fields = Vec::new();
    for question in form.questions() {
        let id = question.id.clone();
        let wants = wanted.get(id.as_str()).cloned().unwrap_or_default();
        match &question.kind {
            QuestionKind::Scale { options } | QuestionKind::Single { options } => {
                let value = wants
                    .first()
                    .map_or(options.last().unwrap().value.as_str(), |v| v);
                fields.push((id, value.to_string()))
            }
            QuestionKind::Multi { options } => {
                let mut values = vec![options[0].value.as_str(), options[1].value.as_str()];
                values.extend(wants);
                values.dedup();
                values.sort();
                values.dedup();
                fields.extend(values.into_iter().map(|v| (id.clone(), v.to_string())));
            }
            QuestionKind::Number { min, .. } => fields.push((id, min.to_string())),
            QuestionKind::Text { .. } => fields.push((id, "Cán bộ rất nhiệt tình, cảm ơn!".into())),
        }
    }
    fields
}

impl TestApp {
    pub async fn open_survey(&self, code: &str) -> (StatusCode, String) {
        let response = self.get(&format!("/s/{code}")).await;
        (response.status(), response.text().await.unwrap())
    }

    /// Opens the page, then posts `answers` with its hidden fields.
    pub async fn answer(&self, code: &str, answers: &[(String, String)]) -> reqwest::Response {
        let (_, html) = self.open_survey(code).await;
        let page = hidden_fields(&html);
        self.post_survey(code, &page, answers).await
    }

    pub async fn post_survey(
        &self,
        code: &str,
        page: &PageFields,
        answers: &[(String, String)],
    ) -> reqwest::Response {
        let mut fields = vec![
            ("_token".to_string(), page.token.clone()),
            ("_version".to_string(), page.version.clone()),
        ];
        fields.extend(answers.iter().cloned());
        self.client
            .post(format!("{}/s/{code}", self.address))
            .form(&fields)
            .send()
            .await
            .unwrap()
    }

    pub fn stored_responses(&self) -> Vec<db::responses::Response> {
        db::responses::all(&mut self.prepared.db.conn().unwrap()).unwrap()
    }
}

/// The tallies recomputed from the raw answers, for each day, month, quarter and year and
/// procedure field, must equal the tallies kept at submission time, row for row.
pub fn assert_counts_match_answers(app: &TestApp) {
    assert_tallies_match_answers(&app.prepared.db);
}

/// The same, on any database.
pub fn assert_tallies_match_answers(db: &sipas::db::Database) {
    let mut conn = db.conn().unwrap();
    // (unit, form version, period, start, field, channel) → (responses, key → count).
    type Key = (String, i64, String, String, String, String);
    type Counted = (i64, BTreeMap<CountKey, i64>);
    let mut expected: BTreeMap<Key, Counted> = BTreeMap::new();
    for response in db::responses::all(&mut conn).unwrap() {
        let values = db::responses::answers_of(&mut conn, response.id).unwrap();
        let texts = db::responses::texts_of(&mut conn, response.id).unwrap();
        // A not-applicable answer is counted as chosen, never as answered.
        let mut answered: Vec<&str> = values
            .iter()
            .filter(|(_, v)| v != sipas::tally::NOT_APPLICABLE)
            .chain(&texts)
            .map(|(q, _)| q.as_str())
            .collect();
        answered.sort();
        answered.dedup();
        let day = response.day;
        let periods = [
            ("day", day.to_string()),
            (
                "week",
                (day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))).to_string(),
            ),
            ("month", day.format("%Y-%m-01").to_string()),
            // January, April, July or October.
            (
                "quarter",
                format!("{}-{:02}-01", day.year(), day.month0() / 3 * 3 + 1),
            ),
            ("year", day.format("%Y-01-01").to_string()),
        ];
        // Every response counts among all (field ""), and among its field's.
        let fields = std::iter::once(String::new()).chain(response.procedure_field.clone());
        for ((period, start), field) in periods
            .iter()
            .flat_map(|p| fields.clone().map(move |f| (p.clone(), f)))
        {
            let key = (
                response.unit_code.clone(),
                response.form_version_id,
                period.to_string(),
                start,
                field,
                response.channel.clone(),
            );
            let (responses, counts) = expected.entry(key).or_default();
            *responses += 1;
            let mut count = |key: CountKey| *counts.entry(key).or_default() += 1;
            for question in &answered {
                count(CountKey::Answered(question.to_string()));
            }
            for (question, value) in &values {
                count(CountKey::chose(question, value));
            }
        }
    }
    let kept: BTreeMap<Key, Counted> = db::tallies::all(&mut conn)
        .unwrap()
        .into_iter()
        .map(|t| {
            let mut counts = BTreeMap::new();
            for (key, c) in t.counts {
                *counts.entry(key).or_default() += c;
            }
            let key = (
                t.unit_code,
                t.form_version_id,
                t.period,
                t.start.to_string(),
                t.field,
                t.channel.as_str().to_string(),
            );
            (key, (t.responses, counts))
        })
        .collect();
    assert_eq!(kept, expected);
}

async fn each_shipped_form_can_be_answered_in_full(backend: Backend) {
    let app = spawn_app(backend).await;
    for form_id in ["sipas-2017", "sipas-2023", "quick-2025", "tt01-2018"] {
        let code = seed_desk(&app, form_id);
        let (status, html) = app.open_survey(&code).await;
        assert_eq!(status, 200, "{form_id}");
        assert!(
            html.contains("Xã Thử — Quầy"),
            "{form_id}: the page says where the answer goes"
        );
        let answers = full_answers(&app, form_id);
        let response = app.answer(&code, &answers).await;
        assert_eq!(
            response.status(),
            303,
            "{form_id}: {}",
            response.text().await.unwrap()
        );
        assert_eq!(response.headers()["location"], format!("/s/{code}/thanks"));
        let thanks = app.get(&format!("/s/{code}/thanks")).await.text().await.unwrap();
        assert!(thanks.contains("Cảm ơn Ông/Bà đã góp ý!"));
        assert!(thanks.contains("Ông/Bà có thể đóng trang này."));

        let stored = app.stored_responses();
        let response = stored.last().unwrap();
        let registered = app.prepared.forms.current(form_id).unwrap();
        assert_eq!(
            response.form_version_id, registered.version_id,
            "{form_id}: records the version answered"
        );
        assert_eq!(response.unit_code, "C");
        assert_eq!(response.channel, "desk_qr");
        let mut conn = app.prepared.db.conn().unwrap();
        let mut values = db::responses::answers_of(&mut conn, response.id).unwrap();
        values.extend(db::responses::texts_of(&mut conn, response.id).unwrap());
        let mut sent = answers.clone();
        sent.sort();
        values.sort();
        assert_eq!(values, sent, "{form_id}: every answer stored as sent");
    }
    assert_eq!(app.stored_responses().len(), 4);
    assert_counts_match_answers(&app);
}

async fn the_page_speaks_both_languages_and_fits_the_budget(backend: Backend) {
    let app = spawn_app(backend).await;
    let code = seed_desk(&app, "sipas-2017");
    let (_, html) = app.open_survey(&code).await;
    assert!(html.contains(r#"<html lang="vi">"#));
    assert!(html.contains("Nơi ngồi chờ tại Bộ phận Một cửa có đủ chỗ ngồi"));
    assert!(html.contains("Rất không hài lòng"));
    assert!(html.contains("Phần 1/6"), "the first of six pages");
    assert_eq!(
        html.matches("<fieldset").count(),
        9,
        "one fieldset per choice question of the page (e1, e2)"
    );
    assert_eq!(html.matches("<legend>").count(), 9);
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(
        !html.contains("<link") && !html.contains("<img"),
        "one request: no stylesheets, fonts or images"
    );
    let english = app
        .client
        .get(format!("{}/s/{code}", app.address))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("The waiting area of the reception and results desk has enough seats"));
    assert!(
        english.contains(r#"name="_lang" value="vi""#),
        "a visible switch back, which keeps the answers"
    );

    // Everything needed to render and submit, compressed, is at most 14 KB.
    let response = app
        .client
        .get(format!("{}/s/{code}", app.address))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let compressed = response.bytes().await.unwrap().len();
    assert!(compressed <= 14 * 1024, "{compressed} bytes compressed");
}

async fn mistakes_come_back_with_answers_kept_and_messages_in_place(backend: Backend) {
    let app = spawn_app(backend).await;
    let code = seed_desk(&app, "quick-2025");
    let answers: Vec<(String, String)> = [
        // `rating`, required, missing.
        ("reasons", "wait"),
        ("reasons", "nope"), // not an option
        (
            "comment",
            &format!("<script>alert(1)</script>{}", "x".repeat(1000)),
        ), // too long
        ("khong_co", "1"),   // an unknown question
    ]
    .iter()
    .map(|(q, v)| (q.to_string(), v.to_string()))
    .collect();
    let response = app.answer(&code, &answers).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Còn 1 câu chưa trả lời"), "summary at the top");
    assert!(html.contains(r##"<a href="#q-rating">Câu 1</a>"##), "{html}");
    assert!(html.contains("Phiếu gửi lên có câu hỏi không tồn tại: “khong_co”."));
    for (question, message) in [
        ("rating", "Ông/Bà vui lòng trả lời câu này."),
        ("reasons", "Lựa chọn này không có trong phiếu."),
        ("comment", "Tối đa 1.000 ký tự (Ông/Bà đã nhập 1.025)."),
    ] {
        // The question's own block: up to the next question.
        let start = html
            .find(&format!(r#"id="q-{question}""#))
            .unwrap_or_else(|| panic!("{question}"));
        let rest = &html[start + 1..];
        let block = &rest[..rest.find(r#"id="q-"#).unwrap_or(rest.len())];
        assert!(
            block.contains(&format!(r#"<p class="error">{message}</p>"#)),
            "{question}: {block}"
        );
        assert!(
            html.contains(&format!(r##"<a href="#q-{question}">"##)),
            "summary links to {question}"
        );
    }
    // The citizen's other answers are still chosen, and their text is kept, escaped.
    assert!(html.contains(r#"name="reasons" value="wait" checked"#));
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;xxx"));
    assert!(!html.contains("<script>alert(1)"));
    assert!(app.stored_responses().is_empty(), "nothing stored");

    // Once mended, it goes through.
    let mut fixed = full_answers(&app, "quick-2025");
    fixed.push(("comment".into(), "<b>Tốt</b>".into()));
    fixed.retain(|(q, v)| q != "comment" || v == "<b>Tốt</b>");
    assert_eq!(app.answer(&code, &fixed).await.status(), 303);
    assert_eq!(app.stored_responses().len(), 1);
}

async fn a_double_click_or_a_retried_post_counts_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let code = seed_desk(&app, "quick-2025");
    let (_, html) = app.open_survey(&code).await;
    let page = hidden_fields(&html);
    let answers = full_answers(&app, "quick-2025");
    let (first, second) = tokio::join!(
        app.post_survey(&code, &page, &answers),
        app.post_survey(&code, &page, &answers)
    );
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER)
    );
    let retried = app.post_survey(&code, &page, &answers).await;
    assert_eq!(retried.status(), 303, "a retry sees the thank-you page too");
    assert_eq!(app.stored_responses().len(), 1);
    assert_counts_match_answers(&app);
    // A new page is a new response.
    assert_eq!(app.answer(&code, &answers).await.status(), 303);
    assert_eq!(app.stored_responses().len(), 2);
}

async fn an_expired_or_forged_page_is_sent_back_not_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let code = seed_desk(&app, "quick-2025");
    let answers = full_answers(&app, "quick-2025");
    let forged = crate::survey::PageFields {
        token: "not-a-token".into(),
        version: "999999".into(),
    };
    let response = app.post_survey(&code, &forged, &answers).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Trang trả lời đã hết hạn"), "{html}");
    assert!(
        html.contains(r#"name="rating" value="4" checked"#),
        "answers kept"
    );
    assert!(app.stored_responses().is_empty());
}

async fn unknown_and_closed_codes_get_clear_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let code = seed_desk(&app, "quick-2025");
    let (status, html) = app.open_survey("ZZZZZZ").await;
    assert_eq!(status, 404);
    assert!(html.contains("Không tìm thấy mã khảo sát “ZZZZZZ”"));
    assert!(
        html.contains(r#"<form method="get" action="/s""#),
        "offers to type the code again"
    );
    assert!(
        html.contains(r#"name="code" value="ZZZZZZ""#),
        "as typed, to correct"
    );
    assert!(
        !html.contains("Mã lỗi") && !html.contains("404"),
        "no status number"
    );
    let (status, _) = app.open_survey("%3Cscript%3E").await;
    assert_eq!(status, 404);
    // Codes are read the way people type them.
    let (status, _) = app.open_survey(&code.to_lowercase()).await;
    assert_eq!(status, 200);
    let response = app
        .client
        .post(format!("{}/s/ZZZZZZ", app.address))
        .form(&[("rating", "4")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    let mut conn = app.prepared.db.conn().unwrap();
    sipas::with_backend!(&mut *conn, |c| {
        use diesel::prelude::*;
        use sipas::db::schema::desks;
        diesel::update(desks::table)
            .set(desks::enabled.eq(false))
            .execute(c)
            .unwrap()
    });
    let (status, html) = app.open_survey(&code).await;
    assert_eq!(status, 410);
    assert!(html.contains("Quầy này đã ngừng nhận khảo sát"));
}

/// (A desk's own count turns nobody away: `hardening.rs`.)
async fn submissions_beyond_the_address_limit_get_a_friendly_429(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.submission_limit_per_desk = 100;
        s.submission_limit_per_ip = 2;
    })
    .await;
    let code = seed_desk(&app, "quick-2025");
    let answers = full_answers(&app, "quick-2025");
    assert_eq!(app.answer(&code, &answers).await.status(), 303);
    assert_eq!(app.answer(&code, &answers).await.status(), 303);
    let response = app.answer(&code, &answers).await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 600);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Đã có quá nhiều phiếu gửi từ đây trong thời gian ngắn"),
        "{html}"
    );
    assert_eq!(app.stored_responses().len(), 2);
}

async fn submissions_beyond_the_address_limit_get_429(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.submission_limit_per_ip = 1).await;
    let first = seed_desk(&app, "quick-2025");
    let mut conn = app.prepared.db.conn().unwrap();
    let second = sipas::desks::add(
        &mut conn,
        "C",
        "Quầy 2",
        sipas::desks::DeskForms::both("quick-2025"),
        &app.prepared.forms.ids(),
    )
    .unwrap()
    .code;
    let answers = full_answers(&app, "quick-2025");
    assert_eq!(app.answer(&first, &answers).await.status(), 303);
    assert_eq!(
        app.answer(&second, &answers).await.status(),
        429,
        "same address, another desk"
    );
}

/// Many answers at one desk at the same moment all add to the same few tally rows: each
/// is stored, and the tallies equal a recount (none lost to a race, no deadlock). How
/// fast is for the benchmarks: a post may wait for a connection as long as a slow shared
/// machine needs, rather than the deployment's 5 s before a 503.
async fn many_answers_at_one_desk_at_once_are_all_counted(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        crate::helpers::without_rate_limits(s);
        s.database_timeout_seconds = crate::helpers::patience(std::time::Duration::from_secs(5)).as_secs();
    })
    .await;
    let code = seed_desk(&app, "quick-2025");
    let answers = full_answers(&app, "quick-2025");
    let mut pages = Vec::new();
    for _ in 0..150 {
        let (_, html) = app.open_survey(&code).await;
        pages.push(hidden_fields(&html));
    }
    let posts =
        futures_util::future::join_all(pages.iter().map(|page| app.post_survey(&code, page, &answers))).await;
    let statuses: Vec<u16> = posts.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(app.stored_responses().len(), 150);
    assert_counts_match_answers(&app);
}

/// Writers on their own connections that each count keys nobody counted before, at the
/// same moment: each key gets one position in the form version's list (none lost to a race,
/// none twice), and the tallies equal a recount.
async fn new_keys_counted_at_once_each_get_one_position(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_desk(&app, "quick-2025");
    let form = app.prepared.forms.current("quick-2025").unwrap();
    let reasons = ["wait", "attitude", "guidance", "paperwork"];
    let start = std::sync::Barrier::new(reasons.len());
    std::thread::scope(|scope| {
        for (writer, reason) in reasons.iter().enumerate() {
            let (db, start) = (&app.prepared.db, &start);
            let version_id = form.version_id;
            scope.spawn(move || {
                let mut conn = db.conn().unwrap();
                let answers = sipas::responses::Answers {
                    values: vec![
                        ("rating".into(), (writer + 1).to_string()),
                        ("reasons".into(), reason.to_string()),
                    ],
                    texts: vec![],
                };
                start.wait();
                for _ in 0..10 {
                    let submission = paper_submission(version_id, "C");
                    sipas::responses::store(&mut conn, &submission, &answers).unwrap();
                }
            });
        }
    });
    assert_eq!(app.stored_responses().len(), 40);
    let mut conn = app.prepared.db.conn().unwrap();
    for row in db::tallies::all(&mut conn).unwrap() {
        let mut keys: Vec<&CountKey> = row.counts.iter().map(|(key, _)| key).collect();
        let counted = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), counted, "a key at two positions: {row:?}");
    }
    assert_counts_match_answers(&app);
}

/// Answers stored together: one the database refuses (its unit does not exist) is undone
/// alone; the others are stored and counted.
async fn an_answer_refused_in_a_group_leaves_the_others_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_desk(&app, "quick-2025");
    let form = app.prepared.forms.current("quick-2025").unwrap();
    let answers = sipas::responses::Answers {
        values: vec![("rating".into(), "5".into())],
        texts: vec![("comment".into(), "tốt".into())],
    };
    let submission = |unit_code| paper_submission(form.version_id, unit_code);
    let items = [
        (submission("C"), &answers),
        (submission("KHONG-CO"), &answers),
        (submission("C"), &answers),
    ];
    let outcomes = sipas::responses::store::store_many(&mut app.prepared.db.conn().unwrap(), &items).unwrap();
    assert!(matches!(outcomes[0], Ok(sipas::responses::Stored::New(_))));
    assert!(matches!(outcomes[1], Err(sipas::responses::StoreError::Db(_))));
    assert!(matches!(outcomes[2], Ok(sipas::responses::Stored::New(_))));
    let stored = app.stored_responses();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|r| r.unit_code == "C"));
    assert_counts_match_answers(&app);
}

on_both_backends!(
    an_answer_refused_in_a_group_leaves_the_others_stored,
    many_answers_at_one_desk_at_once_are_all_counted,
    new_keys_counted_at_once_each_get_one_position,
    each_shipped_form_can_be_answered_in_full,
    the_page_speaks_both_languages_and_fits_the_budget,
    mistakes_come_back_with_answers_kept_and_messages_in_place,
    a_double_click_or_a_retried_post_counts_once,
    an_expired_or_forged_page_is_sent_back_not_stored,
    unknown_and_closed_codes_get_clear_pages,
    submissions_beyond_the_address_limit_get_a_friendly_429,
    submissions_beyond_the_address_limit_get_429,
);
