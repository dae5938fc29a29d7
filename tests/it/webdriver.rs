//! A small W3C WebDriver client driving Debian's Chromium through chromedriver, for the
//! browser tests. It speaks the few commands they need (open, find, click, type, read,
//! run a script) as JSON over HTTP with the client the other tests use, rather than
//! pulling in a WebDriver crate for a dozen endpoints. `thirtyfour` (the maintained
//! choice; ~6,500 lines, reqwest with rustls by default, a derive-macro crate) would add
//! its dependency tree to every clean test build on a two-core machine, and what it offers
//! beyond these commands (element waits, page components) the suite already has in its
//! patience helpers. Worth revisiting if the browser tests grow past forms and screenshots.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::wait_until_async;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The key under which WebDriver returns an element's reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Whether Chromium and chromedriver are installed (`apt-get install chromium
/// chromium-driver`; `.ci/run` installs them and sets `SIPAS_TEST_REQUIRE_BROWSER`, so
/// that there the tests fail rather than skip).
pub fn browser_available() -> bool {
    let found = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !found {
        assert!(
            std::env::var_os("SIPAS_TEST_REQUIRE_BROWSER").is_none(),
            "SIPAS_TEST_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!("chromium or chromium-driver is not installed: browser test skipped");
    }
    found
}

/// How the browser is set up.
pub struct Options {
    /// The viewport in CSS pixels; a width under 600 emulates a phone (device pixel
    /// ratio 3, the page's `viewport` meta honoured).
    pub width: u32,
    pub height: u32,
    pub javascript: bool,
    /// Where downloads (and PDFs, which are not shown) are saved.
    pub downloads: Option<PathBuf>,
}

impl Options {
    pub fn phone() -> Options {
        Options {
            width: 390,
            height: 844,
            javascript: true,
            downloads: None,
        }
    }

    pub fn desktop() -> Options {
        Options {
            width: 1366,
            height: 900,
            ..Options::phone()
        }
    }
}

/// A chromedriver process with one headless Chromium session; both end when dropped.
pub struct Browser {
    http: reqwest::Client,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// An element of the current page.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

impl Browser {
    pub async fn start(options: Options) -> Browser {
        // Port 0: chromedriver binds a free port itself and says which.
        let mut driver = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut said = BufReader::new(driver.stdout.take().unwrap()).lines();
        let port = loop {
            let line = said
                .next()
                .expect("chromedriver says its port")
                .expect("chromedriver's output");
            if let Some(port) = line
                .split("started successfully on port ")
                .nth(1)
                .and_then(|p| p.trim_end_matches('.').parse::<u16>().ok())
            {
                break port;
            }
        };
        // Keep reading, so that chromedriver never blocks on a full pipe.
        std::thread::spawn(move || for _ in said {});
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Browser {
            http: reqwest::Client::new(),
            session: format!("http://127.0.0.1:{port}"),
            driver,
            _profile: profile,
        };
        let capabilities = capabilities(&options, browser._profile.path());
        let created = browser
            .command(
                reqwest::Method::POST,
                "/session",
                json!({ "capabilities": capabilities }),
            )
            .await;
        let id = created["sessionId"].as_str().expect("a session id").to_string();
        browser.session = format!("{}/session/{id}", browser.session);
        browser
    }

    /// Sends a command; the `value` of its answer, or a panic with WebDriver's message.
    async fn command(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.session);
        let mut request = self.http.request(method, &url);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status();
        let answer: Value = response.json().await.expect("a JSON answer");
        assert!(status.is_success(), "{path} {body}: {status} {answer}");
        answer["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.command(reqwest::Method::POST, path, body).await
    }

    async fn get(&self, path: &str) -> Value {
        self.command(reqwest::Method::GET, path, Value::Null).await
    }

    /// Opens `url` and waits for the page to load.
    pub async fn open(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// The browser's Back button.
    pub async fn back(&self) {
        self.post("/back", json!({})).await;
    }

    pub async fn url(&self) -> String {
        self.get("/url").await.as_str().unwrap().to_string()
    }

    pub async fn title(&self) -> String {
        self.get("/title").await.as_str().unwrap().to_string()
    }

    /// The visible text of the page.
    pub async fn text(&self) -> String {
        self.find("body").await.text().await
    }

    /// The first element matching a CSS selector; a panic naming it when there is none.
    pub async fn find(&self, css: &str) -> Element<'_> {
        let found = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await;
        self.element(&found)
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let found = self
            .post("/elements", json!({ "using": "css selector", "value": css }))
            .await;
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|e| self.element(e))
            .collect()
    }

    fn element(&self, reference: &Value) -> Element<'_> {
        Element {
            browser: self,
            id: reference[ELEMENT].as_str().expect("an element").to_string(),
        }
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn run(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Runs `script`, whose last argument is the callback to call with the result.
    pub async fn run_async(&self, script: &str, args: Value) -> Value {
        self.post("/execute/async", json!({ "script": script, "args": args }))
            .await
    }

    /// Clicks `css` (a link or a submit button) and waits for the page it leads to to
    /// load: a click returns before a navigation it starts has finished.
    pub async fn click_to_load(&self, css: &str) {
        self.run("window.sipasPageLeft = true", json!([])).await;
        self.find(css).await.click().await;
        wait_until_async(
            &format!("a page loaded after clicking {css}"),
            Duration::from_secs(2),
            || async {
                self.run(
                    "return window.sipasPageLeft === undefined && document.readyState === 'complete'",
                    json!([]),
                )
                .await
                    == Value::Bool(true)
            },
        )
        .await;
    }

    /// Fills the form field `css` (after clearing it).
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await;
        field.type_text(text).await;
    }

    /// Picks the option of a `<select>` whose value is `value`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(&format!("{css} option[value=\"{value}\"]"))
            .await
            .click()
            .await;
    }
}

