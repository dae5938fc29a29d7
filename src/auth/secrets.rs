//! The keys sipas signs with, made once and kept in the database so that every replica
//! on the same database signs and checks alike.

use actix_web::cookie::Key;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::db::{self, DbConnection, DbError};

/// The master secret's name in `app_secrets`.
const MASTER: &str = "master_key";

/// Keys derived from the master secret.
#[derive(Clone)]
pub struct Secrets {
    /// Signs session cookies.
    pub cookies: Key,
    master: Vec<u8>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(…)") // never printed
    }
}

impl Secrets {
    /// Reads the master secret, making it on first use.
    pub fn load(conn: &mut DbConnection) -> Result<Secrets, DbError> {
        let stored = db::security::secret(conn, MASTER, || {
            let mut bytes = [0u8; 64];
            rand::rng().fill_bytes(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        })?;
        let master: Vec<u8> = (0..stored.len() / 2)
            .filter_map(|i| u8::from_str_radix(&stored[2 * i..2 * i + 2], 16).ok())
            .collect();
        Ok(Secrets::from_master(master))
    }

    fn from_master(master: Vec<u8>) -> Secrets {
        // Key::from takes 64 bytes: two derived halves.
        let mut material = Self::mac_with(&master, "cookies/1");
        material.extend(Self::mac_with(&master, "cookies/2"));
        Secrets {
            cookies: Key::from(&material),
            master,
        }
    }

    /// HMAC-SHA256 of `message` under a key derived for `purpose`, in hex.
    pub fn mac(&self, purpose: &str, message: &str) -> String {
        let key = Self::mac_with(&self.master, purpose);
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether `given` is the HMAC of `message` for `purpose` (or its first `given.len()`
    /// characters, at least 32), compared in constant time.
    pub fn mac_matches(&self, purpose: &str, message: &str, given: &str) -> bool {
        let expected = self.mac(purpose, message);
        let expected = expected.as_bytes();
        given.len() >= 32
            && given.len() <= expected.len()
            && expected
                .iter()
                .zip(given.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    fn mac_with(key: &[u8], message: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Keys for tests and tools that need no database.
    pub fn for_tests(seed: u8) -> Secrets {
        Secrets::from_master(vec![seed; 64])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_depend_on_key_purpose_and_message() {
        let a = Secrets::for_tests(1);
        let b = Secrets::for_tests(2);
        assert_eq!(a.mac("csrf", "x"), a.mac("csrf", "x"));
        assert_ne!(a.mac("csrf", "x"), b.mac("csrf", "x"));
        assert_ne!(a.mac("csrf", "x"), a.mac("address", "x"));
        assert_ne!(a.mac("csrf", "x"), a.mac("csrf", "y"));
        assert_eq!(a.mac("csrf", "x").len(), 64);
    }

    #[test]
    fn a_mac_matches_only_itself_or_a_long_enough_start_of_itself() {
        let a = Secrets::for_tests(1);
        let mac = a.mac("page", "x");
        assert!(a.mac_matches("page", "x", &mac));
        assert!(a.mac_matches("page", "x", &mac[..32]));
        assert!(!a.mac_matches("page", "x", &mac[..31]), "too short to trust");
        assert!(!a.mac_matches("page", "y", &mac));
        assert!(!a.mac_matches("other", "x", &mac));
        assert!(!a.mac_matches("page", "x", &format!("{mac}0")));
        assert!(!a.mac_matches("page", "x", ""));
    }
}
