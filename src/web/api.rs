//! The JSON API under `/api/v1/`, for the one-stop software and data teams (bearer
//! tokens) and for signed-in users.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::app::{dossiers, tickets};
use crate::auth::Identity;
use crate::codes::qr::{QrMatrix, Robustness};
use crate::config::Settings;
use crate::db::units::Unit;
use crate::db::{self, Database, DbError};
use crate::desks::{DEFAULT_FORM, survey_url};
use crate::dossiers::DossierCount;
use crate::forms::{FormRegistry, Rollup};
use crate::i18n::Localized;
use crate::indices::{Period, Population, ReportRequest, build_with_spare};
use crate::responses::procedure::normalize_field;
use crate::web::extract::{Guarded, SignedIn, UnitAccess};

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    form: Option<String>,
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    rollup: Option<Rollup>,
    rank_by: Option<String>,
    /// Only procedures of this field (lĩnh vực).
    field: Option<String>,
    /// `official` (the default) or `all`.
    population: Option<Population>,
}

/// `GET /api/v1/units/{code}/report?form=&period=|from=&to=&rollup=&rank_by=&field=`: the report
/// document, the same as `sipas report --format json`.
pub async fn report(
    access: UnitAccess,
    query: web::Query<ReportQuery>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let today = chrono::Utc::now().with_timezone(&settings.tz()).date_naive();
    let period = Period::choose(
        query.period.as_deref(),
        query.from.as_deref(),
        query.to.as_deref(),
        today,
    )
    .map_err(|e| AppError::bad_request(e.message()))?;
    let field = normalize_field(query.field.as_deref()).map_err(AppError::bad_request)?;
    let (min_sample, sample_margin) = (settings.min_sample, settings.sample_margin);
    let pool = db.get_ref().clone();
    let report = db
        .run(move |conn| {
            let request = ReportRequest {
                unit: &access.unit.code,
                form: query.form.as_deref().unwrap_or(DEFAULT_FORM),
                period,
                rollup: query.rollup,
                rank_by: query.rank_by.as_deref(),
                min_sample,
                field: field.as_deref(),
                population: query.population.unwrap_or(Population::Official),
                sample_margin,
            };
            let mut spare = pool.spare();
            build_with_spare(conn, spare.as_deref_mut(), &forms, &request)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Serialize)]
struct TicketDocument {
    code: String,
    url: String,
    /// RFC 3339, UTC.
    expires_at: String,
    /// The QR code of `url`, to print on the receipt.
    qr_svg: String,
}

/// `POST /api/v1/tickets`: a ticket for the one-stop software to print on the result
/// receipt. With a `dossier_code`, posting again returns the dossier's ticket (200)
/// instead of a second one (201).
pub async fn issue_ticket(
    Guarded(SignedIn(identity), web::Json(request)): Guarded<SignedIn, web::Json<tickets::TicketRequest>>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let config = settings.clone();
    let (ticket, new) = db
        .run(move |conn| tickets::issue(conn, &identity, &request, &config))
        .await?;
    let url = survey_url(&settings.public_base_url(), &ticket.code);
    let qr = QrMatrix::encode(&url, Robustness::Ticket).map_err(|e| AppError::internal(e.0))?;
    let document = TicketDocument {
        code: ticket.code,
        expires_at: format!("{}Z", ticket.expires_at.format("%Y-%m-%dT%H:%M:%S")),
        qr_svg: qr.svg(),
        url,
    };
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).json(document))
}

/// `POST /api/v1/dossiers`: dossiers received per unit and month, from the one-stop
/// software: `[{"unit_code": "00004", "month": "2025-07", "dossiers": 250}, …]`. All of
/// them or none; a unit-month given again replaces the old count. A token of each unit
/// or a unit above it.
pub async fn dossiers(
    Guarded(SignedIn(identity), web::Json(rows)): Guarded<SignedIn, web::Json<Vec<DossierCount>>>,
    db: web::Data<Database>,
) -> Result<HttpResponse, AppError> {
    let stored = db
        .run(move |conn| dossiers::report(conn, &identity, rows))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "stored": stored })))
}
