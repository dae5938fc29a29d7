//! Extractors that put access control in one place: a handler that takes one of these
//! runs only for someone allowed, and cannot forget to check. Not signed in: a redirect to
//! `/login` for pages, 401 for `/api/`. Signed in but not allowed: 403.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, LOCATION, WWW_AUTHENTICATE};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::auth::secrets::Secrets;
use crate::auth::{Identity, Permission, Role, accounts, authorize, session, tokens};
use crate::db::desks::Desk;
use crate::db::units::Unit;
use crate::db::{self, Database, DbError};
use crate::i18n::Message;
use crate::web::AppError;

type Extracting<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

fn app_data<T: 'static>(req: &HttpRequest) -> Result<&web::Data<T>, AppError> {
    req.app_data::<web::Data<T>>()
        .ok_or_else(|| AppError::internal(format!("{} is not configured", std::any::type_name::<T>())))
}

/// Who is asking, once found for a request (the router's CSRF check may ask first).
#[derive(Clone)]
struct Identified(Option<Identity>);

/// Who is asking: the holder of a bearer token, or the user of a session cookie; `None`
/// for nobody. A bearer token that is unknown or revoked is refused outright. Looked up
/// once per request.
pub async fn identify(req: &HttpRequest) -> Result<Option<Identity>, AppError> {
    if let Some(Identified(known)) = req.extensions().get::<Identified>().cloned() {
        return Ok(known);
    }
    let found = look_up(req).await?;
    req.extensions_mut().insert(Identified(found.clone()));
    Ok(found)
}

async fn look_up(req: &HttpRequest) -> Result<Option<Identity>, AppError> {
    let db = app_data::<Database>(req)?.clone();
    if let Some(header) = req.headers().get(AUTHORIZATION) {
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or_default()
            .trim()
            .to_string();
        let identity = db.run(move |conn| tokens::identity(conn, &token)).await?;
        return match identity {
            Some(identity) => Ok(Some(identity)),
            None => Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                Message::new(
                    "Mã truy cập (token) không hợp lệ hoặc đã bị thu hồi.",
                    "The API token is not valid or was revoked.",
                ),
            )
            .with_header(WWW_AUTHENTICATE, "Bearer".into())),
        };
    }
    let secrets = app_data::<Secrets>(req)?;
    let Some(session) = session::read(req, secrets) else {
        return Ok(None);
    };
    Ok(db
        .run(move |conn| accounts::session_identity(conn, &session, db::now()))
        .await?)
}

/// The answer to someone not signed in.
pub fn sign_in_first(req: &HttpRequest) -> AppError {
    if req.path().starts_with("/api/") {
        return AppError::new(
            StatusCode::UNAUTHORIZED,
            Message::new(
                "Cần mã truy cập (token) hoặc đăng nhập.",
                "An API token or a signed-in session is required.",
            ),
        )
        .with_header(WWW_AUTHENTICATE, "Bearer".into());
    }
    let here = match req.query_string() {
        "" => req.path().to_string(),
        query => format!("{}?{query}", req.path()),
    };
    let next = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
    AppError::new(
        StatusCode::SEE_OTHER,
        Message::new("Vui lòng đăng nhập.", "Please sign in."),
    )
    .with_header(LOCATION, format!("/login?{next}"))
}

fn forbidden() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        crate::web::error::generic_message(StatusCode::FORBIDDEN),
    )
}

async fn signed_in(req: &HttpRequest) -> Result<Identity, AppError> {
    identify(req).await?.ok_or_else(|| sign_in_first(req))
}

/// Succeeds only if `identity` has `permission`.
async fn require(req: &HttpRequest, identity: &Identity, permission: Permission) -> Result<(), AppError> {
    let db = app_data::<Database>(req)?;
    let who = identity.clone();
    let allowed = db.run(move |conn| authorize(conn, &who, &permission)).await?;
    if allowed { Ok(()) } else { Err(forbidden()) }
}

