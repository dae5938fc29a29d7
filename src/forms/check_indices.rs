//! Checking indices: their rule, the questions and indices they name, and that no index
//! is built from itself.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::check::Checker;
use super::raw::{RawIndex, RawText};
use super::{Accept, Grade, IndexDef, IndexRule, Question, QuestionKind, Text};

impl Checker<'_> {
    pub(super) fn indices(
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
    pub(super) fn index_references(&mut self, raw: &[RawIndex]) {
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
