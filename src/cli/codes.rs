//! `sipas codes poster|tickets|revoke`: a desk's QR poster, sheets of single-use tickets,
//! and withdrawing a ticket.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use super::prepare;
use super::{Context, OrLocalized};
use crate::app;
use crate::codes::print::{self, Document, Layout, PosterFormat, TicketFormat};
use crate::codes::tickets::{self, Revoked};
use crate::db::desks::Desk;
use crate::db::units::Unit;
use crate::db::{self, DbConnection, DbError};
use crate::desks::find_by_code_or_id;

/// Batches at least this large get a progress bar on a terminal.
const PROGRESS_FROM: usize = 50;

#[derive(Subcommand, Debug)]
pub enum CodesCommand {
    /// In áp phích mã QR của quầy (A4) / print a desk's QR poster (A4)
    Poster {
        /// Mã quầy hoặc số ID của quầy / the desk's code or ID
        #[arg(long, value_name = "DESK")]
        desk: String,
        #[arg(long, value_enum, default_value_t = PosterFormat::Pdf)]
        format: PosterFormat,
        /// Tệp ghi ra («-» là đầu ra chuẩn) / file to write ("-" for standard output)
        /// [default: poster-CODE.FORMAT]
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Phát hành và in phiếu khảo sát dùng một lần / issue and print single-use tickets
    Tickets {
        /// Mã quầy hoặc số ID của quầy / the desk's code or ID
        #[arg(long, value_name = "DESK")]
        desk: String,
        /// Số phiếu (1–500) / number of tickets (1–500)
        #[arg(long, value_name = "N")]
        count: usize,
        /// Mã thủ tục hành chính ghi kèm phiếu / procedure code recorded with the tickets
        #[arg(long, value_name = "CODE")]
        procedure: Option<String>,
        /// Lĩnh vực của thủ tục, vd. «Hộ tịch» / the procedure's field
        #[arg(long, value_name = "FIELD")]
        field: Option<String>,
        #[arg(long, value_enum, default_value_t = TicketFormat::Pdf)]
        format: TicketFormat,
        /// Tờ A4 (10 phiếu cắt rời) hoặc giấy in nhiệt 80 mm /
        /// A4 sheets (ten cut-out cards) or 80 mm thermal receipts
        #[arg(long, value_enum, default_value_t = Layout::Sheet)]
        layout: Layout,
        /// Tệp ghi ra («-» là đầu ra chuẩn) / file to write ("-" for standard output)
        /// [default: tickets-CODE-DATE.FORMAT]
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Thu hồi một phiếu chưa dùng (in nhầm, bị mất) / revoke an unused ticket (misprinted, lost)
    Revoke {
        /// Mã phiếu / the ticket's code
        code: String,
    },
}

pub fn run(ctx: &Context, command: CodesCommand) -> anyhow::Result<()> {
    let prepared = prepare(ctx, &ctx.settings)?;
    let mut conn = prepared.db.conn().or_localized(ctx.lang)?;
    let base_url = ctx.settings.public_base_url();
    match command {
        CodesCommand::Poster { desk, format, output } => {
            let (desk, unit) = find_desk(ctx, &mut conn, &desk)?;
            let minutes = prepared
                .forms
                .current(&desk.form_id)
                .map_or(1, |f| f.form.minutes());
            let document = print::poster_document(&desk, &unit, &base_url, minutes, format)
                .map_err(anyhow::Error::msg)?;
            let default = format!("poster-{}.{}", desk.code, document.extension);
            let written = write_document(&document, output.as_deref(), &default)?;
            eprintln!(
                "{} «{}» → {written}",
                ctx.t("Áp phích của quầy", "Poster of desk"),
                desk.name
            );
            Ok(())
        }
        CodesCommand::Tickets {
            desk,
            count,
            procedure,
            field,
            format,
            layout,
            output,
        } => {
            let (desk, _) = find_desk(ctx, &mut conn, &desk)?;
            let procedure = (procedure.as_deref(), field.as_deref());
            let (cards, date) = app::tickets::print_batch(&mut conn, &desk, count, procedure, &ctx.settings)
                .or_localized(ctx.lang)?;
            drop(conn);
            let bar = progress_bar(ctx, cards.len());
            let document =
                print::tickets_document(&cards, layout, format, &|done| bar.set_position(done as u64))
                    .map_err(anyhow::Error::msg)?;
            bar.finish_and_clear();
            let default = format!("tickets-{}-{date}.{}", desk.code, document.extension);
            let written = write_document(&document, output.as_deref(), &default)?;
            let last_day = cards
                .first()
                .map(|c| c.last_day.format("%d/%m/%Y").to_string())
                .unwrap_or_default();
            eprintln!(
                "{} {} {} «{}» → {written} ({} {last_day})",
                ctx.t("Đã phát hành", "Issued"),
                cards.len(),
                ctx.t("phiếu cho quầy", "tickets for desk"),
                desk.name,
                ctx.t("dùng được đến hết ngày", "valid until the end of"),
            );
            Ok(())
        }
        CodesCommand::Revoke { code } => {
            let outcome = tickets::revoke(&mut conn, &code, None).or_localized(ctx.lang)?;
            let shown: String = code.trim().chars().take(20).collect();
            let message = outcome.message(&shown);
            match outcome {
                Revoked::Now => {
                    println!("{}", message.get(ctx.lang));
                    Ok(())
                }
                _ => anyhow::bail!("{}", message.get(ctx.lang)),
            }
        }
    }
}

fn find_desk(ctx: &Context, conn: &mut DbConnection, named: &str) -> anyhow::Result<(Desk, Unit)> {
    let desk = find_by_code_or_id(conn, named)
        .or_localized(ctx.lang)?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} «{named}»",
                ctx.t("không có quầy mã hoặc ID", "there is no desk with code or ID")
            )
        })?;
    let unit = db::units::find(conn, &desk.unit_code)
        .map_err(DbError::from)
        .or_localized(ctx.lang)?
        .ok_or_else(|| anyhow::anyhow!("{}", desk.unit_code))?;
    Ok((desk, unit))
}

/// A bar on standard error for a large batch when a person is watching; hidden otherwise.
fn progress_bar(ctx: &Context, total: usize) -> ProgressBar {
    if total < PROGRESS_FROM || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    let template = format!(
        "{{bar:40}} {{pos}}/{{len}} {} ({{eta}})",
        ctx.t("phiếu", "tickets")
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// Writes a document to `output`, to `default` in the current directory without one, or
/// to standard output for `-`. Returns where it went.
fn write_document(document: &Document, output: Option<&Path>, default: &str) -> anyhow::Result<String> {
    let path = output.unwrap_or(Path::new(default));
    if path == Path::new("-") {
        std::io::stdout().write_all(&document.bytes)?;
        return Ok("stdout".into());
    }
    std::fs::write(path, &document.bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(path.display().to_string())
}
