//! PostgreSQL out of reach for a while, then back: the app talks to it through a TCP
//! relay the test cuts and restores. Meanwhile pages answer 503 with a clear page (not a
//! hang, not a 500) and an answer sent then is refused, not half-stored; afterwards the
//! app recovers by itself, and what was acknowledged is all there, once.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::{Backend, required_postgres_url, spawn_app_with, wait_until_async};
use crate::survey::{assert_counts_match_answers, full_answers, seed_desk};

/// Forwards connections to PostgreSQL while it is up; cut, it closes every connection
/// and turns new ones away.
struct Relay {
    address: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn to(host: &str, port: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let (up, open) = (Arc::new(AtomicBool::new(true)), Arc::new(Mutex::new(Vec::new())));
        let (accepting, tracked, target) = (up.clone(), open.clone(), (host.to_string(), port));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !accepting.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                let Ok(server) = TcpStream::connect((target.0.as_str(), target.1)) else {
                    continue;
                };
                let mut open = tracked.lock().unwrap();
                open.push(client.try_clone().unwrap());
                open.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let mut buffer = [0u8; 16 * 1024];
                        while let Ok(read) = from.read(&mut buffer) {
                            if read == 0 || to.write_all(&buffer[..read]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Relay { address, up, open }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Where the test PostgreSQL server listens, read from its URL (5432 when the URL names
/// no port). PostgreSQL is required here, so a URL without a TCP address is a failure.
fn server_address(url: &str) -> (String, u16) {
    let parsed = reqwest::Url::parse(url).unwrap_or_else(|e| panic!("SIPAS_TEST_POSTGRES_URL: {e}"));
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| panic!("SIPAS_TEST_POSTGRES_URL names no TCP host: {url}"));
    (host.to_string(), parsed.port().unwrap_or(5432))
}

/// `url` pointing at `address` (host:port) instead of its own server.
fn through(url: &str, address: &std::net::SocketAddr) -> String {
    let mut url = reqwest::Url::parse(url).unwrap();
    url.set_ip_host(address.ip()).unwrap();
    url.set_port(Some(address.port())).unwrap();
    url.to_string()
}

#[actix_web::test]
#[cfg_attr(not(sipas_test_postgres), ignore = "SIPAS_TEST_POSTGRES_URL is not set")]
async fn postgres_out_of_reach_gives_503_then_the_app_recovers_by_itself() {
    let (host, port) = server_address(&required_postgres_url());
    let relay = Relay::to(&host, port);
    let through_relay = relay.address;
    let app = spawn_app_with(Backend::Postgres, |s| {
        s.database_url = through(&s.database_url, &through_relay);
        s.database_timeout_seconds = 1;
    })
    .await;
    assert!(
        app.prepared
            .db
            .location()
            .redacted()
            .contains(&through_relay.to_string())
    );
    let code = seed_desk(&app, "quick-2025");
    let answers = full_answers(&app, "quick-2025");
    assert_eq!(app.answer(&code, &answers).await.status(), 303);
    // A page opened before the cut, sent during it.
    let (_, page) = app.open_survey(&code).await;
    let page = crate::survey::hidden_fields(&page);

    relay.cut();
    let (status, html) = app.open_survey(&code).await;
    assert_eq!(status, 503, "{html}");
    assert!(html.contains("thử lại"), "a page that says to try again: {html}");
    let refused = app.post_survey(&code, &page, &answers).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 503);

    relay.restore();
    wait_until_async("the app recovers", Duration::from_secs(2), || async {
        app.get("/healthz").await.status() == 200
    })
    .await;
    // The page sent during the outage can be sent again; and a new one.
    assert_eq!(app.post_survey(&code, &page, &answers).await.status(), 303);
    assert_eq!(app.answer(&code, &answers).await.status(), 303);
    assert_eq!(app.stored_responses().len(), 3);
    assert_counts_match_answers(&app);
}
