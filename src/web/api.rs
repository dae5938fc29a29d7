//! The JSON API under `/api/v1/`, for the one-stop software and data teams (bearer
//! tokens) and for signed-in users.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::auth::extract::{Guarded, SignedIn, UnitAccess};
use crate::auth::{Identity, Permission, authorize};
use crate::codes::qr::{QrMatrix, Robustness};
use crate::codes::tickets::{self, Issue, TicketError};
use crate::config::Settings;
use crate::db::tickets::Ticket;
use crate::db::units::Unit;
use crate::db::{self, Database, DbError};
use crate::desks::{DEFAULT_FORM, find_by_code_or_id, survey_url};
use crate::dossiers::{DossierCount, DossierError};
use crate::forms::{FormRegistry, Rollup};
use crate::i18n::{Localized, Message};
use crate::indices::{Period, Population, ReportError, ReportRequest, build_with_spare};
use crate::responses::procedure::normalize_field;

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
    let today = chrono::Utc::now()
        .with_timezone(&settings.tz().map_err(AppError::internal)?)
        .date_naive();
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
            match build_with_spare(conn, spare.as_deref_mut(), &forms, &request) {
                Err(ReportError::Db(e)) => Err(e),
                other => Ok(other),
            }
        })
        .await?;
    match report {
        Ok(report) => Ok(HttpResponse::Ok().json(report)),
        Err(refused) => Err(AppError::bad_request(refused.message())),
    }
}

/// A desk as the one-stop software names it: its number, or its code.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum DeskName {
    Id(i64),
    Code(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketRequest {
    desk: DeskName,
    #[serde(default)]
    procedure_code: Option<String>,
    /// The procedure's field (lĩnh vực), e.g. «Hộ tịch».
    #[serde(default)]
    procedure_field: Option<String>,
    #[serde(default)]
    dossier_code: Option<String>,
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

/// Why the API issued no ticket, other than the database.
enum Refused {
    NoDesk,
    Forbidden,
    Invalid(TicketError),
}

/// `POST /api/v1/tickets`: a ticket for the one-stop software to print on the result
/// receipt. With a `dossier_code`, posting again returns the dossier's ticket (200)
/// instead of a second one (201).
pub async fn issue_ticket(
    Guarded(SignedIn(identity), web::Json(request)): Guarded<SignedIn, web::Json<TicketRequest>>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let config = settings.clone();
    let outcome = db
        .run(move |conn| -> Result<Result<(Ticket, bool), Refused>, DbError> {
            let desk = match &request.desk {
                DeskName::Id(id) => db::desks::find(conn, *id)?,
                DeskName::Code(code) => find_by_code_or_id(conn, code)?,
            };
            let Some(desk) = desk else {
                return Ok(Err(if identity.is_admin() {
                    Refused::NoDesk
                } else {
                    Refused::Forbidden
                }));
            };
            if !authorize(conn, &identity, &Permission::ServeDesksOf(desk.unit_code.clone()))? {
                return Ok(Err(Refused::Forbidden));
            }
            let mut issue = Issue::now(&desk, 1, request.procedure_code.as_deref(), &config);
            issue.procedure_field = request.procedure_field.as_deref();
            let issued = match request
                .dossier_code
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
            {
                Some(dossier) => tickets::for_dossier(conn, &issue, dossier),
                None => tickets::issue(conn, &issue).map(|mut batch| (batch.remove(0), true)),
            };
            match issued {
                Ok(ticket) => Ok(Ok(ticket)),
                Err(TicketError::Db(e)) => Err(e),
                Err(invalid) => Ok(Err(Refused::Invalid(invalid))),
            }
        })
        .await?;
    let (ticket, new) = match outcome {
        Ok(issued) => issued,
        Err(Refused::NoDesk) => {
            return Err(AppError::not_found(Message::new(
                "Không có quầy này.",
                "There is no such desk.",
            )));
        }
        Err(Refused::Forbidden) => {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                Message::new(
                    "Quầy không tồn tại hoặc mã truy cập này không được phát phiếu cho quầy đó.",
                    "The desk does not exist or this token may not issue tickets for it.",
                ),
            ));
        }
        Err(Refused::Invalid(error)) => {
            return Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, error.message()));
        }
    };
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
    let outcome = db
        .run(move |conn| -> Result<Result<usize, AppError>, DbError> {
            for row in &rows {
                let permission = Permission::ReportDossiersOf(row.unit_code.trim().to_string());
                if !authorize(conn, &identity, &permission)? {
                    return Ok(Err(AppError::new(
                        StatusCode::FORBIDDEN,
                        Message::new(
                            format!(
                                "Mã truy cập này không được báo số hồ sơ của đơn vị «{}».",
                                row.unit_code
                            ),
                            format!(
                                "This token may not report the dossiers of unit «{}».",
                                row.unit_code
                            ),
                        ),
                    )));
                }
            }
            let numbered: Vec<(u64, DossierCount)> = (1..).zip(rows).collect();
            match crate::dossiers::store(conn, &numbered) {
                Ok(stored) => Ok(Ok(stored)),
                Err(DossierError::Db(e)) => Err(e),
                Err(DossierError::Rejected(problems)) => {
                    let each = |vi: bool| {
                        problems
                            .iter()
                            .map(|p| {
                                let text = if vi { &p.message.vi } else { &p.message.en };
                                format!("{} {}: {text}", if vi { "mục" } else { "item" }, p.line)
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    };
                    Ok(Err(AppError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Message::new(
                            format!("Không lưu gì: {}.", each(true)),
                            format!("Nothing was stored: {}.", each(false)),
                        ),
                    )))
                }
            }
        })
        .await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "stored": outcome })))
}
