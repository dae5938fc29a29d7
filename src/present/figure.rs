//! Figures written for people: a percentage with a Vietnamese comma, its interval, its
//! change with a sign, low-sample and missing-data marks, a bar; the indices of a form laid
//! out as elements with their criteria. The dashboard, the public page, the digest, the
//! alerts and the report files all show figures this one way.

use super::charts::{self, Scale};
use crate::forms::{Form, IndexRule};
use crate::i18n::Lang;
use crate::indices::report::{IndexValue, Indices};
use crate::indices::sample::Sample;

/// An index as a line of the page.
pub struct Figure {
    pub id: String,
    pub label: String,
    /// `82,66` or `—` when nobody answered.
    pub value: String,
    pub n: String,
    /// `[80,12 – 85,03]`, empty without a value.
    pub ci: String,
    pub low_sample: bool,
    /// `+1,20` / `−0,50`, empty when either period has no value.
    pub change: String,
    /// `up`, `down` or `same`, for the arrow.
    pub trend: &'static str,
    pub grade: String,
    /// The level band of the value: a class for its colour, and the same in words.
    pub band: &'static str,
    pub band_text: String,
    pub bar: String,
    /// Why a composite has no value: «chưa đủ dữ liệu» and the components without one;
    /// empty otherwise.
    pub missing: String,
}

impl Figure {
    /// Index `id` of `form` as the page shows it, its bar on 0–100.
    pub fn new(form: &Form, id: &str, value: Option<&IndexValue>, lang: Lang) -> Figure {
        Figure::on(Scale::FULL, form, id, value, lang)
    }

    /// The same with its bar on `scale`.
    pub fn on(scale: Scale, form: &Form, id: &str, value: Option<&IndexValue>, lang: Lang) -> Figure {
        let label = form.index(id).map(|i| i.label.get(lang)).unwrap_or(id);
        let value = value.cloned().unwrap_or(IndexValue {
            value: None,
            n: 0,
            ci95: None,
            low_sample: true,
            change: None,
            grade: None,
            missing: Vec::new(),
        });
        let missing = match value.missing.as_slice() {
            [] => String::new(),
            ids => {
                let names: Vec<&str> = ids
                    .iter()
                    .map(|m| form.index(m).map_or(m.as_str(), |i| i.label.get(lang)))
                    .collect();
                format!(
                    "{} ({} {})",
                    lang.pick("chưa đủ dữ liệu", "not enough data"),
                    lang.pick("chưa có số liệu:", "no figure for:"),
                    names.join("; ")
                )
            }
        };
        let change = value.change.map(|c| {
            let text = lang.number(c.abs(), 2);
            if c > 0.0 {
                format!("+{text}")
            } else if c < 0.0 {
                format!("−{text}")
            } else {
                text
            }
        });
        Figure {
            id: id.to_string(),
            label: label.to_string(),
            value: value.value.map_or_else(|| "—".to_string(), |v| lang.number(v, 2)),
            n: lang.number(value.n as f64, 0),
            ci: value.ci95.map_or_else(String::new, |[low, high]| {
                format!("[{} – {}]", lang.number(low, 2), lang.number(high, 2))
            }),
            low_sample: value.low_sample,
            trend: match value.change {
                Some(c) if c > 0.0 => "up",
                Some(c) if c < 0.0 => "down",
                _ => "same",
            },
            change: change.unwrap_or_default(),
            grade: value.grade.map(|g| g.get(lang).to_string()).unwrap_or_default(),
            band: band(value.value).0,
            band_text: band(value.value).1.get(lang).to_string(),
            bar: charts::bar_on(scale, value.value, value.ci95, value.low_sample, label),
            missing,
        }
    }
}

/// The level band of a value, as a class and in words (the colour is never the only
/// sign). The bands are the research note's proposal (A ≥ 90, B 80–90, C 70–80, D < 70):
/// no official rule grades SIPAS values.
pub fn band(value: Option<f64>) -> (&'static str, crate::i18n::Message) {
    use crate::i18n::Message;
    match value {
        None => ("band-none", Message::new("chưa có số liệu", "no figure")),
        Some(v) if v >= 90.0 => ("band-a", Message::new("mức A (từ 90)", "level A (90 and over)")),
        Some(v) if v >= 80.0 => (
            "band-b",
            Message::new("mức B (80 – dưới 90)", "level B (80 to under 90)"),
        ),
        Some(v) if v >= 70.0 => (
            "band-c",
            Message::new("mức C (70 – dưới 80)", "level C (70 to under 80)"),
        ),
        Some(_) => ("band-d", Message::new("mức D (dưới 70)", "level D (under 70)")),
    }
}

