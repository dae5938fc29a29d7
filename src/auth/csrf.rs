//! Protection against cross-site request forgery for every form that changes something:
//! a random value in a `SameSite=Strict` cookie, and in the form its HMAC under the
//! server's key (the "signed double-submit" pattern). Another site can neither read the
//! cookie nor compute the HMAC, and no server-side state is needed.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use super::secrets::Secrets;
use crate::i18n::Message;
use crate::web::AppError;

pub const COOKIE: &str = "sipas_csrf";
/// The hidden form field that carries the token.
pub const FIELD: &str = "_csrf";
const NONCE_LEN: usize = 32;

/// The token for this browser's forms, and the cookie to set when it has none yet.
pub fn token(req: &HttpRequest, secrets: &Secrets, secure: bool) -> (String, Option<Cookie<'static>>) {
    if let Some(nonce) = req.cookie(COOKIE).filter(|c| c.value().len() == NONCE_LEN) {
        return (secrets.mac("csrf", nonce.value()), None);
    }
    let nonce = crate::codes::random_code(NONCE_LEN);
    let cookie = Cookie::build(COOKIE, nonce.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish();
    (secrets.mac("csrf", &nonce), Some(cookie))
}

/// Whether `submitted` is this browser's token.
pub fn is_valid(req: &HttpRequest, secrets: &Secrets, submitted: &str) -> bool {
    let Some(nonce) = req.cookie(COOKIE) else {
        return false;
    };
    // The whole HMAC, compared in constant time.
    submitted.len() == 64 && secrets.mac_matches("csrf", nonce.value(), submitted)
}

/// The error for a form without a valid token.
pub fn rejected() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        Message::new(
            "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang rồi thử lại.",
            "The form has expired or is not valid. Please reload the page and try again.",
        ),
    )
}

/// A URL-encoded form whose CSRF token was checked before the handler runs; every form
/// that changes something is read through it.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(|_| {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Message::new("Dữ liệu gửi lên quá lớn.", "What was sent is too large."),
                )
            })?;
            let malformed = |_| {
                AppError::bad_request(Message::new(
                    "Dữ liệu biểu mẫu không đọc được.",
                    "The form data could not be read.",
                ))
            };
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(malformed)?;
            let submitted = fields
                .iter()
                .find(|(k, _)| k == FIELD)
                .map_or("", |(_, v)| v.as_str());
            let secrets = req
                .app_data::<web::Data<Secrets>>()
                .ok_or_else(|| AppError::internal("the secrets are not configured"))?;
            if !is_valid(&req, secrets, submitted) {
                return Err(rejected());
            }
            serde_urlencoded::from_bytes(&bytes)
                .map(CsrfForm)
                .map_err(malformed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_token_matches_only_its_own_cookie() {
        let secrets = Secrets::for_tests(3);
        let (token, cookie) = token(&TestRequest::default().to_http_request(), &secrets, false);
        let cookie = cookie.expect("a first visit gets a cookie");
        assert_eq!(cookie.same_site(), Some(SameSite::Strict));
        let with_cookie = TestRequest::default()
            .cookie(Cookie::new(COOKIE, cookie.value().to_string()))
            .to_http_request();
        assert!(is_valid(&with_cookie, &secrets, &token));
        let (again, none) = super::token(&with_cookie, &secrets, false);
        assert_eq!(
            (again.as_str(), none),
            (token.as_str(), None),
            "stable for the browser"
        );
        assert!(!is_valid(&with_cookie, &secrets, ""));
        assert!(!is_valid(&with_cookie, &secrets, &token[1..]));
        assert!(
            !is_valid(&TestRequest::default().to_http_request(), &secrets, &token),
            "no cookie"
        );
        let other = TestRequest::default()
            .cookie(Cookie::new(COOKIE, "X".repeat(NONCE_LEN)))
            .to_http_request();
        assert!(!is_valid(&other, &secrets, &token), "another browser's token");
    }
}
