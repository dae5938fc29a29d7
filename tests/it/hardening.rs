//! What an attacker found and must no longer find (issue 18): slow clients that starve
//! the service, redirects to other sites, sessions that outlive sign-out, sign-in limits
//! that can be raced or turned against the owner, cached private pages, answers posted
//! from other sites or with made-up page tokens, a desk closed by a flood, guessed codes,
//! and a dossier number that led to the answers.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use chrono::Datelike;
use diesel::prelude::*;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use sipas::auth::Role;
use sipas::forms::QuestionKind;

use crate::auth::{PASSWORD, add_token, add_user, csrf_of, seed_units, sign_in};
use crate::helpers::{
    Backend, TestApp, TestDb, bare_sipas, client, page, run, sipas, sipas_without_database, spawn_app_with,
    stderr,
};
use crate::security::{signed_in_cookie, status_of_a_partly_sent_body};
use crate::survey::{full_answers, hidden_fields, seed_desk};
use crate::users_cli::with_stdin;
use crate::{on_both_backends, on_both_backends_sync};

/// The address and port of the app, for raw sockets.
fn authority(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

/// A GET on a socket that can hold only a couple of kilobytes and is never read after the
/// status line: a client that stalls a download.
fn stalled_download(app: &TestApp, path: &str, cookie: &str) -> TcpStream {
    let address: std::net::SocketAddr = authority(app).parse().unwrap();
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    socket.connect(&address.into()).unwrap();
    let mut stream: TcpStream = socket.into();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut status = [0u8; 12];
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.read_exact(&mut status).unwrap();
    assert_eq!(&status, b"HTTP/1.1 200", "the download starts");
    stream
}

/// Stores `count` answers to sipas-2017 at the desk's unit, each with a long comment, so
/// that an export is far larger than what sockets and buffers hold.
fn seed_long_answers(app: &TestApp, count: usize) {
    let form = app.prepared.forms.current("sipas-2017").unwrap();
    let comment = "Thủ tục nhanh, cán bộ nhiệt tình. ".repeat(55);
    let fields: Vec<(String, String)> = full_answers(app, "sipas-2017")
        .into_iter()
        .map(|(question, value)| {
            let is_text = form
                .form
                .questions()
                .any(|q| q.id == question && matches!(q.kind, QuestionKind::Text { .. }));
            (question, if is_text { comment.clone() } else { value })
        })
        .collect();
    let (_, checked) = sipas::responses::validate(&form.form, &fields);
    let answers = checked.expect("valid answers");
    let submission = crate::helpers::paper_submission(form.version_id, "C");
    let items: Vec<_> = (0..count).map(|_| (submission.clone(), &answers)).collect();
    let mut conn = app.prepared.db.conn().unwrap();
    for chunk in items.chunks(1000) {
        sipas::responses::store::store_many(&mut conn, chunk).unwrap();
    }
}

fn this_year() -> i32 {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .year()
}

async fn stalled_downloads_leave_everyone_else_answered(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.database_pool_size = 2;
        s.database_timeout_seconds = 2;
        s.downloads_per_user = 3;
        s.download_send_timeout_seconds = 3;
    })
    .await;
    let desk = seed_desk(&app, "sipas-2017");
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    seed_long_answers(&app, 5_000);
    let (cookie, _) = signed_in_cookie(&app, "admin@sipas.vn").await;
    let path = format!("/units/P/export.csv?form=sipas-2017&period={}", this_year());

    // Three downloads whose clients stop reading: more than the pool's two connections.
    let stalled: Vec<TcpStream> = (0..3).map(|_| stalled_download(&app, &path, &cookie)).collect();
    // A fourth at once is refused with a reason, not queued.
    let fourth = reqwest::Client::new()
        .get(format!("{}{path}", app.address))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(fourth.headers().contains_key("retry-after"));
    assert!(fourth.text().await.unwrap().contains("đang tải 3 tệp cùng lúc"));

    // Meanwhile citizens and the health check are served as usual: a pool held by the
    // downloads would answer 503 after the two-second wait for a connection.
    let until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < until {
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200, "{}", health.text().await.unwrap());
        let (status, html) = app.open_survey(&desk).await;
        assert_eq!(status, 200, "{html}");
    }
    // The stalled downloads are broken off after their send timeout, which gives their
    // places back: a download can start again (checked until it does, or 60 s).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let again = stalled_download_status(&app, &path, &cookie).await;
        if again == StatusCode::OK {
            break;
        }
        assert_eq!(again, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            Instant::now() < deadline,
            "the stalled downloads were never broken off"
        );
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    }
    drop(stalled);
}

