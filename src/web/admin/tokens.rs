//! `/admin/tokens`: API tokens for other programs, shown once, revocable.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Ctx, Done, see_other};
use crate::auth::accounts::AccountError;
use crate::auth::{Role, tokens};
use crate::db::tokens::ApiToken;
use crate::db::{self, DbError};
use crate::i18n::Localized;
use crate::web::AppError;
use crate::web::extract::Guarded;
use crate::web::pages::Page;

#[derive(Template)]
#[template(path = "admin/tokens.html")]
struct TokensPage<'a> {
    page: Page,
    section: &'static str,
    tokens: &'a [ApiToken],
    notice: String,
    error: String,
    /// A token just created, shown this once.
    shown_token: String,
}

async fn render(
    ctx: &Ctx,
    status: StatusCode,
    notice: String,
    error: String,
    shown_token: String,
) -> Result<HttpResponse, AppError> {
    let tokens = ctx
        .db
        .run(|conn| db::tokens::list(conn).map_err(DbError::from))
        .await?;
    ctx.render(
        status,
        &TokensPage {
            page: ctx.page.clone(),
            section: "tokens",
            tokens: &tokens,
            notice,
            error,
            shown_token,
        },
    )
}

/// `GET /admin/tokens`
pub async fn list(ctx: Ctx, done: web::Query<Done>) -> Result<HttpResponse, AppError> {
    let notice = done.notice(&ctx);
    render(&ctx, StatusCode::OK, notice, String::new(), String::new()).await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
}

/// `POST /admin/tokens`
pub async fn create(Guarded(ctx, form): Guarded<Ctx, web::Form<NewToken>>) -> Result<HttpResponse, AppError> {
    let new = form.into_inner();
    let result = ctx
        .db
        .run(move |conn| {
            let role = Role::parse(&new.role).ok_or_else(|| AccountError::BadRole(new.role.clone()));
            let unit = Some(new.unit.trim()).filter(|u| !u.is_empty());
            match role.and_then(|role| tokens::create(conn, &new.name, role, unit)) {
                Err(AccountError::Db(e)) => Err(e),
                other => Ok(other),
            }
        })
        .await?;
    match result {
        Ok((_, token)) => {
            let notice = ctx.t("Đã tạo mã truy cập.", "The token was created.").to_string();
            render(&ctx, StatusCode::OK, notice, String::new(), token).await
        }
        Err(refused) => {
            let error = refused.message().sentence(ctx.page.lang);
            render(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                String::new(),
                error,
                String::new(),
            )
            .await
        }
    }
}

/// `POST /admin/tokens/{id}/revoke`
pub async fn revoke(ctx: Ctx, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    ctx.db
        .run(move |conn| db::tokens::revoke(conn, id).map_err(DbError::from))
        .await?;
    Ok(see_other("/admin/tokens?ok=revoked"))
}
