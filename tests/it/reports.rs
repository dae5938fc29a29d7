//! What programs read: the unit document of the API, and the children of a report ranked
//! by the index asked for (`--rank-by`, `rank_by=`), on the units and July dataset of
//! `indices.rs`.

use serde_json::{Value, json};
use sipas::auth::Role;

use crate::auth::{PASSWORD, add_token, add_user, sign_in};
use crate::helpers::{Backend, client, page, run, run_ok, stderr, stdout};
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

/// The text of a PDF as `pdftotext -layout` reads it; `None` (said on standard error)
/// where poppler-utils is not installed — a failure where `SIPAS_TEST_REQUIRE_PDFTOPPM`
/// is set, as `.ci/run` sets it.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("SIPAS_TEST_REQUIRE_PDFTOPPM").is_none(),
            "SIPAS_TEST_REQUIRE_PDFTOPPM is set but pdftotext cannot be run"
        );
        eprintln!("pdftotext is not installed (apt-get install poppler-utils): PDF text not read");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("report.pdf");
    std::fs::write(&input, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&input)
        .arg("-")
        .output()
        .unwrap();
    assert!(output.status.success(), "pdftotext reads the PDF");
    Some(String::from_utf8(output.stdout).unwrap())
}

/// July with a minimum sample of 2 (both communes ranked: C1 58.33, C2 50) and C1's
/// dossiers for July (4: a target of ⌈4 / 1.01⌉ = 4 answers, which its 4 meet).
async fn report_app(backend: Backend) -> crate::helpers::TestApp {
    let app = app_with_test_form_and(backend, |s| s.min_sample = 2).await;
    seed_responses(&app);
    let rows = sipas::dossiers::read_csv(b"unit_code,month,dossiers\nC1,2025-07,4\n").unwrap();
    sipas::dossiers::store(&mut app.prepared.db.conn().unwrap(), &rows).unwrap();
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    add_user(&app, "lanhdao@c1.vn", Role::Official, Some("C1"));
    app
}

