//! Desk staff at `/staff/`: posters and ticket sheets that print and scan, for their own
//! desks only, and revoking a ticket.

use std::collections::BTreeSet;

use sipas::auth::Role;

use crate::auth::{PASSWORD, add_user, seed_units, sign_in};
use crate::helpers::{Backend, TestApp, client};
use crate::on_both_backends;
use crate::printed::{
    LEVEL_H, LEVEL_Q, decode_cards, decode_grey, pdf_page_count, render_pdf, scan_png, scan_svg,
};
use crate::tickets::issue;

pub fn add_desk(app: &TestApp, unit: &str, name: &str) -> sipas::db::desks::Desk {
    let mut conn = app.prepared.db.conn().unwrap();
    sipas::desks::add(
        &mut conn,
        unit,
        name,
        sipas::desks::DeskForms::both("sipas-2017"),
        &app.prepared.forms.ids(),
    )
    .unwrap()
}

/// The survey addresses of the tickets issued at a desk, as a citizen's phone should
/// read them: the site's address, `/s/` and the code.
pub fn ticket_urls(app: &TestApp, desk_id: i64) -> BTreeSet<String> {
    sipas::db::tickets::of_desk(&mut app.prepared.db.conn().unwrap(), desk_id)
        .unwrap()
        .iter()
        .map(|t| format!("{}/s/{}", app.address, t.code))
        .collect()
}

/// Posts the print form of a desk.
async fn print(
    app: &TestApp,
    browser: &reqwest::Client,
    csrf: &str,
    desk: i64,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![("_csrf", csrf)];
    form.extend_from_slice(fields);
    app.post_form(browser, &format!("/staff/desks/{desk}/tickets"), &form)
        .await
}

