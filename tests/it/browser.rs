//! End to end in Debian's Chromium (headless, through chromedriver): a citizen answering
//! every shipped form on a phone with JavaScript on and off, desk staff signing in and printing
//! tickets whose QR codes scan, and an official signing in and reading the dashboard.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use sipas::auth::Role;

use crate::auth::{PASSWORD, add_user, seed_units};
use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with, wait_until_async};
use crate::indices::{app_with_test_form_and, seed_responses};
use crate::on_both_backends;
use crate::printed::{decode_cards, decode_grey, render_pdf};
use crate::survey::{full_answers, seed_desk};
use crate::tickets_staff::{add_desk, ticket_urls};
use crate::webdriver::{Browser, Options, browser_available};

/// Whether the page is wider than the window (a phone would scroll sideways).
async fn overflows(browser: &Browser) -> bool {
    let widths = browser
        .run(
            "return [document.documentElement.scrollWidth, window.innerWidth]",
            json!([]),
        )
        .await;
    widths[0].as_u64() > widths[1].as_u64()
}

/// Signs in through the login form the browser is on.
async fn sign_in_with_form(browser: &Browser, email: &str) {
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser.click_to_load("form[action='/login'] button").await;
}

/// Answers the questions of the page the browser shows as a citizen would: touching the
/// label of each option chosen (unless already chosen), typing numbers and comments.
/// Answers to questions on other pages are left for those pages. Returns the taps (a
/// field typed into counts as one).
pub async fn give_answers(browser: &Browser, answers: &[(String, String)]) -> usize {
    let mut taps = 0;
    for (question, value) in answers {
        let choice = format!("label:has(input[name='{question}'][value='{value}'])");
        let typed = format!("textarea[name='{question}'], input[type=number][name='{question}']");
        if !browser.find_all(&choice).await.is_empty() {
            let chosen = format!("input[name='{question}'][value='{value}']:checked");
            if browser.find_all(&chosen).await.is_empty() {
                browser.find(&choice).await.click().await;
                taps += 1;
            }
        } else if !browser.find_all(&typed).await.is_empty() {
            browser.fill(&typed, value).await;
            taps += 1;
        }
    }
    taps
}

/// What completing a form took: taps, pages, screens scrolled through (the page height
/// over the window's, summed over pages) and the largest page sent (compressed bytes).
#[derive(Debug, Default)]
pub struct Walk {
    pub taps: usize,
    pub pages: usize,
    pub screens: f64,
    pub largest_page: u64,
}

/// Completes the questionnaire the browser shows, page by page, pressing Next (or Send)
/// as a citizen would, until the thank-you page; `each_page` runs on every page first.
pub async fn complete_by_touch(
    browser: &Browser,
    answers: &[(String, String)],
    mut each_page: impl AsyncFnMut(usize),
) -> Walk {
    let mut walk = Walk::default();
    loop {
        walk.pages += 1;
        assert!(walk.pages < 20, "no end to the pages");
        assert!(!overflows(browser).await, "page {} fits the width", walk.pages);
        let sizes = browser
            .run(
                "const nav = performance.getEntriesByType('navigation')[0];
                 return [document.documentElement.scrollHeight, window.innerHeight,
                         nav ? nav.transferSize : 0];",
                json!([]),
            )
            .await;
        walk.screens += sizes[0].as_f64().unwrap() / sizes[1].as_f64().unwrap();
        walk.largest_page = walk.largest_page.max(sizes[2].as_u64().unwrap_or(0));
        each_page(walk.pages).await;
        walk.taps += give_answers(browser, answers).await;
        // The visible button that goes on: Next, or Send on the last page.
        browser.click_to_load(".nav button:last-child").await;
        walk.taps += 1;
        if browser.url().await.ends_with("/thanks") {
            return walk;
        }
    }
}

