//! Questionnaires as files: `forms check` finds every kind of mistake with its file, line
//! and key; a bad form stops the server; versions follow edits.

use sipas::forms::QuestionKind;

use crate::helpers::{Backend, TestDb, run, sipas, spawn_app_with, stderr, stdout, write_file};
use crate::on_both_backends;
use crate::survey::{full_answers, seed_desk};

/// A small valid form, to break in one place at a time.
const VALID: &str = r#"id = "mau"
title.vi = "Phiếu mẫu"
rollup = "pooled"
headline = "tot"

[[sections]]
id = "s1"
title.vi = "Phần một"

[[sections.questions]]
id = "q1"
type = "scale"
label.vi = "Câu một"
options = [{ value = 1, vi = "Kém" }, { value = 2, vi = "Tốt" }]

[[indices]]
id = "tot"
type = "share"
label.vi = "Tốt"
questions = ["q1"]
levels = [2]
"#;

fn broken(replace: &str, with: &str) -> String {
    assert!(VALID.contains(replace), "{replace}");
    VALID.replacen(replace, with, 1)
}

/// Runs `forms check` on a directory holding only `mau.toml` with `content`.
fn check_one(content: &str) -> (bool, String) {
    let db = TestDb::new(Backend::Sqlite);
    let dir = db.dir.path().join("forms");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("mau.toml"), content).unwrap();
    let output = run(sipas(&db).args(["forms", "check"]).arg(&dir));
    let err = stderr(&output).replace(&format!("{}/", dir.display()), "");
    (output.status.success(), err)
}

#[test]
fn the_valid_sample_passes() {
    let (ok, err) = check_one(VALID);
    assert!(ok, "{err}");
}

