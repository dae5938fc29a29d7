//! `sipas tokens create|list|revoke`: API tokens for other programs.

use clap::Subcommand;

use super::output::{Format, print_json, print_table};
use super::{Context, OrLocalized, prepare};
use crate::auth::{Role, tokens};
use crate::db::{self, DbError};

#[derive(Subcommand, Debug)]
pub enum TokensCommand {
    /// Tạo mã truy cập; mã được in một lần ra stdout / create a token, printed once on
    /// standard output
    Create {
        /// Tên phần mềm dùng mã / name of the program using it
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
    },
    /// Liệt kê mã truy cập (không hiện mã) / list tokens (never the tokens themselves)
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Thu hồi mã truy cập / revoke a token
    Revoke {
        /// Số của mã (xem list) / the token's id (see list)
        #[arg(long)]
        id: i64,
    },
}

#[derive(serde::Serialize)]
struct TokenSummary {
    id: i64,
    name: String,
    role: String,
    unit: Option<String>,
    created_at: String,
    revoked: bool,
}

pub fn run(ctx: &Context, command: TokensCommand) -> anyhow::Result<()> {
    let prepared = prepare(ctx, &ctx.settings)?;
    let mut conn = prepared.db.conn().or_localized(ctx.lang)?;
    match command {
        TokensCommand::Create { name, role, unit } => {
            let (id, token) =
                tokens::create(&mut conn, &name, role, unit.as_deref()).or_localized(ctx.lang)?;
            // The notice goes to standard error, so `TOKEN=$(sipas tokens create …)` gets the token alone.
            eprintln!(
                "{} {id} ({})",
                ctx.t("Đã tạo mã truy cập số", "Created token"),
                ctx.t("chỉ hiện một lần", "shown only once")
            );
            println!("{token}");
        }
        TokensCommand::List { format } => {
            let listed: Vec<TokenSummary> = db::tokens::list(&mut conn)
                .map_err(DbError::from)
                .or_localized(ctx.lang)?
                .into_iter()
                .map(|t| TokenSummary {
                    id: t.id,
                    name: t.name,
                    role: t.role,
                    unit: t.unit_code,
                    created_at: t.created_at.format("%Y-%m-%d %H:%M").to_string(),
                    revoked: t.revoked_at.is_some(),
                })
                .collect();
            match format {
                Format::Json => print_json(&listed)?,
                Format::Table => {
                    let rows: Vec<Vec<String>> = listed
                        .iter()
                        .map(|t| {
                            let status = if t.revoked {
                                ctx.t("đã thu hồi", "revoked")
                            } else {
                                ctx.t("đang dùng", "active")
                            };
                            vec![
                                t.id.to_string(),
                                t.name.clone(),
                                t.role.clone(),
                                t.unit.clone().unwrap_or_default(),
                                t.created_at.clone(),
                                status.to_string(),
                            ]
                        })
                        .collect();
                    print_table(
                        &[
                            "ID",
                            ctx.t("TÊN", "NAME"),
                            ctx.t("VAI TRÒ", "ROLE"),
                            ctx.t("ĐƠN VỊ", "UNIT"),
                            ctx.t("TẠO LÚC (UTC)", "CREATED (UTC)"),
                            ctx.t("TRẠNG THÁI", "STATUS"),
                        ],
                        &rows,
                    );
                }
            }
        }
        TokensCommand::Revoke { id } => {
            if db::tokens::revoke(&mut conn, id)
                .map_err(DbError::from)
                .or_localized(ctx.lang)?
            {
                println!("{} {id}", ctx.t("Đã thu hồi mã truy cập số", "Revoked token"));
            } else {
                anyhow::bail!(
                    "{} {id}",
                    ctx.t("không có mã truy cập đang dùng số", "there is no active token")
                );
            }
        }
    }
    Ok(())
}
