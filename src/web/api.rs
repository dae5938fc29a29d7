//! The JSON API under `/api/v1/`, for the one-stop software and data teams (bearer
//! tokens) and for signed-in users.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::app::responses::{self as answers, AnswerRequest, IdempotencyKey};
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
use crate::web::openapi::ErrorBody;
use crate::web::rate_limit::{Caller, Limits};

/// `GET /api/v1/me`: who the token or session is, and what it may do.
#[utoipa::path(get, path = "/api/v1/me", tag = "access",
    summary = "Ai đang gọi — Who is calling",
    description = "Mã truy cập (hoặc phiên đăng nhập) là ai và có những quyền nào. — Who the token (or session) is, and its grants.",
    responses(
        (status = 200, description = "Danh tính và quyền. — The identity and its grants.", body = Object,
         example = json!({"kind": "token", "id": 3, "name": "Một cửa tỉnh", "grants": [{"role": "staff", "unit": "00004"}]})),
        (status = 401, description = "Thiếu hoặc sai mã truy cập. — No token, or a wrong one.", body = ErrorBody),
    ),
    security(("bearer" = [])))]
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
#[utoipa::path(get, path = "/api/v1/units/{code}", tag = "units",
    summary = "Một đơn vị và các đơn vị trực thuộc — A unit and its children",
    params(("code" = String, Path, description = "Mã đơn vị. — The unit's code.", example = "79")),
    responses(
        (status = 200, description = "Đơn vị (code, name, kind, parent_code) và `children`. — The unit (code, name, kind, parent_code) and its `children`.", body = Object),
        (status = 401, description = "Thiếu mã truy cập. — No token.", body = ErrorBody),
        (status = 403, description = "Không được xem đơn vị này. — Not allowed to read this unit.", body = ErrorBody),
        (status = 404, description = "Không có đơn vị này. — No such unit.", body = ErrorBody),
    ),
    security(("bearer" = [])))]
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

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Phiếu (mặc định `sipas-2017`). — The form (default `sipas-2017`).
    form: Option<String>,
    /// Kỳ: `2025`, `2025Q3` hoặc `2025-07`. — The period: `2025`, `2025Q3` or `2025-07`.
    period: Option<String>,
    /// Từ ngày (YYYY-MM-DD), cùng `to`. — From this day (YYYY-MM-DD), with `to`.
    from: Option<String>,
    /// Đến ngày (YYYY-MM-DD). — To this day (YYYY-MM-DD).
    to: Option<String>,
    /// `pooled`, `mean_of_children` hoặc `weighted`. — `pooled`, `mean_of_children` or
    /// `weighted`.
    #[param(value_type = Option<String>)]
    rollup: Option<Rollup>,
    /// Chỉ số để xếp hạng các đơn vị con. — The index the children are ranked by.
    rank_by: Option<String>,
    /// Chỉ thủ tục thuộc lĩnh vực này. — Only procedures of this field (lĩnh vực).
    field: Option<String>,
    /// `official` (mặc định) hoặc `all`. — `official` (the default) or `all`.
    #[param(value_type = Option<String>)]
    population: Option<Population>,
}

/// `GET /api/v1/units/{code}/report?form=&period=|from=&to=&rollup=&rank_by=&field=`: the report
/// document, the same as `sipas report --format json`.
#[utoipa::path(get, path = "/api/v1/units/{code}/report", tag = "units",
    summary = "Báo cáo chỉ số của một đơn vị — A unit's index report",
    description = "Cùng tài liệu với `sipas report --format json` (DESIGN.md §5). — The same document as `sipas report --format json`.",
    params(("code" = String, Path, description = "Mã đơn vị. — The unit's code.", example = "79"), ReportQuery),
    responses(
        (status = 200, description = "Báo cáo: unit, form, from, to, rollup, method, responses, indices {id: {value, n, ci95, low_sample}}, children. — The report.", body = Object),
        (status = 400, description = "Tham số sai (kỳ, phiếu, lĩnh vực…). — A wrong parameter.", body = ErrorBody),
        (status = 401, description = "Thiếu mã truy cập. — No token.", body = ErrorBody),
        (status = 403, description = "Không được xem đơn vị này. — Not allowed to read this unit.", body = ErrorBody),
        (status = 404, description = "Không có đơn vị này. — No such unit.", body = ErrorBody),
    ),
    security(("bearer" = [])))]
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

