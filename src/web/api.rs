//! The JSON API under `/api/v1/`, for the one-stop software and data teams (bearer
//! tokens) and for signed-in users.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::AppError;
use crate::auth::Identity;
use crate::auth::extract::{SignedIn, UnitAccess};
use crate::db::units::Unit;
use crate::db::{self, Database, DbError};

/// `GET /api/v1/me`: who the token or session is, and what it may do.
pub async fn me(SignedIn(identity): SignedIn) -> web::Json<Identity> {
    web::Json(identity)
}

#[derive(Serialize)]
struct UnitDocument {
    #[serde(flatten)]
    unit: Unit,
    children: Vec<Unit>,
}

/// `GET /api/v1/units/{code}`: a unit and its children.
pub async fn unit(access: UnitAccess, db: web::Data<Database>) -> Result<HttpResponse, AppError> {
    let code = access.unit.code.clone();
    let children = db
        .run(move |conn| db::units::children(conn, Some(&code)).map_err(DbError::from))
        .await?;
    Ok(HttpResponse::Ok().json(UnitDocument {
        unit: access.unit,
        children,
    }))
}
