//! `sipas codes`: posters and tickets printed from the command line.

use crate::helpers::{Backend, TestDb, blocking_get, run, sipas, start_server, stderr, stdout};
use crate::on_both_backends_sync;
use crate::printed::{LEVEL_H, LEVEL_Q, Scanned, pdf_page_count, render_pdf, scan_cards, scan_png};

/// A unit with one desk; returns the desk's code.
fn seed(db: &TestDb) -> String {
    let mut conn = db.open().conn().unwrap();
    let csv = "code,name,kind,parent_code\nP,Tỉnh Thử,tỉnh,\nC,Xã Thử,xã,P\n";
    sipas::units::import::import_csv(&mut conn, csv.as_bytes()).unwrap();
    sipas::desks::add(
        &mut conn,
        "C",
        "Bộ phận Một cửa",
        sipas::desks::DeskForms::both("sipas-2017"),
        &["sipas-2017".to_string()],
    )
    .unwrap()
    .code
}

fn the_command_line_prints_posters_and_tickets(backend: Backend) {
    let db = TestDb::new(backend);
    let desk = seed(&db);
    // The site serving this database: what is printed must lead there.
    let server = start_server(sipas(&db).args(["--bind", "127.0.0.1:0", "serve"]));
    let base = server.url.as_str();
    let dir = db.dir.path();

    let poster = dir.join("poster.png");
    let output = run(sipas(&db)
        .args([
            "--base-url",
            base,
            "codes",
            "poster",
            "--desk",
            &desk,
            "--format",
            "png",
            "-o",
        ])
        .arg(&poster));
    assert!(output.status.success(), "{}", stderr(&output));
    let desk_url = format!("{base}/s/{desk}");
    assert_eq!(
        scan_png(&std::fs::read(&poster).unwrap()),
        [Scanned {
            text: desk_url.clone(),
            level: LEVEL_H
        }]
    );
    let (status, page) = blocking_get(&desk_url);
    assert_eq!(status, 200, "the scanned poster opens the survey");
    assert!(page.contains("Khảo sát sự hài lòng của người dân"), "{page}");

    // Twenty-three tickets on A4 sheets, by the desk's ID this time.
    let sheet = dir.join("tickets.pdf");
    let output = run(sipas(&db)
        .args([
            "--base-url",
            base,
            "codes",
            "tickets",
            "--desk",
            "1",
            "--count",
            "23",
            "--procedure",
            "1.005129",
            "-o",
        ])
        .arg(&sheet));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("Đã phát hành 23 phiếu"),
        "{}",
        stderr(&output)
    );
    let pdf = std::fs::read(&sheet).unwrap();
    assert_eq!(pdf_page_count(&pdf), 3);
    let mut conn = db.open().conn().unwrap();
    let issued = sipas::db::tickets::of_desk(&mut conn, 1).unwrap();
    assert_eq!(issued.len(), 23);
    if let Some(pages) = render_pdf(&pdf, 150) {
        let scanned = scan_cards(&pages[2], 2, 5);
        assert_eq!(scanned.len(), 3, "the last sheet holds the last three cards");
        for code in &scanned {
            assert!(
                issued.iter().any(|t| format!("{base}/s/{}", t.code) == code.text),
                "{code:?}"
            );
            assert_eq!(code.level, LEVEL_Q, "{code:?}");
        }
        let (status, page) = blocking_get(&scanned[0].text);
        assert_eq!(status, 200, "a scanned ticket opens the survey");
        assert!(page.contains(r#"name="_token""#), "{page}");
    }

    // CSV to standard output.
    let output = run(sipas(&db).args([
        "codes", "tickets", "--desk", &desk, "--count", "2", "--format", "csv", "-o", "-",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let csv = stdout(&output);
    assert_eq!(csv.lines().count(), 3, "{csv}");
    let code = csv.lines().nth(1).unwrap().split(',').next().unwrap().to_string();

    // Revoking: once; a second time, or an unknown code, is an error.
    let output = run(sipas(&db).args(["codes", "revoke", &code.to_lowercase()]));
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(sipas(&db).args(["codes", "revoke", &code]));
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("đã bị thu hồi trước đó"),
        "{}",
        stderr(&output)
    );
    let output = run(sipas(&db).args(["codes", "revoke", "ZZZZZZZZ"]));
    assert!(!output.status.success());

    // Mistakes: one line each, nothing issued.
    for (args, message) in [
        (
            vec!["--desk", "NOSUCH", "--count", "2"],
            "không có quầy mã hoặc ID «NOSUCH»",
        ),
        (
            vec!["--desk", &desk, "--count", "501"],
            "số phiếu phải từ 1 đến 500 (không phải 501)",
        ),
        (
            vec!["--desk", &desk, "--count", "1", "--procedure", "có dấu"],
            "không hợp lệ",
        ),
    ] {
        let output = run(sipas(&db)
            .args(["codes", "tickets"])
            .args(&args)
            .args(["-o", "-"]));
        assert!(!output.status.success(), "{args:?}");
        let error = stderr(&output);
        assert!(
            error.contains(message) && error.lines().count() == 1,
            "{args:?}: {error}"
        );
    }
    assert_eq!(sipas::db::tickets::of_desk(&mut conn, 1).unwrap().len(), 25);
}

on_both_backends_sync!(the_command_line_prints_posters_and_tickets);
