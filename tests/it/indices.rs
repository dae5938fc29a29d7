//! The indices engine against figures computed by hand: a small form, seven responses in
//! two communes of one province, every index, interval, roll-up and period boundary
//! worked out in the comments; then the same report through the API and the CLI.

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;
use sipas::auth::Role;
use sipas::forms::Rollup;
use sipas::indices::report::{IndexValue, Unranked};
use sipas::indices::{Period, Report, ReportRequest, build};
use sipas::responses::{Answers, Channel, Submission};

use crate::auth::{add_token, seed_units};
use crate::helpers::{Backend, TestApp, client, run, sipas, spawn_app_with, stderr, stdout};
use crate::on_both_backends;

/// Two 5-level criteria (c1, c2) and their element mean (e), a choice (a_share), and two
/// 0–2 point questions with a total and grades.
pub const TEST_FORM: &str = r#"
id = "test-indices"
version = "1"
title.vi = "Phiếu thử chỉ số"
title.en = "Index test form"
rollup = "pooled"
headline = "e"

[[sections]]
id = "s"
title.vi = "Câu hỏi"

[[sections.questions]]
id = "q1"
type = "scale"
label.vi = "Câu 1"
options = [
  { value = 1, vi = "Rất không hài lòng" }, { value = 2, vi = "Không hài lòng" },
  { value = 3, vi = "Bình thường" }, { value = 4, vi = "Hài lòng" }, { value = 5, vi = "Rất hài lòng" },
]

[[sections.questions]]
id = "q2"
type = "scale"
label.vi = "Câu 2"
options = [
  { value = 1, vi = "Rất không hài lòng" }, { value = 2, vi = "Không hài lòng" },
  { value = 3, vi = "Bình thường" }, { value = 4, vi = "Hài lòng" }, { value = 5, vi = "Rất hài lòng" },
]

[[sections.questions]]
id = "q3"
type = "single"
label.vi = "Câu 3"
options = [{ value = "a", vi = "A" }, { value = "b", vi = "B" }]

[[sections.questions]]
id = "p1"
type = "scale"
label.vi = "Điểm 1"
options = [{ value = 2, vi = "Tốt" }, { value = 1, vi = "Được" }, { value = 0, vi = "Kém" }]

[[sections.questions]]
id = "p2"
type = "scale"
label.vi = "Điểm 2"
options = [{ value = 2, vi = "Tốt" }, { value = 1, vi = "Được" }, { value = 0, vi = "Kém" }]

[[indices]]
id = "c1"
type = "share"
label.vi = "Tiêu chí 1"
questions = ["q1"]
levels = [4, 5]

[[indices]]
id = "c2"
type = "share"
label.vi = "Tiêu chí 2"
questions = ["q2"]
levels = [4, 5]

[[indices]]
id = "e"
type = "mean"
label.vi = "Yếu tố"
of = ["c1", "c2"]

[[indices]]
id = "a_share"
type = "share"
label.vi = "Chọn A"
questions = ["q3"]
options = ["a"]

[[indices]]
id = "total"
type = "points"
label.vi = "Tổng điểm"
questions = ["p1", "p2"]
grades = [{ min = 3, vi = "Tốt", en = "Good" }, { min = 2, vi = "Khá", en = "Fair" }, { min = 0, vi = "Kém", en = "Poor" }]
"#;

/// An app serving only the test form, with units P1 > C1, C2 and P2 > D1.
/// The `sipas` binary on this database, with the test form's directory.
pub fn sipas_with_test_form(db: &crate::helpers::TestDb) -> std::process::Command {
    let mut command = sipas(db);
    command.env("SIPAS_FORMS_DIR", db.dir.path().join("forms"));
    command
}

pub async fn app_with_test_form(backend: Backend) -> TestApp {
    app_with_test_form_and(backend, |_| {}).await
}

/// The same, with more settings changed.
pub async fn app_with_test_form_and(
    backend: Backend,
    configure: impl FnOnce(&mut sipas::config::Settings),
) -> TestApp {
    let app = spawn_app_with(backend, |s| {
        let dir = s.data_dir.join("forms");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("test-indices.toml"), TEST_FORM).unwrap();
        s.forms_dir = dir;
        configure(s);
    })
    .await;
    seed_units(&app);
    app
}

