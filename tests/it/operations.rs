//! What operators and crawlers meet: `robots.txt` keeps survey and unit pages out of
//! search engines.

use crate::helpers::{Backend, client, spawn_app};
use crate::on_both_backends;

async fn robots_keep_survey_and_unit_pages_out_of_search_engines(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = client()
        .get(format!("{}/robots.txt", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let robots = response.text().await.unwrap();
    assert!(robots.starts_with("User-agent: *\n"), "{robots}");
    let disallowed: Vec<&str> = robots
        .lines()
        .filter_map(|l| l.strip_prefix("Disallow: "))
        .collect();
    for path in ["/s/", "/units/", "/public/", "/staff/", "/admin/", "/api/"] {
        assert!(disallowed.contains(&path), "{path} not kept out:\n{robots}");
    }
    // The home page, where a citizen types a code, may be found.
    assert!(!disallowed.contains(&"/"), "{robots}");
}

on_both_backends!(robots_keep_survey_and_unit_pages_out_of_search_engines);
