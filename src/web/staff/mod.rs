//! `/staff/`: what desk staff do: print a desk's QR poster, print single-use tickets,
//! revoke a ticket printed by mistake, and see how many tickets came back answered.

mod print;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Days, Utc};
use serde::Deserialize;

use super::AppError;
use super::pages::{self, Page};
use crate::auth::Role;
use crate::auth::secrets::Secrets;
use crate::codes::print::{Layout, TicketFormat};
use crate::codes::tickets::{self, MAX_BATCH, Revoked};
use crate::config::Settings;
use crate::db::desks::Desk;
use crate::db::tickets::TicketCount;
use crate::db::units::Unit;
use crate::db::{self, Database, DbError};
use crate::desks::{DeskInfo, survey_url};
use crate::i18n::Lang;
use crate::web::extract::{DeskAccess, Guarded, StaffAccess};

/// An administrator sees at most this many desks here.
const MAX_LISTED: usize = 200;
/// The desk page shows this many days of ticket counts.
const COUNTED_DAYS: u64 = 30;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/staff/").get(index))
        .service(web::resource("/staff/desks/{desk}").get(desk_page))
        .service(web::resource("/staff/desks/{desk}/poster.{format}").get(print::poster))
        .service(web::resource("/staff/desks/{desk}/tickets").post(print::tickets))
        .service(web::resource("/staff/desks/{desk}/revoke").post(revoke));
}

/// A desk in the listing, with its unit's name.
struct ListedDesk {
    desk: DeskInfo,
    unit_name: String,
}

#[derive(Template)]
#[template(path = "staff/index.html")]
struct StaffPage {
    page: Page,
    desks: Vec<ListedDesk>,
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
        .run(move |conn| -> Result<Vec<ListedDesk>, DbError> {
            let mut names = std::collections::HashMap::new();
            let mut listed = Vec::new();
            for desk in db::desks::list(conn, units.as_deref())?
                .into_iter()
                .take(MAX_LISTED)
            {
                if !names.contains_key(&desk.unit_code) {
                    let name = db::units::find(conn, &desk.unit_code)?.map(|u| u.name);
                    names.insert(
                        desk.unit_code.clone(),
                        name.unwrap_or_else(|| desk.unit_code.clone()),
                    );
                }
                let unit_name = names[&desk.unit_code].clone();
                listed.push(ListedDesk {
                    desk: DeskInfo::new(desk, &base_url),
                    unit_name,
                });
            }
            Ok(listed)
        })
        .await?;
    pages::render(
        &page,
        StatusCode::OK,
        &StaffPage {
            page: page.clone(),
            desks,
        },
    )
}

/// What the print form asks for, as typed.
#[derive(Deserialize, Clone)]
pub struct PrintForm {
    #[serde(default = "one")]
    count: String,
    #[serde(default)]
    procedure: String,
    /// The procedure's field (lĩnh vực).
    #[serde(default)]
    field: String,
    #[serde(default = "sheet")]
    layout: Layout,
    #[serde(default = "pdf")]
    format: TicketFormat,
}

fn one() -> String {
    "10".into()
}
fn sheet() -> Layout {
    Layout::Sheet
}
fn pdf() -> TicketFormat {
    TicketFormat::Pdf
}

impl Default for PrintForm {
    fn default() -> Self {
        PrintForm {
            count: one(),
            procedure: String::new(),
            field: String::new(),
            layout: sheet(),
            format: pdf(),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/desk.html")]
struct DeskPage<'a> {
    page: Page,
    desk: &'a Desk,
    unit: &'a Unit,
    url: String,
    form: &'a PrintForm,
    max_batch: usize,
    counts: &'a [TicketCount],
    issued: i64,
    answered: i64,
    notice: String,
    error: String,
}

impl DeskPage<'_> {
    fn layout_is(&self, layout: &Layout) -> bool {
        self.form.layout == *layout
    }

    fn format_is(&self, format: &TicketFormat) -> bool {
        self.form.format == *format
    }
}

/// The desk page, with a notice or an error from what was just done.
struct Outcome {
    status: StatusCode,
    notice: String,
    error: String,
}

impl Outcome {
    fn ok() -> Outcome {
        Outcome {
            status: StatusCode::OK,
            notice: String::new(),
            error: String::new(),
        }
    }
}

async fn render_desk(
    req: &HttpRequest,
    access: &DeskAccess,
    form: &PrintForm,
    outcome: Outcome,
) -> Result<HttpResponse, AppError> {
    let db = data::<Database>(req)?;
    let settings = data::<Settings>(req)?;
    let secrets = data::<Secrets>(req)?;
    let page = Page::signed_in(req, &access.identity, &secrets, &settings);
    let desk_id = access.desk.id;
    let unit_code = access.desk.unit_code.clone();
    let today = Utc::now().with_timezone(&settings.tz()).date_naive();
    let since = today
        .checked_sub_days(Days::new(COUNTED_DAYS - 1))
        .unwrap_or(today);
    let (unit, counts) = db
        .run(move |conn| -> Result<_, DbError> {
            let unit = db::units::find(conn, &unit_code)?.ok_or(diesel::result::Error::NotFound)?;
            Ok((unit, db::tickets::counts_of_desk(conn, desk_id, since)?))
        })
        .await?;
    let template = DeskPage {
        page: page.clone(),
        desk: &access.desk,
        unit: &unit,
        url: survey_url(&settings.public_base_url(), &access.desk.code),
        form,
        max_batch: MAX_BATCH,
        counts: &counts,
        issued: counts.iter().map(|c| c.issued).sum(),
        answered: counts.iter().map(|c| c.answered).sum(),
        notice: outcome.notice,
        error: outcome.error,
    };
    pages::render(&page, outcome.status, &template)
}

fn data<T: 'static>(req: &HttpRequest) -> Result<web::Data<T>, AppError> {
    req.app_data::<web::Data<T>>()
        .cloned()
        .ok_or_else(|| AppError::internal(format!("{} is not configured", std::any::type_name::<T>())))
}

/// `GET /staff/desks/{desk}`: the desk's poster, the print form, the revoke form, counts.
pub async fn desk_page(req: HttpRequest, access: DeskAccess) -> Result<HttpResponse, AppError> {
    render_desk(&req, &access, &PrintForm::default(), Outcome::ok()).await
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    code: String,
}

/// `POST /staff/desks/{desk}/revoke`: withdraws a ticket of this desk that was not used.
pub async fn revoke(
    req: HttpRequest,
    Guarded(access, web::Form(form)): Guarded<DeskAccess, web::Form<RevokeForm>>,
) -> Result<HttpResponse, AppError> {
    let db = data::<Database>(&req)?;
    let desk_id = access.desk.id;
    let typed = form.code.clone();
    let outcome = db
        .run(move |conn| tickets::revoke(conn, &typed, Some(desk_id)))
        .await?;
    let shown: String = form.code.trim().chars().take(20).collect();
    let message = outcome.message(&shown).get(Lang::of_request(&req)).to_string();
    let outcome = match outcome {
        Revoked::Now => Outcome {
            status: StatusCode::OK,
            notice: message,
            error: String::new(),
        },
        Revoked::Unknown => Outcome {
            status: StatusCode::NOT_FOUND,
            notice: String::new(),
            error: message,
        },
        Revoked::AlreadyClosed(_) => Outcome {
            status: StatusCode::CONFLICT,
            notice: String::new(),
            error: message,
        },
    };
    render_desk(&req, &access, &PrintForm::default(), outcome).await
}
