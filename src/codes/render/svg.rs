//! A page as SVG. Text uses the viewer's fonts (DejaVu Sans first, as in the PDF).

use crate::codes::drawing::{Align, Item, Page};
use crate::codes::fonts::Weight;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One page as a standalone SVG document, sized in millimetres.
pub fn render(page: &Page) -> String {
    let mm = crate::codes::drawing::MM;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{:.1}mm" height="{:.1}mm" viewBox="0 0 {:.2} {:.2}" font-family="'DejaVu Sans', Arial, sans-serif"><rect width="100%" height="100%" fill="#fff"/>"##,
        page.width / mm,
        page.height / mm,
        page.width,
        page.height
    );
    for item in &page.items {
        match item {
            Item::Qr { x, y, size, matrix } => {
                let scale = size / matrix.size as f32;
                svg.push_str(&format!(
                    r##"<g transform="translate({x:.2} {y:.2}) scale({scale:.4})" shape-rendering="crispEdges"><rect width="{n}" height="{n}" fill="#fff"/><path fill="#000" d="{path}"/></g>"##,
                    n = matrix.size,
                    path = matrix.svg_path()
                ));
            }
            Item::Text {
                x,
                y,
                size,
                weight,
                align,
                gray,
                text,
            } => {
                let anchor = match align {
                    Align::Left => "start",
                    Align::Center => "middle",
                };
                let bold = if *weight == Weight::Bold {
                    r#" font-weight="bold""#
                } else {
                    ""
                };
                let shade = (gray * 255.0).round() as u8;
                svg.push_str(&format!(
                    r##"<text x="{x:.2}" y="{y:.2}" font-size="{size:.1}" text-anchor="{anchor}" fill="#{shade:02x}{shade:02x}{shade:02x}"{bold}>{}</text>"##,
                    escape(text)
                ));
            }
            Item::Fill {
                x,
                y,
                width,
                height,
                gray,
            } => {
                let shade = (gray * 255.0).round() as u8;
                svg.push_str(&format!(
                    r##"<rect x="{x:.2}" y="{y:.2}" width="{width:.2}" height="{height:.2}" fill="#{shade:02x}{shade:02x}{shade:02x}"/>"##
                ));
            }
            Item::Frame {
                x,
                y,
                width,
                height,
                dashed,
            } => {
                let dash = if *dashed { r#" stroke-dasharray="4 3""# } else { "" };
                svg.push_str(&format!(
                    r##"<rect x="{x:.2}" y="{y:.2}" width="{width:.2}" height="{height:.2}" fill="none" stroke="#777" stroke-width="0.6"{dash}/>"##
                ));
            }
        }
    }
    svg.push_str("</svg>");
    svg
}
