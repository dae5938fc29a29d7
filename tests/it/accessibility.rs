//! The citizen pages checked by axe-core (from npm, `tests/browser/package.json`) in
//! Chromium on a phone: no serious or critical accessibility violation on the home page,
//! the questionnaire (as first shown, with its error summary, every page of the stepped
//! form in English), the thank-you page, an unknown code, and the sign-in page.

use serde_json::{Value, json};

use crate::browser::complete_by_touch;
use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;
use crate::survey::{full_answers, seed_desk};
use crate::webdriver::{Browser, Options, browser_available};

/// axe-core's script, installed by `npm ci --prefix tests/browser` (`.ci/run` does);
/// `None`, said, where it is not installed and CI did not require it.
fn axe_script() -> Option<String> {
    let path = crate::helpers::checkout_path("tests/browser/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(script) => Some(script),
        Err(error) => {
            assert!(
                std::env::var_os("SIPAS_TEST_REQUIRE_BROWSER").is_none(),
                "SIPAS_TEST_REQUIRE_BROWSER is set but {} cannot be read: {error}",
                path.display()
            );
            eprintln!(
                "axe-core is not installed (npm ci --prefix tests/browser): accessibility test skipped"
            );
            None
        }
    }
}

/// The violations axe-core finds on the page the browser shows, as
/// "impact rule: help (elements)" lines.
async fn violations(browser: &Browser, axe: &str) -> Vec<(String, String)> {
    browser.run(&format!("{axe}\nreturn true;"), json!([])).await;
    let found = browser
        .run_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => ({ impact: v.impact, id: v.id, help: v.help,
                                                        nodes: v.nodes.map(n => n.target.join(' ')) }))))
               .catch(e => done([{ impact: 'critical', id: 'axe-error', help: String(e), nodes: [] }]));",
            json!([]),
        )
        .await;
    found
        .as_array()
        .expect("a list of violations")
        .iter()
        .map(|v: &Value| {
            let impact = v["impact"].as_str().unwrap_or("unknown").to_string();
            (impact, format!("{}: {} ({})", v["id"], v["help"], v["nodes"]))
        })
        .collect()
}

async fn the_citizen_pages_have_no_serious_accessibility_violations(backend: Backend) {
    if !browser_available() {
        return;
    }
    let Some(axe) = axe_script() else { return };
    let app = spawn_app(backend).await;
    let code = seed_desk(&app, "sipas-2017");
    let browser = Browser::start(Options::phone()).await;
    let mut serious = Vec::new();
    let mut check = async |what: &str| {
        for (impact, violation) in violations(&browser, &axe).await {
            eprintln!("{what}: {impact} {violation}");
            if impact == "serious" || impact == "critical" {
                serious.push(format!("{what}: {impact} {violation}"));
            }
        }
    };

    // The check finds what it should: an image without words and a field without a label.
    browser
        .open("data:text/html,<html lang='vi'><title>t</title><main><input><img src='x.png'></main></html>")
        .await;
    let found: Vec<String> = violations(&browser, &axe)
        .await
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert!(
        found.iter().any(|v| v.starts_with("\"image-alt\""))
            && found.iter().any(|v| v.starts_with("\"label\"")),
        "{found:?}"
    );

    browser.open(&format!("{}/", app.address)).await;
    check("home page").await;
    browser.open(&format!("{}/s?code=KHONGCO", app.address)).await;
    check("unknown code").await;
    browser.open(&format!("{}/s/{code}", app.address)).await;
    assert!(browser.text().await.contains("* là câu bắt buộc"));
    check("questionnaire").await;
    // Sent with nothing chosen: the server's summary and the questions marked.
    browser.click_to_load(".nav button:last-child").await;
    assert!(
        browser
            .find(".summary")
            .await
            .text()
            .await
            .contains("câu chưa trả lời")
    );
    check("questionnaire with errors").await;
    // Every page of the stepped form, in English, then the thank-you page.
    browser.open(&format!("{}/s/{code}?lang=en", app.address)).await;
    let answers = full_answers(&app, "sipas-2017");
    complete_by_touch(&browser, &answers, async |page| {
        check(&format!("questionnaire page {page} in English")).await
    })
    .await;
    assert!(browser.text().await.contains("Thank you"));
    check("thank-you page").await;
    browser.open(&format!("{}/login", app.address)).await;
    check("sign-in page").await;

    assert!(serious.is_empty(), "{}", serious.join("\n"));
}

on_both_backends!(the_citizen_pages_have_no_serious_accessibility_violations);
