//! The mail worker: a thread beside the web server that, every `alert_check_seconds`,
//! queues the digests due and the alerts of rules that hold, and every
//! `mail_poll_seconds` sends what the outbox holds. Every replica may run one: queueing is
//! idempotent (each mail has its key) and sending claims each mail for one worker.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::send::{Delivered, Mailer, deliver_due};
use super::{alerts, digest};
use crate::config::Settings;
use crate::db::{Database, DbConnection};
use crate::forms::FormRegistry;
use crate::indices::ReportError;

/// Queues the digests due today and the alerts of rules that hold now; how many mails.
pub fn queue_due(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    settings: &Settings,
) -> Result<usize, ReportError> {
    let now = Utc::now();
    let today = now.with_timezone(&settings.tz()).date_naive();
    Ok(digest::queue_due(conn, forms, settings, today)? + alerts::check_all(conn, forms, settings, now)?)
}

/// Sends what is due now.
pub fn deliver(
    conn: &mut DbConnection,
    mailer: &Mailer,
    settings: &Settings,
) -> diesel::QueryResult<Delivered> {
    let retry = chrono::Duration::seconds(settings.mail_retry_seconds as i64);
    deliver_due(conn, mailer, retry, crate::db::now)
}

/// A running worker; dropping it stops the thread after its current pass.
pub struct Worker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the worker, or nothing when no SMTP server is set.
pub fn spawn(db: Database, forms: FormRegistry, settings: Settings) -> Result<Option<Worker>, String> {
    let Some(mailer) = Mailer::from_settings(&settings)? else {
        return Ok(None);
    };
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::Builder::new()
        .name("sipas-mail".into())
        .spawn(move || run(&db, &forms, &settings, &mailer, &stopping))
        .map_err(|e| e.to_string())?;
    Ok(Some(Worker {
        stop,
        thread: Some(thread),
    }))
}

fn run(db: &Database, forms: &FormRegistry, settings: &Settings, mailer: &Mailer, stop: &AtomicBool) {
    let check_every = Duration::from_secs(settings.alert_check_seconds);
    let poll = Duration::from_secs(settings.mail_poll_seconds);
    let mut last_check: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        // The database may be away for a while: say so, and try again next time.
        match db.conn() {
            Ok(mut conn) => {
                if last_check.is_none_or(|at| at.elapsed() >= check_every) {
                    last_check = Some(Instant::now());
                    if let Err(error) = queue_due(&mut conn, forms, settings) {
                        tracing::error!(?error, "digests and alerts not queued");
                    }
                }
                match deliver(&mut conn, mailer, settings) {
                    Ok(done) if done != Delivered::default() => {
                        tracing::info!(sent = done.sent, failed = done.failed, "mail");
                    }
                    Ok(_) => {}
                    Err(error) => tracing::error!(%error, "mail not delivered"),
                }
            }
            Err(error) => tracing::error!(%error, "mail worker: no database connection"),
        }
        let slept = Instant::now();
        while slept.elapsed() < poll && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100).min(poll));
        }
    }
}