/// The cards under the headline: the form's elements, or, for a form without elements,
/// the components of its headline.
pub fn cards(form: &Form, indices: &Indices, lang: Lang) -> Vec<Figure> {
    let elements: Vec<&str> = form
        .indices
        .iter()
        .filter(|i| i.group.as_deref() == Some("element"))
        .map(|i| i.id.as_str())
        .collect();
    let ids: Vec<&str> = if elements.is_empty() {
        match form.index(&form.headline).map(|i| &i.rule) {
            Some(IndexRule::Mean { of, .. }) => of.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    } else {
        elements
    };
    ids.into_iter()
        .map(|id| Figure::new(form, id, indices.get(id), lang))
        .collect()
}

/// An element and its criteria.
pub struct Element {
    pub figure: Figure,
    pub criteria: Vec<Figure>,
}

/// The indices of a form laid out: elements with their criteria, then every other group.
pub struct Layout {
    /// The scale every bar of the layout is drawn on, and its labelled steps.
    pub scale: Scale,
    pub axis: String,
    pub elements: Vec<Element>,
    /// (group title, its indices), in the form's order.
    pub groups: Vec<(String, Vec<Figure>)>,
}

fn group_title(group: &str, lang: Lang) -> String {
    let known = [
        ("overall", "Hài lòng chung", "Overall satisfaction"),
        (
            "behaviour",
            "Hành vi của cơ quan (tỷ lệ người dân)",
            "How the agency behaved (share of people)",
        ),
        (
            "expectation",
            "Người dân mong muốn cải thiện",
            "What people want improved",
        ),
        ("points", "Điểm", "Points"),
    ];
    known
        .iter()
        .find(|(id, _, _)| *id == group)
        .map(|(_, vi, en)| lang.pick(vi, en).to_string())
        .unwrap_or_else(|| match group {
            "" => lang.pick("Chỉ số khác", "Other indices").to_string(),
            other => other.to_string(),
        })
}

pub fn layout(form: &Form, indices: &Indices, lang: Lang) -> Layout {
    let element_defs: Vec<(&str, &[String])> = form
        .indices
        .iter()
        .filter(|i| i.group.as_deref() == Some("element"))
        .map(|index| {
            let of: &[String] = match &index.rule {
                IndexRule::Mean { of, .. } => of,
                _ => &[],
            };
            (index.id.as_str(), of)
        })
        .collect();
    // Elements and criteria share one scale fitted to them; other groups (shares of people
    // who chose something) keep 0–100.
    let scale = Scale::around(
        element_defs
            .iter()
            .flat_map(|(id, of)| std::iter::once(*id).chain(of.iter().map(String::as_str)))
            .filter_map(|id| indices.get(id))
            .flat_map(|v| v.value.into_iter().chain(v.ci95.into_iter().flatten())),
    );
    let figure = |id: &str| Figure::new(form, id, indices.get(id), lang);
    let on_scale = |id: &str| Figure::on(scale, form, id, indices.get(id), lang);
    let mut elements = Vec::new();
    let mut shown: Vec<&str> = vec![form.headline.as_str()];
    for (id, of) in element_defs {
        shown.extend(of.iter().map(String::as_str));
        shown.push(id);
        elements.push(Element {
            figure: on_scale(id),
            criteria: of.iter().map(|c| on_scale(c)).collect(),
        });
    }
    let mut groups: Vec<(String, Vec<Figure>)> = Vec::new();
    for index in &form.indices {
        if shown.contains(&index.id.as_str()) {
            continue;
        }
        let title = group_title(index.group.as_deref().unwrap_or(""), lang);
        match groups.iter_mut().find(|(t, _)| *t == title) {
            Some((_, figures)) => figures.push(figure(&index.id)),
            None => groups.push((title, vec![figure(&index.id)])),
        }
    }
    Layout {
        scale,
        axis: charts::axis(scale, lang),
        elements,
        groups,
    }
}

/// How a sample reads: met or not, achieved over target; empty without a target.
pub fn sample_text(sample: &Sample, lang: Lang) -> String {
    match (sample.target, sample.met) {
        (Some(target), Some(met)) => format!(
            "{} ({}/{})",
            if met {
                lang.pick("đạt cỡ mẫu", "sample target met")
            } else {
                lang.pick("chưa đạt cỡ mẫu", "sample target not met")
            },
            lang.number(sample.achieved as f64, 0),
            lang.number(target as f64, 0)
        ),
        _ => String::new(),
    }
}
