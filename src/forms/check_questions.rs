//! Checking questions: their type, the keys the type takes, and their options.

use std::collections::{BTreeMap, HashSet};

use toml::Spanned;

use super::check::Checker;
use super::raw::{RawChoice, RawQuestion, RawText};
use super::{Choice, NOT_APPLICABLE, QuestionKind};

/// The longest free-text answer a form may allow, and the default.
const MAX_TEXT_LENGTH: i64 = 10_000;
const DEFAULT_TEXT_LENGTH: usize = 2_000;
/// A number question counts answers per value; keep the number of values small.
const MAX_NUMBER_SPAN: i64 = 1_000;

impl Checker<'_> {
    pub(super) fn question_kind(
        &mut self,
        question: &RawQuestion,
        shared: &BTreeMap<String, Spanned<Vec<RawChoice>>>,
        key: &str,
    ) -> Option<QuestionKind> {
        let kind = question.kind.get_ref().as_str();
        let has_options = question.choices.is_some() || question.options.is_some();
        let unused = |name: &str, present: bool| present.then(|| name.to_string());
        let not_for_kind: Vec<String> = match kind {
            "scale" | "single" | "multi" => [
                unused("min", question.min.is_some()),
                unused("max", question.max.is_some()),
                unused("max_length", question.max_length.is_some()),
            ]
            .into_iter()
            .flatten()
            .collect(),
            "number" => [
                unused("options", has_options),
                unused("max_length", question.max_length.is_some()),
            ]
            .into_iter()
            .flatten()
            .collect(),
            "text" => [
                unused("options", has_options),
                unused("min", question.min.is_some()),
                unused("max", question.max.is_some()),
            ]
            .into_iter()
            .flatten()
            .collect(),
            other => {
                self.at(
                    question.kind.span(),
                    format!("{key}.type"),
                    format!("loại câu hỏi «{other}» không có; dùng scale, single, multi, number hoặc text"),
                    format!("there is no question type «{other}»; use scale, single, multi, number or text"),
                );
                return None;
            }
        };
        for name in not_for_kind {
            self.at(
                question.kind.span(),
                format!("{key}.{name}"),
                format!("câu hỏi loại {kind} không dùng «{name}»"),
                format!("a {kind} question does not take «{name}»"),
            );
        }
        match kind {
            "scale" | "single" | "multi" => {
                let options = self.options(question, shared, key, kind == "scale")?;
                Some(match kind {
                    "scale" => QuestionKind::Scale { options },
                    "single" => QuestionKind::Single { options },
                    _ => QuestionKind::Multi { options },
                })
            }
            "number" => {
                let (Some(min), Some(max)) = (&question.min, &question.max) else {
                    self.at(
                        question.kind.span(),
                        key,
                        "câu hỏi số cần cả min và max".into(),
                        "a number question needs both min and max".into(),
                    );
                    return None;
                };
                let (min, max) = (*min.get_ref(), *max.get_ref());
                if min > max || max - min > MAX_NUMBER_SPAN {
                    self.at(
                        question.kind.span(),
                        format!("{key}.max"),
                        format!("cần min ≤ max và khoảng không quá {MAX_NUMBER_SPAN}"),
                        format!("min must not exceed max, and the range must be at most {MAX_NUMBER_SPAN}"),
                    );
                }
                Some(QuestionKind::Number { min, max })
            }
            _ => {
                let max_length = match &question.max_length {
                    Some(length) if !(1..=MAX_TEXT_LENGTH).contains(length.get_ref()) => {
                        self.at(
                            length.span(),
                            format!("{key}.max_length"),
                            format!("max_length phải từ 1 đến {MAX_TEXT_LENGTH}"),
                            format!("max_length must be between 1 and {MAX_TEXT_LENGTH}"),
                        );
                        DEFAULT_TEXT_LENGTH
                    }
                    Some(length) => *length.get_ref() as usize,
                    None => DEFAULT_TEXT_LENGTH,
                };
                Some(QuestionKind::Text { max_length })
            }
        }
    }

    fn options(
        &mut self,
        question: &RawQuestion,
        shared: &BTreeMap<String, Spanned<Vec<RawChoice>>>,
        key: &str,
        scale: bool,
    ) -> Option<Vec<Choice>> {
        let raw: &Spanned<Vec<RawChoice>> = match (&question.choices, &question.options) {
            (Some(name), None) => match shared.get(name.get_ref()) {
                Some(list) => list,
                None => {
                    self.at(
                        name.span(),
                        format!("{key}.choices"),
                        format!("không có danh sách lựa chọn [choices.{}]", name.get_ref()),
                        format!("there is no option list [choices.{}]", name.get_ref()),
                    );
                    return None;
                }
            },
            (None, Some(options)) => options,
            (Some(name), Some(_)) => {
                self.at(
                    name.span(),
                    key,
                    "dùng choices hoặc options, không dùng cả hai".into(),
                    "use choices or options, not both".into(),
                );
                return None;
            }
            (None, None) => {
                let (vi, en) = if scale {
                    (
                        "thang đo chưa có mức nào (cần choices hoặc options)",
                        "the scale has no levels (needs choices or options)",
                    )
                } else {
                    (
                        "câu hỏi chưa có lựa chọn nào (cần choices hoặc options)",
                        "the question has no options (needs choices or options)",
                    )
                };
                self.at(question.kind.span(), key, vi.into(), en.into());
                return None;
            }
        };
        if raw.get_ref().len() < 2 {
            self.at(
                raw.span(),
                format!("{key}.options"),
                "cần ít nhất hai lựa chọn".into(),
                "at least two options are needed".into(),
            );
        }
        let mut seen = HashSet::new();
        let mut choices = Vec::new();
        for choice in raw.get_ref() {
            let (value, level) = match choice.value.get_ref() {
                toml::Value::Integer(level) => (level.to_string(), Some(*level)),
                toml::Value::String(code) if !scale => (code.clone(), None),
                _ => {
                    let (vi, en) = if scale {
                        (
                            "mức của thang đo phải là số nguyên",
                            "a scale level must be an integer",
                        )
                    } else {
                        (
                            "giá trị lựa chọn phải là chữ hoặc số nguyên",
                            "an option value must be a string or an integer",
                        )
                    };
                    self.at(
                        choice.value.span(),
                        format!("{key}.options.value"),
                        vi.into(),
                        en.into(),
                    );
                    continue;
                }
            };
            let valid = !value.is_empty()
                && value.len() <= 32
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b));
            if !valid {
                self.at(
                    choice.value.span(),
                    format!("{key}.options.value"),
                    format!("giá trị «{value}» chỉ được gồm chữ cái không dấu, chữ số, «.», «_», «+», «-»"),
                    format!("value «{value}» may only use ASCII letters, digits, '.', '_', '+', '-'"),
                );
            }
            if value == NOT_APPLICABLE {
                self.at(
                    choice.value.span(),
                    format!("{key}.options.value"),
                    "giá trị «na» dành cho lựa chọn “không áp dụng”; khai báo nó bằng na = { vi = \"…\" }".into(),
                    "the value «na» is kept for the not-applicable choice; declare it with na = { vi = \"…\" }".into(),
                );
            }
            if !seen.insert(value.clone()) {
                self.at(
                    choice.value.span(),
                    format!("{key}.options.value"),
                    format!("giá trị «{value}» bị trùng"),
                    format!("duplicate value «{value}»"),
                );
            }
            let label = self.text(
                &RawText {
                    vi: choice.vi.clone(),
                    en: choice.en.clone(),
                },
                &format!("{key}.options[{value}]"),
            );
            choices.push(Choice { value, level, label });
        }
        Some(choices)
    }
}
