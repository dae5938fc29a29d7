//! `/units/{code}/comments`: the comment inbox of a unit — its subtree's comments with
//! rating, field, desk and day, each new, received or handled (who, when); filters by
//! status, rating and words; `/units/{code}/comments/negative.csv`, the negative ones.
//! Only those who may read the unit get here (the access extractor); staff never do.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::filters::{FilterQuery, Filters};
use super::{checked_filters, today};
use crate::app::inbox::{self, Item, RatingFilter, Scope};
use crate::auth::secrets::Secrets;
use crate::config::Settings;
use crate::db::Database;
use crate::db::units::Unit;
use crate::forms::FormRegistry;
use crate::i18n::Lang;
use crate::inbox::CommentStatus;
use crate::web::AppError;
use crate::web::extract::{Guarded, UnitAccess};
use crate::web::pages::{self, Page};

/// The inbox's own filters, beside the dashboard's (period, form, field, words, page).
#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    #[serde(flatten)]
    filters: FilterQuery,
    status: Option<String>,
    rating: Option<String>,
}

/// A comment as the page lists it.
struct Row {
    response_id: i64,
    question_id: String,
    when: String,
    unit: String,
    field: String,
    desk: String,
    rating: String,
    negative: bool,
    body: String,
    status: CommentStatus,
    /// «đã tiếp nhận — Nguyễn Văn A, 02/12/2026 10:15», or empty while new.
    marked: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage<'a> {
    page: Page,
    unit: &'a Unit,
    rows: Vec<Row>,
    total: String,
    status: &'static str,
    rating: &'static str,
    search: String,
    /// The filters as hidden fields and as an address (without the inbox's own).
    hidden: Vec<(&'static str, String)>,
    query: String,
    /// The address of this very page, to come back to after a change.
    back: String,
    prev: Option<String>,
    next: Option<String>,
    statuses: Vec<(&'static str, &'static str)>,
}

fn checked(
    query: &InboxQuery,
    forms: &FormRegistry,
    today: chrono::NaiveDate,
) -> Result<
    (
        Filters,
        crate::forms::Form,
        Option<CommentStatus>,
        Option<RatingFilter>,
    ),
    AppError,
> {
    let (filters, registered) = checked_filters(&query.filters, forms, today)?;
    let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(CommentStatus::checked(text).map_err(AppError::bad_request)?),
    };
    let rating =
        RatingFilter::parse(query.rating.as_deref().unwrap_or("").trim()).map_err(AppError::bad_request)?;
    Ok((filters, registered.form.clone(), status, rating))
}

/// When a change was made, in the deployment's time zone (stored in UTC).
fn local(at: chrono::NaiveDateTime, tz: chrono_tz::Tz, lang: Lang) -> String {
    let at = at.and_utc().with_timezone(&tz);
    format!("{} {}", lang.date(at.date_naive()), at.format("%H:%M"))
}

fn row(item: Item, lang: Lang, tz: chrono_tz::Tz) -> Row {
    let marked = item.marked.as_ref().map_or_else(String::new, |m| {
        format!("{} — {}, {}", m.status.label(lang), m.by, local(m.at, tz, lang))
    });
    Row {
        response_id: item.comment.response_id,
        question_id: item.comment.question_id.clone(),
        when: lang.date(item.comment.day),
        unit: item.unit_name,
        field: item.field.unwrap_or_default(),
        desk: item.desk.unwrap_or_default(),
        rating: item.rating.as_ref().map_or_else(String::new, |r| {
            format!("{} ({}/{})", r.label.get(lang), r.level, r.most)
        }),
        negative: item.rating.as_ref().is_some_and(|r| r.negative),
        body: item.comment.body,
        status: item.marked.map_or(CommentStatus::New, |m| m.status),
        marked,
    }
}