async fn stalled_download_status(app: &TestApp, path: &str, cookie: &str) -> StatusCode {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.address))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    response.status()
}

async fn a_body_announced_and_never_sent_times_out(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.request_body_timeout_seconds = 1).await;
    let desk = seed_desk(&app, "quick-2025");
    let address = app.address.clone();
    let head = format!("POST /s/{desk} HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n");
    let status = actix_web::rt::task::spawn_blocking(move || {
        status_of_a_partly_sent_body(&address, &head, 1_000, b"_token=")
    })
    .await
    .unwrap();
    assert_eq!(
        status.as_deref(),
        Some("HTTP/1.1 408 Request Timeout"),
        "the server waited for a body that never came"
    );
    assert!(app.stored_responses().is_empty());
}

async fn sign_in_follows_only_paths_of_this_site(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    seed_units(&app);
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    let outside = [
        "/\t/evil.example",
        "/\n/x",
        "/\r\nSet-Cookie: x=y",
        "//evil.example",
        "/\\evil.example",
        "/ /evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\u{a0}/evil.example",
    ];
    for next in outside.iter().chain(["/units/C1?period=2025"].iter()) {
        let browser = client();
        let (_, html) = page(&browser, &app, "/login").await;
        let csrf = csrf_of(&html);
        let response = app
            .post_form(
                &browser,
                "/login",
                &[
                    ("_csrf", csrf.as_str()),
                    ("email", "lanhdao@p1.vn"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "{next:?}");
        let to = response.headers()["location"].to_str().unwrap().to_string();
        let expected = if next.starts_with("/units/") {
            *next
        } else {
            "/units/P1"
        };
        assert_eq!(to, expected, "after sign-in with next={next:?}");
        // Signed in, the sign-in page sends a user on by the same rule.
        let query = serde_urlencoded::to_string([("next", next)]).unwrap();
        let response = browser
            .get(format!("{}/login?{query}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(response.headers()["location"], expected, "{next:?}");
    }
}

async fn signing_out_ends_the_session_everywhere(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    seed_units(&app);
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    let (copied, csrf) = signed_in_cookie(&app, "lanhdao@p1.vn").await;
    let with_copy = |path: &str| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{}{path}", app.address))
            .header("Cookie", &copied)
    };
    assert_eq!(with_copy("/units/P1").send().await.unwrap().status(), 200);
    // The owner signs out in their browser (which holds the same cookie).
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/logout", app.address))
        .header("Cookie", &copied)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    // The copy taken before opens nothing any more.
    for path in ["/units/P1", "/account"] {
        let response = with_copy(path).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login"),
            "{path}"
        );
    }
    let sessions: i64 = sipas::db::schema::sessions::table
        .count()
        .get_result(&mut app.prepared.db.conn().unwrap())
        .unwrap();
    assert_eq!(sessions, 0, "the session's row is gone");
}

/// A sign-in attempt from `address` (behind a trusted proxy); its status.
async fn attempt(app: &TestApp, address: &str, email: &str, password: &str) -> StatusCode {
    let browser = client();
    let (_, html) = page(&browser, app, "/login").await;
    let csrf = csrf_of(&html);
    browser
        .post(format!("{}/login", app.address))
        .header("X-Forwarded-For", address)
        .form(&[("_csrf", csrf.as_str()), ("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

async fn parallel_wrong_passwords_are_counted_exactly(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.login_limit_per_account = 5;
        s.login_limit_per_ip = 100;
        s.trust_proxy_headers = true;
    })
    .await;
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let guesses = (0..40).map(|_| attempt(&app, "10.9.9.9", "admin@sipas.vn", "sai-mat-khau"));
    let statuses = join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 35), "{statuses:?}");
}

async fn others_guessing_never_keep_the_owner_out_where_they_signed_in(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.login_limit_per_account = 2;
        s.login_limit_per_ip = 100;
        s.trust_proxy_headers = true;
    })
    .await;
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    // The owner signs in at the office.
    assert_eq!(attempt(&app, "10.0.0.1", "admin@sipas.vn", PASSWORD).await, 303);
    // Someone guesses from twenty addresses, two guesses each: past the account-wide
    // allowance (four times two), later guesses wait.
    let mut waited = 0;
    for i in 0..20 {
        for _ in 0..2 {
            let status = attempt(&app, &format!("10.1.0.{i}"), "admin@sipas.vn", "doan-bua").await;
            assert!(matches!(status.as_u16(), 401 | 429), "{status}");
            waited += usize::from(status == 429);
        }
    }
    assert!(waited > 0, "the account-wide delay never started");
    // At the office, the owner still gets in; from a new address, they wait too.
    assert_eq!(attempt(&app, "10.0.0.1", "admin@sipas.vn", PASSWORD).await, 303);
    assert_eq!(attempt(&app, "10.0.0.2", "admin@sipas.vn", PASSWORD).await, 429);
    // A few wrong tries by the owner themselves: a short wait, never a lock of minutes.
    for _ in 0..2 {
        assert_eq!(attempt(&app, "10.0.0.1", "admin@sipas.vn", "go-nham").await, 401);
    }
    let browser = client();
    let (_, html) = page(&browser, &app, "/login").await;
    let response = browser
        .post(format!("{}/login", app.address))
        .header("X-Forwarded-For", "10.0.0.1")
        .form(&[
            ("_csrf", csrf_of(&html).as_str()),
            ("email", "admin@sipas.vn"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15).contains(&retry), "the first wait is 15 s: {retry}");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains(&format!("thử lại sau {retry} giây"))
    );
}