async fn staff_print_posters_and_tickets_that_scan(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    seed_units(&app);
    let desk = add_desk(&app, "C1", "Bộ phận Một cửa");
    let elsewhere = add_desk(&app, "D1", "Quầy xã Ba");
    add_user(&app, "motcua@c1.vn", Role::Staff, Some("C1"));
    let (browser, csrf) = sign_in(&app, "motcua@c1.vn", PASSWORD).await;
    let get = |path: String| {
        let browser = browser.clone();
        let address = app.address.clone();
        async move { browser.get(format!("{address}{path}")).send().await.unwrap() }
    };

    let listing = get("/staff/".into()).await.text().await.unwrap();
    assert!(
        listing.contains(&format!("/staff/desks/{}/poster.pdf", desk.id)),
        "{listing}"
    );
    assert!(
        !listing.contains(&elsewhere.code),
        "another unit's desk is not listed"
    );

    // The poster, in every format, carries the desk's address in a QR code that scans.
    // A poster hangs for months and gets worn: its code has the most error correction.
    let desk_url = format!("{}/s/{}", app.address, desk.code);
    let png = get(format!("/staff/desks/{}/poster.png", desk.id)).await;
    assert_eq!(png.headers()["content-type"], "image/png");
    let scanned = scan_png(&png.bytes().await.unwrap());
    assert_eq!(scanned.len(), 1);
    assert_eq!(
        (scanned[0].text.as_str(), scanned[0].level),
        (desk_url.as_str(), LEVEL_H)
    );
    let svg = get(format!("/staff/desks/{}/poster.svg", desk.id)).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().await.unwrap();
    assert!(
        svg.contains("Bộ phận Một cửa") && svg.contains("Xã Một"),
        "names on the poster"
    );
    let pdf = get(format!("/staff/desks/{}/poster.pdf", desk.id)).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap();
    assert_eq!(pdf_page_count(&pdf), 1);
    if let Some(pages) = render_pdf(&pdf, 100) {
        let (w, h, pixels) = &pages[0];
        assert_eq!(decode_grey(*w, *h, pixels), vec![desk_url.clone()]);
    }
    assert_eq!(
        get(format!("/staff/desks/{}/poster.gif", desk.id)).await.status(),
        404
    );
    assert_eq!(
        get(format!("/staff/desks/{}/poster.pdf", elsewhere.id))
            .await
            .status(),
        403
    );
    assert_eq!(get("/staff/desks/999999/poster.pdf".into()).await.status(), 403);
    assert_eq!(get(format!("/staff/desks/{}", elsewhere.id)).await.status(), 403);
    let page = get(format!("/staff/desks/{}", desk.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("In phiếu khảo sát dùng một lần"), "{page}");

    // Twelve tickets on A4: two pages, ten and two cards, every QR code one ticket's.
    let response = print(
        &app,
        &browser,
        &csrf,
        desk.id,
        &[("count", "12"), ("procedure", "1.005129")],
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("inline; filename=\"tickets-"),
        "{disposition}"
    );
    let pdf = response.bytes().await.unwrap();
    assert_eq!(pdf_page_count(&pdf), 2);
    let issued = ticket_urls(&app, desk.id);
    assert_eq!(issued.len(), 12);
    if let Some(pages) = render_pdf(&pdf, 150) {
        let per_page: Vec<Vec<String>> = pages.iter().map(|page| decode_cards(page, 2, 5)).collect();
        assert_eq!(per_page.iter().map(Vec::len).collect::<Vec<_>>(), [10, 2]);
        let scanned: BTreeSet<String> = per_page.into_iter().flatten().collect();
        assert_eq!(scanned, issued);
    }
    let stored = sipas::db::tickets::of_desk(&mut app.prepared.db.conn().unwrap(), desk.id).unwrap();
    assert!(
        stored
            .iter()
            .all(|t| t.procedure_code.as_deref() == Some("1.005129"))
    );

    // Thermal receipts: one page per ticket.
    let response = print(
        &app,
        &browser,
        &csrf,
        desk.id,
        &[("count", "3"), ("layout", "thermal")],
    )
    .await;
    let pdf = response.bytes().await.unwrap();
    assert_eq!(pdf_page_count(&pdf), 3);
    if let Some(pages) = render_pdf(&pdf, 150) {
        assert!(pages.iter().all(|(w, h, px)| decode_grey(*w, *h, px).len() == 1));
        assert!(
            pages[0].0 < pages[0].1 && pages[0].0 < 500,
            "80 mm wide at 150 dpi"
        );
    }
    // A print-ready page with A4 `@page` rules, its QR codes inline.
    let response = print(
        &app,
        &browser,
        &csrf,
        desk.id,
        &[("count", "2"), ("format", "html")],
    )
    .await;
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    let html = response.text().await.unwrap();
    assert!(html.contains("@page{size:A4"), "{html}");
    let scanned: Vec<crate::printed::Scanned> = html
        .split("<svg")
        .skip(1)
        .flat_map(|s| scan_svg(&format!("<svg{s}")))
        .collect();
    assert_eq!(scanned.len(), 2);
    assert!(
        scanned
            .iter()
            .all(|code| ticket_urls(&app, desk.id).contains(&code.text) && code.level == LEVEL_Q),
        "{scanned:?}"
    );
    // A phone that scans one reaches the questionnaire.
    let opened = client().get(&scanned[0].text).send().await.unwrap();
    assert_eq!(opened.status(), 200);
    let survey = opened.text().await.unwrap();
    assert!(
        survey.contains("Khảo sát sự hài lòng của người dân") && survey.contains(r#"name="_token""#),
        "{survey}"
    );
    // CSV for other software, as a download.
    let response = print(
        &app,
        &browser,
        &csrf,
        desk.id,
        &[("count", "3"), ("format", "csv")],
    )
    .await;
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let csv = response.text().await.unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.starts_with("code,url,expires_at\n"));
    assert_eq!(ticket_urls(&app, desk.id).len(), 20);

    // Mistakes come back on the page, nothing issued.
    for (count, procedure, message) in [
        ("0", "", "Số phiếu phải từ 1 đến 500"),
        ("501", "", "Số phiếu phải từ 1 đến 500"),
        ("mười", "", "Số phiếu phải là một số từ 1 đến 500"),
        (
            "5",
            "thủ tục 1",
            "Mã thủ tục / procedure code «thủ tục 1» không hợp lệ",
        ),
    ] {
        let response = print(
            &app,
            &browser,
            &csrf,
            desk.id,
            &[("count", count), ("procedure", procedure)],
        )
        .await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{count}: {html}");
        assert!(
            html.contains(&format!(r#"value="{count}""#)),
            "what was typed is kept"
        );
    }
    // Another unit's desk, or no CSRF token: refused.
    assert_eq!(
        print(&app, &browser, &csrf, elsewhere.id, &[("count", "5")])
            .await
            .status(),
        403
    );
    assert_eq!(
        print(&app, &browser, "forged", desk.id, &[("count", "5")])
            .await
            .status(),
        403
    );
    let anonymous = print(&app, &client(), &csrf, desk.id, &[("count", "5")]).await;
    assert_eq!(anonymous.status(), 303);
    assert_eq!(ticket_urls(&app, desk.id).len(), 20);
    assert!(ticket_urls(&app, elsewhere.id).is_empty());

    // Revoking: a ticket of this desk, once; not one of another desk.
    let code = ticket_urls(&app, desk.id)
        .into_iter()
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let revoke = |code: String| {
        let path = format!("/staff/desks/{}/revoke", desk.id);
        let (browser, csrf) = (browser.clone(), csrf.clone());
        let app = &app;
        async move {
            app.post_form(&browser, &path, &[("_csrf", &csrf), ("code", &code)])
                .await
        }
    };
    let response = revoke(code.to_lowercase()).await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains(&format!("Đã thu hồi phiếu {}", code.to_lowercase()))
    );
    assert_eq!(revoke(code.clone()).await.status(), 409);
    let theirs = issue(&app, &elsewhere.code, 1, None).remove(0).code;
    assert_eq!(revoke(theirs.clone()).await.status(), 404);
    assert_eq!(app.open_survey(&code).await.0, 410);
    assert_eq!(app.open_survey(&theirs).await.0, 200);

    // The desk page counts what was issued today.
    let page = get(format!("/staff/desks/{}", desk.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Đã phát <strong>20</strong>"), "{page}");
}

on_both_backends!(staff_print_posters_and_tickets_that_scan);
