//! The measurement rules of DESIGN.md §9 against figures worked out by hand: composites
//! that need every component, the three roll-ups over three communes with known dossiers,
//! sample targets, fair rankings, the official population against all answers, dossier
//! imports, and the TT01-style points grade.

use serde_json::Value;
use sipas::auth::Role;
use sipas::forms::Rollup;
use sipas::indices::{Period, Population, Report, ReportRequest, build};
use sipas::responses::{Answers, Channel, Submission};

use crate::auth::{PASSWORD, add_token, add_user, sign_in};
use crate::helpers::{
    Backend, TestApp, TestDb, client, page, run, sipas, spawn_app_with, stderr, stdout, write_file,
};
use crate::indices::utc;
use crate::{on_both_backends, on_both_backends_sync};

/// Three elements (e1, e2 and the optional e5) and a headline that is their mean; a
/// composite allowed to be partial; two 0–2 point questions with a total and grades.
/// Tickets, paper and kiosks are the official population.
const METHOD_FORM: &str = r#"
id = "test-method"
version = "1"
title.vi = "Phiếu thử phương pháp"
rollup = "pooled"
official_channels = ["ticket", "paper", "kiosk"]
headline = "sipas"

[[sections]]
id = "s"
title.vi = "Câu hỏi"

[[sections.questions]]
id = "q1"
type = "scale"
label.vi = "Câu 1"
options = [{ value = 1, vi = "1" }, { value = 2, vi = "2" }, { value = 3, vi = "3" }, { value = 4, vi = "4" }, { value = 5, vi = "5" }]

[[sections.questions]]
id = "q2"
type = "scale"
label.vi = "Câu 2"
options = [{ value = 1, vi = "1" }, { value = 2, vi = "2" }, { value = 3, vi = "3" }, { value = 4, vi = "4" }, { value = 5, vi = "5" }]

[[sections.questions]]
id = "q5"
type = "scale"
label.vi = "Câu 5 (không bắt buộc)"
options = [{ value = 1, vi = "1" }, { value = 2, vi = "2" }, { value = 3, vi = "3" }, { value = 4, vi = "4" }, { value = 5, vi = "5" }]

[[sections.questions]]
id = "p1"
type = "scale"
label.vi = "Điểm 1"
options = [{ value = 2, vi = "Tốt" }, { value = 1, vi = "Được" }, { value = 0, vi = "Kém" }]

[[sections.questions]]
id = "p2"
type = "scale"
label.vi = "Điểm 2 (không bắt buộc)"
options = [{ value = 2, vi = "Tốt" }, { value = 1, vi = "Được" }, { value = 0, vi = "Kém" }]

[[indices]]
id = "e1"
type = "share"
label.vi = "Yếu tố 1"
questions = ["q1"]
levels = [4, 5]

[[indices]]
id = "e2"
type = "share"
label.vi = "Yếu tố 2"
questions = ["q2"]
levels = [4, 5]

[[indices]]
id = "e5"
type = "share"
label.vi = "Yếu tố 5"
questions = ["q5"]
levels = [4, 5]

[[indices]]
id = "sipas"
type = "mean"
label.vi = "Chỉ số hài lòng"
of = ["e1", "e2", "e5"]

[[indices]]
id = "partial"
type = "mean"
label.vi = "Trung bình cho phép thiếu"
of = ["e1", "e5"]
partial = "allow"

[[indices]]
id = "total"
type = "points"
label.vi = "Tổng điểm"
questions = ["p1", "p2"]
grades = [{ min = 3, vi = "Tốt" }, { min = 2, vi = "Khá" }, { min = 0, vi = "Kém" }]
"#;

/// Province P with communes A, B and C (and province Q with commune D, without dossiers).
const UNITS: &str = "code,name,kind,parent_code\nP,Tỉnh Thử,tỉnh,\nA,Xã A,xã,P\nB,Xã B,xã,P\nC,Xã C,xã,P\nQ,Tỉnh Khác,tỉnh,\nD,Xã D,xã,Q\n";