async fn private_pages_are_never_cached(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.base_url = String::new()).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let (browser, _) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    for path in ["/account", "/admin/", "/units/P1", "/staff/"] {
        let response = browser
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store, private"),
            "{path}"
        );
    }
    let (_, token) = add_token(&app, Role::Official, Some("P1"));
    let response = client()
        .get(format!("{}/api/v1/units/P1/report", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store, private");
    // Over plain HTTP, no HSTS; the home page may be cached like any public page.
    let home = app.get("/").await;
    assert!(!home.headers().contains_key("strict-transport-security"));
    assert!(!home.headers().contains_key("cache-control"));
}

async fn https_deployments_send_strict_transport_security(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.base_url = "https://khaosat.example.gov.vn".into()).await;
    for path in ["/", "/login", "/healthz"] {
        let response = client()
            .get(format!("{}{path}", app.listening))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
}

async fn answers_only_from_this_sites_pages_are_stored(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let desk = seed_desk(&app, "quick-2025");
    let answers = full_answers(&app, "quick-2025");
    let (_, html) = app.open_survey(&desk).await;
    let genuine = hidden_fields(&html);

    // A token made up by another site: the page again with the answers kept, nothing stored.
    let mut forged = hidden_fields(&html);
    forged.token = "ABCDEFGHJKMNPQRSTVWXYZ0123".into();
    let response = app.post_survey(&desk, &forged, &answers).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Trang trả lời đã hết hạn"), "{html}");
    assert!(html.contains("checked"), "the answers are kept");
    // A genuine token of another code is no better.
    let other_desk = {
        let mut conn = app.prepared.db.conn().unwrap();
        sipas::desks::add(
            &mut conn,
            "C",
            "Quầy hai",
            sipas::desks::DeskForms::both("quick-2025"),
            &app.prepared.forms.ids(),
        )
        .unwrap()
        .code
    };
    let response = app.post_survey(&other_desk, &genuine, &answers).await;
    assert_eq!(response.status(), 422);

    // A genuine page posted by a page of another site, as its visitors' browsers would.
    let mut fields = vec![
        ("_token".to_string(), genuine.token.clone()),
        ("_version".to_string(), genuine.version.clone()),
    ];
    fields.extend(answers.iter().cloned());
    for (header, value) in [
        ("Origin", "https://evil.example"),
        ("Origin", "null"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
    ] {
        let response = client()
            .post(format!("{}/s/{desk}", app.address))
            .header(header, value)
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{header}: {value}");
        let html = response.text().await.unwrap();
        assert!(html.contains("không được gửi từ trang khảo sát"), "{html}");
    }
    assert!(app.stored_responses().is_empty());

    // The page itself, as a browser sends it: stored once, however often it is sent.
    for _ in 0..2 {
        let response = client()
            .post(format!("{}/s/{desk}", app.address))
            .header("Origin", &app.address)
            .header("Sec-Fetch-Site", "same-origin")
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
    }
    assert_eq!(app.stored_responses().len(), 1);
}

/// An answer to the desk's quick form from `address` (behind a trusted proxy).
async fn answer_from(app: &TestApp, desk: &str, address: &str) -> (StatusCode, Duration) {
    let (_, html) = app.open_survey(desk).await;
    let fields = hidden_fields(&html);
    let mut form = vec![
        ("_token".to_string(), fields.token),
        ("_version".to_string(), fields.version),
    ];
    form.extend(full_answers(app, "quick-2025"));
    let started = Instant::now();
    let response = client()
        .post(format!("{}/s/{desk}", app.address))
        .header("X-Forwarded-For", address)
        .form(&form)
        .send()
        .await
        .unwrap();
    (response.status(), started.elapsed())
}

async fn a_flood_at_a_desk_slows_new_senders_and_turns_nobody_away(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.submission_limit_per_desk = 5;
        s.submission_burst_delay_seconds = 1;
        s.trust_proxy_headers = true;
    })
    .await;
    let desk = seed_desk(&app, "quick-2025");
    // A flood from many addresses fills the desk's window…
    let flood = (0..8).map(|i| {
        let desk = desk.clone();
        let app = &app;
        async move { answer_from(app, &desk, &format!("10.2.0.{i}")).await.0 }
    });
    let statuses = join_all(flood).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    // …and a citizen arriving now is still heard, after a short wait.
    let (status, waited) = answer_from(&app, &desk, "203.0.113.50").await;
    assert_eq!(status, 303);
    assert!(
        waited >= Duration::from_secs(1),
        "a new sender in a burst waits: {waited:?}"
    );
    assert_eq!(app.stored_responses().len(), 9);
}

