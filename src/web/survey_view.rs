//! The questionnaire as the page shows it: one step (the whole form when it is not
//! paged) with its labels in the reader's language, the answers already given (those of
//! other steps carried in hidden fields), and any problem next to its question and summed
//! up at the top.

use std::collections::{HashMap, HashSet};

use askama::Template;

use crate::forms::{Condition, Form, NOT_APPLICABLE, Question, QuestionKind, ScaleStyle};
use crate::i18n::Lang;
use crate::responses::{Given, Problems};

use super::pages::Page;
use super::survey_faces::face;

/// A scale's options sit side by side (five fit on a 320 px screen at 16 px) when every
/// label is at most this long and no word in it is longer than [`SHORT_WORD_CHARS`];
/// otherwise they stack, one per line, rather than break words. Vietnamese syllables fit;
/// English words such as "dissatisfied" do not.
const SHORT_OPTION_CHARS: usize = 20;
const SHORT_WORD_CHARS: usize = 6;
/// Options of at most this many characters fit half of a 320 px screen in two lines.
const TWO_COLUMN_CHARS: usize = 26;
/// ... and no word longer than this (Vietnamese syllables are short; "Complicated" is not).
const TWO_COLUMN_WORD_CHARS: usize = 9;

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
    /// The agency the unit belongs to, shown above the unit's name.
    pub agency: Option<&'a str>,
    /// Where the answer goes: the unit and the desk.
    pub place: String,
    pub code: &'a str,
    pub token: &'a str,
    pub version_id: i64,
    /// About how long the whole form takes.
    pub minutes: u64,
    pub step: StepView,
    pub body: Body<'a>,
}

/// Where the page is in a stepped form.
pub struct StepView {
    /// From 0.
    pub index: usize,
    pub count: usize,
    /// Whether no later page has a question to ask (it sends the answers).
    pub last: bool,
}

impl StepView {
    pub fn number(&self) -> usize {
        self.index + 1
    }

    pub fn is_first(&self) -> bool {
        self.index == 0
    }

    pub fn is_last(&self) -> bool {
        self.last
    }
}

/// What the page holds besides its frame.
pub struct Body<'a> {
    pub sections: Vec<SectionView<'a>>,
    /// Answers to questions of other steps, sent again with this one.
    pub carried: Vec<(&'a str, &'a str)>,
    /// Required questions left unanswered: the numbers to jump to.
    pub unanswered: Vec<Jump>,
    /// Other problems, in page order.
    pub other_problems: Vec<SummaryLine>,
}

pub struct Jump {
    pub anchor: String,
    pub number: usize,
}

pub struct SectionView<'a> {
    /// `None` for the only section of a form: the page's title says it.
    pub title: Option<&'a str>,
    pub intro: Option<&'a str>,
    pub questions: Vec<QuestionView<'a>>,
}

pub struct QuestionView<'a> {
    pub id: &'a str,
    pub number: usize,
    pub label: &'a str,
    pub help: Option<&'a str>,
    /// When the question applies, on a page that cannot hide it (no JavaScript).
    pub condition: Option<String>,
    pub required: bool,
    pub error: Option<&'a str>,
    /// `radio`, `checkbox`, `number` or `text`.
    pub input: &'static str,
    /// Options side by side (a short scale) rather than one per line.
    pub row: bool,
    /// Options one per line, in two columns.
    pub two_columns: bool,
    pub faces: bool,
    pub options: Vec<OptionView<'a>>,
    /// The not-applicable choice, set apart from the options.
    pub na: Option<OptionView<'a>>,
    /// What was typed (number and text questions).
    pub value: &'a str,
    pub min: i64,
    pub max: i64,
    pub max_length: usize,
    /// `max_length` as the reader writes numbers (2.000 in Vietnamese).
    pub max_length_text: String,
}

pub struct OptionView<'a> {
    pub value: &'a str,
    pub label: &'a str,
    pub checked: bool,
    /// An inline SVG face (a `faces` scale).
    pub face: String,
}

pub struct SummaryLine {
    /// The element id to jump to, empty for problems without a question.
    pub anchor: String,
    pub text: String,
}

/// The first step (from 0) that has a question to ask given the answers so far, starting
/// at `from` and moving by `direction` (+1 or −1); `from` itself when none has.
pub fn next_step(form: &Form, given: &Given, from: usize, direction: isize) -> usize {
    let asked = form.asked(|q, v| given.has(q, v));
    let mut step = from;
    loop {
        let Some(candidate) = step
            .checked_add_signed(direction)
            .filter(|s| *s < form.step_count())
        else {
            return from;
        };
        step = candidate;
        let has_questions = form
            .sections
            .iter()
            .filter(|s| s.step == step)
            .flat_map(|s| &s.questions)
            .any(|q| asked.contains(q.id.as_str()));
        if has_questions {
            return step;
        }
    }
}

