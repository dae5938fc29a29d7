//! `sipas demo`: a demo database with the real units of one province, then serve it.

use clap::Args;

use super::prepare;
use super::{Context, OrLocalized};
use crate::db::{self, DbError};
use crate::desks::{self, DEFAULT_FORM};
use crate::units::{self, import::ImportError};

/// The name of the desk the demo gives every commune.
const DEMO_DESK: &str = "Bộ phận Một cửa";

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
                DEFAULT_FORM,
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
    })
}
