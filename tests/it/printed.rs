//! Reading what sipas prints the way a phone and a printer would: QR codes decoded from
//! pixels (PNG images, PDF pages rendered by poppler's `pdftoppm`, SVG paths rasterised
//! here), and PDF pages counted.

use std::process::Command;

/// A QR code read from pixels: its text, and the error-correction level its format bits
/// carry, as ISO/IEC 18004 codes them ([`LEVEL_H`], [`LEVEL_Q`], 0 for M, 1 for L).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    pub text: String,
    pub level: u16,
}

/// Level H: 30% of the code may be lost (posters).
pub const LEVEL_H: u16 = 2;
/// Level Q: 25% (tickets).
pub const LEVEL_Q: u16 = 3;

/// Every QR code found in a greyscale image (0 black … 255 white), decoded. (With many
/// codes on a page the detector also tries finder patterns of neighbouring codes as one
/// code; those candidates do not decode and are left out, so callers count the codes.)
pub fn scan_grey(width: usize, height: usize, pixels: &[u8]) -> Vec<Scanned> {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    image
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok())
        .map(|(meta, text)| Scanned {
            text,
            level: meta.ecc_level,
        })
        .collect()
}

/// The texts of [`scan_grey`].
pub fn decode_grey(width: usize, height: usize, pixels: &[u8]) -> Vec<String> {
    texts(scan_grey(width, height, pixels))
}

fn texts(scanned: Vec<Scanned>) -> Vec<String> {
    scanned.into_iter().map(|s| s.text).collect()
}

/// The QR codes of an A4 sheet of cards (8 mm margins, `columns` × `rows` cards), each
/// card read on its own as a phone held over it would.
pub fn decode_cards(page: &(usize, usize, Vec<u8>), columns: usize, rows: usize) -> Vec<String> {
    texts(scan_cards(page, columns, rows))
}

/// The same, with their error-correction levels.
pub fn scan_cards(page: &(usize, usize, Vec<u8>), columns: usize, rows: usize) -> Vec<Scanned> {
    let (width, height, pixels) = page;
    let (margin_x, margin_y) = (width * 8 / 210, height * 8 / 297);
    let (card_w, card_h) = ((width - 2 * margin_x) / columns, (height - 2 * margin_y) / rows);
    let mut found = Vec::new();
    for row in 0..rows {
        for column in 0..columns {
            let (left, top) = (margin_x + column * card_w, margin_y + row * card_h);
            let card: Vec<u8> = (top..top + card_h)
                .flat_map(|y| {
                    pixels[y * width + left..y * width + left + card_w]
                        .iter()
                        .copied()
                })
                .collect();
            found.extend(scan_grey(card_w, card_h, &card));
        }
    }
    found
}

/// The QR codes in a PNG image (8-bit greyscale or RGB(A)).
pub fn scan_png(bytes: &[u8]) -> Vec<Scanned> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buffer).expect("a frame");
    let channels = info.color_type.samples();
    let grey: Vec<u8> = buffer[..info.buffer_size()]
        .chunks(channels)
        .map(|px| {
            if channels >= 3 {
                ((px[0] as u16 + px[1] as u16 + px[2] as u16) / 3) as u8
            } else {
                px[0]
            }
        })
        .collect();
    scan_grey(info.width as usize, info.height as usize, &grey)
}

/// The QR code of an SVG made of a square `viewBox` and one path of `M{x} {y}h{n}v1h-{n}z`
/// runs (what sipas draws), rasterised at 8 pixels per module.
pub fn decode_svg(svg: &str) -> Vec<String> {
    texts(scan_svg(svg))
}

/// The same, with its error-correction level.
pub fn scan_svg(svg: &str) -> Vec<Scanned> {
    let view_box = svg.split("viewBox=\"0 0 ").nth(1).expect("a viewBox");
    let modules: usize = view_box.split(' ').next().unwrap().parse().unwrap();
    let path = svg
        .split(" d=\"")
        .nth(1)
        .expect("a path")
        .split('"')
        .next()
        .unwrap();
    const SCALE: usize = 8;
    let side = modules * SCALE;
    let mut pixels = vec![255u8; side * side];
    for run in path.split('M').filter(|r| !r.is_empty()) {
        let (x, rest) = run.split_once(' ').unwrap();
        let (y, rest) = rest.split_once('h').unwrap();
        let len = rest.split('v').next().unwrap();
        let (x, y, len): (usize, usize, usize) =
            (x.parse().unwrap(), y.parse().unwrap(), len.parse().unwrap());
        for py in y * SCALE..(y + 1) * SCALE {
            for px in x * SCALE..(x + len) * SCALE {
                pixels[py * side + px] = 0;
            }
        }
    }
    scan_grey(side, side, &pixels)
}

/// The number of pages of a PDF, from its page objects.
pub fn pdf_page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// Each page of a PDF rendered in grey at `dpi` by `pdftoppm`, as (width, height,
/// pixels); `None` (said on standard error) where poppler-utils is not installed — a
/// failure instead where `SIPAS_TEST_REQUIRE_PDFTOPPM` is set, as `.ci/run` sets it.
pub fn render_pdf(pdf: &[u8], dpi: u32) -> Option<Vec<(usize, usize, Vec<u8>)>> {
    if Command::new("pdftoppm").arg("-v").output().is_err() {
        assert!(
            std::env::var_os("SIPAS_TEST_REQUIRE_PDFTOPPM").is_none(),
            "SIPAS_TEST_REQUIRE_PDFTOPPM is set but pdftoppm cannot be run"
        );
        eprintln!("pdftoppm is not installed (apt-get install poppler-utils): PDF pages not rendered");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pdf");
    std::fs::write(&input, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray"])
        .arg(&input)
        .arg(dir.path().join("page"))
        .status()
        .unwrap();
    assert!(status.success(), "pdftoppm renders the PDF");
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    files.sort();
    Some(
        files
            .iter()
            .map(|f| parse_pgm(&std::fs::read(f).unwrap()))
            .collect(),
    )
}

/// A binary greyscale PGM (`P5`) image.
fn parse_pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (width, height): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = bytes[at + 1..at + 1 + width * height].to_vec();
    (width, height, pixels)
}
