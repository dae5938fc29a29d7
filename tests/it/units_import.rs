//! `sipas units import`: the national list, re-imports, and every kind of bad file.

use sipas::db::units;

use crate::helpers::{Backend, TestDb, national_units_csv, run, sipas, stderr, stdout, write_file};
use crate::on_both_backends_sync;

fn unit_count(db: &TestDb) -> i64 {
    units::count(&mut db.open().conn().unwrap()).unwrap()
}

fn import(db: &TestDb, path: &std::path::Path) -> std::process::Output {
    run(sipas(db).args(["units", "import"]).arg(path))
}

fn the_national_list_imports_once_and_reimports_without_duplicates(backend: Backend) {
    let db = TestDb::new(backend);
    let output = import(&db, &national_units_csv());
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Đã nhập 3355 đơn vị"),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains("3355 mới, 0 cập nhật, 0 không đổi"));
    assert_eq!(unit_count(&db), 3355);

    let mut conn = db.open().conn().unwrap();
    let hue = units::find(&mut conn, "46").unwrap().unwrap();
    assert_eq!(hue.name, "Thành phố Huế");
    assert_eq!(hue.kind, "thành phố trung ương");
    assert_eq!(units::children(&mut conn, Some("46")).unwrap().len(), 40);
    assert_eq!(units::children(&mut conn, None).unwrap().len(), 34);
    let ba_dinh = units::find(&mut conn, "00004").unwrap().unwrap();
    assert_eq!(ba_dinh.parent_code.as_deref(), Some("01"));

    // Again: nothing new, nothing doubled.
    let output = import(&db, &national_units_csv());
    assert!(output.status.success());
    assert!(
        stdout(&output).contains("0 mới, 0 cập nhật, 3355 không đổi"),
        "{}",
        stdout(&output)
    );
    assert_eq!(unit_count(&db), 3355);

    // A renamed, re-kinded and moved unit is updated in place.
    let change = "code,name,kind,parent_code\n00004,Phường Ba Đình Mới,đặc khu,46\n";
    let output = import(&db, &write_file(&db, "change.csv", change.as_bytes()));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("0 mới, 1 cập nhật, 0 không đổi"));
    let ba_dinh = units::find(&mut conn, "00004").unwrap().unwrap();
    assert_eq!(ba_dinh.name, "Phường Ba Đình Mới");
    assert_eq!(ba_dinh.kind, "đặc khu");
    assert_eq!(ba_dinh.parent_code.as_deref(), Some("46"));
    assert_eq!(unit_count(&db), 3355);
}

fn a_tree_of_any_depth_imports_in_any_line_order(backend: Backend) {
    let db = TestDb::new(backend);
    let csv = "code,name,kind,parent_code\n\
               BNV.P1.T2,Tổ 2,tổ,BNV.P1\n\
               BNV.P1,Phòng 1,phòng,BNV\n\
               BNV,Bộ Nội vụ,bộ,\n\
               BNV.P1.T2.N1,Nhóm 1,nhóm,BNV.P1.T2\n";
    let output = import(&db, &write_file(&db, "ministry.csv", csv.as_bytes()));
    assert!(output.status.success(), "{}", stderr(&output));
    let mut conn = db.open().conn().unwrap();
    assert_eq!(
        units::subtree_codes(&mut conn, "BNV").unwrap(),
        ["BNV", "BNV.P1", "BNV.P1.T2", "BNV.P1.T2.N1"]
    );
}

/// Each bad file is rejected with the line and the reason, and nothing of it is stored —
/// not even its good lines, and not over what was there before.
fn bad_files_are_rejected_whole_with_line_numbers(backend: Backend) {
    let db = TestDb::new(backend);
    let base = "code,name,kind,parent_code\nP,Tỉnh Thử,tỉnh,\nC1,Xã Một,xã,P\n";
    assert!(
        import(&db, &write_file(&db, "base.csv", base.as_bytes()))
            .status
            .success()
    );

    let header = "code,name,kind,parent_code\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", b"".to_vec(), ":1: tệp rỗng"),
        (
            "header only",
            header.as_bytes().to_vec(),
            ":2: tệp chỉ có dòng tiêu đề",
        ),
        (
            "unknown parent",
            format!("{header}C1,Xã Một Đổi Tên,xã,P\nC2,Xã Hai,xã,NOPE\n").into_bytes(),
            ":3: đơn vị cha «NOPE» không có",
        ),
        (
            "duplicate code",
            format!("{header}C2,Xã Hai,xã,P\nC3,Xã Ba,xã,P\nC2,Xã Hai Lần,xã,P\n").into_bytes(),
            ":4: mã «C2» lặp lại (đã có ở dòng 2)",
        ),
        (
            "cycle",
            format!("{header}C1,Xã Một,xã,C2\nC2,Xã Hai,xã,C1\n").into_bytes(),
            ":2: vòng lặp cha–con: C1 → C2 → C1",
        ),
        (
            "missing column",
            b"code,name,parent_code\nC2,Xa Hai,P\n".to_vec(),
            ":1: thiếu cột «kind»",
        ),
        (
            "wrong encoding (Windows-1258)",
            [
                header.as_bytes(),
                b"C2,X\xe3 Hai,x\xe3,P\nC3,Ph\xfd\xf4\xf2ng Ba,ph\xfd\xf4\xf2ng,P\n",
            ]
            .concat(),
            ":2: không phải văn bản UTF-8",
        ),
        (
            "UTF-16",
            [
                &[0xFF, 0xFE][..],
                "code,name"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect::<Vec<u8>>()
                    .as_slice(),
            ]
            .concat(),
            ":1: tệp được mã hóa UTF-16",
        ),
        (
            "short line",
            format!("{header}C2,Xã Hai,xã,P\nC3,Xã Ba\n").into_bytes(),
            ":3: dòng có 2 cột, cần 4 cột",
        ),
    ];
    for (case, content, expected) in cases {
        let path = write_file(&db, "bad.csv", &content);
        let output = import(&db, &path);
        let err = stderr(&output);
        assert!(!output.status.success(), "{case}: accepted");
        assert!(err.contains(&format!("bad.csv{expected}")), "{case}: {err}");
        let last = err.lines().last().unwrap();
        assert!(
            last.starts_with("sipas: tệp ") && last.contains("không có gì được lưu"),
            "{case}: {last}"
        );
        let mut conn = db.open().conn().unwrap();
        assert_eq!(
            units::count(&mut conn).unwrap(),
            2,
            "{case}: something was stored"
        );
        assert_eq!(
            units::find(&mut conn, "C1").unwrap().unwrap().name,
            "Xã Một",
            "{case}"
        );
    }
}

fn a_missing_file_is_a_clear_error(backend: Backend) {
    let db = TestDb::new(backend);
    let output = run(sipas(&db).args(["units", "import", "/no/such/units.csv"]));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("sipas: không đọc được tệp /no/such/units.csv"),
        "{err}"
    );
}

on_both_backends_sync!(
    the_national_list_imports_once_and_reimports_without_duplicates,
    a_tree_of_any_depth_imports_in_any_line_order,
    bad_files_are_rejected_whole_with_line_numbers,
    a_missing_file_is_a_clear_error,
);
