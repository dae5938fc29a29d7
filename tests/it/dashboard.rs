//! The officials' dashboard `/units/{code}` and its downloads, on the hand-computed
//! dataset of `indices.rs` (minimum sample 5): the figures as written in each language,
//! the filters, empty periods, units without children or with only small samples,
//! comments (escaped, searched, paged, scoped), and downloads scoped to the official.

use sipas::auth::Role;
use sipas::responses::Channel;

use crate::auth::{PASSWORD, add_user, sign_in};
use crate::helpers::{Backend, TestApp, client, page, run, stderr, stdout};
use crate::indices::{
    app_with_test_form_and, respond_in_field, respond_with_comment, seed_responses, sipas_with_test_form, utc,
};
use crate::on_both_backends;

async fn app(backend: Backend) -> TestApp {
    let app = app_with_test_form_and(backend, |s| s.min_sample = 5).await;
    seed_responses(&app);
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    add_user(&app, "lanhdao@c1.vn", Role::Official, Some("C1"));
    app
}

/// The page's text between two markers (the first after `from`).
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html.find(from).unwrap_or_else(|| panic!("{from} in the page")) + from.len();
    let end = html[start..].find(to).map_or(html.len(), |e| start + e);
    &html[start..end]
}

const JULY: &str = "/units/P1?form=test-indices&period=2025-07";

