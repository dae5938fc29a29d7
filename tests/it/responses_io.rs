//! Paper questionnaires in (CSV, XLSX), responses out (CSV, XLSX, Parquet), and the
//! indices against a direct count of random raw responses.

use std::collections::BTreeMap;

use chrono::TimeZone;
use rand::{Rng, SeedableRng};
use sipas::forms::Rollup;
use sipas::indices::{Period, ReportRequest, build};
use sipas::responses::Channel;

use crate::helpers::{Backend, TestDb, run, sipas, stderr, stdout, write_file};
use crate::indices::{TEST_FORM, sipas_with_test_form as cli};
use crate::{on_both_backends, on_both_backends_sync};

/// A database with units P1 > C1, C2 and P2 > D1, a desk in C1, and the test form.
fn seeded(backend: Backend) -> (TestDb, String) {
    let db = TestDb::new(backend);
    let forms = db.dir.path().join("forms");
    std::fs::create_dir_all(&forms).unwrap();
    std::fs::write(forms.join("test-indices.toml"), TEST_FORM).unwrap();
    let mut conn = db.open().conn().unwrap();
    let csv = "code,name,kind,parent_code\nP1,Tỉnh Một,tỉnh,\nC1,Xã Một,xã,P1\nC2,Xã Hai,xã,P1\nP2,Tỉnh Hai,tỉnh,\nD1,Xã Ba,xã,P2\n";
    sipas::units::import::import_csv(&mut conn, csv.as_bytes()).unwrap();
    let desk = sipas::desks::add(
        &mut conn,
        "C1",
        "Quầy",
        sipas::desks::DeskForms::both("test-indices"),
        &["test-indices".to_string()],
    )
    .unwrap();
    (db, desk.code)
}

fn stored(db: &TestDb) -> usize {
    sipas::db::responses::all(&mut db.open().conn().unwrap())
        .unwrap()
        .len()
}

const HEADER: &str = "unit_code,desk,submitted_at,procedure_code,q1,q2,q3,p1,p2";

