//! Documents printed from the staff pages: a desk's poster and batches of tickets.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use actix_web::{HttpRequest, HttpResponse, web};

use super::{Outcome, PrintForm, data, render_desk};
use crate::app;
use crate::codes::print::{self, Document, PosterFormat};
use crate::codes::tickets::{MAX_BATCH, TicketError};
use crate::config::Settings;
use crate::db::{self, Database, DbError};
use crate::forms::FormRegistry;
use crate::i18n::{Lang, Localized, Message};
use crate::web::AppError;
use crate::web::extract::{DeskAccess, Guarded};

/// A document to open in the browser (and print from there) or, for data, to save.
fn document_response(document: Document, name: &str) -> HttpResponse {
    let disposition = if document.extension == "csv" {
        "attachment"
    } else {
        "inline"
    };
    HttpResponse::Ok()
        .content_type(document.content_type)
        .insert_header((
            CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"{name}.{}\"", document.extension),
        ))
        // Ticket codes are single-use secrets: no cache keeps a copy.
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(document.bytes)
}

/// `GET /staff/desks/{desk}/poster.{pdf|png|svg}`
pub async fn poster(req: HttpRequest, access: DeskAccess) -> Result<HttpResponse, AppError> {
    let format = req
        .match_info()
        .get("format")
        .and_then(PosterFormat::parse)
        .ok_or_else(AppError::page_not_found)?;
    let db = data::<Database>(&req)?;
    let settings = data::<Settings>(&req)?;
    let unit_code = access.desk.unit_code.clone();
    let unit = db
        .run(move |conn| db::units::find(conn, &unit_code)?.ok_or(diesel::result::Error::NotFound.into()))
        .await
        .map_err(|e: DbError| AppError::from(e))?;
    let desk = access.desk;
    let minutes = data::<FormRegistry>(&req)?
        .current(&desk.form_id)
        .map_or(1, |f| f.form.minutes());
    let base_url = settings.public_base_url();
    let name = format!("poster-{}", desk.code);
    let document = web::block(move || print::poster_document(&desk, &unit, &base_url, minutes, format))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(document_response(document, &name))
}

/// `POST /staff/desks/{desk}/tickets`: issues a batch and answers with it, ready to print.
pub async fn tickets(
    req: HttpRequest,
    Guarded(access, web::Form(form)): Guarded<DeskAccess, web::Form<PrintForm>>,
) -> Result<HttpResponse, AppError> {
    let refuse = |message: Message| {
        let outcome = Outcome {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            notice: String::new(),
            error: message.sentence(Lang::of_request(&req)),
        };
        render_desk(&req, &access, &form, outcome)
    };
    let Ok(count) = form.count.trim().parse::<usize>() else {
        return refuse(Message::new(
            format!("Số phiếu phải là một số từ 1 đến {MAX_BATCH}."),
            format!("The number of tickets must be a number from 1 to {MAX_BATCH}."),
        ))
        .await;
    };
    let db = data::<Database>(&req)?;
    let settings = data::<Settings>(&req)?;
    let desk = access.desk.clone();
    let (procedure, field) = (form.procedure.clone(), form.field.clone());
    let batch = db
        .run(move |conn| {
            app::tickets::print_batch(conn, &desk, count, (Some(&procedure), Some(&field)), &settings)
        })
        .await;
    let (cards, date) = match batch {
        Ok(batch) => batch,
        Err(TicketError::Db(e)) => return Err(e.into()),
        Err(refused) => return refuse(refused.message()).await,
    };
    let name = format!("tickets-{}-{date}", access.desk.code);
    let (layout, format) = (form.layout, form.format);
    let document = web::block(move || print::tickets_document(&cards, layout, format, &|_| {}))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(document_response(document, &name))
}
