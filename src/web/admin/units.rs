//! `/admin/units`: browse the tree, add, rename, import a CSV file.

use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes as UploadedBytes;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Ctx, Done, see_other};
use crate::db::units::Unit;
use crate::db::{self, DbError};
use crate::i18n::Message;
use crate::units::import::{ImportError, ImportSummary, Problem, clean_line, import_csv, save_unit};
use crate::web::AppError;
use crate::web::extract::Guarded;
use crate::web::pages::Page;

/// At most this many problems of a rejected file are listed.
const SHOWN_PROBLEMS: usize = 100;

pub struct Row {
    pub unit: Unit,
    pub children: i64,
}

#[derive(Template)]
#[template(path = "admin/units.html")]
struct UnitsPage<'a> {
    page: Page,
    section: &'static str,
    /// The unit whose children are listed (none: the top level), with its ancestors.
    parent: Option<&'a Unit>,
    lineage: &'a [Unit],
    rows: &'a [Row],
    notice: String,
    error: String,
    /// What the add form held, kept after a mistake.
    new: NewUnit,
    summary: Option<ImportSummary>,
    problems: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct Browse {
    #[serde(default)]
    parent: String,
    #[serde(flatten)]
    done: Done,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewUnit {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent: String,
}

/// What the units page shows besides the listing.
#[derive(Default)]
struct Outcome {
    status: Option<StatusCode>,
    notice: String,
    error: String,
    new: NewUnit,
    summary: Option<ImportSummary>,
    problems: Vec<String>,
}

async fn render(ctx: &Ctx, parent: &str, outcome: Outcome) -> Result<HttpResponse, AppError> {
    let parent_code = (!parent.is_empty()).then(|| parent.to_string());
    let (lineage, rows) = ctx
        .db
        .run(move |conn| -> Result<_, DbError> {
            let lineage = match &parent_code {
                Some(code) => db::units::lineage(conn, code)?,
                None => Vec::new(),
            };
            let counts = db::units::child_counts(conn)?;
            let children = db::units::children(conn, parent_code.as_deref())?;
            let rows = children
                .into_iter()
                .map(|unit| Row {
                    children: counts.get(&unit.code).copied().unwrap_or(0),
                    unit,
                })
                .collect::<Vec<_>>();
            Ok((lineage, rows))
        })
        .await?;
    if !parent.is_empty() && lineage.is_empty() {
        return Err(AppError::page_not_found());
    }
    let mut new = outcome.new;
    if new.parent.is_empty() {
        new.parent = parent.to_string();
    }
    let ancestors: Vec<Unit> = lineage.iter().skip(1).rev().cloned().collect();
    let template = UnitsPage {
        page: ctx.page.clone(),
        section: "units",
        parent: lineage.first(),
        lineage: &ancestors,
        rows: &rows,
        notice: outcome.notice,
        error: outcome.error,
        new,
        summary: outcome.summary,
        problems: outcome.problems,
    };
    ctx.render(outcome.status.unwrap_or(StatusCode::OK), &template)
}

fn problem_lines(ctx: &Ctx, problems: &[Problem]) -> Vec<String> {
    let mut lines: Vec<String> = problems
        .iter()
        .take(SHOWN_PROBLEMS)
        .map(|p| {
            format!(
                "{} {}: {}",
                ctx.t("Dòng", "Line"),
                p.line,
                p.message.get(ctx.page.lang)
            )
        })
        .collect();
    if problems.len() > SHOWN_PROBLEMS {
        lines.push(format!(
            "… {} {}",
            problems.len() - SHOWN_PROBLEMS,
            ctx.t("lỗi khác", "more problems")
        ));
    }
    lines
}

/// `GET /admin/units?parent=CODE`
pub async fn list(ctx: Ctx, query: web::Query<Browse>) -> Result<HttpResponse, AppError> {
    let notice = query.done.notice(&ctx);
    render(
        &ctx,
        &query.parent,
        Outcome {
            notice,
            ..Outcome::default()
        },
    )
    .await
}

/// `POST /admin/units`: a new unit, checked like a line of an import file.
pub async fn add(Guarded(ctx, form): Guarded<Ctx, web::Form<NewUnit>>) -> Result<HttpResponse, AppError> {
    let new = form.into_inner();
    let unit = new.clone();
    let result = ctx
        .db
        .run(move |conn| -> Result<(), ImportError> {
            if db::units::find(conn, unit.code.trim())?.is_some() {
                return Err(ImportError::Rejected(vec![Problem {
                    line: 1,
                    message: crate::i18n::Message::new(
                        format!("đã có đơn vị mã «{}»", unit.code.trim()),
                        format!("there is already a unit «{}»", unit.code.trim()),
                    ),
                }]));
            }
            let parent = Some(unit.parent.as_str()).filter(|p| !p.trim().is_empty());
            save_unit(conn, &unit.code, &unit.name, &unit.kind, parent).map(|_| ())
        })
        .await;
    match result {
        Ok(()) => {
            let back = match new.parent.trim() {
                "" => "/admin/units?ok=added".to_string(),
                parent => format!("/admin/units?parent={parent}&ok=added"),
            };
            Ok(see_other(&back))
        }
        Err(ImportError::Db(e)) => Err(e.into()),
        Err(ImportError::Rejected(problems)) => {
            let error = problems
                .iter()
                .map(|p| p.message.get(ctx.page.lang))
                .collect::<Vec<_>>()
                .join("; ");
            let parent = new.parent.trim().to_string();
            render(
                &ctx,
                &parent,
                Outcome {
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    error,
                    new,
                    ..Outcome::default()
                },
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/unit_edit.html")]
struct EditPage<'a> {
    page: Page,
    section: &'static str,
    unit: &'a Unit,
    error: String,
}

async fn find(ctx: &Ctx, code: String) -> Result<Unit, AppError> {
    let unit = ctx
        .db
        .run(move |conn| db::units::find(conn, &code).map_err(DbError::from))
        .await?;
    unit.ok_or_else(AppError::page_not_found)
}

/// `GET /admin/units/{code}`
pub async fn edit(ctx: Ctx, code: web::Path<String>) -> Result<HttpResponse, AppError> {
    let unit = find(&ctx, code.into_inner()).await?;
    ctx.render(
        StatusCode::OK,
        &EditPage {
            page: ctx.page.clone(),
            section: "units",
            unit: &unit,
            error: String::new(),
        },
    )
}

#[derive(Deserialize)]
pub struct Rename {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    /// The public page's checkbox: present (`on`) when ticked.
    #[serde(default)]
    public: Option<String>,
    /// The agency line of its questionnaire (absent from an older page: kept).
    #[serde(default)]
    agency_name: Option<String>,
    /// A hotline or feedback address for the thank-you page (absent: kept).
    #[serde(default)]
    feedback_contact: Option<String>,
}

/// `POST /admin/units/{code}`: a new name or kind (the code and place in the tree stay),
/// and whether its public page is open.
pub async fn save(
    Guarded(ctx, form): Guarded<Ctx, web::Form<Rename>>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let rename = form.into_inner();
    let mut unit = find(&ctx, code.into_inner()).await?;
    let (code, parent) = (unit.code.clone(), unit.parent_code.clone());
    let (name, kind) = (rename.name.clone(), rename.kind.clone());
    let public = rename.public.is_some();
    // The citizen-facing lines, checked before anything is saved.
    let line = |text: &Option<String>, what: Message| -> Result<Option<Option<String>>, Problem> {
        text.as_deref()
            .map(|t| clean_line(t, 200))
            .transpose()
            .map_err(|m| Problem {
                line: 1,
                message: Message::new(format!("{}: {}", what.vi, m.vi), format!("{}: {}", what.en, m.en)),
            })
    };
    let lines = line(
        &rename.agency_name,
        Message::new("cơ quan chủ quản", "agency line"),
    )
    .and_then(|agency| {
        line(
            &rename.feedback_contact,
            Message::new("nơi nhận phản ánh", "feedback contact"),
        )
        .map(|contact| (agency, contact))
    });
    let result = ctx
        .db
        .run(move |conn| -> Result<_, ImportError> {
            let (agency, contact) = lines.map_err(|problem| ImportError::Rejected(vec![problem]))?;
            save_unit(conn, &code, &name, &kind, parent.as_deref())?;
            db::units::set_public(conn, &code, public)?;
            if let Some(agency) = agency {
                db::units::set_agency(conn, &code, agency.as_deref())?;
            }
            if let Some(contact) = contact {
                db::units::set_feedback_contact(conn, &code, contact.as_deref())?;
            }
            Ok(())
        })
        .await;
    match result {
        Ok(_) => {
            let back = match &unit.parent_code {
                Some(parent) => format!("/admin/units?parent={parent}&ok=saved"),
                None => "/admin/units?ok=saved".to_string(),
            };
            Ok(see_other(&back))
        }
        Err(ImportError::Db(e)) => Err(e.into()),
        Err(ImportError::Rejected(problems)) => {
            let error = problems
                .iter()
                .map(|p| p.message.get(ctx.page.lang))
                .collect::<Vec<_>>()
                .join("; ");
            unit.name = rename.name;
            unit.kind = rename.kind;
            unit.agency_name = rename.agency_name.or(unit.agency_name);
            unit.feedback_contact = rename.feedback_contact.or(unit.feedback_contact);
            let page = EditPage {
                page: ctx.page.clone(),
                section: "units",
                unit: &unit,
                error,
            };
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// The upload form: the CSRF token travels as a field of the multipart body.
/// The import form (its CSRF token is checked by the router).
#[derive(MultipartForm)]
pub struct Upload {
    #[multipart(limit = "8MB")]
    file: UploadedBytes,
}

/// `POST /admin/units/import`: the same all-or-nothing import as `sipas units import`.
pub async fn import(
    Guarded(ctx, upload): Guarded<Ctx, MultipartForm<Upload>>,
) -> Result<HttpResponse, AppError> {
    let bytes = upload.into_inner().file.data.to_vec();
    let result = ctx.db.run(move |conn| import_csv(conn, &bytes)).await;
    match result {
        Ok(summary) => {
            render(
                &ctx,
                "",
                Outcome {
                    summary: Some(summary),
                    ..Outcome::default()
                },
            )
            .await
        }
        Err(ImportError::Db(e)) => Err(e.into()),
        Err(ImportError::Rejected(problems)) => {
            let problems = problem_lines(&ctx, &problems);
            let error = ctx
                .t(
                    "Tệp bị từ chối; không có gì được lưu.",
                    "The file was rejected; nothing was stored.",
                )
                .to_string();
            render(
                &ctx,
                "",
                Outcome {
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    error,
                    problems,
                    ..Outcome::default()
                },
            )
            .await
        }
    }
}