fn paper_surveys_import_all_or_nothing_and_export_back(backend: Backend) {
    let (db, desk) = seeded(backend);
    let good = format!(
        "{HEADER}\nC1,{desk},2025-07-02 09:15,1.005129,5,4,a,2,2\nC1,,03/07/2025,,2,,b,0,1\nC2,,2025-07-04,,4,5,a,1,2\n"
    );
    let file = write_file(&db, "giay.csv", good.as_bytes());
    let output = run(cli(&db)
        .args(["responses", "import", "--form", "test-indices"])
        .arg(&file));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Đã nhập 3 phiếu giấy"),
        "{}",
        stdout(&output)
    );
    let responses = sipas::db::responses::all(&mut db.open().conn().unwrap()).unwrap();
    assert!(responses.iter().all(|r| r.channel == "paper"));
    assert_eq!(responses[0].procedure_code.as_deref(), Some("1.005129"));
    assert!(responses[0].desk_id.is_some() && responses[1].desk_id.is_none());
    assert_eq!(
        responses[1].day.to_string(),
        "2025-07-03",
        "DD/MM/YYYY is Vietnamese"
    );

    // A file with bad rows: every problem with its line, nothing stored.
    let bad = format!(
        "{HEADER}\nC1,,2025-07-05,,5,5,a,2,2\nX9,,2025-07-05,,5,5,a,2,2\nC1,,2025-07-05,,7,5,a,2,2\nC1,,2099-01-01,,5,5,a,2,2\nD1,{desk},2025-07-05,,5,5,a,2,2\nC1,,hôm qua,,5,5,a,2,2\n"
    );
    let file = write_file(&db, "loi.csv", bad.as_bytes());
    let output = run(cli(&db)
        .args(["responses", "import", "--form", "test-indices"])
        .arg(&file));
    assert!(!output.status.success());
    let errors = stderr(&output);
    for expected in [
        "loi.csv:3: không có đơn vị mã «X9»",
        "loi.csv:4: q1:",
        "loi.csv:5: thời điểm «2099-01-01» ở tương lai",
        &format!("loi.csv:6: quầy «{desk}» không thuộc đơn vị «D1»"),
        "loi.csv:7: thời điểm «hôm qua» không hợp lệ",
        "5 dòng có lỗi; không lưu phiếu nào",
    ] {
        assert!(errors.contains(expected), "{expected} in:\n{errors}");
    }
    assert_eq!(stored(&db), 3);
    // Keeping the good rows.
    let output = run(cli(&db)
        .args(["responses", "import", "--form", "test-indices", "--skip-invalid"])
        .arg(&file));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Đã nhập 1 phiếu giấy") && stdout(&output).contains("bỏ qua 5 dòng lỗi")
    );
    assert_eq!(stored(&db), 4);

    // Files that are not a table of responses.
    for (name, content, message) in [
        (
            "cot.csv",
            "unit_code,submitted_at,colour\nC1,2025-07-01,red\n".as_bytes(),
            "dòng 1: cột «colour» không phải cột chuẩn hay câu hỏi",
        ),
        (
            "thieu.csv",
            "q1,q2\n5,5\n".as_bytes(),
            "dòng 1: thiếu cột «unit_code»",
        ),
        ("rong.csv", b"".as_slice(), "tệp rỗng"),
        (
            "latin1.csv",
            b"unit_code,submitted_at,q3\nC1,2025-07-01,\xe0\n".as_slice(),
            "dòng 2: tệp không phải UTF-8",
        ),
        ("phieu.txt", b"x".as_slice(), "phải là .csv hoặc .xlsx"),
    ] {
        let file = write_file(&db, name, content);
        let output = run(cli(&db)
            .args(["responses", "import", "--form", "test-indices"])
            .arg(&file));
        assert!(!output.status.success(), "{name}");
        assert!(stderr(&output).contains(message), "{name}: {}", stderr(&output));
    }
    assert_eq!(stored(&db), 4);

    // XLSX, numbers as numbers; and a sheet with a wrong header.
    let xlsx = db.dir.path().join("giay.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, name) in HEADER.split(',').enumerate() {
        sheet.write_string(0, column as u16, name).unwrap();
    }
    sheet.write_string(1, 0, "C2").unwrap();
    sheet.write_string(1, 2, "2025-07-06 10:00").unwrap();
    for (column, value) in [(4, 3.0), (5, 4.0), (7, 1.0), (8, 0.0)] {
        sheet.write_number(1, column, value).unwrap();
    }
    sheet.write_string(1, 6, "b").unwrap();
    workbook.save(&xlsx).unwrap();
    let output = run(cli(&db)
        .args(["responses", "import", "--form", "test-indices"])
        .arg(&xlsx));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stored(&db), 5);
    let wrong = db.dir.path().join("sai.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.add_worksheet().write_string(0, 0, "đơn vị").unwrap();
    workbook.save(&wrong).unwrap();
    let output = run(cli(&db)
        .args(["responses", "import", "--form", "test-indices"])
        .arg(&wrong));
    assert!(
        stderr(&output).contains("dòng 1: cột «đơn vị»"),
        "{}",
        stderr(&output)
    );

    // The paper responses count in the report...
    let output = run(cli(&db).args([
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
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        (report["responses"].as_i64(), report["channels"]["paper"].as_i64()),
        (Some(5), Some(5))
    );

    // ...and export back as they were typed (CSV), and as XLSX and Parquet.
    let exported = db.dir.path().join("ra.csv");
    let output = run(cli(&db)
        .args([
            "responses",
            "export",
            "--form",
            "test-indices",
            "--unit",
            "P1",
            "--period",
            "2025-07",
            "--format",
            "csv",
            "-o",
        ])
        .arg(&exported));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&exported).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<BTreeMap<String, String>> = reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 5);
    let typed = [
        ("C1", "5", "4", "a", "2", "2"),
        ("C1", "2", "", "b", "0", "1"),
        ("C2", "4", "5", "a", "1", "2"),
        ("C1", "5", "5", "a", "2", "2"),
        ("C2", "3", "4", "b", "1", "0"),
    ];
    for (row, (unit, q1, q2, q3, p1, p2)) in rows.iter().zip(typed) {
        let got = [
            &row["unit_code"],
            &row["q1"],
            &row["q2"],
            &row["q3"],
            &row["p1"],
            &row["p2"],
        ];
        assert_eq!(got, [unit, q1, q2, q3, p1, p2], "{row:?}");
        assert_eq!(row["channel"], "paper");
    }
    assert_eq!(rows[0]["desk"], desk);
    // The day only: a time of day could match an answer with logs.
    assert_eq!(rows[0]["day"], "2025-07-02");
    assert!(!header.contains(&"submitted_at".to_string()));
    for (format, magic) in [("parquet", b"PAR1".as_slice()), ("xlsx", b"PK".as_slice())] {
        let path = db.dir.path().join(format!("ra.{format}"));
        let output = run(cli(&db)
            .args([
                "responses",
                "export",
                "--form",
                "test-indices",
                "--period",
                "2025",
                "--format",
                format,
                "-o",
            ])
            .arg(&path));
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(std::fs::read(&path).unwrap().starts_with(magic), "{format}");
    }
    let parquet = std::fs::File::open(db.dir.path().join("ra.parquet")).unwrap();
    use polars::prelude::SerReader;
    let frame = polars::prelude::ParquetReader::new(parquet).finish().unwrap();
    assert_eq!(frame.height(), 5);
    let xlsx = db.dir.path().join("ra.xlsx");
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), 6, "a header and five rows");
    assert_eq!(workbook.sheet_names()[1], "Câu hỏi");
}

