//! The fonts printed documents use (DejaVu Sans, which covers Vietnamese), measured with
//! their real glyph advances so text can be centred and wrapped.

use std::sync::OnceLock;

use ttf_parser::Face;
use unicode_normalization::UnicodeNormalization;

static REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    pub fn data(self) -> &'static [u8] {
        match self {
            Weight::Regular => REGULAR,
            Weight::Bold => BOLD,
        }
    }

    /// The parsed font (parsed once).
    pub fn face(self) -> &'static Face<'static> {
        static FACES: OnceLock<(Face<'static>, Face<'static>)> = OnceLock::new();
        let (regular, bold) = FACES.get_or_init(|| {
            (
                Face::parse(REGULAR, 0).expect("the embedded regular font parses"),
                Face::parse(BOLD, 0).expect("the embedded bold font parses"),
            )
        });
        match self {
            Weight::Regular => regular,
            Weight::Bold => bold,
        }
    }

    /// The name a document gives the font.
    pub fn postscript_name(self) -> &'static str {
        match self {
            Weight::Regular => "DejaVuSans",
            Weight::Bold => "DejaVuSans-Bold",
        }
    }
}

/// Text as printed: composed characters (one glyph each for Vietnamese letters).
pub fn printable(text: &str) -> String {
    text.nfc().filter(|c| !c.is_control()).collect()
}

/// The glyph of a character, or the font's "missing" glyph.
pub fn glyph(weight: Weight, c: char) -> u16 {
    weight.face().glyph_index(c).map_or(0, |g| g.0)
}

/// How far a glyph advances, in thousandths of the font size.
pub fn advance(weight: Weight, glyph: u16) -> f32 {
    let face = weight.face();
    let units = face.glyph_hor_advance(ttf_parser::GlyphId(glyph)).unwrap_or(0);
    f32::from(units) * 1000.0 / f32::from(face.units_per_em())
}

/// The width of `text` at `size`.
pub fn width(text: &str, size: f32, weight: Weight) -> f32 {
    text.chars()
        .map(|c| advance(weight, glyph(weight, c)))
        .sum::<f32>()
        * size
        / 1000.0
}

/// `text` broken into lines no wider than `max_width` (a word longer than that stays
/// whole on its own line).
pub fn wrap(text: &str, size: f32, weight: Weight, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, size, weight) <= max_width || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_letters_have_glyphs_in_both_weights() {
        for weight in [Weight::Regular, Weight::Bold] {
            for c in "Khảo sát sự hài lòng Phường Phú Xuân Đ ữ ặ ỵ"
                .chars()
                .filter(|c| !c.is_whitespace())
            {
                assert_ne!(glyph(weight, c), 0, "{c} in {weight:?}");
            }
        }
    }

    #[test]
    fn text_is_measured_and_wrapped() {
        assert!(width("MM", 10.0, Weight::Regular) > width("ii", 10.0, Weight::Regular));
        assert!(width("Khảo sát", 20.0, Weight::Bold) > width("Khảo sát", 20.0, Weight::Regular));
        let lines = wrap(
            "Khảo sát sự hài lòng của người dân, tổ chức",
            12.0,
            Weight::Regular,
            120.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, 12.0, Weight::Regular) <= 120.0));
        assert_eq!(lines.join(" "), "Khảo sát sự hài lòng của người dân, tổ chức");
        assert_eq!(printable("Ha\u{0300}\u{7}"), "Hà");
    }
}