/// `GET /units/{code}/comments`
#[allow(clippy::too_many_arguments)] // one per extractor, as actix hands them over
pub async fn list(
    req: HttpRequest,
    access: UnitAccess,
    query: web::Query<InboxQuery>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let page = Page::signed_in(&req, &access.identity, &secrets, &settings);
    let lang = page.lang;
    let tz = settings.tz();
    let (filters, form, status, rating) = checked(&query, &forms, today(&settings)?)?;
    let (code, wanted) = (access.unit.code.clone(), filters.clone());
    let found = db
        .run(move |conn| {
            let scope = Scope {
                unit: &code,
                form: &form,
                filters: &wanted,
                status,
                rating,
            };
            inbox::load(conn, &scope)
        })
        .await?;
    let mut own = filters.pairs();
    own.retain(|(name, _)| *name != "q");
    let (status_value, rating_value) = (
        status.map_or("", CommentStatus::as_str),
        match rating {
            Some(RatingFilter::Negative) => "negative",
            Some(RatingFilter::NotNegative) => "other",
            None => "",
        },
    );
    let mut pairs = filters.pairs();
    pairs.push(("status", status_value.to_string()));
    pairs.push(("rating", rating_value.to_string()));
    pairs.retain(|(_, v)| !v.is_empty());
    let address = |page: i64| {
        let mut with_page = pairs.clone();
        with_page.push(("page", page.to_string()));
        format!(
            "/units/{}/comments?{}",
            access.unit.code,
            serde_urlencoded::to_string(&with_page).unwrap_or_default()
        )
    };
    let current = filters.comments_page;
    let template = InboxPage {
        page: page.clone(),
        unit: &access.unit,
        rows: found.items.into_iter().map(|item| row(item, lang, tz)).collect(),
        total: lang.number(found.total as f64, 0),
        status: status_value,
        rating: rating_value,
        search: filters.search.clone(),
        hidden: own,
        query: serde_urlencoded::to_string(filters.report_pairs()).unwrap_or_default(),
        back: address(current),
        prev: (current > 1).then(|| address(current - 1)),
        next: found.has_more.then(|| address(current + 1)),
        statuses: CommentStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(lang)))
            .collect(),
    };
    pages::render(&page, StatusCode::OK, &template)
}

/// A status change as posted.
#[derive(Deserialize)]
pub struct StatusForm {
    response: i64,
    question: String,
    status: String,
    #[serde(default)]
    back: String,
}

/// `POST /units/{code}/comments/status`
pub async fn set_status(
    Guarded(access, web::Form(form)): Guarded<UnitAccess, web::Form<StatusForm>>,
    db: web::Data<Database>,
) -> Result<HttpResponse, AppError> {
    let status = CommentStatus::checked(form.status.trim()).map_err(AppError::bad_request)?;
    let unit = access.unit.code.clone();
    let who = (
        access.identity.user_id(),
        access.identity.display_name().to_string(),
    );
    let (response, question) = (form.response, form.question.clone());
    db.run(move |conn| inbox::set_status(conn, &unit, (response, &question), status, (who.0, &who.1)))
        .await?;
    // Back to the page the change was made on, and only to a page of this inbox.
    let prefix = format!("/units/{}/comments", access.unit.code);
    let back = if form.back.starts_with(&prefix) && !form.back.contains("//") {
        form.back
    } else {
        prefix
    };
    Ok(HttpResponse::SeeOther().insert_header((LOCATION, back)).finish())
}

/// `GET /units/{code}/comments/negative.csv`
pub async fn negative_csv(
    access: UnitAccess,
    query: web::Query<InboxQuery>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    settings: web::Data<Settings>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::of_request(&req);
    let (filters, form, status, _) = checked(&query, &forms, today(&settings)?)?;
    let code = access.unit.code.clone();
    let period = filters.period.label().replace("..", "_");
    let items = db
        .run(move |conn| {
            let scope = Scope {
                unit: &code,
                form: &form,
                filters: &filters,
                status,
                rating: None,
            };
            inbox::negatives(conn, &scope)
        })
        .await?;
    let tz = settings.tz();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    let header = [
        t("Ngày", "Day"),
        t("Đơn vị", "Unit"),
        t("Lĩnh vực", "Field"),
        t("Quầy", "Desk"),
        t("Đánh giá chung", "Overall rating"),
        t("Mức", "Level"),
        t("Trên thang", "Of"),
        t("Ý kiến", "Comment"),
        t("Trạng thái", "Status"),
        t("Người cập nhật", "Changed by"),
        t("Thời điểm cập nhật", "Changed at"),
    ];
    let broken = |e: csv::Error| AppError::internal(e);
    writer.write_record(header).map_err(broken)?;
    for item in items {
        let safe = |text: &str| crate::spreadsheet::safe_cell(text);
        let (rating, level, most) = item.rating.as_ref().map_or_else(Default::default, |r| {
            (
                r.label.get(lang).to_string(),
                r.level.to_string(),
                r.most.to_string(),
            )
        });
        let (status, by, at) = match &item.marked {
            Some(m) => (m.status, m.by.clone(), local(m.at, tz, lang)),
            None => (CommentStatus::New, String::new(), String::new()),
        };
        writer
            .write_record([
                lang.date(item.comment.day),
                safe(&item.unit_name),
                safe(item.field.as_deref().unwrap_or_default()),
                safe(item.desk.as_deref().unwrap_or_default()),
                rating,
                level,
                most,
                safe(&item.comment.body),
                status.label(lang).to_string(),
                safe(&by),
                at,
            ])
            .map_err(broken)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))?;
    let name = format!("y-kien-tieu-cuc-{}-{period}.csv", access.unit.code);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}
