//! Crash safety: the real server takes answers from many clients at once and is killed
//! with SIGKILL in the middle; started again on the same database, it holds every answer
//! that got its thank-you page, each once, and the tallies equal a recount.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use sipas::db::schema::responses;

use crate::helpers::{Backend, TestDb, blocking_get, sipas, start_server};
use crate::on_both_backends_sync;
use crate::survey::{assert_tallies_match_answers, full_answers_of, hidden_fields};

/// Clients answering at once.
const CLIENTS: usize = 8;
/// Answers acknowledged before the kill.
const BEFORE_THE_KILL: usize = 1_500;

fn a_killed_server_keeps_every_acknowledged_answer_once(backend: Backend) {
    let db = TestDb::new(backend);
    let mut settings = db.settings();
    crate::helpers::without_rate_limits(&mut settings);
    let prepared = sipas::startup::prepare(&settings).unwrap();
    let code = {
        let mut conn = prepared.db.conn().unwrap();
        let csv = "code,name,kind,parent_code\nP,Tỉnh Thử,tỉnh,\nC,Xã Thử,xã,P\n";
        sipas::units::import::import_csv(&mut conn, csv.as_bytes()).unwrap();
        sipas::desks::add(&mut conn, "C", "Quầy", "quick-2025", &prepared.forms.ids())
            .unwrap()
            .code
    };
    let answers = full_answers_of(&prepared.forms, "quick-2025");
    let serve = || {
        let mut command = sipas(&db);
        command
            .args(["--bind", "127.0.0.1:0", "serve"])
            .env("SIPAS_SUBMISSION_LIMIT_PER_IP", "0")
            .env("SIPAS_SUBMISSION_LIMIT_PER_DESK", "0")
            // Nobody reads the server's log here: keep it short.
            .env("SIPAS_LOG_LEVEL", "error");
        start_server(&mut command)
    };
    let server = serve();
    let (url, acknowledged, stop) = (
        server.url.clone(),
        Arc::new(Mutex::new(Vec::<String>::new())),
        Arc::new(AtomicBool::new(false)),
    );
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (url, code, answers) = (url.clone(), code.clone(), answers.clone());
            let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let Ok(page) = client
                        .get(format!("{url}/s/{code}"))
                        .send()
                        .and_then(|r| r.text())
                    else {
                        return;
                    };
                    let page = hidden_fields(&page);
                    let mut fields = vec![
                        ("_token".to_string(), page.token.clone()),
                        ("_version".to_string(), page.version.clone()),
                    ];
                    fields.extend(answers.iter().cloned());
                    match client.post(format!("{url}/s/{code}")).form(&fields).send() {
                        // The thank-you page is where the answer is acknowledged.
                        Ok(response) if response.status() == 303 => {
                            acknowledged.lock().unwrap().push(page.token);
                        }
                        Ok(response) => panic!("answer refused: {}", response.status()),
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.lock().unwrap().len() < BEFORE_THE_KILL {
        assert!(Instant::now() < deadline, "the server took too few answers");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SIGKILL, with answers in flight.
    drop(server);
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= BEFORE_THE_KILL);

    // Started again on the same database, the server answers, and holds each answer once.
    let server = serve();
    assert_eq!(blocking_get(&format!("{}/healthz", server.url)).0, 200);
    let mut conn = prepared.db.conn().unwrap();
    let stored: Vec<Option<String>> = responses::table
        .select(responses::submission_token)
        .load(&mut conn)
        .unwrap();
    let stored: std::collections::HashSet<String> = stored.into_iter().flatten().collect();
    let missing: Vec<&String> = acknowledged.iter().filter(|t| !stored.contains(*t)).collect();
    assert!(missing.is_empty(), "{} acknowledged answers lost", missing.len());
    // Each page's token stores once (a unique column), so an answer is never twice; some
    // may be stored without their thank-you page having arrived.
    assert!(stored.len() >= acknowledged.len());
    assert_tallies_match_answers(&prepared.db);
}

on_both_backends_sync!(a_killed_server_keeps_every_acknowledged_answer_once);
