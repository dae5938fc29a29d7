//! The token a questionnaire page carries: when it was shown, a random part, and an HMAC
//! of both with the survey code under the server's key. Only a page this server showed
//! (for this code, within a day) can send answers; another site cannot make one up for
//! its visitors' browsers to post. The token also makes a page's answers unique: the
//! same page sent twice is stored once.

use crate::auth::secrets::Secrets;
use crate::codes::random_code;

/// A page's answers may be sent this long after it was shown.
const VALID_SECONDS: i64 = 24 * 3600;
/// Clocks of replicas may differ a little.
const SKEW_SECONDS: i64 = 300;
const NONCE_LEN: usize = 16;
/// Characters of the HMAC kept: 128 bits.
const MAC_LEN: usize = 32;
const PURPOSE: &str = "survey page";

fn signed(code: &str, shown_at: i64, nonce: &str) -> String {
    format!("{code}\n{shown_at}\n{nonce}")
}

/// A token for a page of `code` shown at `now` (seconds since the Unix epoch).
pub fn issue(secrets: &Secrets, code: &str, now: i64) -> String {
    let nonce = random_code(NONCE_LEN);
    let mac = secrets.mac(PURPOSE, &signed(code, now, &nonce));
    format!("{now:x}.{nonce}.{}", &mac[..MAC_LEN])
}

/// Whether `token` is one this server issued for `code` less than a day before `now`.
pub fn is_genuine(secrets: &Secrets, code: &str, token: &str, now: i64) -> bool {
    let mut parts = token.split('.');
    let (Some(shown_at), Some(nonce), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(shown_at) = i64::from_str_radix(shown_at, 16) else {
        return false;
    };
    let age = now - shown_at;
    (-SKEW_SECONDS..VALID_SECONDS).contains(&age)
        && nonce.len() == NONCE_LEN
        && mac.len() == MAC_LEN
        && secrets.mac_matches(PURPOSE, &signed(code, shown_at, nonce), mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_000_000;

    #[test]
    fn a_token_holds_for_its_code_for_a_day() {
        let secrets = Secrets::for_tests(5);
        let token = issue(&secrets, "K7M2QX", NOW);
        assert!(is_genuine(&secrets, "K7M2QX", &token, NOW));
        assert!(is_genuine(&secrets, "K7M2QX", &token, NOW + VALID_SECONDS - 1));
        assert!(
            !is_genuine(&secrets, "K7M2QX", &token, NOW + VALID_SECONDS),
            "a day old"
        );
        assert!(
            !is_genuine(&secrets, "K7M2QX", &token, NOW - SKEW_SECONDS - 1),
            "from the future"
        );
        assert!(!is_genuine(&secrets, "ABCDEF", &token, NOW), "another code");
        assert!(
            !is_genuine(&Secrets::for_tests(6), "K7M2QX", &token, NOW),
            "another server"
        );
        assert_ne!(issue(&secrets, "K7M2QX", NOW), token, "each page its own");
    }

    #[test]
    fn made_up_and_altered_tokens_are_refused() {
        let secrets = Secrets::for_tests(5);
        let token = issue(&secrets, "K7M2QX", NOW);
        let later = token.replacen(&format!("{NOW:x}"), &format!("{:x}", NOW + 60), 1);
        for forged in [
            "",
            "ABCDEFGHJKMNPQRSTVWXYZ0123",
            "not.a.token",
            later.as_str(),
            &format!("{token}.x"),
            &token[..token.len() - 1],
        ] {
            assert!(!is_genuine(&secrets, "K7M2QX", forged, NOW + 60), "{forged}");
        }
    }
}
