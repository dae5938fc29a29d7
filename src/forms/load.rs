//! Reading and checking form files. Every problem names the file, the line and the key,
//! and all of a file's problems are reported at once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::raw::{RawChoice, RawForm, RawIndex, RawQuestion, RawText};
use super::{
    Accept, Choice, Form, Grade, IndexDef, IndexRule, Question, QuestionKind, Rollup, Section, Text,
};
use crate::i18n::{Lang, Message};
use crate::tally::Channel;

/// The longest free-text answer a form may allow, and the default.
const MAX_TEXT_LENGTH: i64 = 10_000;
const DEFAULT_TEXT_LENGTH: usize = 2_000;
/// A number question counts answers per value; keep the number of values small.
const MAX_NUMBER_SPAN: i64 = 1_000;

/// One thing wrong in a form file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    pub file: String,
    pub line: usize,
    /// Where in the form, e.g. `questions[e1.c1].options`.
    pub key: String,
    pub message: Message,
}

impl FormProblem {
    /// `file:line: key: message` in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        if self.key.is_empty() {
            format!("{}:{}: {}", self.file, self.line, self.message.get(lang))
        } else {
            format!(
                "{}:{}: {}: {}",
                self.file,
                self.line,
                self.key,
                self.message.get(lang)
            )
        }
    }
}

impl fmt::Display for FormProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::Vi))
    }
}

/// A form read from a file, with the text it was read from.
#[derive(Debug, Clone)]
pub struct LoadedForm {
    pub path: PathBuf,
    pub source: String,
    pub form: Form,
}

/// Reads and checks every `*.toml` file of `dir`, in name order. All problems of all
/// files are returned together.
pub fn load_dir(dir: &Path) -> Result<Vec<LoadedForm>, Vec<FormProblem>> {
    let problem = |vi: String, en: String| {
        vec![FormProblem {
            file: dir.display().to_string(),
            line: 0,
            key: String::new(),
            message: Message::new(vi, en),
        }]
    };
    let entries = std::fs::read_dir(dir).map_err(|e| {
        problem(
            format!("không đọc được thư mục phiếu khảo sát: {e}"),
            format!("cannot read the forms directory: {e}"),
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(problem(
            "thư mục không có tệp phiếu khảo sát (*.toml) nào".into(),
            "the directory holds no form files (*.toml)".into(),
        ));
    }
    let mut forms = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let source = match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(source)) => source,
            Ok(Err(_)) => {
                problems.extend(problem(
                    format!("{shown}: tệp không phải UTF-8"),
                    format!("{shown}: the file is not UTF-8"),
                ));
                continue;
            }
            Err(e) => {
                problems.extend(problem(format!("{shown}: {e}"), format!("{shown}: {e}")));
                continue;
            }
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match parse_form(&shown, &stem, &source) {
            Ok(form) => forms.push(LoadedForm { path, source, form }),
            Err(mut found) => problems.append(&mut found),
        }
    }
    let mut seen = HashSet::new();
    for loaded in &forms {
        if !seen.insert(loaded.form.id.clone()) {
            problems.extend(problem(
                format!("hai tệp cùng khai báo phiếu «{}»", loaded.form.id),
                format!("two files declare the form «{}»", loaded.form.id),
            ));
        }
    }
    if problems.is_empty() {
        Ok(forms)
    } else {
        Err(problems)
    }
}

/// Parses and checks one form file. `file` names it in messages; `expected_id` is the
/// file name without `.toml`, which must be the form's id.
pub fn parse_form(file: &str, expected_id: &str, source: &str) -> Result<Form, Vec<FormProblem>> {
    let mut check = Checker {
        file,
        source,
        problems: Vec::new(),
    };
    let raw: RawForm = match toml::from_str(source) {
        Ok(raw) => raw,
        Err(error) => {
            let (key, vi, en) = explain_toml_error(error.message().trim());
            check.at(error.span().unwrap_or(0..0), key, vi, en);
            return Err(check.problems);
        }
    };
    let form = check.form(raw, expected_id);
    if check.problems.is_empty() {
        Ok(form)
    } else {
        check.problems.sort_by_key(|p| p.line);
        Err(check.problems)
    }
}