/// «Tải báo cáo» as Excel, read back: the sheets, numbers as numbers, dates as dates,
/// readable headers, the ranking with n, sample target and eligibility.
async fn the_official_report_is_a_workbook_of_numbers(backend: Backend) {
    use calamine::{Data, DataType, Reader};
    let app = report_app(backend).await;
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (_, html) = page(&browser, &app, "/units/P1?form=test-indices&period=2025-07").await;
    let link = r#"href="/units/P1/report.xlsx?form=test-indices&#38;period=2025-07""#;
    assert!(html.contains(link), "the dashboard links to the workbook");
    let response = browser
        .get(format!(
            "{}/units/P1/report.xlsx?form=test-indices&period=2025-07",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("bao-cao-test-indices-P1-2025-07.xlsx")
    );
    let bytes = response.bytes().await.unwrap();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
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
    let cover = workbook.worksheet_range("Thông tin").unwrap();
    let fact = |name: &str| -> Data {
        cover
            .rows()
            .find(|row| row[0] == name)
            .unwrap_or_else(|| panic!("{name} on the cover"))[1]
            .clone()
    };
    assert_eq!(fact("Đơn vị"), Data::String("Tỉnh Một (P1)".into()));
    assert_eq!(fact("Số phiếu").get_float(), Some(6.0));
    assert_eq!(fact("Chỉ số chung (%)").get_float(), Some(55.0));
    let from = fact("Từ ngày");
    assert!(matches!(from, Data::DateTime(_)), "{from:?}");
    assert_eq!(from.as_date(), chrono::NaiveDate::from_ymd_opt(2025, 7, 1));
    let indices = workbook.worksheet_range("Chỉ số").unwrap();
    let header: Vec<String> = indices
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(&header[..4], ["Mã", "Chỉ số", "Giá trị (%)", "n"]);
    let c1 = indices.rows().find(|row| row[0] == "c1").expect("a row for c1");
    let numbers: Vec<Option<f64>> = c1[2..7].iter().map(calamine::DataType::get_float).collect();
    assert_eq!(
        numbers,
        [Some(50.0), Some(6.0), Some(18.76), Some(81.24), Some(50.0)]
    );
    assert_eq!(
        (c1[1].to_string(), c1[8].to_string()),
        ("Tiêu chí 1".into(), "Tiêu chí".into())
    );
    let ranking = workbook.worksheet_range("Xếp hạng").unwrap();
    // (rank, code, n, sample target, target met)
    type RankingRow = (Option<f64>, String, Option<f64>, Option<f64>, String);
    let rows: Vec<RankingRow> = ranking
        .rows()
        .skip(1)
        .map(|row| {
            (
                row[0].get_float(),
                row[1].to_string(),
                row[4].get_float(),
                row[10].get_float(),
                row[11].to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (Some(1.0), "C1".into(), Some(3.0), Some(4.0), "đạt".into()),
            (Some(2.0), "C2".into(), Some(2.0), None, String::new()),
        ]
    );
    let focus = workbook.worksheet_range("Cần cải thiện").unwrap();
    let first = focus.rows().nth(1).unwrap();
    assert_eq!(
        (first[2].to_string(), first[4].get_float()),
        ("c1".into(), Some(50.0))
    );
    let method = workbook.worksheet_range("Phương pháp").unwrap();
    assert!(method.rows().any(|row| row[0] == "Cách tổng hợp"));
    // The same workbook from the command line.
    let path = app.db.dir.path().join("bao-cao.xlsx");
    run_ok(
        sipas_with_test_form(&app.db)
            .env("SIPAS_MIN_SAMPLE", "2")
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
            .arg(&path),
    );
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let ranking = workbook.worksheet_range("Xếp hạng").unwrap();
    assert_eq!(ranking.rows().nth(1).unwrap()[1].to_string(), "C1");
}

/// «Tải báo cáo» as an A4 PDF, rendered by poppler and its text read back: the Decree 30
/// header, the unit, the period, the headline, the ranking appendix. An official of a
/// commune may not have the province's; mistakes are 4xx.
async fn the_official_report_is_an_a4_document(backend: Backend) {
    let app = report_app(backend).await;
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let get = |path: &str| browser.get(format!("{}{path}", app.address)).send();
    let response = get("/units/P1/report.pdf?form=test-indices&period=2025-07")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(dir) = std::env::var_os("SIPAS_TEST_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join("report-P1.pdf"), &pdf).unwrap();
    }
    let count = crate::printed::pdf_page_count(&pdf);
    assert!(count >= 2, "the report and its appendix: {count} pages");
    if let Some(pages) = crate::printed::render_pdf(&pdf, 72) {
        assert_eq!(pages.len(), count);
        for (width, height, pixels) in &pages {
            // A4 is 595.28 × 841.89 points: pdftoppm rounds up.
            assert!(
                (595..=596).contains(width) && (842..=843).contains(height),
                "A4: {width}×{height}"
            );
            assert!(pixels.iter().any(|p| *p < 128), "something printed");
        }
    }
    if let Some(text) = pdf_text(&pdf) {
        for expected in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "TỈNH MỘT",
            "BÁO CÁO",
            "Tháng 07/2025 (01/07/2025 – 31/07/2025)",
            "Yếu tố: 55,00 %",
            "Tiêu chí 1: 50,00 %",
            "Phụ lục I",
            "Xã Một",
            "đạt cỡ mẫu (4/4)",
        ] {
            assert!(text.contains(expected), "{expected} in:\n{text}");
        }
        // The appendix on a page of its own, after the report.
        let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
        let appendix = "XẾP HẠNG CÁC ĐƠN VỊ TRỰC THUỘC";
        assert!(pages[0].contains("BÁO CÁO") && !pages[0].contains(appendix));
        assert!(
            pages[1..]
                .iter()
                .any(|p| p.contains(appendix) && p.contains("Phụ lục I"))
        );
        // Then satisfaction by who answered, as the second appendix.
        let last = pages.last().unwrap();
        assert!(
            last.contains("Phụ lục II") && last.contains("KẾT QUẢ THEO NHÓM NGƯỜI TRẢ LỜI"),
            "{last}"
        );
        assert!(
            last.contains("Kênh trả lời") && last.contains("Mã QR / mã quầy"),
            "{last}"
        );
    }
    // The command line makes the same document.
    let path = app.db.dir.path().join("bao-cao.pdf");
    run_ok(
        sipas_with_test_form(&app.db)
            .env("SIPAS_MIN_SAMPLE", "2")
            .args([
                "report",
                "--unit",
                "P1",
                "--form",
                "test-indices",
                "--period",
                "2025-07",
            ])
            .args(["--format", "pdf", "-o"])
            .arg(&path),
    );
    let from_cli = std::fs::read(&path).unwrap();
    assert_eq!(crate::printed::pdf_page_count(&from_cli), count);
    if let Some(text) = pdf_text(&from_cli) {
        assert!(text.contains("Yếu tố: 55,00 %"), "{text}");
    }
    // Mistakes: a 400 that says why, an unknown format not found.
    let bad = get("/units/P1/report.pdf?form=test-indices&period=2025-13")
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(
        get("/units/P1/report.doc?form=test-indices")
            .await
            .unwrap()
            .status(),
        404
    );
    // A commune's official: their own report, with their standing; not the province's.
    let (commune, _) = sign_in(&app, "lanhdao@c1.vn", PASSWORD).await;
    let province = commune
        .get(format!(
            "{}/units/P1/report.pdf?form=test-indices&period=2025-07",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(province.status(), 403);
    let own = commune
        .get(format!(
            "{}/units/C1/report.pdf?form=test-indices&period=2025-07",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let own = own.bytes().await.unwrap();
    if let Some(text) = pdf_text(&own) {
        assert!(text.contains("Hạng 1/2 trong Tỉnh Một"), "{text}");
        assert!(
            text.contains("XÃ MỘT") && text.contains("TỈNH MỘT"),
            "the agency under its parent"
        );
        assert!(
            !text.contains("Xã Hai") && !text.contains("XẾP HẠNG CÁC ĐƠN VỊ"),
            "{text}"
        );
    }
}

on_both_backends!(
    the_official_report_is_a_workbook_of_numbers,
    the_official_report_is_an_a4_document,
    the_api_gives_a_unit_with_its_children,
    children_are_ranked_by_the_index_asked_for,
);
