//! Malformed input, generated at random from fixed seeds (so a failure repeats): the
//! questionnaire handler, the paper import and the form parser never panic and never
//! answer 500 — every bad input gets a clear refusal, and nothing is half-stored: a
//! refused import leaves the database as it was.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use sipas::db::tallies::StoredTally;

use crate::helpers::{Backend, spawn_app_with};
use crate::on_both_backends;
use crate::survey::{assert_counts_match_answers, full_answers, hidden_fields, seed_desk};

/// A random piece of text: plain, Vietnamese, markup, percent-escapes (some invalid),
/// control characters, or very long.
fn junk(rng: &mut StdRng) -> String {
    match rng.random_range(0..9) {
        0 => String::new(),
        1 => "x".repeat(rng.random_range(1..70_000)),
        2 => "<script>alert('x')</script>".into(),
        3 => "Rất hài lòng ✓ 👍".into(),
        4 => "%FF%FE%00%".into(),
        5 => "\u{0}\u{7}\r\n\t".into(),
        6 => rng.random_range(-1_000_000_000i64..1_000_000_000).to_string(),
        7 => "=1+2;@SUM(A1)".into(),
        _ => (0..rng.random_range(1..40))
            .map(|_| char::from(rng.random_range(0x20u8..0x7f)))
            .collect(),
    }
}

/// A form body: the page's fields or not, then real and made-up keys, repeated — or, one
/// time in four, the page sent as it should be.
fn body(rng: &mut StdRng, token: &str, version: &str, answers: &[(String, String)]) -> Vec<u8> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    if rng.random_bool(0.25) {
        pairs.push(("_token".into(), token.into()));
        pairs.push(("_version".into(), version.into()));
        pairs.extend(answers.iter().cloned());
        return serde_urlencoded::to_string(&pairs).unwrap().into_bytes();
    }
    if rng.random_bool(0.7) {
        pairs.push(("_token".into(), token.into()));
    }
    if rng.random_bool(0.7) {
        pairs.push(("_version".into(), version.into()));
    }
    for (question, value) in answers {
        match rng.random_range(0..6) {
            0 => {}
            1 => pairs.push((question.clone(), junk(rng))),
            2 => {
                for _ in 0..rng.random_range(2..200) {
                    pairs.push((question.clone(), value.clone()));
                }
            }
            _ => pairs.push((question.clone(), value.clone())),
        }
    }
    for _ in 0..rng.random_range(0..5) {
        pairs.push((junk(rng), junk(rng)));
    }
    let mut body = serde_urlencoded::to_string(&pairs).unwrap().into_bytes();
    if rng.random_bool(0.1) {
        // Raw bytes that are not even URL encoding.
        body.extend((0..rng.random_range(1..100)).map(|_| rng.random::<u8>()));
    }
    body
}

async fn random_and_malformed_answers_never_get_a_500(backend: Backend) {
    let app = spawn_app_with(backend, crate::helpers::without_rate_limits).await;
    let code = seed_desk(&app, "sipas-2017");
    let answers = full_answers(&app, "sipas-2017");
    let mut rng = StdRng::seed_from_u64(9);
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..150 {
        let (_, html) = app.open_survey(&code).await;
        let page = hidden_fields(&html);
        let body = body(&mut rng, &page.token, &page.version, &answers);
        let content_type = if rng.random_bool(0.9) {
            "application/x-www-form-urlencoded"
        } else {
            "text/plain; charset=windows-1258"
        };
        let response = app
            .client
            .post(format!("{}/s/{code}", app.address))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!(status < 500, "{status}: {text}");
        assert!(!text.contains("<script>alert"), "markup sent back unescaped");
        *statuses.entry(status).or_insert(0) += 1;
    }
    // Both kinds happened: some stored (303), some refused (4xx).
    assert!(statuses.contains_key(&303), "{statuses:?}");
    assert!(statuses.keys().any(|s| (400..500).contains(s)), "{statuses:?}");
    assert_counts_match_answers(&app);
}

on_both_backends!(random_and_malformed_answers_never_get_a_500);

