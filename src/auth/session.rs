//! Sessions live entirely in a signed cookie (no server-side store), so any replica can
//! check them. The cookie names the user, the user's session epoch and when it was
//! issued; each request reloads the user, so a disabled user or a changed password ends
//! every older session at once.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, SameSite, time::Duration as CookieDuration};

use super::secrets::Secrets;

pub const COOKIE: &str = "sipas_session";

/// What a session cookie says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionData {
    pub user_id: i64,
    pub epoch: i64,
    /// Seconds since the Unix epoch.
    pub issued_at: i64,
}

impl SessionData {
    fn encode(&self) -> String {
        format!("{}:{}:{}", self.user_id, self.epoch, self.issued_at)
    }

    fn decode(text: &str) -> Option<SessionData> {
        let mut parts = text.split(':').map(|p| p.parse::<i64>().ok());
        let data = SessionData {
            user_id: parts.next()??,
            epoch: parts.next()??,
            issued_at: parts.next()??,
        };
        parts.next().is_none().then_some(data)
    }
}

/// The signed cookie carrying `data`, for `lifetime_seconds`.
pub fn cookie(secrets: &Secrets, data: SessionData, secure: bool, lifetime_seconds: i64) -> Cookie<'static> {
    let plain = Cookie::build(COOKIE, data.encode())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::seconds(lifetime_seconds))
        .finish();
    let mut jar = CookieJar::new();
    jar.signed_mut(&secrets.cookies).add(plain);
    jar.get(COOKIE).cloned().unwrap_or_else(removal)
}

/// A cookie that clears the session.
pub fn removal() -> Cookie<'static> {
    let mut cookie = Cookie::build(COOKIE, "").path("/").http_only(true).finish();
    cookie.make_removal();
    cookie
}

/// The session a request carries, when its signature holds and it has not expired.
pub fn read(req: &HttpRequest, secrets: &Secrets, lifetime_seconds: i64, now: i64) -> Option<SessionData> {
    let raw = req.cookie(COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(raw);
    let verified = jar.signed(&secrets.cookies).get(COOKIE)?;
    let data = SessionData::decode(verified.value())?;
    let age = now - data.issued_at;
    // A session from the future (clock skew beyond a minute) is as suspect as an old one.
    (-60..lifetime_seconds).contains(&age).then_some(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request_with(cookie: &Cookie<'_>) -> HttpRequest {
        TestRequest::default()
            .cookie(Cookie::new(cookie.name().to_string(), cookie.value().to_string()))
            .to_http_request()
    }

    #[test]
    fn a_signed_session_reads_back_until_it_expires() {
        let secrets = Secrets::for_tests(7);
        let data = SessionData {
            user_id: 42,
            epoch: 3,
            issued_at: 1_000_000,
        };
        let cookie = cookie(&secrets, data, true, 3600);
        assert!(cookie.http_only().unwrap() && cookie.secure().unwrap());
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        let req = request_with(&cookie);
        assert_eq!(read(&req, &secrets, 3600, 1_000_100), Some(data));
        assert_eq!(read(&req, &secrets, 3600, 1_003_600), None, "expired");
        assert_eq!(
            read(&req, &Secrets::for_tests(8), 3600, 1_000_100),
            None,
            "another key"
        );
    }

    #[test]
    fn a_tampered_cookie_is_refused() {
        let secrets = Secrets::for_tests(7);
        let cookie = cookie(
            &secrets,
            SessionData {
                user_id: 42,
                epoch: 3,
                issued_at: 1_000_000,
            },
            false,
            3600,
        );
        let forged = Cookie::new(COOKIE, cookie.value().replacen("42:", "1:", 1));
        assert_eq!(read(&request_with(&forged), &secrets, 3600, 1_000_100), None);
        let unsigned = Cookie::new(COOKIE, "1:0:1000000");
        assert_eq!(read(&request_with(&unsigned), &secrets, 3600, 1_000_100), None);
    }
}
