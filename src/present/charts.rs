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

/// The stretch of the percentage scale a set of bars is drawn on: from a round number
/// below the lowest figure to one above the highest, so that 73 and 87 look different
/// (on 0–100 they hardly do). The scale is always drawn and labelled beside the bars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub low: f64,
    pub high: f64,
}

impl Scale {
    /// The whole 0–100.
    pub const FULL: Scale = Scale {
        low: 0.0,
        high: 100.0,
    };

    /// A scale in steps of 10 that holds every one of `values` (interval bounds
    /// included), with the lowest at least 2 points above its start (so that its bar
    /// shows), at least 20 points wide.
    pub fn around(values: impl IntoIterator<Item = f64>) -> Scale {
        let (low, high) = values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(v), h.max(v)));
        if low > high {
            return Scale::FULL;
        }
        let mut low = ((low - 2.0) / 10.0).floor().clamp(0.0, 10.0) * 10.0;
        let mut high = (high / 10.0).ceil().clamp(0.0, 10.0) * 10.0;
        if high - low < 20.0 {
            high = (low + 20.0).min(100.0);
            low = high - 20.0;
        }
        Scale { low, high }
    }

    /// Where `value` falls, from 0 (the scale's low end) to 100 (its high end).
    fn place(self, value: f64) -> f64 {
        ((value - self.low) / (self.high - self.low) * 100.0).clamp(0.0, 100.0)
    }

    /// The labelled steps of the scale.
    pub fn steps(self) -> Vec<f64> {
        let mut steps = Vec::new();
        let mut at = self.low;
        while at <= self.high + 1e-9 {
            steps.push(at);
            at += 10.0;
        }
        steps
    }
}

/// A percentage bar with its 95% interval on 0–100. A bar from a small sample is drawn
/// hollow and dashed.
pub fn bar(value: Option<f64>, ci: Option<[f64; 2]>, low_sample: bool, label: &str) -> String {
    bar_on(Scale::FULL, value, ci, low_sample, label)
}