/// Everything an import can change: the responses, and every tally row in a fixed order.
fn stored(conn: &mut sipas::db::DbConnection) -> (Vec<sipas::db::responses::Response>, Vec<StoredTally>) {
    let mut tallies = sipas::db::tallies::all(conn).unwrap();
    for tally in &mut tallies {
        tally.counts.sort();
    }
    tallies.sort_by(|a, b| {
        (&a.unit_code, &a.period, a.start, &a.field).cmp(&(&b.unit_code, &b.period, b.start, &b.field))
    });
    (sipas::db::responses::all(conn).unwrap(), tallies)
}

/// Random bytes and mangled copies of a good file (two good rows first), as CSV and as
/// XLSX, imported whole into a database that already holds answers: each is imported or
/// refused with a reason, never a panic; and a refused file leaves the database exactly as
/// it was — its good rows are not stored either.
async fn random_import_files_are_refused_whole_not_crashed_on(backend: Backend) {
    let app = crate::indices::app_with_test_form(backend).await;
    crate::indices::seed_responses(&app);
    let form = app.prepared.forms.current("test-indices").unwrap();
    let mut conn = app.prepared.db.conn().unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let good = "unit_code,submitted_at,q1\nC1,2025-07-01 10:00,4\nC2,2025-07-02 11:00,5\n";
    let (mut refused, mut imported) = (0, 0);
    for round in 0..300 {
        let mut bytes = good.as_bytes().to_vec();
        match round % 3 {
            0 => {
                bytes = (0..rng.random_range(0..400))
                    .map(|_| rng.random::<u8>())
                    .collect()
            }
            1 => {
                for _ in 0..rng.random_range(1..8) {
                    let at = rng.random_range(0..bytes.len());
                    bytes[at] = rng.random();
                }
            }
            _ => bytes.extend(junk(&mut rng).into_bytes()),
        }
        for name in ["phieu.csv", "phieu.xlsx", "phieu.txt"] {
            let before = stored(&mut conn);
            // Either a table or a reason; never a panic.
            let outcome = sipas::responses::import::read_table(name, &bytes).and_then(|table| {
                sipas::responses::import::import(
                    &mut conn,
                    &form,
                    &table,
                    false,
                    chrono_tz::Asia::Ho_Chi_Minh,
                    &|_| {},
                )
            });
            match outcome {
                Ok(done) => {
                    imported += 1;
                    assert_eq!(
                        stored(&mut conn).0.len(),
                        before.0.len() + done.stored,
                        "round {round}"
                    );
                }
                Err(reason) => {
                    refused += 1;
                    let message = sipas::i18n::Localized::message(&reason);
                    assert!(!message.vi.is_empty() && !message.en.is_empty());
                    assert!(
                        stored(&mut conn) == before,
                        "round {round}, {name}: refused ({}) but the database changed",
                        message.en
                    );
                }
            }
        }
    }
    // Mostly refusals, including files whose good rows came before a bad one.
    assert!(
        refused > 600 && imported > 0,
        "{refused} refused, {imported} imported"
    );
    drop(conn);
    assert_counts_match_answers(&app);
}

on_both_backends!(random_import_files_are_refused_whole_not_crashed_on);

/// Questionnaire files with bytes changed or lines dropped: each parses or is refused with
/// problems that say where; never a panic.
#[test]
fn mangled_form_files_are_refused_with_reasons() {
    let source =
        std::fs::read_to_string(crate::helpers::checkout_path("survey-forms/quick-2025.toml")).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let mut refused = 0;
    for _ in 0..300 {
        let mut lines: Vec<String> = source.lines().map(str::to_string).collect();
        for _ in 0..rng.random_range(1..4) {
            let at = rng.random_range(0..lines.len());
            match rng.random_range(0..3) {
                0 => {
                    lines.remove(at);
                }
                1 => lines[at] = junk(&mut rng),
                _ => lines.insert(at, lines[at].clone()),
            }
        }
        match sipas::forms::load::parse_form("quick-2025.toml", "quick-2025", &lines.join("\n")) {
            Ok(_) => {}
            Err(problems) => {
                refused += 1;
                assert!(!problems.is_empty());
                for problem in problems {
                    assert!(!problem.render(sipas::i18n::Lang::Vi).is_empty());
                }
            }
        }
    }
    assert!(refused > 100, "most mangled files are refused ({refused} of 300)");
}
