//! QR codes: the matrix of modules, with its quiet zone, and its SVG path.

use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the standard asks, so scanners find its edges.
pub const QUIET_ZONE: usize = 4;

/// How much damage a code must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Robustness {
    /// 30% of the code may be unreadable: posters that hang for months and get worn.
    Poster,
    /// 25%: tickets, printed small and handed over the same day.
    Ticket,
}

/// A QR code as a square of dark and light modules, quiet zone included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    /// Modules per side, quiet zone included.
    pub size: usize,
    dark: Vec<bool>,
}

/// The text could not be encoded (too long for a QR code).
#[derive(Debug)]
pub struct QrError(pub String);

impl QrMatrix {
    pub fn encode(text: &str, robustness: Robustness) -> Result<QrMatrix, QrError> {
        let level = match robustness {
            Robustness::Poster => EcLevel::H,
            Robustness::Ticket => EcLevel::Q,
        };
        let code = QrCode::with_error_correction_level(text.as_bytes(), level)
            .map_err(|e| QrError(e.to_string()))?;
        let inner = code.width();
        let size = inner + 2 * QUIET_ZONE;
        let colors = code.to_colors();
        let mut dark = vec![false; size * size];
        for y in 0..inner {
            for x in 0..inner {
                dark[(y + QUIET_ZONE) * size + x + QUIET_ZONE] = colors[y * inner + x] == Color::Dark;
            }
        }
        Ok(QrMatrix { size, dark })
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// The runs of dark modules of each row: `(row, first column, length)`.
    pub fn dark_runs(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        (0..self.size).flat_map(move |y| {
            let mut runs = Vec::new();
            let mut x = 0;
            while x < self.size {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.size && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
            runs
        })
    }

    /// An SVG path of the dark modules, one unit per module.
    pub fn svg_path(&self) -> String {
        let mut path = String::new();
        for (y, x, len) in self.dark_runs() {
            path.push_str(&format!("M{x} {y}h{len}v1h-{len}z"));
        }
        path
    }

    /// A standalone SVG image of the code that scales to its container.
    pub fn svg(&self) -> String {
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" shape-rendering="crispEdges" role="img"><rect width="{n}" height="{n}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##,
            n = self.size,
            path = self.svg_path()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_has_a_light_quiet_zone_and_dark_finders() {
        let qr = QrMatrix::encode("https://khaosat.example.vn/s/K7M2QX", Robustness::Poster).unwrap();
        assert!(qr.size >= 21 + 2 * QUIET_ZONE);
        for i in 0..qr.size {
            for edge in 0..QUIET_ZONE {
                assert!(
                    !qr.is_dark(i, edge) && !qr.is_dark(edge, i),
                    "quiet zone at {i},{edge}"
                );
            }
        }
        // The top-left finder pattern starts right inside the quiet zone.
        assert!(qr.is_dark(QUIET_ZONE, QUIET_ZONE));
        assert!(qr.svg().starts_with("<svg") && qr.svg_path().starts_with('M'));
    }

    /// The error-correction level a scanner reads in the code's format bits (decoded by
    /// rqrr from pixels, independently of the encoder), as ISO/IEC 18004 codes it:
    /// 0 M (15%), 1 L (7%), 2 H (30%), 3 Q (25%); and the text, which must survive.
    fn level_read_back(qr: &QrMatrix, text: &str) -> u16 {
        const PIXELS_PER_MODULE: usize = 4;
        let side = qr.size * PIXELS_PER_MODULE;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            if qr.is_dark(x / PIXELS_PER_MODULE, y / PIXELS_PER_MODULE) {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one code");
        let (meta, decoded) = grids[0].decode().expect("the code decodes");
        assert_eq!(decoded, text);
        meta.ecc_level
    }

    #[test]
    fn posters_carry_30_percent_error_correction_and_tickets_25() {
        const H: u16 = 2;
        const Q: u16 = 3;
        let url = "https://khaosat.example.vn/s/K7M2QX";
        let poster = QrMatrix::encode(url, Robustness::Poster).unwrap();
        assert_eq!(level_read_back(&poster, url), H, "a poster: level H");
        let ticket = QrMatrix::encode(url, Robustness::Ticket).unwrap();
        assert_eq!(level_read_back(&ticket, url), Q, "a ticket: level Q");
    }
}
