//! The questionnaire a person answers at a desk: a form in steps without JavaScript, a
//! condition, a not-applicable choice; what is stored (once) and how the indices count
//! it, worked out by hand.

use reqwest::StatusCode;
use sipas::indices::{Period, Population, ReportRequest, build};

use crate::helpers::{Backend, TestApp, spawn_app_with, without_rate_limits};
use crate::on_both_backends;
use crate::survey::hidden_fields;

/// Three pages: the result (with "not applicable") and whether feedback was given; the
/// handling of feedback, asked only of those who gave it; a comment.
pub const STEPS_FORM: &str = r#"
id = "test-steps"
title.vi = "Phiếu thử nhiều trang"
title.en = "Stepped test form"
rollup = "pooled"
headline = "e"
steps = "sections"

[[sections]]
id = "result"
title.vi = "Kết quả"

[[sections.questions]]
id = "q1"
type = "scale"
required = true
label.vi = "Kết quả đúng quy định"
label.en = "The result complies with the rules"
na = { vi = "Chưa nhận kết quả", en = "No result yet" }
options = [
  { value = 1, vi = "Rất không hài lòng" }, { value = 2, vi = "Không hài lòng" },
  { value = 3, vi = "Bình thường" }, { value = 4, vi = "Hài lòng" }, { value = 5, vi = "Rất hài lòng" },
]

[[sections.questions]]
id = "sent"
type = "single"
required = true
label.vi = "Ông/Bà đã góp ý chưa?"
label.en = "Did you give feedback?"
options = [{ value = "yes", vi = "Đã góp ý", en = "Yes" }, { value = "no", vi = "Chưa", en = "No" }]

[[sections]]
id = "feedback"
title.vi = "Góp ý"
show_if = { question = "sent", is = ["yes"] }

[[sections.questions]]
id = "q2"
type = "scale"
required = true
label.vi = "Góp ý được xử lý kịp thời"
label.en = "Feedback was handled in good time"
options = [
  { value = 1, vi = "Rất không hài lòng" }, { value = 2, vi = "Không hài lòng" },
  { value = 3, vi = "Bình thường" }, { value = 4, vi = "Hài lòng" }, { value = 5, vi = "Rất hài lòng" },
]

[[sections]]
id = "end"
title.vi = "Góp ý thêm"

[[sections.questions]]
id = "comment"
type = "text"
label.vi = "Góp ý thêm"
label.en = "Anything else"

[[indices]]
id = "c1"
type = "share"
label.vi = "Kết quả"
questions = ["q1"]
levels = [4, 5]

[[indices]]
id = "c2"
type = "share"
label.vi = "Xử lý góp ý"
questions = ["q2"]
levels = [4, 5]

[[indices]]
id = "e"
type = "mean"
label.vi = "Chung"
of = ["c1", "c2"]
"#;

/// An app serving the stepped form at a desk of commune C (province P); the desk's code.
async fn app_with_steps(backend: Backend) -> (TestApp, String) {
    let app = spawn_app_with(backend, |s| {
        let dir = s.data_dir.join("forms");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("test-steps.toml"), STEPS_FORM).unwrap();
        s.forms_dir = dir;
        without_rate_limits(s);
    })
    .await;
    let code = crate::survey::seed_desk(&app, "test-steps");
    (app, code)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

impl TestApp {
    /// Posts a page of the form: its hidden fields (answers of other pages included, as a
    /// browser sends them), the answers given on it, and the button pressed.
    async fn post_step(
        &self,
        code: &str,
        html: &str,
        answers: &[(&str, &str)],
        go: &str,
    ) -> (StatusCode, String) {
        let mut fields = hidden_inputs(html);
        fields.extend(pairs(answers));
        fields.push(("_go".into(), go.into()));
        let response = self
            .client
            .post(format!("{}/s/{code}", self.address))
            .form(&fields)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap_or_default())
    }
}

/// Every hidden input of a page, as a browser posts them.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|rest| {
            let attribute = |name: &str| {
                let marker = format!("{name}=\"");
                let start = rest.find(&marker).unwrap() + marker.len();
                rest[start..].split('"').next().unwrap().to_string()
            };
            (attribute("name"), attribute("value"))
        })
        .collect()
}

