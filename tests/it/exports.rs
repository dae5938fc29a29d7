//! Exports read back as a data team would: the XLSX (calamine) and Parquet (polars) files
//! of the dashboard and of `sipas responses export` hold, cell for cell, the responses of
//! the hand-computed dataset of `indices.rs`, and only those of the unit's subtree.

use std::io::Cursor;

use sipas::auth::Role;

use crate::auth::{PASSWORD, add_user, sign_in};
use crate::helpers::{Backend, run_ok};
use crate::indices::{app_with_test_form, seed_responses, sipas_with_test_form};
use crate::on_both_backends;

/// The columns compared: unit, channel and the answers (an empty cell: not answered).
const COLUMNS: [&str; 7] = ["unit_code", "channel", "q1", "q2", "q3", "p1", "p2"];

/// The dataset of `indices.rs`, in the order it was stored (r1 … r9).
const DATASET: [[&str; 7]; 9] = [
    ["C1", "desk_qr", "5", "4", "a", "2", "2"], // r1, 1 July (local)
    ["C1", "ticket", "4", "2", "b", "1", "2"],  // r2
    ["C1", "paper", "2", "", "a", "0", "1"],    // r3
    ["C1", "desk_qr", "3", "5", "a", "2", "0"], // r4
    ["C2", "desk_qr", "5", "5", "b", "2", "2"], // r5
    ["C2", "desk_qr", "1", "1", "", "1", "1"],  // r6
    ["C1", "desk_qr", "1", "1", "b", "0", "0"], // r7, June
    ["C1", "desk_qr", "5", "5", "a", "2", "2"], // r8, August
    ["D1", "desk_qr", "5", "5", "a", "2", "2"], // r9, July, in the other province
];

/// The rows of the dataset numbered `responses` (1 for r1 …).
fn expected(responses: &[usize]) -> Vec<Vec<String>> {
    responses
        .iter()
        .map(|r| DATASET[r - 1].iter().map(|c| c.to_string()).collect())
        .collect()
}

/// The compared columns of each row of an export's first sheet.
fn xlsx_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes)).expect("an XLSX file");
    let sheet = workbook.worksheet_range_at(0).expect("a sheet").unwrap();
    let mut rows = sheet.rows();
    let header: Vec<String> = rows
        .next()
        .expect("a header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    let at: Vec<usize> = COLUMNS
        .iter()
        .map(|name| {
            // Headers read «Câu 1 [q1]»: the words, then the code.
            header
                .iter()
                .position(|h| h.ends_with(&format!("[{name}]")))
                .unwrap_or_else(|| panic!("{name} in {header:?}"))
        })
        .collect();
    rows.map(|row| at.iter().map(|i| row[*i].to_string()).collect())
        .collect()
}

/// The same, from a Parquet file.
fn parquet_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    use polars::prelude::SerReader;
    let frame = polars::prelude::ParquetReader::new(Cursor::new(bytes))
        .finish()
        .expect("a Parquet file");
    let columns: Vec<_> = COLUMNS
        .iter()
        .map(|name| {
            frame
                .column(name)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .as_materialized_series()
                .str()
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .clone()
        })
        .collect();
    (0..frame.height())
        .map(|i| {
            columns
                .iter()
                .map(|column| column.get(i).unwrap_or_default().to_string())
                .collect()
        })
        .collect()
}

async fn dashboard_downloads_hold_the_subtrees_responses_cell_for_cell(backend: Backend) {
    let app = app_with_test_form(backend).await;
    seed_responses(&app);
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    add_user(&app, "lanhdao@c2.vn", Role::Official, Some("C2"));
    let download = |official: &'static str, path: &'static str| {
        let app = &app;
        async move {
            let (browser, _) = sign_in(app, official, PASSWORD).await;
            let response = browser
                .get(format!("{}{path}", app.address))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
            response.bytes().await.unwrap().to_vec()
        }
    };
    // P1 in July: r1–r6 (r7 is June, r8 August, r9 in P2).
    let xlsx = download(
        "lanhdao@p1.vn",
        "/units/P1/export.xlsx?form=test-indices&period=2025-07",
    )
    .await;
    assert_eq!(xlsx_rows(xlsx), expected(&[1, 2, 3, 4, 5, 6]));
    let parquet = download(
        "lanhdao@p1.vn",
        "/units/P1/export.parquet?form=test-indices&period=2025-07",
    )
    .await;
    assert_eq!(parquet_rows(parquet), expected(&[1, 2, 3, 4, 5, 6]));
    // C2 over the year: r5 and r6 only, nothing of its sibling C1 or of P2.
    let xlsx = download(
        "lanhdao@c2.vn",
        "/units/C2/export.xlsx?form=test-indices&period=2025",
    )
    .await;
    assert_eq!(xlsx_rows(xlsx), expected(&[5, 6]));
    let parquet = download(
        "lanhdao@c2.vn",
        "/units/C2/export.parquet?form=test-indices&period=2025",
    )
    .await;
    assert_eq!(parquet_rows(parquet), expected(&[5, 6]));
}