/// Stores one response of the test form, submitted at `at` (UTC).
fn respond(app: &TestApp, unit: &str, at: chrono::DateTime<Utc>, channel: Channel, answers: &[(&str, &str)]) {
    respond_with_comment(app, unit, at, channel, answers, None);
}

/// The same, with a free-text answer to a `comment` question.
pub fn respond_with_comment(
    app: &TestApp,
    unit: &str,
    at: chrono::DateTime<Utc>,
    channel: Channel,
    answers: &[(&str, &str)],
    comment: Option<&str>,
) {
    respond_in_field(app, unit, at, channel, answers, comment, None);
}

/// The same, to a procedure of `field`.
pub fn respond_in_field(
    app: &TestApp,
    unit: &str,
    at: chrono::DateTime<Utc>,
    channel: Channel,
    answers: &[(&str, &str)],
    comment: Option<&str>,
    field: Option<&str>,
) {
    let form = app.prepared.forms.current("test-indices").unwrap();
    let submission = Submission {
        form_version_id: form.version_id,
        unit_code: unit,
        desk_id: None,
        channel,
        procedure_code: None,
        procedure_field: field,
        submitted_at: at,
        time_zone: chrono_tz::Asia::Ho_Chi_Minh,
        token: None,
        ticket: None,
    };
    let answers = Answers {
        values: answers
            .iter()
            .map(|(q, v)| (q.to_string(), v.to_string()))
            .collect(),
        texts: comment
            .map(|c| ("comment".to_string(), c.to_string()))
            .into_iter()
            .collect(),
    };
    sipas::responses::store(&mut app.prepared.db.conn().unwrap(), &submission, &answers).unwrap();
}

pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// The dataset. July 2025 (local time, UTC+7):
///
/// | resp | unit | q1 | q2 | q3 | p1 | p2 |
/// |------|------|----|----|----|----|----|
/// | r1   | C1   | 5  | 4  | a  | 2  | 2  |
/// | r2   | C1   | 4  | 2  | b  | 1  | 2  |
/// | r3   | C1   | 2  | –  | a  | 0  | 1  |
/// | r4   | C1   | 3  | 5  | a  | 2  | 0  |
/// | r5   | C2   | 5  | 5  | b  | 2  | 2  |
/// | r6   | C2   | 1  | 1  | –  | 1  | 1  |
///
/// r1 is submitted at 2025-06-30 17:00 UTC = 1 July 00:00 local: July. Outside July:
/// r7 (C1, 30 June 23:59 local = 16:59 UTC: June, the previous period) answering
/// q1 = 1, q2 = 1; r8 (C1, 31 July 17:00 UTC = 1 August local) and r9 (D1, another
/// province).
pub fn seed_responses(app: &TestApp) {
    use Channel::{DeskQr, Paper, Ticket};
    let all = |q1: &'static str,
               q2: &'static str,
               q3: &'static str,
               p1: &'static str,
               p2: &'static str|
     -> Vec<(&'static str, &'static str)> {
        [("q1", q1), ("q2", q2), ("q3", q3), ("p1", p1), ("p2", p2)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect()
    };
    respond(
        app,
        "C1",
        utc(2025, 6, 30, 17, 0),
        DeskQr,
        &all("5", "4", "a", "2", "2"),
    );
    respond(
        app,
        "C1",
        utc(2025, 7, 10, 3, 0),
        Ticket,
        &all("4", "2", "b", "1", "2"),
    );
    respond(
        app,
        "C1",
        utc(2025, 7, 11, 3, 0),
        Paper,
        &all("2", "", "a", "0", "1"),
    );
    respond(
        app,
        "C1",
        utc(2025, 7, 12, 3, 0),
        DeskQr,
        &all("3", "5", "a", "2", "0"),
    );
    respond(
        app,
        "C2",
        utc(2025, 7, 13, 3, 0),
        DeskQr,
        &all("5", "5", "b", "2", "2"),
    );
    respond(
        app,
        "C2",
        utc(2025, 7, 14, 3, 0),
        DeskQr,
        &all("1", "1", "", "1", "1"),
    );
    respond(
        app,
        "C1",
        utc(2025, 6, 30, 16, 59),
        DeskQr,
        &all("1", "1", "b", "0", "0"),
    );
    respond(
        app,
        "C1",
        utc(2025, 7, 31, 17, 0),
        DeskQr,
        &all("5", "5", "a", "2", "2"),
    );
    respond(
        app,
        "D1",
        utc(2025, 7, 15, 3, 0),
        DeskQr,
        &all("5", "5", "a", "2", "2"),
    );
}

fn report(app: &TestApp, unit: &str, period: &str, rollup: Option<Rollup>) -> Report {
    let request = ReportRequest {
        unit,
        form: "test-indices",
        period: Period::parse(period).unwrap(),
        rollup,
        rank_by: None,
        min_sample: 5,
        field: None,
        population: sipas::indices::Population::Official,
        sample_margin: 0.05,
    };
    build(
        &mut app.prepared.db.conn().unwrap(),
        &app.prepared.forms,
        &request,
    )
    .unwrap()
}

/// Asserts an index's value, n and interval.
#[track_caller]
fn check(index: Option<&IndexValue>, value: f64, n: i64, ci: [f64; 2]) {
    let index = index.expect("the index is in the report");
    assert_eq!(
        (index.value, index.n, index.ci95),
        (Some(value), n, Some(ci)),
        "{index:?}"
    );
}

async fn indices_match_figures_computed_by_hand(backend: Backend) {
    let app = app_with_test_form(backend).await;
    seed_responses(&app);

    // C1 in July: r1–r4.
    let c1 = report(&app, "C1", "2025-07", None);
    assert_eq!(
        (c1.responses, c1.from, c1.to),
        (
            4,
            NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            NaiveDate::from_ymd_opt(2025, 7, 31).unwrap()
        )
    );
    // c1: q1 ∈ {4,5} for r1, r2 of 4 answers → 50 %. Wilson, z = 1.96, n = 4, p = 0.5:
    // (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n) = (0.98018 ± 0.68602) / 1.96037
    // → [15.00, 85.00].
    check(c1.indices.get("c1"), 50.0, 4, [15.0, 85.0]);
    // c2: r3 skipped q2, so 2 of 3 (r1 = 4, r4 = 5; r2 = 2) → 66.67 %, Wilson [20.77, 93.85].
    check(c1.indices.get("c2"), 66.67, 3, [20.77, 93.85]);
    // e = (50 + 66.667) / 2 = 58.33; interval = the mean of the bounds:
    // ((15.004 + 20.766) / 2, (84.996 + 93.851) / 2) = [17.88, 89.42]; n = min(4, 3), the
    // smallest component's (DESIGN.md §9).
    check(c1.indices.get("e"), 58.33, 3, [17.88, 89.42]);
    // a_share: 3 of 4 chose a → 75 %, Wilson [30.06, 95.44].
    check(c1.indices.get("a_share"), 75.0, 4, [30.06, 95.44]);
    // total: p1 mean (2+1+0+2)/4 = 1.25, p2 mean (2+2+1+0)/4 = 1.25 → 2.5 of 4 = 62.5 %.
    // Each has variance 2.25 − 1.25² = 0.6875, standard error √(0.6875/4) = 0.41458;
    // 2.5 ± 1.96 × 0.82916 = [0.875, 4.125] → [21.87 %, 100 %] (capped). Grade: 2.5 ≥ 2.
    check(c1.indices.get("total"), 62.5, 4, [21.87, 100.0]);
    assert_eq!(c1.indices.get("total").unwrap().grade.as_ref().unwrap().vi, "Khá");
    // Below the minimum sample of 5 every index says so.
    assert!(c1.indices.0.iter().all(|(_, i)| i.low_sample));
    // r1 came through the desk QR, r2 a ticket, r3 paper, r4 the desk QR.
    assert_eq!(c1.channels.get(&sipas::tally::Channel::DeskQr), Some(&2));
    assert_eq!(
        (
            c1.channels.get(&sipas::tally::Channel::Ticket),
            c1.channels.get(&sipas::tally::Channel::Paper)
        ),
        (Some(&1), Some(&1))
    );
    // June (the previous period): r7 only; c1 = 0 % → the change is +50 points.
    assert_eq!(c1.previous.responses, 1);
    assert_eq!(c1.indices.get("c1").unwrap().change, Some(50.0));
    assert!(c1.children.is_empty());

    // C2: r5, r6. c1 1 of 2 = 50 % [9.45, 90.55]; c2 the same; a_share: r6 skipped q3,
    // r5 chose b → 0 of 1 = 0 % [0, 79.35]; total (1.5 + 1.5) / 4 = 75 %, each question
    // variance 2.5 − 2.25 = 0.25, SE √(0.25/2) = 0.35355, 3 ± 1.96 × 0.70711 → [40.35, 100].
    let c2 = report(&app, "C2", "2025-07", None);
    check(c2.indices.get("c1"), 50.0, 2, [9.45, 90.55]);
    check(c2.indices.get("a_share"), 0.0, 1, [0.0, 79.35]);
    check(c2.indices.get("total"), 75.0, 2, [40.35, 100.0]);
    assert_eq!(
        c2.indices.get("total").unwrap().grade.as_ref().unwrap().en,
        "Good"
    );

    // P1 pooled: r1–r6 together. c1 3 of 6 = 50 % [18.76, 81.24]; c2 3 of 5 = 60 %
    // [23.07, 88.24]; e = 55, interval ((18.762 + 23.072)/2, (81.238 + 88.238)/2) =
    // [20.92, 84.74], n = min(6, 5); a_share 3 of 5 = 60 %; total: each question's mean 8/6, variance
    // 14/6 − (4/3)² = 0.5556, SE √(0.5556/6) = 0.30429; 2.6667 ± 1.96 × 0.60858 →
    // [36.85, 96.49], value 66.67 %.
    let p1 = report(&app, "P1", "2025-07", None);
    assert_eq!((p1.responses, p1.rollup), (6, Rollup::Pooled));
    check(p1.indices.get("c1"), 50.0, 6, [18.76, 81.24]);
    check(p1.indices.get("c2"), 60.0, 5, [23.07, 88.24]);
    check(p1.indices.get("e"), 55.0, 5, [20.92, 84.74]);
    check(p1.indices.get("total"), 66.67, 6, [36.85, 96.49]);
    assert!(!p1.indices.get("c1").unwrap().low_sample, "n = 6 ≥ 5");
    // The pooled parent is the index of the union of its children's responses.
    assert_eq!(
        p1.indices.get("c1").unwrap().n,
        c1.indices.get("c1").unwrap().n + c2.indices.get("c1").unwrap().n
    );

    // Mean of children: c1 (50 + 50) / 2 = 50, interval ((15.004 + 9.453)/2,
    // (84.996 + 90.547)/2) = [12.23, 87.77], n = 4 + 2; c2 (66.667 + 50)/2 = 58.33
    // [15.11, 92.20], n = 3 + 2; a_share (75 + 0)/2 = 37.5; total (62.5 + 75)/2 = 68.75.
    let other = &p1.other_rollup;
    assert_eq!(other.rollup, Rollup::MeanOfChildren);
    check(other.indices.get("c1"), 50.0, 6, [12.23, 87.77]);
    check(other.indices.get("c2"), 58.33, 5, [15.11, 92.2]);
    assert_eq!(other.indices.get("a_share").unwrap().value, Some(37.5));
    assert_eq!(other.indices.get("total").unwrap().value, Some(68.75));
    let asked = report(&app, "P1", "2025-07", Some(Rollup::MeanOfChildren));
    assert_eq!(
        (asked.rollup, &asked.indices),
        (Rollup::MeanOfChildren, &other.indices)
    );

    // Children by the headline e: C1 58.33 before C2 50 — but neither is ranked, both
    // resting on fewer answers than the minimum sample of 5 (DESIGN.md §9).
    let ranked: Vec<(&str, Option<usize>, Option<Unranked>)> = p1
        .children
        .iter()
        .map(|c| (c.unit.as_str(), c.rank, c.unranked))
        .collect();
    assert_eq!(
        ranked,
        [
            ("C1", None, Some(Unranked::LowSample)),
            ("C2", None, Some(Unranked::LowSample))
        ]
    );
    assert_eq!(p1.children[0].indices, c1.indices);

    // August holds r8 only; the quarter holds r1–r6 and r8; an empty period has n = 0
    // and no value.
    assert_eq!(report(&app, "C1", "2025-08", None).responses, 1);
    assert_eq!(report(&app, "P1", "2025Q3", None).responses, 7);
    // 2 to 31 July is July less its first day (read as the month minus 1 July): r2–r6,
    // without r1 (1 July local); C1 then has r2–r4, c1 1 of 3 (r2 = 4).
    let ragged = ReportRequest {
        unit: "P1",
        form: "test-indices",
        period: Period::days("2025-07-02", "2025-07-31").unwrap(),
        rollup: None,
        rank_by: None,
        min_sample: 5,
        field: None,
        population: sipas::indices::Population::Official,
        sample_margin: 0.05,
    };
    let ragged = build(&mut app.prepared.db.conn().unwrap(), &app.prepared.forms, &ragged).unwrap();
    assert_eq!(ragged.responses, 5);
    let c1_ragged = ragged.children.iter().find(|c| c.unit == "C1").unwrap();
    assert_eq!(c1_ragged.responses, 3);
    assert_eq!(c1_ragged.indices.get("c1").unwrap().n, 3);
    assert_eq!(c1_ragged.indices.get("c1").unwrap().value, Some(33.33));
    // By desk QR: r4, r5 and r6 (r1 taken away with 1 July).
    assert_eq!(ragged.channels.get(&sipas::tally::Channel::DeskQr), Some(&3));
    // Read on two connections at once, the report is the same document.
    let request = ReportRequest {
        unit: "P1",
        form: "test-indices",
        period: Period::parse("2025Q3").unwrap(),
        rollup: None,
        rank_by: None,
        min_sample: 5,
        field: None,
        population: sipas::indices::Population::Official,
        sample_margin: 0.05,
    };
    let (mut first, mut second) = (app.prepared.db.conn().unwrap(), app.prepared.db.conn().unwrap());
    let forms = &app.prepared.forms;
    let parallel = sipas::indices::build_with_spare(&mut first, Some(&mut second), forms, &request).unwrap();
    let sequential = build(&mut first, forms, &request).unwrap();
    assert_eq!(
        serde_json::to_value(&parallel).unwrap(),
        serde_json::to_value(&sequential).unwrap()
    );
    assert_eq!(parallel.previous.responses, 1, "r7, in June (Q2)");
    drop((first, second));
    let empty = report(&app, "P1", "2024", None);
    let e = empty.indices.get("e").unwrap();
    assert_eq!(
        (empty.responses, e.value, e.n, e.ci95, e.low_sample),
        (0, None, 0, None, true)
    );
    assert!(empty.children.iter().all(|c| c.rank.is_none()));
}

async fn the_report_is_one_document_for_the_api_and_the_command_line(backend: Backend) {
    let app = app_with_test_form(backend).await;
    seed_responses(&app);
    let (_, token) = add_token(&app, Role::Official, Some("P1"));
    let get = |path: &str| {
        client()
            .get(format!("{}{path}", app.address))
            .bearer_auth(&token)
            .send()
    };
    let response = get("/api/v1/units/P1/report?form=test-indices&period=2025-07")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    // The field names of DESIGN.md §5.
    for field in [
        "unit",
        "form",
        "from",
        "to",
        "rollup",
        "responses",
        "indices",
        "children",
    ] {
        assert!(document.get(field).is_some(), "{field} in {document}");
    }
    assert_eq!(document["from"], "2025-07-01");
    assert_eq!(document["rollup"], "pooled");
    assert_eq!(
        document["indices"]["c1"]["ci95"],
        serde_json::json!([18.76, 81.24])
    );
    assert_eq!(document["children"][0]["unit"], "C1");
    assert_eq!(document["children"][0]["indices"]["e"]["value"], 58.33);
    // The index keys come in the form's order.
    let position = |key: &str| text.find(&format!("\"{key}\":{{\"value\"")).unwrap();
    assert!(
        position("c1") < position("c2")
            && position("e") < position("a_share")
            && position("a_share") < position("total")
    );

    let range = get(
        "/api/v1/units/P1/report?form=test-indices&from=2025-07-01&to=2025-07-31&rollup=mean_of_children",
    )
    .await
    .unwrap()
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(range["rollup"], "mean_of_children");
    assert_eq!(range["indices"]["total"]["value"], 68.75);

    // `sipas report --format json` prints the same document.
    let output = run(sipas_with_test_form(&app.db).args([
        "report",
        "--unit",
        "P1",
        "--form",
        "test-indices",
        "--period",
        "2025-07",
        "--format",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(serde_json::from_str::<Value>(&stdout(&output)).unwrap(), document);
    // The table speaks Vietnamese numbers; CSV has a row per unit and index.
    let output = run(sipas_with_test_form(&app.db).args([
        "report",
        "--unit",
        "P1",
        "--form",
        "test-indices",
        "--period",
        "2025-07",
    ]));
    let table = stdout(&output);
    assert!(table.contains("Tỉnh Một (P1)"), "{table}");
    assert!(
        table.contains("66,67") && table.contains("18,76 – 81,24"),
        "{table}"
    );
    let output = run(sipas_with_test_form(&app.db).args([
        "report",
        "--unit",
        "P1",
        "--form",
        "test-indices",
        "--period",
        "2025-07",
        "--format",
        "csv",
    ]));
    let csv = stdout(&output);
    assert_eq!(csv.lines().count(), 1 + 3 * 5, "{csv}");
    assert!(
        csv.contains("\nP1,Tỉnh Một,c1,50.00,6,18.76,81.24,true,50.00,,,,official,pooled,30,0.05,"),
        "{csv}"
    );
    // Excel (the official report's workbook): the indices as numbers on one sheet, the
    // ranked child units on another.
    let path = app.db.dir.path().join("report.xlsx");
    let output = run(sipas_with_test_form(&app.db)
        .args([
            "report",
            "--unit",
            "P1",
            "--form",
            "test-indices",
            "--period",
            "2025-07",
        ])
        .args(["--format", "xlsx", "-o"])
        .arg(&path));
    assert!(output.status.success(), "{}", stderr(&output));
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        [
            "Thông tin",
            "Chỉ số",
            "Xếp hạng",
            "Cần cải thiện",
            "Theo người trả lời",
            "Phương pháp"
        ]
    );
    let indices = workbook.worksheet_range("Chỉ số").unwrap();
    let c1 = indices.rows().find(|row| row[0] == "c1").expect("a row for c1");
    let numbers: Vec<Option<f64>> = c1[2..7].iter().map(calamine::DataType::get_float).collect();
    assert_eq!(
        numbers,
        [Some(50.0), Some(6.0), Some(18.76), Some(81.24), Some(50.0)]
    );
    assert_eq!(c1[7].to_string(), "có");
    let children = workbook.worksheet_range("Xếp hạng").unwrap();
    let codes: Vec<String> = children.rows().skip(1).map(|row| row[1].to_string()).collect();
    let expected: Vec<&str> = document["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["unit"].as_str().unwrap())
        .collect();
    assert_eq!(codes, expected);
    for (args, message) in [
        (vec!["--unit", "KHONG"], "không có đơn vị mã «KHONG»"),
        (
            vec!["--unit", "P1", "--period", "2025-13"],
            "kỳ «2025-13» không hợp lệ",
        ),
        (
            vec!["--unit", "P1", "--form", "khong-co"],
            "không có phiếu khảo sát «khong-co»",
        ),
    ] {
        let output = run(sipas_with_test_form(&app.db).arg("report").args(&args));
        assert!(!output.status.success(), "{args:?}");
        assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
    }
    // Scoped: another province is refused; mistakes are 400 with a reason.
    assert_eq!(
        get("/api/v1/units/D1/report?form=test-indices")
            .await
            .unwrap()
            .status(),
        403
    );
    for bad in [
        "form=test-indices&period=2025Q5",
        "form=test-indices&period=2025&from=2025-01-01",
        "form=test-indices&from=2025-02-01",
        "form=test-indices&from=2025-03-01&to=2025-02-01",
        "form=khong-co",
        "form=test-indices&rollup=median",
        "form=test-indices&rank_by=khong-co",
        "form=test-indices&colour=red",
    ] {
        let response = get(&format!("/api/v1/units/P1/report?{bad}")).await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{bad}: {body}"
        );
    }
}

/// Responses to procedures of two fields and of none, July 2025, in C1 and C2 (P1):
///
/// | field    | unit | q1 | q2 | channel |
/// |----------|------|----|----|---------|
/// | Hộ tịch  | C1   | 5  | 4  | ticket  |
/// | Hộ tịch  | C2   | 2  | 5  | ticket  |
/// | Đất đai  | C1   | 4  | 1  | paper   |
/// | (none)   | C1   | 1  | 1  | desk_qr |
///
/// Narrowed to «Hộ tịch», P1 has 2 responses: c1 = 1 of 2 = 50 %, c2 = 2 of 2 = 100 %,
/// e = 75 %; C1 alone: c1 = 100 %, C2: c1 = 0 %. «Đất đai»: 1 response, c1 100 %, c2 0 %.
/// All fields: 4 responses, c1 = 2 of 4 = 50 %, c2 = 2 of 4 = 50 %.
async fn a_report_narrowed_to_a_procedure_field_counts_only_its_responses(backend: Backend) {
    let app = app_with_test_form(backend).await;
    let july = utc(2025, 7, 10, 3, 0);
    let answer = |unit, q1, q2, channel, field| {
        respond_in_field(&app, unit, july, channel, &[("q1", q1), ("q2", q2)], None, field)
    };
    answer("C1", "5", "4", Channel::Ticket, Some("Hộ tịch"));
    answer("C2", "2", "5", Channel::Ticket, Some("Hộ tịch"));
    answer("C1", "4", "1", Channel::Paper, Some("Đất đai"));
    answer("C1", "1", "1", Channel::DeskQr, None);
    crate::survey::assert_counts_match_answers(&app);
    let narrowed = |field: Option<&str>, period: &str| {
        let request = ReportRequest {
            unit: "P1",
            form: "test-indices",
            period: Period::parse(period).unwrap(),
            rollup: None,
            rank_by: None,
            min_sample: 1,
            field,
            population: sipas::indices::Population::Official,
            sample_margin: 0.05,
        };
        build(
            &mut app.prepared.db.conn().unwrap(),
            &app.prepared.forms,
            &request,
        )
        .unwrap()
    };
    let value = |report: &Report, index: &str| report.indices.get(index).unwrap().value;
    let civil = narrowed(Some("Hộ tịch"), "2025-07");
    assert_eq!(civil.responses, 2);
    assert_eq!(civil.field.as_deref(), Some("Hộ tịch"));
    assert_eq!(
        (value(&civil, "c1"), value(&civil, "c2"), value(&civil, "e")),
        (Some(50.0), Some(100.0), Some(75.0))
    );
    let child = |report: &Report, unit: &str| {
        let child = report.children.iter().find(|c| c.unit == unit).unwrap();
        (child.responses, child.indices.get("c1").unwrap().value)
    };
    assert_eq!(child(&civil, "C1"), (1, Some(100.0)));
    assert_eq!(child(&civil, "C2"), (1, Some(0.0)));
    assert_eq!(civil.channels.get(&sipas::tally::Channel::Ticket), Some(&2));
    assert_eq!(civil.channels.len(), 1);
    // The same over the year (read from the year's tallies) and the quarter.
    assert_eq!(narrowed(Some("Hộ tịch"), "2025").responses, 2);
    assert_eq!(value(&narrowed(Some("Hộ tịch"), "2025Q3"), "e"), Some(75.0));
    let land = narrowed(Some("Đất đai"), "2025-07");
    assert_eq!(
        (land.responses, value(&land, "c1"), value(&land, "c2")),
        (1, Some(100.0), Some(0.0))
    );
    let all = narrowed(None, "2025-07");
    assert_eq!(
        (all.responses, value(&all, "c1"), value(&all, "c2")),
        (4, Some(50.0), Some(50.0))
    );
    assert_eq!(all.field, None);
    // A field nobody answered: nothing, not an error.
    let none = narrowed(Some("Xây dựng"), "2025-07");
    assert_eq!((none.responses, value(&none, "e")), (0, None));
    // The fields offered are those answered, once each.
    let mut conn = app.prepared.db.conn().unwrap();
    let versions: Vec<i64> = sipas::db::forms::versions_of(&mut conn, "test-indices")
        .unwrap()
        .iter()
        .map(|v| v.id)
        .collect();
    let units = ["P1".to_string(), "C1".to_string(), "C2".to_string()];
    assert_eq!(
        sipas::db::reports::fields(&mut conn, &units, &versions).unwrap(),
        ["Hộ tịch", "Đất đai"]
    );
}

on_both_backends!(
    a_report_narrowed_to_a_procedure_field_counts_only_its_responses,
    indices_match_figures_computed_by_hand,
    the_report_is_one_document_for_the_api_and_the_command_line,
);
