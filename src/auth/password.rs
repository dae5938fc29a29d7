//! Passwords: argon2id hashes, generated passwords, and the minimum a password must be.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

use crate::i18n::Message;

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 10;

/// An argon2id hash (PHC string) of `password`, with a fresh random salt.
pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes always encode as a salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters accepts any password")
        .to_string()
}

/// Whether `password` matches `stored`. A malformed stored hash matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Spends the time of one verification, so that an unknown e-mail takes as long to refuse
/// as a wrong password.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let _ = verify(password, DUMMY.get_or_init(|| hash("not a real password")));
}

/// A password to hand out: 16 characters of the unambiguous survey-code alphabet in four
/// groups (80 bits), easy to read out and type.
pub fn generate() -> String {
    let raw = crate::codes::random_code(16);
    raw.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Why a new password is refused, if it is.
pub fn check_new(password: &str, email: &str) -> Result<(), Message> {
    if password.chars().count() < MIN_LENGTH {
        return Err(Message::new(
            format!("Mật khẩu cần ít nhất {MIN_LENGTH} ký tự."),
            format!("A password needs at least {MIN_LENGTH} characters."),
        ));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(Message::new(
            "Mật khẩu không được trùng địa chỉ e-mail.",
            "The password must not be the e-mail address.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("mật khẩu dài");
        let b = hash("mật khẩu dài");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("mật khẩu dài", &a));
        assert!(!verify("mật khẩu dai", &a));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn generated_passwords_are_long_enough_and_differ() {
        let p = generate();
        assert_eq!(p.len(), 19);
        assert!(check_new(&p, "a@b.vn").is_ok());
        assert_ne!(p, generate());
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(check_new("short", "a@b.vn").is_err());
        assert!(check_new("lan@ubnd.gov.vn", "Lan@UBND.gov.vn").is_err());
        assert!(check_new("mười ký tự ok", "a@b.vn").is_ok());
    }
}
