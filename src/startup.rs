//! Building the application: the database, then the HTTP server on a listener of its own
//! (so tests can ask for port 0).

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::auth::secrets::Secrets;
use crate::config::Settings;
use crate::db::{Database, DbError, migrations};
use crate::forms::registry::read_forms;
use crate::forms::{FormProblem, FormRegistry};
use crate::i18n::{Localized, Message};
use crate::telemetry::RequestSpan;
use crate::web::csrf::forms_carry_their_token;
use crate::web::dashboard::export::DownloadSlots;
use crate::web::error::{form_error, json_payload_error, query_error};
use crate::web::error_pages::error_handlers;
use crate::web::middleware::{body_deadline, private_responses};
use crate::web::rate_limit::Limits;

/// Why the application could not start.
#[derive(Debug)]
pub enum StartupError {
    Db(DbError),
    /// The questionnaires have problems; each is reported.
    Forms(Vec<FormProblem>),
    Listen {
        address: String,
        error: std::io::Error,
    },
    /// The SMTP settings cannot make a mail transport.
    Mail(String),
}

impl Localized for StartupError {
    fn message(&self) -> Message {
        match self {
            StartupError::Db(e) => e.message(),
            StartupError::Forms(problems) => Message::new(
                format!(
                    "phiếu khảo sát không hợp lệ ({} lỗi), máy chủ không khởi động",
                    problems.len()
                ),
                format!(
                    "the questionnaires have {} problem(s); not starting",
                    problems.len()
                ),
            ),
            StartupError::Mail(error) => Message::new(
                format!("cấu hình SMTP không dùng được: {error}"),
                format!("the SMTP settings cannot be used: {error}"),
            ),
            StartupError::Listen { address, error } => Message::new(
                format!("không mở được địa chỉ {address} để phục vụ: {error}"),
                format!("cannot listen on {address}: {error}"),
            ),
        }
    }
}

impl std::fmt::Display for StartupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for StartupError {}

impl From<DbError> for StartupError {
    fn from(e: DbError) -> Self {
        StartupError::Db(e)
    }
}

/// Connects to the configured database and applies pending migrations; returns the
/// database and the migrations applied.
pub fn open_database(settings: &Settings) -> Result<(Database, Vec<String>), DbError> {
    let location = settings.database();
    // The data directory is sipas's own and made when missing; a database the settings
    // place elsewhere must be somewhere that exists.
    if let crate::db::DatabaseLocation::Sqlite(path) = &location
        && path.parent() == Some(settings.data_dir.as_path())
    {
        std::fs::create_dir_all(&settings.data_dir)
            .map_err(|e| DbError::Connect(format!("{}: {e}", settings.data_dir.display())))?;
    }
    let db = Database::connect(
        &location,
        settings.database_pool_size,
        settings.database_timeout_seconds,
    )?;
    let mut conn = db.conn()?;
    let applied = migrations::run_pending(&mut conn)?;
    drop(conn);
    if !applied.is_empty() {
        tracing::info!(?applied, "database migrations applied");
    }
    Ok((db, applied))
}

/// A database, migrated, with the questionnaires registered: what every part of sipas
/// that serves or stores responses starts from.
#[derive(Clone)]
pub struct Prepared {
    pub db: Database,
    pub forms: FormRegistry,
    pub secrets: Secrets,
}

/// Reads the questionnaires (refusing any invalid one), opens and migrates the database,
/// and registers the questionnaires' versions.
pub fn prepare(settings: &Settings) -> Result<Prepared, StartupError> {
    let forms =
        read_forms(&settings.forms_dir, settings.forms_dir_is_default()).map_err(StartupError::Forms)?;
    let (db, _) = open_database(settings)?;
    let mut conn = db.conn()?;
    let forms = FormRegistry::register(&mut conn, forms)?;
    let secrets = Secrets::load(&mut conn)?;
    drop(conn);
    Ok(Prepared { db, forms, secrets })
}