/// The dossiers of July 2025: A 4, B 3, C 60 (target 53 at 5%: ⌈60 / 1.15⌉).
const DOSSIERS: &str = "unit_code,month,dossiers\nA,2025-07,4\nB,2025-07,3\nC,2025-07,60\n";

async fn app(backend: Backend) -> TestApp {
    let app = spawn_app_with(backend, |s| {
        let dir = s.data_dir.join("forms");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("test-method.toml"), METHOD_FORM).unwrap();
        s.forms_dir = dir;
        s.min_sample = 2;
    })
    .await;
    let mut conn = app.prepared.db.conn().unwrap();
    sipas::units::import::import_csv(&mut conn, UNITS.as_bytes()).unwrap();
    let rows = sipas::dossiers::read_csv(DOSSIERS.as_bytes()).unwrap();
    sipas::dossiers::store(&mut conn, &rows).unwrap();
    app
}

/// One response in July 2025.
fn respond(app: &TestApp, unit: &str, channel: Channel, answers: &[(&str, &str)]) {
    let form = app.prepared.forms.current("test-method").unwrap();
    let submission = Submission {
        form_version_id: form.version_id,
        unit_code: unit,
        desk_id: None,
        channel,
        procedure_code: None,
        procedure_field: None,
        submitted_at: utc(2025, 7, 10, 3, 0),
        time_zone: chrono_tz::Asia::Ho_Chi_Minh,
        token: None,
        ticket: None,
    };
    let answers = Answers {
        values: answers
            .iter()
            .map(|(q, v)| (q.to_string(), v.to_string()))
            .collect(),
        texts: Vec::new(),
    };
    sipas::responses::store(&mut app.prepared.db.conn().unwrap(), &submission, &answers).unwrap();
}

/// The dataset (July 2025):
///
/// | unit | channel | q1 | q2 | q5 |
/// |------|---------|----|----|----|
/// | A    | ticket  | 5  | 4  | 5  |
/// | A    | ticket  | 5  | 4  | 3  |
/// | A    | ticket  | 4  | 4  | –  |
/// | A    | ticket  | 2  | 4  | –  |
/// | A    | desk_qr | 1  | 1  | 1  | (×2: volunteered, not official)
/// | B    | paper   | 5  | 5  | –  |
/// | B    | paper   | 5  | 2  | –  |
/// | B    | paper   | 5  | 2  | –  |
/// | C    | kiosk   | 4  | 4  | 4  |
/// | C    | kiosk   | 2  | 4  | 4  |
///
/// Official population, by commune: A e1 3/4 = 75, e2 4/4 = 100, e5 1/2 = 50, sipas
/// (75 + 100 + 50) / 3 = 75 with n = min(4, 4, 2) = 2; B e1 100, e2 1/3 = 33.33, no e5:
/// sipas null, missing e5; C e1 1/2 = 50, e2 100, e5 100: sipas 83.33, n 2.
fn seed(app: &TestApp) {
    use Channel::{DeskQr, Kiosk, Paper, Ticket};
    for (q1, q2, q5) in [("5", "4", "5"), ("5", "4", "3"), ("4", "4", ""), ("2", "4", "")] {
        let answers: Vec<(&str, &str)> = [("q1", q1), ("q2", q2), ("q5", q5)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        respond(app, "A", Ticket, &answers);
    }
    for _ in 0..2 {
        respond(app, "A", DeskQr, &[("q1", "1"), ("q2", "1"), ("q5", "1")]);
    }
    for (q1, q2) in [("5", "5"), ("5", "2"), ("5", "2")] {
        respond(app, "B", Paper, &[("q1", q1), ("q2", q2)]);
    }
    for q1 in ["4", "2"] {
        respond(app, "C", Kiosk, &[("q1", q1), ("q2", "4"), ("q5", "4")]);
    }
}

fn report(app: &TestApp, unit: &str, rollup: Rollup, population: Population) -> Report {
    build(
        &mut app.prepared.db.conn().unwrap(),
        &app.prepared.forms,
        &ReportRequest {
            unit,
            form: "test-method",
            period: Period::parse("2025-07").unwrap(),
            rollup: Some(rollup),
            rank_by: None,
            min_sample: 2,
            field: None,
            population,
            sample_margin: 0.05,
        },
    )
    .unwrap()
}

fn value(report: &Report, index: &str) -> Option<f64> {
    report.indices.get(index).unwrap().value
}

fn child<'r>(report: &'r Report, unit: &str) -> &'r sipas::indices::report::ChildReport {
    report.children.iter().find(|c| c.unit == unit).unwrap()
}

