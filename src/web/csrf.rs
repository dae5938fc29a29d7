//! Protection against cross-site request forgery for every form that changes something:
//! a random value in a `SameSite=Strict` cookie, and in the form its HMAC under the
//! server's key (the "signed double-submit" pattern). Another site can neither read the
//! cookie nor compute the HMAC, and no server-side state is needed.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpMessage, HttpRequest, mime};
use futures_util::StreamExt;

use super::error::unreadable_form;
use super::{AppError, extract};
use crate::auth::secrets::Secrets;
use crate::i18n::Message;

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

/// Paths whose posts carry no CSRF token, each for its reason: the API takes only JSON
/// (which no other site's form can send) and bearer tokens; the citizen's questionnaire is
/// anonymous and carries its own signed page token (`survey_token`).
const EXEMPT: [&str; 2] = ["/api/", "/s/"];

/// Routes that change something without a sign-in: the sign-in form and signing out.
const OPEN: [&str; 2] = ["/login", "/logout"];

/// The largest form body read: every answer and a long comment, or the unit import's 8 MB
/// file with room for its framing (the import route refuses a larger announced length).
const FORM_LIMIT: usize = 64 * 1024;
const UPLOAD_LIMIT: usize = 8_000_000 + 64 * 1024;

/// Every request that may change something (any method but GET, HEAD and OPTIONS) must
/// carry this browser's token in its form (URL-encoded or multipart), outside the
/// [`EXEMPT`] paths. Applied by the router to the whole application, so no route can
/// forget it. The access check still answers first, as each route would: a request from
/// nobody signed in goes on to its route (which sends it to sign in, or answers 404 or
/// 405) with its body unread; a bad bearer token gets 401; a signed-in person without the
/// token gets 403.
pub async fn forms_carry_their_token(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let path = req.path();
    if safe || EXEMPT.iter().any(|p| path.starts_with(p)) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    // Nobody signed in: no session for another site to ride on, so the route answers as
    // it would (sign in first, 404, 405), its body unread. Signing in and out are the
    // exceptions: their forms are checked for everyone.
    if !OPEN.contains(&path) && extract::identify(req.request()).await?.is_none() {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let multipart = req
        .mime_type()
        .ok()
        .flatten()
        .filter(|m| m.essence_str() == mime::MULTIPART_FORM_DATA.essence_str());
    let limit = if multipart.is_some() {
        UPLOAD_LIMIT
    } else {
        FORM_LIMIT
    };
    let announced = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Refused before any of it is read.
    if announced.is_some_and(|length| length > limit as u64) {
        return Err(too_large(multipart.is_some()).into());
    }
    let body = read_body(req.take_payload(), limit, multipart.is_some()).await?;
    let submitted = match &multipart {
        Some(mime) => mime
            .get_param(mime::BOUNDARY)
            .and_then(|boundary| multipart_field(&body, boundary.as_str(), FIELD)),
        None => serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .ok()
            .and_then(|fields| fields.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v)),
    };
    let secrets = req
        .app_data::<web::Data<Secrets>>()
        .ok_or_else(|| AppError::internal("the secrets are not configured"))?;
    if !is_valid(req.request(), secrets, submitted.as_deref().unwrap_or_default()) {
        return Err(rejected().into());
    }
    req.set_payload(Payload::Stream {
        payload: Box::pin(futures_util::stream::once(async { Ok(body) })),
    });
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The whole body, or 413 once it passes `limit` bytes.
async fn read_body(mut payload: Payload, limit: usize, upload: bool) -> Result<Bytes, AppError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::bad_request(unreadable_form()))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(upload));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn too_large(upload: bool) -> AppError {
    let message = if upload {
        Message::new(
            "Tệp quá lớn: tối đa 8 MB.",
            "The file is too large: 8 MB at most.",
        )
    } else {
        Message::new("Dữ liệu gửi lên quá lớn.", "What was sent is too large.")
    };
    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, message)
}

/// The text of the multipart field `name`, if the body has one.
fn multipart_field(body: &[u8], boundary: &str, name: &str) -> Option<String> {
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    split(body, delimiter.as_bytes()).into_iter().find_map(|part| {
        let end_of_headers = find(part, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&part[..end_of_headers]).ok()?;
        let disposition = headers
            .lines()
            .find(|line| line.to_ascii_lowercase().starts_with("content-disposition:"))?;
        if !disposition.split(';').any(|p| p.trim() == wanted) {
            return None;
        }
        let value = &part[end_of_headers + 4..];
        let value = value.strip_suffix(b"\r\n").unwrap_or(value);
        String::from_utf8(value.to_vec()).ok()
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_token_is_found_in_a_multipart_body() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nma,ten\r\n--XyZ\r\ncontent-disposition: form-data; name=\"_csrf\"\r\n\r\nabc123\r\n--XyZ--\r\n";
        assert_eq!(multipart_field(body, "XyZ", FIELD).as_deref(), Some("abc123"));
        assert_eq!(multipart_field(body, "XyZ", "other"), None);
        assert_eq!(multipart_field(body, "Other", FIELD), None);
    }

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
