//! A printed page described once — boxes, QR codes, lines of text — and rendered as SVG,
//! PDF or PNG. Units are PostScript points (1/72 inch), measured from the top left.

use super::fonts::{self, Weight};
use super::qr::QrMatrix;

/// Points per millimetre.
pub const MM: f32 = 72.0 / 25.4;
/// A4, portrait.
pub const A4: (f32, f32) = (210.0 * MM, 297.0 * MM);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
}

#[derive(Debug, Clone)]
pub enum Item {
    /// A QR code filling a `size`-point square at (`x`, `y`).
    Qr {
        x: f32,
        y: f32,
        size: f32,
        matrix: QrMatrix,
    },
    /// One line of text; `y` is its baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        align: Align,
        gray: f32,
        text: String,
    },
    /// A filled rectangle in a grey (0 black, 1 white): rules under headings, bars.
    Fill {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        gray: f32,
    },
    /// An outline, dashed for the lines to cut along.
    Frame {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        dashed: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
}

impl Page {
    pub fn new(width: f32, height: f32) -> Page {
        Page {
            width,
            height,
            items: Vec::new(),
        }
    }

    pub fn qr(&mut self, x: f32, y: f32, size: f32, matrix: QrMatrix) {
        self.items.push(Item::Qr { x, y, size, matrix });
    }

    /// Lines of `text` wrapped to `max_width`, the first baseline at `y`; returns the
    /// baseline after the last line.
    #[allow(clippy::too_many_arguments)]
    pub fn paragraph(
        &mut self,
        x: f32,
        y: f32,
        max_width: f32,
        size: f32,
        weight: Weight,
        align: Align,
        gray: f32,
        text: &str,
    ) -> f32 {
        let text = fonts::printable(text);
        let mut baseline = y;
        for line in fonts::wrap(&text, size, weight, max_width) {
            let x = match align {
                Align::Left => x,
                Align::Center => x + max_width / 2.0,
            };
            self.items.push(Item::Text {
                x,
                y: baseline,
                size,
                weight,
                align,
                gray,
                text: line,
            });
            baseline += size * 1.25;
        }
        baseline
    }

    pub fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, gray: f32) {
        self.items.push(Item::Fill {
            x,
            y,
            width,
            height,
            gray,
        });
    }

    pub fn frame(&mut self, x: f32, y: f32, width: f32, height: f32, dashed: bool) {
        self.items.push(Item::Frame {
            x,
            y,
            width,
            height,
            dashed,
        });
    }

    /// Every QR code of the page, for checks.
    pub fn qr_codes(&self) -> impl Iterator<Item = &QrMatrix> {
        self.items.iter().filter_map(|i| match i {
            Item::Qr { matrix, .. } => Some(matrix),
            _ => None,
        })
    }

    /// Where a line of text starts, given its alignment.
    pub fn text_start(x: f32, size: f32, weight: Weight, align: Align, text: &str) -> f32 {
        match align {
            Align::Left => x,
            Align::Center => x - fonts::width(text, size, weight) / 2.0,
        }
    }
}