/// A running (or ready to run) sipas web server.
pub struct Application {
    server: Server,
    address: SocketAddr,
    base_url: String,
    /// Sends digests and alerts while the server runs (none without an SMTP server).
    mail_worker: Option<crate::mail::worker::Worker>,
}

impl Application {
    /// Binds the listener and builds the server. Must be called inside the actix runtime.
    pub fn build(settings: &Settings, prepared: Prepared) -> Result<Application, StartupError> {
        let listen_error = |error| StartupError::Listen {
            address: settings.bind.clone(),
            error,
        };
        let listener = TcpListener::bind(&settings.bind).map_err(listen_error)?;
        let address = listener.local_addr().map_err(listen_error)?;
        let mut settings = settings.clone();
        if settings.base_url.trim().is_empty() {
            // The real port, when the configuration asked for port 0.
            settings.base_url = format!("http://{address}");
        }
        let base_url = settings.public_base_url();
        let mail_worker =
            crate::mail::worker::spawn(prepared.db.clone(), prepared.forms.clone(), settings.clone())
                .map_err(StartupError::Mail)?;
        let shutdown_timeout = settings.shutdown_timeout_seconds;
        let limits = web::Data::new(Limits::from_settings(&settings));
        let downloads = web::Data::new(DownloadSlots::default());
        let strict_transport = settings.secure_cookies();
        let settings = web::Data::new(settings);
        let metrics = crate::metrics::Metrics::new();
        let committer = web::Data::new(crate::responses::committer::Committer::start(
            prepared.db.clone(),
            metrics.clone(),
        ));
        let metrics = web::Data::new(metrics);
        let db = web::Data::new(prepared.db);
        let forms = web::Data::new(prepared.forms);
        let secrets = web::Data::new(prepared.secrets);
        let months = web::Data::new(crate::indices::trend::MonthCache::default());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(db.clone())
                .app_data(months.clone())
                .app_data(committer.clone())
                .app_data(metrics.clone())
                .app_data(forms.clone())
                .app_data(secrets.clone())
                .app_data(settings.clone())
                .app_data(limits.clone())
                .app_data(downloads.clone())
                // Room for every answer and a 2,000-character comment, percent-encoded.
                .app_data(
                    web::FormConfig::default()
                        .limit(64 * 1024)
                        .error_handler(form_error),
                )
                .app_data(
                    web::JsonConfig::default()
                        .limit(16 * 1024)
                        .error_handler(json_payload_error),
                )
                .app_data(web::QueryConfig::default().error_handler(query_error))
                .configure(crate::web::routes)
                .wrap(from_fn(forms_carry_their_token))
                .wrap(from_fn(body_deadline))
                .wrap(error_handlers())
                .wrap(from_fn(private_responses))
                .wrap(security_headers(strict_transport))
                .wrap(Compress::default())
                .wrap(from_fn(crate::web::metrics::count_requests))
                .wrap(TracingLogger::<RequestSpan>::new())
        })
        .listen(listener)
        .map_err(listen_error)?
        .shutdown_timeout(shutdown_timeout)
        .run();
        Ok(Application {
            server,
            address,
            base_url,
            mail_worker,
        })
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The public address pages and QR codes use.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A handle to stop the server from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT or SIGTERM (or a stop through the handle); in-flight requests
    /// get `shutdown_timeout_seconds` to finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server, mail_worker, ..
        } = self;
        let result = server.await;
        // Stops the mail worker after its current pass.
        drop(mail_worker);
        result
    }
}

/// Headers on every response. No script may run (the pages need none), nothing may frame
/// the site, and no address, which can hold a ticket code, leaks to another site in a
/// `Referer` (`same-origin` rather than `no-referrer`: under `no-referrer` browsers send
/// `Origin: null` even from this site's own forms, which the survey's cross-site check
/// could not then tell apart from another site's). Behind an
/// `https` public address, browsers are told to come back only over HTTPS.
fn security_headers(strict_transport: bool) -> DefaultHeaders {
    let headers = if strict_transport {
        DefaultHeaders::new().add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        DefaultHeaders::new()
    };
    headers
        .add((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
}
