//! Test harness: a fresh database per test (a temporary SQLite file, or a new PostgreSQL
//! database when `SIPAS_TEST_POSTGRES_URL` is set), the real app on port 0, and the real
//! `sipas` binary for command-line tests.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};
use sipas::config::Settings;
use sipas::db::Database;
use sipas::startup::{Application, Prepared, open_database, prepare};

/// Runs the same test body on SQLite, and on PostgreSQL when it is configured. Without
/// `SIPAS_TEST_POSTGRES_URL` the PostgreSQL variant is reported as ignored, not passed:
/// `build.rs` sets the `sipas_test_postgres` cfg when the variable is set (and the crate
/// is rebuilt when it changes). Tests that run on PostgreSQL only carry the same
/// `cfg_attr(not(sipas_test_postgres), ignore = …)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[actix_web::test]
            #[cfg_attr(not(sipas_test_postgres), ignore = "SIPAS_TEST_POSTGRES_URL is not set")]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )*};
}

/// The same, for tests that need no async runtime (command-line tests).
#[macro_export]
macro_rules! on_both_backends_sync {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite)
            }
            #[test]
            #[cfg_attr(not(sipas_test_postgres), ignore = "SIPAS_TEST_POSTGRES_URL is not set")]
            fn postgres() {
                super::$name($crate::helpers::Backend::Postgres)
            }
        }
    )*};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests may create databases on.
pub fn postgres_url() -> Option<String> {
    std::env::var("SIPAS_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The same, for a test that runs on PostgreSQL only (and is ignored without it).
pub fn required_postgres_url() -> String {
    postgres_url().expect(
        "SIPAS_TEST_POSTGRES_URL was set when the tests were built but is not set now: \
         run them through `cargo test` (which rebuilds them) or set it",
    )
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = sipas::telemetry::init(sipas::config::LogFormat::Text, "debug");
        }
    });
}

/// A database that exists only for one test.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => TestDb {
                url: format!("sqlite://{}", dir.path().join("test.sqlite3").display()),
                dir,
                postgres: None,
            },
            Backend::Postgres => {
                let admin = required_postgres_url();
                let name = format!("sipas_test_{}", sipas::codes::random_code(12).to_lowercase());
                let mut conn = admin_connection(&admin).expect("connect to the test PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create a test database");
                TestDb {
                    url: with_database(&admin, &name),
                    dir,
                    postgres: Some((admin, name)),
                }
            }
        }
    }

    /// Settings for an app on this database, listening on a free port, serving the
    /// shipped questionnaires.
    pub fn settings(&self) -> Settings {
        Settings {
            bind: "127.0.0.1:0".into(),
            database_url: self.url.clone(),
            data_dir: self.dir.path().to_path_buf(),
            forms_dir: checkout_path("survey-forms"),
            database_pool_size: 4,
            ..Settings::default()
        }
    }

    /// A pool on this database, with the schema migrated.
    pub fn open(&self) -> Database {
        open_database(&self.settings()).expect("open the test database").0
    }
}

