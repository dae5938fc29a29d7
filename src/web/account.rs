//! Signing in and out, and "my account" (change my password).

use actix_web::http::StatusCode;
use actix_web::http::header::{LOCATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppError;
use super::pages::{self, Page};
use super::rate_limit::client_address;
use crate::auth::accounts::{self, AccountError};
use crate::auth::csrf::CsrfForm;
use crate::auth::extract::{Guarded, SignedIn, identify};
use crate::auth::login_limit::{self, LoginLimits, Subjects};
use crate::auth::secrets::Secrets;
use crate::auth::session::{self, SessionData};
use crate::auth::{Identity, Role, password};
use crate::config::Settings;
use crate::db::{self, Database, DbError};
use crate::i18n::{Localized, Message};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    page: Page,
    email: &'a str,
    next: &'a str,
    error: &'a str,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    page: Page,
    identity: &'a Identity,
    notice: &'a str,
    error: &'a str,
    /// The digests chosen: `none`, `weekly` or `monthly`.
    digest: String,
}

/// The digests the signed-in user chose (`none` for a token, which gets no mail).
async fn digest_of(db: &Database, identity: &Identity) -> Result<String, AppError> {
    let Some(id) = identity.user_id() else {
        return Ok("none".into());
    };
    let user = db
        .run(move |conn| db::users::find(conn, id).map_err(DbError::from))
        .await?;
    Ok(user.map_or_else(|| "none".into(), |u| u.digest))
}

/// The account page, with what the last change did.
fn render_account(
    page: &Page,
    status: StatusCode,
    identity: &Identity,
    (notice, error): (&str, &str),
    digest: String,
) -> Result<HttpResponse, AppError> {
    pages::render(
        page,
        status,
        &AccountPage {
            page: page.clone(),
            identity,
            notice,
            error,
            digest,
        },
    )
}

/// Where a user goes after signing in when no page asked for them: their own work.
fn home_of(identity: &Identity) -> String {
    if identity.is_admin() {
        return "/admin/".into();
    }
    if let Some(unit) = identity.units_with(Role::Official).first() {
        return format!("/units/{unit}");
    }
    if !identity.units_with(Role::Staff).is_empty() {
        return "/staff/".into();
    }
    "/account".into()
}

/// Only addresses on this site: `next` comes from the query string and must not send a
/// user elsewhere after signing in.
fn local_path(next: &str) -> Option<&str> {
    let local =
        next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.contains("://");
    local.then_some(next)
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login`
pub async fn login_page(
    req: HttpRequest,
    query: web::Query<LoginQuery>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    if let Some(identity) = identify(&req).await.ok().flatten() {
        let to = local_path(&query.next).map_or_else(|| home_of(&identity), str::to_string);
        return Ok(HttpResponse::SeeOther().insert_header((LOCATION, to)).finish());
    }
    let page = Page::with_forms(&req, &secrets, &settings);
    let next = local_path(&query.next).unwrap_or("");
    pages::render(
        &page,
        StatusCode::OK,
        &LoginPage {
            page: page.clone(),
            email: "",
            next,
            error: "",
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: the same answer for a wrong password, an unknown e-mail and a disabled
/// account; limits on failures per account and per address.
pub async fn login(
    req: HttpRequest,
    form: CsrfForm<LoginForm>,
    db: web::Data<Database>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm(form) = form;
    let page = Page::with_forms(&req, &secrets, &settings);
    let email = form.email.trim().to_lowercase();
    let limits = LoginLimits {
        per_account: settings.login_limit_per_account,
        per_address: settings.login_limit_per_ip,
        window: chrono::Duration::seconds(i64::try_from(settings.login_limit_window_seconds).unwrap_or(900)),
    };
    let subjects = Subjects::new(
        &secrets,
        &email,
        client_address(&req, settings.trust_proxy_headers),
    );
    let attempt_email = email.clone();
    let password = form.password.clone();
    let outcome = db
        .run(
            move |conn| -> Result<Result<db::users::User, Option<chrono::Duration>>, DbError> {
                let now = db::now();
                if let Some(wait) = login_limit::wait(conn, limits, &subjects, now)? {
                    return Ok(Err(Some(wait)));
                }
                let user = db::users::find_by_email(conn, &attempt_email)?;
                let valid = match &user {
                    Some(user) => password::verify(&password, &user.password_hash) && !user.disabled,
                    None => {
                        password::verify_against_nothing(&password);
                        false
                    }
                };
                match user {
                    Some(user) if valid => {
                        login_limit::succeeded(conn, &subjects)?;
                        Ok(Ok(user))
                    }
                    _ => {
                        login_limit::failed(conn, limits, &subjects, now)?;
                        Ok(Err(None))
                    }
                }
            },
        )
        .await?;
    let next = local_path(&form.next).unwrap_or("");
    match outcome {
        Ok(user) => {
            let data = SessionData {
                user_id: user.id,
                epoch: user.session_epoch,
                issued_at: chrono::Utc::now().timestamp(),
            };
            let cookie = session::cookie(
                &secrets,
                data,
                settings.secure_cookies(),
                settings.session_seconds(),
            );
            let user_id = user.id;
            let identity = db
                .run(move |conn| accounts::session_identity(conn, user_id, data.epoch))
                .await?
                .ok_or_else(|| AppError::internal("a user who just signed in has no identity"))?;
            let to = if next.is_empty() {
                home_of(&identity)
            } else {
                next.to_string()
            };
            Ok(HttpResponse::SeeOther()
                .cookie(cookie)
                .insert_header((LOCATION, to))
                .finish())
        }
        Err(Some(wait)) => {
            let minutes = wait.num_seconds().div_euclid(60) + 1;
            let message = Message::new(
                format!("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút."),
                format!("Too many failed sign-ins. Please try again in {minutes} minutes."),
            );
            let mut response = pages::render(
                &page,
                StatusCode::TOO_MANY_REQUESTS,
                &LoginPage {
                    page: page.clone(),
                    email: &email,
                    next,
                    error: message.get(page.lang),
                },
            )?;
            if let Ok(value) = wait.num_seconds().max(1).to_string().parse() {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(None) => {
            let error = page.t("E-mail hoặc mật khẩu không đúng.", "Wrong e-mail or password.");
            pages::render(
                &page,
                StatusCode::UNAUTHORIZED,
                &LoginPage {
                    page: page.clone(),
                    email: &email,
                    next,
                    error,
                },
            )
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /logout`
pub async fn logout(_form: CsrfForm<Empty>) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(session::removal())
        .insert_header((LOCATION, "/login"))
        .finish()
}

