//! The binary as a newcomer and an operator meet it: the demo, serving, stopping.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::helpers::{Backend, TestDb, blocking_get, run, sipas, start_server, stderr, stdout};
use crate::on_both_backends_sync;
use crate::survey::hidden_fields;
use sipas::db;

fn demo_seeds_a_real_province_once(backend: Backend) {
    let db = TestDb::new(backend);
    for round in 0..2 {
        let output = run(sipas(&db).args(["demo", "--seed-only"]));
        assert!(output.status.success(), "{}", stderr(&output));
        let out = stdout(&output);
        assert!(out.contains("Đã nhập 41 đơn vị từ danh mục 2025"), "{out}");
        let new = if round == 0 { "40 mới" } else { "0 mới" };
        assert!(
            out.contains(&format!("Quầy: 40 xã/phường có quầy ({new})")),
            "{out}"
        );
        assert!(
            out.contains("Tài khoản mẫu, đăng nhập tại /login (mật khẩu sipas-demo-2026):"),
            "{out}"
        );
        assert!(
            out.contains("tinh@sipas.test      Lãnh đạo Thành phố Huế"),
            "{out}"
        );
    }
    let mut conn = db.open().conn().unwrap();
    assert_eq!(db::units::count(&mut conn).unwrap(), 41);
    assert_eq!(
        db::units::find(&mut conn, "46").unwrap().unwrap().name,
        "Thành phố Huế"
    );
    let desks = db::desks::list(&mut conn, None).unwrap();
    assert_eq!(desks.len(), 40);
    // One account per role, which can sign in with the printed password.
    let users = sipas::auth::accounts::list(&mut conn).unwrap();
    let logins: Vec<(String, String)> = users
        .iter()
        .map(|u| (u.email.clone(), u.grants[0].describe()))
        .collect();
    assert_eq!(
        logins,
        [
            ("admin@sipas.test".to_string(), "admin".to_string()),
            ("motcua@sipas.test".to_string(), "staff@19753".to_string()),
            ("tinh@sipas.test".to_string(), "official@46".to_string()),
            ("xa@sipas.test".to_string(), "official@19753".to_string()),
        ]
    );
    let admin = db::users::find_by_email(&mut conn, "admin@sipas.test")
        .unwrap()
        .unwrap();
    assert!(sipas::auth::password::verify(
        "sipas-demo-2026",
        &admin.password_hash
    ));
    assert!(desks.iter().all(|d| d.name == "Bộ phận Một cửa"
        && d.form_id == "quick-2025"
        && d.ticket_form_id == "sipas-2017"));
    // Twenty tickets at the first desk, twelve of them answered, once however many runs.
    let with_tickets: Vec<_> = desks
        .iter()
        .map(|d| db::tickets::of_desk(&mut conn, d.id).unwrap())
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(with_tickets.len(), 1);
    let answered = with_tickets[0].iter().filter(|t| t.answered).count();
    assert_eq!((with_tickets[0].len(), answered), (20, 12));

    let output = run(sipas(&db).args(["demo", "--seed-only", "--province", "77"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("không có tỉnh/thành phố mã «77»"));
}

on_both_backends_sync!(demo_seeds_a_real_province_once);

/// The newcomer's path: `sipas demo` prints a URL; the home page is there.
#[test]
fn demo_serves_the_home_page_at_the_printed_url() {
    let db = TestDb::new(Backend::Sqlite);
    // No --database: the demo makes its own SQLite file in the data directory.
    let mut command = crate::helpers::sipas_without_database(&db);
    let server = start_server(command.args(["--bind", "127.0.0.1:0", "demo"]));
    assert!(server.banner.contains("Đã nhập 41 đơn vị"), "{}", server.banner);
    let (status, body) = blocking_get(&format!("{}/", server.url));
    assert_eq!(status, 200);
    assert!(body.contains("Ý kiến của Ông/Bà"));
    // It also prints a survey to try, which works.
    let survey = server
        .banner
        .lines()
        .find(|l| l.starts_with("Thử trả lời khảo sát: "))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_else(|| panic!("no survey URL in:\n{}", server.banner))
        .to_string();
    assert!(survey.starts_with(&format!("{}/s/", server.url)), "{survey}");
    let (status, body) = blocking_get(&survey);
    assert_eq!(status, 200);
    assert!(body.contains("Khảo sát sự hài lòng của người dân"));
    assert!(db.dir.path().join("demo.sqlite3").exists());
    let (status, _) = server.terminate();
    assert!(status.success());
}

/// SIGTERM stops the server gracefully: it finishes, logs it, and exits with 0.
#[test]
fn serve_stops_cleanly_on_sigterm() {
    let db = TestDb::new(Backend::Sqlite);
    let server = start_server(sipas(&db).args(["--bind", "127.0.0.1:0", "serve"]));
    assert!(
        server
            .banner
            .starts_with("sipas đang phục vụ tại http://127.0.0.1:"),
        "{}",
        server.banner
    );
    let (status, body) = blocking_get(&format!("{}/healthz", server.url));
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (status, log) = server.terminate();
    assert!(status.success(), "{status:?}\n{log}");
    assert!(
        log.contains("SIGTERM received; starting graceful shutdown"),
        "{log}"
    );
    assert!(log.contains("sipas stopped"), "{log}");
    // Requests were logged by route; the log holds no client address.
    assert!(log.contains("route=/healthz"), "{log}");
    assert!(!log.contains("client_ip") && !log.contains("user_agent"), "{log}");
}

/// SIGTERM while a slow citizen's answer is still on its way (the headers and half the
/// body sent): the server stops taking connections, but finishes that request — the
/// answer is acknowledged and stored — and then exits with 0.
fn a_request_in_flight_at_sigterm_is_finished(backend: Backend) {
    let db = TestDb::new(backend);
    let code = {
        let database = db.open();
        let mut conn = database.conn().unwrap();
        let csv = "code,name,kind,parent_code\nP,Tỉnh Thử,tỉnh,\nC,Xã Thử,xã,P\n";
        sipas::units::import::import_csv(&mut conn, csv.as_bytes()).unwrap();
        let forms = ["quick-2025".to_string()];
        sipas::desks::add(
            &mut conn,
            "C",
            "Quầy",
            sipas::desks::DeskForms::both("quick-2025"),
            &forms,
        )
        .unwrap()
        .code
    };
    let server = start_server(sipas(&db).args(["--bind", "127.0.0.1:0", "serve"]));
    let (status, html) = blocking_get(&format!("{}/s/{code}", server.url));
    assert_eq!(status, 200);
    let page = hidden_fields(&html);
    let mut fields = vec![
        ("_token", page.token.as_str()),
        ("_version", page.version.as_str()),
    ];
    fields.push(("rating", "4"));
    let body = serde_urlencoded::to_string(&fields).unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(server.url.trim_start_matches("http://")).unwrap();
    write!(
        stream,
        "POST /s/{code} HTTP/1.1\r\nHost: sipas\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    server.send_sigterm();
    server.wait_for_log("graceful worker shutdown; finishing 1 connections");
    // A slow client: the rest comes half a second after the workers start draining. (Known
    // defect, 2026-12-02: a body still arriving more than a second after SIGTERM is cut in
    // about half the runs — the server stops at the workers' first one-second check; not
    // yet understood, see the closing note of issue 25's follow-up.)
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut answer = String::new();
    if let Err(e) = stream
        .write_all(rest.as_bytes())
        .and_then(|()| stream.read_to_string(&mut answer))
    {
        let (status, log) = server.wait_for_exit();
        panic!("the request was cut ({e}); sipas {status:?}:\n{log}");
    }
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let (status, log) = server.wait_for_exit();
    assert!(status.success(), "{status:?}\n{log}");
    let stored = db::responses::all(&mut db.open().conn().unwrap()).unwrap();
    assert_eq!(stored.len(), 1, "the answer finished during the shutdown is kept");
}

on_both_backends_sync!(a_request_in_flight_at_sigterm_is_finished);

#[test]
fn serve_refuses_a_port_already_taken() {
    let db = TestDb::new(Backend::Sqlite);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = run(sipas(&db).args(["--bind", &address, "serve"]));
    assert_eq!(output.status.code(), Some(1));
    let last = stderr(&output).lines().last().unwrap().to_string();
    assert!(
        last.starts_with(&format!("sipas: không mở được địa chỉ {address}")),
        "{last}"
    );
}
