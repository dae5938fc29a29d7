//! The security pass: markup typed into every free-text field is shown as text on every
//! page, printed sheet, poster and e-mail that shows it; exported cells that a
//! spreadsheet would run as formulas are neutralised; SQL metacharacters are kept as
//! typed (comment searches take `%` and `_` literally: `dashboard.rs`); file
//! names and paths from requests never reach the file system; oversized uploads are
//! refused before they are read. (CSRF on every form: `auth.rs`, the access matrix.)

use sipas::auth::Role;

use crate::auth::{PASSWORD, add_user, csrf_of, seed_units, sign_in};
use crate::helpers::{Backend, TestApp, page, spawn_app};
use crate::on_both_backends;
use crate::survey::full_answers;

/// Markup that would run if a page printed it as it is.
const MARKUP: &str = r#"<script>alert("x")</script><img src=x onerror=alert(1)>"#;

/// Whether `text` shows `MARKUP` as text: escaped at least once, never as markup.
fn shows_as_text(text: &str) -> Result<(), String> {
    if text.contains("<script>alert") || text.contains("<img src=x") {
        return Err("markup printed as markup".into());
    }
    let escaped = ["&#60;script&#62;", "&lt;script&gt;", "&#x3c;script&#x3e;"];
    if !escaped.iter().any(|e| text.contains(e)) {
        return Err("the text typed is not shown".into());
    }
    Ok(())
}