impl Element<'_> {
    fn path(&self, command: &str) -> String {
        format!("/element/{}/{command}", self.id)
    }

    pub async fn click(&self) {
        self.browser.post(&self.path("click"), json!({})).await;
    }

    pub async fn clear(&self) {
        self.browser.post(&self.path("clear"), json!({})).await;
    }

    pub async fn type_text(&self, text: &str) {
        self.browser
            .post(&self.path("value"), json!({ "text": text }))
            .await;
    }

    /// The text shown, as rendered.
    pub async fn text(&self) -> String {
        self.browser
            .get(&self.path("text"))
            .await
            .as_str()
            .unwrap()
            .to_string()
    }
}

impl Drop for Browser {
    /// Ends the session, which closes Chromium (killing chromedriver alone would leave it
    /// running), then the driver. A plain blocking request: a drop cannot await.
    fn drop(&mut self) {
        let session = self.session.trim_start_matches("http://");
        if let Some((authority, path)) = session.split_once('/')
            && let Ok(mut stream) = TcpStream::connect(authority)
        {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request =
                format!("DELETE /{path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(request.as_bytes());
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The session's capabilities: headless Chromium with its own profile, as
/// ENGINEERING.md asks, sized and with JavaScript and downloads as `options` say.
fn capabilities(options: &Options, profile: &Path) -> Value {
    // Vietnamese first, as the citizens' phones are set.
    let mut prefs = json!({ "intl.accept_languages": "vi-VN,vi,en" });
    if !options.javascript {
        prefs["profile.managed_default_content_settings.javascript"] = json!(2);
    }
    if let Some(dir) = &options.downloads {
        prefs["download.default_directory"] = json!(dir);
        prefs["download.prompt_for_download"] = json!(false);
        prefs["plugins.always_open_pdf_externally"] = json!(true);
    }
    let mut chrome = json!({
        "binary": CHROMIUM,
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", format!("--user-data-dir={}", profile.display()),
            format!("--window-size={},{}", options.width, options.height),
            "--lang=vi",
        ],
        "prefs": prefs,
    });
    // A phone's screen; taps stay mouse clicks: with touch emulation and JavaScript off,
    // chromedriver never returns from a click that submits a form.
    if options.width < 600 {
        chrome["mobileEmulation"] = json!({ "deviceMetrics": {
            "width": options.width, "height": options.height,
            "pixelRatio": 3.0, "mobile": true, "touch": false,
        }});
    }
    json!({ "alwaysMatch": { "browserName": "chrome", "goog:chromeOptions": chrome } })
}

impl Browser {
    /// A screenshot kept as `NAME.png` in the directory `SIPAS_TEST_SCREENSHOTS` names,
    /// when it is set, for people to look at.
    pub async fn keep_screenshot(&self, name: &str) {
        if let Some(dir) = std::env::var_os("SIPAS_TEST_SCREENSHOTS") {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                Path::new(&dir).join(format!("{name}.png")),
                self.screenshot().await,
            )
            .unwrap();
        }
    }

    /// The page printed by Chromium to an A4 PDF without margins (WebDriver's Print).
    pub async fn print_pdf(&self) -> Vec<u8> {
        let printed = self
            .post(
                "/print",
                json!({ "background": true, "page": { "width": 21.0, "height": 29.7 },
                        "margin": { "top": 0, "bottom": 0, "left": 0, "right": 0 } }),
            )
            .await;
        decode_base64(printed.as_str().expect("a PDF in base64"))
    }
}

impl Browser {
    /// What the window shows, as a PNG (WebDriver's Take Screenshot).
    pub async fn screenshot(&self) -> Vec<u8> {
        let shot = self.get("/screenshot").await;
        decode_base64(shot.as_str().expect("a PNG in base64"))
    }
}

/// Standard base64 (WebDriver's encoding of printed pages), padding ignored.
fn decode_base64(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    bytes
}

#[test]
fn base64_decodes_what_it_should() {
    assert_eq!(
        decode_base64("U2lwYXMgLSBI4buZIHThu4tjaA=="),
        "Sipas - Hộ tịch".as_bytes()
    );
    assert_eq!(decode_base64("YQ=="), b"a");
    assert_eq!(decode_base64("YWI="), b"ab");
    assert_eq!(decode_base64("YWJj"), b"abc");
}