#[test]
fn each_mistake_is_reported_with_file_line_and_key() {
    let cases = [
        (
            "unknown key",
            broken("rollup", "titel.en = \"x\"\nrollup"),
            "mau.toml:3: titel: khóa «titel» không có trong định dạng phiếu; các khóa dùng được ở đây: id, version, title",
        ),
        (
            "duplicate question id",
            broken(
                "[[indices]]",
                "[[sections.questions]]\nid = \"q1\"\ntype = \"text\"\nlabel.vi = \"Lại\"\n\n[[indices]]",
            ),
            "mau.toml:17: questions[q1]: mã câu hỏi bị trùng",
        ),
        (
            "index on a missing question",
            broken("questions = [\"q1\"]", "questions = [\"q9\"]"),
            "mau.toml:20: indices[tot].questions: không có câu hỏi «q9»",
        ),
        (
            "index on a missing index",
            format!(
                "{VALID}\n[[indices]]\nid = \"tb\"\ntype = \"mean\"\nlabel.vi = \"TB\"\nof = [\"tot\", \"khong\"]\n"
            ),
            "mau.toml:27: indices[tb].of: không có chỉ số «khong»",
        ),
        (
            "cycle between indices",
            format!(
                "{VALID}\n[[indices]]\nid = \"a\"\ntype = \"mean\"\nlabel.vi = \"A\"\nof = [\"b\"]\n\n\
                 [[indices]]\nid = \"b\"\ntype = \"mean\"\nlabel.vi = \"B\"\nof = [\"a\"]\n"
            ),
            "indices[a].of: các chỉ số tạo vòng lặp: a → b → a",
        ),
        (
            "scale without levels",
            broken(
                "options = [{ value = 1, vi = \"Kém\" }, { value = 2, vi = \"Tốt\" }]\n",
                "",
            ),
            "mau.toml:12: questions[q1]: thang đo chưa có mức nào",
        ),
        (
            "scale level that is not a number",
            broken("value = 1,", "value = \"mot\","),
            "mau.toml:14: questions[q1].options.value: mức của thang đo phải là số nguyên",
        ),
        (
            "missing Vietnamese label",
            broken("label.vi = \"Câu một\"", "label.en = \"Question one\""),
            ": vi: thiếu khóa «vi»",
        ),
        (
            "empty Vietnamese label",
            broken("label.vi = \"Câu một\"", "label.vi = \"  \""),
            "mau.toml:13: questions[q1].label: thiếu nội dung tiếng Việt",
        ),
        (
            "id unlike the file name",
            broken("id = \"mau\"", "id = \"khac\""),
            "mau.toml:1: id: mã phiếu «khac» phải trùng tên tệp «mau.toml»",
        ),
        (
            "unknown question type",
            broken("type = \"scale\"", "type = \"stars\""),
            "mau.toml:12: questions[q1].type: loại câu hỏi «stars» không có",
        ),
        (
            "levels not on the scale",
            broken("levels = [2]", "levels = [2, 7]"),
            "mau.toml:21: indices[tot].levels: thang đo của «q1» không có mức 7",
        ),
        (
            "headline not declared",
            broken("headline = \"tot\"", "headline = \"sipas\""),
            "mau.toml:4: headline: chỉ số «sipas» không được khai báo",
        ),
        (
            "bad rollup",
            broken("rollup = \"pooled\"", "rollup = \"sum\""),
            "mau.toml:3: rollup: «sum» không hợp lệ",
        ),
        (
            "not applicable on a text question",
            broken(
                "type = \"scale\"\nlabel.vi = \"Câu một\"\noptions = [{ value = 1, vi = \"Kém\" }, { value = 2, vi = \"Tốt\" }]\n",
                "type = \"text\"\nlabel.vi = \"Câu một\"\nna = { vi = \"Không áp dụng\" }\n",
            ),
            "mau.toml:14: questions[q1].na: «na» (không áp dụng) chỉ dùng cho câu hỏi scale, single hoặc multi; câu này là text",
        ),
        (
            "a condition on a question that does not come before",
            broken(
                "label.vi = \"Câu một\"",
                "label.vi = \"Câu một\"\nshow_if = { question = \"q2\", is = [\"yes\"] }",
            ),
            "mau.toml:14: questions[q1].show_if.question: không có câu hỏi «q2» đứng trước để làm điều kiện",
        ),
        (
            "a condition on a value the question does not offer",
            broken(
                "\n[[indices]]",
                "\n[[sections.questions]]\nid = \"q2\"\ntype = \"text\"\nlabel.vi = \"Câu hai\"\nshow_if = { question = \"q1\", is = [3] }\n\n[[indices]]",
            ),
            "mau.toml:20: questions[q2].show_if.is: câu hỏi «q1» không có lựa chọn «3»",
        ),
        (
            "faces on something else than a scale",
            broken("type = \"scale\"", "type = \"scale\"\nstyle = \"stars\""),
            "mau.toml:13: questions[q1].style: «stars» không hợp lệ",
        ),
        (
            "unknown steps",
            broken("headline = \"tot\"", "headline = \"tot\"\nsteps = \"pages\""),
            "mau.toml:5: steps: «pages» không hợp lệ",
        ),
        (
            "TOML syntax",
            broken("title.vi = \"Phiếu mẫu\"", "title.vi = \"Phiếu mẫu"),
            "mau.toml:2: ",
        ),
    ];
    for (case, content, expected) in cases {
        let (ok, err) = check_one(&content);
        assert!(!ok, "{case}: accepted");
        assert!(err.contains(expected), "{case}: expected «{expected}» in:\n{err}");
        assert!(
            err.lines().last().unwrap().starts_with("sipas: "),
            "{case}: {err}"
        );
    }
}