/// Whether a page after `step` may still have a question to ask: one whose conditions
/// hold, or depend on an answer not given yet (on this page or a later one). Only when
/// none may is this page the last, with "Send" rather than "Next".
pub fn more_pages_may_follow(form: &Form, given: &Given, step: usize) -> bool {
    let asked = form.asked(|q, v| given.has(q, v));
    let step_of: HashMap<&str, usize> = form
        .sections
        .iter()
        .flat_map(|s| s.questions.iter().map(move |q| (q.id.as_str(), s.step)))
        .collect();
    let may_hold = |condition: &Option<Condition>| {
        condition.as_ref().is_none_or(|c| {
            step_of.get(c.question.as_str()).is_some_and(|s| *s >= step)
                || (asked.contains(c.question.as_str()) && c.is.iter().any(|v| given.has(&c.question, v)))
        })
    };
    form.sections
        .iter()
        .filter(|s| s.step > step && may_hold(&s.show_if))
        .any(|s| s.questions.iter().any(|q| may_hold(&q.show_if)))
}

/// The first step with a problem, for answers sent whole that need another look.
pub fn first_step_with_problem(form: &Form, problems: &Problems) -> usize {
    form.sections
        .iter()
        .find(|s| {
            s.questions
                .iter()
                .any(|q| problems.by_question.contains_key(&q.id))
        })
        .map_or(0, |s| s.step)
}

/// Whether `condition` names a question answered on `step` (so the page cannot know yet
/// whether it holds, and shows the question with its condition in words).
fn decided_on(form: &Form, condition: &Condition, step: usize) -> bool {
    form.sections
        .iter()
        .any(|s| s.step == step && s.questions.iter().any(|q| q.id == condition.question))
}

/// "Chỉ trả lời nếu ở câu 5 Ông/Bà chọn “Có”."
fn condition_in_words(
    condition: &Condition,
    numbers: &HashMap<&str, (usize, &Question)>,
    lang: Lang,
) -> String {
    let Some((number, question)) = numbers.get(condition.question.as_str()) else {
        return String::new();
    };
    let labels: Vec<String> = condition
        .is
        .iter()
        .map(|value| {
            let label = if value == NOT_APPLICABLE {
                question.na.as_ref().map(|t| t.get(lang))
            } else {
                question
                    .kind
                    .options()
                    .iter()
                    .find(|o| &o.value == value)
                    .map(|o| o.label.get(lang))
            };
            format!("“{}”", label.unwrap_or(value))
        })
        .collect();
    let or = lang.pick(" hoặc ", " or ");
    match lang {
        Lang::Vi => format!("Chỉ trả lời nếu ở câu {number} Ông/Bà chọn {}.", labels.join(or)),
        Lang::En => format!(
            "Answer only if you chose {} in question {number}.",
            labels.join(or)
        ),
    }
}

