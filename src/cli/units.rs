//! `sipas units import|list`: the administrative tree.

use std::path::PathBuf;

use clap::Subcommand;

use super::output::{Format, print_json, print_table, rejected_file};
use super::{Context, OrLocalized};
use crate::db;
use crate::startup::open_database;
use crate::units::import::{self, ImportError, ImportSummary};

#[derive(Subcommand, Debug)]
pub enum UnitsCommand {
    /// Nhập hoặc cập nhật đơn vị từ tệp CSV code,name,kind,parent_code /
    /// import or update units from a code,name,kind,parent_code CSV file
    Import {
        /// Tệp CSV UTF-8 / UTF-8 CSV file
        file: PathBuf,
    },
    /// Liệt kê đơn vị cấp cao nhất, hoặc đơn vị con của --parent /
    /// list the top-level units, or the children of --parent
    List {
        /// Mã đơn vị cha / parent unit code
        #[arg(long, value_name = "CODE")]
        parent: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Mở (hoặc đóng với --off) trang công khai chỉ số của đơn vị /
    /// open (or close with --off) the unit's public page of indices
    Publish {
        /// Mã đơn vị / unit code
        code: String,
        /// Đóng trang công khai / close the public page
        #[arg(long)]
        off: bool,
    },
}

pub fn run(ctx: &Context, command: UnitsCommand) -> anyhow::Result<()> {
    match command {
        UnitsCommand::Import { file } => import_file(ctx, &file),
        UnitsCommand::List { parent, format } => list(ctx, parent.as_deref(), format),
        UnitsCommand::Publish { code, off } => publish(ctx, &code, !off),
    }
}

fn publish(ctx: &Context, code: &str, public: bool) -> anyhow::Result<()> {
    let (db, _) = open_database(&ctx.settings).or_localized(ctx.lang)?;
    let mut conn = db.conn().or_localized(ctx.lang)?;
    let found = crate::db::units::set_public(&mut conn, code, public)
        .map_err(crate::db::DbError::from)
        .or_localized(ctx.lang)?;
    if !found {
        anyhow::bail!(
            "{} «{code}»",
            ctx.t("không có đơn vị mã", "there is no unit with code")
        );
    }
    let base = ctx.settings.public_base_url();
    if public {
        println!(
            "{} {base}/public/units/{code}",
            ctx.t("Đã mở trang công khai:", "Public page open:")
        );
    } else {
        println!(
            "{} «{code}»",
            ctx.t("Đã đóng trang công khai của", "Public page closed for")
        );
    }
    Ok(())
}

fn import_file(ctx: &Context, file: &PathBuf) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).map_err(|e| {
        anyhow::anyhow!(
            "{} {}: {e}",
            ctx.t("không đọc được tệp", "cannot read the file"),
            file.display()
        )
    })?;
    let (db, _) = open_database(&ctx.settings).or_localized(ctx.lang)?;
    let mut conn = db.conn().or_localized(ctx.lang)?;
    match import::import_csv(&mut conn, &bytes) {
        Ok(summary) => {
            print_summary(ctx, &file.display().to_string(), &summary);
            Ok(())
        }
        Err(ImportError::Db(e)) => Err(e).or_localized(ctx.lang),
        Err(ImportError::Rejected(problems)) => {
            let problems: Vec<_> = problems.iter().map(|p| (p.line, &p.message)).collect();
            Err(rejected_file(ctx, file, &problems))
        }
    }
}

/// One line saying what an import changed.
pub fn print_summary(ctx: &Context, source: &str, s: &ImportSummary) {
    match ctx.lang {
        crate::i18n::Lang::Vi => println!(
            "Đã nhập {} đơn vị từ {source}: {} mới, {} cập nhật, {} không đổi.",
            s.rows, s.created, s.updated, s.unchanged
        ),
        crate::i18n::Lang::En => println!(
            "Imported {} units from {source}: {} new, {} updated, {} unchanged.",
            s.rows, s.created, s.updated, s.unchanged
        ),
    }
}

fn list(ctx: &Context, parent: Option<&str>, format: Format) -> anyhow::Result<()> {
    let (db, _) = open_database(&ctx.settings).or_localized(ctx.lang)?;
    let mut conn = db.conn().or_localized(ctx.lang)?;
    if let Some(parent) = parent
        && db::units::find(&mut conn, parent)
            .map_err(db::DbError::from)
            .or_localized(ctx.lang)?
            .is_none()
    {
        anyhow::bail!(
            "{} «{parent}»",
            ctx.t("không có đơn vị mã", "there is no unit with code")
        );
    }
    let units = db::units::children(&mut conn, parent)
        .map_err(db::DbError::from)
        .or_localized(ctx.lang)?;
    match format {
        Format::Json => print_json(&units),
        Format::Table => {
            let rows: Vec<Vec<String>> = units.into_iter().map(|u| vec![u.code, u.kind, u.name]).collect();
            print_table(
                &[ctx.t("MÃ", "CODE"), ctx.t("LOẠI", "KIND"), ctx.t("TÊN", "NAME")],
                &rows,
            );
            Ok(())
        }
    }
}