fn close(got: Option<f64>, expected: f64) -> bool {
    got.is_some_and(|g| (g - expected).abs() < 0.006)
}

async fn a_composite_needs_every_component_and_rests_on_the_smallest_n(backend: Backend) {
    let app = app(backend).await;
    seed(&app);
    let p = report(&app, "P", Rollup::MeanOfChildren, Population::Official);
    let a = child(&p, "A");
    let sipas = a.indices.get("sipas").unwrap();
    assert_eq!((sipas.value, sipas.n), (Some(75.0), 2), "n is e5's, the smallest");
    assert!(!sipas.low_sample, "2 is not below the minimum of 2");
    let b = child(&p, "B");
    let headline = b.indices.get("sipas").unwrap();
    assert_eq!((headline.value, headline.n, headline.ci95), (None, 0, None));
    assert_eq!(headline.missing, ["e5"], "B's headline names what it lacks");
    // A composite the form allows to be partial is the mean of what it has, and says so.
    let partial = b.indices.get("partial").unwrap();
    assert_eq!(
        (partial.value, partial.missing.clone()),
        (Some(100.0), vec!["e5".to_string()])
    );
    // In the JSON document, and on the page, which says why.
    let json = serde_json::to_value(&p).unwrap();
    let b_json = json["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["unit"] == "B")
        .unwrap();
    assert_eq!(b_json["indices"]["sipas"]["value"], Value::Null);
    assert_eq!(b_json["indices"]["sipas"]["missing"], serde_json::json!(["e5"]));
    assert_eq!(json["method"]["composite_rule"], "every_component");
    assert_eq!(json["method"]["partial_allowed"], serde_json::json!(["partial"]));
    add_user(&app, "lanhdao@b.vn", Role::Official, Some("B"));
    let (browser, _) = sign_in(&app, "lanhdao@b.vn", PASSWORD).await;
    let (status, html) = page(&browser, &app, "/units/B?form=test-method&period=2025-07").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("chưa đủ dữ liệu (chưa có số liệu: Yếu tố 5)"),
        "{html}"
    );
}