/// A connection to the test PostgreSQL server outside the app's pool. OpenSSL is
/// initialised first, as the pool does, without its exit handler: libpq would otherwise
/// initialise it with one, and that handler frees OpenSSL's tables while the test's
/// threads still use them as the process exits (a crash after every test passed).
pub fn admin_connection(url: &str) -> diesel::ConnectionResult<PgConnection> {
    openssl_sys::init();
    PgConnection::establish(url)
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres
            && let Ok(mut conn) = admin_connection(admin)
        {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// The real application, serving on a free port for one test.
pub struct TestApp {
    /// The public address (the base URL), where tests send their requests.
    pub address: String,
    /// Where the server listens, when the base URL is set to another address.
    pub listening: String,
    pub db: TestDb,
    /// The database and questionnaires the app serves, for checking what it stored.
    pub prepared: Prepared,
    /// Keeps cookies and never follows redirects, so tests see each answer.
    pub client: reqwest::Client,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// The app with some settings changed.
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(TestDb::new(backend), configure).await
}

/// The app on a database the test prepared.
pub async fn spawn_app_on(db: TestDb, configure: impl FnOnce(&mut Settings)) -> TestApp {
    init_logs();
    let mut settings = db.settings();
    configure(&mut settings);
    let prepared = prepare(&settings).expect("prepare the app");
    let app = Application::build(&settings, prepared.clone()).expect("build the app");
    let address = app.base_url().to_string();
    let listening = format!("http://{}", app.address());
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        listening,
        db,
        prepared,
        client: client(),
    }
}

/// A page as `browser` (which keeps its cookies) gets it: its status and text.
pub async fn page(browser: &reqwest::Client, app: &TestApp, path: &str) -> (reqwest::StatusCode, String) {
    let response = browser
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request");
    (response.status(), response.text().await.expect("body"))
}

/// A client that keeps cookies and never follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // Shorter than the server's keep-alive (5 s): a connection the server may be
        // closing is never reused for a POST, which would fail as an incomplete message
        // when a slow step of a test (rendering a PDF) leaves it idle.
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("HTTP client")
}

impl TestApp {
    /// Posts a URL-encoded form from `browser` (which keeps its cookies).
    pub async fn post_form(
        &self,
        browser: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        browser
            .post(format!("{}{path}", self.address))
            .form(fields)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }
}

/// The `sipas` binary, pointed at the test database.
pub fn sipas(db: &TestDb) -> Command {
    let mut command = sipas_without_database(db);
    command.arg("--database").arg(&db.url);
    command
}

/// The `sipas` binary with the test's data directory but no database given.
pub fn sipas_without_database(db: &TestDb) -> Command {
    let mut command = bare_sipas();
    command.arg("--data-dir").arg(db.dir.path());
    command
}

/// The `sipas` binary with none of the test's settings: no data directory, no database.
pub fn bare_sipas() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sipas"));
    // Only what the test sets reaches the program.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SIPAS_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command
}

/// Runs a command to its end and returns what it printed.
pub fn run(command: &mut Command) -> Output {
    command.output().expect("run sipas")
}

/// Runs a command that must succeed (setup steps); what it printed.
#[track_caller]
pub fn run_ok(command: &mut Command) -> Output {
    let output = run(command);
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        stdout(&output),
        stderr(&output)
    );
    output
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes `content` to a file in the test's directory and returns its path.
pub fn write_file(db: &TestDb, name: &str, content: &[u8]) -> PathBuf {
    let path = db.dir.path().join(name);
    std::fs::write(&path, content).expect("write test file");
    path
}

/// A `sipas` process serving in the background.
pub struct Server {
    pub child: Child,
    pub url: String,
    /// Everything printed to standard output before the address.
    pub banner: String,
    /// Its standard error (the log) so far, read as it comes.
    log: Arc<Mutex<String>>,
    log_reader: Option<std::thread::JoinHandle<()>>,
}

/// Starts `command` (a `serve` or `demo`, told to bind port 0) and waits for the address
/// it prints: the port is the one the server bound, with no race for a free one.
pub fn start_server(command: &mut Command) -> Server {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sipas");
    let log = Arc::new(Mutex::new(String::new()));
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let written = log.clone();
    // Read to the end, whatever the bytes, so that the server never blocks on a full pipe.
    let log_reader = std::thread::spawn(move || {
        let mut line = Vec::new();
        while stderr.read_until(b'\n', &mut line).is_ok_and(|read| read > 0) {
            written.lock().unwrap().push_str(&String::from_utf8_lossy(&line));
            line.clear();
        }
    });
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    // The banner ends with how to stop the server; the first address in it is the site.
    let mut banner = String::new();
    let mut url = None;
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("sipas exited before serving; it printed:\n{banner}"))
            .expect("read stdout");
        banner.push_str(&line);
        banner.push('\n');
        if url.is_none() {
            url = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(|u| u.trim_end_matches('/').to_string());
        }
        if line.contains("Ctrl+C") {
            break;
        }
    }
    let url = url.expect("an address in the banner");
    // Keep draining standard output so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        url,
        banner,
        log,
        log_reader: Some(log_reader),
    }
}

