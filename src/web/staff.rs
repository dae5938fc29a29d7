//! `/staff/`: the desks a member of desk staff serves. (Posters and tickets build on it.)

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::AppError;
use super::pages::{self, Page};
use crate::auth::Role;
use crate::auth::extract::StaffAccess;
use crate::auth::secrets::Secrets;
use crate::config::Settings;
use crate::db::{self, Database, DbError};
use crate::desks::DeskInfo;

/// An administrator sees at most this many desks here.
const MAX_LISTED: usize = 200;

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    page: Page,
    desks: Vec<DeskInfo>,
}

/// `GET /staff/`
pub async fn index(
    req: HttpRequest,
    StaffAccess(identity): StaffAccess,
    db: web::Data<Database>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let page = Page::signed_in(&req, &identity, &secrets, &settings);
    let units: Option<Vec<String>> = (!identity.is_admin()).then(|| {
        identity
            .units_with(Role::Staff)
            .iter()
            .map(|u| u.to_string())
            .collect()
    });
    let base_url = settings.public_base_url();
    let desks = db
        .run(move |conn| db::desks::list(conn, units.as_deref()).map_err(DbError::from))
        .await?
        .into_iter()
        .take(MAX_LISTED)
        .map(|d| DeskInfo::new(d, &base_url))
        .collect();
    pages::render(
        &page,
        StatusCode::OK,
        &StaffPage {
            page: page.clone(),
            desks,
        },
    )
}
