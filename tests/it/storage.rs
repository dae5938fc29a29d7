//! SQLite on storage that refuses writes: a disk that fills up under the running server
//! (a small tmpfs) and a database on a read-only file system. Answers are refused with a
//! clear 503 page, nothing acknowledged is lost or half-written, the database stays whole,
//! and the server takes answers again once there is room.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::helpers::{Backend, TestDb, run, sipas_without_database, spawn_app_on, stderr};
use crate::survey::{assert_counts_match_answers, full_answers, hidden_fields, seed_desk};

/// A file system mounted for one test, unmounted when dropped.
struct Mount {
    point: PathBuf,
}

impl Mount {
    /// Mounts with `mount` and `args`; `None`, said, where this process may not mount
    /// (only root may; `.ci/run` runs as root and sets `SIPAS_TEST_REQUIRE_MOUNT`).
    fn new(point: &Path, args: &[&str]) -> Option<Mount> {
        let output = Command::new("mount").args(args).arg(point).output();
        match output {
            Ok(output) if output.status.success() => Some(Mount {
                point: point.to_path_buf(),
            }),
            failed => {
                assert!(
                    std::env::var_os("SIPAS_TEST_REQUIRE_MOUNT").is_none(),
                    "SIPAS_TEST_REQUIRE_MOUNT is set but mount failed: {failed:?}"
                );
                eprintln!("cannot mount a file system here (needs root): storage test skipped");
                None
            }
        }
    }

    /// A tmpfs of `megabytes` on `point`.
    fn tmpfs(point: &Path, megabytes: u32) -> Option<Mount> {
        Mount::new(
            point,
            &["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"],
        )
    }

    /// `source` seen again, read-only, on `point`.
    fn read_only_view(source: &Path, point: &Path) -> Option<Mount> {
        let mount = Mount::new(point, &["--bind", &source.display().to_string()])?;
        let status = Command::new("mount")
            .args(["-o", "remount,bind,ro"])
            .arg(point)
            .status()
            .unwrap();
        assert!(status.success(), "remount read-only");
        Some(mount)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // Lazily: the app's threads may still hold its files open.
        let _ = Command::new("umount").arg("-l").arg(&self.point).status();
    }
}

/// Writes to `path` until the file system is full.
fn fill_up(path: &Path) {
    let mut file = std::fs::File::create(path).unwrap();
    let block = vec![0x55u8; 64 * 1024];
    while file.write_all(&block).and_then(|_| file.sync_all()).is_ok() {}
}

#[derive(QueryableByName)]
struct Integrity {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// SQLite's own check of every page and index of the file at `url`.
fn integrity(url: &str) -> String {
    let path = url.trim_start_matches("sqlite://");
    let mut conn = SqliteConnection::establish(path).unwrap();
    let rows: Vec<Integrity> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .unwrap();
    rows.into_iter()
        .map(|r| r.integrity_check)
        .collect::<Vec<_>>()
        .join("\n")
}

#[actix_web::test]
async fn a_full_disk_refuses_answers_with_503_and_keeps_what_was_stored() {
    let db = TestDb::new(Backend::Sqlite);
    let Some(_mount) = Mount::tmpfs(db.dir.path(), 16) else {
        return;
    };
    let app = spawn_app_on(db, crate::helpers::without_rate_limits).await;
    let code = seed_desk(&app, "sipas-2017");
    let answers = full_answers(&app, "sipas-2017");
    assert_eq!(app.answer(&code, &answers).await.status(), 303);
    let mut acknowledged = 1;

    // The disk fills up. SQLite writes into room its log already holds for a while, then
    // needs more and cannot have it.
    let filler = app.db.dir.path().join("filler");
    fill_up(&filler);
    let mut refused = None;
    for _ in 0..5_000 {
        let (status, html) = app.open_survey(&code).await;
        assert_eq!(status, 200, "the questionnaire is still shown: {html}");
        let page = hidden_fields(&html);
        let response = app.post_survey(&code, &page, &answers).await;
        match response.status().as_u16() {
            303 => acknowledged += 1,
            503 => {
                refused = Some((page, response.text().await.unwrap()));
                break;
            }
            other => panic!("{other}: {}", response.text().await.unwrap()),
        }
    }
    let (page, message) = refused.expect("an answer refused once the disk is full");
    assert!(
        message.contains("Hệ thống tạm thời chưa phục vụ được. Vui lòng thử lại sau ít phút."),
        "{message}"
    );
    // What was acknowledged is there, and nothing of the refused answer.
    assert_eq!(app.stored_responses().len(), acknowledged);
    let (status, _) = app.open_survey(&code).await;
    assert_eq!(status, 200);

    // Room again: the same page is sent again and taken, without restarting anything.
    std::fs::remove_file(&filler).unwrap();
    let response = app.post_survey(&code, &page, &answers).await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.stored_responses().len(), acknowledged + 1);
    assert_counts_match_answers(&app);
    assert_eq!(integrity(&app.db.url), "ok");
}

/// A database on a file system mounted read-only: `sipas serve` stops at once and says
/// why; the file is untouched.
#[test]
fn a_read_only_database_is_refused_at_start_with_the_reason() {
    let db = TestDb::new(Backend::Sqlite);
    {
        let prepared = sipas::startup::prepare(&db.settings()).unwrap();
        let mut conn = prepared.db.conn().unwrap();
        let csv = "code,name,kind,parent_code\nP,Tỉnh Thử,tỉnh,\n";
        sipas::units::import::import_csv(&mut conn, csv.as_bytes()).unwrap();
    }
    let before = std::fs::read(db.url.trim_start_matches("sqlite://")).unwrap();
    let view = tempfile::tempdir().unwrap();
    let Some(_mount) = Mount::read_only_view(db.dir.path(), view.path()) else {
        return;
    };
    for (language, says) in [
        ("vi", "cơ sở dữ liệu chỉ đọc được, không ghi được"),
        ("en", "the database is read-only"),
    ] {
        let output = run(sipas_without_database(&db)
            .arg("--database")
            .arg(format!("sqlite://{}", view.path().join("test.sqlite3").display()))
            .args(["--bind", "127.0.0.1:0", "serve"])
            .env("SIPAS_LANGUAGE", language));
        assert!(!output.status.success());
        let said = stderr(&output);
        assert!(
            said.contains(says) && said.contains("Read-only file system"),
            "{said}"
        );
    }
    assert_eq!(
        std::fs::read(db.url.trim_start_matches("sqlite://")).unwrap(),
        before
    );
    assert_eq!(integrity(&db.url), "ok");
}