async fn three_rollups_of_three_communes_with_known_dossiers(backend: Backend) {
    let app = app(backend).await;
    seed(&app);
    let consistent = |report: &Report| {
        let [e1, e2, e5, sipas] = ["e1", "e2", "e5", "sipas"].map(|id| value(report, id).unwrap());
        assert!(
            (sipas - (e1 + e2 + e5) / 3.0).abs() <= 0.01,
            "the headline is the mean of the elements shown"
        );
    };
    // Pooled: e1 (3 + 3 + 1) / 9 = 77.78, e2 (4 + 1 + 2) / 9 = 77.78, e5 (1 + 2) / 4 = 75;
    // sipas 76.85 with n = min(9, 9, 4) = 4.
    let pooled = report(&app, "P", Rollup::Pooled, Population::Official);
    assert!(close(value(&pooled, "e1"), 77.78) && close(value(&pooled, "e2"), 77.78));
    assert_eq!(value(&pooled, "e5"), Some(75.0));
    assert!(close(value(&pooled, "sipas"), 76.85));
    assert_eq!(pooled.indices.get("sipas").unwrap().n, 4);
    consistent(&pooled);
    // Mean of children: e1 (75 + 100 + 50) / 3 = 75, e2 (100 + 33.33 + 100) / 3 = 77.78,
    // e5 (50 + 100) / 2 = 75 (B has none); sipas from these, (75 + 77.78 + 75) / 3 = 75.93
    // — not the mean of the communes' headlines (79.17), which the page would contradict.
    let mean = report(&app, "P", Rollup::MeanOfChildren, Population::Official);
    assert_eq!(value(&mean, "e1"), Some(75.0));
    assert!(close(value(&mean, "e2"), 77.78));
    assert_eq!(value(&mean, "e5"), Some(75.0));
    assert!(close(value(&mean, "sipas"), 75.93));
    assert_eq!(mean.indices.get("e5").unwrap().n, 4, "the members' n summed");
    consistent(&mean);
    // Weighted by dossiers (A 4, B 3, C 60): e1 (4·75 + 3·100 + 60·50) / 67 = 53.73,
    // e2 (4·100 + 3·33.33 + 60·100) / 67 = 97.01, e5 (4·50 + 60·100) / 64 = 96.88;
    // sipas (53.73 + 97.01 + 96.88) / 3 = 82.54.
    let weighted = report(&app, "P", Rollup::Weighted, Population::Official);
    assert!(close(value(&weighted, "e1"), 3600.0 / 67.0));
    assert!(close(value(&weighted, "e2"), 6500.0 / 67.0));
    assert!(close(value(&weighted, "e5"), 6200.0 / 64.0));
    assert!(close(
        value(&weighted, "sipas"),
        (3600.0 / 67.0 + 6500.0 / 67.0 + 6200.0 / 64.0) / 3.0
    ));
    consistent(&weighted);
    // Its interval from the stratified variance, Σ (wᵢ/W)² SEᵢ², each commune's SE read
    // from its own published interval.
    let z = 1.959_963_984_540_054;
    let se = |unit: &str| {
        let [low, high] = child(&weighted, unit).indices.get("e1").unwrap().ci95.unwrap();
        (high - low) / (2.0 * z)
    };
    let variance = [("A", 4.0), ("B", 3.0), ("C", 60.0)]
        .iter()
        .map(|(unit, w)| (w / 67.0f64).powi(2) * se(unit).powi(2))
        .sum::<f64>();
    let [low, high] = weighted.indices.get("e1").unwrap().ci95.unwrap();
    let centre = 3600.0 / 67.0;
    assert!((low - (centre - z * variance.sqrt())).abs() < 0.05, "{low}");
    assert!((high - (centre + z * variance.sqrt())).abs() < 0.05, "{high}");
    assert_eq!(weighted.method.weights, "dossiers");
    assert!(weighted.left_out_of_weights.is_empty());
}

async fn sample_targets_and_fair_ranks(backend: Backend) {
    let app = app(backend).await;
    seed(&app);
    let p = report(&app, "P", Rollup::Pooled, Population::Official);
    // Targets by Slovin at 5%: A ⌈4 / 1.01⌉ = 4, B ⌈3 / 1.0075⌉ = 3, C ⌈60 / 1.15⌉ = 53;
    // P itself 67 dossiers: ⌈67 / 1.1675⌉ = 58.
    let sample = |unit: &str| child(&p, unit).sample;
    assert_eq!(
        (
            sample("A").population,
            sample("A").target,
            sample("A").achieved,
            sample("A").met
        ),
        (Some(4), Some(4), 4, Some(true))
    );
    assert_eq!((sample("B").target, sample("B").met), (Some(3), Some(true)));
    assert_eq!(
        (sample("C").target, sample("C").achieved, sample("C").met),
        (Some(53), 2, Some(false))
    );
    assert_eq!(
        (p.sample.population, p.sample.target, p.sample.achieved),
        (Some(67), Some(58), 9)
    );
    // Only A may be ranked: B has no headline, C did not reach its target. They come
    // after, unranked, with the reason, in the document and on the page.
    let order: Vec<(&str, Option<usize>, Option<&str>)> = p
        .children
        .iter()
        .map(|c| {
            let why = c.unranked.map(|u| match u {
                sipas::indices::report::Unranked::NoValue => "no_value",
                sipas::indices::report::Unranked::LowSample => "low_sample",
                sipas::indices::report::Unranked::TargetNotMet => "target_not_met",
            });
            (c.unit.as_str(), c.rank, why)
        })
        .collect();
    assert_eq!(
        order,
        [
            ("A", Some(1), None),
            ("B", None, Some("no_value")),
            ("C", None, Some("target_not_met"))
        ]
    );
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["children"][2]["unranked"], "target_not_met");
    assert_eq!(json["children"][2]["sample"]["target"], 53);
    add_user(&app, "lanhdao@p.vn", Role::Official, Some("P"));
    let (browser, _) = sign_in(&app, "lanhdao@p.vn", PASSWORD).await;
    let (_, html) = page(&browser, &app, "/units/P?form=test-method&period=2025-07").await;
    assert!(html.contains("chưa đạt cỡ mẫu (2/53)"), "{html}");
    assert!(html.contains("đạt cỡ mẫu (4/4)"));
    assert!(html.contains("Cách tính"));
}

