//! "No IP address or user agent is stored", checked where it matters: in the database.
//! A citizen answers and somebody fails to sign in, both from a browser with an unusual
//! user agent behind a proxy that names their address; then every text of every column of
//! every table is read back, and neither string is anywhere.

use diesel::RunQueryDsl;
use diesel::sql_types::{Nullable, Text};
use reqwest::header::{HeaderMap, HeaderValue};

use crate::auth::csrf_of;
use crate::helpers::{Backend, spawn_app_with};
use crate::migrations::{columns, tables};
use crate::on_both_backends;
use crate::survey::{full_answers, hidden_fields, seed_desk};

const USER_AGENT: &str = "SipasPrivacyProbe/4.2 (Linux; Android 14; thu-nghiem)";
const ADDRESS: &str = "198.51.100.73";

/// Every text in the database, as `table.column: text`.
fn every_text(conn: &mut sipas::db::DbConnection) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Cell {
        #[diesel(sql_type = Nullable<Text>)]
        text: Option<String>,
    }
    let mut found = Vec::new();
    for table in tables(conn) {
        for column in columns(conn, &table) {
            // A blob (SQLite's counts) as hex, which the search below also looks for.
            let sql = match conn {
                sipas::db::DbConnection::Sqlite(_) => format!(
                    r#"SELECT CASE WHEN typeof("{column}") = 'blob' THEN hex("{column}") ELSE CAST("{column}" AS TEXT) END AS text FROM "{table}""#
                ),
                sipas::db::DbConnection::Postgres(_) => {
                    format!(r#"SELECT CAST("{column}" AS TEXT) AS text FROM "{table}""#)
                }
            };
            let cells: Vec<Cell> =
                sipas::with_backend!(&mut *conn, |c| diesel::sql_query(&sql).load(c).unwrap());
            found.extend(
                cells
                    .into_iter()
                    .filter_map(|cell| cell.text)
                    .map(|text| format!("{table}.{column}: {text}")),
            );
        }
    }
    found
}

async fn no_address_or_user_agent_is_stored_anywhere(backend: Backend) {
    // The proxy's header is believed (for the limits), so the app sees the address.
    let app = spawn_app_with(backend, |s| s.trust_proxy_headers = true).await;
    let code = seed_desk(&app, "sipas-2017");
    let answers = full_answers(&app, "sipas-2017");
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_static(ADDRESS));
    let browser = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .default_headers(headers)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("{}/s/{code}", app.address);
    let page = hidden_fields(&browser.get(&url).send().await.unwrap().text().await.unwrap());
    let mut fields = vec![
        ("_token".to_string(), page.token),
        ("_version".to_string(), page.version),
    ];
    fields.extend(answers);
    let answered = browser.post(&url).form(&fields).send().await.unwrap();
    assert_eq!(answered.status(), 303);
    // A failed sign-in is counted per account and per address.
    let login = format!("{}/login", app.address);
    let csrf = csrf_of(&browser.get(&login).send().await.unwrap().text().await.unwrap());
    let refused = browser
        .post(&login)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "ai-do@xa.vn"),
            ("password", "đoán thử"),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(refused.status(), 303, "not signed in");

    let texts = every_text(&mut app.prepared.db.conn().unwrap());
    // The reading reaches what was stored: the comment, and the failure's counts (for the
    // account from this address, the address, the account).
    assert!(
        texts.iter().any(|t| t.contains("Cán bộ rất nhiệt tình")),
        "{texts:#?}"
    );
    let failures = texts
        .iter()
        .filter(|t| t.starts_with("login_throttle.subject"))
        .count();
    assert!(failures >= 2, "{texts:#?}");
    let hex = |text: &str| text.bytes().map(|b| format!("{b:02X}")).collect::<String>();
    for kept in &texts {
        for secret in [ADDRESS, "SipasPrivacyProbe"] {
            assert!(
                !kept.contains(secret) && !kept.contains(&hex(secret)),
                "{secret} is stored: {kept}"
            );
        }
    }
}

on_both_backends!(no_address_or_user_agent_is_stored_anywhere);
