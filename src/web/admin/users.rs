//! `/admin/users`: add users, grant and remove access, disable, reset passwords.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Ctx, Done, see_other};
use crate::auth::accounts::{self, AccountError, NewAccount, UserSummary};
use crate::auth::{Role, password};
use crate::db::{self, DbError};
use crate::i18n::Localized;
use crate::web::AppError;
use crate::web::extract::Guarded;
use crate::web::pages::Page;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage<'a> {
    page: Page,
    section: &'static str,
    users: &'a [UserSummary],
    /// Every unit by code, for the unit field's suggestions and the grants' names.
    units: UnitNames,
    notice: String,
    error: String,
    new: NewUser,
    /// A password just generated, shown this once.
    shown_password: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewUser {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    /// Empty: a password is generated and shown once.
    #[serde(default)]
    password: String,
}

/// Units by code (in code order), for pickers that search by name and for grants read
/// with their unit's name.
struct UnitNames(Vec<(String, String)>);

impl UnitNames {
    async fn load(ctx: &Ctx) -> Result<UnitNames, AppError> {
        let units = ctx
            .db
            .run(|conn| db::units::all(conn).map_err(db::DbError::from))
            .await?;
        let mut names: Vec<(String, String)> = units.into_iter().map(|u| (u.code, u.name)).collect();
        // The database's collation may not be Rust's order; the lookups below search it.
        names.sort();
        Ok(UnitNames(names))
    }

    /// «Lãnh đạo, chuyên viên — Tỉnh Một (P1)», «Quản trị».
    fn grant(&self, grant: &crate::auth::Grant, lang: &crate::i18n::Lang) -> String {
        match &grant.unit {
            Some(code) => {
                let name = self
                    .0
                    .binary_search_by(|(c, _)| c.as_str().cmp(code))
                    .map_or(code.as_str(), |at| self.0[at].1.as_str());
                format!("{} — {name} ({code})", grant.role.label(lang))
            }
            None => grant.role.label(lang).to_string(),
        }
    }
}

fn role(text: &str) -> Result<Role, AccountError> {
    Role::parse(text).ok_or_else(|| AccountError::BadRole(text.to_string()))
}

fn unit(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|u| !u.is_empty())
}

/// Runs an account operation: database faults become errors, refusals are returned.
async fn attempt<T: Send + 'static>(
    ctx: &Ctx,
    operation: impl FnOnce(&mut db::DbConnection) -> Result<T, AccountError> + Send + 'static,
) -> Result<Result<T, AccountError>, AppError> {
    Ok(ctx
        .db
        .run(move |conn| match operation(conn) {
            Err(AccountError::Db(e)) => Err(e),
            other => Ok(other),
        })
        .await?)
}

struct ListOutcome {
    status: StatusCode,
    notice: String,
    error: String,
    new: NewUser,
    shown_password: String,
}

async fn render_list(ctx: &Ctx, outcome: ListOutcome) -> Result<HttpResponse, AppError> {
    let users = ctx.db.run(accounts::list).await?;
    let units = UnitNames::load(ctx).await?;
    let template = UsersPage {
        units,
        page: ctx.page.clone(),
        section: "users",
        users: &users,
        notice: outcome.notice,
        error: outcome.error,
        new: outcome.new,
        shown_password: outcome.shown_password,
    };
    ctx.render(outcome.status, &template)
}

/// `GET /admin/users`
pub async fn list(ctx: Ctx, done: web::Query<Done>) -> Result<HttpResponse, AppError> {
    let notice = done.notice(&ctx);
    let new = NewUser {
        role: "official".into(),
        ..NewUser::default()
    };
    render_list(
        &ctx,
        ListOutcome {
            status: StatusCode::OK,
            notice,
            error: String::new(),
            new,
            shown_password: String::new(),
        },
    )
    .await
}

