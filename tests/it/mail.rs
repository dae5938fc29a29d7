//! E-mail against a real SMTP server on 127.0.0.1 (aiosmtpd, `smtp_sink.py`): a digest
//! with the hand-computed figures of `indices.rs`, an alert that fires once, a server that
//! is down for a while (every mail arrives once it is back, exactly once), and two workers
//! sharing one outbox without sending any mail twice.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;
use sipas::auth::Role;
use sipas::config::{Sender, Settings, SmtpTls};
use sipas::db::{self, DbConnection};
use sipas::mail::send::{Mailer, deliver_due};
use sipas::mail::{Composed, alerts, digest};

use crate::auth::{PASSWORD, add_user, csrf_of, sign_in};
use crate::helpers::{Backend, TestApp, page, run, stderr, stdout, wait_until};
use crate::indices::{app_with_test_form_and, seed_responses, sipas_with_test_form};
use crate::on_both_backends;

/// aiosmtpd, writing each message it accepts as a JSON line. It binds its own port (the
/// system's choice) and says which, so no other process can take it meanwhile.
struct SmtpSink {
    port: u16,
    out: PathBuf,
    child: Child,
    said: std::io::Lines<BufReader<std::process::ChildStdout>>,
    _dir: tempfile::TempDir,
}

/// Whether aiosmtpd is there to run (`pip install aiosmtpd`; `.ci/run` installs it and
/// sets `SIPAS_TEST_REQUIRE_SMTP`, so that there the tests fail rather than skip).
/// Without it the e-mail tests say so and check nothing, like the printing tests without
/// `pdftoppm`.
fn smtp_server_available() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("SIPAS_TEST_REQUIRE_SMTP").is_none(),
            "SIPAS_TEST_REQUIRE_SMTP is set but python3 cannot import aiosmtpd"
        );
        eprintln!("aiosmtpd is not installed (pip install aiosmtpd): e-mail test skipped");
    }
    found
}

impl SmtpSink {
    /// A sink that holds its port but refuses connections (a mail server that is down)
    /// until [`SmtpSink::start`].
    fn stopped() -> SmtpSink {
        SmtpSink::spawn(tempfile::tempdir().unwrap(), &[], true)
    }

    fn started() -> SmtpSink {
        SmtpSink::spawn(tempfile::tempdir().unwrap(), &[], false)
    }