async fn command_line_exports_hold_the_subtrees_responses_cell_for_cell(backend: Backend) {
    let app = app_with_test_form(backend).await;
    seed_responses(&app);
    let db = &app.db;
    let export = |unit: Option<&str>, period: &str, format: &str| {
        let path = db
            .dir
            .path()
            .join(format!("export-{}-{period}.{format}", unit.unwrap_or("all")));
        let mut command = sipas_with_test_form(db);
        command.args([
            "responses",
            "export",
            "--form",
            "test-indices",
            "--period",
            period,
        ]);
        if let Some(unit) = unit {
            command.args(["--unit", unit]);
        }
        run_ok(command.args(["--format", format, "-o"]).arg(&path));
        std::fs::read(&path).unwrap()
    };
    // C1 over the year: r1–r4, r7 and r8.
    assert_eq!(
        xlsx_rows(export(Some("C1"), "2025", "xlsx")),
        expected(&[1, 2, 3, 4, 7, 8])
    );
    assert_eq!(
        parquet_rows(export(Some("C1"), "2025", "parquet")),
        expected(&[1, 2, 3, 4, 7, 8])
    );
    // P2 in July: r9 alone; every unit in July: r1–r6 and r9.
    assert_eq!(xlsx_rows(export(Some("P2"), "2025-07", "xlsx")), expected(&[9]));
    assert_eq!(
        parquet_rows(export(Some("P2"), "2025-07", "parquet")),
        expected(&[9])
    );
    assert_eq!(
        parquet_rows(export(None, "2025-07", "parquet")),
        expected(&[1, 2, 3, 4, 5, 6, 9])
    );
}

/// The dashboard's workbook reads for people and adds up: each header the question's
/// words with its code, the options' wording beside the codes, scale levels as numbers
/// (so AVERAGE works) and days as dates.
async fn the_responses_workbook_has_readable_headers_and_numbers(backend: Backend) {
    use calamine::{Data, DataType, Reader};
    let app = app_with_test_form(backend).await;
    seed_responses(&app);
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let bytes = browser
        .get(format!(
            "{}/units/P1/export.xlsx?form=test-indices&period=2025-07",
            app.address
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let mut rows = sheet.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    let (q1, q1_words, q3_words, day) = (
        at("Câu 1 [q1]"),
        at("Câu 1 — nội dung [q1_label]"),
        at("Câu 3 — nội dung [q3_label]"),
        at("Ngày [day]"),
    );
    let first = rows.next().unwrap();
    // r1: q1 = 5 «Rất hài lòng», q3 = a «A», 1 July 2025.
    assert_eq!(first[q1], Data::Float(5.0));
    assert_eq!(first[q1_words].to_string(), "Rất hài lòng");
    assert_eq!(first[q3_words].to_string(), "A");
    assert_eq!(first[day].as_date(), chrono::NaiveDate::from_ymd_opt(2025, 7, 1));
    let levels: Vec<f64> = sheet
        .rows()
        .skip(1)
        .filter_map(|row| row[q1].get_float())
        .collect();
    assert_eq!(levels, [5.0, 4.0, 2.0, 3.0, 5.0, 1.0]);
}

on_both_backends!(
    the_responses_workbook_has_readable_headers_and_numbers,
    dashboard_downloads_hold_the_subtrees_responses_cell_for_cell,
    command_line_exports_hold_the_subtrees_responses_cell_for_cell,
);