#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketDocument {
    /// Mã phiếu 8 ký tự. — The 8-character ticket code.
    code: String,
    /// Địa chỉ khảo sát. — The survey address.
    url: String,
    /// Hết hạn (RFC 3339, UTC). — Expiry (RFC 3339, UTC).
    expires_at: String,
    /// Mã QR của `url` (SVG) để in lên phiếu hẹn. — The QR code of `url`, to print on the
    /// receipt.
    qr_svg: String,
}

/// `POST /api/v1/tickets`: a ticket for the one-stop software to print on the result
/// receipt. With a `dossier_code`, posting again returns the dossier's ticket (200)
/// instead of a second one (201).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets",
    summary = "Cấp một phiếu khảo sát dùng một lần — Mint a single-use ticket",
    description = "Cho phần mềm một cửa in lên phiếu hẹn trả kết quả. Có `dossier_code`: gọi lại trả đúng phiếu cũ (200). — For the one-stop software to print on the result receipt; with a `dossier_code`, asking again returns the dossier's ticket (200).",
    request_body = tickets::TicketRequest,
    responses(
        (status = 201, description = "Phiếu mới. — A new ticket.", body = TicketDocument),
        (status = 200, description = "Phiếu đã cấp cho hồ sơ này. — The dossier's ticket, issued before.", body = TicketDocument),
        (status = 400, description = "JSON sai. — Bad JSON.", body = ErrorBody),
        (status = 401, description = "Thiếu mã truy cập. — No token.", body = ErrorBody),
        (status = 403, description = "Không phục vụ quầy này. — Not a desk this token serves.", body = ErrorBody),
        (status = 415, description = "Không phải JSON. — Not JSON.", body = ErrorBody),
        (status = 422, description = "Mã thủ tục hay lĩnh vực không hợp lệ. — A bad procedure code or field.", body = ErrorBody),
    ),
    security(("bearer" = [])))]
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
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers",
    summary = "Báo số hồ sơ tiếp nhận theo tháng — Report dossiers received per month",
    description = "Tất cả hoặc không gì; tháng đã có thì thay số cũ. — All of them or none; a unit-month given again replaces the old count.",
    request_body = Vec<DossierCount>,
    responses(
        (status = 200, description = "Số mục đã lưu: `{\"stored\": n}`. — How many were stored.", body = Object, example = json!({"stored": 2})),
        (status = 400, description = "JSON sai. — Bad JSON.", body = ErrorBody),
        (status = 401, description = "Thiếu mã truy cập. — No token.", body = ErrorBody),
        (status = 403, description = "Không được báo cho đơn vị này. — Not allowed for this unit.", body = ErrorBody),
        (status = 422, description = "Mục sai, từng mục một. — Bad items, each named.", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn dossiers(
    Guarded(SignedIn(identity), web::Json(rows)): Guarded<SignedIn, web::Json<Vec<DossierCount>>>,
    db: web::Data<Database>,
) -> Result<HttpResponse, AppError> {
    let stored = db
        .run(move |conn| dossiers::report(conn, &identity, rows))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "stored": stored })))
}

/// A form as a collector renders it: its current version's id, questions, choices,
/// labels in both languages, and the indices it declares.
#[derive(Serialize)]
struct FormDocument<'a> {
    /// What `POST /api/v1/responses` takes as `form_version`.
    version_id: i64,
    version_label: String,
    #[serde(flatten)]
    form: &'a crate::forms::Form,
}