impl Server {
    /// Sends SIGTERM, without waiting.
    pub fn send_sigterm(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits until the log holds `needle`.
    pub fn wait_for_log(&self, needle: &str) {
        wait_until(
            &format!("«{needle}» in the log"),
            Duration::from_secs(2),
            || self.log.lock().unwrap().contains(needle),
        );
    }

    /// Waits for the process to exit; its status and its whole log.
    pub fn wait_for_exit(mut self) -> (std::process::ExitStatus, String) {
        let mut status = None;
        wait_until("sipas stopped", Duration::from_secs(3), || {
            status = self.child.try_wait().expect("wait");
            status.is_some()
        });
        // The log ends when the process does.
        if let Some(reader) = self.log_reader.take() {
            reader.join().expect("the log reader");
        }
        let log = self.log.lock().unwrap().clone();
        (status.expect("an exit status"), log)
    }

    /// Sends SIGTERM and waits for the process to exit; its status and its whole log.
    pub fn terminate(self) -> (std::process::ExitStatus, String) {
        self.send_sigterm();
        self.wait_for_exit()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking GET for tests that talk to a separate process.
pub fn blocking_get(url: &str) -> (u16, String) {
    let response = reqwest::blocking::get(url).expect("request");
    let status = response.status().as_u16();
    (status, response.text().expect("body"))
}

/// The shipped national list of units.
pub fn national_units_csv() -> PathBuf {
    checkout_path("src/units/vn-admin-units-2025.csv")
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/test?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}

/// A paper response to `form_version_id` at `unit_code`, sent now: no desk, procedure,
/// page token or ticket (tests that need one set it with `..paper_submission(…)`).
pub fn paper_submission(form_version_id: i64, unit_code: &str) -> sipas::responses::Submission<'_> {
    sipas::responses::Submission {
        form_version_id,
        unit_code,
        desk_id: None,
        channel: sipas::responses::Channel::Paper,
        procedure_code: None,
        procedure_field: None,
        submitted_at: chrono::Utc::now(),
        time_zone: chrono_tz::Asia::Ho_Chi_Minh,
        token: None,
        ticket: None,
    }
}

/// A file or directory of this checkout. Read when the tests run, not when they are
/// compiled: checkouts that share a target directory share the compiled tests too.
pub fn checkout_path(relative: &str) -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join(relative)
}

/// Settings for tests that send many answers from one address to one desk.
pub fn without_rate_limits(settings: &mut Settings) {
    settings.submission_limit_per_ip = 0;
    settings.submission_limit_per_desk = 0;
}

/// How long a test waits for something that takes about `typical` on an idle machine
/// before calling it a failure. Tests wait for conditions, never for fixed times; the
/// deadline only ends a test that would otherwise hang, so it is generous: the machines
/// are shared (two cores, several test runs at once), debug builds are several times
/// slower, and `SIPAS_TEST_PATIENCE` (a factor, default 1) stretches it further.
pub fn patience(typical: Duration) -> Duration {
    let build = if cfg!(debug_assertions) { 4.0 } else { 1.0 };
    let asked = std::env::var("SIPAS_TEST_PATIENCE")
        .ok()
        .and_then(|factor| factor.parse::<f64>().ok())
        .filter(|factor| *factor > 0.0)
        .unwrap_or(1.0);
    typical.mul_f64(10.0 * build * asked)
}

/// Waits until `condition` holds, looking again and again; fails naming `what` after
/// [`patience`]`(typical)`.
#[track_caller]
pub fn wait_until(what: &str, typical: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + patience(typical);
    let mut pause = Duration::from_millis(5);
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "{what}: not after {:?}",
            patience(typical)
        );
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// The same in an async test, without blocking its runtime.
pub async fn wait_until_async<F, Fut>(what: &str, typical: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + patience(typical);
    let mut pause = Duration::from_millis(5);
    while !condition().await {
        assert!(
            Instant::now() < deadline,
            "{what}: not after {:?}",
            patience(typical)
        );
        actix_web::rt::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}