/// A citizen goes through the three pages: Next without an answer is refused with the
/// summary; Back keeps what was chosen; the language switch keeps it too; nothing is
/// stored until the last page, then exactly once, however often that page is sent.
async fn a_stepped_form_stores_one_response_at_the_last_step(backend: Backend) {
    let (app, code) = app_with_steps(backend).await;
    let (status, first) = app.open_survey(&code).await;
    assert_eq!(status, StatusCode::OK);
    assert!(first.contains("Phần 1/3"), "{first}");
    assert!(
        first.contains("novalidate"),
        "the browser's bubbles never point at a hidden radio"
    );
    assert!(first.contains("khoảng 1 phút"), "an honest duration");
    assert!(
        !first.contains("Góp ý được xử lý"),
        "page 2's question is not on page 1"
    );

    let (status, refused) = app.post_step(&code, &first, &[("sent", "yes")], "next").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("Còn 1 câu chưa trả lời"), "{refused}");
    assert!(refused.contains(r##"<a href="#q-q1">Câu 1</a>"##), "{refused}");
    assert!(
        refused.contains(r#"value="yes" checked"#),
        "the answer given is kept"
    );

    let (status, second) = app
        .post_step(&code, &refused, &[("q1", "na"), ("sent", "yes")], "next")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        second.contains("Phần 2/3") && second.contains("Câu 3. Góp ý được xử lý"),
        "{second}"
    );
    assert!(
        second.contains(r#"name="q1" value="na""#),
        "page 1's answers travel"
    );

    // Back: page 1 again, as it was answered.
    let (_, back) = app.post_step(&code, &second, &[("q2", "4")], "back").await;
    assert!(
        back.contains("Phần 1/3") && back.contains(r#"value="na" checked"#),
        "{back}"
    );
    assert!(
        back.contains(r#"name="q2" value="4""#),
        "page 2's answer travels back too"
    );

    // The language switch re-renders the same page in English, answers kept.
    let mut fields = hidden_inputs(&back);
    fields.extend(pairs(&[("q1", "na"), ("sent", "yes"), ("_lang", "en")]));
    let english = app
        .client
        .post(format!("{}/s/{code}", app.address))
        .form(&fields)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        english.contains("Part 1/3") && english.contains("No result yet"),
        "{english}"
    );
    assert!(english.contains(r#"value="na" checked"#), "{english}");

    let (_, second) = app
        .post_step(&code, &english, &[("q1", "na"), ("sent", "yes")], "next")
        .await;
    let (_, third) = app.post_step(&code, &second, &[("q2", "4")], "next").await;
    assert!(
        third.contains("Part 3/3") || third.contains("Phần 3/3"),
        "{third}"
    );
    assert!(
        app.stored_responses().is_empty(),
        "nothing stored before the last page"
    );

    let (status, _) = app.post_step(&code, &third, &[("comment", "Tốt")], "send").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The last page sent again (a double tap, a reload): still one response.
    let (status, _) = app.post_step(&code, &third, &[("comment", "Tốt")], "send").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let stored = app.stored_responses();
    assert_eq!(stored.len(), 1);
    let mut answers = stored[0].values().unwrap();
    answers.sort();
    assert_eq!(
        answers,
        pairs(&[("q1", "na"), ("q2", "4"), ("sent", "yes")]),
        "every page's answers, once"
    );
}

/// Answers sent whole without a page (an old page, a forged post, a page skipped) are
/// checked by the same rule: the condition holds, so its required question is asked, and
/// the page that lacks it comes back; nothing is stored.
async fn a_step_skipped_or_posted_out_of_order_never_stores(backend: Backend) {
    let (app, code) = app_with_steps(backend).await;
    let (_, first) = app.open_survey(&code).await;
    let (status, page) = app
        .post_step(&code, &first, &[("q1", "5"), ("sent", "yes")], "send")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("Phần 2/3") && page.contains("Còn 1 câu chưa trả lời"),
        "{page}"
    );
    // A step number that does not exist is read as the first page, never a 500.
    let token = hidden_fields(&first);
    let fields = pairs(&[
        ("_token", &token.token),
        ("_version", &token.version),
        ("_step", "99"),
        ("_go", "next"),
    ]);
    let response = app
        .client
        .post(format!("{}/s/{code}", app.address))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.stored_responses().is_empty());
}

fn july_all(app: &TestApp) -> sipas::indices::Report {
    let request = ReportRequest {
        unit: "C",
        form: "test-steps",
        period: Period::parse(&chrono::Utc::now().format("%Y").to_string()).unwrap(),
        rollup: None,
        rank_by: None,
        min_sample: 1,
        field: None,
        population: Population::All,
        sample_margin: 0.05,
    };
    build(
        &mut app.prepared.db.conn().unwrap(),
        &app.prepared.forms,
        &request,
    )
    .unwrap()
}

/// Four citizens answer the whole form at once (a one-page browser would):
///
/// | resp | q1 | sent | q2             |
/// |------|----|------|----------------|
/// | r1   | 5  | yes  | 4              |
/// | r2   | na | yes  | 2              |
/// | r3   | 2  | no   | 5 (not asked)  |
/// | r4   | na | no   | –              |
///
/// c1 counts q1 without its not-applicable answers: 1 of 2 (r1, r3) = 50 %, n = 2 (with
/// them it would be 1 of 4). c2 counts q2 where it was asked: 1 of 2 (r1, r2) = 50 %,
/// n = 2 (r3's answer, sent though its condition failed, is dropped: else 2 of 3).
/// e = (50 + 50) / 2 = 50, n = 2. q1's "not applicable" is counted apart: 2.
async fn not_applicable_and_conditions_leave_the_denominators(backend: Backend) {
    let (app, code) = app_with_steps(backend).await;
    for answers in [
        [("q1", "5"), ("sent", "yes"), ("q2", "4")].as_slice(),
        &[("q1", "na"), ("sent", "yes"), ("q2", "2")],
        &[("q1", "2"), ("sent", "no"), ("q2", "5")],
        &[("q1", "na"), ("sent", "no")],
    ] {
        let response = app.answer(&code, &pairs(answers)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{answers:?}");
    }
    let report = july_all(&app);
    assert_eq!(report.responses, 4);
    let figure = |id: &str| {
        let value = report.indices.get(id).unwrap();
        (value.value, value.n)
    };
    assert_eq!(figure("c1"), (Some(50.0), 2));
    assert_eq!(figure("c2"), (Some(50.0), 2));
    assert_eq!(figure("e"), (Some(50.0), 2));
    let stored = app.stored_responses();
    let kept_q2 = stored
        .iter()
        .filter(|r| r.values().unwrap().iter().any(|(q, _)| q == "q2"))
        .count();
    assert_eq!(kept_q2, 2, "the answer to a question not asked is not stored");
    let not_applicable = stored
        .iter()
        .flat_map(|r| r.values().unwrap())
        .filter(|(q, v)| q == "q1" && v == "na")
        .count();
    assert_eq!(not_applicable, 2, "stored, counted apart");
    crate::survey::assert_counts_match_answers(&app);
}

/// A desk's poster opens the quick rating and its tickets the SIPAS form (the defaults of
/// `desks add`); the page names the unit's agency and states the form's duration; the
/// thank-you page gives the unit's contact.
async fn a_desk_has_a_poster_form_and_a_ticket_form(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let mut conn = app.prepared.db.conn().unwrap();
    let csv = "code,name,kind,parent_code,agency_name\nP,Tỉnh Thử,tỉnh,,\nC,Phường Phú Xuân,phường,P,UBND Phường Phú Xuân — Trung tâm Phục vụ hành chính công\n";
    sipas::units::import::import_csv(&mut conn, csv.as_bytes()).unwrap();
    sipas::db::units::set_feedback_contact(&mut conn, "C", Some("Đường dây nóng 0234 3 822 222")).unwrap();
    let desk = sipas::desks::add(
        &mut conn,
        "C",
        "Bộ phận Một cửa",
        sipas::desks::DeskForms::default(),
        &app.prepared.forms.ids(),
    )
    .unwrap();
    assert_eq!(
        (desk.form_id.as_str(), desk.ticket_form_id.as_str()),
        ("quick-2025", "sipas-2023")
    );
    drop(conn);
    let (_, poster) = app.open_survey(&desk.code).await;
    assert!(poster.contains("<h1>Đánh giá nhanh tại quầy</h1>"));
    assert!(
        poster.contains(r#"<p class="agency">UBND Phường Phú Xuân — Trung tâm Phục vụ hành chính công</p>"#)
    );
    assert!(poster.contains("khoảng 1 phút"), "{poster}");
    assert!(!poster.contains("Phần 1/"), "a short form stays one page");
    assert!(poster.contains(r#"class="face""#), "the quick form's faces");
    let ticket = &crate::tickets::issue(&app, &desk.code, 1, None)[0];
    let (_, page) = app.open_survey(&ticket.code).await;
    assert!(
        page.contains("phương pháp 2023–2026") && page.contains("Phần 1/7"),
        "{page}"
    );
    let minutes = app.prepared.forms.current("sipas-2023").unwrap().form.minutes();
    assert!(minutes >= 5, "a long form says so: {minutes}");
    assert!(page.contains(&format!("khoảng {minutes} phút")));

    let answers = crate::survey::full_answers(&app, "quick-2025");
    assert_eq!(
        app.answer(&desk.code, &answers).await.status(),
        StatusCode::SEE_OTHER
    );
    let thanks = app
        .get(&format!("/s/{}/thanks", desk.code))
        .await
        .text()
        .await
        .unwrap();
    assert!(thanks.contains("Ông/Bà có thể đóng trang này."));
    assert!(thanks.contains("Đường dây nóng 0234 3 822 222"), "{thanks}");
}

/// `sipas desks add` gives the poster and tickets their own forms, and refuses an unknown
/// one with a clear message.
fn desks_add_takes_a_poster_form_and_a_ticket_form(backend: Backend) {
    use crate::helpers::{TestDb, run, run_ok, sipas, stderr, stdout};
    let db = TestDb::new(backend);
    let csv = crate::helpers::write_file(
        &db,
        "units.csv",
        "code,name,kind,parent_code\nC,Xã,xã,\n".as_bytes(),
    );
    run_ok(sipas(&db).args(["units", "import"]).arg(&csv));
    let added = run_ok(sipas(&db).args([
        "desks", "add", "--unit", "C", "--name", "Quầy 1", "--format", "json",
    ]));
    let desks: serde_json::Value = serde_json::from_str(&stdout(&added)).unwrap();
    assert_eq!(
        (desks[0]["form"].as_str(), desks[0]["ticket_form"].as_str()),
        (Some("quick-2025"), Some("sipas-2023"))
    );
    let added = run_ok(sipas(&db).args([
        "desks",
        "add",
        "--unit",
        "C",
        "--name",
        "Quầy 2",
        "--form",
        "sipas-2017",
        "--ticket-form",
        "tt01-2018",
        "--format",
        "json",
    ]));
    let desks: serde_json::Value = serde_json::from_str(&stdout(&added)).unwrap();
    assert_eq!(
        (desks[0]["form"].as_str(), desks[0]["ticket_form"].as_str()),
        (Some("sipas-2017"), Some("tt01-2018"))
    );
    let refused = run(sipas(&db).args([
        "desks",
        "add",
        "--unit",
        "C",
        "--name",
        "Quầy 3",
        "--ticket-form",
        "khong-co",
    ]));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("không có phiếu khảo sát «khong-co»"),
        "{}",
        stderr(&refused)
    );
}

/// Paper questionnaires typed in: `na`, or a blank, where the form offers "not
/// applicable"; a blank for a required question without it is refused with its line.
/// q1's share is hand-computed: r1 5, r2 na, r3 blank, r4 2 → 1 of 2 = 50 %, n = 2.
fn paper_imports_take_na_and_blanks_where_not_applicable_is_offered(backend: Backend) {
    use crate::helpers::{TestDb, run, sipas, stderr, write_file};
    let db = TestDb::new(backend);
    let forms = db.dir.path().join("forms");
    std::fs::create_dir_all(&forms).unwrap();
    std::fs::write(forms.join("test-steps.toml"), STEPS_FORM).unwrap();
    let mut conn = db.open().conn().unwrap();
    sipas::units::import::import_csv(&mut conn, "code,name,kind,parent_code\nC,Xã,xã,\n".as_bytes()).unwrap();
    drop(conn);
    let import = |name: &str, body: &str| {
        let file = write_file(&db, name, body.as_bytes());
        run(sipas(&db)
            .env("SIPAS_FORMS_DIR", &forms)
            .args(["responses", "import", "--form", "test-steps"])
            .arg(&file))
    };
    let refused = import(
        "thieu.csv",
        "unit_code,submitted_at,q1,sent\nC,2025-07-01,5,yes\nC,2025-07-01,4,\n",
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("thieu.csv:3: sent: Ông/Bà vui lòng trả lời câu này."),
        "{}",
        stderr(&refused)
    );
    let output = import(
        "giay.csv",
        "unit_code,submitted_at,q1,sent,q2\nC,2025-07-01,5,yes,4\nC,2025-07-01,na,yes,2\nC,2025-07-01,,no,\nC,2025-07-01,2,no,\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let db_open = db.open();
    let mut conn = db_open.conn().unwrap();
    let responses = sipas::db::responses::all(&mut conn).unwrap();
    assert_eq!(responses.len(), 4);
    let forms_registry =
        sipas::forms::FormRegistry::register(&mut conn, sipas::forms::load_dir(&forms).unwrap()).unwrap();
    let request = ReportRequest {
        unit: "C",
        form: "test-steps",
        period: Period::parse("2025-07").unwrap(),
        rollup: None,
        rank_by: None,
        min_sample: 1,
        field: None,
        population: Population::All,
        sample_margin: 0.05,
    };
    let report = build(&mut conn, &forms_registry, &request).unwrap();
    let c1 = report.indices.get("c1").unwrap();
    assert_eq!((c1.value, c1.n), (Some(50.0), 2));
}

crate::on_both_backends_sync!(
    desks_add_takes_a_poster_form_and_a_ticket_form,
    paper_imports_take_na_and_blanks_where_not_applicable_is_offered,
);

on_both_backends!(
    a_desk_has_a_poster_form_and_a_ticket_form,
    a_stepped_form_stores_one_response_at_the_last_step,
    a_step_skipped_or_posted_out_of_order_never_stores,
    not_applicable_and_conditions_leave_the_denominators,
);
