//! Figures written for people: a percentage with a Vietnamese comma, its interval, its
//! change with a sign, low-sample and missing-data marks, a bar; the indices of a form laid
//! out as elements with their criteria. The dashboard, the public page, the digest, the
//! alerts and the report files all show figures this one way.

use super::charts;
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
    pub bar: String,
    /// Why a composite has no value: «chưa đủ dữ liệu» and the components without one;
    /// empty otherwise.
    pub missing: String,
}

impl Figure {
    /// Index `id` of `form` as the page shows it.
    pub fn new(form: &Form, id: &str, value: Option<&IndexValue>, lang: Lang) -> Figure {
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
            bar: charts::bar(value.value, value.ci95, value.low_sample, label),
            missing,
        }
    }
}

/// An element and its criteria.
pub struct Element {
    pub figure: Figure,
    pub criteria: Vec<Figure>,
}

/// The indices of a form laid out: elements with their criteria, then every other group.
pub struct Layout {
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
    let figure = |id: &str| Figure::new(form, id, indices.get(id), lang);
    let mut elements = Vec::new();
    let mut shown: Vec<&str> = vec![form.headline.as_str()];
    for index in form
        .indices
        .iter()
        .filter(|i| i.group.as_deref() == Some("element"))
    {
        let of: &[String] = match &index.rule {
            IndexRule::Mean { of, .. } => of,
            _ => &[],
        };
        let criteria = of.iter().map(|c| figure(c)).collect();
        shown.extend(of.iter().map(String::as_str));
        shown.push(&index.id);
        elements.push(Element {
            figure: figure(&index.id),
            criteria,
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
    Layout { elements, groups }
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