/// A random response as the test drew it: unit, q1, q2, q3 (each possibly unanswered),
/// local day, procedure field.
type Drawn<'a> = (
    &'a str,
    Option<i64>,
    Option<i64>,
    Option<&'a str>,
    chrono::NaiveDate,
    Option<&'a str>,
);

/// The fields random responses are drawn in (none, mostly).
const FIELDS: [Option<&str>; 4] = [None, None, Some("Hộ tịch"), Some("Đất đai")];

/// Random responses on random days over 16 months: for random spans of days (crossing
/// month and year boundaries, read from day, month and year counts) every share index of
/// a unit equals a direct count of the raw answers, and the pooled parent equals the
/// count over the union of its children — over every field and narrowed to each.
async fn indices_equal_a_direct_count_of_random_responses(backend: Backend) {
    let app = crate::indices::app_with_test_form(backend).await;
    let form = app.prepared.forms.current("test-indices").unwrap();
    for seed in 0..4u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut raw: Vec<Drawn> = Vec::new();
        let first = chrono::Utc.with_ymd_and_hms(2024, 11, 1, 0, 0, 0).unwrap();
        // Dossiers of each commune for each month drawn from (the weights of `weighted`).
        let mut dossiers = String::from("unit_code,month,dossiers\n");
        for month in 0..17 {
            let start = first.date_naive() + chrono::Months::new(month);
            for unit in ["C1", "C2"] {
                dossiers.push_str(&format!(
                    "{unit},{},{}\n",
                    start.format("%Y-%m"),
                    rng.random_range(0..400)
                ));
            }
        }
        let rows = sipas::dossiers::read_csv(dossiers.as_bytes()).unwrap();
        sipas::dossiers::store(&mut app.prepared.db.conn().unwrap(), &rows).unwrap();
        for _ in 0..rng.random_range(40..120) {
            let at = first + chrono::Duration::minutes(rng.random_range(0..16 * 30 * 24 * 60));
            let day = at.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).date_naive();
            let unit = if rng.random_bool(0.6) { "C1" } else { "C2" };
            let level = |rng: &mut rand::rngs::StdRng| rng.random_bool(0.85).then(|| rng.random_range(1..=5));
            let (q1, q2) = (level(&mut rng), level(&mut rng));
            let q3 = rng
                .random_bool(0.8)
                .then(|| if rng.random_bool(0.5) { "a" } else { "b" });
            let mut answers: Vec<(String, String)> = Vec::new();
            for (question, value) in [
                ("q1", q1.map(|v| v.to_string())),
                ("q2", q2.map(|v| v.to_string())),
                ("q3", q3.map(String::from)),
            ] {
                answers.extend(value.map(|v| (question.to_string(), v)));
            }
            let field = FIELDS[rng.random_range(0..FIELDS.len())];
            let submission = sipas::responses::Submission {
                channel: Channel::DeskQr,
                procedure_field: field,
                submitted_at: at,
                ..crate::helpers::paper_submission(form.version_id, unit)
            };
            let answers = sipas::responses::Answers {
                values: answers,
                texts: Vec::new(),
            };
            sipas::responses::store(&mut app.prepared.db.conn().unwrap(), &submission, &answers).unwrap();
            raw.push((unit, q1, q2, q3, day, field));
        }
        for _ in 0..3 {
            let mut span =
                [0, 0].map(|_| first.date_naive() + chrono::Days::new(rng.random_range(0..16 * 30)));
            span.sort();
            let [from, to] = span;
            let period = Period::days(&from.to_string(), &to.to_string()).unwrap();
            for field in [None, Some("Hộ tịch"), Some("Đất đai")] {
                let request = |unit| ReportRequest {
                    unit,
                    form: "test-indices",
                    period,
                    rollup: Some(Rollup::Pooled),
                    rank_by: None,
                    min_sample: 30,
                    field,
                    population: sipas::indices::Population::Official,
                    sample_margin: 0.05,
                };
                let counted = |r: &&Drawn, units: &[&str]| {
                    units.contains(&r.0) && (from..=to).contains(&r.4) && (field.is_none() || r.5 == field)
                };
                let share = |units: &[&str], pick: &dyn Fn(&Drawn) -> Option<bool>| {
                    let answered: Vec<bool> = raw
                        .iter()
                        .filter(|r| counted(r, units))
                        .filter_map(pick)
                        .collect();
                    let yes = answered.iter().filter(|a| **a).count();
                    (!answered.is_empty())
                        .then(|| sipas::indices::stats::round2(yes as f64 / answered.len() as f64 * 100.0))
                };
                for units in [&["C1"][..], &["C2"], &["C1", "C2"]] {
                    let code = if units.len() == 2 { "P1" } else { units[0] };
                    let report = build(
                        &mut app.prepared.db.conn().unwrap(),
                        &app.prepared.forms,
                        &request(code),
                    )
                    .unwrap();
                    let c1 = share(units, &|r| r.1.map(|v| v >= 4));
                    let c2 = share(units, &|r| r.2.map(|v| v >= 4));
                    let a = share(units, &|r| r.3.map(|v| v == "a"));
                    let context = format!("seed {seed}, {code}, {from} – {to}, {field:?}");
                    assert_eq!(report.indices.get("c1").unwrap().value, c1, "{context}");
                    assert_eq!(report.indices.get("c2").unwrap().value, c2, "{context}");
                    assert_eq!(report.indices.get("a_share").unwrap().value, a, "{context}");
                    let drawn = raw.iter().filter(|r| counted(r, units));
                    assert_eq!(report.responses, drawn.clone().count() as i64, "{context}");
                    let n = drawn.filter(|r| r.1.is_some()).count() as i64;
                    assert_eq!(report.indices.get("c1").unwrap().n, n, "{context}");
                }
                // Under every roll-up and population, every composite shown equals the
                // mean of its components as shown beside it (DESIGN.md §9).
                for rollup in Rollup::ALL {
                    for population in [
                        sipas::indices::Population::Official,
                        sipas::indices::Population::All,
                    ] {
                        let report = build(
                            &mut app.prepared.db.conn().unwrap(),
                            &app.prepared.forms,
                            &ReportRequest {
                                rollup: Some(rollup),
                                population,
                                ..request("P1")
                            },
                        )
                        .unwrap();
                        let lines = std::iter::once(&report.indices)
                            .chain(report.children.iter().map(|c| &c.indices));
                        for indices in lines {
                            let [c1, c2, e] = ["c1", "c2", "e"].map(|id| indices.get(id).unwrap().value);
                            let context =
                                format!("seed {seed}, {rollup:?}, {population:?}, {from} – {to}, {field:?}");
                            match (c1, c2) {
                                (Some(c1), Some(c2)) => {
                                    let e = e.unwrap_or_else(|| panic!("{context}: e has no value"));
                                    assert!(
                                        (e - (c1 + c2) / 2.0).abs() <= 0.01,
                                        "{context}: {e} vs {c1}, {c2}"
                                    );
                                }
                                _ => assert_eq!(e, None, "{context}: a component has no value"),
                            }
                        }
                    }
                }
            }
        }
        // The next seed starts from an empty database.
        let mut conn = app.prepared.db.conn().unwrap();
        sipas::with_backend!(&mut *conn, |c| {
            use diesel::RunQueryDsl;
            for table in ["text_answers", "tallies", "responses"] {
                diesel::sql_query(format!("DELETE FROM {table}"))
                    .execute(c)
                    .unwrap();
            }
        });
    }
}

