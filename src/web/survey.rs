//! The citizen's pages: `GET /s/{code}` shows the questionnaire, `POST /s/{code}` stores
//! the answers, `GET /s/{code}/thanks` thanks.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, LOCATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::AppError;
use super::pages::{self, Page};
use super::rate_limit::{Admission, Limits, client_address};
use super::survey_view::{
    StepView, SurveyPage, body, first_step_with_problem, more_pages_may_follow, next_step,
};
use crate::auth::secrets::Secrets;
use crate::codes::tickets::TicketState;
use crate::config::Settings;
use crate::db::Database;
use crate::forms::{FormRegistry, RegisteredForm};
use crate::i18n::{Lang, Message};
use crate::responses::committer::{Committer, OwnedSubmission};
use crate::responses::validate::answer_fields;
use crate::responses::{Given, Problems, Scope, StoreError, validate, validate_in};

use super::survey_place::{Place, Seeker, find_place, ticket_closed, unit_of_code};
use super::survey_token;

#[derive(Template)]
#[template(path = "thanks.html")]
struct ThanksPage {
    page: Page,
    /// Where the citizen can still reach the unit: a hotline or a feedback address.
    contact: Option<String>,
}

/// The current version of the form the code opens (a ticket: the desk's ticket form).
fn form_of(forms: &FormRegistry, place: &Place) -> Result<Arc<RegisteredForm>, AppError> {
    forms.current(place.form_id()).ok_or_else(|| {
        tracing::warn!(desk = place.desk.id, form = %place.form_id(), "a desk uses a form that is not served");
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Message::new(
                "Phiếu khảo sát của quầy này tạm thời chưa dùng được. Ông/Bà vui lòng báo cán bộ tại quầy, hoặc quay lại sau.",
                "This desk's questionnaire is not available at the moment. Please tell the staff at the desk, or come back later.",
            ),
        )
    })
}

/// What a questionnaire page is about: the page, the desk, its code and the form version.
struct Shown<'a> {
    page: &'a Page,
    place: &'a Place,
    code: &'a str,
    registered: &'a RegisteredForm,
}

