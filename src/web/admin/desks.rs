//! `/admin/desks`: add desks, rename them, assign their form, take them out of service.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Ctx, Done, see_other};
use crate::db::desks::Desk;
use crate::db::{self, DbError};
use crate::desks::{self as desk_ops, DeskError, DeskForms, POSTER_FORM, TICKET_FORM};
use crate::i18n::Localized;
use crate::web::AppError;
use crate::web::extract::Guarded;
use crate::web::pages::Page;

/// A listing shows at most this many desks; narrow it with a unit.
const MAX_LISTED: usize = 500;

#[derive(Template)]
#[template(path = "admin/desks.html")]
struct DesksPage<'a> {
    page: Page,
    section: &'static str,
    unit: &'a str,
    desks: &'a [Desk],
    more: usize,
    forms: Vec<String>,
    notice: String,
    error: String,
    new: NewDesk,
}

#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    unit: String,
    #[serde(flatten)]
    done: Done,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewDesk {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    ticket_form: String,
}

async fn render(
    ctx: &Ctx,
    unit: &str,
    status: StatusCode,
    notice: String,
    error: String,
    new: NewDesk,
) -> Result<HttpResponse, AppError> {
    let filter = unit.trim().to_string();
    let desks = ctx
        .db
        .run(move |conn| -> Result<Vec<Desk>, DbError> {
            let units = if filter.is_empty() {
                None
            } else {
                Some(db::units::subtree_codes(conn, &filter)?)
            };
            Ok(db::desks::list(conn, units.as_deref())?)
        })
        .await?;
    let more = desks.len().saturating_sub(MAX_LISTED);
    let mut new = new;
    if new.unit.is_empty() {
        new.unit = unit.trim().to_string();
    }
    if new.form.is_empty() {
        new.form = POSTER_FORM.to_string();
    }
    if new.ticket_form.is_empty() {
        new.ticket_form = TICKET_FORM.to_string();
    }
    let template = DesksPage {
        page: ctx.page.clone(),
        section: "desks",
        unit: unit.trim(),
        desks: &desks[..desks.len().min(MAX_LISTED)],
        more,
        forms: ctx.forms.ids(),
        notice,
        error,
        new,
    };
    ctx.render(status, &template)
}

/// `GET /admin/desks?unit=CODE`: the desks of a unit and its subtree (or all).
pub async fn list(ctx: Ctx, query: web::Query<Filter>) -> Result<HttpResponse, AppError> {
    let notice = query.done.notice(&ctx);
    render(
        &ctx,
        &query.unit,
        StatusCode::OK,
        notice,
        String::new(),
        NewDesk::default(),
    )
    .await
}

/// `POST /admin/desks`
pub async fn add(Guarded(ctx, form): Guarded<Ctx, web::Form<NewDesk>>) -> Result<HttpResponse, AppError> {
    let new = form.into_inner();
    let known = ctx.forms.ids();
    let desk = new.clone();
    let result = ctx
        .db
        .run(move |conn| {
            // A form that sends no ticket form (an older page) keeps the default.
            let forms = DeskForms {
                poster: &desk.form,
                ticket: if desk.ticket_form.is_empty() {
                    TICKET_FORM
                } else {
                    &desk.ticket_form
                },
            };
            match desk_ops::add(conn, desk.unit.trim(), &desk.name, forms, &known) {
                Err(DeskError::Db(e)) => Err(e),
                other => Ok(other),
            }
        })
        .await?;
    match result {
        Ok(desk) => Ok(see_other(&format!(
            "/admin/desks?unit={}&ok=added",
            desk.unit_code
        ))),
        Err(refused) => {
            let error = refused.message().sentence(ctx.page.lang);
            let unit = new.unit.clone();
            render(
                &ctx,
                &unit,
                StatusCode::UNPROCESSABLE_ENTITY,
                String::new(),
                error,
                new,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/desk_edit.html")]
struct EditPage<'a> {
    page: Page,
    section: &'static str,
    desk: &'a Desk,
    forms: Vec<String>,
    error: String,
}

async fn find(ctx: &Ctx, id: i64) -> Result<Desk, AppError> {
    let desk = ctx
        .db
        .run(move |conn| db::desks::find(conn, id).map_err(DbError::from))
        .await?;
    desk.ok_or_else(AppError::page_not_found)
}

/// `GET /admin/desks/{id}`
pub async fn edit(ctx: Ctx, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let desk = find(&ctx, id.into_inner()).await?;
    let page = EditPage {
        page: ctx.page.clone(),
        section: "desks",
        desk: &desk,
        forms: ctx.forms.ids(),
        error: String::new(),
    };
    ctx.render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct DeskChange {
    #[serde(default)]
    name: String,
    #[serde(default)]
    form: String,
    /// Absent from an older page: the desk keeps its ticket form.
    #[serde(default)]
    ticket_form: Option<String>,
    /// A checkbox: present when ticked.
    #[serde(default)]
    enabled: Option<String>,
}

/// `POST /admin/desks/{id}`
pub async fn save(
    Guarded(ctx, form): Guarded<Ctx, web::Form<DeskChange>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let change = form.into_inner();
    let mut desk = find(&ctx, id.into_inner()).await?;
    let known = ctx.forms.ids();
    let ticket_form = change
        .ticket_form
        .clone()
        .unwrap_or_else(|| desk.ticket_form_id.clone());
    let (id, name, form_id, enabled) = (
        desk.id,
        change.name.clone(),
        change.form.clone(),
        change.enabled.is_some(),
    );
    let kept_ticket_form = ticket_form.clone();
    let result = ctx
        .db
        .run(move |conn| {
            let forms = DeskForms {
                poster: &form_id,
                ticket: &ticket_form,
            };
            match desk_ops::update(conn, id, &name, forms, enabled, &known) {
                Err(DeskError::Db(e)) => Err(e),
                other => Ok(other),
            }
        })
        .await?;
    match result {
        Ok(saved) => Ok(see_other(&format!(
            "/admin/desks?unit={}&ok=saved",
            saved.unit_code
        ))),
        Err(refused) => {
            desk.name = change.name;
            desk.form_id = change.form;
            desk.ticket_form_id = kept_ticket_form;
            desk.enabled = change.enabled.is_some();
            let error = refused.message().sentence(ctx.page.lang);
            let page = EditPage {
                page: ctx.page.clone(),
                section: "desks",
                desk: &desk,
                forms: ctx.forms.ids(),
                error,
            };
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