/// The same on `scale`, with its steps marked by thin lines.
pub fn bar_on(
    scale: Scale,
    value: Option<f64>,
    ci: Option<[f64; 2]>,
    low_sample: bool,
    label: &str,
) -> String {
    let mut svg = format!(
        r##"<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="{}"><rect x="0" y="1" width="100" height="8" fill="#eef1f4"/>"##,
        escape(label)
    );
    if scale != Scale::FULL {
        for step in scale.steps() {
            let _ = write!(
                svg,
                r##"<path d="M{:.2} 0V10" stroke="#b8c0c8" stroke-width="1" vector-effect="non-scaling-stroke"/>"##,
                scale.place(step)
            );
        }
    }
    if let Some(value) = value {
        let width = scale.place(value);
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
            let (low, high) = (scale.place(low), scale.place(high));
            let _ = write!(
                svg,
                r##"<path d="M{low:.2} 5H{high:.2}M{low:.2} 3V7M{high:.2} 3V7" stroke="#1a1a1a" stroke-width="1.5" vector-effect="non-scaling-stroke" fill="none"/>"##
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The scale under a column of bars: its steps, labelled (HTML, so the numbers keep the
/// page's font size whatever the column's width).
pub fn axis(scale: Scale, lang: Lang) -> String {
    let mut html = format!(
        r#"<div class="axis" role="img" aria-label="{} {} – {}">"#,
        lang.pick("Thang đo", "Scale"),
        scale.low,
        scale.high
    );
    for step in scale.steps() {
        let _ = write!(
            html,
            r#"<span style="left:{:.2}%">{}</span>"#,
            scale.place(step),
            step
        );
    }
    html.push_str("</div>");
    html
}

/// One month of a trend line.
pub struct TrendMark {
    /// Short label under the axis, e.g. `07/25`.
    pub label: String,
    pub value: Option<f64>,
    pub low_sample: bool,
}

/// How big a trend is drawn: its box, its text, and how often a month is labelled. A
/// phone draws the narrow one at about its own width, so its 12-unit labels stay at
/// least 11 pixels on a 360-pixel screen.
#[derive(Debug, Clone, Copy)]
pub struct TrendSize {
    width: f64,
    class: &'static str,
    /// Every how many months the axis names one (and writes its value).
    label_every: usize,
    /// The text size, in the box's units.
    font: f64,
}

impl TrendSize {
    pub const WIDE: TrendSize = TrendSize {
        width: 640.0,
        class: "trend",
        label_every: 1,
        font: 11.0,
    };
    pub const NARROW: TrendSize = TrendSize {
        width: 340.0,
        class: "trend-narrow",
        label_every: 2,
        font: 12.0,
    };
}

/// A line of monthly values on a 0–100 scale (zoomed to the values' range, with a margin),
/// each mark with its value written above it; months without a value break the line.
pub fn trend(marks: &[TrendMark], title: &str, lang: Lang) -> String {
    trend_sized(marks, title, lang, TrendSize::WIDE)
}

/// The same, drawn at `size`.
pub fn trend_sized(marks: &[TrendMark], title: &str, lang: Lang, size: TrendSize) -> String {
    let w: f64 = size.width;
    const H: f64 = 240.0;
    const LEFT: f64 = 34.0;
    const RIGHT: f64 = 10.0;
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
    let plot_w = w - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / marks.len().max(1) as f64;
    let y = |v: f64| TOP + plot_h * (1.0 - (v - bottom) / (top - bottom));
    let mut svg = format!(
        r#"<svg class="{}" viewBox="0 0 {w} {H}" role="img" aria-label="{}"><title>{}</title>"#,
        size.class,
        escape(title),
        escape(title)
    );
    let mut level = bottom;
    while level <= top + 1e-9 {
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#b8c0c8" stroke-dasharray="3 3"/><text x="{:.1}" y="{:.1}" font-size="{}" text-anchor="end" fill="#4a4a4a">{}</text>"##,
            w - RIGHT,
            y(level),
            y(level),
            LEFT - 4.0,
            y(level) + 4.0,
            size.font,
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
    // The newest month is always named; the others as often as they fit.
    let last = marks.len().saturating_sub(1);
    for (i, mark) in marks.iter().enumerate() {
        let labelled = (last - i).is_multiple_of(size.label_every);
        if labelled {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="{}" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
                x(i),
                H - BOTTOM + 16.0,
                size.font,
                escape(&mark.label)
            );
        }
        if let Some(v) = mark.value {
            let fill = if mark.low_sample { "#fff" } else { "#0b57a4" };
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{fill}" stroke="#1a1a1a" stroke-width="1.5"/>"##,
                x(i),
                y(v),
            );
            // Every value on a wide chart; on a narrow one those of the months named
            // (the table under the chart has them all).
            if labelled {
                let _ = write!(
                    svg,
                    r##"<text x="{:.1}" y="{:.1}" font-size="{}" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
                    x(i),
                    y(v) - 8.0,
                    size.font,
                    lang.number(v, 1)
                );
            }
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
    fn a_scale_fits_the_figures_and_is_marked() {
        // 73 and 87 with their intervals: 70–90, so the two bars differ by 70 % of the
        // width rather than 14 %.
        let scale = Scale::around([73.0, 74.9, 87.0, 85.5, 88.4]);
        assert_eq!(
            scale,
            Scale {
                low: 70.0,
                high: 90.0
            }
        );
        // A value on a step starts the scale one step lower, so that its bar shows.
        assert_eq!(Scale::around([50.0, 60.0]).low, 40.0);
        let (low, high) = (
            bar_on(scale, Some(73.0), None, false, "a"),
            bar_on(scale, Some(87.0), None, false, "b"),
        );
        assert!(
            low.contains(r#"width="15.00""#) && high.contains(r#"width="85.00""#),
            "{low} {high}"
        );
        assert_eq!(scale.steps(), [70.0, 80.0, 90.0]);
        let axis = axis(scale, Lang::Vi);
        assert!(axis.contains(r#"<span style="left:50.00%">80</span>"#), "{axis}");
        assert!(axis.contains("Thang đo 70 – 90"));
        // At least 20 points wide, never past 100; nothing to fit: the whole scale.
        assert_eq!(
            Scale::around([96.0, 99.0]),
            Scale {
                low: 80.0,
                high: 100.0
            }
        );
        assert_eq!(Scale::around([]), Scale::FULL);
        assert!(!bar(Some(50.0), None, false, "c").contains("M50.00 0V10"));
    }

    #[test]
    fn a_narrow_trend_keeps_its_labels_readable() {
        let marks: Vec<TrendMark> = (1..=12)
            .map(|m| TrendMark {
                label: format!("{m:02}/25"),
                value: Some(80.0 + m as f64),
                low_sample: false,
            })
            .collect();
        let narrow = trend_sized(&marks, "SIPAS", Lang::Vi, TrendSize::NARROW);
        assert!(narrow.starts_with(r#"<svg class="trend-narrow" viewBox="0 0 340 240""#));
        // Every other month named, the newest always, in 12-unit text.
        assert!(narrow.contains(">12/25<") && narrow.contains(">10/25<") && !narrow.contains(">11/25<"));
        assert!(narrow.contains(">92,0<") && !narrow.contains(">91,0<"));
        assert!(!narrow.contains(r#"font-size="10""#) && !narrow.contains(r#"font-size="11""#));
        let wide = trend(&marks, "SIPAS", Lang::Vi);
        assert!(wide.contains(">11/25<") && wide.contains(r#"viewBox="0 0 640 240""#));
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
