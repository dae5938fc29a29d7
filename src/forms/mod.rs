//! Questionnaires: the model of a form, read from `survey-forms/ID.toml` (format in
//! `survey-forms/README.md`), checked, and registered by version.

mod check;
mod check_conditions;
mod check_indices;
mod check_questions;
pub mod load;
mod raw;
pub mod registry;

use serde::Serialize;

use crate::i18n::Lang;
use crate::tally::Channel;

pub use crate::tally::NOT_APPLICABLE;
pub use load::{FormProblem, load_dir, parse_form};
pub use registry::{FormRegistry, RegisteredForm};

/// A text in both languages (the English falls back to the Vietnamese when a form gives
/// none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.vi, &self.en)
    }
}

/// How a parent unit's index is formed from its subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Rollup {
    /// All responses of the subtree counted together.
    Pooled,
    /// The unweighted mean of the children's indices.
    MeanOfChildren,
    /// The children's indices weighted by the dossiers each received in the period.
    Weighted,
}

impl Rollup {
    pub const ALL: [Rollup; 3] = [Rollup::Pooled, Rollup::MeanOfChildren, Rollup::Weighted];

    pub fn as_str(self) -> &'static str {
        match self {
            Rollup::Pooled => "pooled",
            Rollup::MeanOfChildren => "mean_of_children",
            Rollup::Weighted => "weighted",
        }
    }

    /// How a reader is told which roll-up a figure used.
    pub fn label(self) -> crate::i18n::Message {
        use crate::i18n::Message;
        match self {
            Rollup::Pooled => Message::new("gộp chung mọi phiếu", "all responses pooled"),
            Rollup::MeanOfChildren => {
                Message::new("trung bình các đơn vị trực thuộc", "mean of the child units")
            }
            Rollup::Weighted => Message::new(
                "trung bình các đơn vị trực thuộc, có trọng số theo số hồ sơ",
                "mean of the child units weighted by their dossiers",
            ),
        }
    }
}

/// A checked questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Form {
    pub id: String,
    /// The version the file declares, if any; the registered version is the content hash.
    pub version: Option<String>,
    pub title: Text,
    pub basis: Option<Text>,
    pub note: Option<Text>,
    pub rollup: Rollup,
    /// The channels whose answers make the official figure (verified respondents); every
    /// channel when `None`.
    pub official_channels: Option<Vec<Channel>>,
    /// The index shown as the official figure.
    pub headline: String,
    /// Whether the form is answered a step (a section or a group of them) per page.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub paged: bool,
    pub sections: Vec<Section>,
    pub indices: Vec<IndexDef>,
}

/// `show_if`: shown (and asked, and counted) only when the answer to an earlier question
/// is one of `is`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub question: String,
    pub is: Vec<String>,
}

/// How a scale question is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleStyle {
    /// Buttons with the option's words.
    #[default]
    Words,
    /// Faces from frowning to smiling, with colour and words.
    Faces,
}

impl ScaleStyle {
    fn is_words(&self) -> bool {
        *self == ScaleStyle::Words
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub id: String,
    pub title: Text,
    pub intro: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    /// The page (from 0) the section is answered on; always 0 on a one-page form.
    #[serde(skip_serializing_if = "is_zero")]
    pub step: usize,
    pub questions: Vec<Question>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    pub id: String,
    pub label: Text,
    pub help: Option<Text>,
    pub required: bool,
    pub kind: QuestionKind,
    /// The label of the not-applicable choice (posted as [`NOT_APPLICABLE`]), if offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub na: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    #[serde(skip_serializing_if = "ScaleStyle::is_words")]
    pub style: ScaleStyle,
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// One of ordered options, each with a numeric level.
    Scale { options: Vec<Choice> },
    /// One of a list of options.
    Single { options: Vec<Choice> },
    /// Any number of a list of options.
    Multi { options: Vec<Choice> },
    /// A whole number between `min` and `max`.
    Number { min: i64, max: i64 },
    /// Free text of at most `max_length` characters.
    Text { max_length: usize },
}

impl QuestionKind {
    /// The options of a scale, single or multi question.
    pub fn options(&self) -> &[Choice] {
        match self {
            QuestionKind::Scale { options }
            | QuestionKind::Single { options }
            | QuestionKind::Multi { options } => options,
            QuestionKind::Number { .. } | QuestionKind::Text { .. } => &[],
        }
    }

