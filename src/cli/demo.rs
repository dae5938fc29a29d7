//! `sipas demo`: a demo database with the real units of one province, then serve it.

use clap::Args;

use super::prepare;
use super::{Context, OrLocalized};
use crate::auth::Role;
use crate::auth::accounts::{self, NewAccount};
use crate::codes::tickets::{self, Issue, TicketState};
use crate::db::desks::Desk;
use crate::db::units::Unit;
use crate::db::{self, DbConnection, DbError};
use crate::desks::{self, DEFAULT_FORM};
use crate::forms::RegisteredForm;
use crate::units::{self, import::ImportError};

/// The name of the desk the demo gives every commune.
const DEMO_DESK: &str = "Bộ phận Một cửa";

/// The password of every demo account (printed by the demo; never use it elsewhere).
const DEMO_PASSWORD: &str = "sipas-demo-2026";

/// One account per role: an administrator, an official of the province, an official and
/// a member of desk staff of one commune. Returns each login with what it can do.
fn seed_users(
    ctx: &Context,
    conn: &mut DbConnection,
    province: &Unit,
    commune: &Unit,
) -> anyhow::Result<Vec<(String, String)>> {
    let accounts = [
        (
            "admin@sipas.test",
            ctx.t("Quản trị viên", "Administrator").to_string(),
            Role::Admin,
            None,
        ),
        (
            "tinh@sipas.test",
            format!("{} {}", ctx.t("Lãnh đạo", "Official of"), province.name),
            Role::Official,
            Some(province),
        ),
        (
            "xa@sipas.test",
            format!("{} {}", ctx.t("Lãnh đạo", "Official of"), commune.name),
            Role::Official,
            Some(commune),
        ),
        (
            "motcua@sipas.test",
            format!("{} {}", ctx.t("Công chức một cửa", "Desk staff of"), commune.name),
            Role::Staff,
            Some(commune),
        ),
    ];
    let mut logins = Vec::new();
    for (email, name, role, unit) in accounts {
        if db::users::find_by_email(conn, email)
            .map_err(DbError::from)
            .or_localized(ctx.lang)?
            .is_none()
        {
            let account = NewAccount {
                email,
                name: &name,
                role,
                unit: unit.map(|u| u.code.as_str()),
                password: DEMO_PASSWORD,
                language: ctx.lang,
            };
            accounts::add_user(conn, &account).or_localized(ctx.lang)?;
        }
        logins.push((email.to_string(), name));
    }
    Ok(logins)
}

/// Tickets the demo prints for the first desk, as its staff would.
const DEMO_TICKETS: usize = 20;
/// Of which this many are left unanswered.
const DEMO_TICKETS_OPEN: usize = 8;

/// Issues the first desk's demo tickets (once) and returns an unused one's code.
fn seed_tickets(
    ctx: &Context,
    conn: &mut DbConnection,
    desk: Option<&Desk>,
    form: Option<&RegisteredForm>,
) -> anyhow::Result<Option<String>> {
    let Some(desk) = desk else {
        return Ok(None);
    };
    let now = chrono::Utc::now().naive_utc();
    let open = db::tickets::of_desk(conn, desk.id)
        .map_err(DbError::from)
        .or_localized(ctx.lang)?
        .into_iter()
        .find(|t| tickets::state(t, now) == TicketState::Open);
    if let Some(ticket) = open {
        return Ok(Some(ticket.code));
    }
    let issued = tickets::issue(
        conn,
        &Issue::now(desk, DEMO_TICKETS, Some("1.001612"), &ctx.settings),
    )
    .or_localized(ctx.lang)?;
    // Most people answer their ticket; the first ones stay open to try.
    if let Some(form) = form {
        super::demo_responses::answer_tickets(conn, form, &issued[DEMO_TICKETS_OPEN..], ctx.settings.tz())
            .or_localized(ctx.lang)?;
    }
    Ok(issued.first().map(|t| t.code.clone()))
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Mã tỉnh/thành phố lấy làm dữ liệu mẫu / province whose units the demo uses
    /// (46 = Thành phố Huế)
    #[arg(long, value_name = "CODE", default_value = "46")]
    province: String,
    /// Chỉ tạo dữ liệu, không chạy máy chủ / seed the database, do not serve
    #[arg(long)]
    seed_only: bool,
}