/// `GET /account`
pub async fn account_page(
    req: HttpRequest,
    SignedIn(identity): SignedIn,
    db: web::Data<Database>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let page = Page::signed_in(&req, &identity, &secrets, &settings);
    let digest = digest_of(&db, &identity).await?;
    render_account(&page, StatusCode::OK, &identity, ("", ""), digest)
}

#[derive(Deserialize)]
pub struct DigestForm {
    #[serde(default)]
    digest: String,
}

/// `POST /account/digest`: weekly, monthly or no digests by mail.
pub async fn choose_digest(
    Guarded(SignedIn(identity), form): Guarded<SignedIn, CsrfForm<DigestForm>>,
    req: HttpRequest,
    db: web::Data<Database>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm(form) = form;
    let page = Page::signed_in(&req, &identity, &secrets, &settings);
    let Some(user_id) = identity.user_id() else {
        return Err(AppError::bad_request(Message::new(
            "Mã truy cập không nhận thư.",
            "Tokens receive no mail.",
        )));
    };
    let (status, notice, error, digest) = match form.digest.as_str() {
        "none" | "weekly" | "monthly" => {
            let chosen = form.digest.clone();
            db.run(move |conn| db::users::set_digest(conn, user_id, &chosen).map_err(DbError::from))
                .await?;
            let notice = match form.digest.as_str() {
                "weekly" => page.t(
                    "Đã lưu: bạn sẽ nhận bản tin mỗi sáng thứ Hai về tuần vừa qua.",
                    "Saved: you will get a digest every Monday about the week before.",
                ),
                "monthly" => page.t(
                    "Đã lưu: bạn sẽ nhận bản tin đầu mỗi tháng về tháng vừa qua.",
                    "Saved: you will get a digest at the start of each month about the month before.",
                ),
                _ => page.t(
                    "Đã lưu: bạn sẽ không nhận bản tin.",
                    "Saved: you will get no digests.",
                ),
            };
            (StatusCode::OK, notice, "", form.digest)
        }
        _ => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            page.t(
                "Hãy chọn hằng tuần, hằng tháng hoặc không nhận.",
                "Choose weekly, monthly or none.",
            ),
            digest_of(&db, &identity).await?,
        ),
    };
    render_account(&page, status, &identity, (notice, error), digest)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /account/password`: a new password ends every other session; this one gets a
/// fresh cookie.
pub async fn change_password(
    Guarded(SignedIn(identity), form): Guarded<SignedIn, CsrfForm<PasswordForm>>,
    req: HttpRequest,
    db: web::Data<Database>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm(form) = form;
    let page = Page::signed_in(&req, &identity, &secrets, &settings);
    let digest = digest_of(&db, &identity).await?;
    let render_error = |message: Message| {
        render_account(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            &identity,
            ("", message.get(page.lang)),
            digest.clone(),
        )
    };
    let Some(user_id) = identity.user_id() else {
        return Err(AppError::bad_request(Message::new(
            "Mã truy cập không có mật khẩu.",
            "Tokens have no password.",
        )));
    };
    if form.new != form.confirm {
        return render_error(Message::new(
            "Hai lần nhập mật khẩu mới không khớp.",
            "The two new passwords differ.",
        ));
    }
    let result = db
        .run(move |conn| -> Result<Result<i64, AccountError>, DbError> {
            match accounts::change_own_password(conn, user_id, &form.current, &form.new) {
                Ok(()) => Ok(Ok(db::users::find(conn, user_id)?.map_or(0, |u| u.session_epoch))),
                Err(AccountError::Db(e)) => Err(e),
                Err(refused) => Ok(Err(refused)),
            }
        })
        .await?;
    match result {
        Ok(epoch) => {
            let data = SessionData {
                user_id,
                epoch,
                issued_at: chrono::Utc::now().timestamp(),
            };
            let cookie = session::cookie(
                &secrets,
                data,
                settings.secure_cookies(),
                settings.session_seconds(),
            );
            let notice = page.t("Đã đổi mật khẩu.", "Your password was changed.");
            let mut response = render_account(&page, StatusCode::OK, &identity, (notice, ""), digest)?;
            response.add_cookie(&cookie).map_err(AppError::internal)?;
            Ok(response)
        }
        Err(refused) => render_error(refused.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path("/units/46?period=2025"), Some("/units/46?period=2025"));
        for outside in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "units/46",
            "",
        ] {
            assert_eq!(local_path(outside), None, "{outside}");
        }
    }
}
