//! Reading form files: every problem names the file, the line and the key, and all of a
//! file's problems are reported at once. The checks themselves live in `check*.rs`.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use super::Form;
use super::check::Checker;
use super::raw::RawForm;
use crate::i18n::{Lang, Message};

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
    let mut check = Checker::new(file, source);
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