pub fn run(ctx: &Context, args: &DemoArgs) -> anyhow::Result<()> {
    let mut settings = ctx.settings.clone();
    // The demo never writes into the configured production database by accident: unless
    // a database is given explicitly, it has a file of its own.
    if settings.database_url.trim().is_empty() {
        settings.database_url = settings
            .data_dir
            .join("demo.sqlite3")
            .to_string_lossy()
            .into_owned();
    }
    let prepared = prepare(ctx, &settings)?;
    let db = prepared.db.clone();
    let Some(csv) = units::vn_province_csv(&args.province) else {
        anyhow::bail!(
            "{} «{}»",
            ctx.t("không có tỉnh/thành phố mã", "there is no province with code"),
            args.province
        );
    };
    let mut conn = db.conn().or_localized(ctx.lang)?;
    let summary = match units::import::import_csv(&mut conn, csv.as_bytes()) {
        Ok(summary) => summary,
        Err(ImportError::Db(e)) => return Err(e).or_localized(ctx.lang),
        Err(ImportError::Rejected(problems)) => {
            anyhow::bail!("{}", problems[0].message.get(ctx.lang))
        }
    };
    super::units::print_summary(ctx, ctx.t("danh mục 2025", "the 2025 list"), &summary);

    let communes = db::units::children(&mut conn, Some(&args.province))
        .map_err(DbError::from)
        .or_localized(ctx.lang)?;
    let mut added = 0;
    for commune in &communes {
        let existing = db::desks::find_by_name(&mut conn, &commune.code, DEMO_DESK)
            .map_err(DbError::from)
            .or_localized(ctx.lang)?;
        if existing.is_none() {
            desks::add(
                &mut conn,
                &commune.code,
                DEMO_DESK,
                // Tickets answer the form the demo's responses and reports use.
                desks::DeskForms {
                    poster: desks::POSTER_FORM,
                    ticket: DEFAULT_FORM,
                },
                &prepared.forms.ids(),
            )
            .or_localized(ctx.lang)?;
            added += 1;
        }
    }
    println!(
        "{}: {} {} ({} {}). {}: {}",
        ctx.t("Quầy", "Desks"),
        communes.len(),
        ctx.t("xã/phường có quầy", "communes with a desk"),
        added,
        ctx.t("mới", "new"),
        ctx.t("Cơ sở dữ liệu", "Database"),
        db.location().redacted()
    );
    let first_desk = db::desks::list(&mut conn, Some(&[communes[0].code.clone()]))
        .map_err(DbError::from)
        .or_localized(ctx.lang)?;
    let province = db::units::find(&mut conn, &args.province)
        .map_err(DbError::from)
        .or_localized(ctx.lang)?
        .ok_or_else(|| anyhow::anyhow!("{}", args.province))?;
    let logins = seed_users(ctx, &mut conn, &province, &communes[0])?;
    let all_desks = db::desks::list(&mut conn, None)
        .map_err(DbError::from)
        .or_localized(ctx.lang)?;
    if let Some(form) = prepared.forms.current(DEFAULT_FORM) {
        let seeded = super::demo_responses::seed(&mut conn, &form, &all_desks, settings.tz())
            .or_localized(ctx.lang)?;
        if seeded > 0 {
            println!(
                "{}: {seeded}",
                ctx.t(
                    "Phiếu trả lời mẫu (12 tháng qua)",
                    "Demo responses (last 12 months)"
                )
            );
        }
    }
    let form = prepared.forms.current(DEFAULT_FORM);
    let ticket = seed_tickets(ctx, &mut conn, first_desk.first(), form.as_deref())?;
    println!(
        "{} /login ({} {DEMO_PASSWORD}):",
        ctx.t("Tài khoản mẫu, đăng nhập tại", "Demo accounts, sign in at"),
        ctx.t("mật khẩu", "password")
    );
    for (email, role) in &logins {
        println!("  {email:<20} {role}");
    }
    drop(conn);
    if args.seed_only {
        return Ok(());
    }
    super::serve::serve(ctx, &settings, prepared, |app| {
        if let Some(desk) = first_desk.first() {
            println!(
                "{} {}",
                ctx.t("Thử trả lời khảo sát:", "Try the survey:"),
                crate::desks::survey_url(app.base_url(), &desk.code)
            );
        }
        if let Some(code) = &ticket {
            println!(
                "{} {}",
                ctx.t(
                    "Hoặc bằng một phiếu dùng một lần:",
                    "Or with a single-use ticket:"
                ),
                crate::desks::survey_url(app.base_url(), code)
            );
        }
    })
}
