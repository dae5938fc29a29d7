//! The one typed `Settings` struct: defaults < optional TOML file < `SIPAS_*` environment
//! variables < command-line flags.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::db::DatabaseLocation;
use crate::i18n::Lang;

/// Every setting of a sipas deployment. `sipas.example.toml` documents each field; a test
/// keeps the two in sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address and port the HTTP server listens on.
    pub bind: String,
    /// Public address citizens reach (printed in QR codes); empty means `http://{bind}`.
    pub base_url: String,
    /// `postgres://...` for PostgreSQL, or a SQLite file (`sqlite://path` or a plain path);
    /// empty means `sipas.sqlite3` in `data_dir`.
    pub database_url: String,
    /// Directory for the embedded database and other files sipas writes.
    pub data_dir: PathBuf,
    /// Directory of the questionnaires (`ID.toml`). When the default directory does not
    /// exist, the questionnaires compiled into the binary are served.
    pub forms_dir: PathBuf,
    /// Time zone that decides which day a response belongs to (IANA name).
    pub time_zone: TimeZone,
    /// Language of the command-line output and of pages when the browser does not ask.
    pub language: Lang,
    /// `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Log filter, e.g. `info` or `sipas=debug,info`; `RUST_LOG` overrides it.
    pub log_level: String,
    /// Largest number of open database connections.
    pub database_pool_size: u32,
    /// How long a request waits for a free database connection before it gets a 503.
    pub database_timeout_seconds: u64,
    /// How long in-flight requests may finish after SIGINT/SIGTERM.
    pub shutdown_timeout_seconds: u64,
    /// Most questionnaires one network address may submit per window (0: no limit).
    pub submission_limit_per_ip: u32,
    /// Answers at one desk within a window above which the desk has a burst: each new
    /// sender's answer then waits `submission_burst_delay_seconds` (nobody is turned away;
    /// the burst alert tells officials). 0: no burst lane.
    pub submission_limit_per_desk: u32,
    /// How long a new sender's answer waits during a desk's burst.
    pub submission_burst_delay_seconds: u64,
    /// Lookups of survey codes that do not exist one network address may make per window
    /// before every lookup from it is refused for the rest of the window (0: no limit).
    pub unknown_code_limit_per_ip: u32,
    /// The bearer token Prometheus sends to read `GET /metrics`; empty: `/metrics` is
    /// closed (404).
    pub metrics_token: Secret,
    /// Answers one API token (or signed-in user) may send to `POST /api/v1/responses`
    /// per window, retries included (0: no limit).
    pub api_submission_limit_per_token: u32,
    /// The window of the submission and code-lookup limits.
    pub submission_limit_window_seconds: u64,
    /// How long the server waits for a request's body to arrive (then 408).
    pub request_body_timeout_seconds: u64,
    /// Downloads of responses one user may run at once (then 429).
    pub downloads_per_user: u32,
    /// How long a download waits for a client that stopped reading before it is broken off.
    pub download_send_timeout_seconds: u64,
    /// Take the client's address from the last `X-Forwarded-For` entry (set it only
    /// behind a reverse proxy that writes that header).
    pub trust_proxy_headers: bool,
    /// How many days a printed or minted ticket stays valid.
    pub ticket_valid_days: u32,
    /// Below this many answers an index is marked `low_sample` (and public pages hide it).
    pub min_sample: u32,
    /// The margin of error of sample targets: a unit with N dossiers needs
    /// ⌈N / (1 + N·e²)⌉ answers (Slovin's formula, as in the Ministry's manual).
    pub sample_margin: f64,
    /// How long a sign-in lasts.
    pub session_hours: u64,
    /// Failed sign-ins allowed per account, and per network address, within the window.
    pub login_limit_per_account: u32,
    pub login_limit_per_ip: u32,
    pub login_limit_window_seconds: u64,
    /// SMTP server digests and alerts go through; empty: no mail is queued or sent.
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `starttls` (upgrade a plain connection, port 587), `tls` (TLS from the start, port
    /// 465) or `none` (a relay on the same machine or network only).
    pub smtp_tls: SmtpTls,
    /// Empty: no authentication.
    pub smtp_username: String,
    pub smtp_password: Secret,
    /// The sender, e.g. `Khảo sát SIPAS <khaosat@tinh.gov.vn>`.
    pub mail_from: Sender,
    /// How often the mail worker looks for mail to send.
    pub mail_poll_seconds: u64,
    /// Wait before the first retry of a mail that failed; each later retry waits twice as
    /// long as the one before, six hours at most.
    pub mail_retry_seconds: u64,
    /// How often alert rules are checked (and digests due are queued).
    pub alert_check_seconds: u64,
}

