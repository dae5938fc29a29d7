//! `sipas digest send [--dry-run]` and `sipas mail status`.

use clap::Subcommand;

use super::output::{Format, print_json, print_table};
use super::{Context, OrLocalized, prepare};
use crate::db::{self, DbError};
use crate::mail::send::Mailer;
use crate::mail::{digest, worker};

#[derive(Subcommand, Debug)]
pub enum DigestCommand {
    /// Xếp hàng và gửi ngay các bản tin đến hạn (tuần/tháng vừa qua) / queue and send the
    /// digests due now (the last whole week or month)
    Send {
        /// Chỉ in ra, không xếp hàng hay gửi / print them; queue and send nothing
        #[arg(long)]
        dry_run: bool,
        /// Các bản tin đến hạn vào ngày này, ví dụ để gửi bù sau khi máy chủ ngừng (mặc
        /// định: hôm nay) / the digests due on this day, e.g. to catch up after the server
        /// was down (default: today)
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        date: Option<chrono::NaiveDate>,
    },
}

fn parse_day(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("ngày «{text}» không hợp lệ (YYYY-MM-DD) / not a date (YYYY-MM-DD)"))
}

#[derive(Subcommand, Debug)]
pub enum MailCommand {
    /// Hàng đợi thư: đang chờ, đang lỗi, đã gửi / the mail queue: waiting, failing, sent
    Status {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run_digest(ctx: &Context, command: DigestCommand) -> anyhow::Result<()> {
    let DigestCommand::Send { dry_run, date } = command;
    let prepared = prepare(ctx, &ctx.settings)?;
    let mut conn = prepared.db.conn().or_localized(ctx.lang)?;
    let today = match date {
        Some(day) => day,
        None => chrono::Utc::now().with_timezone(&ctx.settings.tz()).date_naive(),
    };
    if dry_run {
        let due = digest::due(&mut conn, &prepared.forms, &ctx.settings, today).or_localized(ctx.lang)?;
        for mail in &due {
            println!(
                "{}: {}\n{}: {}\n\n{}\n",
                ctx.t("Đến", "To"),
                mail.recipient,
                ctx.t("Tiêu đề", "Subject"),
                mail.subject,
                mail.text
            );
        }
        eprintln!(
            "{} {}",
            due.len(),
            ctx.t("bản tin đến hạn (chưa gửi gì)", "digests due (nothing sent)")
        );
        return Ok(());
    }
    let mailer = Mailer::from_settings(&ctx.settings)
        .map_err(anyhow::Error::msg)?
        .ok_or_else(|| {
            anyhow::anyhow!(ctx.t(
                "chưa cấu hình máy chủ thư (smtp_host)",
                "no mail server is set (smtp_host)"
            ))
        })?;
    let queued =
        digest::queue_due(&mut conn, &prepared.forms, &ctx.settings, today).or_localized(ctx.lang)?;
    let done = worker::deliver(&mut conn, &mailer, &ctx.settings)
        .map_err(DbError::from)
        .or_localized(ctx.lang)?;
    eprintln!(
        "{queued} {}; {} {}, {} {}",
        ctx.t("bản tin mới xếp hàng", "digests queued"),
        done.sent,
        ctx.t("thư đã gửi", "mails sent"),
        done.failed,
        ctx.t("thư lỗi (sẽ gửi lại)", "failed (to be retried)")
    );
    Ok(())
}

pub fn run_mail(ctx: &Context, command: MailCommand) -> anyhow::Result<()> {
    let MailCommand::Status { format } = command;
    let prepared = prepare(ctx, &ctx.settings)?;
    let mut conn = prepared.db.conn().or_localized(ctx.lang)?;
    let status = db::outbox::status(&mut conn)
        .map_err(DbError::from)
        .or_localized(ctx.lang)?;
    let pending: Vec<db::outbox::Mail> = db::outbox::latest(&mut conn, 200)
        .map_err(DbError::from)
        .or_localized(ctx.lang)?
        .into_iter()
        .filter(|m| m.sent_at.is_none())
        .collect();
    match format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Pending {
                id: i64,
                kind: String,
                recipient: String,
                attempts: i32,
                next_attempt_at: String,
                last_error: Option<String>,
            }
            #[derive(serde::Serialize)]
            struct Document {
                #[serde(flatten)]
                status: db::outbox::QueueStatus,
                pending: Vec<Pending>,
            }
            print_json(&Document {
                status,
                pending: pending
                    .into_iter()
                    .map(|m| Pending {
                        id: m.id,
                        kind: m.kind,
                        recipient: m.recipient,
                        attempts: m.attempts,
                        next_attempt_at: format!("{}Z", m.next_attempt_at.format("%Y-%m-%dT%H:%M:%S")),
                        last_error: m.last_error,
                    })
                    .collect(),
            })
        }
        Format::Table => {
            println!(
                "{}: {}, {}: {}, {}: {}",
                ctx.t("đang chờ", "waiting"),
                status.waiting,
                ctx.t("đang lỗi", "failing"),
                status.failing,
                ctx.t("đã gửi", "sent"),
                status.sent
            );
            let rows: Vec<Vec<String>> = pending
                .iter()
                .map(|m| {
                    vec![
                        m.id.to_string(),
                        m.kind.clone(),
                        m.recipient.clone(),
                        m.attempts.to_string(),
                        m.next_attempt_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        m.last_error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                print_table(
                    &[
                        "id",
                        "kind",
                        "recipient",
                        "attempts",
                        "next_attempt_at (UTC)",
                        "last_error",
                    ],
                    &rows,
                );
            }
            Ok(())
        }
    }
}
