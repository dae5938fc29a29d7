//! Administration pages under `/admin/`: units, desks, users, API tokens, outgoing mail. Plain
//! server-rendered forms; every change goes through a CSRF-checked form.

mod desks;
mod mail;
mod tokens;
mod units;
mod users;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppError;
use super::pages::{self, Page};
use crate::auth::Identity;
use crate::auth::secrets::Secrets;
use crate::config::Settings;
use crate::db::{self, Database, DbError};
use crate::forms::FormRegistry;
use crate::i18n::Message;
use crate::web::extract::AdminAccess;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin").get(|| async { see_other("/admin/") }))
        .service(
            web::scope("/admin")
                .service(web::resource("/").get(index))
                .service(web::resource("/units").get(units::list).post(units::add))
                .service(web::resource("/units/import").post(units::import))
                .service(web::resource("/units/{code}").get(units::edit).post(units::save))
                .service(web::resource("/desks").get(desks::list).post(desks::add))
                .service(web::resource("/desks/{id}").get(desks::edit).post(desks::save))
                .service(web::resource("/users").get(users::list).post(users::add))
                .service(web::resource("/users/{id}").get(users::show))
                .service(web::resource("/users/{id}/grants").post(users::add_grant))
                .service(web::resource("/users/{id}/grants/{grant}/remove").post(users::remove_grant))
                .service(web::resource("/users/{id}/disabled").post(users::set_disabled))
                .service(web::resource("/users/{id}/password").post(users::reset_password))
                .service(web::resource("/tokens").get(tokens::list).post(tokens::create))
                .service(web::resource("/tokens/{id}/revoke").post(tokens::revoke))
                .service(web::resource("/mail").get(mail::list)),
        );
}

/// Everything an admin page needs, extracted once an administrator is known to ask.
pub struct Ctx {
    pub identity: Identity,
    pub page: Page,
    pub db: web::Data<Database>,
    pub forms: web::Data<FormRegistry>,
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Ctx, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let access = AdminAccess::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let AdminAccess(identity) = access.await?;
            let data = |name: &str| AppError::internal(format!("{name} is not configured"));
            let db = req
                .app_data::<web::Data<Database>>()
                .cloned()
                .ok_or_else(|| data("database"))?;
            let forms = req
                .app_data::<web::Data<FormRegistry>>()
                .cloned()
                .ok_or_else(|| data("forms"))?;
            let secrets = req
                .app_data::<web::Data<Secrets>>()
                .ok_or_else(|| data("secrets"))?;
            let settings = req
                .app_data::<web::Data<Settings>>()
                .cloned()
                .ok_or_else(|| data("settings"))?;
            let page = Page::signed_in(&req, &identity, secrets, &settings);
            Ok(Ctx {
                identity,
                page,
                db,
                forms,
            })
        })
    }
}

impl Ctx {
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.page.lang.pick(vi, en)
    }

    pub fn render(&self, status: StatusCode, template: &impl Template) -> Result<HttpResponse, AppError> {
        pages::render(&self.page, status, template)
    }
}

/// A redirect after a change (Post/Redirect/Get), so a reload does not repeat it.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to.to_string()))
        .finish()
}

/// `?ok=…` after a redirect: what the last change did.
#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    ok: String,
}

impl Done {
    /// The notice to show, in the page's language.
    pub fn notice(&self, ctx: &Ctx) -> String {
        let message = match self.ok.as_str() {
            "" => return String::new(),
            "saved" => Message::new("Đã lưu.", "Saved."),
            "added" => Message::new("Đã thêm.", "Added."),
            "revoked" => Message::new("Đã thu hồi.", "Revoked."),
            "removed" => Message::new("Đã gỡ quyền.", "Access removed."),
            _ => return String::new(),
        };
        message.get(ctx.page.lang).to_string()
    }
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    page: Page,
    section: &'static str,
    units: i64,
    desks: usize,
    users: usize,
    tokens: usize,
    forms: Vec<String>,
}

/// `GET /admin/`
async fn index(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let (units, desks, users, tokens) = ctx
        .db
        .run(|conn| -> Result<_, DbError> {
            Ok((
                db::units::count(conn)?,
                db::desks::list(conn, None)?.len(),
                db::users::list(conn)?.len(),
                db::tokens::list(conn)?
                    .iter()
                    .filter(|t| t.revoked_at.is_none())
                    .count(),
            ))
        })
        .await?;
    let forms = ctx
        .forms
        .all()
        .iter()
        .map(|f| format!("{} ({})", f.form.id, f.version_label()))
        .collect();
    ctx.render(
        StatusCode::OK,
        &IndexPage {
            page: ctx.page.clone(),
            section: "index",
            units,
            desks,
            users,
            tokens,
            forms,
        },
    )
}
