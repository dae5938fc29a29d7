//! `sipas users add|list|disable|enable|set-password|grant`: accounts from the command line
//! (the first administrator of a fresh install is made here).

use std::io::{IsTerminal, Read};

use clap::Subcommand;

use super::output::{Format, print_json, print_table};
use super::{Context, OrLocalized, prepare};
use crate::auth::accounts::{self, NewAccount};
use crate::auth::{Role, password};
use crate::db::{self, DbConnection};
use crate::i18n::Lang;

#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Thêm người dùng; mật khẩu đọc từ stdin (khi không phải terminal) hoặc được tạo và
    /// in ra một lần / add a user; the password is read from standard input (when it is not
    /// a terminal) or generated and printed once
    Add {
        #[arg(long)]
        email: String,
        /// Họ tên / full name
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Mã đơn vị (không dùng cho admin) / unit code (not for admin)
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
        /// Ngôn ngữ của thư điện tử gửi người này / language of the user's e-mails
        #[arg(long, value_enum, default_value_t = LangArg::Vi)]
        language: LangArg,
    },
    /// Liệt kê người dùng / list users
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Vô hiệu hóa (đăng xuất ngay) / disable (signs out at once)
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Kích hoạt lại / enable again
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Đặt mật khẩu mới (stdin hoặc tạo tự động) / set a new password (standard input or generated)
    SetPassword {
        #[arg(long)]
        email: String,
    },
    /// Cấp thêm quyền / grant a role on a unit
    Grant {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: Role,
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LangArg {
    Vi,
    En,
}

/// The password to use: standard input when it is not a terminal, otherwise a generated
/// one (which the caller prints once).
fn password_source(ctx: &Context) -> anyhow::Result<(String, bool)> {
    if std::io::stdin().is_terminal() {
        return Ok((password::generate(), true));
    }
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let given = input.lines().next().unwrap_or_default().to_string();
    if given.is_empty() {
        anyhow::bail!(
            "{}",
            ctx.t("không có mật khẩu trên stdin", "no password on standard input")
        );
    }
    Ok((given, false))
}

fn print_generated(ctx: &Context, generated: bool, password: &str) {
    if generated {
        println!(
            "{} {password}",
            ctx.t("Mật khẩu (chỉ hiện một lần):", "Password (shown only once):")
        );
    }
}

fn user(ctx: &Context, conn: &mut DbConnection, email: &str) -> anyhow::Result<db::users::User> {
    accounts::find(conn, email).or_localized(ctx.lang)
}

pub fn run(ctx: &Context, command: UsersCommand) -> anyhow::Result<()> {
    let prepared = prepare(ctx, &ctx.settings)?;
    let mut conn = prepared.db.conn().or_localized(ctx.lang)?;
    match command {
        UsersCommand::Add {
            email,
            name,
            role,
            unit,
            language,
        } => {
            let (password, generated) = password_source(ctx)?;
            let language = match language {
                LangArg::Vi => Lang::Vi,
                LangArg::En => Lang::En,
            };
            let account = NewAccount {
                email: &email,
                name: &name,
                role,
                unit: unit.as_deref(),
                password: &password,
                language,
            };
            accounts::add_user(&mut conn, &account).or_localized(ctx.lang)?;
            let grant = crate::auth::Grant { role, unit };
            println!(
                "{} {} ({})",
                ctx.t("Đã thêm người dùng", "Added user"),
                email.trim().to_lowercase(),
                grant.describe()
            );
            print_generated(ctx, generated, &password);
        }
        UsersCommand::List { format } => {
            let users = accounts::list(&mut conn).or_localized(ctx.lang)?;
            match format {
                Format::Json => print_json(&users)?,
                Format::Table => {
                    let rows: Vec<Vec<String>> = users
                        .iter()
                        .map(|u| {
                            let grants: Vec<String> = u.grants.iter().map(|g| g.describe()).collect();
                            let status = if u.disabled {
                                ctx.t("vô hiệu", "disabled")
                            } else {
                                ctx.t("hoạt động", "active")
                            };
                            vec![
                                u.email.clone(),
                                u.name.clone(),
                                grants.join(", "),
                                status.to_string(),
                            ]
                        })
                        .collect();
                    print_table(
                        &[
                            "E-MAIL",
                            ctx.t("HỌ TÊN", "NAME"),
                            ctx.t("QUYỀN", "ACCESS"),
                            ctx.t("TRẠNG THÁI", "STATUS"),
                        ],
                        &rows,
                    );
                }
            }
        }
        UsersCommand::Disable { email } => {
            let user = user(ctx, &mut conn, &email)?;
            db::users::set_disabled(&mut conn, user.id, true)
                .map_err(db::DbError::from)
                .or_localized(ctx.lang)?;
            println!("{} {}", ctx.t("Đã vô hiệu hóa", "Disabled"), user.email);
        }
        UsersCommand::Enable { email } => {
            let user = user(ctx, &mut conn, &email)?;
            db::users::set_disabled(&mut conn, user.id, false)
                .map_err(db::DbError::from)
                .or_localized(ctx.lang)?;
            println!("{} {}", ctx.t("Đã kích hoạt lại", "Enabled"), user.email);
        }
        UsersCommand::SetPassword { email } => {
            let user = user(ctx, &mut conn, &email)?;
            let (password, generated) = password_source(ctx)?;
            accounts::set_password(&mut conn, &user, &password).or_localized(ctx.lang)?;
            println!(
                "{} {}",
                ctx.t("Đã đặt mật khẩu mới cho", "New password set for"),
                user.email
            );
            print_generated(ctx, generated, &password);
        }
        UsersCommand::Grant { email, role, unit } => {
            let user = user(ctx, &mut conn, &email)?;
            accounts::grant(&mut conn, user.id, role, unit.as_deref()).or_localized(ctx.lang)?;
            let grant = crate::auth::Grant { role, unit };
            println!(
                "{} {} → {}",
                ctx.t("Đã cấp quyền", "Granted"),
                grant.describe(),
                user.email
            );
        }
    }
    Ok(())
}