/// Renders `step` of the form (from 0) with the answers given so far.
fn render_survey(
    shown: &Shown<'_>,
    status: StatusCode,
    given: &Given,
    problems: &Problems,
    token: &str,
    step: usize,
) -> Result<HttpResponse, AppError> {
    let Shown {
        page,
        place,
        code,
        registered,
    } = shown;
    let form = &registered.form;
    let template = SurveyPage {
        page: (*page).clone(),
        title: form.title.get(page.lang),
        agency: place.unit.agency_name.as_deref(),
        place: place.describe(),
        code,
        token,
        version_id: registered.version_id,
        minutes: form.minutes(),
        step: StepView {
            index: step,
            count: form.step_count(),
            // The last page to show: later ones may all be skipped by their conditions.
            last: !more_pages_may_follow(form, given, step),
        },
        body: body(form, page.lang, given, problems, step),
    };
    let mut response = pages::render(page, status, &template)?;
    // The page carries a one-time token: never serve it from a cache.
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /s/{code}`
pub async fn show(
    req: HttpRequest,
    code: web::Path<String>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    secrets: web::Data<Secrets>,
    limits: web::Data<Limits>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let page = Page::new(&req);
    let seeker = Seeker {
        limiter: &limits.lookups,
        address: client_address(&req, settings.trust_proxy_headers),
    };
    let (code, place) = find_place(&db, &code, &seeker).await?;
    let registered = form_of(&forms, &place)?;
    let token = survey_token::issue(&secrets, &code, chrono::Utc::now().timestamp());
    let shown = Shown {
        page: &page,
        place: &place,
        code: &code,
        registered: &registered,
    };
    render_survey(
        &shown,
        StatusCode::OK,
        &Given::default(),
        &Problems::default(),
        &token,
        0,
    )
}

/// Whether the browser says the post comes from a page of another site: `Sec-Fetch-Site`
/// (sent by browsers since 2020) other than same-origin or a person's own action, or an
/// `Origin` that is not this site's. Older browsers send neither and are let through; the
/// page token is still checked.
fn from_another_site(req: &HttpRequest, settings: &Settings) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    let Some(origin) = header("origin") else {
        return false;
    };
    let host = req.connection_info().host().to_string();
    let own = [
        settings.public_base_url(),
        format!("http://{host}"),
        format!("https://{host}"),
    ];
    !own.iter()
        .any(|o| o.eq_ignore_ascii_case(origin.trim_end_matches('/')))
}

fn cross_site_refused() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        Message::new(
            "Câu trả lời này không được gửi từ trang khảo sát của hệ thống nên không được ghi nhận. Vui lòng quét mã QR tại quầy hoặc nhập mã khảo sát trên trang chủ.",
            "These answers were not sent from this site's survey page and were not recorded. Please scan the QR code at the desk or type the survey code on the home page.",
        ),
    )
}

fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// `POST /s/{code}`: checks the answers (422 with the page again when something is
/// wrong), applies the submission limits (429), stores the response and its counts in one
/// transaction (with the answers that arrive meanwhile), and only once it has committed
/// sends the citizen on to the thank-you page.
#[allow(clippy::too_many_arguments)] // one per extractor, as actix hands them over
pub async fn submit(
    req: HttpRequest,
    code: web::Path<String>,
    body: web::Form<Vec<(String, String)>>,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    settings: web::Data<Settings>,
    limits: web::Data<Limits>,
    secrets: web::Data<Secrets>,
    committer: web::Data<Committer>,
) -> Result<HttpResponse, AppError> {
    if from_another_site(&req, &settings) {
        return Err(cross_site_refused());
    }
    let page = Page::new(&req);
    let address = client_address(&req, settings.trust_proxy_headers);
    let seeker = Seeker {
        limiter: &limits.lookups,
        address,
    };
    let (code, place) = find_place(&db, &code, &seeker).await?;
    let fields = body.into_inner();
    let registered = answered_version(&db, &forms, &place, field(&fields, "_version")).await?;
    let now = chrono::Utc::now();
    let token = field(&fields, "_token")
        .filter(|t| survey_token::is_genuine(&secrets, &code, t, now.timestamp()))
        .map(str::to_string);
    let form = &registered.form;
    let answered = answer_fields(&fields);
    let step = field(&fields, "_step")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|s| *s < form.step_count())
        .unwrap_or(0);
    let page = match field(&fields, "_lang").and_then(Lang::parse) {
        Some(lang) => page.in_lang(lang),
        None => page,
    };
    let shown = Shown {
        page: &page,
        place: &place,
        code: &code,
        registered: &registered,
    };
    // Between pages the page's token travels on (so the last page, however often a step
    // was sent, stores once); a stale one is replaced.
    let token_on = || {
        token
            .clone()
            .unwrap_or_else(|| survey_token::issue(&secrets, &code, now.timestamp()))
    };
    let go = field(&fields, "_go");
    if field(&fields, "_lang").is_some() {
        // The language switch: the same page again, answers and all.
        let (given, _) = validate_in(form, &answered, Scope::Step(step));
        return render_survey(
            &shown,
            StatusCode::OK,
            &given,
            &Problems::default(),
            &token_on(),
            step,
        );
    }
    if go == Some("back") {
        let (given, _) = validate_in(form, &answered, Scope::Step(step));
        let back = next_step(form, &given, step, -1);
        return render_survey(
            &shown,
            StatusCode::OK,
            &given,
            &Problems::default(),
            &token_on(),
            back,
        );
    }
    if go == Some("next") {
        let (given, checked) = validate_in(form, &answered, Scope::Step(step));
        let next = next_step(form, &given, step, 1);
        if next != step {
            return match checked {
                Ok(_) => render_survey(
                    &shown,
                    StatusCode::OK,
                    &given,
                    &Problems::default(),
                    &token_on(),
                    next,
                ),
                Err(problems) => render_survey(
                    &shown,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &given,
                    &problems,
                    &token_on(),
                    step,
                ),
            };
        }
        // Nothing after this page: the answers are sent.
    }

    let (given, checked) = validate(form, &answered);
    let (answers, mut problems) = match checked {
        Ok(answers) => (Some(answers), Problems::default()),
        Err(problems) => (None, problems),
    };
    if token.is_none() {
        problems.general.push(Message::new(
            "Trang trả lời đã hết hạn. Ông/Bà vui lòng xem lại câu trả lời và bấm gửi lại.",
            "This page has expired. Please check your answers and send them again.",
        ));
    }
    let (Some(answers), Some(token)) = (answers, token) else {
        let fresh = survey_token::issue(&secrets, &code, now.timestamp());
        // Answers sent whole that miss something (a page skipped, an old page) go back
        // to the first page that needs another look.
        let back_to = if problems.by_question.is_empty() {
            step
        } else {
            first_step_with_problem(form, &problems)
        };
        return render_survey(
            &shown,
            StatusCode::UNPROCESSABLE_ENTITY,
            &given,
            &problems,
            &fresh,
            back_to,
        );
    };

    match limits.submissions.try_acquire(address, place.desk.id) {
        Ok(Admission::Now) => {}
        // A burst at this desk: a new sender's answer is taken after a short wait.
        Ok(Admission::After(wait)) => actix_web::rt::time::sleep(wait).await,
        Err(limited) => {
            let minutes = limited.retry_after.as_secs().div_ceil(60).max(1);
            return Err(AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                Message::new(
                    format!("Đã có quá nhiều phiếu gửi từ đây trong thời gian ngắn. Vui lòng thử lại sau {minutes} phút."),
                    format!("Too many answers were sent from here in a short time. Please try again in {minutes} minutes."),
                ),
            )
            .with_header(RETRY_AFTER, limited.retry_after.as_secs().max(1).to_string()));
        }
    }

    let time_zone = settings.tz();
    let unit_code = place.unit.code.clone();
    let desk_id = place.desk.id;
    let version_id = registered.version_id;
    let (channel, (procedure, field), ticket) = (place.channel(), place.procedure(), place.ticket_use());
    let submission = OwnedSubmission {
        form_version_id: version_id,
        unit_code,
        desk_id: Some(desk_id),
        channel,
        procedure_code: procedure,
        procedure_field: field,
        submitted_at: now,
        time_zone,
        token: Some(token),
        ticket,
    };
    // Stored with whatever other answers arrive meanwhile, and only then acknowledged. A
    // token seen before means the same page was sent twice: it is already stored, and
    // the citizen gets the same thank-you page.
    let stored = match committer.store(submission, answers).await {
        Err(StoreError::Db(e)) => return Err(e.into()),
        other => other,
    };
    if let Err(StoreError::TicketClosed) = stored {
        // Someone answered with this ticket a moment earlier (or it just expired).
        let (_, again) = find_place(&db, &code, &seeker).await?;
        let state = again.ticket.as_ref().map_or(TicketState::Answered, |t| {
            crate::codes::tickets::state(t, chrono::Utc::now().naive_utc())
        });
        return Err(ticket_closed(state));
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/s/{code}/thanks")))
        .finish())
}

/// The version the page showed, when it is a version of the code's form; otherwise (an
/// old or forged page) the current one, against which the answers are then checked.
async fn answered_version(
    db: &Database,
    forms: &FormRegistry,
    place: &Place,
    shown: Option<&str>,
) -> Result<Arc<RegisteredForm>, AppError> {
    let current = form_of(forms, place)?;
    let Some(shown) = shown.and_then(|v| v.parse::<i64>().ok()) else {
        return Ok(current);
    };
    if shown == current.version_id {
        return Ok(current);
    }
    let registry = forms.clone();
    let version = db.run(move |conn| registry.version(conn, shown)).await?;
    Ok(version
        .filter(|v| v.form.id == current.form.id)
        .unwrap_or(current))
}

/// `GET /s/{code}/thanks`: the answers are in; where to reach the unit, if it says.
pub async fn thanks(
    req: HttpRequest,
    code: web::Path<String>,
    db: web::Data<Database>,
) -> Result<HttpResponse, AppError> {
    let page = Page::new(&req);
    // A contact is a courtesy: the thanks stand even when the code no longer leads to one.
    let contact = unit_of_code(&db, &code)
        .await
        .ok()
        .flatten()
        .and_then(|unit| unit.feedback_contact)
        .filter(|c| !c.trim().is_empty());
    pages::render(
        &page,
        StatusCode::OK,
        &ThanksPage {
            page: page.clone(),
            contact,
        },
    )
}
