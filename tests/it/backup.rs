//! `sipas backup FILE`: a copy taken while citizens answer is consistent (its counts equal
//! a recount of its own responses), checked, and serves as a database when restored;
//! on PostgreSQL the command explains `pg_dump` and fails.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_util::future::join_all;
use serde_json::Value;
use sipas::db::{Database, DatabaseLocation};

use crate::helpers::{
    Backend, TestDb, bare_sipas, run, sipas, spawn_app_with, stderr, stdout, without_rate_limits,
};
use crate::survey::{assert_tallies_match_answers, full_answers, seed_desk};

#[actix_web::test]
async fn a_backup_taken_while_eight_clients_answer_is_consistent_and_restores() {
    let app = spawn_app_with(Backend::Sqlite, without_rate_limits).await;
    let code = seed_desk(&app, "quick-2025");
    let answers = full_answers(&app, "quick-2025");
    assert_eq!(app.answer(&code, &answers).await.status(), 303);

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let clients = (0..8).map(|_| {
        let (stop, answered) = (stop.clone(), answered.clone());
        let (app, code, answers) = (&app, &code, &answers);
        async move {
            while !stop.load(Ordering::Relaxed) {
                assert_eq!(app.answer(code, answers).await.status(), 303);
                answered.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let copy = app.db.dir.path().join("sao-luu.sqlite3");
    let backup = {
        let (url, dir, copy, stop, answered) = (
            app.db.url.clone(),
            app.db.dir.path().to_path_buf(),
            copy.clone(),
            stop.clone(),
            answered.clone(),
        );
        actix_web::rt::task::spawn_blocking(move || {
            // Under way first: the copy must be taken while answers arrive.
            while answered.load(Ordering::Relaxed) < 16 {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            let output = run(bare_sipas()
                .arg("--data-dir")
                .arg(&dir)
                .arg("--database")
                .arg(&url)
                .arg("backup")
                .arg(&copy));
            // Some more answers after the copy, which it must not hold.
            while answered.load(Ordering::Relaxed) < 48 {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            stop.store(true, Ordering::Relaxed);
            output
        })
    };
    let (output, _) = futures_util::future::join(backup, join_all(clients)).await;
    let output = output.unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    assert!(
        printed.contains("kiểm tra toàn vẹn (integrity_check): ok"),
        "{printed}"
    );

    // The copy: as many responses as it says, fewer than the original now has, and
    // counts that equal a recount of its own responses (no answer half in it).
    let restored = Database::connect(&DatabaseLocation::Sqlite(copy.clone()), 2, 5).unwrap();
    let in_copy = sipas::db::responses::all(&mut restored.conn().unwrap())
        .unwrap()
        .len();
    assert!(printed.contains(&format!("responses: {in_copy}\n")), "{printed}");
    let now = app.stored_responses().len();
    assert!(in_copy > 1 && in_copy < now, "copy {in_copy}, original {now}");
    assert_tallies_match_answers(&restored);
    drop(restored);

    // Restored (the documented way: the copy put where a database is read), it serves
    // the report of the moment of the copy.
    let report = run(bare_sipas()
        .arg("--data-dir")
        .arg(app.db.dir.path())
        .arg("--database")
        .arg(&copy)
        .args([
            "report",
            "--unit",
            "C",
            "--form",
            "quick-2025",
            "--population",
            "all",
        ])
        .args(["--format", "json"]));
    assert!(report.status.success(), "{}", stderr(&report));
    let report: Value = serde_json::from_str(&stdout(&report)).unwrap();
    assert_eq!(report["responses"], in_copy);

    // A backup is never written over.
    let again = run(sipas(&app.db).arg("backup").arg(&copy));
    assert!(!again.status.success());
    assert!(stderr(&again).contains("đã tồn tại"), "{}", stderr(&again));
}

#[test]
#[cfg_attr(not(sipas_test_postgres), ignore = "SIPAS_TEST_POSTGRES_URL is not set")]
fn on_postgresql_the_backup_explains_pg_dump_and_fails() {
    let db = TestDb::new(Backend::Postgres);
    let target = db.dir.path().join("x.sqlite3");
    let output = run(sipas(&db).arg("backup").arg(&target));
    assert!(!output.status.success());
    let said = stderr(&output);
    assert!(
        said.contains("pg_dump --format=custom") && said.contains("pg_restore"),
        "{said}"
    );
    assert!(!target.exists());
}
