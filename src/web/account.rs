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
use crate::auth::login_limit::{self, LoginLimits, Subjects};
use crate::auth::secrets::Secrets;
use crate::auth::session;
use crate::auth::{Identity, Role, password};
use crate::config::Settings;
use crate::db::{self, Database, DbError};
use crate::i18n::{Localized, Message};
use crate::web::extract::{Guarded, SignedIn, identify};

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
    /// Each grant in words: «Công chức một cửa — Phường Phú Xuân».
    grants: Vec<String>,
    /// No mail server is configured: a digest chosen would never arrive.
    mail_off: bool,
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

/// Each grant of `identity` in words, its unit by name.
async fn grant_labels(
    db: &Database,
    identity: &Identity,
    lang: crate::i18n::Lang,
) -> Result<Vec<String>, AppError> {
    let codes: Vec<String> = identity.grants.iter().filter_map(|g| g.unit.clone()).collect();
    let units = db
        .run(move |conn| {
            let mut found = Vec::new();
            for code in &codes {
                found.extend(db::units::find(conn, code)?);
            }
            Ok::<_, DbError>(found)
        })
        .await?;
    Ok(identity
        .grants
        .iter()
        .map(|grant| match &grant.unit {
            Some(code) => {
                let name = units
                    .iter()
                    .find(|u| &u.code == code)
                    .map_or(code.as_str(), |u| u.name.as_str());
                format!("{} — {name}", grant.role.label(&lang))
            }
            None => grant.role.label(&lang).to_string(),
        })
        .collect())
}

