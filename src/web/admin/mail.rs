//! `/admin/mail`: the outbox — what waits, what keeps failing and why, what went out.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::Ctx;
use crate::db::outbox::{Mail, QueueStatus};
use crate::db::{self, DbError};
use crate::web::AppError;
use crate::web::pages::Page;

/// Mails listed at most.
const SHOWN: i64 = 100;

#[derive(Template)]
#[template(path = "admin/mail.html")]
struct MailPage {
    page: Page,
    section: &'static str,
    status: QueueStatus,
    mails: Vec<Mail>,
    /// Whether an SMTP server is set at all.
    configured: bool,
}

/// `GET /admin/mail`
pub async fn list(
    ctx: Ctx,
    settings: actix_web::web::Data<crate::config::Settings>,
) -> Result<HttpResponse, AppError> {
    let (status, mails) = ctx
        .db
        .run(|conn| -> Result<_, DbError> {
            Ok((db::outbox::status(conn)?, db::outbox::latest(conn, SHOWN)?))
        })
        .await?;
    ctx.render(
        StatusCode::OK,
        &MailPage {
            page: ctx.page.clone(),
            section: "mail",
            status,
            mails,
            configured: !settings.smtp_host.trim().is_empty(),
        },
    )
}
