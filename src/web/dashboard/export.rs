//! `GET /units/{code}/export.{csv|xlsx|parquet}?form=&period=|from=&to=`: the responses
//! behind the dashboard, streamed as they are written: the export runs on a blocking
//! thread and hands the response body chunks through a small bounded channel, so a
//! download of a million responses holds a few pages in memory, never the file.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, RETRY_AFTER};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use tokio::sync::mpsc;

use super::filters::FilterQuery;
use super::{checked_filters, today};
use crate::auth::{Identity, Who};
use crate::config::Settings;
use crate::db::Database;
use crate::forms::FormRegistry;
use crate::i18n::{Localized, Message};
use crate::responses::export::{ExportFormat, ExportRequest, export};
use crate::web::AppError;
use crate::web::extract::UnitAccess;

/// Bytes gathered before a chunk is handed on.
const CHUNK: usize = 64 * 1024;

type Chunks = mpsc::Sender<Result<Bytes, std::io::Error>>;

/// A writer that sends what it is given to the response, waiting while the client is
/// slower than the export — up to a limit, after which the download is broken off.
struct ChannelWriter {
    sender: Chunks,
    buffer: Vec<u8>,
    send_timeout: Duration,
    /// Set when the client stopped reading or the export failed: the response then ends
    /// in an error, so the client sees a broken download rather than a short file that
    /// looks whole.
    broken: Arc<AtomicBool>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        // The export runs on a blocking thread of the runtime, which may wait on it.
        let sent = tokio::runtime::Handle::current().block_on(tokio::time::timeout(
            self.send_timeout,
            self.sender.send(Ok(chunk)),
        ));
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the download was stopped",
            )),
            Err(_) => {
                self.broken.store(true, Ordering::Relaxed);
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the client stopped reading the download",
                ))
            }
        }
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        let _ = self.send();
    }
}

/// Downloads running per user or token, so that one account cannot tie up the server's
/// threads with downloads it never reads.
#[derive(Debug, Default)]
pub struct DownloadSlots {
    running: Mutex<HashMap<String, u32>>,
}

/// A running download's place; given back when dropped (the export ended or broke off).
pub struct Slot {
    slots: web::Data<DownloadSlots>,
    holder: String,
}

impl DownloadSlots {
    fn take(slots: &web::Data<DownloadSlots>, holder: String, most: u32) -> Option<Slot> {
        let mut running = slots.running.lock().ok()?;
        let count = running.entry(holder.clone()).or_insert(0);
        if *count >= most {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: slots.clone(),
            holder,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut running) = self.slots.running.lock()
            && let Some(count) = running.get_mut(&self.holder)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                running.remove(&self.holder);
            }
        }
    }
}

fn holder_of(identity: &Identity) -> String {
    match &identity.who {
        Who::User { id, .. } => format!("user:{id}"),
        Who::Token { id, .. } => format!("token:{id}"),
    }
}

fn too_many_downloads(most: u32) -> AppError {
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        Message::new(
            format!("Tài khoản này đang tải {most} tệp cùng lúc. Vui lòng chờ các tệp đó tải xong rồi thử lại."),
            format!("This account is already downloading {most} files at once. Please wait until they finish, then try again."),
        ),
    )
    .with_header(RETRY_AFTER, "30".into())
}

/// `GET /units/{code}/export.{format}`
pub async fn download(
    req: HttpRequest,
    access: UnitAccess,
    query: web::Query<FilterQuery>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    settings: web::Data<Settings>,
    slots: web::Data<DownloadSlots>,
) -> Result<HttpResponse, AppError> {
    let format = match req.match_info().get("format") {
        Some("csv") => ExportFormat::Csv,
        Some("xlsx") => ExportFormat::Xlsx,
        Some("parquet") => ExportFormat::Parquet,
        _ => return Err(AppError::page_not_found()),
    };
    let (filters, form) = checked_filters(&query, &forms, today(&settings)?)?;
    let slot = DownloadSlots::take(&slots, holder_of(&access.identity), settings.downloads_per_user)
        .ok_or_else(|| too_many_downloads(settings.downloads_per_user))?;
    // Checked before answering, so an unavailable database is a clear error page, not a
    // broken download. No connection is held while the download runs: each page of
    // responses takes one and gives it back before it is written.
    db.ping().await?;
    let name = format!(
        "sipas-{}-{}-{}.{}",
        access.unit.code,
        form.form.id,
        filters.period.label().replace("..", "_"),
        format.extension()
    );
    let (sender, mut receiver) = mpsc::channel(4);
    let unit = access.unit.code.clone();
    let keep_open = sender.clone();
    let broken = Arc::new(AtomicBool::new(false));
    let (writer_broken, export_broken) = (broken.clone(), broken.clone());
    let send_timeout = Duration::from_secs(settings.download_send_timeout_seconds);
    let pool = db.get_ref().clone();
    // Started now and left to run (its handle is not awaited): the response streams
    // what it writes.
    let _running = web::block(move || {
        let _slot = slot;
        let request = ExportRequest {
            form: &form,
            unit: Some(&unit),
            period: filters.period,
            field: filters.field.as_deref(),
            format,
        };
        let out = ChannelWriter {
            sender,
            buffer: Vec::with_capacity(CHUNK),
            send_timeout,
            broken: writer_broken,
        };
        if let Err(error) = export(&pool, &request, out, &|_| {}) {
            // The response has begun: the best left is to break it, so that the client
            // sees an incomplete download rather than a short file that looks whole.
            tracing::warn!(error = %error.message().en, "a download was broken off");
            export_broken.store(true, Ordering::Relaxed);
        }
        // Closing the channel only now wakes the response to see the flag.
        drop(keep_open);
    });
    let body = futures_util::stream::poll_fn(move |cx| {
        if broken.load(Ordering::Relaxed) {
            return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading the download",
            ))));
        }
        receiver.poll_recv(cx)
    });
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((CACHE_CONTROL, "private, no-store"))
        .streaming(body))
}
