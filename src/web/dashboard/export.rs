//! `GET /units/{code}/export.{csv|xlsx|parquet}?form=&period=|from=&to=`: the responses
//! behind the dashboard, streamed as they are written: the export runs on a blocking
//! thread and hands the response body chunks through a small bounded channel, so a
//! download of a million responses holds a few pages in memory, never the file.

use std::io::Write;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use tokio::sync::mpsc;

use super::filters::FilterQuery;
use super::{checked_filters, today};
use crate::auth::extract::UnitAccess;
use crate::config::Settings;
use crate::db::Database;
use crate::forms::FormRegistry;
use crate::i18n::Localized;
use crate::responses::export::{ExportFormat, ExportRequest, export};
use crate::web::AppError;

/// Bytes gathered before a chunk is handed on.
const CHUNK: usize = 64 * 1024;

/// A writer that sends what it is given to the response, blocking while the client is
/// slower than the export.
struct ChannelWriter {
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the download was stopped"))
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

/// `GET /units/{code}/export.{format}`
pub async fn download(
    req: HttpRequest,
    access: UnitAccess,
    query: web::Query<FilterQuery>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let format = match req.match_info().get("format") {
        Some("csv") => ExportFormat::Csv,
        Some("xlsx") => ExportFormat::Xlsx,
        Some("parquet") => ExportFormat::Parquet,
        _ => return Err(AppError::page_not_found()),
    };
    let (filters, form) = checked_filters(&query, &forms, today(&settings)?)?;
    let time_zone = settings.tz().map_err(AppError::internal)?;
    // The connection is taken before answering, so an unavailable database is a clear
    // error page, not a broken download.
    let pool = db.clone();
    let mut conn = web::block(move || pool.conn())
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::from)?;
    let name = format!(
        "sipas-{}-{}-{}.{}",
        access.unit.code,
        form.form.id,
        filters.period.label().replace("..", "_"),
        format.extension()
    );
    let (sender, mut receiver) = mpsc::channel(4);
    let unit = access.unit.code.clone();
    let failed = sender.clone();
    // Started now and left to run (its handle is not awaited): the response streams
    // what it writes.
    let _running = web::block(move || {
        let request = ExportRequest {
            form: &form,
            unit: Some(&unit),
            period: filters.period,
            field: filters.field.as_deref(),
            time_zone,
            format,
        };
        let out = ChannelWriter {
            sender,
            buffer: Vec::with_capacity(CHUNK),
        };
        if let Err(error) = export(&mut conn, &request, out, &|_| {}) {
            // The response has begun: the best left is to break it, so that the client
            // sees an incomplete download rather than a short file that looks whole.
            let message = error.message().en.to_string();
            let _ = failed.blocking_send(Err(std::io::Error::other(message)));
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((CACHE_CONTROL, "private, no-store"))
        .streaming(body))
}
