//! Checking a submitted questionnaire against its form: every answer must be one the form
//! allows, and every required question answered. Problems are kept per question so the
//! page can show each one next to its question.

use std::collections::{BTreeMap, HashMap};

use unicode_normalization::UnicodeNormalization;

use crate::forms::{Form, NOT_APPLICABLE, Question, QuestionKind};
use crate::i18n::{Lang, Message};

/// Form fields that are not answers start with this.
pub const RESERVED_PREFIX: char = '_';

/// What a person sent, by question, kept to show their answers again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Given {
    values: HashMap<String, Vec<String>>,
}

impl Given {
    /// Whether `value` was chosen for `question`.
    pub fn has(&self, question: &str, value: &str) -> bool {
        self.values
            .get(question)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }

    /// Everything sent for `question`.
    pub fn values(&self, question: &str) -> &[String] {
        self.values.get(question).map_or(&[], Vec::as_slice)
    }

    /// The first thing typed for `question` (number and text questions).
    pub fn text(&self, question: &str) -> &str {
        self.values
            .get(question)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }
}

/// A valid submission, ready to store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    /// `(question, value)` for scale, single, multi (one per option) and number answers.
    pub values: Vec<(String, String)>,
    /// `(question, text)` for free-text answers.
    pub texts: Vec<(String, String)>,
}

/// Why a submission cannot be stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    /// One message per question that needs another look.
    pub by_question: BTreeMap<String, Message>,
    /// The required questions left unanswered, in page order (each also in
    /// `by_question`): the page sums them up as "Còn N câu chưa trả lời".
    pub unanswered: Vec<String>,
    /// Problems that belong to no question on the page.
    pub general: Vec<Message>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.by_question.is_empty() && self.general.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_question.len() + self.general.len()
    }
}

