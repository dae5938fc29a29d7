//! The A4 poster of a desk: its QR code, its code in large type, where it is, and how to
//! answer.

use super::drawing::{A4, Align, MM, Page};
use super::fonts::Weight;
use super::qr::{QrError, QrMatrix, Robustness};

/// What a poster shows.
pub struct PosterText<'a> {
    pub unit: &'a str,
    pub desk: &'a str,
    pub code: &'a str,
    pub url: &'a str,
    /// About how long the desk's form takes (see `Form::minutes`).
    pub minutes: u64,
}

pub fn poster(text: &PosterText<'_>) -> Result<Page, QrError> {
    let (width, height) = A4;
    let margin = 18.0 * MM;
    let inner = width - 2.0 * margin;
    let mut page = Page::new(width, height);
    page.frame(margin / 2.0, margin / 2.0, width - margin, height - margin, false);

    let mut y = margin + 22.0;
    y = page.paragraph(
        margin,
        y,
        inner,
        26.0,
        Weight::Bold,
        Align::Center,
        0.0,
        "KHẢO SÁT SỰ HÀI LÒNG",
    );
    y = page.paragraph(
        margin,
        y + 2.0,
        inner,
        15.0,
        Weight::Regular,
        Align::Center,
        0.0,
        "về sự phục vụ của cơ quan hành chính nhà nước",
    );

    let qr_size = 95.0 * MM;
    let qr = QrMatrix::encode(text.url, Robustness::Poster)?;
    page.qr((width - qr_size) / 2.0, y + 6.0, qr_size, qr);
    y += qr_size + 30.0;

    y = page.paragraph(
        margin,
        y,
        inner,
        16.0,
        Weight::Regular,
        Align::Center,
        0.0,
        "Quét mã QR bằng điện thoại, hoặc vào trang",
    );
    y = page.paragraph(margin, y, inner, 14.0, Weight::Bold, Align::Center, 0.0, text.url);
    y = page.paragraph(
        margin,
        y + 14.0,
        inner,
        16.0,
        Weight::Regular,
        Align::Center,
        0.0,
        "Mã khảo sát",
    );
    y = page.paragraph(
        margin,
        y + 40.0,
        inner,
        64.0,
        Weight::Bold,
        Align::Center,
        0.0,
        &spaced(text.code),
    );
    y = page.paragraph(
        margin,
        y + 4.0,
        inner,
        18.0,
        Weight::Bold,
        Align::Center,
        0.0,
        text.unit,
    );
    y = page.paragraph(
        margin,
        y,
        inner,
        15.0,
        Weight::Regular,
        Align::Center,
        0.0,
        text.desk,
    );
    y = page.paragraph(
        margin,
        y + 12.0,
        inner,
        14.0,
        Weight::Regular,
        Align::Center,
        0.0,
        &format!(
            "Khảo sát ẩn danh, mất khoảng {} phút. Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.",
            text.minutes
        ),
    );
    page.paragraph(
        margin,
        y + 6.0,
        inner,
        11.0,
        Weight::Regular,
        Align::Center,
        0.3,
        &format!(
            "Scan the code to rate our service: anonymous, about {} {}. English is available.",
            text.minutes,
            if text.minutes == 1 { "minute" } else { "minutes" }
        ),
    );
    Ok(page)
}

/// A code with thin spaces between its characters, easier to read from afar.
pub fn spaced(code: &str) -> String {
    code.chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join("\u{2009}")
}