async fn unknown_codes_are_limited_per_address(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.unknown_code_limit_per_ip = 5;
        s.trust_proxy_headers = true;
    })
    .await;
    let desk = seed_desk(&app, "quick-2025");
    let open = |code: String, address: &'static str| {
        let url = format!("{}/s/{code}", app.address);
        async move {
            let response = client()
                .get(url)
                .header("X-Forwarded-For", address)
                .send()
                .await
                .unwrap();
            let retry = response.headers().get("retry-after").cloned();
            (response.status(), retry, response.text().await.unwrap())
        }
    };
    // Citizens opening a valid code are never counted.
    for _ in 0..20 {
        assert_eq!(open(desk.clone(), "10.3.0.1").await.0, 200);
    }
    for guess in ["ZZZZZZ", "YYYYYY", "XXXXXXXX", "WWWWWWWW", "VVVVVV"] {
        assert_eq!(open(guess.into(), "10.3.0.1").await.0, 404);
    }
    // Past the limit every lookup from that address is refused, a valid one too (or the
    // refusal would tell the codes apart), with the time to wait.
    for code in ["TTTTTT".to_string(), desk.clone()] {
        let (status, retry, html) = open(code, "10.3.0.1").await;
        assert_eq!(status, 429);
        assert!(retry.is_some());
        assert!(
            html.contains("quá nhiều lần nhập mã khảo sát không đúng"),
            "{html}"
        );
    }
    // Another address is not affected.
    assert_eq!(open(desk.clone(), "10.3.0.2").await.0, 200);
}

