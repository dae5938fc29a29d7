//! `/units/{code}`: a unit as an official sees it — its place in the tree, its sub-units
//! and desks. (The indices dashboard builds on this page.)

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::AppError;
use super::pages::{self, Page};
use crate::auth::extract::UnitAccess;
use crate::auth::secrets::Secrets;
use crate::auth::{Permission, authorize};
use crate::config::Settings;
use crate::db::desks::Desk;
use crate::db::units::Unit;
use crate::db::{self, Database, DbError};

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage<'a> {
    page: Page,
    unit: &'a Unit,
    /// Ancestors the user may also read, top first (for the breadcrumbs).
    readable_ancestors: Vec<Unit>,
    children: Vec<Unit>,
    desks: Vec<Desk>,
}

/// `GET /units/{code}`
pub async fn show(
    req: HttpRequest,
    access: UnitAccess,
    db: web::Data<Database>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let UnitAccess { identity, unit } = access;
    let page = Page::signed_in(&req, &identity, &secrets, &settings);
    let code = unit.code.clone();
    let who = identity.clone();
    let (readable_ancestors, children, desks) = db
        .run(move |conn| -> Result<_, DbError> {
            let mut ancestors = Vec::new();
            for ancestor in db::units::lineage(conn, &code)?.into_iter().skip(1) {
                if authorize(conn, &who, &Permission::ReadUnit(ancestor.code.clone()))? {
                    ancestors.push(ancestor);
                }
            }
            ancestors.reverse();
            let children = db::units::children(conn, Some(&code))?;
            let desks = db::desks::list(conn, Some(std::slice::from_ref(&code)))?;
            Ok((ancestors, children, desks))
        })
        .await?;
    pages::render(
        &page,
        StatusCode::OK,
        &UnitPage {
            page: page.clone(),
            unit: &unit,
            readable_ancestors,
            children,
            desks,
        },
    )
}