/// Every shipped form, completed by touch on a 390×844 phone with JavaScript on and off:
/// Next with nothing chosen keeps the citizen on the page with the server's summary; each
/// form ends on the thank-you page, stored once with every answer; the figures (taps,
/// pages, screens, bytes) are printed for the README.
async fn a_citizen_answers_on_a_phone_with_javascript_on_and_off(backend: Backend) {
    if !browser_available() {
        return;
    }
    let app = spawn_app_with(backend, crate::helpers::without_rate_limits).await;
    for form in ["quick-2025", "sipas-2017", "sipas-2023", "tt01-2018"] {
        let code = seed_desk(&app, form);
        let answers = full_answers(&app, form);
        for javascript in [true, false] {
            let browser = Browser::start(Options {
                javascript,
                ..Options::phone()
            })
            .await;
            // The setting holds: a page's own script runs only with JavaScript on.
            browser
                .open("data:text/html,<title>off</title><script>document.title='on'</script>")
                .await;
            let expected = if javascript { "on" } else { "off" };
            assert_eq!(browser.title().await, expected);

            // The short code typed on the home page, in lower case as people do.
            browser.open(&format!("{}/", app.address)).await;
            browser.fill("#code", &code.to_lowercase()).await;
            browser.click_to_load(".code-form button").await;
            assert!(browser.url().await.ends_with(&format!("/s/{code}")));
            assert_eq!(browser.run("return window.innerWidth", json!([])).await, 390);

            // Sent with nothing chosen: the server's summary, on the same page, nothing
            // stored (the browser's own bubbles are off: they pointed at hidden radios).
            let before = app.stored_responses().len();
            browser.click_to_load(".nav button:last-child").await;
            let summary = browser.find(".summary").await.text().await;
            assert!(summary.contains("câu chưa trả lời"), "{form}: {summary}");
            assert_eq!(app.stored_responses().len(), before);

            // From the start, as a citizen scanning the code.
            browser.open(&format!("{}/s/{code}", app.address)).await;
            let walk = complete_by_touch(&browser, &answers, async |_| {}).await;
            eprintln!(
                "{form}, JavaScript {}: {} taps, {} pages, {:.1} screens at 390×844, largest page {} bytes",
                if javascript { "on" } else { "off" },
                walk.taps,
                walk.pages,
                walk.screens,
                walk.largest_page
            );
            let thanks = browser.text().await;
            assert!(thanks.contains("Cảm ơn Ông/Bà đã góp ý!"), "{thanks}");
            if form == "quick-2025" {
                assert!(walk.taps <= 6 && walk.pages == 1, "the poster form: {walk:?}");
            }

            // Stored as answered, once.
            let stored = app.stored_responses();
            assert_eq!(stored.len(), before + 1, "{form}, JavaScript {javascript}");
            let response = stored.last().unwrap();
            assert_eq!(response.channel, "desk_qr");
            let mut conn = app.prepared.db.conn().unwrap();
            let mut values = sipas::db::responses::answers_of(&mut conn, response.id).unwrap();
            values.extend(sipas::db::responses::texts_of(&mut conn, response.id).unwrap());
            values.sort();
            let mut sent = answers.clone();
            sent.sort();
            assert_eq!(values, sent, "{form}, JavaScript {javascript}");

            // Back and send again: the page was used, the answer is not counted twice.
            // (A stepped form's last page came from a post, which the browser will not
            // show again from its history without asking: that case is `questionnaire.rs`'s.)
            if walk.pages == 1 {
                browser.back().await;
                browser.click_to_load(".nav button:last-child").await;
                assert_eq!(app.stored_responses().len(), before + 1);
            }
        }
    }
    crate::survey::assert_counts_match_answers(&app);
}

/// Screenshots of every page of every shipped form, at 390×844 and 320×640, in both
/// languages, into the directory `SIPAS_SCREENSHOTS` names (to look at, not compared):
/// `FORM-LANG-WIDTHxHEIGHT-pN.png`, then the thank-you page. Skipped when it is not set.
async fn screenshots_of_every_page(backend: Backend) {
    let Some(dir) = std::env::var_os("SIPAS_SCREENSHOTS") else {
        return;
    };
    if !browser_available() {
        return;
    }
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let app = spawn_app_with(backend, crate::helpers::without_rate_limits).await;
    for form in ["quick-2025", "sipas-2017", "sipas-2023", "tt01-2018"] {
        let code = seed_desk(&app, form);
        let answers = full_answers(&app, form);
        for (width, height) in [(390, 844), (320, 640)] {
            for lang in ["vi", "en"] {
                let browser = Browser::start(Options {
                    width,
                    height,
                    ..Options::phone()
                })
                .await;
                browser
                    .open(&format!("{}/s/{code}?lang={lang}", app.address))
                    .await;
                let name = |page: &str| dir.join(format!("{form}-{lang}-{width}x{height}-{page}.png"));
                complete_by_touch(&browser, &answers, async |page| {
                    std::fs::write(name(&format!("p{page}")), browser.screenshot().await).unwrap();
                })
                .await;
                std::fs::write(name("thanks"), browser.screenshot().await).unwrap();
            }
        }
    }
}

/// Waits for Chromium to finish a download into `dir`: the file's bytes. (Chromium writes
/// to a `.crdownload` file and renames it when done.)
async fn downloaded(dir: &Path, extension: &str) -> Vec<u8> {
    let done = || {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == extension))
    };
    wait_until_async(
        &format!("a .{extension} downloaded"),
        Duration::from_secs(2),
        || async { done().is_some() },
    )
    .await;
    std::fs::read(done().unwrap()).unwrap()
}

