//! The command line: listings, desks, configuration, help and errors.

use serde_json::Value;

use crate::helpers::{
    Backend, TestDb, national_units_csv, run, run_ok, sipas, sipas_without_database, stderr, stdout,
    write_file,
};
use crate::on_both_backends_sync;

fn imported(backend: Backend) -> TestDb {
    let db = TestDb::new(backend);
    let output = run(sipas(&db).args(["units", "import"]).arg(national_units_csv()));
    assert!(output.status.success(), "{}", stderr(&output));
    db
}

fn json(output: &std::process::Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

fn units_list_shows_roots_or_children(backend: Backend) {
    let db = imported(backend);
    let roots = json(&run(sipas(&db).args(["units", "list", "--format", "json"])));
    let roots = roots.as_array().unwrap();
    assert_eq!(roots.len(), 34);
    assert_eq!(
        roots[0],
        serde_json::json!({"code": "01", "name": "Thành phố Hà Nội", "kind": "thành phố trung ương", "parent": null, "public": false})
    );
    let communes = json(&run(
        sipas(&db).args(["units", "list", "--parent", "46", "--format", "json"])
    ));
    let communes = communes.as_array().unwrap();
    assert_eq!(communes.len(), 40);
    assert!(communes.iter().all(|c| c["parent"] == "46"));

    let table = stdout(&run(sipas(&db).args(["units", "list", "--parent", "46"])));
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["MÃ", "LOẠI", "TÊN"]
    );
    assert_eq!(lines.count(), 40);
    assert!(table.contains("Phường Phú Xuân"));

    let output = run(sipas(&db).args(["units", "list", "--parent", "99"]));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output).trim(), "sipas: không có đơn vị mã «99»");
}

fn desks_are_added_with_a_code_and_listed_by_subtree(backend: Backend) {
    let db = imported(backend);
    let added = json(&run(sipas(&db).args([
        "--base-url",
        "https://khaosat.example.vn/",
        "desks",
        "add",
        "--unit",
        "19753",
        "--name",
        "Quầy 1",
        "--format",
        "json",
    ])));
    let desk = &added[0];
    let code = desk["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(
        code.bytes().all(|b| sipas::codes::ALPHABET.contains(&b)),
        "{code}"
    );
    assert_eq!(desk["unit"], "19753");
    assert_eq!(desk["name"], "Quầy 1");
    assert_eq!(desk["form"], "quick-2025", "the poster's quick rating");
    assert_eq!(desk["ticket_form"], "sipas-2023", "tickets answer the SIPAS form");
    assert_eq!(desk["url"], format!("https://khaosat.example.vn/s/{code}"));
    assert!(desk["id"].as_i64().is_some());

    // Another desk in Huế, one in Hà Nội, and a desk with another form.
    assert!(
        run(sipas(&db).args(["desks", "add", "--unit", "19774", "--name", "Quầy 1"]))
            .status
            .success()
    );
    assert!(
        run(sipas(&db).args([
            "desks",
            "add",
            "--unit",
            "00004",
            "--name",
            "Quầy A",
            "--form",
            "quick-2025"
        ]))
        .status
        .success()
    );

    let huế = json(&run(
        sipas(&db).args(["desks", "list", "--unit", "46", "--format", "json"])
    ));
    let units: Vec<&str> = huế
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units, ["19753", "19774"]);
    let commune = json(&run(
        sipas(&db).args(["desks", "list", "--unit", "00004", "--format", "json"])
    ));
    assert_eq!(commune[0]["form"], "quick-2025");
    let all = json(&run(sipas(&db).args(["desks", "list", "--format", "json"])));
    assert_eq!(all.as_array().unwrap().len(), 3);
    let codes: std::collections::HashSet<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 3, "desk codes are unique");

    let table = stdout(&run(sipas(&db).args(["desks", "list", "--unit", "46"])));
    assert!(table.lines().next().unwrap().starts_with("ID  ĐƠN VỊ"), "{table}");
    assert_eq!(table.lines().count(), 3);
}