/// A not-applicable choice, a condition, steps and faces, as the loader reads them.
#[test]
fn not_applicable_conditions_steps_and_faces_load() {
    let content = broken("headline = \"tot\"", "headline = \"tot\"\nsteps = \"sections\"")
        .replacen(
            "label.vi = \"Câu một\"",
            "label.vi = \"Câu một\"\nstyle = \"faces\"\nna = { vi = \"Chưa nhận kết quả\", en = \"No result yet\" }",
            1,
        )
        .replacen(
            "\n[[indices]]",
            "\n[[sections]]\nid = \"s2\"\ntitle.vi = \"Phần hai\"\nshow_if = { question = \"q1\", is = [2, \"na\"] }\n\n\
             [[sections.questions]]\nid = \"q2\"\ntype = \"text\"\nlabel.vi = \"Câu hai\"\n\n[[indices]]",
            1,
        );
    let form = sipas::forms::parse_form("mau.toml", "mau", &content).unwrap_or_else(|p| panic!("{p:?}"));
    let q1 = form.question("q1").unwrap();
    assert_eq!(q1.na.as_ref().map(|t| t.en.as_str()), Some("No result yet"));
    assert_eq!(q1.style, sipas::forms::ScaleStyle::Faces);
    let s2 = &form.sections[1];
    assert_eq!(s2.show_if.as_ref().unwrap().is, ["2", "na"]);
    assert_eq!((form.sections[0].step, s2.step, form.step_count()), (0, 1, 2));
    // Asked only when q1 is 2 or not applicable.
    assert!(form.asked(|q, v| q == "q1" && v == "na").contains("q2"));
    assert!(!form.asked(|q, v| q == "q1" && v == "1").contains("q2"));
    let (ok, err) = check_one(&content);
    assert!(ok, "{err}");
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let content = broken("questions = [\"q1\"]", "questions = [\"q9\"]").replacen(
        "type = \"scale\"",
        "type = \"stars\"",
        1,
    );
    let (_, err) = check_one(&content);
    assert!(
        err.contains("loại câu hỏi «stars»") && err.contains("không có câu hỏi «q9»"),
        "{err}"
    );
    assert!(err.lines().last().unwrap().starts_with("sipas: 2 lỗi"), "{err}");
}

#[test]
fn the_server_refuses_to_start_on_an_invalid_form_and_says_why() {
    let db = TestDb::new(Backend::Sqlite);
    let dir = db.dir.path().join("forms");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("mau.toml"), broken("levels = [2]", "levels = [9]")).unwrap();
    let output = run(sipas(&db)
        .args(["--bind", "127.0.0.1:0", "serve"])
        .env("SIPAS_FORMS_DIR", &dir));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("mau.toml:21: indices[tot].levels: thang đo của «q1» không có mức 9"),
        "{err}"
    );
    assert!(
        err.lines()
            .last()
            .unwrap()
            .starts_with("sipas: phiếu khảo sát không hợp lệ (1 lỗi), máy chủ không khởi động"),
        "{err}"
    );
}