/// A file of several thousand rows is inserted a thousand responses per statement: each
/// comment still belongs to its own response, and a bad last row still stores nothing.
fn a_large_import_keeps_each_comment_with_its_own_answers(backend: Backend) {
    let db = TestDb::new(backend);
    let csv = "code,name,kind,parent_code\nP1,Tỉnh Một,tỉnh,\nC1,Xã Một,xã,P1\n";
    sipas::units::import::import_csv(&mut db.open().conn().unwrap(), csv.as_bytes()).unwrap();
    let rows = 2_345;
    let mut file = String::from("unit_code,submitted_at,rating,comment\n");
    for i in 0..rows {
        let comment = if i % 3 == 0 {
            String::new()
        } else {
            format!("phiếu {i} chấm {}", i % 4 + 1)
        };
        file.push_str(&format!(
            "C1,2025-07-{:02} 09:00,{},{comment}\n",
            i % 28 + 1,
            i % 4 + 1
        ));
    }
    let broken = format!("{file}C1,2025-07-01,9,\n");
    let path = write_file(&db, "loi.csv", broken.as_bytes());
    let output = run(sipas(&db)
        .args(["responses", "import", "--form", "quick-2025"])
        .arg(&path));
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains(&format!("loi.csv:{}: rating:", rows + 2)),
        "{}",
        stderr(&output)
    );
    assert_eq!(stored(&db), 0);

    let path = write_file(&db, "giay.csv", file.as_bytes());
    let output = run(sipas(&db)
        .args(["responses", "import", "--form", "quick-2025"])
        .arg(&path));
    assert!(output.status.success(), "{}", stderr(&output));
    let mut conn = db.open().conn().unwrap();
    let responses = sipas::db::responses::all(&mut conn).unwrap();
    assert_eq!(responses.len(), rows);
    let mut commented = 0;
    for response in &responses {
        let values = sipas::db::responses::answers_of(&mut conn, response.id).unwrap();
        let rating = &values[0].1;
        for (_, text) in sipas::db::responses::texts_of(&mut conn, response.id).unwrap() {
            assert!(
                text.ends_with(&format!("chấm {rating}")),
                "{text} with rating {rating}"
            );
            commented += 1;
        }
    }
    assert_eq!(commented, rows - rows.div_ceil(3));
    drop(conn);
    crate::survey::assert_tallies_match_answers(&db.open());
}

on_both_backends_sync!(
    paper_surveys_import_all_or_nothing_and_export_back,
    a_large_import_keeps_each_comment_with_its_own_answers
);
on_both_backends!(indices_equal_a_direct_count_of_random_responses);