/// `POST /admin/users`
pub async fn add(Guarded(ctx, form): Guarded<Ctx, web::Form<NewUser>>) -> Result<HttpResponse, AppError> {
    let new = form.into_inner();
    let generated = new.password.is_empty().then(password::generate);
    let chosen = generated.clone().unwrap_or_else(|| new.password.clone());
    let request = new.clone();
    let lang = ctx.page.lang;
    let result = attempt(&ctx, move |conn| {
        accounts::add_user(
            conn,
            &NewAccount {
                email: &request.email,
                name: &request.name,
                role: role(&request.role)?,
                unit: unit(&request.unit),
                password: &chosen,
                language: lang,
            },
        )
    })
    .await?;
    match result {
        Ok(_) => {
            let notice = ctx.t("Đã thêm người dùng.", "The user was added.").to_string();
            let shown_password = generated.unwrap_or_default();
            let blank = NewUser {
                role: "official".into(),
                ..NewUser::default()
            };
            render_list(
                &ctx,
                ListOutcome {
                    status: StatusCode::OK,
                    notice,
                    error: String::new(),
                    new: blank,
                    shown_password,
                },
            )
            .await
        }
        Err(refused) => {
            let error = refused.message().sentence(ctx.page.lang);
            let kept = NewUser {
                password: String::new(),
                ..new
            };
            render_list(
                &ctx,
                ListOutcome {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    notice: String::new(),
                    error,
                    new: kept,
                    shown_password: String::new(),
                },
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage<'a> {
    page: Page,
    section: &'static str,
    user: &'a UserSummary,
    units: UnitNames,
    notice: String,
    error: String,
    shown_password: String,
}

async fn render_user(
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    notice: String,
    error: String,
    shown_password: String,
) -> Result<HttpResponse, AppError> {
    let users = ctx.db.run(accounts::list).await?;
    let user = users
        .iter()
        .find(|u| u.id == id)
        .ok_or_else(AppError::page_not_found)?;
    ctx.render(
        status,
        &UserPage {
            page: ctx.page.clone(),
            section: "users",
            user,
            units: UnitNames::load(ctx).await?,
            notice,
            error,
            shown_password,
        },
    )
}

/// `GET /admin/users/{id}`
pub async fn show(ctx: Ctx, id: web::Path<i64>, done: web::Query<Done>) -> Result<HttpResponse, AppError> {
    let notice = done.notice(&ctx);
    render_user(
        &ctx,
        id.into_inner(),
        StatusCode::OK,
        notice,
        String::new(),
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct NewGrant {
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
}

/// `POST /admin/users/{id}/grants`
pub async fn add_grant(
    Guarded(ctx, form): Guarded<Ctx, web::Form<NewGrant>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let grant = form.into_inner();
    let id = id.into_inner();
    let result = attempt(&ctx, move |conn| {
        accounts::grant(conn, id, role(&grant.role)?, unit(&grant.unit))
    })
    .await?;
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/users/{id}?ok=added"))),
        Err(refused) => {
            let error = refused.message().sentence(ctx.page.lang);
            render_user(
                &ctx,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                String::new(),
                error,
                String::new(),
            )
            .await
        }
    }
}

/// `POST /admin/users/{id}/grants/{grant}/remove`
pub async fn remove_grant(ctx: Ctx, ids: web::Path<(i64, i64)>) -> Result<HttpResponse, AppError> {
    let (id, grant) = ids.into_inner();
    ctx.db
        .run(move |conn| db::users::remove_grant(conn, id, grant).map_err(DbError::from))
        .await?;
    Ok(see_other(&format!("/admin/users/{id}?ok=removed")))
}

#[derive(Deserialize)]
pub struct Disable {
    #[serde(default)]
    disabled: String,
}

/// `POST /admin/users/{id}/disabled`: `disabled=1` ends every session of the user at once.
pub async fn set_disabled(
    Guarded(ctx, form): Guarded<Ctx, web::Form<Disable>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let id = id.into_inner();
    if ctx.identity.user_id() == Some(id) && form.disabled == "1" {
        let error = ctx
            .t(
                "Không thể tự vô hiệu hóa tài khoản của mình.",
                "You cannot disable your own account.",
            )
            .to_string();
        return render_user(
            &ctx,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
            error,
            String::new(),
        )
        .await;
    }
    let disabled = form.disabled == "1";
    ctx.db
        .run(move |conn| db::users::set_disabled(conn, id, disabled).map_err(DbError::from))
        .await?;
    Ok(see_other(&format!("/admin/users/{id}?ok=saved")))
}

/// `POST /admin/users/{id}/password`: a new generated password, shown once; the user's
/// sessions end.
pub async fn reset_password(ctx: Ctx, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let generated = password::generate();
    let chosen = generated.clone();
    let result = attempt(&ctx, move |conn| {
        let user = db::users::find(conn, id)?.ok_or(AccountError::NoSuchUser(id.to_string()))?;
        accounts::set_password(conn, &user, &chosen)
    })
    .await?;
    match result {
        Ok(()) => {
            let notice = ctx
                .t("Đã đặt mật khẩu mới.", "A new password was set.")
                .to_string();
            render_user(&ctx, id, StatusCode::OK, notice, String::new(), generated).await
        }
        Err(refused) => Err(AppError::not_found(refused.message())),
    }
}
