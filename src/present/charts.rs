//! Charts drawn on the server as inline SVG: no script, they print in black and white
//! (dark strokes, hollow marks for small samples, numbers written next to each mark), and
//! each comes with its figures as text for screen readers and for reading.

use std::fmt::Write;

use crate::i18n::Lang;

/// Escapes text for SVG/XML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A percentage bar with its 95% interval: `value` and the interval on 0–100. A bar from a
/// small sample is drawn hollow and dashed.
pub fn bar(value: Option<f64>, ci: Option<[f64; 2]>, low_sample: bool, label: &str) -> String {
    let mut svg = format!(
        r##"<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="{}"><rect x="0" y="1" width="100" height="8" fill="#eef1f4"/>"##,
        escape(label)
    );
    if let Some(value) = value {
        let width = value.clamp(0.0, 100.0);
        if low_sample {
            let _ = write!(
                svg,
                r##"<rect x="0.3" y="1.3" width="{:.2}" height="7.4" fill="#fff" stroke="#1a1a1a" stroke-width="0.6" stroke-dasharray="1.5 1" vector-effect="non-scaling-stroke"/>"##,
                (width - 0.6).max(0.0)
            );
        } else {
            let _ = write!(
                svg,
                r##"<rect x="0" y="1" width="{width:.2}" height="8" fill="#0b57a4"/>"##
            );
        }
        if let Some([low, high]) = ci {
            let (low, high) = (low.clamp(0.0, 100.0), high.clamp(0.0, 100.0));
            let _ = write!(
                svg,
                r##"<path d="M{low:.2} 5H{high:.2}M{low:.2} 3V7M{high:.2} 3V7" stroke="#1a1a1a" stroke-width="1.5" vector-effect="non-scaling-stroke" fill="none"/>"##
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One month of a trend line.
pub struct TrendMark {
    /// Short label under the axis, e.g. `07/25`.
    pub label: String,
    pub value: Option<f64>,
    pub low_sample: bool,
}

/// A line of monthly values on a 0–100 scale (zoomed to the values' range, with a margin),
/// each mark with its value written above it; months without a value break the line.
pub fn trend(marks: &[TrendMark], title: &str, lang: Lang) -> String {
    const W: f64 = 640.0;
    const H: f64 = 240.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 12.0;
    const TOP: f64 = 24.0;
    const BOTTOM: f64 = 34.0;
    let values: Vec<f64> = marks.iter().filter_map(|m| m.value).collect();
    let (mut low, mut high) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    if values.is_empty() {
        (low, high) = (0.0, 100.0);
    }
    // Steps of 10 around the values, at least 20 points tall.
    let mut bottom = ((low - 5.0) / 10.0).floor().max(0.0) * 10.0;
    let mut top = ((high + 5.0) / 10.0).ceil().min(10.0) * 10.0;
    if top - bottom < 20.0 {
        if top >= 100.0 {
            bottom = top - 20.0;
        } else {
            top = (bottom + 20.0).min(100.0);
            bottom = top - 20.0;
        }
    }
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / marks.len().max(1) as f64;
    let y = |v: f64| TOP + plot_h * (1.0 - (v - bottom) / (top - bottom));
    let mut svg = format!(
        r#"<svg class="trend" viewBox="0 0 {W} {H}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    let mut level = bottom;
    while level <= top + 1e-9 {
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#b8c0c8" stroke-dasharray="3 3"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#4a4a4a">{}</text>"##,
            W - RIGHT,
            y(level),
            y(level),
            LEFT - 4.0,
            y(level) + 4.0,
            level as i64
        );
        level += 10.0;
    }
    // The line, broken where a month has no value.
    let mut path = String::new();
    let mut pen_down = false;
    for (i, mark) in marks.iter().enumerate() {
        match mark.value {
            Some(v) => {
                let _ = write!(
                    path,
                    "{}{:.1} {:.1}",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(v)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        let _ = write!(
            svg,
            r##"<path d="{path}" fill="none" stroke="#1a1a1a" stroke-width="2"/>"##
        );
    }
    for (i, mark) in marks.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
            x(i),
            H - BOTTOM + 16.0,
            escape(&mark.label)
        );
        if let Some(v) = mark.value {
            let fill = if mark.low_sample { "#fff" } else { "#0b57a4" };
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{fill}" stroke="#1a1a1a" stroke-width="1.5"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
                x(i),
                y(v),
                x(i),
                y(v) - 8.0,
                lang.number(v, 1)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scale() {
        let svg = bar(Some(82.5), Some([80.0, 85.0]), false, "<b>\"x\"</b>");
        assert!(svg.contains("aria-label=\"&lt;b&gt;&quot;x&quot;&lt;/b&gt;\""));
        assert!(svg.contains(r#"width="82.50""#));
        assert!(svg.contains("M80.00 5H85.00"));
        let hollow = bar(Some(50.0), None, true, "n nhỏ");
        assert!(hollow.contains("stroke-dasharray"));
        assert!(!bar(None, None, false, "trống").contains("#0b57a4"));
    }

    #[test]
    fn a_trend_breaks_where_a_month_has_no_value() {
        let mark = |label: &str, value: Option<f64>| TrendMark {
            label: label.into(),
            value,
            low_sample: false,
        };
        let svg = trend(
            &[
                mark("01", Some(80.0)),
                mark("02", None),
                mark("03", Some(90.0)),
                mark("04", Some(85.5)),
            ],
            "SIPAS",
            Lang::Vi,
        );
        // Two pieces: one lone mark, then a line of two.
        let line = svg.split("<path d=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!((line.matches('M').count(), line.matches('L').count()), (2, 1));
        assert!(svg.contains(">85,5<"));
        assert_eq!(svg.matches("<circle").count(), 3);
    }
}