/// The key a TOML or serde message names, and the message in both languages. serde
/// names keys in backquotes: ``unknown field `foo`, expected one of `id`, …``.
fn explain_toml_error(message: &str) -> (String, String, String) {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let key = quoted.first().copied().unwrap_or_default().to_string();
    if message.starts_with("unknown field") {
        let allowed = quoted[1..].join(", ");
        return (
            key.clone(),
            format!("khóa «{key}» không có trong định dạng phiếu; các khóa dùng được ở đây: {allowed}"),
            format!("«{key}» is not a key of the form format; the keys allowed here are: {allowed}"),
        );
    }
    if message.starts_with("missing field") {
        return (
            key.clone(),
            format!("thiếu khóa «{key}»"),
            format!("the key «{key}» is missing"),
        );
    }
    (
        key,
        format!("không đọc được tệp: {message}"),
        format!("cannot read the file: {message}"),
    )
}

struct Checker<'s> {
    file: &'s str,
    source: &'s str,
    problems: Vec<FormProblem>,
}

fn is_identifier(id: &str) -> bool {
    let mut bytes = id.bytes();
    id.len() <= 64
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

impl Checker<'_> {
    fn at(&mut self, span: Range<usize>, key: impl Into<String>, vi: String, en: String) {
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

    fn text(&mut self, raw: &RawText, key: &str) -> Text {
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

    fn identifier(&mut self, id: &Spanned<String>, key: &str) {
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

    fn form(&mut self, raw: RawForm, expected_id: &str) -> Form {
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

        let sections = self.sections(&raw);
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
            sections,
            indices,
        }
    }

    fn sections(&mut self, raw: &RawForm) -> Vec<Section> {
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
        let mut sections = Vec::new();
        for section in raw.sections.get_ref() {
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
                    questions.push(Question {
                        id: question.id.get_ref().clone(),
                        label: self.text(&question.label, &format!("{key}.label")),
                        help: question
                            .help
                            .as_ref()
                            .map(|h| self.text(h, &format!("{key}.help"))),
                        required: question.required,
                        kind,
                    });
                }
            }
            sections.push(Section {
                id: section.id.get_ref().clone(),
                title: self.text(&section.title, &format!("{key}.title")),
                intro: section
                    .intro
                    .as_ref()
                    .map(|t| self.text(t, &format!("{key}.intro"))),
                questions,
            });
        }
        sections
    }

    fn question_kind(
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

    fn indices(
        &mut self,
        raw: &[RawIndex],
        questions: &HashMap<&str, &Question>,
        sections: &HashMap<&str, &Text>,
    ) -> Vec<IndexDef> {
        let mut ids = HashSet::new();
        let mut indices = Vec::new();
        for index in raw {
            let key = format!("indices[{}]", index.id.get_ref());
            self.identifier(&index.id, &key);
            if !ids.insert(index.id.get_ref().clone()) {
                self.at(
                    index.id.span(),
                    &key,
                    "mã chỉ số bị trùng".into(),
                    "duplicate index id".into(),
                );
            }
            let label = match &index.label {
                Some(label) => Some(self.text(label, &format!("{key}.label"))),
                None => questions
                    .get(index.id.get_ref().as_str())
                    .map(|q| q.label.clone())
                    .or_else(|| sections.get(index.id.get_ref().as_str()).map(|t| (*t).clone())),
            };
            let Some(label) = label else {
                self.at(
                    index.id.span(),
                    &key,
                    "chỉ số cần label (không có câu hỏi hay phần nào cùng mã)".into(),
                    "the index needs a label (no question or section has its id)".into(),
                );
                continue;
            };
            if let Some(rule) = self.index_rule(index, questions, &key) {
                indices.push(IndexDef {
                    id: index.id.get_ref().clone(),
                    label,
                    group: index.group.clone(),
                    rule,
                });
            }
        }
        indices
    }

    fn index_rule(
        &mut self,
        index: &RawIndex,
        questions: &HashMap<&str, &Question>,
        key: &str,
    ) -> Option<IndexRule> {
        let kind = index.kind.get_ref().as_str();
        let allowed: &[&str] = match kind {
            "share" => &["questions", "levels", "options", "range"],
            "mean" => &["of", "weights", "partial"],
            "points" => &["questions", "grades"],
            other => {
                self.at(
                    index.kind.span(),
                    format!("{key}.type"),
                    format!("loại chỉ số «{other}» không có; dùng share, mean hoặc points"),
                    format!("there is no index type «{other}»; use share, mean or points"),
                );
                return None;
            }
        };
        let present = [
            ("questions", index.questions.is_some()),
            ("levels", index.levels.is_some()),
            ("options", index.options.is_some()),
            ("range", index.range.is_some()),
            ("of", index.of.is_some()),
            ("weights", index.weights.is_some()),
            ("partial", index.partial.is_some()),
            ("grades", index.grades.is_some()),
        ];
        for (name, _) in present.iter().filter(|(name, is)| *is && !allowed.contains(name)) {
            self.at(
                index.kind.span(),
                format!("{key}.{name}"),
                format!("chỉ số loại {kind} không dùng «{name}»"),
                format!("a {kind} index does not take «{name}»"),
            );
        }
        match kind {
            "share" => self.share(index, questions, key),
            "mean" => self.mean(index, key),
            _ => self.points(index, questions, key),
        }
    }

    /// A list key the index must have, and not empty; `None` (reported) otherwise.
    fn required_list<'l, T>(
        &mut self,
        list: &'l Option<Spanned<Vec<T>>>,
        kind: &Spanned<String>,
        key: &str,
        name: &str,
    ) -> Option<&'l [T]> {
        let Some(list) = list else {
            self.at(
                kind.span(),
                format!("{key}.{name}"),
                format!("thiếu «{name}»"),
                format!("«{name}» is missing"),
            );
            return None;
        };
        if list.get_ref().is_empty() {
            self.at(
                list.span(),
                format!("{key}.{name}"),
                format!("«{name}» đang trống"),
                format!("«{name}» is empty"),
            );
            return None;
        }
        Some(list.get_ref())
    }

    /// The questions an index names, each of which must exist.
    fn named_questions<'q>(
        &mut self,
        index: &RawIndex,
        questions: &HashMap<&str, &'q Question>,
        key: &str,
    ) -> Option<Vec<&'q Question>> {
        let names = self.required_list(&index.questions, &index.kind, key, "questions")?;
        let mut found = Vec::new();
        for name in names {
            match questions.get(name.get_ref().as_str()) {
                Some(question) => found.push(*question),
                None => self.at(
                    name.span(),
                    format!("{key}.questions"),
                    format!("không có câu hỏi «{}»", name.get_ref()),
                    format!("there is no question «{}»", name.get_ref()),
                ),
            }
        }
        (found.len() == names.len()).then_some(found)
    }

    fn share(
        &mut self,
        index: &RawIndex,
        questions: &HashMap<&str, &Question>,
        key: &str,
    ) -> Option<IndexRule> {
        let named = self.named_questions(index, questions, key)?;
        let ids = named.iter().map(|q| q.id.clone()).collect();
        let accept = match (&index.levels, &index.options, &index.range) {
            (Some(levels), None, None) => {
                for question in &named {
                    let QuestionKind::Scale { options } = &question.kind else {
                        self.at(
                            levels.span(),
                            format!("{key}.levels"),
                            format!(
                                "«levels» chỉ dùng cho câu hỏi scale; «{}» là {}",
                                question.id,
                                question.kind.name()
                            ),
                            format!(
                                "«levels» is for scale questions; «{}» is {}",
                                question.id,
                                question.kind.name()
                            ),
                        );
                        return None;
                    };
                    for level in levels.get_ref() {
                        if !options.iter().any(|o| o.level == Some(*level)) {
                            self.at(
                                levels.span(),
                                format!("{key}.levels"),
                                format!("thang đo của «{}» không có mức {level}", question.id),
                                format!("the scale of «{}» has no level {level}", question.id),
                            );
                        }
                    }
                }
                Accept::Levels(levels.get_ref().clone())
            }
            (None, Some(options), None) => {
                for question in &named {
                    if !matches!(
                        question.kind,
                        QuestionKind::Single { .. } | QuestionKind::Multi { .. }
                    ) {
                        self.at(
                            options.span(),
                            format!("{key}.options"),
                            format!(
                                "«options» chỉ dùng cho câu hỏi single/multi; «{}» là {}",
                                question.id,
                                question.kind.name()
                            ),
                            format!(
                                "«options» is for single/multi questions; «{}» is {}",
                                question.id,
                                question.kind.name()
                            ),
                        );
                        return None;
                    }
                    for option in options.get_ref() {
                        if !question
                            .kind
                            .options()
                            .iter()
                            .any(|o| &o.value == option.get_ref())
                        {
                            self.at(
                                option.span(),
                                format!("{key}.options"),
                                format!(
                                    "câu hỏi «{}» không có lựa chọn «{}»",
                                    question.id,
                                    option.get_ref()
                                ),
                                format!("question «{}» has no option «{}»", question.id, option.get_ref()),
                            );
                        }
                    }
                }
                Accept::Options(options.get_ref().iter().map(|o| o.get_ref().clone()).collect())
            }
            (None, None, Some(range)) => {
                let bounds = range.get_ref();
                let valid = bounds.len() == 2 && bounds[0] <= bounds[1];
                let all_numbers = named
                    .iter()
                    .all(|q| matches!(q.kind, QuestionKind::Number { .. }));
                if !valid || !all_numbers {
                    self.at(
                        range.span(),
                        format!("{key}.range"),
                        "«range» là [nhỏ nhất, lớn nhất] cho câu hỏi number".into(),
                        "«range» is [lowest, highest] for number questions".into(),
                    );
                    return None;
                }
                Accept::Range(bounds[0], bounds[1])
            }
            _ => {
                self.at(
                    index.kind.span(),
                    key,
                    "chỉ số share cần đúng một trong levels, options, range".into(),
                    "a share index needs exactly one of levels, options, range".into(),
                );
                return None;
            }
        };
        Some(IndexRule::Share {
            questions: ids,
            accept,
        })
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

    fn mean(&mut self, index: &RawIndex, key: &str) -> Option<IndexRule> {
        let of = self.required_list(&index.of, &index.kind, key, "of")?;
        if let Some(weights) = &index.weights {
            let valid = weights.get_ref().len() == of.len() && weights.get_ref().iter().all(|w| *w > 0.0);
            if !valid {
                self.at(
                    weights.span(),
                    format!("{key}.weights"),
                    "cần một trọng số dương cho mỗi chỉ số trong «of»".into(),
                    "one positive weight is needed for each index in «of»".into(),
                );
            }
        }
        let allow_partial = match &index.partial {
            None => false,
            Some(partial) if partial.get_ref() == "allow" => true,
            Some(partial) => {
                self.at(
                    partial.span(),
                    format!("{key}.partial"),
                    format!(
                        "«{}» không hợp lệ; chỉ dùng partial = \"allow\" (tính trung bình các thành phần có giá trị)",
                        partial.get_ref()
                    ),
                    format!(
                        "«{}» is not valid; only partial = \"allow\" (a mean of the components that have a value)",
                        partial.get_ref()
                    ),
                );
                false
            }
        };
        Some(IndexRule::Mean {
            of: of.iter().map(|i| i.get_ref().clone()).collect(),
            weights: index.weights.as_ref().map(|w| w.get_ref().clone()),
            allow_partial,
        })
    }

    fn points(
        &mut self,
        index: &RawIndex,
        questions: &HashMap<&str, &Question>,
        key: &str,
    ) -> Option<IndexRule> {
        let named = self.named_questions(index, questions, key)?;
        let mut max = 0;
        for question in &named {
            let levels: Vec<i64> = question.kind.options().iter().filter_map(|o| o.level).collect();
            if !matches!(question.kind, QuestionKind::Scale { .. }) || levels.iter().any(|l| *l < 0) {
                self.at(
                    index.kind.span(),
                    format!("{key}.questions"),
                    format!("«{}» phải là câu hỏi scale có điểm không âm", question.id),
                    format!(
                        "«{}» must be a scale question with non-negative points",
                        question.id
                    ),
                );
                return None;
            }
            max += levels.iter().max().copied().unwrap_or(0);
        }
        let mut grades = Vec::new();
        if let Some(raw) = &index.grades {
            for grade in raw.get_ref() {
                if !(0.0..=max as f64).contains(&grade.min) {
                    self.at(
                        grade.vi.span(),
                        format!("{key}.grades"),
                        format!("ngưỡng {} nằm ngoài 0–{max} điểm", grade.min),
                        format!("threshold {} is outside 0–{max} points", grade.min),
                    );
                }
                grades.push(Grade {
                    min: grade.min,
                    label: self.text(
                        &RawText {
                            vi: grade.vi.clone(),
                            en: grade.en.clone(),
                        },
                        &format!("{key}.grades"),
                    ),
                });
            }
        }
        // Highest threshold first, so the first grade reached is the one earned.
        grades.sort_by(|a, b| b.min.total_cmp(&a.min));
        Some(IndexRule::Points {
            questions: named.iter().map(|q| q.id.clone()).collect(),
            max,
            grades,
        })
    }

    /// Every `of` names a declared index, and no index is built from itself.
    fn index_references(&mut self, raw: &[RawIndex]) {
        let declared: HashMap<&str, &RawIndex> = raw.iter().map(|i| (i.id.get_ref().as_str(), i)).collect();
        for index in raw {
            for name in index.of.iter().flat_map(|of| of.get_ref()) {
                if !declared.contains_key(name.get_ref().as_str()) {
                    self.at(
                        name.span(),
                        format!("indices[{}].of", index.id.get_ref()),
                        format!("không có chỉ số «{}»", name.get_ref()),
                        format!("there is no index «{}»", name.get_ref()),
                    );
                }
            }
        }
        // Depth-first search; a name met again on the current path closes a cycle.
        let mut done: HashSet<&str> = HashSet::new();
        for start in raw {
            let mut path: Vec<&str> = Vec::new();
            self.visit(start.id.get_ref(), &declared, &mut path, &mut done);
        }
    }

    fn visit<'r>(
        &mut self,
        id: &'r str,
        declared: &HashMap<&'r str, &'r RawIndex>,
        path: &mut Vec<&'r str>,
        done: &mut HashSet<&'r str>,
    ) {
        if done.contains(id) {
            return;
        }
        if let Some(start) = path.iter().position(|p| *p == id) {
            let cycle = format!("{} → {id}", path[start..].join(" → "));
            let span = declared[id].id.span();
            self.at(
                span,
                format!("indices[{id}].of"),
                format!("các chỉ số tạo vòng lặp: {cycle}"),
                format!("the indices form a cycle: {cycle}"),
            );
            return;
        }
        let Some(index) = declared.get(id) else { return };
        path.push(id);
        for next in index.of.iter().flat_map(|of| of.get_ref()) {
            if declared.contains_key(next.get_ref().as_str()) {
                self.visit(next.get_ref(), declared, path, done);
            }
        }
        path.pop();
        done.insert(id);
    }
}
