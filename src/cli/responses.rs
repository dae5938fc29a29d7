//! `sipas responses import|export`: paper questionnaires in, answers out.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use super::prepare;
use super::{Context, OrLocalized};
use crate::i18n::Localized;
use crate::indices::Period;
use crate::responses::export::{ExportFormat, ExportRequest, export};
use crate::responses::import::{ImportError, import, read_table};

#[derive(Subcommand, Debug)]
pub enum ResponsesCommand {
    /// Nhập phiếu giấy từ tệp .csv hoặc .xlsx / import paper questionnaires from .csv or .xlsx
    Import {
        /// Phiếu khảo sát / questionnaire
        #[arg(long, value_name = "ID")]
        form: String,
        /// Bỏ qua các dòng lỗi, nhập các dòng đúng / skip bad rows, import the good ones
        #[arg(long)]
        skip_invalid: bool,
        /// Tệp: unit_code, desk, submitted_at, procedure_code, rồi mỗi câu hỏi một cột /
        /// file: unit_code, desk, submitted_at, procedure_code, then a column per question
        file: PathBuf,
    },
    /// Xuất phiếu trả lời, mỗi phiếu một dòng / export responses, one row each
    Export {
        /// Phiếu khảo sát / questionnaire
        #[arg(long, value_name = "ID")]
        form: String,
        /// Mã đơn vị (cả các đơn vị trực thuộc) [mặc định: tất cả] / unit code (with its subtree) [default: all]
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
        /// Kỳ: 2025, 2025Q3 hoặc 2025-07 [mặc định: năm nay] / period [default: this year]
        #[arg(long, value_name = "P")]
        period: Option<String>,
        /// Từ ngày / from day (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Đến ngày / to day (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Tệp ghi ra / file to write
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
}

pub fn run(ctx: &Context, command: ResponsesCommand) -> anyhow::Result<()> {
    match command {
        ResponsesCommand::Import {
            form,
            skip_invalid,
            file,
        } => import_file(ctx, &form, skip_invalid, &file),
        ResponsesCommand::Export {
            form,
            unit,
            period,
            from,
            to,
            format,
            output,
        } => {
            let today = chrono::Utc::now().with_timezone(&ctx.settings.tz()).date_naive();
            let period = Period::choose(period.as_deref(), from.as_deref(), to.as_deref(), today)
                .or_localized(ctx.lang)?;
            export_file(ctx, &form, unit.as_deref(), period, format, &output)
        }
    }
}

/// A bar on standard error for work of `total` steps when a person is watching.
pub fn progress_bar(total: usize, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{eta}})")) {
        bar.set_style(style);
    }
    bar
}

fn find_form(
    ctx: &Context,
    prepared: &crate::startup::Prepared,
    form_id: &str,
) -> anyhow::Result<std::sync::Arc<crate::forms::RegisteredForm>> {
    prepared.forms.current(form_id).ok_or_else(|| {
        anyhow::anyhow!(
            "{} «{form_id}» ({}: {})",
            ctx.t("không có phiếu khảo sát", "there is no questionnaire"),
            ctx.t("có", "there are"),
            prepared.forms.ids().join(", ")
        )
    })
}

fn export_file(
    ctx: &Context,
    form_id: &str,
    unit: Option<&str>,
    period: Period,
    format: ExportFormat,
    output: &std::path::Path,
) -> anyhow::Result<()> {
    let prepared = prepare(ctx, &ctx.settings)?;
    let form = find_form(ctx, &prepared, form_id)?;
    let file = std::fs::File::create(output).map_err(|e| anyhow::anyhow!("{}: {e}", output.display()))?;
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    let progress = |done: usize| bar.set_message(format!("{done} {}", ctx.t("phiếu", "responses")));
    let request = ExportRequest {
        form: &form,
        unit,
        period,
        field: None,
        format,
    };
    let result = export(&prepared.db, &request, std::io::BufWriter::new(file), &progress);
    bar.finish_and_clear();
    match result {
        Ok(count) => {
            eprintln!(
                "{} {count} {} → {}",
                ctx.t("Đã xuất", "Exported"),
                ctx.t("phiếu", "responses"),
                output.display()
            );
            Ok(())
        }
        Err(error) => {
            // Half a file is worse than none.
            let _ = std::fs::remove_file(output);
            Err(error).or_localized(ctx.lang)
        }
    }
}

fn import_file(ctx: &Context, form_id: &str, skip_invalid: bool, file: &PathBuf) -> anyhow::Result<()> {
    let prepared = prepare(ctx, &ctx.settings)?;
    let form = find_form(ctx, &prepared, form_id)?;
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let name = file.display().to_string();
    let table = read_table(&name, &bytes).or_localized(ctx.lang)?;
    let mut conn = prepared.db.conn().or_localized(ctx.lang)?;
    let bar = progress_bar(table.len_hint(), ctx.t("dòng", "rows"));
    let progress = |done: usize| bar.set_position(done as u64);
    let result = import(
        &mut conn,
        &form,
        &table,
        skip_invalid,
        ctx.settings.tz(),
        &progress,
    );
    bar.finish_and_clear();
    match result {
        Ok(imported) => {
            for problem in &imported.skipped {
                eprintln!("{name}:{}: {}", problem.line, problem.message.get(ctx.lang));
            }
            println!(
                "{} {} {} «{}» ({} {} {})",
                ctx.t("Đã nhập", "Imported"),
                imported.stored,
                ctx.t("phiếu giấy vào", "paper responses to"),
                form_id,
                ctx.t("bỏ qua", "skipped"),
                imported.skipped.len(),
                ctx.t("dòng lỗi", "bad rows"),
            );
            Ok(())
        }
        Err(ImportError::Rejected(problems)) => {
            for problem in &problems {
                eprintln!("{name}:{}: {}", problem.line, problem.message.get(ctx.lang));
            }
            anyhow::bail!("{}", ImportError::Rejected(problems).message().get(ctx.lang))
        }
        Err(other) => Err(other).or_localized(ctx.lang),
    }
}
