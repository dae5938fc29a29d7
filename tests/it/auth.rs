//! Accounts and access: who may see what, sign-in, sessions, CSRF, tokens.

use reqwest::StatusCode;
use sha2::Digest;
use sipas::auth::accounts::{self, NewAccount};
use sipas::auth::{Role, tokens};
use sipas::i18n::Lang;

use crate::helpers::{Backend, TestApp, client, spawn_app, spawn_app_with};
use crate::on_both_backends;

pub const PASSWORD: &str = "mật-khẩu-thử-nghiệm";

/// Two provinces: P1 with communes C1 and C2, P2 with D1.
pub fn seed_units(app: &TestApp) {
    let csv = "code,name,kind,parent_code\nP1,Tỉnh Một,tỉnh,\nC1,Xã Một,xã,P1\nC2,Xã Hai,xã,P1\nP2,Tỉnh Hai,tỉnh,\nD1,Xã Ba,xã,P2\n";
    sipas::units::import::import_csv(&mut app.prepared.db.conn().unwrap(), csv.as_bytes()).unwrap();
}

pub fn add_user(app: &TestApp, email: &str, role: Role, unit: Option<&str>) -> i64 {
    let mut conn = app.prepared.db.conn().unwrap();
    let account = NewAccount {
        email,
        name: email,
        role,
        unit,
        password: PASSWORD,
        language: Lang::Vi,
    };
    accounts::add_user(&mut conn, &account).unwrap()
}

pub fn add_token(app: &TestApp, role: Role, unit: Option<&str>) -> (i64, String) {
    tokens::create(
        &mut app.prepared.db.conn().unwrap(),
        "phần mềm một cửa",
        role,
        unit,
    )
    .unwrap()
}