fn bad_desks_are_refused_with_a_reason(backend: Backend) {
    let db = imported(backend);
    assert!(
        run(sipas(&db).args(["desks", "add", "--unit", "19753", "--name", "Quầy 1"]))
            .status
            .success()
    );
    let cases = [
        (
            vec!["--unit", "99999", "--name", "Quầy"],
            "sipas: không có đơn vị mã «99999»",
        ),
        (
            vec!["--unit", "19753", "--name", "  Quầy 1 "],
            "sipas: đơn vị «19753» đã có quầy tên «Quầy 1»",
        ),
        (
            vec!["--unit", "19753", "--name", "   "],
            "sipas: tên quầy không được trống",
        ),
        (
            vec!["--unit", "19753", "--name", "Q", "--form", "../etc"],
            "sipas: mã phiếu khảo sát không hợp lệ «../etc»",
        ),
    ];
    for (args, expected) in cases {
        let output = run(sipas(&db).args(["desks", "add"]).args(&args));
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&output).starts_with(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let all = json(&run(sipas(&db).args(["desks", "list", "--format", "json"])));
    assert_eq!(all.as_array().unwrap().len(), 1);
}

fn migrate_reports_what_it_applied(backend: Backend) {
    let db = TestDb::new(backend);
    let output = run(sipas(&db).arg("migrate"));
    assert!(output.status.success(), "{}", stderr(&output));
    let migrations = std::fs::read_dir(crate::helpers::checkout_path("migrations/sqlite"))
        .unwrap()
        .count();
    assert!(
        stdout(&output).starts_with(&format!("Đã áp dụng {migrations} ")),
        "{}",
        stdout(&output)
    );
    let output = run(sipas(&db).arg("migrate"));
    assert!(
        stdout(&output).starts_with("Lược đồ cơ sở dữ liệu đã mới nhất"),
        "{}",
        stdout(&output)
    );
    assert!(!stdout(&output).contains("password"));
}

on_both_backends_sync!(
    units_list_shows_roots_or_children,
    desks_are_added_with_a_code_and_listed_by_subtree,
    bad_desks_are_refused_with_a_reason,
    migrate_reports_what_it_applied,
);

#[test]
fn every_subcommand_has_help() {
    let db = TestDb::new(Backend::Sqlite);
    for command in [
        vec![],
        vec!["serve"],
        vec!["migrate"],
        vec!["demo"],
        vec!["units"],
        vec!["units", "import"],
        vec!["units", "list"],
        vec!["desks"],
        vec!["desks", "add"],
        vec!["desks", "list"],
        vec!["forms"],
        vec!["forms", "check"],
        vec!["forms", "list"],
        vec!["users"],
        vec!["users", "add"],
        vec!["users", "list"],
        vec!["users", "disable"],
        vec!["users", "enable"],
        vec!["users", "set-password"],
        vec!["users", "grant"],
        vec!["tokens"],
        vec!["tokens", "create"],
        vec!["tokens", "list"],
        vec!["tokens", "revoke"],
        vec!["codes"],
        vec!["codes", "poster"],
        vec!["codes", "tickets"],
        vec!["codes", "revoke"],
    ] {
        let output = run(sipas(&db).args(&command).arg("--help"));
        assert!(output.status.success(), "{command:?}");
        assert!(stdout(&output).contains("Usage: sipas"), "{command:?}");
    }
}

#[test]
fn configuration_file_environment_and_flags_are_layered() {
    let db = TestDb::new(Backend::Sqlite);
    let config = write_file(
        &db,
        "sipas.toml",
        b"language = \"en\"\nbase_url = \"https://from-file.example\"\n",
    );
    run_ok(sipas(&db).args(["units", "import"]).arg(national_units_csv()));
    run_ok(sipas(&db).args(["desks", "add", "--unit", "46", "--name", "Q"]));
    let list =
        |command: &mut std::process::Command| json(&run(command.args(["desks", "list", "--format", "json"])));

    let from_file = list(sipas(&db).arg("--config").arg(&config));
    assert!(
        from_file[0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://from-file.example/s/")
    );
    let from_env = list(
        sipas(&db)
            .arg("--config")
            .arg(&config)
            .env("SIPAS_BASE_URL", "https://from-env.example"),
    );
    assert!(
        from_env[0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://from-env.example/s/")
    );
    let from_flag = list(
        sipas(&db)
            .env("SIPAS_CONFIG", &config)
            .env("SIPAS_BASE_URL", "https://from-env.example")
            .args(["--base-url", "https://from-flag.example"]),
    );
    assert!(
        from_flag[0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://from-flag.example/s/")
    );

    // The file chose English for the command line.
    let output = run(sipas(&db)
        .arg("--config")
        .arg(&config)
        .args(["units", "list", "--parent", "nope"]));
    assert_eq!(stderr(&output).trim(), "sipas: there is no unit with code «nope»");
}

#[test]
fn configuration_mistakes_stop_with_the_key_named() {
    let db = TestDb::new(Backend::Sqlite);
    let typo = write_file(
        &db,
        "typo.toml",
        b"bind = \"127.0.0.1:9000\"\ndatabse_url = \"x\"\n",
    );
    let output = run(sipas(&db).arg("--config").arg(&typo).arg("migrate"));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("databse_url"), "{err}");

    let output = run(sipas(&db).args(["--config", "/no/such/sipas.toml", "migrate"]));
    assert!(
        stderr(&output).contains("không tìm thấy tệp cấu hình /no/such/sipas.toml"),
        "{}",
        stderr(&output)
    );

    let output = run(sipas_without_database(&db).args(["--database", "mysql://root@localhost/x", "migrate"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("địa chỉ cơ sở dữ liệu không hợp lệ: mysql://"),
        "{}",
        stderr(&output)
    );

    let output = run(sipas(&db).arg("migrate").env("SIPAS_DATABASE_POOL_SIZE", "many"));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).to_lowercase().contains("database_pool_size"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unreachable_postgres_is_a_one_line_error_and_creates_no_file() {
    let db = TestDb::new(Backend::Sqlite);
    let output = run(sipas_without_database(&db)
        .args([
            "--database",
            "postgres://sipas:secret@127.0.0.1:1/sipas",
            "migrate",
        ])
        .current_dir(db.dir.path()));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.starts_with("sipas: không kết nối được cơ sở dữ liệu: postgres://sipas:***@127.0.0.1:1/sipas"),
        "{err}"
    );
    assert!(!err.contains("secret"), "the password is never printed: {err}");
    let entries: Vec<_> = std::fs::read_dir(db.dir.path()).unwrap().collect();
    assert!(entries.is_empty(), "no SQLite file was made: {entries:?}");
}