/// Splits the fields of a submission into answers and reserved fields (`_token`...).
pub fn answer_fields(fields: &[(String, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .filter(|(name, _)| !name.starts_with(RESERVED_PREFIX))
        .cloned()
        .collect()
}

/// Which questions a check covers, and how it treats blanks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A whole questionnaire sent from a phone: a required question must be answered
    /// (its not-applicable choice is an answer).
    Whole,
    /// The questions of one page of a stepped questionnaire.
    Step(usize),
    /// A paper questionnaire typed in: a question that offers "not applicable" may also be
    /// left blank (the clerk could not tell which), as if it were optional.
    Paper,
}

/// Checks `fields` (the answer fields of a submission) against `form`.
pub fn validate(form: &Form, fields: &[(String, String)]) -> (Given, Result<Answers, Problems>) {
    validate_in(form, fields, Scope::Whole)
}

/// Checks `fields` against the questions `scope` covers. A question whose `show_if` does
/// not hold is not asked: not required, and whatever was sent for it is dropped (a page
/// without JavaScript shows it anyway), so it is neither stored nor counted.
pub fn validate_in(
    form: &Form,
    fields: &[(String, String)],
    scope: Scope,
) -> (Given, Result<Answers, Problems>) {
    let mut given = Given::default();
    let mut problems = Problems::default();
    for (name, value) in fields {
        if form.question(name).is_none() {
            let shown: String = name.chars().take(40).collect();
            problems.general.push(Message::new(
                format!("Phiếu gửi lên có câu hỏi không tồn tại: “{shown}”."),
                format!("The submission holds an unknown question: “{shown}”."),
            ));
            continue;
        }
        let value = value.trim();
        if !value.is_empty() {
            given
                .values
                .entry(name.clone())
                .or_default()
                .push(value.to_string());
        }
    }
    let asked = form.asked(|question, value| given.has(question, value));
    let mut answers = Answers::default();
    for section in &form.sections {
        if let Scope::Step(step) = scope
            && section.step != step
        {
            continue;
        }
        for question in section.questions.iter().filter(|q| asked.contains(q.id.as_str())) {
            let chosen = given.values.get(&question.id).cloned().unwrap_or_default();
            let blank_allowed = scope == Scope::Paper && question.na.is_some();
            if let Err(message) = check_question(question, &chosen, blank_allowed, &mut answers) {
                if chosen.is_empty() {
                    problems.unanswered.push(question.id.clone());
                }
                problems.by_question.insert(question.id.clone(), message);
            }
        }
    }
    let result = if problems.is_empty() {
        Ok(answers)
    } else {
        Err(problems)
    };
    (given, result)
}

fn check_question(
    question: &Question,
    chosen: &[String],
    blank_allowed: bool,
    answers: &mut Answers,
) -> Result<(), Message> {
    if chosen.is_empty() {
        return if question.required && !blank_allowed {
            Err(Message::new(
                "Ông/Bà vui lòng trả lời câu này.",
                "Please answer this question.",
            ))
        } else {
            Ok(())
        };
    }
    let id = &question.id;
    if question.na.is_some() && chosen.iter().any(|v| v == NOT_APPLICABLE) {
        if chosen.len() > 1 {
            return Err(Message::new(
                "Đã chọn “không áp dụng” thì không chọn thêm phương án khác.",
                "“Not applicable” cannot be chosen together with another option.",
            ));
        }
        answers.values.push((id.clone(), NOT_APPLICABLE.to_string()));
        return Ok(());
    }
    let not_an_option = || {
        Message::new(
            "Lựa chọn này không có trong phiếu.",
            "That is not one of the options.",
        )
    };
    match &question.kind {
        QuestionKind::Scale { options } | QuestionKind::Single { options } => {
            if chosen.len() > 1 {
                return Err(Message::new("Chỉ chọn một phương án.", "Choose only one option."));
            }
            if !options.iter().any(|o| o.value == chosen[0]) {
                return Err(not_an_option());
            }
            answers.values.push((id.clone(), chosen[0].clone()));
        }
        QuestionKind::Multi { options } => {
            let mut picked: Vec<&String> = Vec::new();
            for value in chosen {
                if !options.iter().any(|o| &o.value == value) {
                    return Err(not_an_option());
                }
                if !picked.contains(&value) {
                    picked.push(value);
                }
            }
            answers
                .values
                .extend(picked.into_iter().map(|v| (id.clone(), v.clone())));
        }
        QuestionKind::Number { min, max } => {
            if chosen.len() > 1 {
                return Err(Message::new("Chỉ nhập một số.", "Enter a single number."));
            }
            let out_of_range = || {
                Message::new(
                    format!("Hãy nhập một số nguyên từ {min} đến {max}."),
                    format!("Enter a whole number from {min} to {max}."),
                )
            };
            let number: i64 = chosen[0].parse().map_err(|_| out_of_range())?;
            if !(*min..=*max).contains(&number) {
                return Err(out_of_range());
            }
            answers.values.push((id.clone(), number.to_string()));
        }
        QuestionKind::Text { max_length } => {
            if chosen.len() > 1 {
                return Err(Message::new(
                    "Câu trả lời bị gửi trùng.",
                    "The answer was sent twice.",
                ));
            }
            let text = clean_text(&chosen[0]);
            let length = text.chars().count();
            if length > *max_length {
                let (vi, en) = (Lang::Vi, Lang::En);
                return Err(Message::new(
                    format!(
                        "Tối đa {} ký tự (Ông/Bà đã nhập {}).",
                        vi.number(*max_length as f64, 0),
                        vi.number(length as f64, 0)
                    ),
                    format!(
                        "At most {} characters (you wrote {}).",
                        en.number(*max_length as f64, 0),
                        en.number(length as f64, 0)
                    ),
                ));
            }
            if !text.is_empty() {
                answers.texts.push((id.clone(), text));
            }
        }
    }
    Ok(())
}

/// Free text as stored: composed Unicode (NFC), Unix line ends, no control characters
/// other than line breaks and tabs, no surrounding blanks.
pub fn clean_text(text: &str) -> String {
    let composed: String = text.replace("\r\n", "\n").nfc().collect();
    composed
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::parse_form;

    const FORM: &str = r#"
id = "t"
title.vi = "Thử"
rollup = "pooled"
headline = "rate"
[[sections]]
id = "s"
title.vi = "Phần"
[[sections.questions]]
id = "rate"
type = "scale"
required = true
label.vi = "Đánh giá"
options = [{ value = 1, vi = "Kém" }, { value = 2, vi = "Tốt" }]
[[sections.questions]]
id = "why"
type = "multi"
label.vi = "Vì sao"
options = [{ value = "a", vi = "A" }, { value = "b", vi = "B" }]
[[sections.questions]]
id = "age"
type = "number"
min = 15
max = 100
label.vi = "Tuổi"
[[sections.questions]]
id = "note"
type = "text"
max_length = 10
label.vi = "Ghi chú"
[[indices]]
id = "rate"
type = "share"
questions = ["rate"]
levels = [2]
"#;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn form() -> Form {
        parse_form("t.toml", "t", FORM).unwrap()
    }

    #[test]
    fn a_complete_submission_becomes_answers() {
        let (_, result) = validate(
            &form(),
            &fields(&[
                ("rate", "2"),
                ("why", "a"),
                ("why", "b"),
                ("why", "a"),
                ("age", " 42 "),
                ("note", " hi\r\nyou "),
            ]),
        );
        let answers = result.unwrap();
        let pairs: Vec<(&str, &str)> = answers
            .values
            .iter()
            .map(|(q, v)| (q.as_str(), v.as_str()))
            .collect();
        assert_eq!(pairs, [("rate", "2"), ("why", "a"), ("why", "b"), ("age", "42")]);
        assert_eq!(answers.texts, [("note".to_string(), "hi\nyou".to_string())]);
    }

    #[test]
    fn each_mistake_is_reported_on_its_question() {
        let (given, result) = validate(
            &form(),
            &fields(&[
                ("why", "c"),
                ("age", "14"),
                ("note", "mười một ký tự"),
                ("hack", "1"),
            ]),
        );
        let problems = result.unwrap_err();
        let questions: Vec<&str> = problems.by_question.keys().map(String::as_str).collect();
        assert_eq!(questions, ["age", "note", "rate", "why"]);
        assert_eq!(
            problems.by_question["rate"].vi,
            "Ông/Bà vui lòng trả lời câu này."
        );
        assert_eq!(problems.unanswered, ["rate"], "the one left blank");
        assert_eq!(
            problems.by_question["age"].en,
            "Enter a whole number from 15 to 100."
        );
        assert!(
            problems.by_question["note"]
                .vi
                .starts_with("Tối đa 10 ký tự (Ông/Bà đã nhập 14)")
        );
        assert_eq!(problems.general.len(), 1);
        // What was typed is kept for the page.
        assert_eq!(given.text("age"), "14");
        assert!(given.has("why", "c"));
    }

    #[test]
    fn two_values_for_a_single_choice_are_refused() {
        let (_, result) = validate(&form(), &fields(&[("rate", "1"), ("rate", "2")]));
        assert_eq!(
            result.unwrap_err().by_question["rate"].en,
            "Choose only one option."
        );
        let (_, result) = validate(&form(), &fields(&[("rate", "3")]));
        assert_eq!(
            result.unwrap_err().by_question["rate"].en,
            "That is not one of the options."
        );
        let (_, result) = validate(&form(), &fields(&[("rate", "1"), ("age", "4.5")]));
        assert!(result.unwrap_err().by_question.contains_key("age"));
    }

    const CONDITIONAL: &str = r#"
id = "c"
title.vi = "Thử"
rollup = "pooled"
headline = "result"
[[sections]]
id = "s"
title.vi = "Phần"
[[sections.questions]]
id = "result"
type = "scale"
required = true
label.vi = "Kết quả"
na = { vi = "Chưa nhận kết quả", en = "No result yet" }
options = [{ value = 1, vi = "Kém" }, { value = 2, vi = "Tốt" }]
[[sections.questions]]
id = "sent"
type = "single"
label.vi = "Đã góp ý?"
options = [{ value = "yes", vi = "Có" }, { value = "no", vi = "Không" }]
[[sections]]
id = "feedback"
title.vi = "Góp ý"
show_if = { question = "sent", is = ["yes"] }
[[sections.questions]]
id = "handled"
type = "scale"
required = true
label.vi = "Được xử lý"
options = [{ value = 1, vi = "Kém" }, { value = 2, vi = "Tốt" }]
[[indices]]
id = "result"
type = "share"
questions = ["result"]
levels = [2]
"#;

    fn conditional() -> Form {
        parse_form("c.toml", "c", CONDITIONAL).unwrap()
    }

    #[test]
    fn not_applicable_is_an_answer_where_offered_and_blank_only_on_paper() {
        let (_, result) = validate(&conditional(), &fields(&[("result", "na")]));
        assert_eq!(result.unwrap().values, [("result".to_string(), "na".to_string())]);
        let (_, result) = validate(&conditional(), &fields(&[]));
        assert_eq!(result.unwrap_err().unanswered, ["result"]);
        let (_, result) = validate_in(&conditional(), &fields(&[]), Scope::Paper);
        assert_eq!(result.unwrap(), Answers::default(), "a blank on paper is missing");
        // Where the form offers none, `na` is not an option.
        let (_, result) = validate(&form(), &fields(&[("rate", "na")]));
        assert_eq!(
            result.unwrap_err().by_question["rate"].en,
            "That is not one of the options."
        );
    }

    #[test]
    fn a_condition_that_does_not_hold_asks_nothing_and_drops_what_was_sent() {
        // Not sent feedback: the feedback section's required question is not asked, and
        // an answer to it (a page without JavaScript shows it) is not stored.
        let (_, result) = validate(
            &conditional(),
            &fields(&[("result", "2"), ("sent", "no"), ("handled", "1")]),
        );
        let values = result.unwrap().values;
        assert_eq!(
            values,
            [
                ("result".to_string(), "2".to_string()),
                ("sent".to_string(), "no".to_string())
            ]
        );
        let (_, result) = validate(&conditional(), &fields(&[("result", "2"), ("sent", "yes")]));
        assert_eq!(result.unwrap_err().unanswered, ["handled"], "asked, so required");
    }

    #[test]
    fn text_is_cleaned() {
        assert_eq!(clean_text("  a\u{0}b\r\nc\u{7}  "), "ab\nc");
        assert_eq!(clean_text("Nô\u{0323}i"), "Nội");
    }
}