/// A time zone, read from its IANA name (`Asia/Ho_Chi_Minh`) once, when the settings are
/// read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.name())
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map(TimeZone).map_err(|_| {
            serde::de::Error::custom(format!(
                "«{name}» không phải tên múi giờ IANA (not an IANA time zone), e.g. Asia/Ho_Chi_Minh"
            ))
        })
    }
}

/// The mail sender, read as a mailbox (`Tên <địa-chỉ>`) once, when the settings are read.
#[derive(Debug, Clone, PartialEq)]
pub struct Sender(pub lettre::message::Mailbox);

impl Serialize for Sender {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Sender {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map(Sender).map_err(|_| {
            serde::de::Error::custom(format!(
                "«{text}» không phải địa chỉ thư (is not an e-mail address)"
            ))
        })
    }
}

/// A secret (the SMTP password): never printed, in logs or `Debug` output.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Secret {
        Secret(secret.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Secret(empty)"
        } else {
            "Secret(…)"
        })
    }
}

/// Where the shipped questionnaires live in the source tree.
pub const DEFAULT_FORMS_DIR: &str = "survey-forms";

/// How the SMTP connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            base_url: String::new(),
            database_url: String::new(),
            data_dir: PathBuf::from("data"),
            forms_dir: PathBuf::from(DEFAULT_FORMS_DIR),
            time_zone: TimeZone(chrono_tz::Asia::Ho_Chi_Minh),
            language: Lang::Vi,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            database_pool_size: 8,
            database_timeout_seconds: 5,
            shutdown_timeout_seconds: 30,
            submission_limit_per_ip: 30,
            submission_limit_per_desk: 120,
            submission_burst_delay_seconds: 10,
            unknown_code_limit_per_ip: 30,
            submission_limit_window_seconds: 600,
            api_submission_limit_per_token: 6000,
            metrics_token: Secret::default(),
            request_body_timeout_seconds: 30,
            downloads_per_user: 2,
            download_send_timeout_seconds: 60,
            trust_proxy_headers: false,
            ticket_valid_days: 30,
            min_sample: 30,
            sample_margin: 0.05,
            session_hours: 12,
            login_limit_per_account: 5,
            login_limit_per_ip: 20,
            login_limit_window_seconds: 900,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: String::new(),
            smtp_password: Secret::default(),
            mail_from: Sender(
                "sipas <khaosat@localhost>"
                    .parse()
                    .expect("the default sender is a mailbox"),
            ),
            mail_poll_seconds: 10,
            mail_retry_seconds: 60,
            alert_check_seconds: 300,
        }
    }
}

/// Values given on the command line; they win over every other source.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("không tìm thấy tệp cấu hình {0} (configuration file not found)")]
    MissingFile(PathBuf),
    #[error("cấu hình không hợp lệ (invalid configuration): {0}")]
    Invalid(String),
}

