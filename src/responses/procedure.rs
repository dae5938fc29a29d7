//! The procedure field (*lĩnh vực*, e.g. «Hộ tịch», «Đất đai») a response can be
//! narrowed by. It is free text given with a ticket or on a paper form, kept in NFC with
//! single spaces, so that one field is always spelled (and counted) the same way.

use unicode_normalization::UnicodeNormalization;

use crate::i18n::Message;

/// Longest field name kept, in characters.
pub const MAX_FIELD_CHARS: usize = 100;

/// The field as kept: `None` when empty, an error for control characters or a name too
/// long to be one.
pub fn normalize_field(value: Option<&str>) -> Result<Option<String>, Message> {
    let Some(value) = value else { return Ok(None) };
    let spaced: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let field: String = spaced.nfc().collect();
    if field.is_empty() {
        return Ok(None);
    }
    let shown: String = field.chars().take(40).collect();
    if field.chars().any(char::is_control) {
        return Err(Message::new(
            format!("lĩnh vực «{shown}» có ký tự điều khiển"),
            format!("the procedure field «{shown}» holds control characters"),
        ));
    }
    if field.chars().count() > MAX_FIELD_CHARS {
        return Err(Message::new(
            format!("lĩnh vực «{shown}…» dài quá {MAX_FIELD_CHARS} ký tự"),
            format!("the procedure field «{shown}…» is longer than {MAX_FIELD_CHARS} characters"),
        ));
    }
    Ok(Some(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_field_is_always_spelled_the_same() {
        // «Hộ tịch» typed with combining marks (NFD) and stray spaces.
        let decomposed: String = "Hộ tịch".nfd().collect();
        assert_ne!(decomposed, "Hộ tịch");
        assert_eq!(
            normalize_field(Some(&format!("  {}  ", decomposed.replace(' ', "   ")))).unwrap(),
            Some("Hộ tịch".to_string())
        );
        assert_eq!(normalize_field(Some("   ")).unwrap(), None);
        assert_eq!(normalize_field(None).unwrap(), None);
    }

    #[test]
    fn control_characters_and_long_names_are_refused() {
        assert!(normalize_field(Some("Đất\u{0}đai")).is_err());
        assert!(normalize_field(Some(&"đ".repeat(MAX_FIELD_CHARS))).is_ok());
        let refused = normalize_field(Some(&"đ".repeat(MAX_FIELD_CHARS + 1))).unwrap_err();
        assert!(refused.vi.contains("dài quá 100 ký tự"), "{}", refused.vi);
    }
}
