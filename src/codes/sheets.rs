//! Tickets as printed: an A4 sheet of cut-out cards, or a strip for an 80 mm thermal
//! receipt printer. Each card has its QR code, its code, the address and one line of
//! instructions.

use chrono::{NaiveDate, NaiveDateTime};

use super::drawing::{A4, Align, MM, Page};
use super::fonts::Weight;
use super::poster::spaced;
use super::qr::{QrError, QrMatrix, Robustness};

/// Cards per A4 sheet: two columns of five.
pub const COLUMNS: usize = 2;
pub const ROWS: usize = 5;
pub const PER_SHEET: usize = COLUMNS * ROWS;

/// What one ticket card shows.
#[derive(Debug, Clone)]
pub struct Card {
    pub code: String,
    pub url: String,
    pub expires_at: NaiveDateTime,
    /// The last day it works, in the deployment's time zone.
    pub last_day: NaiveDate,
    /// "Unit — desk".
    pub place: String,
}

impl Card {
    /// The code in two groups of four, easier to read out and type ("2FY9 22YS"); the
    /// space is ignored when typed.
    pub fn grouped_code(&self) -> String {
        let (first, second) = self.code.split_at(self.code.len() / 2);
        format!("{first} {second}")
    }

    /// The instruction line, with the last day the ticket works.
    pub fn instruction(&self) -> String {
        format!(
            "Quét mã hoặc vào trang trên và nhập mã để đánh giá sự phục vụ. Mã dùng một lần, đến hết ngày {}.",
            self.last_day.format("%d/%m/%Y")
        )
    }
}

/// A4 sheets of cards, with dashed lines to cut along.
pub fn a4_sheets(cards: &[Card]) -> Result<Vec<Page>, QrError> {
    let (width, height) = A4;
    let margin = 8.0 * MM;
    let card_width = (width - 2.0 * margin) / COLUMNS as f32;
    let card_height = (height - 2.0 * margin) / ROWS as f32;
    let mut pages = Vec::new();
    for sheet in cards.chunks(PER_SHEET) {
        let mut page = Page::new(width, height);
        for (index, card) in sheet.iter().enumerate() {
            let x = margin + (index % COLUMNS) as f32 * card_width;
            let y = margin + (index / COLUMNS) as f32 * card_height;
            page.frame(x, y, card_width, card_height, true);
            let pad = 4.0 * MM;
            // A 40 mm code scans from arm's length and leaves the card's right half for text.
            let qr_size = 40.0 * MM;
            page.qr(
                x + pad,
                y + (card_height - qr_size) / 2.0,
                qr_size,
                QrMatrix::encode(&card.url, Robustness::Ticket)?,
            );
            let text_x = x + 2.0 * pad + qr_size - 2.0 * MM;
            let text_width = card_width - (text_x - x) - pad;
            let text = |page: &mut Page, y: f32, size: f32, weight: Weight, gray: f32, text: &str| {
                page.paragraph(text_x, y, text_width, size, weight, Align::Left, gray, text)
            };
            let mut line = text(
                &mut page,
                y + pad + 8.0,
                8.0,
                Weight::Bold,
                0.0,
                "KHẢO SÁT SỰ HÀI LÒNG",
            );
            line = text(
                &mut page,
                line + 14.0,
                18.0,
                Weight::Bold,
                0.0,
                &card.grouped_code(),
            );
            line = text(&mut page, line, 7.5, Weight::Regular, 0.0, &card.url);
            line = text(
                &mut page,
                line + 2.0,
                7.5,
                Weight::Regular,
                0.0,
                &card.instruction(),
            );
            text(&mut page, line + 2.0, 6.5, Weight::Regular, 0.35, &card.place);
        }
        pages.push(page);
    }
    Ok(pages)
}

/// The printable width of an 80 mm receipt roll.
pub const THERMAL_WIDTH: f32 = 80.0 * MM;

/// One receipt per ticket, 80 mm wide.
pub fn thermal(cards: &[Card]) -> Result<Vec<Page>, QrError> {
    let margin = 5.0 * MM;
    let inner = THERMAL_WIDTH - 2.0 * margin;
    let mut pages = Vec::new();
    for card in cards {
        let mut page = Page::new(THERMAL_WIDTH, 115.0 * MM);
        let mut y = margin + 10.0;
        y = page.paragraph(
            margin,
            y,
            inner,
            10.0,
            Weight::Bold,
            Align::Center,
            0.0,
            "PHIẾU KHẢO SÁT SỰ HÀI LÒNG",
        );
        let qr_size = 46.0 * MM;
        page.qr(
            (THERMAL_WIDTH - qr_size) / 2.0,
            y,
            qr_size,
            QrMatrix::encode(&card.url, Robustness::Ticket)?,
        );
        y += qr_size + 22.0;
        y = page.paragraph(
            margin,
            y,
            inner,
            22.0,
            Weight::Bold,
            Align::Center,
            0.0,
            &spaced(&card.code),
        );
        y = page.paragraph(
            margin,
            y,
            inner,
            8.0,
            Weight::Regular,
            Align::Center,
            0.0,
            &card.url,
        );
        y = page.paragraph(
            margin,
            y + 2.0,
            inner,
            8.0,
            Weight::Regular,
            Align::Center,
            0.0,
            &card.instruction(),
        );
        page.paragraph(
            margin,
            y + 2.0,
            inner,
            7.0,
            Weight::Regular,
            Align::Center,
            0.0,
            &card.place,
        );
        pages.push(page);
    }
    Ok(pages)
}

/// The tickets as CSV: `code,url,expires_at` (RFC 3339, UTC).
pub fn csv(cards: &[Card]) -> String {
    let mut out = String::from("code,url,expires_at\n");
    for card in cards {
        out.push_str(&format!(
            "{},{},{}Z\n",
            card.code,
            card.url,
            card.expires_at.format("%Y-%m-%dT%H:%M:%S")
        ));
    }
    out
}