async fn nothing_leads_from_a_dossier_number_to_its_answers(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let desk = seed_desk(&app, "quick-2025");
    let (_, token) = add_token(&app, Role::Staff, Some("C"));
    let dossier = "H46.19753-251122-0001";
    let minted: serde_json::Value = client()
        .post(format!("{}/api/v1/tickets", app.address))
        .bearer_auth(&token)
        .json(&json!({"desk": desk, "procedure_code": "1.005129", "dossier_code": dossier}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = minted["code"].as_str().unwrap().to_string();
    let before = crate::tickets::ticket(&app, &code);
    let mut answers = full_answers(&app, "quick-2025");
    answers.retain(|(q, _)| q != "comment");
    answers.push(("comment".into(), "Chờ lâu ở quầy số 2".into()));
    assert_eq!(app.answer(&code, &answers).await.status(), 303);

    // The ticket learnt only that it was answered: no response, no time of answering.
    let after = crate::tickets::ticket(&app, &code);
    assert!(after.answered);
    assert_eq!(
        sipas::db::tickets::Ticket {
            answered: false,
            ..after
        },
        before
    );
    let mut conn = app.prepared.db.conn().unwrap();
    let references: Vec<String> = sipas::with_backend!(&mut *conn, |c| {
        #[derive(QueryableByName)]
        struct Referenced {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        let sql = match backend {
            Backend::Sqlite => "SELECT \"table\" AS name FROM pragma_foreign_key_list('tickets')",
            Backend::Postgres => {
                "SELECT ccu.table_name::text AS name FROM information_schema.table_constraints tc \
                 JOIN information_schema.constraint_column_usage ccu ON tc.constraint_name = ccu.constraint_name \
                 WHERE tc.table_name = 'tickets' AND tc.constraint_type = 'FOREIGN KEY'"
            }
        };
        diesel::sql_query(sql)
            .load::<Referenced>(c)
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect()
    });
    assert_eq!(references, ["desks"], "tickets refer to their desk only");
    // The response keeps the minute it was sent, and exports only its day.
    let stored = app.stored_responses();
    assert_eq!(stored.len(), 1);
    assert_eq!(chrono::Timelike::second(&stored[0].submitted_at), 0);
    assert_eq!(chrono::Timelike::nanosecond(&stored[0].submitted_at), 0);
    // Staff revoking it are told no more than that it cannot be revoked.
    let refused = sipas::codes::tickets::revoke(&mut conn, &code, None).unwrap();
    let message = refused.message(&code);
    assert!(message.vi.ends_with("không thu hồi được."), "{}", message.vi);
    assert!(!message.vi.contains("trả lời") && !message.en.contains("answer"));
}

fn an_e_mail_address_is_one_mailbox(backend: Backend) {
    let db = TestDb::new(backend);
    for email in [
        "a@b.vn,evil@x.vn",
        "a@b.vn evil@x.vn",
        "<a@b.vn>",
        "a@b.vn\nBcc: evil@x.vn",
    ] {
        let output = with_stdin(
            sipas(&db).args([
                "users",
                "add",
                "--email",
                email,
                "--name",
                "Quản trị",
                "--role",
                "admin",
            ]),
            "mật khẩu đủ dài\n",
        );
        assert!(!output.status.success(), "{email:?} was accepted");
        assert!(
            stderr(&output).contains("không phải địa chỉ e-mail"),
            "{}",
            stderr(&output)
        );
    }
    let mut conn = db.open().conn().unwrap();
    assert!(sipas::db::users::list(&mut conn).unwrap().is_empty());
}

on_both_backends_sync!(an_e_mail_address_is_one_mailbox);

#[test]
fn a_log_level_that_is_not_one_is_refused() {
    let db = TestDb::new(Backend::Sqlite);
    for level in ["verbose", "sipas=loud"] {
        let output = run(sipas(&db).arg("migrate").env("SIPAS_LOG_LEVEL", level));
        assert!(!output.status.success(), "{level} was accepted");
        let reason = stderr(&output);
        assert!(reason.contains("log_level") && reason.contains(level), "{reason}");
    }
    let output = run(sipas(&db)
        .arg("migrate")
        .env("SIPAS_LOG_LEVEL", "sipas=debug,warn"));
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_database_in_a_directory_that_does_not_exist_is_an_error() {
    let db = TestDb::new(Backend::Sqlite);
    let missing = db.dir.path().join("khong-co").join("sipas.sqlite3");
    let output = run(sipas_without_database(&db)
        .arg("--database")
        .arg(&missing)
        .arg("migrate"));
    assert!(!output.status.success());
    assert!(stderr(&output).contains("không tồn tại"), "{}", stderr(&output));
    assert!(!db.dir.path().join("khong-co").exists(), "no directory was made");
    // The data directory itself is sipas's own, made when missing.
    let data = db.dir.path().join("du-lieu");
    let output = run(bare_sipas().arg("--data-dir").arg(&data).arg("migrate"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(data.join("sipas.sqlite3").exists());
}

on_both_backends!(
    stalled_downloads_leave_everyone_else_answered,
    a_body_announced_and_never_sent_times_out,
    sign_in_follows_only_paths_of_this_site,
    signing_out_ends_the_session_everywhere,
    parallel_wrong_passwords_are_counted_exactly,
    others_guessing_never_keep_the_owner_out_where_they_signed_in,
    private_pages_are_never_cached,
    https_deployments_send_strict_transport_security,
    answers_only_from_this_sites_pages_are_stored,
    a_flood_at_a_desk_slows_new_senders_and_turns_nobody_away,
    unknown_codes_are_limited_per_address,
    nothing_leads_from_a_dossier_number_to_its_answers,
);