async fn official_answers_and_all_answers_are_told_apart(backend: Backend) {
    let app = app(backend).await;
    seed(&app);
    let official = report(&app, "A", Rollup::Pooled, Population::Official);
    let all = report(&app, "A", Rollup::Pooled, Population::All);
    // Officially A is 4 ticket answers: e1 75. With the two poster answers (q1 = 1) e1
    // is 3/6 = 50, e2 4/6 = 66.67, e5 1/4 = 25, sipas (50 + 66.67 + 25) / 3 = 47.22.
    assert_eq!((official.responses, value(&official, "e1")), (4, Some(75.0)));
    assert_eq!((all.responses, value(&all, "e1")), (6, Some(50.0)));
    assert!(close(value(&all, "sipas"), 47.22));
    assert_eq!(
        official.other_population.responses, 6,
        "the other population alongside"
    );
    assert!(close(
        official.other_population.indices.get("sipas").unwrap().value,
        47.22
    ));
    assert_eq!(
        official.method.channels,
        [Channel::Ticket, Channel::Paper, Channel::Kiosk]
    );
    assert_eq!(all.method.channels.len(), 5);
    let json = serde_json::to_value(&official).unwrap();
    assert_eq!(json["population"], "official");
    assert_eq!(json["channels"]["desk_qr"], 2, "every channel is still reported");
    // The dashboard says which, and shows the other beside it.
    add_user(&app, "lanhdao@a.vn", Role::Official, Some("A"));
    let (browser, _) = sign_in(&app, "lanhdao@a.vn", PASSWORD).await;
    let (_, html) = page(&browser, &app, "/units/A?form=test-method&period=2025-07").await;
    assert!(
        html.contains("người trả lời chính thức (phiếu một lần, phiếu giấy, ki-ốt)"),
        "{html}"
    );
    assert!(html.contains("47,22"), "the figure of every answer beside it");
    let (_, html) = page(
        &browser,
        &app,
        "/units/A?form=test-method&period=2025-07&population=all",
    )
    .await;
    assert!(html.contains("Tính theo mọi phiếu trả lời"), "{html}");
}