async fn the_dashboard_shows_the_hand_computed_figures(backend: Backend) {
    let app = app(backend).await;
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (status, html) = page(&browser, &app, JULY).await;
    assert_eq!(status, 200, "{html}");
    // P1 pooled in July (indices.rs): e = 55 % [20.92, 84.74], n = min(6, 5) = 5, six
    // responses; June held r7 only, whose e is 0, so the change is +55 points.
    assert_eq!(between(&html, r#"class="big">"#, "<"), "55,00");
    assert!(html.contains("n = 5"));
    assert!(html.contains("[20,92 – 84,74]"));
    assert!(html.contains("+55,00"));
    assert!(html.contains("01/07/2025 – 31/07/2025"));
    // The children by e: C1 58.33 (n = 3) before C2 50 (n = 2), both below the minimum
    // sample of 5, so unranked and marked so.
    let ranking = between(&html, r#"id="h-children""#, "</table>");
    let (c1, c2) = (ranking.find("Xã Một").unwrap(), ranking.find("Xã Hai").unwrap());
    assert!(c1 < c2, "{ranking}");
    assert!(ranking.contains("58,33") && ranking.contains("50,00"));
    assert_eq!(ranking.matches("mẫu nhỏ").count(), 2, "{ranking}");
    assert!(
        ranking.contains(r#"href="/units/C1?form=test-indices&#38;period=2025-07""#),
        "{ranking}"
    );
    // Criteria and their element as bars, other indices as their own group.
    assert!(html.contains("Tiêu chí 1") && html.contains("Chọn A"));
    assert!(html.contains(r#"<svg class="bar""#));
    // Channels: r1, r4, r5, r6 by desk QR, r2 a ticket, r3 paper.
    let channels = between(&html, r#"id="h-channels""#, "</table>");
    assert!(
        channels.contains("Mã QR / mã quầy</td><td class=\"num\">4"),
        "{channels}"
    );
    // The trend: twelve months ending July 2025, a mark per month with a value.
    let trend = between(&html, r#"<svg class="trend""#, "</svg>");
    assert!(trend.contains(">08/24<") && trend.contains(">07/25<"));
    assert_eq!(trend.matches("<circle").count(), 2, "June (r7) and July");
    // A response added later to a month already shown (a paper questionnaire typed in)
    // shows at once: June held r7 only (e = 0); with a second June response at 5 and 5,
    // c1 = c2 = 50 % and e = 50.
    assert!(trend.contains(">0,0<"), "{trend}");
    respond_with_comment(
        &app,
        "C2",
        utc(2025, 6, 15, 3, 0),
        Channel::Paper,
        &[("q1", "5"), ("q2", "5")],
        None,
    );
    let (_, html) = page(&browser, &app, JULY).await;
    let trend = between(&html, r#"<svg class="trend""#, "</svg>");
    assert!(trend.contains(">50,0<") && !trend.contains(">0,0<"), "{trend}");
    // English: the same figures written the English way.
    let (_, english) = page(&browser, &app, &format!("{JULY}&lang=en")).await;
    assert_eq!(between(&english, r#"class="big">"#, "<"), "55.00");
    assert!(english.contains("[20.92 – 84.74]") && english.contains("1 Jul 2025 – 31 Jul 2025"));
}

async fn filters_change_the_page_and_bad_ones_are_refused(backend: Backend) {
    let app = app(backend).await;
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    // The other roll-up: e = (58.33 + 50) / 2 = 54.17.
    let (_, html) = page(&browser, &app, &format!("{JULY}&rollup=mean_of_children")).await;
    assert_eq!(between(&html, r#"class="big">"#, "<"), "54,17");
    // Sorted by name: Xã Hai before Xã Một.
    let (_, html) = page(&browser, &app, &format!("{JULY}&sort=name")).await;
    let ranking = between(&html, r#"id="h-children""#, "</table>");
    assert!(ranking.find("Xã Hai").unwrap() < ranking.find("Xã Một").unwrap());
    // A quarter holds r1–r6 and r8 (seven responses); a range of days the same.
    let (_, html) = page(&browser, &app, "/units/P1?form=test-indices&period=2025Q3").await;
    assert!(
        html.contains("7 phiếu"),
        "{}",
        between(&html, "class=\"headline\"", "</section>")
    );
    let (_, html) = page(
        &browser,
        &app,
        "/units/P1?form=test-indices&from=2025-07-01&to=2025-09-30",
    )
    .await;
    assert!(html.contains("7 phiếu"));
    assert!(
        html.contains(r#"value="2025-07-01""#),
        "the range stays in the form"
    );
    // An empty period: no value, nothing by channel, no comments.
    let (status, html) = page(&browser, &app, "/units/P1?form=test-indices&period=2024").await;
    assert_eq!(status, 200);
    assert_eq!(between(&html, r#"class="big">"#, "<"), "—");
    assert!(html.contains("Chưa có phiếu trong kỳ."));
    // A unit without children.
    let (_, html) = page(&browser, &app, "/units/C1?form=test-indices&period=2025-07").await;
    assert!(html.contains("Đơn vị không có đơn vị trực thuộc."));
    assert_eq!(between(&html, r#"class="big">"#, "<"), "58,33");
    assert!(html.contains(r#"<a href="/units/P1?form=test-indices&#38;period=2025-07">Tỉnh Một</a>"#));
    // Bad filters: a clear 400 in the page's language, never a 500.
    for (query, words) in [
        ("period=2025Q5", "2025Q5"),
        ("period=2025&from=2025-01-01", "--period"),
        ("from=2025-02-01&to=2025-01-01", "2025-02-01"),
        ("form=khong-co", "khong-co"),
        ("rollup=median", "median"),
        ("sort=random", "random"),
        ("page=-1", "-1"),
    ] {
        let (status, html) = page(&browser, &app, &format!("/units/P1?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(html.contains(words), "{query}: {html}");
    }
}

async fn comments_are_escaped_searched_paged_and_scoped(backend: Backend) {
    let app = app(backend).await;
    // 23 comments in C1 in July, one in C2 with markup, one in D1 (another province).
    for i in 0..23 {
        let at = utc(2025, 7, 20, 1, i);
        respond_with_comment(
            &app,
            "C1",
            at,
            Channel::DeskQr,
            &[("q1", "4")],
            Some(&format!("ý kiến số {i:02}")),
        );
    }
    let at = utc(2025, 7, 21, 1, 0);
    respond_with_comment(
        &app,
        "C2",
        at,
        Channel::DeskQr,
        &[],
        Some("<script>alert(1)</script> Chờ LÂU"),
    );
    respond_with_comment(&app, "D1", at, Channel::DeskQr, &[], Some("tỉnh khác"));
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (_, html) = page(&browser, &app, JULY).await;
    let comments = between(&html, r#"id="h-comments""#, "</section>");
    assert!(comments.starts_with(">Ý kiến của người dân (24)<"), "{comments}");
    // Newest first: C2's comment, then C1's from 22 down; twenty on the first page.
    assert_eq!(comments.matches(r#"<div class="comment">"#).count(), 20);
    assert!(comments.find("&#60;script&#62;").unwrap() < comments.find("ý kiến số 22").unwrap());
    assert!(!comments.contains("<script>") && !comments.contains("tỉnh khác"));
    assert!(!comments.contains("ý kiến số 03"));
    let older = between(comments, r#"<p class="pager"><a href=""#, "\"").replace("&#38;", "&");
    assert!(older.ends_with("page=2#h-comments"), "{older}");
    let (_, html) = page(&browser, &app, &older.replace("#h-comments", "")).await;
    let comments = between(&html, r#"id="h-comments""#, "</section>");
    assert_eq!(comments.matches(r#"<div class="comment">"#).count(), 4);
    assert!(comments.contains("ý kiến số 00") && comments.contains("Mới hơn"));
    // Search: case-blind for unaccented letters; nothing found says so.
    let (_, html) = page(&browser, &app, &format!("{JULY}&q=chờ")).await;
    let comments = between(&html, r#"id="h-comments""#, "</section>");
    assert_eq!(
        comments.matches(r#"<div class="comment">"#).count(),
        1,
        "{comments}"
    );
    let (_, html) = page(&browser, &app, &format!("{JULY}&q=100%25_")).await;
    assert!(html.contains("Không có ý kiến nào."));
    // An official of C1 sees C1's comments only.
    let (browser, _) = sign_in(&app, "lanhdao@c1.vn", PASSWORD).await;
    let (_, html) = page(&browser, &app, "/units/C1?form=test-indices&period=2025-07").await;
    assert!(!html.contains("&#60;script&#62;") && html.contains("ý kiến số 22"));
}

async fn downloads_hold_the_responses_the_official_may_see(backend: Backend) {
    let app = app(backend).await;
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let get = |path: String| browser.get(format!("{}{path}", app.address)).send();
    let response = get("/units/P1/export.csv?form=test-indices&period=2025-07".to_string())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("sipas-P1-test-indices-2025-07.csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    // A header and r1–r6 (r7 is June, r8 August, r9 in P2).
    assert_eq!(lines.len(), 7, "{csv}");
    assert!(lines[0].contains("response_id") && lines[0].contains("q1"));
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(",C1,") || l.contains(",C2,"))
    );
    let xlsx = get("/units/P1/export.xlsx?form=test-indices&period=2025".into())
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let parquet = get("/units/P1/export.parquet?form=test-indices&period=2025".into())
        .await
        .unwrap();
    let bytes = parquet.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    // The downloads the page links to carry its filters.
    let (_, html) = page(&browser, &app, JULY).await;
    assert!(html.contains(r#"href="/units/P1/export.csv?form=test-indices&#38;period=2025-07""#));
    assert!(html.contains(r#"href="/api/v1/units/P1/report?form=test-indices&#38;period=2025-07""#));
    // Bad filters are refused before anything is sent; an unknown format is not found.
    let bad = get("/units/P1/export.csv?form=test-indices&period=2025-13".into())
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let unknown = get("/units/P1/export.pdf?form=test-indices".into())
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    // An official of C1 gets C1's responses, and nothing of P1.
    let (browser, _) = sign_in(&app, "lanhdao@c1.vn", PASSWORD).await;
    let get = |path: &str| browser.get(format!("{}{path}", app.address)).send();
    let csv = get("/units/C1/export.csv?form=test-indices&period=2025-07")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert_eq!(
        get("/units/P1/export.csv?form=test-indices")
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn the_procedure_field_narrows_the_figures_comments_and_downloads(backend: Backend) {
    let app = app(backend).await;
    // August 2025 held r8 (C1, no field); two more: C1 «Hộ tịch» at 5 and 5 (e = 100),
    // C2 «Đất đai» at 1 and 1 (e = 0), each with a comment.
    let answers = |q: &'static str| [("q1", q), ("q2", q)];
    let august = |day| utc(2025, 8, day, 3, 0);
    respond_in_field(
        &app,
        "C1",
        august(5),
        Channel::Ticket,
        &answers("5"),
        Some("nhanh gọn"),
        Some("Hộ tịch"),
    );
    respond_in_field(
        &app,
        "C2",
        august(6),
        Channel::Paper,
        &answers("1"),
        Some("chậm quá"),
        Some("Đất đai"),
    );
    // A field named with markup is shown as text wherever it appears.
    respond_in_field(
        &app,
        "C2",
        august(7),
        Channel::Paper,
        &answers("3"),
        None,
        Some("<b>x</b>"),
    );
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let august_page = "/units/P1?form=test-indices&period=2025-08";
    let (_, html) = page(&browser, &app, august_page).await;
    assert!(html.contains("4 phiếu"), "r8 and the three new ones");
    let offered = between(&html, r#"<select id="f-field""#, "</select>");
    assert!(
        offered.contains("<option>&#60;b&#62;x&#60;/b&#62;</option>"),
        "{offered}"
    );
    assert!(!html.contains("<b>x</b>"));
    assert!(
        offered.contains("<option>Hộ tịch</option>") && offered.contains("<option>Đất đai</option>"),
        "{offered}"
    );
    let field = serde_urlencoded::to_string([("field", "Hộ tịch")]).unwrap();
    let (status, html) = page(&browser, &app, &format!("{august_page}&{field}")).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(between(&html, r#"class="big">"#, "<"), "100,00");
    assert!(html.contains("1 phiếu") && html.contains("lĩnh vực «Hộ tịch»"));
    assert!(
        between(&html, r#"<select id="f-field""#, "</select>").contains("<option selected>Hộ tịch</option>")
    );
    let comments = between(&html, r#"id="h-comments""#, "</section>");
    assert!(
        comments.contains("nhanh gọn") && !comments.contains("chậm quá"),
        "{comments}"
    );
    // Links down the ranking and the downloads keep the field.
    assert!(html.contains(&format!(
        "/units/C1?form=test-indices&#38;period=2025-08&#38;{field}"
    )));
    let (_, csv) = page(
        &browser,
        &app,
        &format!("/units/P1/export.csv?form=test-indices&period=2025-08&{field}"),
    )
    .await;
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.lines().next().unwrap().contains("procedure_field"));
    assert!(csv.contains(",Hộ tịch,"), "{csv}");
    // The report document narrowed the same way, through the API.
    let land = serde_urlencoded::to_string([("field", "Đất đai")]).unwrap();
    let report: serde_json::Value = browser
        .get(format!(
            "{}/api/v1/units/P1/report?form=test-indices&period=2025-08&{land}",
            app.address
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (report["responses"].as_i64(), report["field"].as_str()),
        (Some(1), Some("Đất đai"))
    );
    assert_eq!(report["indices"]["e"]["value"].as_f64(), Some(0.0));
    // A field with control characters or too long for one: a 400 that says why.
    for (bad, words) in [
        ("H%01", "ký tự điều khiển"),
        (&*"x".repeat(101), "dài quá 100 ký tự"),
    ] {
        let (status, html) = page(&browser, &app, &format!("{august_page}&field={bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(html.contains(words), "{html}");
    }
}

async fn a_public_page_opens_only_when_asked_and_hides_small_samples(backend: Backend) {
    let app = app(backend).await;
    respond_with_comment(
        &app,
        "C1",
        utc(2025, 7, 20, 1, 0),
        Channel::DeskQr,
        &[],
        Some("bí mật"),
    );
    let anyone = client();
    let public = |path: &'static str| {
        let anyone = anyone.clone();
        let address = app.address.clone();
        async move {
            let response = anyone.get(format!("{address}{path}")).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    const P1: &str = "/public/units/P1?form=test-indices&period=2025-07";
    const C1: &str = "/public/units/C1?form=test-indices&period=2025-07";
    // Closed until opened, and then the same as a unit that does not exist.
    assert_eq!(public(P1).await.0, 404);
    assert_eq!(public("/public/units/NOPE").await.0, 404);
    // Opened from the command line.
    let output = run(sipas_with_test_form(&app.db).args(["units", "publish", "P1"]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("/public/units/P1"));
    let failed = run(sipas_with_test_form(&app.db).args(["units", "publish", "NOPE"]));
    assert!(!failed.status.success() && stderr(&failed).contains("NOPE"));
    let (status, html) = public(P1).await;
    assert_eq!(status, 200);
    // P1: n = 5 ≥ 5, so e = 55 % is shown; C1's page stays closed.
    assert_eq!(between(&html, r#"class="big">"#, "<"), "55,00");
    assert!(!html.contains("bí mật") && !html.contains("export") && !html.contains("Xã Một"));
    assert_eq!(public(C1).await.0, 404);
    // Opened by an administrator: C1 has n = 4 < 5, so no value is published.
    add_user(&app, "admin@sipas.vn", Role::Admin, None);
    let (admin, csrf) = sign_in(&app, "admin@sipas.vn", PASSWORD).await;
    let fields = [
        ("_csrf", csrf.as_str()),
        ("name", "Xã Một"),
        ("kind", "xã"),
        ("public", "on"),
    ];
    assert_eq!(
        app.post_form(&admin, "/admin/units/C1", &fields).await.status(),
        303
    );
    let (status, html) = public(C1).await;
    assert_eq!(status, 200);
    assert_eq!(between(&html, r#"class="big">"#, "<"), "—");
    assert!(
        !html.contains("58,33") && !html.contains("[17,88"),
        "no small-sample figure"
    );
    assert!(html.contains("Chưa đủ 5 người trả lời để công bố."));
    // Unticked: closed again.
    let fields = [("_csrf", csrf.as_str()), ("name", "Xã Một"), ("kind", "xã")];
    assert_eq!(
        app.post_form(&admin, "/admin/units/C1", &fields).await.status(),
        303
    );
    assert_eq!(public(C1).await.0, 404);
    // Bad filters get a clear 400 here too.
    assert_eq!(public("/public/units/P1?period=2025Q9").await.0, 400);
}

/// Tickets printed on 20 July 2025: eight at C1's desk, three of them answered, and two at
/// C2's, none answered. The July page of C1 reads 8 issued, 3 answered, 3 / 8 = 37.50 %;
/// P1's 10, 3 and 30.00 %; the page of a month without tickets, a dash.
async fn the_response_rate_counts_the_tickets_answered_of_those_issued(backend: Backend) {
    let app = app(backend).await;
    let printed = |unit: &str, count: usize| {
        let mut conn = app.prepared.db.conn().unwrap();
        let desk = sipas::desks::add(
            &mut conn,
            unit,
            "Một cửa",
            sipas::desks::DeskForms::both("test-indices"),
            &app.prepared.forms.ids(),
        )
        .unwrap();
        let issue = sipas::codes::tickets::Issue {
            desk: &desk,
            count,
            procedure_code: None,
            procedure_field: None,
            // Printed in July, valid long enough to be answered today.
            valid_days: 36_500,
            now: utc(2025, 7, 20, 3, 0),
            time_zone: chrono_tz::Asia::Ho_Chi_Minh,
        };
        sipas::codes::tickets::issue(&mut conn, &issue).unwrap()
    };
    let c1 = printed("C1", 8);
    printed("C2", 2);
    let answers = crate::survey::full_answers(&app, "test-indices");
    for ticket in &c1[..3] {
        assert_eq!(app.answer(&ticket.code, &answers).await.status(), 303);
    }
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let tickets = |html: &str| {
        let section = between(html, r#"id="h-tickets""#, "</table>");
        section
            .split(r#"<td class="num">"#)
            .skip(1)
            .map(|cell| cell.split('<').next().unwrap().to_string())
            .collect::<Vec<String>>()
    };
    let (_, html) = page(&browser, &app, "/units/C1?form=test-indices&period=2025-07").await;
    assert_eq!(tickets(&html), ["8", "3", "37,50 %"]);
    let (_, html) = page(&browser, &app, JULY).await;
    assert_eq!(tickets(&html), ["10", "3", "30,00 %"]);
    let (_, html) = page(&browser, &app, "/units/P1?form=test-indices&period=2025-06").await;
    assert_eq!(tickets(&html), ["0", "0", "—"]);
}

/// The July figures with a minimum sample of 2, so that both communes may be ranked (C1's
/// e rests on 3 answers, C2's on 2): C1 58.33 first, C2 50 second.
async fn rankable_app(backend: Backend) -> TestApp {
    let app = app_with_test_form_and(backend, |s| s.min_sample = 2).await;
    seed_responses(&app);
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    add_user(&app, "lanhdao@c1.vn", Role::Official, Some("C1"));
    add_user(&app, "lanhdao@c2.vn", Role::Official, Some("C2"));
    app
}

/// The report document the API gives for the same filters.
async fn report_document(browser: &reqwest::Client, app: &TestApp, query: &str) -> serde_json::Value {
    browser
        .get(format!("{}/api/v1/units/P1/report?{query}", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The page reads in the order an official asks: the headline, the element cards, what
/// to fix first, the trend, the ranking, the comments, then the details; the statistics
/// folded into «Cách tính». The cards and the weakest criteria are the report document's
/// figures, the highest and lowest units its ranking's.
async fn the_page_leads_with_cards_and_what_to_fix_first(backend: Backend) {
    let app = rankable_app(backend).await;
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (status, html) = page(&browser, &app, JULY).await;
    assert_eq!(status, 200, "{html}");
    let order = [
        r#"class="headline""#,
        r#"id="h-cards""#,
        r#"id="h-focus""#,
        r#"id="h-trend""#,
        r#"id="h-children""#,
        r#"id="h-comments""#,
        r#"class="details-title""#,
        r#"id="h-channels""#,
    ];
    let places: Vec<usize> = order
        .iter()
        .map(|marker| {
            html.find(marker)
                .unwrap_or_else(|| panic!("{marker} on the page"))
        })
        .collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "{order:?} at {places:?}");
    // The interval and n are in the folded «Cách tính», inside the headline box.
    let headline = between(&html, r#"class="headline""#, "</section>");
    let folded = between(
        headline,
        r#"<details class="method" id="cach-tinh">"#,
        "</details>",
    );
    assert!(
        folded.contains("n = 5") && folded.contains("[20,92 – 84,74]"),
        "{folded}"
    );
    assert!(!headline.contains("<details class=\"method\" id=\"cach-tinh\" open"));

    let document = report_document(&browser, &app, "form=test-indices&period=2025-07").await;
    let value = |id: &str| document["indices"][id]["value"].as_f64().unwrap();
    let written = |v: f64| format!("{v:.2}").replace('.', ",");
    // The test form has no elements: its cards are the headline's components, c1 and c2
    // (50 % and 60 %), each with its level in words.
    let cards = between(&html, r#"<ul class="cards">"#, "</ul>");
    let (c1, c2) = (
        cards.find("Tiêu chí 1").unwrap(),
        cards.find("Tiêu chí 2").unwrap(),
    );
    assert!(c1 < c2, "{cards}");
    for id in ["c1", "c2"] {
        assert!(
            cards.contains(&format!(r#"<span class="value">{}</span>"#, written(value(id)))),
            "{id}: {cards}"
        );
    }
    assert_eq!(cards.matches("mức D (dưới 70)").count(), 2, "{cards}");
    // The weakest criteria, lowest first, as the document has them.
    let mut criteria = [("Tiêu chí 1", value("c1")), ("Tiêu chí 2", value("c2"))];
    criteria.sort_by(|a, b| a.1.total_cmp(&b.1));
    let weakest = between(&html, r#"<ol class="weakest">"#, "</ol>");
    let expected: String = criteria
        .iter()
        .map(|(name, v)| format!("<li>{name}: <strong>{}</strong></li>", written(*v)))
        .collect();
    assert_eq!(weakest, expected);
    // The highest and the lowest ranked units: C1 (rank 1) and C2 (rank 2).
    let ranks: Vec<(String, i64)> = document["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["rank"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ranks, [("Xã Một".to_string(), 1), ("Xã Hai".to_string(), 2)]);
    let highest = between(&html, r#"<ul class="highest">"#, "</ul>");
    assert!(
        highest.contains("Hạng 1") && highest.contains("Xã Một") && highest.contains("58,33"),
        "{highest}"
    );
    let lowest = between(&html, r#"<ul class="lowest">"#, "</ul>");
    assert!(
        lowest.contains("Hạng 2") && lowest.contains("Xã Hai") && lowest.contains("50,00"),
        "{lowest}"
    );
    // A phone gets its own trend and the ranking as labelled cards.
    assert!(html.contains(r#"<svg class="trend-narrow""#));
    assert!(html.contains(r#"data-label="Số phiếu""#));
}

/// With the minimum sample at 5 neither commune may be ranked: the lists of units are
/// left out rather than shown empty.
async fn units_that_may_not_be_ranked_are_not_praised_or_blamed(backend: Backend) {
    let app = app(backend).await;
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (_, html) = page(&browser, &app, JULY).await;
    assert!(html.contains(r#"id="h-focus""#) && html.contains(r#"<ol class="weakest">"#));
    assert!(!html.contains(r#"<ul class="highest">"#) && !html.contains(r#"<ul class="lowest">"#));
    // A unit without desks shows no empty «Quầy tiếp nhận (0)».
    assert!(!html.contains(r#"id="h-desks""#));
    // A period without answers has nothing to fix first.
    let (_, html) = page(&browser, &app, "/units/P1?form=test-indices&period=2024").await;
    assert!(!html.contains(r#"id="h-focus""#));
}

/// A commune official sees the commune's rank among its siblings and the province's
/// figure, and nothing else of the siblings; the province's page stays closed to them.
async fn a_commune_official_sees_where_the_commune_stands(backend: Backend) {
    let app = rankable_app(backend).await;
    let (browser, _) = sign_in(&app, "lanhdao@c2.vn", PASSWORD).await;
    let (status, html) = page(&browser, &app, "/units/C2?form=test-indices&period=2025-07").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        between(&html, r#"<p class="standing">"#, "</p>"),
        "Hạng 2/2 trong Tỉnh Một; chỉ số chung của Tỉnh Một: 55,00"
    );
    assert!(
        !html.contains("Xã Một") && !html.contains("58,33"),
        "a sibling shown"
    );
    let (_, english) = page(
        &browser,
        &app,
        "/units/C2?form=test-indices&period=2025-07&lang=en",
    )
    .await;
    assert_eq!(
        between(&english, r#"<p class="standing">"#, "</p>"),
        "Rank 2/2 in Tỉnh Một; overall figure of Tỉnh Một: 55.00"
    );
    let (status, _) = page(&browser, &app, JULY).await;
    assert_eq!(status, 403);
    // June: C1 has one answer (r7, below the minimum sample), C2 none; P1's e is 0.
    let (browser, _) = sign_in(&app, "lanhdao@c1.vn", PASSWORD).await;
    let (_, html) = page(&browser, &app, "/units/C1?form=test-indices&period=2025-06").await;
    assert_eq!(
        between(&html, r#"<p class="standing">"#, "</p>"),
        "Chưa được xếp hạng trong Tỉnh Một (mẫu nhỏ; đã xếp hạng 0/2 đơn vị); chỉ số chung của Tỉnh Một: 0,00"
    );
    // The province itself has no parent, so no standing.
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (_, html) = page(&browser, &app, JULY).await;
    assert!(!html.contains(r#"class="standing""#));
}

/// The cells of the table under a heading of the breakdown page: (group, n, %).
fn breakdown_table(html: &str, title: &str) -> Vec<(String, String, String)> {
    let table = between(html, &format!("<h2>{title}</h2>"), "</table>");
    table
        .split("<tr")
        .skip(2)
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td")
                .skip(1)
                .map(|c| {
                    c.split('>')
                        .nth(1)
                        .unwrap()
                        .split('<')
                        .next()
                        .unwrap()
                        .to_string()
                })
                .collect();
            (cells[0].clone(), cells[1].clone(), cells[2].clone())
        })
        .collect()
}

/// Satisfaction by who answered, on July's six answers in P1 (the share of q1 at 4–5,
/// as «Tiêu chí 1» counts it): by channel, desk QR 4 answers (r1, r5 satisfied: 50 %),
/// a ticket 1 (100 %), paper 1 (0 %). With a minimum sample of 2 the ticket and the paper
/// are shown together (2 answers, 50 %); with 3, not at all — in the page and in the
/// official workbook.
async fn satisfaction_by_respondent_never_shows_a_small_group(backend: Backend) {
    let app = rankable_app(backend).await;
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (status, html) = page(
        &browser,
        &app,
        "/units/P1/breakdowns?form=test-indices&period=2025-07",
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Tiêu chí 1 · Tháng 07/2025"), "{html}");
    let row = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        breakdown_table(&html, "Kênh trả lời"),
        [
            row("Mã QR / mã quầy", "4", "50,00"),
            row("Các nhóm dưới 2 phiếu (gộp)", "2", "50,00")
        ]
    );
    assert_eq!(
        breakdown_table(&html, "Quầy"),
        [row("Không qua quầy", "6", "50,00")]
    );
    assert!(!html.contains("Phiếu một lần"), "a group of one shown alone");
    let (dashboard_status, dashboard) = page(&browser, &app, JULY).await;
    assert_eq!(dashboard_status, 200);
    assert!(dashboard.contains(r#"href="/units/P1/breakdowns?form=test-indices&#38;period=2025-07""#));
    // A minimum sample of 3: the two small groups stay out, and the page says so.
    let path = app.db.dir.path().join("theo-nhom.xlsx");
    run_ok_report(&app, &path, "3");
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let sheet = workbook.worksheet_range("Theo người trả lời").unwrap();
    let channel: Vec<Vec<String>> = sheet
        .rows()
        .filter(|r| r[0] == "Kênh trả lời")
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(channel.len(), 2, "{channel:?}");
    assert_eq!(&channel[0][1..4], ["Mã QR / mã quầy", "4", "50"]);
    assert_eq!(
        channel[1][4],
        "Không hiện 2 nhóm dưới 3 phiếu (kể cả khi gộp lại)."
    );
    // The page refuses bad filters with a reason, like the dashboard.
    let (status, _) = page(&browser, &app, "/units/P1/breakdowns?period=2025Q9").await;
    assert_eq!(status, 400);
    // A commune's official reads their own only.
    let (commune, _) = sign_in(&app, "lanhdao@c1.vn", PASSWORD).await;
    assert_eq!(
        page(&commune, &app, "/units/P1/breakdowns?form=test-indices")
            .await
            .0,
        403
    );
}

/// `sipas report --format xlsx` for P1 in July with the minimum sample given.
fn run_ok_report(app: &TestApp, path: &std::path::Path, min_sample: &str) {
    crate::helpers::run_ok(
        sipas_with_test_form(&app.db)
            .env("SIPAS_MIN_SAMPLE", min_sample)
            .args([
                "report",
                "--unit",
                "P1",
                "--form",
                "test-indices",
                "--period",
                "2025-07",
            ])
            .args(["--format", "xlsx", "-o"])
            .arg(path),
    );
}

/// A minimum sample of 6: June (r7) and July (e on 5 answers) are both small samples, so
/// the trend reads by quarter: Q2/2025 holds r7 (e = 0), Q3/2025 July and r8 in August —
/// c1 4 of 7 = 57.14 %, c2 4 of 6 = 66.67 %, e = 61.90 %.
async fn a_unit_with_few_answers_a_month_reads_its_trend_by_quarter(backend: Backend) {
    let app = app_with_test_form_and(backend, |s| s.min_sample = 6).await;
    seed_responses(&app);
    add_user(&app, "lanhdao@p1.vn", Role::Official, Some("P1"));
    let (browser, _) = sign_in(&app, "lanhdao@p1.vn", PASSWORD).await;
    let (status, html) = page(&browser, &app, JULY).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Diễn biến 4 quý") && html.contains("Theo quý vì phần lớn các tháng"));
    let trend = between(&html, r#"<svg class="trend""#, "</svg>");
    for label in [">Q4/24<", ">Q1/25<", ">Q2/25<", ">Q3/25<", ">61,9<", ">0,0<"] {
        assert!(trend.contains(label), "{label} in {trend}");
    }
    assert!(!trend.contains(">07/25<"));
    assert!(
        html.contains("<td>Quý 3/2025</td>"),
        "the figures under the chart"
    );
}

on_both_backends!(
    a_unit_with_few_answers_a_month_reads_its_trend_by_quarter,
    satisfaction_by_respondent_never_shows_a_small_group,
    the_page_leads_with_cards_and_what_to_fix_first,
    units_that_may_not_be_ranked_are_not_praised_or_blamed,
    a_commune_official_sees_where_the_commune_stands,
    the_response_rate_counts_the_tickets_answered_of_those_issued,
    the_procedure_field_narrows_the_figures_comments_and_downloads,
    a_public_page_opens_only_when_asked_and_hides_small_samples,
    the_dashboard_shows_the_hand_computed_figures,
    filters_change_the_page_and_bad_ones_are_refused,
    comments_are_escaped_searched_paged_and_scoped,
    downloads_hold_the_responses_the_official_may_see,
);