    /// The name used in form files.
    pub fn name(&self) -> &'static str {
        match self {
            QuestionKind::Scale { .. } => "scale",
            QuestionKind::Single { .. } => "single",
            QuestionKind::Multi { .. } => "multi",
            QuestionKind::Number { .. } => "number",
            QuestionKind::Text { .. } => "text",
        }
    }
}

/// An option of a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// What the answer stores: the level of a scale option, or the option's code.
    pub value: String,
    /// The numeric level (scale options only).
    pub level: Option<i64>,
    pub label: Text,
}

/// A declared index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexDef {
    pub id: String,
    pub label: Text,
    /// A free grouping for display, e.g. `criterion`, `element`, `behaviour`.
    pub group: Option<String>,
    pub rule: IndexRule,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IndexRule {
    /// Percent of valid answers to `questions` that are accepted.
    Share { questions: Vec<String>, accept: Accept },
    /// The (weighted) mean of other indices: a value only when every one of them has one,
    /// unless the form allows a mean of those that have (`partial = "allow"`).
    Mean {
        of: Vec<String>,
        weights: Option<Vec<f64>>,
        allow_partial: bool,
    },
    /// Points (the levels of scale answers) summed over `questions`, out of `max`, with
    /// the grade of the mean total.
    Points {
        questions: Vec<String>,
        max: i64,
        grades: Vec<Grade>,
    },
}

/// Which answers a share counts as favourable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Accept {
    Levels(Vec<i64>),
    Options(Vec<String>),
    Range(i64, i64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    /// The lowest total that earns this grade.
    pub min: f64,
    pub label: Text,
}

impl Form {
    /// Every question, in page order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }

    pub fn index(&self, id: &str) -> Option<&IndexDef> {
        self.indices.iter().find(|i| i.id == id)
    }

    /// How many pages the form is answered on.
    pub fn step_count(&self) -> usize {
        self.sections.last().map_or(1, |s| s.step + 1)
    }

    /// About how long answering takes, in whole minutes (at least one): what pages and
    /// posters promise, derived from the form rather than written by hand. A choice
    /// question takes about 6 seconds to read and tap (ten for a multi or a number),
    /// a free text (optional) is not counted, and a page turn about 3 seconds.
    pub fn minutes(&self) -> u64 {
        let seconds: u64 = self
            .questions()
            .map(|q| match q.kind {
                QuestionKind::Scale { .. } | QuestionKind::Single { .. } => 6,
                QuestionKind::Multi { .. } | QuestionKind::Number { .. } => 10,
                QuestionKind::Text { .. } => 0,
            })
            .sum::<u64>()
            + 3 * self.step_count() as u64;
        seconds.div_ceil(60).max(1)
    }

    /// Which questions are asked given the answers so far: a section or question with a
    /// `show_if` is asked when the question it names is asked and was given one of its
    /// values. Conditions name earlier questions only (the checker sees to it), so one
    /// pass in page order decides.
    pub fn asked(&self, has: impl Fn(&str, &str) -> bool) -> std::collections::HashSet<&str> {
        let mut asked = std::collections::HashSet::new();
        let holds = |condition: &Option<Condition>, asked: &std::collections::HashSet<&str>| {
            condition.as_ref().is_none_or(|c| {
                asked.contains(c.question.as_str()) && c.is.iter().any(|v| has(&c.question, v))
            })
        };
        for section in &self.sections {
            if !holds(&section.show_if, &asked) {
                continue;
            }
            for question in &section.questions {
                if holds(&question.show_if, &asked) {
                    asked.insert(question.id.as_str());
                }
            }
        }
        asked
    }
}