#[test]
fn forms_list_shows_the_versions_served() {
    let db = TestDb::new(Backend::Sqlite);
    let output = run(sipas(&db).args(["forms", "list", "--format", "json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let forms: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = forms
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["quick-2025", "sipas-2017", "sipas-2023", "tt01-2018"]);
    assert_eq!(forms[1]["questions"], 35, "34 and whether feedback was given");
    assert!(forms[1]["version"].as_str().unwrap().starts_with("2017.1+"));
    let table = stdout(&run(sipas(&db).args(["forms", "list"])));
    assert!(table.contains("Khảo sát sự hài lòng của người dân"), "{table}");
}

/// An edited form is a new version; responses keep the version they answered, which stays
/// readable. Comments and layout are not content: they make no new version.
async fn editing_a_form_makes_a_new_version_and_old_responses_keep_theirs(backend: Backend) {
    let forms_dir = tempfile::tempdir().unwrap();
    let original =
        std::fs::read_to_string(crate::helpers::checkout_path("survey-forms/quick-2025.toml")).unwrap();
    std::fs::write(forms_dir.path().join("quick-2025.toml"), &original).unwrap();
    let dir = forms_dir.path().to_path_buf();
    let app = spawn_app_with(backend, |s| s.forms_dir = dir.clone()).await;
    let code = seed_desk(&app, "quick-2025");
    assert_eq!(
        app.answer(&code, &full_answers(&app, "quick-2025"))
            .await
            .status(),
        303
    );
    let first_version = app.prepared.forms.current("quick-2025").unwrap().version_id;

    let settings = || {
        let mut s = app.db.settings();
        s.forms_dir = dir.clone();
        s
    };
    // A new comment and blank lines: the same version.
    std::fs::write(
        dir.join("quick-2025.toml"),
        format!("# chú thích mới\n\n{original}"),
    )
    .unwrap();
    let same = sipas::startup::prepare(&settings()).unwrap();
    assert_eq!(
        same.forms.current("quick-2025").unwrap().version_id,
        first_version
    );

    // A reworded question: a new version.
    let edited = original.replace(
        "Ông/Bà hài lòng thế nào với sự phục vụ tại quầy hôm nay?",
        "Hôm nay Ông/Bà hài lòng với quầy ở mức nào?",
    );
    assert_ne!(edited, original);
    std::fs::write(dir.join("quick-2025.toml"), &edited).unwrap();
    let restarted = sipas::startup::prepare(&settings()).unwrap();
    let current = restarted.forms.current("quick-2025").unwrap();
    assert_ne!(current.version_id, first_version);
    assert_eq!(
        current.form.question("rating").unwrap().label.vi,
        "Hôm nay Ông/Bà hài lòng với quầy ở mức nào?"
    );

    let stored = app.stored_responses();
    assert_eq!(
        stored[0].form_version_id, first_version,
        "the old response keeps its version"
    );
    let mut conn = restarted.db.conn().unwrap();
    let old = restarted
        .forms
        .version(&mut conn, first_version)
        .unwrap()
        .expect("old version readable");
    assert_eq!(
        old.form.question("rating").unwrap().label.vi,
        "Ông/Bà hài lòng thế nào với sự phục vụ tại quầy hôm nay?"
    );
    let versions = sipas::db::forms::versions_of(&mut conn, "quick-2025").unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].source, original);
}

on_both_backends!(editing_a_form_makes_a_new_version_and_old_responses_keep_theirs);

