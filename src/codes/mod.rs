//! Survey codes: what a QR code carries and what a citizen can type; single-use tickets;
//! the posters and ticket sheets that print them.

pub mod drawing;
pub mod fonts;
pub mod poster;
pub mod print;
pub mod qr;
pub mod render;
pub mod sheets;
pub mod tickets;

use rand::Rng;

/// Crockford's base32 alphabet: digits and capitals without I, L, O and U, so a code read
/// aloud or typed from paper has no look-alike characters.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Length of a reusable desk code (32⁶ ≈ 10⁹ codes).
pub const DESK_CODE_LEN: usize = 6;

/// A random code of `len` characters from [`ALPHABET`], drawn from a cryptographically
/// secure generator (rand's `ThreadRng`, seeded by the OS) so codes cannot be predicted.
pub fn random_code(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The canonical form of a code a person typed: upper case, without spaces or dashes, and
/// with the look-alikes Crockford allows (`O` → `0`, `I`/`L` → `1`) mapped back. `None`
/// when something else remains.
pub fn normalize(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    let valid = !code.is_empty() && code.len() <= 16 && code.bytes().all(|b| ALPHABET.contains(&b));
    valid.then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_codes_use_the_alphabet_and_differ() {
        let a = random_code(DESK_CODE_LEN);
        let b = random_code(DESK_CODE_LEN);
        assert_eq!(a.len(), DESK_CODE_LEN);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)), "{a}");
        // Two equal 6-character codes in a row happen once in a billion runs.
        assert_ne!(a, b);
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalize(" ab-c1o2 ").as_deref(), Some("ABC102"));
        assert_eq!(normalize("il").as_deref(), Some("11"));
        assert_eq!(normalize("AB U2"), None);
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("Ă123"), None);
    }
}