async fn a_weighted_report_without_dossiers_says_why(backend: Backend) {
    let app = app(backend).await;
    seed(&app);
    let refused = build(
        &mut app.prepared.db.conn().unwrap(),
        &app.prepared.forms,
        &ReportRequest {
            unit: "Q",
            form: "test-method",
            period: Period::parse("2025-07").unwrap(),
            rollup: Some(Rollup::Weighted),
            rank_by: None,
            min_sample: 2,
            field: None,
            population: Population::Official,
            sample_margin: 0.05,
        },
    )
    .unwrap_err();
    let message = sipas::i18n::Localized::message(&refused);
    assert!(message.vi.contains("chưa có số hồ sơ"), "{}", message.vi);
    let (_, token) = add_token(&app, Role::Official, Some("Q"));
    let response = client()
        .get(format!(
            "{}/api/v1/units/Q/report?form=test-method&period=2025-07&rollup=weighted",
            app.address
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("dossier"),
        "{body}"
    );
    // A child with answers but no dossiers is left out of a weighted mean and listed.
    respond(
        &app,
        "D",
        Channel::Ticket,
        &[("q1", "5"), ("q2", "5"), ("q5", "5")],
    );
    let rows = sipas::dossiers::read_csv(b"unit_code,month,dossiers\nQ,2025-07,10\n").unwrap();
    sipas::dossiers::store(&mut app.prepared.db.conn().unwrap(), &rows).unwrap();
    let q = report(&app, "Q", Rollup::Weighted, Population::Official);
    assert_eq!(q.left_out_of_weights, ["D"]);
    assert_eq!(value(&q, "e1"), None, "nothing left to weigh");
}

async fn points_count_unanswered_questions_as_none_earned(backend: Backend) {
    let app = app(backend).await;
    // Four answers to p1 (2 points each), none to the optional p2: 2 points of the
    // table's 4, so 50 % and the grade of 2 points («Khá») — not 2/2 = 100 % rescaled to
    // 4 points («Tốt»), which rewarded leaving a question out.
    for _ in 0..4 {
        respond(&app, "A", Channel::Ticket, &[("p1", "2")]);
    }
    let a = report(&app, "A", Rollup::Pooled, Population::Official);
    let total = a.indices.get("total").unwrap();
    assert_eq!(total.value, Some(50.0));
    assert_eq!(total.grade.as_ref().map(|g| g.vi.as_str()), Some("Khá"));
    // With p2 answered too (1 point each): 3 of 4, 75 %, «Tốt».
    for _ in 0..4 {
        respond(&app, "B", Channel::Ticket, &[("p1", "2"), ("p2", "1")]);
    }
    let b = report(&app, "B", Rollup::Pooled, Population::Official);
    let total = b.indices.get("total").unwrap();
    assert_eq!(
        (total.value, total.grade.as_ref().map(|g| g.vi.as_str())),
        (Some(75.0), Some("Tốt"))
    );
}

async fn the_one_stop_software_posts_dossiers(backend: Backend) {
    let app = app(backend).await;
    let (_, staff_of_a) = add_token(&app, Role::Staff, Some("A"));
    let (_, official_of_p) = add_token(&app, Role::Official, Some("P"));
    let post = |token: String, body: Value| {
        let url = format!("{}/api/v1/dossiers", app.address);
        async move {
            let response = client()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = post(
        staff_of_a.clone(),
        serde_json::json!([{"unit_code": "A", "month": "2025-08", "dossiers": 250}]),
    )
    .await;
    assert_eq!((status, &body["stored"]), (200, &serde_json::json!(1)), "{body}");
    // Not another unit's, nor one above its own.
    let (status, _) = post(
        staff_of_a.clone(),
        serde_json::json!([{"unit_code": "B", "month": "2025-08", "dossiers": 1}]),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = post(
        staff_of_a,
        serde_json::json!([{"unit_code": "P", "month": "2025-08", "dossiers": 1}]),
    )
    .await;
    assert_eq!(status, 403);
    // The province's official, for its communes; every problem at once, nothing stored.
    let (status, body) = post(
        official_of_p.clone(),
        serde_json::json!([
            {"unit_code": "B", "month": "2025-8", "dossiers": 10},
            {"unit_code": "C", "month": "2025-08", "dossiers": -1},
            {"unit_code": "A", "month": "2025-08", "dossiers": 300},
        ]),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("mục 1") && message.contains("mục 2"),
        "{message}"
    );
    let (status, _) = post(
        official_of_p,
        serde_json::json!([{"unit_code": "A", "month": "2025-08", "dossiers": 300}]),
    )
    .await;
    assert_eq!(status, 200);
    let stored = sipas::db::dossiers::of_units(
        &mut app.prepared.db.conn().unwrap(),
        &["A".to_string(), "B".to_string(), "C".to_string()],
        "2025-08-01".parse().unwrap(),
        "2025-08-01".parse().unwrap(),
    )
    .unwrap();
    assert_eq!(
        stored,
        [("A".to_string(), "2025-08-01".parse().unwrap(), 300)],
        "replaced, the bad post left nothing"
    );
    // Unreadable JSON or fields it does not know: 400.
    let (_, token) = add_token(&app, Role::Admin, None);
    let (status, _) = post(
        token,
        serde_json::json!([{"unit_code": "A", "month": "2025-08", "count": 3}]),
    )
    .await;
    assert_eq!(status, 400);
}

fn dossiers_are_imported_all_or_nothing_from_the_command_line(backend: Backend) {
    let db = TestDb::new(backend);
    let units = write_file(&db, "units.csv", UNITS.as_bytes());
    assert!(
        run(sipas(&db).args(["units", "import"]).arg(&units))
            .status
            .success()
    );
    let bad = write_file(
        &db,
        "ho-so.csv",
        "unit_code,month,dossiers\nA,2025-07,250\nZZ,2025-07,10\nB,2025-13,10\nC,2025-07,-4\nA,2025-07,300\nB,2025-07,nhiều\n".as_bytes(),
    );
    let output = run(sipas(&db).args(["dossiers", "import"]).arg(&bad));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("ho-so.csv:7: số hồ sơ «nhiều» không phải số nguyên"),
        "{err}"
    );
    let unreadable_only = write_file(
        &db,
        "ho-so-2.csv",
        "unit_code,month,dossiers\nA,2025-07,250\nZZ,2025-07,10\nB,2025-13,10\nC,2025-07,-4\nA,2025-07,300\n"
            .as_bytes(),
    );
    let output = run(sipas(&db).args(["dossiers", "import"]).arg(&unreadable_only));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    for expected in [
        "ho-so-2.csv:3: không có đơn vị mã «ZZ»",
        "ho-so-2.csv:4: tháng «2025-13» không hợp lệ",
        "ho-so-2.csv:5: số hồ sơ không được âm (-4)",
        "ho-so-2.csv:6: đơn vị A, tháng 2025-07 đã có ở dòng 2",
        "không có gì được lưu",
    ] {
        assert!(err.contains(expected), "{expected} in {err}");
    }
    let header = write_file(&db, "sai.csv", b"unit,month,count\n");
    let output = run(sipas(&db).args(["dossiers", "import"]).arg(&header));
    assert!(
        stderr(&output).contains("dòng tiêu đề phải là «unit_code,month,dossiers»"),
        "{}",
        stderr(&output)
    );
    let mut conn = db.open().conn().unwrap();
    let units = ["A", "B", "C"].map(String::from);
    let (from, to) = ("2025-01-01".parse().unwrap(), "2025-12-01".parse().unwrap());
    assert!(
        sipas::db::dossiers::of_units(&mut conn, &units, from, to)
            .unwrap()
            .is_empty()
    );
    // A good file, then the same unit-month again: replaced.
    for (count, content) in [
        (2, "unit_code,month,dossiers\nA,2025-07,250\nB,2025-07,60\n"),
        (1, "unit_code,month,dossiers\nA,2025-07,1000\n"),
    ] {
        let file = write_file(&db, "tot.csv", content.as_bytes());
        let output = run(sipas(&db).args(["dossiers", "import"]).arg(&file));
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            stdout(&output).contains(&format!("{count} đơn vị-tháng")),
            "{}",
            stdout(&output)
        );
    }
    let stored = sipas::db::dossiers::of_units(&mut conn, &units, from, to).unwrap();
    let by_unit: std::collections::BTreeMap<String, i64> =
        stored.into_iter().map(|(u, _, n)| (u, n)).collect();
    assert_eq!(
        by_unit,
        [("A".to_string(), 1000), ("B".to_string(), 60)]
            .into_iter()
            .collect()
    );
}

on_both_backends!(
    a_composite_needs_every_component_and_rests_on_the_smallest_n,
    three_rollups_of_three_communes_with_known_dossiers,
    sample_targets_and_fair_ranks,
    official_answers_and_all_answers_are_told_apart,
    a_weighted_report_without_dossiers_says_why,
    points_count_unanswered_questions_as_none_earned,
    the_one_stop_software_posts_dossiers,
);

on_both_backends_sync!(dossiers_are_imported_all_or_nothing_from_the_command_line);
