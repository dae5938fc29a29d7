//! Crash safety: the real server takes answers from many clients at once and is killed
//! with SIGKILL in the middle; started again on the same database, it takes new answers and
//! holds every answer that got its thank-you page, each once, and the tallies equal a
//! recount.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use sipas::db::schema::responses;

use crate::helpers::{Backend, TestDb, patience, sipas, start_server};
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
        sipas::desks::add(
            &mut conn,
            "C",
            "Quầy",
            sipas::desks::DeskForms::both("quick-2025"),
            &prepared.forms.ids(),
        )
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
                let client = citizen();
                while !stop.load(Ordering::Relaxed) {
                    match answer_once(&client, &url, &code, &answers) {
                        // The thank-you page is where the answer is acknowledged.
                        Ok((token, 303)) => acknowledged.lock().unwrap().push(token),
                        Ok((_, status)) => panic!("answer refused: {status}"),
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    // Answers keep coming until the kill. A slow machine is not a stuck server: the test
    // fails only when no answer at all has been acknowledged for a long while.
    let (mut seen, mut progress) = (0, Instant::now());
    loop {
        let now = acknowledged.lock().unwrap().len();
        if now >= BEFORE_THE_KILL {
            break;
        }
        if now > seen {
            (seen, progress) = (now, Instant::now());
        }
        assert!(
            progress.elapsed() < patience(Duration::from_secs(2)),
            "the server stopped taking answers after {seen}"
        );
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

    // Started again on the same database, the server takes a new answer...
    let server = serve();
    let (after, status) =
        answer_once(&citizen(), &server.url, &code, &answers).expect("the restarted server answers");
    assert_eq!(status, 303, "an answer after the restart");
    // ...and holds every acknowledged answer, each once: every row counted, none without
    // its page's token, no token twice. (Some rows may be answers whose thank-you page
    // never arrived before the kill.)
    let mut conn = prepared.db.conn().unwrap();
    let stored: Vec<Option<String>> = responses::table
        .select(responses::submission_token)
        .load(&mut conn)
        .unwrap();
    let tokens: Vec<&String> = stored.iter().flatten().collect();
    assert_eq!(
        tokens.len(),
        stored.len(),
        "every stored answer has its page's token"
    );
    let distinct: HashSet<&String> = tokens.iter().copied().collect();
    assert_eq!(distinct.len(), tokens.len(), "an answer stored twice");
    let lost = acknowledged.iter().filter(|t| !distinct.contains(t)).count();
    assert_eq!(lost, 0, "{lost} acknowledged answers lost");
    assert!(
        distinct.contains(&after),
        "the answer after the restart is stored"
    );
    assert!(stored.len() > acknowledged.len());
    assert_tallies_match_answers(&prepared.db);
}

/// A citizen's phone: no redirects followed, so the thank-you redirect is seen.
fn citizen() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(patience(Duration::from_secs(1)))
        .build()
        .unwrap()
}

/// Opens the survey and sends `answers` with the page's fields: the page's token and the
/// status of the answer.
fn answer_once(
    client: &reqwest::blocking::Client,
    url: &str,
    code: &str,
    answers: &[(String, String)],
) -> reqwest::Result<(String, u16)> {
    let page = client.get(format!("{url}/s/{code}")).send()?.text()?;
    let page = hidden_fields(&page);
    let mut fields = vec![
        ("_token".to_string(), page.token.clone()),
        ("_version".to_string(), page.version.clone()),
    ];
    fields.extend(answers.iter().cloned());
    let response = client.post(format!("{url}/s/{code}")).form(&fields).send()?;
    Ok((page.token, response.status().as_u16()))
}

on_both_backends_sync!(a_killed_server_keeps_every_acknowledged_answer_once);
