//! Satisfaction by who answered, written for people: each dimension's name, each group's
//! name (an option's wording, a channel, a field, a desk), n and the share, the merged
//! small groups and how many were left out.

use crate::app::breakdowns::Breakdowns;
use crate::forms::Form;
use crate::i18n::Lang;
use crate::indices::breakdown::Dimension;
use crate::tally::Channel;

/// A group as shown.
pub struct GroupLine {
    pub name: String,
    pub n: i64,
    /// The share, rounded like every index (two decimals).
    pub value: f64,
    pub merged: bool,
}

pub struct BreakdownView {
    pub title: String,
    pub groups: Vec<GroupLine>,
    /// «2 nhóm dưới 30 phiếu không hiện», or empty.
    pub note: String,
}

/// Every dimension with at least one group to show.
pub fn breakdown_views(form: &Form, found: &Breakdowns, min_sample: u32, lang: Lang) -> Vec<BreakdownView> {
    found
        .breakdowns
        .iter()
        .filter(|b| !b.groups.is_empty() || b.merged.is_some() || b.hidden > 0)
        .map(|b| {
            let title = match &b.dimension {
                Dimension::Question(id) => form
                    .question(id)
                    .map_or(id.clone(), |q| q.label.get(lang).to_string()),
                Dimension::Channel => lang.pick("Kênh trả lời", "Channel").to_string(),
                Dimension::Field => lang.pick("Lĩnh vực thủ tục", "Procedure field").to_string(),
                Dimension::Desk => lang.pick("Quầy", "Desk").to_string(),
            };
            let name = |key: &str| -> String {
                match &b.dimension {
                    _ if key.is_empty() && b.dimension == Dimension::Desk => {
                        lang.pick("Không qua quầy", "No desk").to_string()
                    }
                    _ if key.is_empty() && b.dimension == Dimension::Field => {
                        lang.pick("Không ghi lĩnh vực", "No field given").to_string()
                    }
                    _ if key.is_empty() => lang.pick("Không trả lời", "Not given").to_string(),
                    Dimension::Question(id) => form
                        .question(id)
                        .and_then(|q| q.kind.options().iter().find(|o| o.value == key))
                        .map_or(key.to_string(), |o| o.label.get(lang).to_string()),
                    Dimension::Channel => key.parse::<Channel>().map_or(key.to_string(), |c| {
                        crate::present::method::channel_label(c, lang)
                    }),
                    Dimension::Field => key.to_string(),
                    Dimension::Desk => key
                        .parse::<i64>()
                        .ok()
                        .and_then(|id| found.desks.get(&id).cloned())
                        .unwrap_or_else(|| key.to_string()),
                }
            };
            let round = crate::indices::stats::round2;
            let mut groups: Vec<GroupLine> = b
                .groups
                .iter()
                .map(|g| GroupLine {
                    name: name(&g.key),
                    n: g.n,
                    value: round(g.value),
                    merged: false,
                })
                .collect();
            if let Some(merged) = &b.merged {
                groups.push(GroupLine {
                    name: format!(
                        "{} {min_sample} {}",
                        lang.pick("Các nhóm dưới", "Groups under"),
                        lang.pick("phiếu (gộp)", "answers (merged)")
                    ),
                    n: merged.n,
                    value: round(merged.value),
                    merged: true,
                });
            }
            let note = if b.hidden > 0 {
                format!(
                    "{} {} {} {min_sample} {}",
                    lang.pick("Không hiện", "Not shown:"),
                    b.hidden,
                    lang.pick("nhóm dưới", "groups under"),
                    lang.pick("phiếu (kể cả khi gộp lại).", "answers (even together).")
                )
            } else {
                String::new()
            };
            BreakdownView { title, groups, note }
        })
        .collect()
}