/// The shipped questionnaires have the structure the national methodology asks for, in
/// both languages, and every index they declare resolves.
#[test]
fn the_shipped_forms_are_complete() {
    let dir = crate::helpers::checkout_path("survey-forms");
    let loaded = sipas::forms::load_dir(&dir).expect("the shipped forms are valid");
    let sipas2017 = &loaded.iter().find(|f| f.form.id == "sipas-2017").unwrap().form;
    let elements: Vec<_> = sipas2017
        .indices
        .iter()
        .filter(|i| i.group.as_deref() == Some("element"))
        .collect();
    assert_eq!(elements.len(), 5);
    let criteria_per_element: Vec<usize> = elements
        .iter()
        .map(|e| match &e.rule {
            sipas::forms::IndexRule::Mean { of, .. } => of.len(),
            other => panic!("element {} is {other:?}", e.id),
        })
        .collect();
    assert_eq!(criteria_per_element, [4, 5, 6, 3, 4], "22 criteria");
    assert_eq!(sipas2017.headline, "sipas");
    for id in [
        "overall",
        "one_trip",
        "on_time",
        "no_harassment",
        "no_extra_money",
        "improve.attitude",
    ] {
        assert!(sipas2017.index(id).is_some(), "{id}");
    }
    for question in ["sex", "age", "education", "occupation", "comment"] {
        assert!(
            !sipas2017.question(question).unwrap().required,
            "{question} is optional"
        );
    }
    // Results and fees may not apply (no result yet, a free procedure); the feedback
    // element is asked of those who gave feedback.
    for id in ["e4.c1", "e4.c2", "e4.c3", "e2.c4", "on_time"] {
        assert!(
            sipas2017.question(id).unwrap().na.is_some(),
            "{id} offers not applicable"
        );
    }
    let e5 = sipas2017.sections.iter().find(|s| s.id == "e5").unwrap();
    assert_eq!(e5.show_if.as_ref().unwrap().question, "gave_feedback");
    assert_eq!(sipas2017.step_count(), 6);
    assert!(
        sipas2017
            .basis
            .as_ref()
            .unwrap()
            .vi
            .starts_with("Dựa trên 22 tiêu chí")
    );

    let sipas2023 = &loaded.iter().find(|f| f.form.id == "sipas-2023").unwrap().form;
    let items = |group: &str| {
        sipas2023
            .indices
            .iter()
            .filter(|i| i.group.as_deref() == Some(group))
            .count()
    };
    assert_eq!(items("item"), 39, "23 policy and 16 service satisfaction items");
    assert_eq!(items("element"), 9, "4 policy and 5 service elements");
    assert_eq!(items("expectation"), 10);
    match &sipas2023.index("sipas").unwrap().rule {
        sipas::forms::IndexRule::Mean { of, weights, .. } => {
            assert_eq!(of, &["policy", "service"]);
            assert_eq!(
                weights.as_deref(),
                Some(&[1.0, 1.0][..]),
                "the aggregation is declared"
            );
        }
        other => panic!("{other:?}"),
    }
    let service = sipas2023.sections.iter().find(|s| s.id == "service_a").unwrap();
    assert_eq!(
        service.show_if.as_ref().unwrap().question,
        "procedure",
        "asked of users"
    );
    assert!(sipas2023.question("s.d1").unwrap().na.is_some(), "no result yet");
    let quick = &loaded.iter().find(|f| f.form.id == "quick-2025").unwrap().form;
    assert_eq!(
        quick.question("rating").unwrap().style,
        sipas::forms::ScaleStyle::Faces
    );
    assert_eq!(quick.minutes(), 1);

    let tt01 = &loaded.iter().find(|f| f.form.id == "tt01-2018").unwrap().form;
    match &tt01.index("total").unwrap().rule {
        sipas::forms::IndexRule::Points {
            questions,
            max,
            grades,
        } => {
            assert_eq!(questions.len(), 9);
            assert_eq!(*max, 18);
            assert_eq!(grades.len(), 4);
        }
        other => panic!("{other:?}"),
    }
    for loaded in &loaded {
        let form = &loaded.form;
        assert!(form.basis.is_some(), "{}: legal basis", form.id);
        for question in form.questions() {
            assert_ne!(
                question.label.vi, question.label.en,
                "{}: {} has English",
                form.id, question.id
            );
            if let QuestionKind::Scale { options }
            | QuestionKind::Single { options }
            | QuestionKind::Multi { options } = &question.kind
            {
                for option in options {
                    let numeric = option.label.vi.chars().all(|c| c.is_ascii_digit() || c == '–');
                    assert!(
                        numeric || option.label.vi != option.label.en,
                        "{}: {} has English",
                        form.id,
                        option.value
                    );
                }
            }
        }
    }
}

#[test]
fn the_binary_serves_its_built_in_forms_when_the_directory_is_missing() {
    let db = TestDb::new(Backend::Sqlite);
    let output = run(sipas(&db)
        .args(["forms", "list", "--format", "json"])
        .current_dir(db.dir.path()));
    assert!(output.status.success(), "{}", stderr(&output));
    let forms: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(forms.as_array().unwrap().len(), 4);
    // A directory asked for explicitly must exist.
    let missing = write_file(&db, "placeholder", b"").with_file_name("no-such-forms");
    let output = run(sipas(&db)
        .args(["forms", "list"])
        .env("SIPAS_FORMS_DIR", &missing));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("không đọc được thư mục phiếu khảo sát"),
        "{}",
        stderr(&output)
    );
}

/// The example in survey-forms/README.md is a complete, valid form.
#[test]
fn the_documented_example_is_valid() {
    let readme = std::fs::read_to_string(crate::helpers::checkout_path("survey-forms/README.md")).unwrap();
    let start = readme.find("```toml\n").expect("a TOML example") + "```toml\n".len();
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let form = sipas::forms::parse_form("README.md", "vi-du", example).unwrap_or_else(|problems| {
        panic!(
            "{}",
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(form.questions().count(), 3);
    assert_eq!(form.indices.len(), 2);
}
