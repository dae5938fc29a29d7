//! Sessions: a random identifier in a signed, HttpOnly cookie, and a row in the database
//! (under a hash of the identifier) that says whose it is until when. Any replica can
//! check one; signing out deletes the row, so a cookie copied before stops working at
//! once; a new password or a disabled account deletes every row of the user.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, SameSite, time::Duration as CookieDuration};
use chrono::NaiveDateTime;

use super::secrets::Secrets;
use super::tokens::hash;
use crate::db::{self, DbConnection};

pub const COOKIE: &str = "sipas_session";
/// 32 characters of the codes' alphabet: 160 random bits.
const ID_LEN: usize = 32;

/// Starts a session of `user_id` for `lifetime_seconds`; returns the cookie that carries it.
pub fn start(
    conn: &mut DbConnection,
    secrets: &Secrets,
    user_id: i64,
    now: NaiveDateTime,
    lifetime_seconds: i64,
    secure: bool,
) -> diesel::QueryResult<Cookie<'static>> {
    db::sessions::prune(conn, now)?;
    let id = crate::codes::random_code(ID_LEN);
    let expires_at = now + chrono::Duration::seconds(lifetime_seconds);
    db::sessions::insert(conn, &hash(&id), user_id, now, expires_at)?;
    Ok(cookie(secrets, id, secure, lifetime_seconds))
}

fn cookie(secrets: &Secrets, id: String, secure: bool, lifetime_seconds: i64) -> Cookie<'static> {
    let plain = Cookie::build(COOKIE, id)
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

/// The hash under which the session a request carries is stored, when its cookie's
/// signature holds. Whether the session still exists is for the database to say.
pub fn read(req: &HttpRequest, secrets: &Secrets) -> Option<String> {
    let raw = req.cookie(COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(raw);
    let verified = jar.signed(&secrets.cookies).get(COOKIE)?;
    let id = verified.value();
    (id.len() == ID_LEN).then(|| hash(id))
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
    fn a_signed_cookie_names_its_session_by_hash() {
        let secrets = Secrets::for_tests(7);
        let id = "A".repeat(ID_LEN);
        let cookie = cookie(&secrets, id.clone(), true, 3600);
        assert!(cookie.http_only().unwrap() && cookie.secure().unwrap());
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        let req = request_with(&cookie);
        assert_eq!(read(&req, &secrets), Some(hash(&id)));
        assert_ne!(hash(&id), id, "the identifier itself is never the stored key");
        assert_eq!(read(&req, &Secrets::for_tests(8)), None, "another key");
    }

    #[test]
    fn a_tampered_or_unsigned_cookie_is_refused() {
        let secrets = Secrets::for_tests(7);
        let cookie = cookie(&secrets, "A".repeat(ID_LEN), false, 3600);
        let forged = Cookie::new(COOKIE, cookie.value().replacen('A', "B", 1));
        assert_eq!(read(&request_with(&forged), &secrets), None);
        let unsigned = Cookie::new(COOKIE, "B".repeat(ID_LEN));
        assert_eq!(read(&request_with(&unsigned), &secrets), None);
    }
}