/// The CSRF token in the first form of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = r#"name="_csrf" value=""#;
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// A fresh browser, signed in; returns it and its CSRF token.
pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> (reqwest::Client, String) {
    let browser = client();
    let html = browser
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let response = app
        .post_form(
            &browser,
            "/login",
            &[
                ("_csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        303,
        "{email} signs in: {}",
        response.text().await.unwrap()
    );
    (browser, csrf)
}

/// How a test reaches the app: as a browser (maybe signed in) or with a bearer token.
enum Caller {
    Browser(reqwest::Client),
    Token(String),
}

impl Caller {
    async fn get(&self, app: &TestApp, path: &str) -> StatusCode {
        let request = match self {
            Caller::Browser(browser) => browser.get(format!("{}{path}", app.address)),
            Caller::Token(token) => client().get(format!("{}{path}", app.address)).bearer_auth(token),
        };
        request.send().await.unwrap().status()
    }

    async fn post(&self, app: &TestApp, path: &str) -> StatusCode {
        let request = match self {
            Caller::Browser(browser) => browser.post(format!("{}{path}", app.address)),
            Caller::Token(token) => client().post(format!("{}{path}", app.address)).bearer_auth(token),
        };
        request
            .form(&[("name", "x"), ("disabled", "1")])
            .send()
            .await
            .unwrap()
            .status()
    }
}

async fn every_protected_route_answers_each_kind_of_caller_as_it_should(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "staff@c1.vn", Role::Staff, Some("C1"));
    add_user(&app, "lanhdao@c1.vn", Role::Official, Some("C1"));
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    add_user(&app, "lanhdao@p2.vn", Role::Official, Some("P2"));
    let (revoked_id, revoked) = add_token(&app, Role::Official, Some("P1"));
    sipas::db::tokens::revoke(&mut app.prepared.db.conn().unwrap(), revoked_id).unwrap();
    let desk = sipas::desks::add(
        &mut app.prepared.db.conn().unwrap(),
        "C1",
        "Quầy",
        sipas::desks::DeskForms::both("sipas-2017"),
        &app.prepared.forms.ids(),
    )
    .unwrap();
    assert_eq!(desk.id, 1, "the routes below name desk 1");

    let callers = [
        ("anonymous", Caller::Browser(client())),
        (
            "staff C1",
            Caller::Browser(sign_in(&app, "staff@c1.vn", PASSWORD).await.0),
        ),
        (
            "official C1",
            Caller::Browser(sign_in(&app, "lanhdao@c1.vn", PASSWORD).await.0),
        ),
        (
            "official P1",
            Caller::Browser(sign_in(&app, "lanhdao@p1.vn", PASSWORD).await.0),
        ),
        (
            "admin",
            Caller::Browser(sign_in(&app, "admin@sipas.vn", PASSWORD).await.0),
        ),
        (
            "official P2",
            Caller::Browser(sign_in(&app, "lanhdao@p2.vn", PASSWORD).await.0),
        ),
        ("revoked token", Caller::Token(revoked)),
    ];
    // Expected status per caller, in the order above.
    let admin_only = [303, 403, 403, 403, 200, 403, 401];
    let desk_staff = [303, 200, 403, 403, 200, 403, 401];
    let matrix: [(&str, [u16; 7]); 27] = [
        ("/admin/", admin_only),
        ("/admin/units", admin_only),
        ("/admin/desks", admin_only),
        ("/admin/users", admin_only),
        ("/admin/tokens", admin_only),
        ("/admin/mail", admin_only),
        ("/units/C1", [303, 403, 200, 200, 200, 403, 401]),
        ("/units/C1/alerts", [303, 403, 200, 200, 200, 403, 401]),
        ("/units/P1/alerts", [303, 403, 403, 200, 200, 403, 401]),
        ("/units/P1", [303, 403, 403, 200, 200, 403, 401]),
        ("/units/C1/export.csv", [303, 403, 200, 200, 200, 403, 401]),
        ("/units/P1/export.xlsx", [303, 403, 403, 200, 200, 403, 401]),
        ("/units/P1/export.parquet", [303, 403, 403, 200, 200, 403, 401]),
        ("/units/C1/report.pdf", [303, 403, 200, 200, 200, 403, 401]),
        ("/units/P1/report.xlsx", [303, 403, 403, 200, 200, 403, 401]),
        ("/units/C1/comments", [303, 403, 200, 200, 200, 403, 401]),
        (
            "/units/P1/comments/negative.csv",
            [303, 403, 403, 200, 200, 403, 401],
        ),
        ("/units/C1/breakdowns", [303, 403, 200, 200, 200, 403, 401]),
        ("/units/P1/breakdowns", [303, 403, 403, 200, 200, 403, 401]),
        ("/api/v1/units/P1/report", [401, 403, 403, 200, 200, 403, 401]),
        ("/staff/", desk_staff),
        ("/staff/desks/1", desk_staff),
        ("/staff/desks/1/poster.pdf", desk_staff),
        ("/account", [303, 200, 200, 200, 200, 200, 401]),
        ("/api/v1/me", [401, 200, 200, 200, 200, 200, 401]),
        ("/api/v1/units/C1", [401, 403, 200, 200, 200, 403, 401]),
        ("/api/v1/units/P1", [401, 403, 403, 200, 200, 403, 401]),
    ];
    let mut wrong = Vec::new();
    for (path, expected) in matrix {
        for ((who, caller), want) in callers.iter().zip(expected) {
            let got = caller.get(&app, path).await.as_u16();
            if got != want {
                wrong.push(format!("{path} as {who}: {got}, expected {want}"));
            }
        }
    }
    // Every route that changes something, posted without a CSRF token: the access check
    // answers first (sign in, 401, 403), then the missing token (403) for those allowed.
    let admin_post = [303, 403, 403, 403, 403, 403, 401];
    let posts: [(&str, [u16; 7]); 22] = [
        ("/admin/units", admin_post),
        // The router checks the token before the route reads its (multipart) body.
        ("/admin/units/import", admin_post),
        ("/admin/units/C1", admin_post),
        ("/admin/desks", admin_post),
        ("/admin/desks/1", admin_post),
        ("/admin/users", admin_post),
        ("/admin/users/1/grants", admin_post),
        ("/admin/users/1/grants/1/remove", admin_post),
        ("/admin/users/1/disabled", admin_post),
        ("/admin/users/1/password", admin_post),
        ("/admin/tokens", admin_post),
        ("/admin/tokens/1/revoke", admin_post),
        ("/account/password", [303, 403, 403, 403, 403, 403, 401]),
        ("/account/digest", [303, 403, 403, 403, 403, 403, 401]),
        ("/units/C1/alerts", [303, 403, 403, 403, 403, 403, 401]),
        ("/units/C1/alerts/1/delete", [303, 403, 403, 403, 403, 403, 401]),
        ("/units/C1/comments/status", [303, 403, 403, 403, 403, 403, 401]),
        ("/logout", [403, 403, 403, 403, 403, 403, 403]),
        ("/staff/desks/1/tickets", [303, 403, 403, 403, 403, 403, 401]),
        ("/staff/desks/1/revoke", [303, 403, 403, 403, 403, 403, 401]),
        // The API takes only JSON (which no other site's form can send): 415 for a form,
        // once signed in; which desk may be served is checked on the JSON (tests/tickets).
        ("/api/v1/tickets", [401, 415, 415, 415, 415, 415, 401]),
        ("/api/v1/dossiers", [401, 415, 415, 415, 415, 415, 401]),
    ];
    for (path, expected) in posts {
        for ((who, caller), want) in callers.iter().zip(expected) {
            let got = caller.post(&app, path).await.as_u16();
            if got != want {
                wrong.push(format!("POST {path} as {who}: {got}, expected {want}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        sipas::db::users::find(&mut app.prepared.db.conn().unwrap(), 1)
            .unwrap()
            .is_some_and(|u| !u.disabled)
    );

    // An active token of a provincial official reads its subtree through the API.
    let (_, token) = add_token(&app, Role::Official, Some("P1"));
    let caller = Caller::Token(token);
    assert_eq!(caller.get(&app, "/api/v1/units/C2").await, 200);
    assert_eq!(caller.get(&app, "/api/v1/units/D1").await, 403);
    assert_eq!(caller.get(&app, "/admin/").await, 403);
}

async fn signing_in_sends_people_to_their_work_and_back_where_they_were(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    let browser = client();
    let response = browser
        .get(format!("{}/units/C1?period=2025", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let login = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(login, "/login?next=%2Funits%2FC1%3Fperiod%3D2025");
    let html = browser
        .get(format!("{}{login}", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"name="next" value="/units/C1?period=2025""#));
    assert!(html.contains("Đăng nhập dành cho cán bộ"));
    let csrf = csrf_of(&html);
    let response = app
        .post_form(
            &browser,
            "/login",
            &[
                ("_csrf", csrf.as_str()),
                ("email", " LanhDao@P1.vn "),
                ("password", PASSWORD),
                ("next", "/units/C1?period=2025"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/units/C1?period=2025");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("sipas_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        cookie.contains("Max-Age=43200"),
        "expires with the session: {cookie}"
    );
    // Without a page asked for, an official lands on their unit; a foreign `next` is ignored.
    let (other, csrf) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let response = app
        .post_form(
            &other,
            "/login",
            &[
                ("_csrf", csrf.as_str()),
                ("email", "lanhdao@p1.vn"),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(response.headers()["location"], "/units/P1");
    let page = other
        .get(format!("{}/units/P1", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Tỉnh Một") && page.contains("Xã Hai"),
        "the unit and its sub-units"
    );
}

async fn wrong_password_and_unknown_email_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let browser = client();
    let html = browser
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let mut answers = Vec::new();
    for (email, password) in [
        ("admin@sipas.vn", "sai-mat-khau-roi"),
        ("khongco@sipas.vn", PASSWORD),
    ] {
        let response = app
            .post_form(
                &browser,
                "/login",
                &[("_csrf", csrf.as_str()), ("email", email), ("password", password)],
            )
            .await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(body.contains("E-mail hoặc mật khẩu không đúng."));
        answers.push((status, body.replace(email, "EMAIL")));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, 401);
}

async fn failed_sign_ins_are_limited_per_account_and_per_address(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.login_limit_per_account = 3;
        s.login_limit_per_ip = 5;
    })
    .await;
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    add_user(&app, "other@sipas.vn", Role::Admin, None);
    let browser = client();
    let csrf = csrf_of(
        &browser
            .get(format!("{}/login", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let attempt = |email: &'static str, password: &'static str| {
        let request = browser.post(format!("{}/login", app.address)).form(&[
            ("_csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ]);
        async move { request.send().await.unwrap() }
    };
    for _ in 0..3 {
        assert_eq!(attempt("admin@sipas.vn", "sai-mat-khau-roi").await.status(), 401);
    }
    // The next attempt from here must now wait (15 s at first), even with the right password.
    let response = attempt("admin@sipas.vn", PASSWORD).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 1"),
        "{body}"
    );
    assert!(body.contains(" giây."), "{body}");
    // Another account from the same address still signs in, until the address has failed
    // five times (refused attempts do not count).
    assert_eq!(attempt("other@sipas.vn", PASSWORD).await.status(), 303);
    assert_eq!(attempt("other@sipas.vn", "sai-mat-khau-roi").await.status(), 401);
    assert_eq!(attempt("other@sipas.vn", "sai-mat-khau-roi").await.status(), 401);
    assert_eq!(
        attempt("other@sipas.vn", PASSWORD).await.status(),
        429,
        "5 failures from this address"
    );
}

async fn forms_without_a_valid_csrf_token_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let (admin, csrf) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    let add_unit = |token: &str| {
        admin
            .post(format!("{}/admin/units", app.address))
            .form(&[
                ("_csrf", token),
                ("code", "C9"),
                ("name", "Xã Chín"),
                ("kind", "xã"),
                ("parent", "P1"),
            ])
            .send()
    };
    for token in ["", "0123", &"a".repeat(64)] {
        let response = add_unit(token).await.unwrap();
        assert_eq!(response.status(), 403, "token «{token}»");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Biểu mẫu đã hết hạn hoặc không hợp lệ")
        );
    }
    assert!(
        sipas::db::units::find(&mut app.prepared.db.conn().unwrap(), "C9")
            .unwrap()
            .is_none()
    );
    // Another browser's valid token does not work with this browser's cookie.
    let (_, foreign) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    assert_eq!(add_unit(&foreign).await.unwrap().status(), 403);
    // The page's own token does.
    assert_eq!(add_unit(&csrf).await.unwrap().status(), 303);
    assert!(
        sipas::db::units::find(&mut app.prepared.db.conn().unwrap(), "C9")
            .unwrap()
            .is_some()
    );
    // Signing in and out are forms too.
    let response = client()
        .post(format!("{}/login", app.address))
        .form(&[("email", "admin@sipas.vn"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        admin
            .post(format!("{}/logout", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let response = app
        .post_form(&admin, "/logout", &[("_csrf", csrf.as_str())])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        admin
            .get(format!("{}/admin/", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        303,
        "signed out"
    );
}

async fn an_expired_or_forged_session_is_not_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let cookie_for = |started: i64, secrets: &sipas::auth::secrets::Secrets| {
        let started = chrono::DateTime::from_timestamp(started, 0).unwrap().naive_utc();
        let mut conn = app.prepared.db.conn().unwrap();
        let lifetime = app.db.settings().session_seconds();
        let cookie = sipas::auth::session::start(&mut conn, secrets, id, started, lifetime, false).unwrap();
        format!("{}={}", cookie.name(), cookie.value())
    };
    let now = chrono::Utc::now().timestamp();
    let lifetime = app.db.settings().session_seconds();
    let ask = |cookie: String| {
        client()
            .get(format!("{}/admin/", app.address))
            .header("cookie", cookie)
            .send()
    };
    assert_eq!(
        ask(cookie_for(now - 60, &app.prepared.secrets))
            .await
            .unwrap()
            .status(),
        200,
        "a fresh session works"
    );
    assert_eq!(
        ask(cookie_for(now - lifetime - 1, &app.prepared.secrets))
            .await
            .unwrap()
            .status(),
        303,
        "expired"
    );
    let forged = sipas::auth::secrets::Secrets::for_tests(9);
    assert_eq!(
        ask(cookie_for(now - 60, &forged)).await.unwrap().status(),
        303,
        "signed with another key"
    );
    assert_eq!(
        ask(format!("sipas_session={}", "A".repeat(32)))
            .await
            .unwrap()
            .status(),
        303,
        "unsigned"
    );
}

async fn a_disabled_user_is_signed_out_at_once_and_cannot_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let official = add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    assert_eq!(
        browser
            .get(format!("{}/units/P1", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // The admin disables the official through the admin page.
    let (admin, csrf) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    let response = app
        .post_form(
            &admin,
            &format!("/admin/users/{official}/disabled"),
            &[("_csrf", csrf.as_str()), ("disabled", "1")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        browser
            .get(format!("{}/units/P1", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        303,
        "session ended"
    );
    let html = client()
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = client()
        .post(format!("{}/login", app.address))
        .form(&[
            ("_csrf", csrf_of(&html).as_str()),
            ("email", "lanhdao@p1.vn"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        403,
        "no CSRF cookie in this fresh client: refused before the password is looked at"
    );
    let browser = client();
    let html = browser
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = app
        .post_form(
            &browser,
            "/login",
            &[
                ("_csrf", csrf_of(&html).as_str()),
                ("email", "lanhdao@p1.vn"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), 401);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("E-mail hoặc mật khẩu không đúng."),
        "same answer as a wrong password"
    );
}

async fn changing_the_password_ends_other_sessions_and_keeps_this_one(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    let (phone, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (laptop, csrf) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let change = |current: &str, new: &str, confirm: &str| {
        laptop
            .post(format!("{}/account/password", app.address))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("current", current),
                ("new", new),
                ("confirm", confirm),
            ])
            .send()
    };
    let response = change("sai-mat-khau-roi", "mật khẩu mới dài", "mật khẩu mới dài")
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("mật khẩu hiện tại không đúng")
    );
    assert_eq!(change(PASSWORD, "ngắn", "ngắn").await.unwrap().status(), 422);
    assert_eq!(
        change(PASSWORD, "mật khẩu mới dài", "khác hẳn rồi")
            .await
            .unwrap()
            .status(),
        422
    );
    let response = change(PASSWORD, "mật khẩu mới dài", "mật khẩu mới dài")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Đã đổi mật khẩu."));
    assert_eq!(
        laptop
            .get(format!("{}/units/P1", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "this session goes on"
    );
    assert_eq!(
        phone
            .get(format!("{}/units/P1", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        303,
        "the other one ended"
    );
    sign_in(&app, "lanhdao@p1.vn", "mật khẩu mới dài").await;
}

async fn tokens_are_shown_once_stored_hashed_and_revocable(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_units(&app);
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let (admin, csrf) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    let response = app
        .post_form(
            &admin,
            "/admin/tokens",
            &[
                ("_csrf", csrf.as_str()),
                ("name", "Phần mềm một cửa"),
                ("role", "staff"),
                ("unit", "C1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let start = html.find(r#"<p class="secret">"#).unwrap() + r#"<p class="secret">"#.len();
    let token = html[start..].split('<').next().unwrap().to_string();
    assert!(token.starts_with("sipas_"), "{token}");
    let listing = admin
        .get(format!("{}/admin/tokens", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listing.contains(&token), "never shown again");
    assert!(listing.contains("Phần mềm một cửa"));
    // Only a hash is stored: SHA-256 of the token, in hex (a token carries 160 random
    // bits, so no slow hash is needed), computed here on its own; neither the token nor
    // its random part is in the database.
    let stored: Vec<String> = sipas::with_backend!(&mut *app.prepared.db.conn().unwrap(), |c| {
        use diesel::prelude::*;
        sipas::db::schema::api_tokens::table
            .select(sipas::db::schema::api_tokens::token_hash)
            .load(c)
            .unwrap()
    });
    let digest: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(stored, [digest]);
    let random = token.trim_start_matches("sipas_");
    assert!(random.len() >= 26, "{token}");
    assert!(!stored[0].contains(random), "the token is stored: {}", stored[0]);

    let me = client()
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["kind"], "token");
    assert_eq!(
        me["grants"][0],
        serde_json::json!({"role": "staff", "unit": "C1"})
    );

    let id = sipas::db::tokens::list(&mut app.prepared.db.conn().unwrap()).unwrap()[0].id;
    let response = app
        .post_form(
            &admin,
            &format!("/admin/tokens/{id}/revoke"),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = client()
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("đã bị thu hồi")
    );
    let response = client()
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth("sipas_made_up")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

on_both_backends!(
    every_protected_route_answers_each_kind_of_caller_as_it_should,
    signing_in_sends_people_to_their_work_and_back_where_they_were,
    wrong_password_and_unknown_email_get_the_same_answer,
    failed_sign_ins_are_limited_per_account_and_per_address,
    forms_without_a_valid_csrf_token_are_refused,
    an_expired_or_forged_session_is_not_accepted,
    a_disabled_user_is_signed_out_at_once_and_cannot_sign_in,
    changing_the_password_ends_other_sessions_and_keeps_this_one,
    tokens_are_shown_once_stored_hashed_and_revocable,
);