async fn desk_staff_sign_in_and_print_tickets_that_scan(backend: Backend) {
    if !browser_available() {
        return;
    }
    let app = spawn_app(backend).await;
    seed_units(&app);
    let desk = add_desk(&app, "C1", "Bộ phận Một cửa");
    add_user(&app, "motcua@c1.vn", Role::Staff, Some("C1"));
    let downloads = tempfile::tempdir().unwrap();
    let browser = Browser::start(Options {
        downloads: Some(downloads.path().to_path_buf()),
        ..Options::desktop()
    })
    .await;
    let tickets = || ticket_urls(&app, desk.id);

    // Signing in lands on the staff's desks.
    browser.open(&format!("{}/login", app.address)).await;
    sign_in_with_form(&browser, "motcua@c1.vn").await;
    assert!(
        browser.url().await.ends_with("/staff/"),
        "{}",
        browser.url().await
    );
    browser
        .click_to_load(&format!("a[href='/staff/desks/{}']", desk.id))
        .await;
    assert!(browser.text().await.contains("In phiếu khảo sát dùng một lần"));

    // Twelve tickets on A4 sheets, as a PDF download: every card scans to a ticket issued.
    browser.fill("#count", "12").await;
    browser.fill("#field", "Hộ tịch").await;
    browser.select("#layout", "sheet").await;
    browser.select("#format", "pdf").await;
    browser
        .find("form[action$='/tickets'] button")
        .await
        .click()
        .await;
    let pdf = downloaded(downloads.path(), "pdf").await;
    let issued = tickets();
    assert_eq!(issued.len(), 12);
    if let Some(pages) = render_pdf(&pdf, 150) {
        let scanned: BTreeSet<String> = pages.iter().flat_map(|page| decode_cards(page, 2, 5)).collect();
        assert_eq!(scanned, issued);
    }
    let stored = sipas::db::tickets::of_desk(&mut app.prepared.db.conn().unwrap(), desk.id).unwrap();
    assert!(
        stored
            .iter()
            .all(|t| t.procedure_field.as_deref() == Some("Hộ tịch"))
    );

    // Two more as a web page, printed by the browser itself: both codes scan.
    browser
        .open(&format!("{}/staff/desks/{}", app.address, desk.id))
        .await;
    browser.fill("#count", "2").await;
    browser.select("#format", "html").await;
    browser.click_to_load("form[action$='/tickets'] button").await;
    let printed = browser.print_pdf().await;
    let new: BTreeSet<String> = tickets().difference(&issued).cloned().collect();
    assert_eq!(new.len(), 2);
    if let Some(pages) = render_pdf(&printed, 150) {
        let scanned: BTreeSet<String> = pages
            .iter()
            .flat_map(|(w, h, pixels)| decode_grey(*w, *h, pixels))
            .collect();
        assert_eq!(scanned, new);
    }

    // A mistake comes back on the page, in words, and issues nothing.
    browser
        .open(&format!("{}/staff/desks/{}", app.address, desk.id))
        .await;
    browser.fill("#field", &"x".repeat(100)).await;
    browser
        .run("document.getElementById('count').value = '600'", json!([]))
        .await;
    browser
        .run(
            "document.querySelector('form[action$=\"/tickets\"]').noValidate = true",
            json!([]),
        )
        .await;
    browser.click_to_load("form[action$='/tickets'] button").await;
    assert!(
        browser
            .find(".error")
            .await
            .text()
            .await
            .contains("Số phiếu phải từ 1 đến 500")
    );
    assert_eq!(tickets().len(), 14);
}

async fn an_official_signs_in_and_reads_the_dashboard(backend: Backend) {
    if !browser_available() {
        return;
    }
    let app: TestApp = app_with_test_form_and(backend, |s| s.min_sample = 5).await;
    seed_responses(&app);
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    let browser = Browser::start(Options::desktop()).await;

    // The dashboard's address asks for a sign-in first, then shows the page asked for.
    let july = format!("{}/units/P1?form=test-indices&period=2025-07", app.address);
    browser.open(&july).await;
    assert!(browser.url().await.contains("/login"), "{}", browser.url().await);
    sign_in_with_form(&browser, "lanhdao@p1.vn").await;
    assert_eq!(browser.url().await, july);
    // The hand-computed July figures of indices.rs: e = 55 % (n = 6), up 55 points.
    assert_eq!(browser.find(".big").await.text().await, "55,00");
    let text = browser.text().await;
    assert!(text.contains("n = 6") && text.contains("+55,00"), "{text}");
    assert!(!overflows(&browser).await);

    // The other roll-up rule from the filters (folded under the period): the mean of C1
    // (58.33) and C2 (50).
    browser.find(".filter-box summary").await.click().await;
    browser.select("#f-rollup", "mean_of_children").await;
    browser.click_to_load("form.filters button").await;
    assert!(browser.url().await.contains("rollup=mean_of_children"));
    assert_eq!(
        browser.find(".big").await.text().await,
        "54,17",
        "{}",
        browser.url().await
    );

    // Down to a commune from the ranking, the filters kept.
    browser
        .click_to_load("section[aria-labelledby='h-children'] a[href^='/units/C1']")
        .await;
    assert!(
        browser.url().await.contains("/units/C1?"),
        "{}",
        browser.url().await
    );
    assert_eq!(browser.find(".big").await.text().await, "58,33");
    assert!(browser.text().await.contains("Xã Một"));
}