    /// A sink speaking TLS (`mode`: `starttls` or `tls`) with a certificate for
    /// `localhost` made for it; returns it and the certificate's file.
    fn started_with_tls(mode: &str) -> (SmtpSink, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let made = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"])
            .args([
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let sink = SmtpSink::spawn(dir, &[mode.as_ref(), cert.as_os_str(), key.as_os_str()], false);
        (sink, cert)
    }

    fn spawn(dir: tempfile::TempDir, tls: &[&std::ffi::OsStr], wait: bool) -> SmtpSink {
        let out = dir.path().join("mail.jsonl");
        let mut child = Command::new("python3")
            .arg(crate::helpers::checkout_path("tests/it/smtp_sink.py"))
            .args(wait.then_some("--wait"))
            .arg("127.0.0.1")
            .arg(&out)
            .args(tls)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd");
        let mut said = BufReader::new(child.stdout.take().unwrap()).lines();
        let bound = said.next().expect("the sink's port").unwrap();
        let port = bound
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the sink said «{bound}»"));
        let mut sink = SmtpSink {
            port,
            out,
            child,
            said,
            _dir: dir,
        };
        if !wait {
            sink.ready();
        }
        sink
    }

    /// The stopped sink starts taking mail.
    fn start(&mut self) {
        writeln!(self.child.stdin.as_mut().unwrap()).unwrap();
        self.ready();
    }

    fn ready(&mut self) {
        let said = self.said.next().expect("the sink is ready").unwrap();
        assert_eq!(said, "ready", "the SMTP sink started");
    }

    /// Every message received so far.
    fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// The settings of a deployment sending through this sink.
    fn settings(&self, app: &TestApp) -> Settings {
        Settings {
            smtp_host: "127.0.0.1".into(),
            smtp_port: self.port,
            smtp_tls: SmtpTls::None,
            mail_from: Sender("Khảo sát SIPAS <khaosat@tinh.gov.vn>".parse().unwrap()),
            min_sample: 5,
            ..app.db.settings()
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mailer(settings: &Settings) -> Mailer {
    Mailer::from_settings(settings)
        .unwrap()
        .expect("an SMTP server is set")
}

/// Sends what is due, as the worker would, with the clock `ahead` in the future (so
/// that retries scheduled later are due).
fn deliver(
    conn: &mut DbConnection,
    settings: &Settings,
    ahead: chrono::Duration,
) -> sipas::mail::send::Delivered {
    let retry = chrono::Duration::seconds(settings.mail_retry_seconds as i64);
    deliver_due(conn, &mailer(settings), retry, || db::now() + ahead).unwrap()
}

/// The app of `indices.rs` (P1 > C1, C2; July 2025 hand-computed), a desk asking the test
/// form in C1, and an official of P1.
async fn app(backend: Backend) -> TestApp {
    let app = app_with_test_form_and(backend, |s| s.min_sample = 5).await;
    seed_responses(&app);
    let mut conn = app.prepared.db.conn().unwrap();
    sipas::desks::add(
        &mut conn,
        "C1",
        "Một cửa",
        sipas::desks::DeskForms::both("test-indices"),
        &["test-indices".to_string()],
    )
    .unwrap();
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    app
}

/// The app of [`app`], a started SMTP sink and settings sending through it; `None` (the
/// test skipped) without aiosmtpd.
async fn app_and_sink(backend: Backend) -> Option<(TestApp, SmtpSink, Settings)> {
    if !smtp_server_available() {
        return None;
    }
    let app = app(backend).await;
    let sink = SmtpSink::started();
    let settings = sink.settings(&app);
    Some((app, sink, settings))
}

async fn a_digest_arrives_with_the_figures_once(backend: Backend) {
    let Some((app, sink, settings)) = app_and_sink(backend).await else {
        return;
    };
    // The official chooses monthly digests on their account page.
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let account = page(&browser, &app, "/account").await.1;
    assert!(account.contains(r#"value="none" checked"#), "none at first");
    let csrf = csrf_of(&account);
    let chosen = app
        .post_form(
            &browser,
            "/account/digest",
            &[("_csrf", &csrf), ("digest", "monthly")],
        )
        .await;
    assert_eq!(chosen.status(), 200);
    assert!(
        chosen
            .text()
            .await
            .unwrap()
            .contains(r#"value="monthly" checked"#)
    );
    let refused = app
        .post_form(
            &browser,
            "/account/digest",
            &[("_csrf", &csrf), ("digest", "hourly")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let no_token = app
        .post_form(&browser, "/account/digest", &[("digest", "weekly")])
        .await;
    assert_eq!(
        no_token.status(),
        403,
        "a form without its CSRF token changes nothing"
    );

    // On 15 August 2025 the digest due is July's: P1 pooled e = 55 % [20.92, 84.74],
    // n = min(6, 5) = 5, six responses; June held r7 (e = 0): +55 points.
    let mut conn = app.prepared.db.conn().unwrap();
    let today = NaiveDate::from_ymd_opt(2025, 8, 15).unwrap();
    let forms = &app.prepared.forms;
    assert_eq!(digest::queue_due(&mut conn, forms, &settings, today).unwrap(), 1);
    assert_eq!(
        digest::queue_due(&mut conn, forms, &settings, today).unwrap(),
        0,
        "queued once, however often the worker looks"
    );
    assert_eq!(deliver(&mut conn, &settings, chrono::Duration::zero()).sent, 1);
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let mail = &messages[0];
    assert_eq!(mail["to"], serde_json::json!(["lanhdao@p1.vn"]));
    assert_eq!(mail["from"], "khaosat@tinh.gov.vn");
    assert_eq!(
        mail["subject"],
        "[sipas] Bản tin tháng 07/2025: Tỉnh Một — Yếu tố 55,00 % (+55,00)"
    );
    let text = mail["text"].as_str().unwrap();
    for expected in [
        "Yếu tố: 55,00 % (+55,00)",
        "n = 5, KTC 95% [20,92 – 84,74]",
        "6 phiếu (kỳ trước: 1)",
        // Both communes rest on fewer answers than the minimum sample of 5: neither is
        // named among the best or worst (DESIGN.md §9), both are counted.
        "2 đơn vị chưa đủ điều kiện xếp hạng",
        "/units/P1?form=test-indices&from=2025-07-01&to=2025-07-31",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    assert!(!text.contains("Xã Một: 58,33 %"), "{text}");
    let html = mail["html"].as_str().unwrap();
    assert!(
        html.contains("<strong>+55,00</strong>") && html.contains("2 đơn vị chưa đủ điều kiện xếp hạng"),
        "{html}"
    );
    assert!(html.contains("form=test-indices&#38;from=2025-07-01"), "{html}");
    // Nothing is left to send.
    assert_eq!(db::outbox::status(&mut conn).unwrap().sent, 1);
    assert_eq!(deliver(&mut conn, &settings, chrono::Duration::zero()).sent, 0);

    // An official who reads English gets it in English, weekly: the week of 4 to 10
    // August 2025, when nobody answered (the week before held r8, on 1 August).
    let account = sipas::auth::accounts::NewAccount {
        email: "official@p1.vn",
        name: "Official",
        role: Role::Official,
        unit: Some("P1"),
        password: PASSWORD,
        language: sipas::i18n::Lang::En,
    };
    let id = sipas::auth::accounts::add_user(&mut conn, &account).unwrap();
    db::users::set_digest(&mut conn, id, "weekly").unwrap();
    assert_eq!(digest::queue_due(&mut conn, forms, &settings, today).unwrap(), 1);
    assert_eq!(deliver(&mut conn, &settings, chrono::Duration::zero()).sent, 1);
    let english = sink
        .messages()
        .into_iter()
        .find(|m| m["to"] == serde_json::json!(["official@p1.vn"]))
        .unwrap();
    assert_eq!(
        english["subject"],
        "[sipas] Weekly digest 4 Aug 2025 – 10 Aug 2025: Tỉnh Một — Yếu tố —"
    );
    let text = english["text"].as_str().unwrap();
    assert!(text.contains("0 responses (previous period: 1)"), "{text}");
    assert!(text.contains("See everything: "), "{text}");
}

async fn an_alert_fires_once_per_rule_and_period(backend: Backend) {
    let Some((app, sink, settings)) = app_and_sink(backend).await else {
        return;
    };
    let (browser, csrf) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let add = |threshold: &'static str| {
        let fields = [
            ("_csrf", csrf.clone()),
            ("kind", "below".into()),
            ("form", "test-indices".into()),
            ("index", String::new()),
            ("threshold", threshold.into()),
            ("min_n", "5".into()),
        ];
        browser
            .post(format!("{}/units/P1/alerts", app.address))
            .form(&fields)
            .send()
    };
    // e below 60 holds in July (55, n = 5); below 50 does not.
    assert_eq!(add("60").await.unwrap().status(), 303);
    assert_eq!(add("50").await.unwrap().status(), 303);
    let bad = add("không phải số").await.unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("Ngưỡng phải là một số"));
    let page = page(&browser, &app, "/units/P1/alerts").await.1;
    assert!(page.contains("Yếu tố dưới 60 với n ≥ 5 trong tháng"), "{page}");
    // An official of C1 may not see or change P1's rules.
    add_user(&app, "canbo@c1.vn", Role::Official, Some("C1"));
    let (other, other_csrf) = sign_in(&app, "canbo@c1.vn", PASSWORD).await;
    let forbidden = app
        .post_form(
            &other,
            "/units/P1/alerts",
            &[("_csrf", &other_csrf), ("kind", "burst"), ("threshold", "1")],
        )
        .await;
    assert_eq!(forbidden.status(), 403);

    let mut conn = app.prepared.db.conn().unwrap();
    let forms = &app.prepared.forms;
    let july = Utc.with_ymd_and_hms(2025, 7, 31, 9, 0, 0).unwrap();
    assert_eq!(alerts::check_all(&mut conn, forms, &settings, july).unwrap(), 1);
    assert_eq!(
        alerts::check_all(&mut conn, forms, &settings, july).unwrap(),
        0,
        "not on every check"
    );
    assert_eq!(deliver(&mut conn, &settings, chrono::Duration::zero()).sent, 1);
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["to"], serde_json::json!(["lanhdao@p1.vn"]));
    assert_eq!(
        messages[0]["subject"],
        "[sipas] Cảnh báo — Tỉnh Một: Yếu tố tháng 07/2025: 55,00 % (n = 5), dưới 60,00"
    );
    assert!(
        messages[0]["text"]
            .as_str()
            .unwrap()
            .contains("/units/P1?form=test-indices")
    );
    // Removing the rule stops it. In August both rules hold: five more answers at 1 and 1
    // beside r8 (5 and 5) make c1 = c2 = e = 1 of 6 = 16.67 %, below 60 and below 50;
    // once the rule «below 60» is removed, only «below 50» is mailed.
    let rules = db::alerts::list(&mut conn, Some("P1")).unwrap();
    assert_eq!(rules[0].threshold, 60.0);
    let removed = app
        .post_form(
            &browser,
            &format!("/units/P1/alerts/{}/delete", rules[0].id),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(removed.status(), 303);
    assert_eq!(db::alerts::list(&mut conn, Some("P1")).unwrap().len(), 1);
    for day in 10..15 {
        crate::indices::respond_with_comment(
            &app,
            "C1",
            Utc.with_ymd_and_hms(2025, 8, day, 3, 0, 0).unwrap(),
            sipas::responses::Channel::Paper,
            &[("q1", "1"), ("q2", "1")],
            None,
        );
    }
    let august = Utc.with_ymd_and_hms(2025, 8, 31, 9, 0, 0).unwrap();
    assert_eq!(alerts::check_all(&mut conn, forms, &settings, august).unwrap(), 1);
    assert_eq!(deliver(&mut conn, &settings, chrono::Duration::zero()).sent, 1);
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(
        messages[1]["subject"],
        "[sipas] Cảnh báo — Tỉnh Một: Yếu tố tháng 08/2025: 16,67 % (n = 6), dưới 50,00"
    );
}

/// `count` mails, each with its own key and subject.
fn queue_mails(conn: &mut DbConnection, count: usize) {
    for i in 0..count {
        let mail = Composed {
            dedup_key: format!("test:{i}"),
            recipient: format!("nguoi{i}@xa.vn"),
            subject: format!("Thư số {i}"),
            text: format!("Nội dung {i}"),
            html: format!("<p>Nội dung {i}</p>"),
        };
        assert!(mail.queue(conn, "alert").unwrap());
    }
}

/// Each mail arrived exactly once.
fn each_once(sink: &SmtpSink, count: usize) {
    let mut subjects: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect();
    subjects.sort();
    let mut expected: Vec<String> = (0..count).map(|i| format!("Thư số {i}")).collect();
    expected.sort();
    assert_eq!(subjects, expected);
}

/// Subjects arrive as typed, whatever a unit's name holds: text shaped like an encoded
/// word is not decoded by the reader's mail program.
async fn subjects_arrive_as_typed(backend: Backend) {
    let Some((app, sink, settings)) = app_and_sink(backend).await else {
        return;
    };
    let mut conn = app.prepared.db.conn().unwrap();
    let typed = [
        "Cảnh báo — Xã =?utf-8?q?Trúng_thưởng?=",
        "Alert: =?utf-8?b?eA==?= and =?iso-8859-1?q?x?=",
    ];
    for (i, subject) in typed.iter().enumerate() {
        let mail = Composed {
            dedup_key: format!("subject:{i}"),
            recipient: "lanhdao@p1.vn".into(),
            subject: subject.to_string(),
            text: "Nội dung".into(),
            html: "<p>Nội dung</p>".into(),
        };
        assert!(mail.queue(&mut conn, "alert").unwrap());
    }
    deliver(&mut conn, &settings, chrono::Duration::zero());
    let mut subjects: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect();
    subjects.sort();
    let mut expected = typed.map(String::from).to_vec();
    expected.sort();
    assert_eq!(subjects, expected);
}

async fn mail_waits_for_a_server_that_is_down_and_arrives_once(backend: Backend) {
    if !smtp_server_available() {
        return;
    }
    let app = app(backend).await;
    let mut sink = SmtpSink::stopped();
    let settings = sink.settings(&app);
    let mut conn = app.prepared.db.conn().unwrap();
    queue_mails(&mut conn, 5);
    // Nobody listens: every mail fails, is kept, and waits a minute.
    let tried = deliver(&mut conn, &settings, chrono::Duration::zero());
    assert_eq!((tried.sent, tried.failed), (0, 5));
    let status = db::outbox::status(&mut conn).unwrap();
    assert_eq!((status.waiting, status.failing, status.sent), (0, 5, 0));
    let failed = db::outbox::latest(&mut conn, 10).unwrap();
    assert!(failed.iter().all(|m| m.attempts == 1 && m.last_error.is_some()));
    assert_eq!(
        deliver(&mut conn, &settings, chrono::Duration::zero()),
        Default::default(),
        "not before the retry"
    );
    // Still down two minutes later: the second wait is twice as long.
    let again = deliver(&mut conn, &settings, chrono::Duration::seconds(61));
    assert_eq!(again.failed, 5);
    // The admin page says so.
    add_user(&app, "admin@tinh.vn", Role::Admin, None);
    let (admin, _) = sign_in(&app, "admin@tinh.vn", PASSWORD).await;
    let page = page(&admin, &app, "/admin/mail").await.1;
    assert!(
        page.contains("Đang lỗi, sẽ gửi lại: <strong>5</strong>"),
        "{page}"
    );
    assert!(page.contains("lỗi 2 lần"), "{page}");
    // The server comes back: each mail arrives, once.
    sink.start();
    let back = deliver(&mut conn, &settings, chrono::Duration::seconds(61 + 121));
    assert_eq!((back.sent, back.failed), (5, 0));
    assert_eq!(
        deliver(&mut conn, &settings, chrono::Duration::hours(7)),
        Default::default()
    );
    each_once(&sink, 5);
    assert_eq!(db::outbox::status(&mut conn).unwrap().sent, 5);
}

async fn two_workers_never_send_a_mail_twice(backend: Backend) {
    let Some((app, sink, settings)) = app_and_sink(backend).await else {
        return;
    };
    queue_mails(&mut app.prepared.db.conn().unwrap(), 60);
    // Two workers on two connections at once, as two replicas would be.
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (db, settings) = (app.prepared.db.clone(), settings.clone());
            std::thread::spawn(move || deliver(&mut db.conn().unwrap(), &settings, chrono::Duration::zero()))
        })
        .collect();
    let done: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    assert_eq!(done.iter().map(|d| d.sent).sum::<usize>(), 60, "{done:?}");
    each_once(&sink, 60);
}

async fn the_command_line_previews_sends_and_shows_the_queue(backend: Backend) {
    if !smtp_server_available() {
        return;
    }
    let app = app(backend).await;
    let sink = SmtpSink::started();
    let mut conn = app.prepared.db.conn().unwrap();
    let official = db::users::find_by_email(&mut conn, "lanhdao@p1.vn")
        .unwrap()
        .unwrap();
    db::users::set_digest(&mut conn, official.id, "monthly").unwrap();
    let command = || {
        let mut command = sipas_with_test_form(&app.db);
        command
            .env("SIPAS_SMTP_HOST", "127.0.0.1")
            .env("SIPAS_SMTP_PORT", sink.port.to_string())
            .env("SIPAS_SMTP_TLS", "none");
        command
    };
    // On 15 August 2025 the digest due is July's, with the figures of `indices.rs`.
    let preview = run(command().args(["digest", "send", "--dry-run", "--date", "2025-08-15"]));
    assert!(preview.status.success(), "{}", stderr(&preview));
    let printed = stdout(&preview);
    assert!(printed.contains("Đến: lanhdao@p1.vn"), "{printed}");
    assert!(printed.contains("01/07/2025 – 31/07/2025"), "{printed}");
    assert!(printed.contains("Yếu tố: 55,00 % (+55,00)"), "{printed}");
    assert!(sink.messages().is_empty(), "a preview sends nothing");
    assert_eq!(
        db::outbox::status(&mut conn).unwrap(),
        Default::default(),
        "and queues nothing"
    );
    let sent = run(command().args(["digest", "send", "--date", "2025-08-15"]));
    assert!(sent.status.success(), "{}", stderr(&sent));
    assert!(
        stderr(&sent).contains("1 bản tin mới xếp hàng; 1 thư đã gửi"),
        "{}",
        stderr(&sent)
    );
    assert_eq!(sink.messages().len(), 1);
    let again = run(command().args(["digest", "send", "--date", "2025-08-15"]));
    assert!(
        stderr(&again).contains("0 bản tin mới xếp hàng; 0 thư đã gửi"),
        "{}",
        stderr(&again)
    );
    let status = run(command().args(["mail", "status", "--format", "json"]));
    let document: Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(
        (document["sent"].as_i64(), document["waiting"].as_i64()),
        (Some(1), Some(0))
    );
    // Without a mail server, sending says why; a date that is not one is refused.
    let unset = run(sipas_with_test_form(&app.db).args(["digest", "send"]));
    assert!(!unset.status.success());
    assert!(stderr(&unset).contains("smtp_host"), "{}", stderr(&unset));
    let bad = run(command().args(["digest", "send", "--date", "15/08/2025"]));
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("ngày «15/08/2025» không hợp lệ"),
        "{}",
        stderr(&bad)
    );
}

/// Burst and comment rules: a desk that took more responses within the last hour than
/// its rule allows, and a week with more comments than allowed, each mail once.
async fn bursts_at_a_desk_and_many_comments_raise_their_alerts(backend: Backend) {
    let Some((app, sink, settings)) = app_and_sink(backend).await else {
        return;
    };
    let mut conn = app.prepared.db.conn().unwrap();
    let official = db::users::find_by_email(&mut conn, "lanhdao@p1.vn")
        .unwrap()
        .unwrap();
    let rule = |kind, threshold| db::alerts::NewAlertRule {
        unit_code: "P1",
        form_id: "test-indices",
        kind,
        index_id: None,
        threshold,
        min_n: 5,
        created_by: Some(official.id),
        created_at: db::now(),
    };
    db::alerts::insert(&mut conn, &rule("burst", 3.0)).unwrap();
    db::alerts::insert(&mut conn, &rule("comments", 2.0)).unwrap();
    let desk = db::desks::list(&mut conn, Some(&["C1".to_string()]))
        .unwrap()
        .remove(0);
    // A desk named with markup, which the alert's HTML must show as text.
    db::desks::update(
        &mut conn,
        desk.id,
        "Một cửa <i>số 1</i>",
        (&desk.form_id, &desk.ticket_form_id),
        true,
    )
    .unwrap();
    let form = app.prepared.forms.current("test-indices").unwrap();
    // A fixed moment, a Wednesday morning (10:00 in Vietnam): the hour and the week the
    // rules look at hold only the answers below, whenever the test runs.
    let now = Utc.with_ymd_and_hms(2025, 9, 17, 3, 0, 0).unwrap();
    let respond = |conn: &mut DbConnection, minutes_ago: i64, comment: Option<&str>| {
        let submission = sipas::responses::Submission {
            desk_id: Some(desk.id),
            channel: sipas::responses::Channel::DeskQr,
            submitted_at: now - chrono::Duration::minutes(minutes_ago),
            ..crate::helpers::paper_submission(form.version_id, "C1")
        };
        let answers = sipas::responses::Answers {
            values: vec![("q1".into(), "5".into())],
            texts: comment
                .map(|c| ("comment".to_string(), c.to_string()))
                .into_iter()
                .collect(),
        };
        sipas::responses::store(conn, &submission, &answers).unwrap();
    };
    // Three within the hour (and two before it) hold neither rule: not more than three.
    for minutes_ago in [5, 20, 50, 70, 90] {
        respond(&mut conn, minutes_ago, None);
    }
    assert_eq!(
        alerts::check_all(&mut conn, &app.prepared.forms, &settings, now).unwrap(),
        0
    );
    // Three more within the hour, each with a comment: three comments this week.
    respond(&mut conn, 1, Some("nhanh"));
    respond(&mut conn, 2, Some("tốt"));
    respond(&mut conn, 3, Some("ổn"));
    assert_eq!(
        alerts::check_all(&mut conn, &app.prepared.forms, &settings, now).unwrap(),
        2
    );
    assert_eq!(
        alerts::check_all(&mut conn, &app.prepared.forms, &settings, now).unwrap(),
        0
    );
    assert_eq!(deliver(&mut conn, &settings, chrono::Duration::zero()).sent, 2);
    let subjects: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("tăng vọt bất thường tại 1 quầy")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.contains("3 góp ý trong tuần")),
        "{subjects:?}"
    );
    let burst = sink
        .messages()
        .into_iter()
        .find(|m| m["subject"].as_str().unwrap().contains("tăng vọt"))
        .unwrap();
    assert!(
        burst["text"]
            .as_str()
            .unwrap()
            .contains("Một cửa <i>số 1</i> (C1): 6 phiếu trong một giờ qua")
    );
    let html = burst["html"].as_str().unwrap();
    assert!(
        html.contains("Một cửa &#60;i&#62;số 1&#60;/i&#62; (C1)"),
        "{html}"
    );
    assert!(!html.contains("<i>số 1</i>"));
}

/// The server's own worker sends what is queued, without anyone asking.
async fn the_server_sends_queued_mail_by_itself(backend: Backend) {
    if !smtp_server_available() {
        return;
    }
    let sink = SmtpSink::started();
    let port = sink.port;
    let app = crate::helpers::spawn_app_with(backend, |s| {
        s.smtp_host = "127.0.0.1".into();
        s.smtp_port = port;
        s.smtp_tls = SmtpTls::None;
        s.mail_poll_seconds = 1;
    })
    .await;
    queue_mails(&mut app.prepared.db.conn().unwrap(), 3);
    wait_until("the worker sends three mails", Duration::from_secs(2), || {
        sink.messages().len() >= 3
    });
    each_once(&sink, 3);
}

/// The encrypted modes: STARTTLS and TLS from the first byte deliver when the sending
/// process trusts the server's certificate (here through `SSL_CERT_FILE`); an untrusted
/// certificate keeps the mail queued, with the reason, to be sent once it is trusted.
async fn starttls_and_tls_deliver_and_an_untrusted_certificate_keeps_the_mail(backend: Backend) {
    if !smtp_server_available() {
        return;
    }
    let app = app(backend).await;
    let mut conn = app.prepared.db.conn().unwrap();
    let official = db::users::find_by_email(&mut conn, "lanhdao@p1.vn")
        .unwrap()
        .unwrap();
    db::users::set_digest(&mut conn, official.id, "monthly").unwrap();
    let send = |sink: &SmtpSink, mode: &str, trusted: Option<&PathBuf>| {
        let mut command = sipas_with_test_form(&app.db);
        command
            .args(["digest", "send", "--date", "2025-08-15"])
            .env("SIPAS_SMTP_HOST", "localhost")
            .env("SIPAS_SMTP_PORT", sink.port.to_string())
            .env("SIPAS_SMTP_TLS", mode)
            .env("SIPAS_MAIL_RETRY_SECONDS", "1")
            .env_remove("SSL_CERT_FILE");
        if let Some(cert) = trusted {
            command.env("SSL_CERT_FILE", cert);
        }
        let output = run(&mut command);
        assert!(output.status.success(), "{}", stderr(&output));
        stderr(&output)
    };
    let (starttls, cert) = SmtpSink::started_with_tls("starttls");
    let untrusted = send(&starttls, "starttls", None);
    assert!(
        untrusted.contains("1 bản tin mới xếp hàng; 0 thư đã gửi, 1 thư lỗi"),
        "{untrusted}"
    );
    let failing = db::outbox::latest(&mut conn, 1).unwrap().remove(0);
    assert!(
        failing.last_error.is_some() && failing.sent_at.is_none(),
        "{failing:?}"
    );
    assert!(starttls.messages().is_empty());
    wait_until("the retry is due", Duration::from_secs(1), || {
        db::now() >= failing.next_attempt_at
    });
    let trusted = send(&starttls, "starttls", Some(&cert));
    assert!(
        trusted.contains("0 bản tin mới xếp hàng; 1 thư đã gửi"),
        "{trusted}"
    );
    assert_eq!(starttls.messages().len(), 1);
    // TLS from the first byte, for a second official's digest.
    add_user(&app, "official2@p1.vn", Role::Official, Some("P1"));
    let second = db::users::find_by_email(&mut conn, "official2@p1.vn")
        .unwrap()
        .unwrap();
    db::users::set_digest(&mut conn, second.id, "monthly").unwrap();
    let (tls, cert) = SmtpSink::started_with_tls("tls");
    let sent = send(&tls, "tls", Some(&cert));
    assert!(sent.contains("1 bản tin mới xếp hàng; 1 thư đã gửi"), "{sent}");
    let messages = tls.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["to"], serde_json::json!(["official2@p1.vn"]));
}

on_both_backends!(
    starttls_and_tls_deliver_and_an_untrusted_certificate_keeps_the_mail,
    bursts_at_a_desk_and_many_comments_raise_their_alerts,
    the_server_sends_queued_mail_by_itself,
    the_command_line_previews_sends_and_shows_the_queue,
    a_digest_arrives_with_the_figures_once,
    an_alert_fires_once_per_rule_and_period,
    mail_waits_for_a_server_that_is_down_and_arrives_once,
    subjects_arrive_as_typed,
    two_workers_never_send_a_mail_twice,
);
