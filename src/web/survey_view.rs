//! The questionnaire as the page shows it: a form with its labels in the reader's
//! language, answers already given, and any problem next to its question.

use askama::Template;

use crate::forms::{Form, QuestionKind};
use crate::i18n::Lang;
use crate::responses::{Given, Problems};

use super::pages::Page;

/// A scale's options sit side by side (five fit on a 320 px screen) when every label is
/// at most this long and no word in it is longer than [`SHORT_WORD_CHARS`]; otherwise
/// they stack, one per line, rather than break words. Vietnamese syllables fit; English
/// words such as "dissatisfied" do not.
const SHORT_OPTION_CHARS: usize = 20;
const SHORT_WORD_CHARS: usize = 7;

fn fits_side_by_side(label: &str) -> bool {
    label.chars().count() <= SHORT_OPTION_CHARS
        && label
            .split_whitespace()
            .all(|word| word.chars().count() <= SHORT_WORD_CHARS)
}

#[derive(Template)]
#[template(path = "survey.html")]
pub struct SurveyPage<'a> {
    pub page: Page,
    pub title: &'a str,
    /// Where the answer goes: the unit and the desk.
    pub place: String,
    pub code: &'a str,
    pub token: &'a str,
    pub version_id: i64,
    pub sections: Vec<SectionView<'a>>,
    /// The problems, in page order, for the summary at the top.
    pub summary: Vec<SummaryLine>,
}

pub struct SectionView<'a> {
    pub title: &'a str,
    pub intro: Option<&'a str>,
    pub questions: Vec<QuestionView<'a>>,
}

pub struct QuestionView<'a> {
    pub id: &'a str,
    pub number: usize,
    pub label: &'a str,
    pub help: Option<&'a str>,
    pub required: bool,
    pub error: Option<&'a str>,
    /// `radio`, `checkbox`, `number` or `text`.
    pub input: &'static str,
    /// Options side by side (a short scale) rather than one per line.
    pub row: bool,
    pub options: Vec<OptionView<'a>>,
    /// What was typed (number and text questions).
    pub value: &'a str,
    pub min: i64,
    pub max: i64,
    pub max_length: usize,
}

pub struct OptionView<'a> {
    pub value: &'a str,
    pub label: &'a str,
    pub checked: bool,
}

pub struct SummaryLine {
    /// The element id to jump to, empty for problems without a question.
    pub anchor: String,
    pub text: String,
}

/// The page's sections and the summary of problems, in `lang`.
pub fn sections<'a>(
    form: &'a Form,
    lang: Lang,
    given: &'a Given,
    problems: &'a Problems,
) -> (Vec<SectionView<'a>>, Vec<SummaryLine>) {
    let mut summary: Vec<SummaryLine> = problems
        .general
        .iter()
        .map(|m| SummaryLine {
            anchor: String::new(),
            text: m.get(lang).to_string(),
        })
        .collect();
    let mut number = 0;
    let sections = form
        .sections
        .iter()
        .map(|section| SectionView {
            title: section.title.get(lang),
            intro: section.intro.as_ref().map(|t| t.get(lang)),
            questions: section
                .questions
                .iter()
                .map(|question| {
                    number += 1;
                    let error = problems.by_question.get(&question.id).map(|m| m.get(lang));
                    if let Some(error) = error {
                        summary.push(SummaryLine {
                            anchor: format!("q-{}", question.id),
                            text: format!("{number}. {} — {error}", question.label.get(lang)),
                        });
                    }
                    let options: Vec<OptionView<'a>> = question
                        .kind
                        .options()
                        .iter()
                        .map(|o| OptionView {
                            value: &o.value,
                            label: o.label.get(lang),
                            checked: given.has(&question.id, &o.value),
                        })
                        .collect();
                    let (input, min, max, max_length) = match &question.kind {
                        QuestionKind::Scale { .. } | QuestionKind::Single { .. } => ("radio", 0, 0, 0),
                        QuestionKind::Multi { .. } => ("checkbox", 0, 0, 0),
                        QuestionKind::Number { min, max } => ("number", *min, *max, 0),
                        QuestionKind::Text { max_length } => ("text", 0, 0, *max_length),
                    };
                    let row = matches!(question.kind, QuestionKind::Scale { .. })
                        && options.iter().all(|o| fits_side_by_side(o.label));
                    QuestionView {
                        id: &question.id,
                        number,
                        label: question.label.get(lang),
                        help: question.help.as_ref().map(|h| h.get(lang)),
                        required: question.required,
                        error,
                        input,
                        row,
                        options,
                        value: given.text(&question.id),
                        min,
                        max,
                        max_length,
                    }
                })
                .collect(),
        })
        .collect();
    (sections, summary)
}

#[cfg(test)]
mod tests {
    use super::fits_side_by_side;

    #[test]
    fn short_vietnamese_labels_sit_side_by_side_english_words_stack() {
        assert!(fits_side_by_side("Rất không hài lòng"));
        assert!(fits_side_by_side("Bình thường"));
        assert!(!fits_side_by_side("Very dissatisfied"));
        assert!(!fits_side_by_side("Không phải bổ sung lần nào"));
    }
}