/// The smallest size, in CSS pixels, of the text of the trend the page shows.
async fn smallest_trend_text(browser: &Browser) -> f64 {
    let script = "const svg = [...document.querySelectorAll('svg.trend, svg.trend-narrow')]
          .find(s => s.getBoundingClientRect().width > 0);
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return Math.min(...[...svg.querySelectorAll('text')]
          .map(t => parseFloat(t.getAttribute('font-size')) * scale));";
    browser.run(script, json!([])).await.as_f64().unwrap()
}

/// The dashboard on a laptop (1366×768) and a phone (390×844): nothing wider than the
/// window, the trend's text at least 11 pixels, the ranking as cards on the phone; the
/// official report's PDF pages drawn as images. Screenshots are kept where
/// `SIPAS_TEST_SCREENSHOTS` says.
async fn the_dashboard_reads_on_a_laptop_and_a_phone(backend: Backend) {
    if !browser_available() {
        return;
    }
    let app: TestApp = app_with_test_form_and(backend, |s| s.min_sample = 2).await;
    seed_responses(&app);
    crate::indices::respond_with_comment(
        &app,
        "C1",
        crate::indices::utc(2025, 7, 15, 3, 0),
        sipas::responses::Channel::DeskQr,
        &[("q1", "2")],
        Some("Phải chờ gần hai tiếng mới đến lượt, không có chỗ ngồi cho người cao tuổi."),
    );
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    let july = format!("{}/units/P1?form=test-indices&period=2025-07", app.address);
    for (name, options) in [
        (
            "dashboard-1366",
            Options {
                width: 1366,
                height: 768,
                ..Options::desktop()
            },
        ),
        ("dashboard-390", Options::phone()),
    ] {
        let phone = options.width < 600;
        let browser = Browser::start(options).await;
        browser.open(&july).await;
        sign_in_with_form(&browser, "lanhdao@p1.vn").await;
        assert!(!overflows(&browser).await, "{name} scrolls sideways");
        let smallest = smallest_trend_text(&browser).await;
        assert!(smallest >= 11.0, "{name}: trend text of {smallest} px");
        let ranking_display = browser
            .run(
                "return getComputedStyle(document.querySelector('table.ranking tr')).display",
                json!([]),
            )
            .await;
        assert_eq!(
            ranking_display == json!("grid"),
            phone,
            "{name}: {ranking_display}"
        );
        browser.keep_screenshot(name).await;
        browser
            .run("window.scrollTo(0, document.body.scrollHeight / 3)", json!([]))
            .await;
        browser.keep_screenshot(&format!("{name}-lower")).await;
        // The pages the dashboard leads to read at the same width.
        for (page, path) in [("breakdowns", "breakdowns"), ("inbox", "comments")] {
            browser
                .open(&format!(
                    "{}/units/P1/{path}?form=test-indices&period=2025-07",
                    app.address
                ))
                .await;
            assert!(!overflows(&browser).await, "{name}: {page} scrolls sideways");
            browser.keep_screenshot(&format!("{name}-{page}")).await;
        }
    }
    // The official report's pages, as a printer would draw them.
    let (client, _) = crate::auth::sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let pdf = client
        .get(format!(
            "{}/units/P1/report.pdf?form=test-indices&period=2025-07",
            app.address
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    if let Some(pages) = render_pdf(&pdf, 100) {
        assert!(pages.len() >= 2, "the report and its appendix");
    }
    if let Some(dir) = std::env::var_os("SIPAS_TEST_SCREENSHOTS") {
        std::fs::write(Path::new(&dir).join("report.pdf"), &pdf).unwrap();
    }
}

on_both_backends!(
    the_dashboard_reads_on_a_laptop_and_a_phone,
    a_citizen_answers_on_a_phone_with_javascript_on_and_off,
    screenshots_of_every_page,
    desk_staff_sign_in_and_print_tickets_that_scan,
    an_official_signs_in_and_reads_the_dashboard,
);
