//! The form file exactly as written: every key the format knows, with the position of the
//! values a check may have to point at. `load` turns it into a [`super::Form`].

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForm {
    pub id: Spanned<String>,
    #[serde(default)]
    pub version: Option<String>,
    pub title: RawText,
    #[serde(default)]
    pub basis: Option<RawText>,
    #[serde(default)]
    pub note: Option<RawText>,
    pub rollup: Spanned<String>,
    /// The channels whose answers make the official figure.
    #[serde(default)]
    pub official_channels: Option<Spanned<Vec<Spanned<String>>>>,
    pub headline: Spanned<String>,
    /// `"sections"`: the form is answered a section (or a declared group of sections) per
    /// page; one page when absent.
    #[serde(default)]
    pub steps: Option<Spanned<String>>,
    /// Named option lists that questions share through `choices = "name"`.
    #[serde(default)]
    pub choices: BTreeMap<String, Spanned<Vec<RawChoice>>>,
    pub sections: Spanned<Vec<RawSection>>,
    #[serde(default)]
    pub indices: Vec<RawIndex>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawText {
    pub vi: Spanned<String>,
    #[serde(default)]
    pub en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub id: Spanned<String>,
    pub title: RawText,
    #[serde(default)]
    pub intro: Option<RawText>,
    /// Shown only when an earlier answer holds.
    #[serde(default)]
    pub show_if: Option<Spanned<RawCondition>>,
    /// Consecutive sections naming the same step are answered on one page.
    #[serde(default)]
    pub step: Option<String>,
    pub questions: Spanned<Vec<RawQuestion>>,
}

/// `show_if = { question = "id", is = ["value", …] }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    pub question: Spanned<String>,
    pub is: Spanned<Vec<Spanned<toml::Value>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub label: RawText,
    #[serde(default)]
    pub help: Option<RawText>,
    #[serde(default)]
    pub required: bool,
    /// The name of a shared option list.
    #[serde(default)]
    pub choices: Option<Spanned<String>>,
    /// Options written in place.
    #[serde(default)]
    pub options: Option<Spanned<Vec<RawChoice>>>,
    #[serde(default)]
    pub min: Option<Spanned<i64>>,
    #[serde(default)]
    pub max: Option<Spanned<i64>>,
    #[serde(default)]
    pub max_length: Option<Spanned<i64>>,
    /// The not-applicable choice, posted as `na`.
    #[serde(default)]
    pub na: Option<Spanned<RawText>>,
    /// Shown only when an earlier answer holds.
    #[serde(default)]
    pub show_if: Option<Spanned<RawCondition>>,
    /// How a scale is drawn: `"faces"`, or buttons with words when absent.
    #[serde(default)]
    pub style: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    /// An integer level for `scale` questions, a short code for `single` and `multi`.
    pub value: Spanned<toml::Value>,
    pub vi: Spanned<String>,
    #[serde(default)]
    pub en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIndex {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    #[serde(default)]
    pub label: Option<RawText>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub questions: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub levels: Option<Spanned<Vec<i64>>>,
    #[serde(default)]
    pub options: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub range: Option<Spanned<Vec<i64>>>,
    #[serde(default)]
    pub of: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub weights: Option<Spanned<Vec<f64>>>,
    /// `"allow"`: a mean of the components that have a value.
    #[serde(default)]
    pub partial: Option<Spanned<String>>,
    #[serde(default)]
    pub grades: Option<Spanned<Vec<RawGrade>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    pub min: f64,
    pub vi: Spanned<String>,
    #[serde(default)]
    pub en: Option<String>,
}