/// The questions of `step` (every question of a one-page form) in `lang`, the answers to
/// carry, and the problems summed up.
pub fn body<'a>(
    form: &'a Form,
    lang: Lang,
    given: &'a Given,
    problems: &'a Problems,
    step: usize,
) -> Body<'a> {
    let numbers: HashMap<&str, (usize, &Question)> = form
        .questions()
        .enumerate()
        .map(|(at, q)| (q.id.as_str(), (at + 1, q)))
        .collect();
    let asked = form.asked(|q, v| given.has(q, v));
    // A question is on the page when each of its conditions (its section's and its own)
    // holds, or depends on an answer on this very page (then it is shown with the
    // condition in words: the page cannot hide it without JavaScript).
    let allows = |condition: &Option<Condition>| {
        condition.as_ref().is_none_or(|c| {
            decided_on(form, c, step)
                || (asked.contains(c.question.as_str()) && c.is.iter().any(|v| given.has(&c.question, v)))
        })
    };
    let mut on_page: HashSet<&str> = HashSet::new();
    let mut sections = Vec::new();
    for section in form.sections.iter().filter(|s| s.step == step) {
        let mut questions = Vec::new();
        for question in &section.questions {
            if !(allows(&section.show_if) && allows(&question.show_if)) {
                continue;
            }
            on_page.insert(question.id.as_str());
            let condition = [&section.show_if, &question.show_if]
                .into_iter()
                .flatten()
                .filter(|c| decided_on(form, c, step))
                .map(|c| condition_in_words(c, &numbers, lang))
                .collect::<Vec<_>>();
            let number = numbers.get(question.id.as_str()).map_or(0, |(n, _)| *n);
            let error = problems.by_question.get(&question.id).map(|m| m.get(lang));
            questions.push(question_view(question, number, lang, given, error, condition));
        }
        if !questions.is_empty() {
            sections.push(SectionView {
                title: (form.sections.len() > 1).then(|| section.title.get(lang)),
                intro: section.intro.as_ref().map(|t| t.get(lang)),
                questions,
            });
        }
    }
    let carried = form
        .questions()
        .filter(|q| !on_page.contains(q.id.as_str()))
        .flat_map(|q| {
            given
                .values(&q.id)
                .iter()
                .map(move |v| (q.id.as_str(), v.as_str()))
        })
        .collect();
    let unanswered = problems
        .unanswered
        .iter()
        .filter(|q| on_page.contains(q.as_str()))
        .map(|q| Jump {
            anchor: format!("q-{q}"),
            number: numbers.get(q.as_str()).map_or(0, |(n, _)| *n),
        })
        .collect();
    let mut other_problems: Vec<SummaryLine> = problems
        .general
        .iter()
        .map(|m| SummaryLine {
            anchor: String::new(),
            text: m.get(lang).to_string(),
        })
        .collect();
    other_problems.extend(
        form.questions()
            .filter(|q| on_page.contains(q.id.as_str()) && !problems.unanswered.contains(&q.id))
            .filter_map(|q| {
                let message = problems.by_question.get(&q.id)?;
                let number = numbers.get(q.id.as_str()).map_or(0, |(n, _)| *n);
                Some(SummaryLine {
                    anchor: format!("q-{}", q.id),
                    text: format!("{} {number}: {}", lang.pick("Câu", "Question"), message.get(lang)),
                })
            }),
    );
    Body {
        sections,
        carried,
        unanswered,
        other_problems,
    }
}

fn question_view<'a>(
    question: &'a Question,
    number: usize,
    lang: Lang,
    given: &'a Given,
    error: Option<&'a str>,
    condition: Vec<String>,
) -> QuestionView<'a> {
    let faces = question.style == ScaleStyle::Faces;
    let mut choices: Vec<&crate::forms::Choice> = question.kind.options().iter().collect();
    // Every scale reads the same way in every form: worst on the left, best on the right.
    if matches!(question.kind, QuestionKind::Scale { .. }) {
        choices.sort_by_key(|o| o.level);
    }
    let count = choices.len();
    let options: Vec<OptionView<'a>> = choices
        .into_iter()
        .enumerate()
        .map(|(at, o)| OptionView {
            value: &o.value,
            label: o.label.get(lang),
            checked: given.has(&question.id, &o.value),
            face: if faces { face(at, count) } else { String::new() },
        })
        .collect();
    let na = question.na.as_ref().map(|label| OptionView {
        value: NOT_APPLICABLE,
        label: label.get(lang),
        checked: given.has(&question.id, NOT_APPLICABLE),
        face: String::new(),
    });
    let (input, min, max, max_length) = match &question.kind {
        QuestionKind::Scale { .. } | QuestionKind::Single { .. } => ("radio", 0, 0, 0),
        QuestionKind::Multi { .. } => ("checkbox", 0, 0, 0),
        QuestionKind::Number { min, max } => ("number", *min, *max, 0),
        QuestionKind::Text { max_length } => ("text", 0, 0, *max_length),
    };
    // Faces too: a face over words broken mid-word reads worse than a face beside them.
    let row = matches!(question.kind, QuestionKind::Scale { .. })
        && options.iter().all(|o| fits_side_by_side(o.label));
    // Many short options (a reason checklist) in two columns: half the height.
    // Not a scale: its levels read in one line or one column, worst first.
    let two_columns = !matches!(question.kind, QuestionKind::Scale { .. })
        && options.len() >= 4
        && options.iter().all(|o| {
            o.label.chars().count() <= TWO_COLUMN_CHARS
                && o.label
                    .split_whitespace()
                    .all(|w| w.chars().count() <= TWO_COLUMN_WORD_CHARS)
        });
    QuestionView {
        id: &question.id,
        number,
        label: question.label.get(lang),
        help: question.help.as_ref().map(|h| h.get(lang)),
        condition: (!condition.is_empty()).then(|| condition.join(" ")),
        required: question.required,
        error,
        input,
        row,
        two_columns,
        faces,
        options,
        na,
        value: given.text(&question.id),
        min,
        max,
        max_length,
        max_length_text: lang.number(max_length as f64, 0),
    }
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
