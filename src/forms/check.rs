//! Checking a form file as read ([`RawForm`]) into a [`Form`]: the form and its sections.
//! Questions are checked in `check_questions.rs`, indices in `check_indices.rs`.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use toml::Spanned;

use super::load::FormProblem;
use super::raw::{RawForm, RawText};
use super::{Form, IndexDef, Question, Rollup, Section, Text};
use crate::i18n::Message;
use crate::tally::Channel;

pub(super) struct Checker<'s> {
    file: &'s str,
    source: &'s str,
    pub(super) problems: Vec<FormProblem>,
}

pub(super) fn is_identifier(id: &str) -> bool {
    let mut bytes = id.bytes();
    id.len() <= 64
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

impl<'s> Checker<'s> {
    pub(super) fn new(file: &'s str, source: &'s str) -> Checker<'s> {
        Checker {
            file,
            source,
            problems: Vec::new(),
        }
    }
}

impl Checker<'_> {
    pub(super) fn at(&mut self, span: Range<usize>, key: impl Into<String>, vi: String, en: String) {
        let line = 1 + self.source[..span.start.min(self.source.len())]
            .matches('\n')
            .count();
        self.problems.push(FormProblem {
            file: self.file.to_string(),
            line,
            key: key.into(),
            message: Message::new(vi, en),
        });
    }

    pub(super) fn text(&mut self, raw: &RawText, key: &str) -> Text {
        let vi = raw.vi.get_ref().trim().to_string();
        if vi.is_empty() {
            self.at(
                raw.vi.span(),
                key,
                "thiếu nội dung tiếng Việt".into(),
                "the Vietnamese text is empty".into(),
            );
        }
        let en = raw
            .en
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .unwrap_or(&vi)
            .to_string();
        Text { vi, en }
    }

    pub(super) fn identifier(&mut self, id: &Spanned<String>, key: &str) {
        if !is_identifier(id.get_ref()) {
            self.at(
                id.span(),
                key,
                format!(
                    "mã «{}» chỉ được gồm chữ thường không dấu, chữ số, «.», «-», «_» (tối đa 64)",
                    id.get_ref()
                ),
                format!(
                    "id «{}» may only use lower-case ASCII letters, digits, '.', '-', '_' (64 at most)",
                    id.get_ref()
                ),
            );
        }
    }

    pub(super) fn form(&mut self, raw: RawForm, expected_id: &str) -> Form {
        self.identifier(&raw.id, "id");
        if raw.id.get_ref() != expected_id {
            self.at(
                raw.id.span(),
                "id",
                format!(
                    "mã phiếu «{}» phải trùng tên tệp «{expected_id}.toml»",
                    raw.id.get_ref()
                ),
                format!(
                    "the form id «{}» must match the file name «{expected_id}.toml»",
                    raw.id.get_ref()
                ),
            );
        }
        let rollup = match Rollup::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.rollup.get_ref())
        {
            Some(rollup) => rollup,
            None => {
                self.at(
                    raw.rollup.span(),
                    "rollup",
                    format!(
                        "«{}» không hợp lệ; dùng \"pooled\", \"mean_of_children\" hoặc \"weighted\"",
                        raw.rollup.get_ref()
                    ),
                    format!(
                        "«{}» is not valid; use \"pooled\", \"mean_of_children\" or \"weighted\"",
                        raw.rollup.get_ref()
                    ),
                );
                Rollup::Pooled
            }
        };
        let official_channels = raw
            .official_channels
            .as_ref()
            .map(|channels| self.channels(channels));
        let title = self.text(&raw.title, "title");
        let basis = raw.basis.as_ref().map(|t| self.text(t, "basis"));
        let note = raw.note.as_ref().map(|t| self.text(t, "note"));

        let paged = self.paged(&raw);
        let sections = self.sections(&raw, paged);
        let questions: HashMap<&str, &Question> = sections
            .iter()
            .flat_map(|s| &s.questions)
            .map(|q| (q.id.as_str(), q))
            .collect();
        let section_titles: HashMap<&str, &Text> =
            sections.iter().map(|s| (s.id.as_str(), &s.title)).collect();
        let indices: Vec<IndexDef> = self.indices(&raw.indices, &questions, &section_titles);
        self.index_references(&raw.indices);
        if !raw
            .indices
            .iter()
            .any(|i| i.id.get_ref() == raw.headline.get_ref())
        {
            self.at(
                raw.headline.span(),
                "headline",
                format!(
                    "chỉ số «{}» không được khai báo trong [[indices]]",
                    raw.headline.get_ref()
                ),
                format!(
                    "index «{}» is not declared in [[indices]]",
                    raw.headline.get_ref()
                ),
            );
        }
        Form {
            id: raw.id.into_inner(),
            version: raw.version,
            title,
            basis,
            note,
            rollup,
            official_channels,
            headline: raw.headline.into_inner(),
            paged,
            sections,
            indices,
        }
    }

    /// Whether the form declares `steps = "sections"`.
    fn paged(&mut self, raw: &RawForm) -> bool {
        match &raw.steps {
            None => false,
            Some(steps) if steps.get_ref() == "sections" => true,
            Some(steps) => {
                self.at(
                    steps.span(),
                    "steps",
                    format!(
                        "«{}» không hợp lệ; dùng steps = \"sections\" (mỗi phần một trang) hoặc bỏ khóa này (một trang)",
                        steps.get_ref()
                    ),
                    format!(
                        "«{}» is not valid; use steps = \"sections\" (a page per section) or leave the key out (one page)",
                        steps.get_ref()
                    ),
                );
                false
            }
        }
    }

    fn sections(&mut self, raw: &RawForm, paged: bool) -> Vec<Section> {
        if raw.sections.get_ref().is_empty() {
            self.at(
                raw.sections.span(),
                "sections",
                "phiếu chưa có phần nào".into(),
                "the form has no sections".into(),
            );
        }
        let mut section_ids = HashSet::new();
        let mut question_ids = HashSet::new();
        let mut sections: Vec<Section> = Vec::new();
        // The questions met so far, which conditions may name.
        let mut earlier: HashMap<String, Question> = HashMap::new();
        let mut step = 0;
        for (at, section) in raw.sections.get_ref().iter().enumerate() {
            let key = format!("sections[{}]", section.id.get_ref());
            self.identifier(&section.id, &key);
            if !section_ids.insert(section.id.get_ref().clone()) {
                self.at(
                    section.id.span(),
                    &key,
                    "mã phần bị trùng".into(),
                    "duplicate section id".into(),
                );
            }
            if section.questions.get_ref().is_empty() {
                self.at(
                    section.questions.span(),
                    &key,
                    "phần chưa có câu hỏi nào".into(),
                    "the section has no questions".into(),
                );
            }
            // A new page for each section, unless it names the same step as the one before.
            let same_step =
                at > 0 && section.step.is_some() && section.step == raw.sections.get_ref()[at - 1].step;
            if paged && at > 0 && !same_step {
                step += 1;
            }
            let section_condition = section
                .show_if
                .as_ref()
                .and_then(|c| self.condition(c, &earlier, &format!("{key}.show_if")));
            let mut questions = Vec::new();
            for question in section.questions.get_ref() {
                let key = format!("questions[{}]", question.id.get_ref());
                self.identifier(&question.id, &key);
                if !question_ids.insert(question.id.get_ref().clone()) {
                    self.at(
                        question.id.span(),
                        &key,
                        "mã câu hỏi bị trùng".into(),
                        "duplicate question id".into(),
                    );
                }
                if let Some(kind) = self.question_kind(question, &raw.choices, &key) {
                    let checked = Question {
                        id: question.id.get_ref().clone(),
                        label: self.text(&question.label, &format!("{key}.label")),
                        help: question
                            .help
                            .as_ref()
                            .map(|h| self.text(h, &format!("{key}.help"))),
                        required: question.required,
                        na: self.not_applicable(question, &kind, &key),
                        show_if: question
                            .show_if
                            .as_ref()
                            .and_then(|c| self.condition(c, &earlier, &format!("{key}.show_if"))),
                        style: self.style(question, &kind, &key),
                        kind,
                    };
                    earlier.insert(checked.id.clone(), checked.clone());
                    questions.push(checked);
                }
            }
            sections.push(Section {
                id: section.id.get_ref().clone(),
                title: self.text(&section.title, &format!("{key}.title")),
                intro: section
                    .intro
                    .as_ref()
                    .map(|t| self.text(t, &format!("{key}.intro"))),
                show_if: section_condition,
                step,
                questions,
            });
        }
        sections
    }

    /// The channels of `official_channels`: known ones, at least one.
    fn channels(&mut self, channels: &Spanned<Vec<Spanned<String>>>) -> Vec<Channel> {
        if channels.get_ref().is_empty() {
            self.at(
                channels.span(),
                "official_channels",
                "«official_channels» đang trống; bỏ khóa này để tính mọi kênh".into(),
                "«official_channels» is empty; leave the key out to count every channel".into(),
            );
        }
        let mut known = Vec::new();
        for channel in channels.get_ref() {
            match channel.get_ref().parse::<Channel>() {
                Ok(parsed) => known.push(parsed),
                Err(_) => self.at(
                    channel.span(),
                    "official_channels",
                    format!(
                        "kênh «{}» không có; dùng desk_qr, ticket, paper, kiosk hoặc api",
                        channel.get_ref()
                    ),
                    format!(
                        "there is no channel «{}»; use desk_qr, ticket, paper, kiosk or api",
                        channel.get_ref()
                    ),
                ),
            }
        }
        known.sort();
        known.dedup();
        known
    }
}
