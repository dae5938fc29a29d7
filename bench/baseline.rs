//! The bare baseline of `bench/submissions.sh`: the smallest actix-web server that stores
//! each posted answer as one row in one durable SQLite transaction (WAL, `synchronous =
//! FULL`), and serves a page with a token so that `bench/submit_load.py` can drive it
//! exactly as it drives sipas. What it sustains is what this machine allows one
//! transaction per answer; sipas's figure reads as a ratio to it.
//!
//!     cargo run --release --example baseline -- 127.0.0.1:18283 /tmp/baseline.sqlite3

use std::sync::Mutex;

use actix_web::{App, HttpResponse, HttpServer, web};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// The questionnaire as the load client reads it: one token, one version, one question.
const PAGE: &str = r#"<form><input type="hidden" name="_token" value="t"><input type="hidden" name="_version" value="1"><input type="radio" name="q" value="5"></form>"#;

async fn page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html").body(PAGE)
}

async fn answer(body: web::Bytes, db: web::Data<Mutex<SqliteConnection>>) -> HttpResponse {
    let stored = web::block(move || {
        let mut conn = db.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        conn.transaction(|c| {
            diesel::sql_query("INSERT INTO answers (body) VALUES (?)")
                .bind::<Text, _>(String::from_utf8_lossy(&body).into_owned())
                .execute(c)
        })
    })
    .await;
    match stored {
        Ok(Ok(_)) => HttpResponse::SeeOther()
            .insert_header(("Location", "/thanks"))
            .finish(),
        _ => HttpResponse::InternalServerError().finish(),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:18283".into());
    let file = args.next().unwrap_or_else(|| "baseline.sqlite3".into());
    let mut conn = SqliteConnection::establish(&file).expect("open the SQLite file");
    conn.batch_execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE IF NOT EXISTS answers (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    )
    .expect("prepare the table");
    let db = web::Data::new(Mutex::new(conn));
    println!("baseline on http://{bind}");
    HttpServer::new(move || {
        App::new()
            .app_data(db.clone())
            .route("/s/{code}", web::get().to(page))
            .route("/s/{code}", web::post().to(answer))
    })
    .bind(bind)?
    .run()
    .await
}