impl Settings {
    /// Reads the settings from the defaults, `file`, the process environment and `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Settings, ConfigError> {
        Self::load_from(file, Env::prefixed("SIPAS_"), overrides)
    }

    fn load_from(file: Option<&Path>, env: Env, overrides: &Overrides) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::MissingFile(path.to_path_buf()));
            }
            figment = figment.merge(Toml::file(path));
        }
        // Only the variables that name a setting: others, such as SIPAS_TEST_POSTGRES_URL,
        // belong to other tools.
        let keys = Self::keys();
        let env = env.filter(move |key| keys.iter().any(|k| key.as_str().eq_ignore_ascii_case(k)));
        let settings: Settings = figment
            .merge(env)
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| ConfigError::Invalid(one_line(&e)))?;
        settings.validate()?;
        Ok(settings)
    }

    /// The names of every setting, as written in the TOML file.
    pub fn keys() -> Vec<String> {
        match toml::Table::try_from(Settings::default()) {
            Ok(table) => table.keys().cloned().collect(),
            Err(_) => Vec::new(),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.database_pool_size == 0 {
            return Err(ConfigError::Invalid(
                "database_pool_size phải lớn hơn 0 (must be at least 1)".into(),
            ));
        }
        let base = self.base_url.trim();
        let is_web_address = base.starts_with("http://") || base.starts_with("https://");
        if !base.is_empty() && !is_web_address {
            return Err(ConfigError::Invalid(format!(
                "base_url phải bắt đầu bằng http:// hoặc https:// (must start with http:// or https://): {base}"
            )));
        }
        DatabaseLocation::parse(&self.database_url, &self.data_dir)
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if self.session_hours == 0 || self.login_limit_window_seconds == 0 {
            return Err(ConfigError::Invalid(
                "session_hours và login_limit_window_seconds phải lớn hơn 0 (must be at least 1)".into(),
            ));
        }
        for (key, value) in [
            (
                "submission_limit_window_seconds",
                self.submission_limit_window_seconds,
            ),
            ("request_body_timeout_seconds", self.request_body_timeout_seconds),
            (
                "download_send_timeout_seconds",
                self.download_send_timeout_seconds,
            ),
            ("downloads_per_user", u64::from(self.downloads_per_user)),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid(format!(
                    "{key} phải lớn hơn 0 (must be at least 1)"
                )));
            }
        }
        if !(self.sample_margin > 0.0 && self.sample_margin < 1.0) {
            return Err(ConfigError::Invalid(format!(
                "sample_margin phải lớn hơn 0 và nhỏ hơn 1, ví dụ 0.05 (must be between 0 and 1, e.g. 0.05): {}",
                self.sample_margin
            )));
        }
        check_log_filter(&self.log_level).map_err(|e| ConfigError::Invalid(format!("log_level: {e}")))?;
        if self.mail_poll_seconds == 0 || self.mail_retry_seconds == 0 || self.alert_check_seconds == 0 {
            return Err(ConfigError::Invalid(
                "mail_poll_seconds, mail_retry_seconds và alert_check_seconds phải lớn hơn 0 (must be at least 1)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The public address without a trailing slash, used to build survey links.
    pub fn public_base_url(&self) -> String {
        let base = self.base_url.trim().trim_end_matches('/');
        if base.is_empty() {
            format!("http://{}", self.bind)
        } else {
            base.to_string()
        }
    }

    /// The time zone of the deployment (checked when the settings were read).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.0
    }

    /// How long a sign-in lasts, in seconds.
    pub fn session_seconds(&self) -> i64 {
        i64::try_from(self.session_hours.saturating_mul(3600)).unwrap_or(i64::MAX)
    }

    /// Cookies are marked `Secure` when the public address is HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_base_url().starts_with("https://")
    }

    /// Whether the forms directory is the default one, which may be absent.
    pub fn forms_dir_is_default(&self) -> bool {
        self.forms_dir == Path::new(DEFAULT_FORMS_DIR)
    }

    /// Where the database lives.
    pub fn database(&self) -> DatabaseLocation {
        // `validate` already parsed it successfully when the settings were loaded.
        DatabaseLocation::parse(&self.database_url, &self.data_dir)
            .unwrap_or_else(|_| DatabaseLocation::Sqlite(self.data_dir.join("sipas.sqlite3")))
    }
}

const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

/// A log filter is a level (`info`) or comma-separated directives that each end in one
/// (`sipas=debug,actix_web=warn`). The filter library would take `verbose` as the name of
/// a module to log and silence everything else; such a mistake is refused with its reason.
pub fn check_log_filter(directives: &str) -> Result<(), String> {
    for directive in directives.split(',').map(str::trim) {
        let level = directive.rsplit_once('=').map_or(directive, |(_, level)| level);
        if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            return Err(format!(
                "«{directive}» không phải mức ghi log; dùng {} hoặc mô-đun=mức (not a log level; use one of these or module=level)",
                LEVELS.join(", ")
            ));
        }
    }
    Ok(())
}