/// The account page, with what the last change did.
async fn render_account(
    (page, db, settings): (&Page, &Database, &Settings),
    status: StatusCode,
    identity: &Identity,
    (notice, error): (&str, &str),
    digest: String,
) -> Result<HttpResponse, AppError> {
    let grants = grant_labels(db, identity, page.lang).await?;
    pages::render(
        page,
        status,
        &AccountPage {
            page: page.clone(),
            identity,
            notice,
            error,
            digest,
            grants,
            mail_off: settings.smtp_host.trim().is_empty(),
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

/// Only paths on this site: `next` comes from the query string and must not send a user
/// elsewhere after signing in. A path starts with one `/` not followed by another `/` or
/// `\` (which browsers read as the start of another host), and holds only visible ASCII
/// other than `\`: browsers drop control characters and white space (`/\t/evil.example`
/// becomes `//evil.example`), and a `Location` header cannot carry them (a browser sends
/// anything else percent-encoded).
fn local_path(next: &str) -> Option<&str> {
    let mut chars = next.chars();
    let starts_as_path = chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'));
    let plain = next.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    (starts_as_path && plain && !next.contains("://")).then_some(next)
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
    form: web::Form<LoginForm>,
    db: web::Data<Database>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
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
    let now = db::now();
    let attempt_email = email.clone();
    let (claimed, user) = db
        .run(move |conn| -> Result<_, DbError> {
            let wait = login_limit::claim_attempt(conn, limits, &subjects, now)?;
            let user = match wait {
                Some(_) => None,
                None => db::users::find_by_email(conn, &attempt_email)?,
            };
            Ok(((wait, subjects), user))
        })
        .await?;
    let (wait, subjects) = claimed;
    let next = local_path(&form.next).unwrap_or("");
    if let Some(wait) = wait {
        return too_many_attempts(&page, &email, next, wait);
    }
    // Checked without holding a database connection: the hash is slow on purpose.
    let password = form.password.clone();
    let user = web::block(move || match user {
        Some(user) => (password::verify(&password, &user.password_hash) && !user.disabled).then_some(user),
        None => {
            password::verify_against_nothing(&password);
            None
        }
    })
    .await
    .map_err(AppError::internal)?;
    let Some(user) = user else {
        let error = page.t("E-mail hoặc mật khẩu không đúng.", "Wrong e-mail or password.");
        return pages::render(
            &page,
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                page: page.clone(),
                email: &email,
                next,
                error,
            },
        );
    };
    let started_secrets = secrets.clone();
    let (lifetime, secure) = (settings.session_seconds(), settings.secure_cookies());
    let (cookie, identity) = db
        .run(move |conn| -> Result<_, DbError> {
            login_limit::succeeded(conn, &subjects, now)?;
            let cookie = session::start(conn, &started_secrets, user.id, now, lifetime, secure)?;
            Ok((cookie, accounts::identity_of(conn, user)?))
        })
        .await?;
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

/// The sign-in page again with 429: how long to wait before the next attempt.
fn too_many_attempts(
    page: &Page,
    email: &str,
    next: &str,
    wait: chrono::Duration,
) -> Result<HttpResponse, AppError> {
    let seconds = ((wait.num_milliseconds() + 999) / 1000).max(1);
    let message = if seconds < 60 {
        Message::new(
            format!("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {seconds} giây."),
            format!("Too many failed sign-ins. Please try again in {seconds} seconds."),
        )
    } else {
        let minutes = (seconds + 59) / 60;
        Message::new(
            format!("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút."),
            format!("Too many failed sign-ins. Please try again in {minutes} minutes."),
        )
    };
    let mut response = pages::render(
        page,
        StatusCode::TOO_MANY_REQUESTS,
        &LoginPage {
            page: page.clone(),
            email,
            next,
            error: message.get(page.lang),
        },
    )?;
    response
        .headers_mut()
        .insert(RETRY_AFTER, actix_web::http::header::HeaderValue::from(seconds));
    Ok(response)
}

/// `POST /logout`: ends the session on the server (a copy of the cookie no longer signs
/// anyone in, on any replica) and clears the browser's cookie.
pub async fn logout(
    req: HttpRequest,
    db: web::Data<Database>,
    secrets: web::Data<Secrets>,
) -> Result<HttpResponse, AppError> {
    if let Some(session) = session::read(&req, &secrets) {
        db.run(move |conn| db::sessions::end(conn, &session).map_err(DbError::from))
            .await?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal())
        .insert_header((LOCATION, "/login"))
        .finish())
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
    render_account(
        (&page, &db, &settings),
        StatusCode::OK,
        &identity,
        ("", ""),
        digest,
    )
    .await
}

#[derive(Deserialize)]
pub struct DigestForm {
    #[serde(default)]
    digest: String,
}

/// `POST /account/digest`: weekly, monthly or no digests by mail.
pub async fn choose_digest(
    Guarded(SignedIn(identity), form): Guarded<SignedIn, web::Form<DigestForm>>,
    req: HttpRequest,
    db: web::Data<Database>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
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
    render_account(
        (&page, &db, &settings),
        status,
        &identity,
        (notice, error),
        digest,
    )
    .await
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
    Guarded(SignedIn(identity), form): Guarded<SignedIn, web::Form<PasswordForm>>,
    req: HttpRequest,
    db: web::Data<Database>,
    secrets: web::Data<Secrets>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let page = Page::signed_in(&req, &identity, &secrets, &settings);
    let digest = digest_of(&db, &identity).await?;
    let refused_with = |message: Message| message.get(page.lang).to_string();
    let Some(user_id) = identity.user_id() else {
        return Err(AppError::bad_request(Message::new(
            "Mã truy cập không có mật khẩu.",
            "Tokens have no password.",
        )));
    };
    if form.new != form.confirm {
        let error = refused_with(Message::new(
            "Hai lần nhập mật khẩu mới không khớp.",
            "The two new passwords differ.",
        ));
        let context = (&page, db.get_ref(), settings.get_ref());
        return render_account(
            context,
            StatusCode::UNPROCESSABLE_ENTITY,
            &identity,
            ("", &error),
            digest,
        )
        .await;
    }
    let started_secrets = secrets.clone();
    let (lifetime, secure) = (settings.session_seconds(), settings.secure_cookies());
    let result = db
        .run(move |conn| -> Result<_, AccountError> {
            accounts::change_own_password(conn, user_id, &form.current, &form.new)?;
            // Every session ended with the old password; this browser gets a new one.
            Ok(session::start(
                conn,
                &started_secrets,
                user_id,
                db::now(),
                lifetime,
                secure,
            )?)
        })
        .await;
    match result {
        Ok(cookie) => {
            let notice = page.t("Đã đổi mật khẩu.", "Your password was changed.");
            let context = (&page, db.get_ref(), settings.get_ref());
            let mut response =
                render_account(context, StatusCode::OK, &identity, (notice, ""), digest).await?;
            response.add_cookie(&cookie).map_err(AppError::internal)?;
            Ok(response)
        }
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(refused) => {
            let error = refused_with(refused.message());
            let context = (&page, db.get_ref(), settings.get_ref());
            render_account(
                context,
                StatusCode::UNPROCESSABLE_ENTITY,
                &identity,
                ("", &error),
                digest,
            )
            .await
        }
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
            "/\t/evil.example",
            "/\n/x",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "/\u{2028}x",
            "/\u{7f}/evil.example",
            "/a\\b",
        ] {
            assert_eq!(local_path(outside), None, "{outside}");
        }
    }
}