/// `GET /api/v1/forms/{id}`: the current version of a form.
#[utoipa::path(get, path = "/api/v1/forms/{id}", tag = "responses",
    summary = "Phiếu khảo sát để hiển thị — A form to render",
    description = "Bản hiện hành: `version_id`, tiêu đề, các phần và câu hỏi (loại, lựa chọn, mức điểm, nhãn tiếng Việt và tiếng Anh), các chỉ số. — The current version: `version_id`, title, sections and questions (kind, options, levels, Vietnamese and English labels), indices.",
    params(("id" = String, Path, description = "Mã phiếu. — The form's id.", example = "quick-2025")),
    responses(
        (status = 200, description = "Phiếu. — The form.", body = Object),
        (status = 401, description = "Thiếu mã truy cập. — No token.", body = ErrorBody),
        (status = 404, description = "Không có phiếu này. — No such form.", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn form(
    SignedIn(_): SignedIn,
    id: web::Path<String>,
    forms: web::Data<FormRegistry>,
) -> Result<HttpResponse, AppError> {
    let registered = forms.current(&id).ok_or_else(|| {
        let shown: String = id.chars().take(40).collect();
        AppError::not_found(crate::i18n::Message::new(
            format!("Không có phiếu khảo sát «{shown}»."),
            format!("There is no form «{shown}»."),
        ))
    })?;
    Ok(HttpResponse::Ok().json(FormDocument {
        version_id: registered.version_id,
        version_label: registered.version_label(),
        form: &registered.form,
    }))
}

/// `POST /api/v1/responses`: one response from a program that collects answers (201;
/// with an `Idempotency-Key` seen before, 200 and the same response). A token of the
/// desk's unit (staff) or a `collector` token of the unit or a unit above it.
#[utoipa::path(post, path = "/api/v1/responses", tag = "responses",
    summary = "Gửi một phiếu trả lời — Submit one response",
    description = "Kiểm tra như phiếu trên web (cùng thông báo). Mã truy cập của cán bộ đơn vị có quầy, hoặc vai trò `collector` của đơn vị đó hay đơn vị cấp trên. Có giới hạn riêng cho mỗi mã truy cập. — Checked exactly like the web form (same messages). A staff token of the desk's unit, or a `collector` token of the unit or a unit above it. A rate limit of its own per token.",
    params(("Idempotency-Key" = Option<String>, Header, description = "Một UUID ngẫu nhiên cho mỗi phiếu (không dùng mã hồ sơ). Gửi lại cùng khóa và cùng nội dung trong 24 giờ: chỉ lưu một lần (201 rồi 200, cùng `id`). — A random UUID per response (never the dossier number). Retries within 24 hours with the same key and body store once (201, then 200 with the same `id`).", example = "7d3f2c9a-1e4b-4c1a-9f0e-2b6d8a5c3e11")),
    request_body = AnswerRequest,
    responses(
        (status = 201, description = "Đã lưu. — Stored.", body = answers::Submitted),
        (status = 200, description = "Đã lưu trước đó với khóa này. — Stored before under this key.", body = answers::Submitted),
        (status = 400, description = "JSON hoặc Idempotency-Key sai. — Bad JSON or Idempotency-Key.", body = ErrorBody),
        (status = 401, description = "Thiếu mã truy cập. — No token.", body = ErrorBody),
        (status = 403, description = "Không được gửi cho quầy/đơn vị này. — Not allowed for this desk or unit.", body = ErrorBody),
        (status = 422, description = "Từng lỗi trong `problems`; hoặc khóa đã dùng cho yêu cầu khác. — Each problem in `problems`; or the key was used for another request.", body = ErrorBody),
        (status = 429, description = "Quá giới hạn; xem Retry-After. — Over the limit; see Retry-After.", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn submit_response(
    req: actix_web::HttpRequest,
    Guarded(SignedIn(identity), web::Json(request)): Guarded<SignedIn, web::Json<AnswerRequest>>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    settings: web::Data<Settings>,
    limits: web::Data<Limits>,
    metrics: web::Data<crate::metrics::Metrics>,
) -> Result<HttpResponse, AppError> {
    let key = match req.headers().get("idempotency-key") {
        None => None,
        // A value that is not visible ASCII reads as empty, which the check refuses.
        Some(value) => {
            Some(IdempotencyKey::parse(value.to_str().unwrap_or_default()).map_err(AppError::bad_request)?)
        }
    };
    let caller = match &identity.who {
        crate::auth::Who::Token { id, .. } => Caller::Token(*id),
        crate::auth::Who::User { id, .. } => Caller::User(*id),
    };
    if let Err(limited) = limits.api_submissions.try_acquire(caller) {
        let seconds = limited.retry_after.as_secs().max(1);
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            crate::i18n::Message::new(
                format!(
                    "Mã truy cập này đã gửi quá nhiều phiếu trong thời gian ngắn. Thử lại sau {seconds} giây."
                ),
                format!(
                    "This token has sent too many answers in a short time. Try again in {seconds} seconds."
                ),
            ),
        )
        .with_header(actix_web::http::header::RETRY_AFTER, seconds.to_string()));
    }
    let registry = forms.get_ref().clone();
    let time_zone = settings.tz();
    let (submitted, new) = db
        .run(move |conn| {
            let context = answers::Context {
                forms: &registry,
                time_zone,
                now: chrono::Utc::now(),
            };
            answers::submit(conn, &identity, &request, key.as_ref(), &context)
        })
        .await?;
    if new && let Ok(channel) = submitted.channel.parse::<crate::tally::Channel>() {
        metrics.answer_stored(channel);
    }
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).json(submitted))
}