fn one_line(error: &figment::Error) -> String {
    error
        .clone()
        .into_iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../sipas.example.toml");

    fn no_env() -> Env {
        Env::prefixed("SIPAS_TEST_NOTHING_")
    }

    #[test]
    fn example_file_lists_every_setting_with_its_default() {
        let parsed: Settings = toml::from_str(EXAMPLE).expect("the example parses as Settings");
        assert_eq!(
            parsed,
            Settings::default(),
            "example values drifted from the defaults"
        );
        let example_keys: Vec<String> = toml::from_str::<toml::Table>(EXAMPLE)
            .expect("example is TOML")
            .keys()
            .cloned()
            .collect();
        let mut expected = Settings::keys();
        expected.sort();
        let mut example_keys = example_keys;
        example_keys.sort();
        assert_eq!(example_keys, expected, "example lacks or adds settings");
    }

    #[test]
    fn unknown_key_in_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sipas.toml");
        std::fs::write(&path, "bind = \"0.0.0.0:80\"\nbase_ulr = \"https://x\"\n").unwrap();
        let err = Settings::load_from(Some(&path), no_env(), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("base_ulr"), "{err}");
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn later_sources_win() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sipas.toml");
        std::fs::write(
            &path,
            "bind = \"0.0.0.0:9000\"\nlog_level = \"debug\"\nlog_format = \"json\"\n",
        )
        .unwrap();
        figment::Jail::expect_with(|jail| {
            jail.set_env("SIPAS_LOG_LEVEL", "warn");
            jail.set_env("SIPAS_DATABASE_POOL_SIZE", "3");
            jail.set_env("SIPAS_TEST_POSTGRES_URL", "postgres://ignored");
            let overrides = Overrides {
                bind: Some("127.0.0.1:7000".into()),
                ..Overrides::default()
            };
            let s = Settings::load_from(Some(&path), Env::prefixed("SIPAS_"), &overrides)
                .map_err(|e| e.to_string())?;
            assert_eq!(s.bind, "127.0.0.1:7000"); // flag beats file
            assert_eq!(s.log_level, "warn"); // environment beats file
            assert_eq!(s.log_format, LogFormat::Json); // file beats default
            assert_eq!(s.database_pool_size, 3);
            assert_eq!(s.shutdown_timeout_seconds, 30); // default
            Ok(())
        });
    }

    #[test]
    fn missing_config_file_is_an_error() {
        let err = Settings::load_from(
            Some(Path::new("/nonexistent/sipas.toml")),
            no_env(),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::MissingFile(_)));
    }

    #[test]
    fn bad_values_are_rejected() {
        for (key, value) in [
            ("log_format", "\"xml\""),
            ("database_url", "\"mysql://root@localhost/db\""),
            ("base_url", "\"example.org\""),
            ("database_pool_size", "0"),
            ("time_zone", "\"Mars/Olympus\""),
            ("submission_limit_window_seconds", "0"),
            ("log_level", "\"verbose\""),
            ("log_level", "\"sipas=loud,info\""),
            ("request_body_timeout_seconds", "0"),
            ("mail_from", "\"khaosat at tinh\""),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("sipas.toml");
            std::fs::write(&path, format!("{key} = {value}\n")).unwrap();
            let result = Settings::load_from(Some(&path), no_env(), &Overrides::default());
            assert!(result.is_err(), "{key} = {value} was accepted");
        }
    }

    #[test]
    fn the_smtp_password_never_prints() {
        let settings = Settings {
            smtp_password: Secret("mật-khẩu-thư".into()),
            ..Settings::default()
        };
        assert!(!format!("{settings:?}").contains("mật-khẩu-thư"));
        assert_eq!(settings.smtp_password.expose(), "mật-khẩu-thư");
    }

    #[test]
    fn base_url_defaults_to_bind_address() {
        let mut s = Settings::default();
        assert_eq!(s.public_base_url(), "http://127.0.0.1:8080");
        s.base_url = "https://khaosat.example.gov.vn/".into();
        assert_eq!(s.public_base_url(), "https://khaosat.example.gov.vn");
    }

    #[test]
    fn log_filters_are_levels_or_directives_ending_in_one() {
        for good in [
            "info",
            "WARN",
            "sipas=debug,info",
            "sipas::web=trace, actix_web=off",
        ] {
            assert!(check_log_filter(good).is_ok(), "{good}");
        }
        for bad in ["verbose", "", "info,", "sipas=loud", "sipas"] {
            assert!(check_log_filter(bad).is_err(), "{bad}");
        }
    }
}
