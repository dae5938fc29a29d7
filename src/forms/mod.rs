//! Questionnaires: the model of a form, read from `survey-forms/ID.toml` (format in
//! `survey-forms/README.md`), checked, and registered by version.

pub mod load;
mod raw;
pub mod registry;

use serde::Serialize;

use crate::i18n::Lang;
use crate::tally::Channel;

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
    pub sections: Vec<Section>,
    pub indices: Vec<IndexDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub id: String,
    pub title: Text,
    pub intro: Option<Text>,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    pub id: String,
    pub label: Text,
    pub help: Option<Text>,
    pub required: bool,
    pub kind: QuestionKind,
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
}