/// Implements `FromRequest` for an access extractor from the async function that finds it.
macro_rules! extract_with {
    ($extractor:ty, $find:ident) => {
        impl FromRequest for $extractor {
            type Error = AppError;
            type Future = Extracting<Self>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move { $find(&req).await })
            }
        }
    };
}

/// Any signed-in user or token.
pub struct SignedIn(pub Identity);

async fn find_signed_in(req: &HttpRequest) -> Result<SignedIn, AppError> {
    signed_in(req).await.map(SignedIn)
}

extract_with!(SignedIn, find_signed_in);

/// An administrator.
pub struct AdminAccess(pub Identity);

async fn find_admin(req: &HttpRequest) -> Result<AdminAccess, AppError> {
    let identity = signed_in(req).await?;
    require(req, &identity, Permission::Administer).await?;
    Ok(AdminAccess(identity))
}

extract_with!(AdminAccess, find_admin);

/// Someone who may read the unit named by the route's `{code}`.
pub struct UnitAccess {
    pub identity: Identity,
    pub unit: Unit,
}

async fn find_unit_access(req: &HttpRequest) -> Result<UnitAccess, AppError> {
    let identity = signed_in(req).await?;
    let code = req.match_info().get("code").unwrap_or_default().to_string();
    // Checked before looking the unit up: whether a unit exists is not told to outsiders.
    require(req, &identity, Permission::ReadUnit(code.clone())).await?;
    let db = app_data::<Database>(req)?;
    let unit = db
        .run(move |conn| db::units::find(conn, &code).map_err(DbError::from))
        .await?;
    let unit = unit.ok_or_else(AppError::page_not_found)?;
    Ok(UnitAccess { identity, unit })
}

extract_with!(UnitAccess, find_unit_access);

/// Someone who may serve the desk named by the route's `{desk}` (its id).
pub struct DeskAccess {
    pub identity: Identity,
    pub desk: Desk,
}

async fn find_desk_access(req: &HttpRequest) -> Result<DeskAccess, AppError> {
    let identity = signed_in(req).await?;
    let id: i64 = req
        .match_info()
        .get("desk")
        .and_then(|d| d.parse().ok())
        .ok_or_else(AppError::page_not_found)?;
    let db = app_data::<Database>(req)?;
    let desk = db
        .run(move |conn| db::desks::find(conn, id).map_err(DbError::from))
        .await?;
    // Staff of another unit learn nothing about the desk: the same 403 either way.
    let Some(desk) = desk else {
        return Err(if identity.is_admin() {
            AppError::page_not_found()
        } else {
            forbidden()
        });
    };
    require(req, &identity, Permission::ServeDesksOf(desk.unit_code.clone())).await?;
    Ok(DeskAccess { identity, desk })
}

extract_with!(DeskAccess, find_desk_access);

/// Desk staff (of some unit) or an administrator.
pub struct StaffAccess(pub Identity);

async fn find_staff(req: &HttpRequest) -> Result<StaffAccess, AppError> {
    let identity = signed_in(req).await?;
    if identity.is_admin() || !identity.units_with(Role::Staff).is_empty() {
        Ok(StaffAccess(identity))
    } else {
        Err(forbidden())
    }
}

extract_with!(StaffAccess, find_staff);

/// Two extractors in order: the access check `A` first, then `B`, which reads the body
/// (a CSRF-checked form, an upload). actix polls a handler's extractors together and
/// answers with whichever fails first; this makes "who are you" always come before
/// "what did you send", so nobody learns anything about a form they may not post.
pub struct Guarded<A, B>(pub A, pub B);

impl<A, B> FromRequest for Guarded<A, B>
where
    A: FromRequest + 'static,
    B: FromRequest + 'static,
    A::Error: Into<actix_web::Error>,
    B::Error: Into<actix_web::Error>,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut body = payload.take();
        Box::pin(async move {
            let access = A::from_request(&req, &mut Payload::None)
                .await
                .map_err(Into::into)?;
            let content = B::from_request(&req, &mut body).await.map_err(Into::into)?;
            Ok(Guarded(access, content))
        })
    }
}
