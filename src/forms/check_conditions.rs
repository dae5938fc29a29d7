//! Checking what shapes how a question is asked: its not-applicable choice (`na`), its
//! condition (`show_if`) and how a scale is drawn (`style`).

use std::collections::HashMap;

use toml::Spanned;

use super::check::Checker;
use super::raw::{RawCondition, RawQuestion};
use super::{Condition, NOT_APPLICABLE, Question, QuestionKind, ScaleStyle, Text};

impl Checker<'_> {
    /// The label of the not-applicable choice: only a question chosen from options can
    /// offer one.
    pub(super) fn not_applicable(
        &mut self,
        question: &RawQuestion,
        kind: &QuestionKind,
        key: &str,
    ) -> Option<Text> {
        let na = question.na.as_ref()?;
        if kind.options().is_empty() {
            self.at(
                na.span(),
                format!("{key}.na"),
                format!(
                    "«na» (không áp dụng) chỉ dùng cho câu hỏi scale, single hoặc multi; câu này là {}",
                    kind.name()
                ),
                format!(
                    "«na» (not applicable) is for scale, single and multi questions; this one is {}",
                    kind.name()
                ),
            );
            return None;
        }
        Some(self.text(na.get_ref(), &format!("{key}.na")))
    }

    pub(super) fn style(&mut self, question: &RawQuestion, kind: &QuestionKind, key: &str) -> ScaleStyle {
        let Some(style) = &question.style else {
            return ScaleStyle::Words;
        };
        match (style.get_ref().as_str(), kind) {
            ("faces", QuestionKind::Scale { options }) if (2..=5).contains(&options.len()) => {
                ScaleStyle::Faces
            }
            ("words", QuestionKind::Scale { .. }) => ScaleStyle::Words,
            _ => {
                self.at(
                    style.span(),
                    format!("{key}.style"),
                    format!(
                        "«{}» không hợp lệ; style = \"faces\" chỉ dùng cho thang đo từ 2 đến 5 mức",
                        style.get_ref()
                    ),
                    format!(
                        "«{}» is not valid; style = \"faces\" is for scales of 2 to 5 levels",
                        style.get_ref()
                    ),
                );
                ScaleStyle::Words
            }
        }
    }

    /// A `show_if`: it names an earlier question chosen from options, and values that
    /// question offers (`na` included when it offers one). Earlier only, so that the
    /// page (or step) that shows the condition's question comes first and conditions
    /// cannot go round in a circle.
    pub(super) fn condition(
        &mut self,
        raw: &Spanned<RawCondition>,
        earlier: &HashMap<String, Question>,
        key: &str,
    ) -> Option<Condition> {
        let condition = raw.get_ref();
        let named = condition.question.get_ref();
        let Some(question) = earlier.get(named) else {
            self.at(
                condition.question.span(),
                format!("{key}.question"),
                format!("không có câu hỏi «{named}» đứng trước để làm điều kiện"),
                format!("there is no earlier question «{named}» to depend on"),
            );
            return None;
        };
        if question.kind.options().is_empty() {
            self.at(
                condition.question.span(),
                format!("{key}.question"),
                format!(
                    "điều kiện phải dựa trên câu hỏi có lựa chọn; «{named}» là {}",
                    question.kind.name()
                ),
                format!(
                    "a condition must depend on a question with options; «{named}» is {}",
                    question.kind.name()
                ),
            );
            return None;
        }
        if condition.is.get_ref().is_empty() {
            self.at(
                condition.is.span(),
                format!("{key}.is"),
                "«is» đang trống".into(),
                "«is» is empty".into(),
            );
            return None;
        }
        let mut values = Vec::new();
        for value in condition.is.get_ref() {
            let text = match value.get_ref() {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                _ => String::new(),
            };
            let offered = question.kind.options().iter().any(|o| o.value == text)
                || (text == NOT_APPLICABLE && question.na.is_some());
            if !offered {
                self.at(
                    value.span(),
                    format!("{key}.is"),
                    format!("câu hỏi «{named}» không có lựa chọn «{text}»"),
                    format!("question «{named}» has no option «{text}»"),
                );
                continue;
            }
            values.push(text);
        }
        (values.len() == condition.is.get_ref().len()).then(|| Condition {
            question: named.clone(),
            is: values,
        })
    }
}
