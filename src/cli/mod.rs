//! The `sipas` command line: one file per subcommand.

mod backup;
mod codes;
mod demo;
mod demo_responses;
mod desks;
mod dossiers;
mod forms;
mod mail;
mod migrate;
mod output;
mod report;
mod responses;
mod serve;
mod tokens;
mod units;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{Overrides, Settings};
use crate::i18n::{Lang, Localized};
use crate::startup::{Prepared, StartupError, prepare as prepare_app};

#[derive(Parser, Debug)]
#[command(
    name = "sipas",
    version,
    about = "sipas — khảo sát sự hài lòng của người dân với dịch vụ hành chính công\n\
             sipas — citizen-satisfaction surveys for public administrative services",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand accepts; each also has a `SIPAS_*` environment variable and a
/// key in the configuration file.
#[derive(Args, Debug)]
struct GlobalArgs {
    /// Tệp cấu hình TOML / TOML configuration file
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "SIPAS_CONFIG",
        hide_env_values = true
    )]
    config: Option<PathBuf>,
    /// Địa chỉ lắng nghe / address to listen on [env: SIPAS_BIND] [default: 127.0.0.1:8080]
    #[arg(long, global = true, value_name = "ADDR")]
    bind: Option<String>,
    /// Cơ sở dữ liệu: postgres://… hoặc tệp SQLite / database: postgres://… or a SQLite file
    /// [env: SIPAS_DATABASE_URL] [default: DATA_DIR/sipas.sqlite3]
    #[arg(long = "database", global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Thư mục dữ liệu / data directory [env: SIPAS_DATA_DIR] [default: data]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Địa chỉ công khai in trong mã QR / public address printed in QR codes
    /// [env: SIPAS_BASE_URL] [default: http://BIND]
    #[arg(long, global = true, value_name = "URL")]
    base_url: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Chạy máy chủ web / run the web server
    Serve,
    /// Cập nhật lược đồ cơ sở dữ liệu / apply pending database migrations
    Migrate,
    /// Tạo cơ sở dữ liệu mẫu rồi chạy / seed a demo database and serve it
    Demo(demo::DemoArgs),
    /// Đơn vị hành chính / administrative units
    #[command(subcommand)]
    Units(units::UnitsCommand),
    /// Quầy tiếp nhận / reception desks
    #[command(subcommand)]
    Desks(desks::DesksCommand),
    /// Phiếu khảo sát / questionnaires
    #[command(subcommand)]
    Forms(forms::FormsCommand),
    /// Áp phích mã QR và phiếu khảo sát / QR posters and survey tickets
    #[command(subcommand)]
    Codes(codes::CodesCommand),
    /// Phiếu trả lời: nhập phiếu giấy, xuất dữ liệu / responses: import paper, export
    #[command(subcommand)]
    Responses(responses::ResponsesCommand),
    /// Chỉ số hài lòng của một đơn vị / a unit's satisfaction indices
    Report(report::ReportArgs),
    /// Số hồ sơ đã tiếp nhận theo tháng (trọng số, cỡ mẫu) / dossiers received per month
    /// (weights, sample targets)
    #[command(subcommand)]
    Dossiers(dossiers::DossiersCommand),
    /// Người dùng và quyền / users and their access
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Mã truy cập API / API tokens
    #[command(subcommand)]
    Tokens(tokens::TokensCommand),
    /// Bản tin gửi cán bộ / digests for officials
    #[command(subcommand)]
    Digest(mail::DigestCommand),
    /// Thư đi: hàng đợi / outgoing mail: the queue
    #[command(subcommand)]
    Mail(mail::MailCommand),
    /// Sao lưu SQLite khi máy chủ đang chạy, rồi kiểm tra bản sao / back up SQLite while
    /// the server runs, then check the copy
    Backup(backup::BackupArgs),
}

/// What every subcommand gets: the settings and the language to talk in.
pub struct Context {
    pub settings: Settings,
    pub lang: Lang,
}

impl Context {
    /// The text in the language of the command line.
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(vi, en)
    }
}

/// Turns an error that can explain itself into a one-line error in the CLI's language.
pub trait OrLocalized<T> {
    fn or_localized(self, lang: Lang) -> anyhow::Result<T>;
}

impl<T, E: Localized> OrLocalized<T> for Result<T, E> {
    fn or_localized(self, lang: Lang) -> anyhow::Result<T> {
        self.map_err(|e| anyhow::anyhow!(e.message().get(lang).to_string()))
    }
}

/// Reads the questionnaires and opens the database, printing every problem of an invalid
/// questionnaire on its own line before failing.
pub fn prepare(ctx: &Context, settings: &Settings) -> anyhow::Result<Prepared> {
    prepare_app(settings).map_err(|error| {
        if let StartupError::Forms(problems) = &error {
            for problem in problems {
                eprintln!("{}", problem.render(ctx.lang));
            }
        }
        anyhow::anyhow!(error.message().get(ctx.lang).to_string())
    })
}

/// Parses the command line, runs the subcommand, and reports a failure on one line of
/// standard error with a non-zero exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let line = format!("{error:#}").replace('\n', " ");
            eprintln!("sipas: {line}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = Overrides {
        bind: cli.global.bind,
        base_url: cli.global.base_url,
        database_url: cli.global.database_url,
        data_dir: cli.global.data_dir,
    };
    let settings = Settings::load(cli.global.config.as_deref(), &overrides)?;
    // One-shot commands keep standard error for what matters.
    let serving = matches!(cli.command, Command::Serve | Command::Demo(_));
    if !serving {
        end_quietly_on_closed_pipe();
    }
    let level = if serving {
        settings.log_level.as_str()
    } else {
        "warn"
    };
    crate::telemetry::init(settings.log_format, level).map_err(anyhow::Error::msg)?;
    let ctx = Context {
        lang: settings.language,
        settings,
    };
    match cli.command {
        Command::Serve => serve::run(&ctx),
        Command::Migrate => migrate::run(&ctx),
        Command::Demo(args) => demo::run(&ctx, &args),
        Command::Units(command) => units::run(&ctx, command),
        Command::Desks(command) => desks::run(&ctx, command),
        Command::Forms(command) => forms::run(&ctx, command),
        Command::Codes(command) => codes::run(&ctx, command),
        Command::Report(args) => report::run(&ctx, &args),
        Command::Dossiers(command) => dossiers::run(&ctx, command),
        Command::Responses(command) => responses::run(&ctx, command),
        Command::Users(command) => users::run(&ctx, command),
        Command::Tokens(command) => tokens::run(&ctx, command),
        Command::Digest(command) => mail::run_digest(&ctx, command),
        Command::Mail(command) => mail::run_mail(&ctx, command),
        Command::Backup(args) => backup::run(&ctx, &args),
    }
}

/// A one-shot command piped into `head` stops quietly when the pipe closes, like other
/// command-line tools, instead of failing on the next line it prints. (The server keeps
/// Rust's default of ignoring SIGPIPE: a client that hangs up must not stop it.)
#[allow(unsafe_code)]
fn end_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