/// Posts a form of the admin's pages; the status and the page answered.
async fn post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (_, html) = page(browser, app, path).await;
    let csrf = csrf_of(&html);
    let mut form = vec![("_csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let response = app.post_form(browser, path, &form).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn markup_in_every_free_text_field_is_shown_as_text_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let (admin, _) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    // With SQL's metacharacters too, which must be kept as text like the rest.
    let named = format!("Xã O'Brien\"; DROP TABLE units; -- {MARKUP}");

    // Typed by an administrator: a unit's name and kind, a desk, an API token, a user.
    let unit = [
        ("code", "X1"),
        ("name", named.as_str()),
        ("kind", MARKUP),
        ("parent", "P1"),
    ];
    let (status, html) = post(&app, &admin, "/admin/units", &unit).await;
    assert_eq!(status, 303, "{html}");
    let desk = [
        ("unit", "X1"),
        ("name", named.as_str()),
        ("form", "sipas-2017"),
        ("ticket_form", "sipas-2017"),
    ];
    assert_eq!(post(&app, &admin, "/admin/desks", &desk).await.0, 303);
    let token = [("name", named.as_str()), ("role", "official"), ("unit", "X1")];
    // The new token is shown once, on the page answered.
    assert_eq!(post(&app, &admin, "/admin/tokens", &token).await.0, 200);
    let user = [
        ("email", "lanhdao@x1.vn"),
        ("name", named.as_str()),
        ("role", "official"),
        ("unit", "X1"),
        ("password", PASSWORD),
    ];
    let (status, html) = post(&app, &admin, "/admin/users", &user).await;
    assert_eq!(status, 200, "the list of users, with the new one");
    assert!(html.contains("lanhdao@x1.vn"));
    let stored = sipas::db::units::find(&mut app.prepared.db.conn().unwrap(), "X1").unwrap();
    assert_eq!(stored.unwrap().name, named, "stored as typed");
    add_user(&app, "motcua@x1.vn", Role::Staff, Some("X1"));
    let desk = sipas::db::desks::find_by_name(&mut app.prepared.db.conn().unwrap(), "X1", &named)
        .unwrap()
        .expect("the desk added");

    // Typed by desk staff: a procedure code and field on tickets printed as a web page.
    let (staff, csrf) = sign_in(&app, "motcua@x1.vn", PASSWORD).await;
    let printed = app
        .post_form(
            &staff,
            &format!("/staff/desks/{}/tickets", desk.id),
            &[
                ("_csrf", csrf.as_str()),
                ("count", "1"),
                ("procedure", "1.005129"),
                ("field", &format!("Hộ tịch {MARKUP}")),
                ("format", "html"),
            ],
        )
        .await;
    assert_eq!(printed.status(), 200);
    let ticket_sheet = printed.text().await.unwrap();

    // Typed by a citizen: every text answer.
    let mut answers = full_answers(&app, "sipas-2017");
    let form = app.prepared.forms.current("sipas-2017").unwrap();
    for (question, value) in &mut answers {
        if matches!(
            form.form.question(question).map(|q| &q.kind),
            Some(sipas::forms::QuestionKind::Text { .. })
        ) {
            *value = format!("Chờ lâu'); DELETE FROM responses; -- {MARKUP}");
        }
    }
    assert_eq!(app.answer(&desk.code, &answers).await.status(), 303);
    let ticket = sipas::db::tickets::of_desk(&mut app.prepared.db.conn().unwrap(), desk.id).unwrap()[0]
        .code
        .clone();
    assert_eq!(app.answer(&ticket, &answers).await.status(), 303);

    let stored = app.stored_responses();
    assert_eq!(stored.len(), 2);
    let texts = sipas::db::responses::texts_of(&mut app.prepared.db.conn().unwrap(), stored[0].id).unwrap();
    assert!(
        texts
            .iter()
            .all(|(_, text)| text.starts_with("Chờ lâu'); DELETE FROM responses; --"))
    );
    let (official, _) = sign_in(&app, "lanhdao@x1.vn", PASSWORD).await;
    let mut wrong = Vec::new();
    let mut check = |what: &str, text: &str| {
        if let Err(problem) = shows_as_text(text) {
            wrong.push(format!("{what}: {problem}"));
        }
    };
    check("printed tickets", &ticket_sheet);
    for path in [
        "/admin/units?parent=P1".to_string(),
        "/admin/units/X1".into(),
        "/admin/desks".into(),
        format!("/admin/desks/{}", desk.id),
        "/admin/tokens".into(),
        "/admin/users".into(),
        "/units/P1".into(),
        "/units/X1".into(),
        "/units/X1/alerts".into(),
    ] {
        let (status, html) = page(&admin, &app, &path).await;
        check(&format!("{path} ({status})"), &html);
    }
    for path in ["/units/X1", "/account"] {
        let (status, html) = page(&official, &app, path).await;
        check(&format!("{path} as the official ({status})"), &html);
    }
    for path in ["/staff/".to_string(), format!("/staff/desks/{}", desk.id)] {
        let (status, html) = page(&staff, &app, &path).await;
        check(&format!("{path} as staff ({status})"), &html);
    }
    let (_, html) = page(&crate::helpers::client(), &app, &format!("/s/{}", desk.code)).await;
    check("the questionnaire", &html);
    // The unit's public page, once opened to anyone.
    sipas::db::units::set_public(&mut app.prepared.db.conn().unwrap(), "X1", true).unwrap();
    let (status, html) = page(&crate::helpers::client(), &app, "/public/units/X1").await;
    check(&format!("the public page ({status})"), &html);
    let (_, svg) = page(&staff, &app, &format!("/staff/desks/{}/poster.svg", desk.id)).await;
    check("the poster (SVG)", &svg);

    // The monthly digest of the official of X1, for the month that holds the answers.
    let mut conn = app.prepared.db.conn().unwrap();
    let official_id = sipas::db::users::find_by_email(&mut conn, "lanhdao@x1.vn")
        .unwrap()
        .unwrap()
        .id;
    sipas::db::users::set_digest(&mut conn, official_id, "monthly").unwrap();
    let next_month = chrono::Utc::now().date_naive() + chrono::Months::new(1);
    let digests =
        sipas::mail::digest::due(&mut conn, &app.prepared.forms, &app.db.settings(), next_month).unwrap();
    assert_eq!(digests.len(), 1);
    check("the digest's HTML", &digests[0].html);
    assert!(
        digests[0].text.contains(&named),
        "the plain text keeps what was typed"
    );

    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

on_both_backends!(markup_in_every_free_text_field_is_shown_as_text_everywhere);

/// The cookies of a signed-in browser, as a `Cookie` header, and its CSRF token.
pub async fn signed_in_cookie(app: &TestApp, email: &str) -> (String, String) {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (_, html) = page(&browser, app, "/login").await;
    let csrf = csrf_of(&html);
    let response = app
        .post_form(
            &browser,
            "/login",
            &[("_csrf", csrf.as_str()), ("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 303);
    // The form token is the sign-in page's: it belongs to the browser, not the session.
    let url = app.address.parse().unwrap();
    let cookie = reqwest::cookie::CookieStore::cookies(&*jar, &url).expect("cookies");
    (cookie.to_str().unwrap().to_string(), csrf)
}

/// Sends a request that announces a body of `announced` bytes but sends only `sent` of
/// it, then waits up to 10 s for an answer: its status line, or `None` when the server
/// waited for the rest.
pub fn status_of_a_partly_sent_body(
    address: &str,
    head: &str,
    announced: usize,
    sent: &[u8],
) -> Option<String> {
    use std::io::{BufRead, BufReader, Write};
    let authority = address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let request = format!("{head}Host: {authority}\r\nContent-Length: {announced}\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let _ = stream.write_all(sent);
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status).ok()?;
    (!status.is_empty()).then(|| status.trim_end().to_string())
}

async fn oversized_bodies_are_refused_before_they_are_read(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let (cookie, csrf) = signed_in_cookie(&app, "admin@sipas.vn").await;
    let boundary = "sipas-boundary";
    let mut first_megabyte = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"units.csv\"\r\n\r\ncode,name,kind,parent_code\r\n"
    )
    .into_bytes();
    first_megabyte.resize(1 << 20, b'x');
    // A units file announced at 200 MB: refused at once, with the reason, never read.
    let head = format!(
        "POST /admin/units/import HTTP/1.1\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
    );
    let address = app.address.clone();
    let status = actix_web::rt::task::spawn_blocking(move || {
        status_of_a_partly_sent_body(&address, &head, 200_000_000, &first_megabyte)
    })
    .await
    .unwrap();
    assert_eq!(status.as_deref(), Some("HTTP/1.1 413 Payload Too Large"));
    // So are a questionnaire's answers and an API request announced far over their limits.
    let code = crate::survey::seed_desk(&app, "sipas-2017");
    for head in [
        format!("POST /s/{code} HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"),
        "POST /api/v1/tickets HTTP/1.1\r\nContent-Type: application/json\r\nAuthorization: Bearer x\r\n"
            .into(),
    ] {
        let address = app.address.clone();
        let status = actix_web::rt::task::spawn_blocking(move || {
            status_of_a_partly_sent_body(&address, &head, 50_000_000, b"a=b")
        })
        .await
        .unwrap();
        assert!(
            status.as_deref().is_some_and(|s| s.starts_with("HTTP/1.1 4")),
            "{status:?}"
        );
    }
    // A file within the limit is still read.
    let browser = reqwest::Client::new();
    let form = reqwest::multipart::Form::new().text("_csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(
            b"code,name,kind,parent_code\nC7,X\xc3\xa3 B\xe1\xba\xa3y,x\xc3\xa3,P1\n".to_vec(),
        )
        .file_name("../../../../etc/cron.d/sipas.csv"),
    );
    let response = browser
        .post(format!("{}/admin/units/import", app.address))
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let unit = sipas::db::units::find(&mut app.prepared.db.conn().unwrap(), "C7").unwrap();
    assert_eq!(unit.unwrap().name, "Xã Bảy");
    // The file's name was only a name: nothing was written where it points.
    assert!(!std::path::Path::new("/etc/cron.d/sipas.csv").exists());
}

async fn paths_from_requests_never_reach_the_file_system(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let (admin, _) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    for path in [
        "/units/..%2F..%2F..%2Fetc%2Fpasswd",
        "/units/%2e%2e/export.csv",
        "/units/P1/export...%2F..%2Fetc%2Fpasswd",
        "/public/units/..%2Fadmin",
        "/s/..%2F..%2F..%2Fetc%2Fpasswd",
        "/s/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/staff/desks/..%2F1/poster.pdf",
        "/../../../etc/passwd",
        "/static/../../Cargo.toml",
        "/api/v1/units/..%2F..%2Fetc%2Fpasswd/report",
    ] {
        let (status, body) = page(&admin, &app, path).await;
        assert!(status.is_client_error(), "{path}: {status}");
        assert!(
            !body.contains("root:x:0:0") && !body.contains("[package]"),
            "{path}"
        );
    }
    // A unit code with a path in it is refused when the unit is added, so no download is
    // ever named after one.
    let (status, _) = post(
        &app,
        &admin,
        "/admin/units",
        &[("code", "../x"), ("name", "Xã"), ("kind", "xã"), ("parent", "P1")],
    )
    .await;
    assert_eq!(status, 422);
    let response = admin
        .get(format!("{}/units/P1/export.csv?period=2025", app.address))
        .send()
        .await
        .unwrap();
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"") && !disposition.contains('/'),
        "{disposition}"
    );
}

on_both_backends!(
    oversized_bodies_are_refused_before_they_are_read,
    paths_from_requests_never_reach_the_file_system,
);

/// What a spreadsheet would run as a formula if a cell began with it.
const FORMULAS: [&str; 4] = [
    r#"=HYPERLINK("http://x.invalid","y")"#,
    "+1+1",
    "-2+3",
    "@SUM(A1)",
];

async fn cells_a_spreadsheet_would_run_are_neutralised_in_exports(backend: Backend) {
    use calamine::Reader;
    let app = spawn_app(backend).await;
    let code = crate::survey::seed_desk(&app, "sipas-2017");
    add_user(&app, "lanhdao@p.vn", Role::Official, Some("P"));
    let form = app.prepared.forms.current("sipas-2017").unwrap();
    for formula in FORMULAS {
        let mut answers = full_answers(&app, "sipas-2017");
        for (question, value) in &mut answers {
            if matches!(
                form.form.question(question).map(|q| &q.kind),
                Some(sipas::forms::QuestionKind::Text { .. })
            ) {
                *value = formula.to_string();
            }
        }
        assert_eq!(app.answer(&code, &answers).await.status(), 303);
    }
    let (official, _) = sign_in(&app, "lanhdao@p.vn", PASSWORD).await;
    let year = chrono::Datelike::year(&chrono::Utc::now().with_timezone(&chrono_tz::Asia::Ho_Chi_Minh));
    let download = |format: &str| {
        let url = format!(
            "{}/units/P/export.{format}?form=sipas-2017&period={year}",
            app.address
        );
        let official = official.clone();
        async move { official.get(url).send().await.unwrap().bytes().await.unwrap() }
    };
    // Each cell that holds what a citizen typed: kept, behind an apostrophe.
    let expected: Vec<String> = FORMULAS.iter().map(|f| format!("'{f}")).collect();
    let csv = download("csv").await;
    let mut cells: Vec<String> = csv::Reader::from_reader(&csv[..])
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .filter(|c| FORMULAS.iter().any(|f| c.contains(f)))
        .collect();
    cells.sort();
    cells.dedup();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(cells, want, "CSV");
    // In a workbook they are text cells, which a spreadsheet shows and never runs: kept
    // exactly as typed, and no cell of the sheet is a formula.
    let xlsx = download("xlsx").await;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let mut cells: Vec<String> = sheet
        .rows()
        .flatten()
        .filter_map(|c| match c {
            calamine::Data::String(text) if FORMULAS.iter().any(|f| text.contains(f)) => Some(text.clone()),
            _ => None,
        })
        .collect();
    cells.sort();
    cells.dedup();
    let mut typed = FORMULAS.map(str::to_string).to_vec();
    typed.sort();
    assert_eq!(cells, typed, "XLSX");
    let formulas = workbook
        .worksheet_formula(&workbook.sheet_names()[0].clone())
        .unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a formula in the sheet"
    );
}

on_both_backends!(cells_a_spreadsheet_would_run_are_neutralised_in_exports);
