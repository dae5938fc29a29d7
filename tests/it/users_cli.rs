//! `sipas users` and `sipas tokens` from the command line.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::helpers::{Backend, TestDb, national_units_csv, run, sipas, stderr, stdout};
use crate::on_both_backends_sync;

/// Runs `command` with `input` on its standard input (not a terminal).
pub fn with_stdin(command: &mut Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn users_json(db: &TestDb) -> serde_json::Value {
    let output = run(sipas(db).args(["users", "list", "--format", "json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn the_first_admin_is_made_from_the_command_line(backend: Backend) {
    let db = TestDb::new(backend);
    // A fresh install: no units yet, and no one to sign in as.
    let output = with_stdin(
        sipas(&db).args([
            "users",
            "add",
            "--email",
            "Admin@Tinh.gov.vn",
            "--name",
            "Quản trị viên",
            "--role",
            "admin",
        ]),
        "mật khẩu đủ dài\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        "Đã thêm người dùng admin@tinh.gov.vn (admin)"
    );
    let users = users_json(&db);
    assert_eq!(users[0]["email"], "admin@tinh.gov.vn");
    assert_eq!(users[0]["grants"][0]["role"], "admin");
    let mut conn = db.open().conn().unwrap();
    let stored = sipas::db::users::find_by_email(&mut conn, "admin@tinh.gov.vn")
        .unwrap()
        .unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(sipas::auth::password::verify(
        "mật khẩu đủ dài",
        &stored.password_hash
    ));
}

fn users_are_listed_disabled_regranted_and_given_new_passwords(backend: Backend) {
    let db = TestDb::new(backend);
    assert!(
        run(sipas(&db).args(["units", "import"]).arg(national_units_csv()))
            .status
            .success()
    );
    let add = |email: &str, role: &str, unit: &str, password: &str| {
        with_stdin(
            sipas(&db).args([
                "users",
                "add",
                "--email",
                email,
                "--name",
                "Nguyễn Văn A",
                "--role",
                role,
                "--unit",
                unit,
            ]),
            password,
        )
    };
    assert!(
        add("a@hue.gov.vn", "official", "46", "mật khẩu đủ dài")
            .status
            .success()
    );
    for (email, role, unit, password, expected) in [
        (
            "a@hue.gov.vn",
            "staff",
            "46",
            "mật khẩu đủ dài",
            "sipas: đã có tài khoản với e-mail a@hue.gov.vn",
        ),
        (
            "b@hue.gov.vn",
            "official",
            "99",
            "mật khẩu đủ dài",
            "sipas: không có đơn vị mã «99»",
        ),
        (
            "b@hue.gov.vn",
            "admin",
            "46",
            "mật khẩu đủ dài",
            "sipas: vai trò admin áp dụng cho mọi đơn vị",
        ),
        (
            "không phải email",
            "staff",
            "46",
            "mật khẩu đủ dài",
            "sipas: «không phải email» không phải địa chỉ e-mail",
        ),
        (
            "b@hue.gov.vn",
            "staff",
            "46",
            "ngắn",
            "sipas: Mật khẩu cần ít nhất 10 ký tự.",
        ),
        (
            "b@hue.gov.vn",
            "staff",
            "46",
            "",
            "sipas: không có mật khẩu trên stdin",
        ),
    ] {
        let output = add(email, role, unit, password);
        assert_eq!(output.status.code(), Some(1), "{email} {role} {unit}");
        assert!(stderr(&output).starts_with(expected), "{}", stderr(&output));
    }
    assert_eq!(users_json(&db).as_array().unwrap().len(), 1);

    let output = run(sipas(&db).args([
        "users",
        "grant",
        "--email",
        "a@hue.gov.vn",
        "--role",
        "staff",
        "--unit",
        "19753",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let grants: Vec<String> = users_json(&db)[0]["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| format!("{}@{}", g["role"].as_str().unwrap(), g["unit"].as_str().unwrap()))
        .collect();
    assert_eq!(grants, ["official@46", "staff@19753"]);

    // Each change below ends every session of the user: one is started before each.
    let signed_in = || {
        let mut conn = db.open().conn().unwrap();
        let user = sipas::db::users::find_by_email(&mut conn, "a@hue.gov.vn")
            .unwrap()
            .unwrap();
        let secrets = sipas::auth::secrets::Secrets::load(&mut conn).unwrap();
        sipas::auth::session::start(&mut conn, &secrets, user.id, sipas::db::now(), 3600, false).unwrap();
    };
    let sessions = || -> i64 {
        use diesel::prelude::*;
        sipas::db::schema::sessions::table
            .count()
            .get_result(&mut db.open().conn().unwrap())
            .unwrap()
    };
    signed_in();
    assert_eq!(sessions(), 1);
    assert!(
        run(sipas(&db).args(["users", "disable", "--email", "A@hue.gov.vn"]))
            .status
            .success()
    );
    assert_eq!(users_json(&db)[0]["disabled"], true);
    assert_eq!(sessions(), 0, "disabling ended the session");
    signed_in();
    assert!(
        run(sipas(&db).args(["users", "enable", "--email", "a@hue.gov.vn"]))
            .status
            .success()
    );
    assert_eq!(users_json(&db)[0]["disabled"], false);
    assert_eq!(sessions(), 0, "enabling ended the session");
    signed_in();
    let output = with_stdin(
        sipas(&db).args(["users", "set-password", "--email", "a@hue.gov.vn"]),
        "một mật khẩu mới\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(sessions(), 0, "a new password ended the session");
    let mut conn = db.open().conn().unwrap();
    let stored = sipas::db::users::find_by_email(&mut conn, "a@hue.gov.vn")
        .unwrap()
        .unwrap();
    assert!(sipas::auth::password::verify(
        "một mật khẩu mới",
        &stored.password_hash
    ));
    let output = run(sipas(&db).args(["users", "disable", "--email", "nobody@hue.gov.vn"]));
    assert_eq!(
        stderr(&output).trim(),
        "sipas: không có tài khoản nobody@hue.gov.vn"
    );
    let table = stdout(&run(sipas(&db).args(["users", "list"])));
    assert!(
        table.contains("a@hue.gov.vn") && table.contains("official@46, staff@19753"),
        "{table}"
    );
}

fn tokens_are_printed_once_listed_without_secrets_and_revoked(backend: Backend) {
    let db = TestDb::new(backend);
    assert!(
        run(sipas(&db).args(["units", "import"]).arg(national_units_csv()))
            .status
            .success()
    );
    let output = run(sipas(&db).args([
        "tokens",
        "create",
        "--name",
        "Một cửa Huế",
        "--role",
        "staff",
        "--unit",
        "19753",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let token = stdout(&output).trim().to_string();
    assert!(
        token.starts_with("sipas_") && !token.contains(' '),
        "only the token on standard output: {token}"
    );
    assert!(stderr(&output).contains("chỉ hiện một lần"));
    let listed = stdout(&run(sipas(&db).args(["tokens", "list", "--format", "json"])));
    assert!(!listed.contains(&token));
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed[0]["name"], "Một cửa Huế");
    assert_eq!(listed[0]["revoked"], false);
    let id = listed[0]["id"].as_i64().unwrap().to_string();
    assert!(
        run(sipas(&db).args(["tokens", "revoke", "--id", &id]))
            .status
            .success()
    );
    let output = run(sipas(&db).args(["tokens", "revoke", "--id", &id]));
    assert_eq!(output.status.code(), Some(1), "already revoked");
    let output = run(sipas(&db).args(["tokens", "create", "--name", "x", "--role", "official"]));
    assert!(
        stderr(&output).contains("vai trò official cần một đơn vị"),
        "{}",
        stderr(&output)
    );
}

on_both_backends_sync!(
    the_first_admin_is_made_from_the_command_line,
    users_are_listed_disabled_regranted_and_given_new_passwords,
    tokens_are_printed_once_listed_without_secrets_and_revoked,
);
