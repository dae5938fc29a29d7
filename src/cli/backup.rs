//! `sipas backup FILE`: a checked copy of the SQLite database, taken while the server
//! runs. PostgreSQL is backed up with `pg_dump`, which this explains.

use std::path::PathBuf;

use clap::Args;

use super::{Context, OrLocalized};
use crate::db::DatabaseLocation;
use crate::db::backup::{self, BackupError};

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// Tệp sao lưu sẽ tạo (chưa tồn tại) / the backup file to write (must not exist)
    file: PathBuf,
}

pub fn run(ctx: &Context, args: &BackupArgs) -> anyhow::Result<()> {
    let DatabaseLocation::Sqlite(source) = ctx.settings.database() else {
        return Err(BackupError::Postgres).or_localized(ctx.lang);
    };
    let report = backup::sqlite(&source, &args.file).or_localized(ctx.lang)?;
    println!(
        "{} {} ({:.1} MB)",
        ctx.t("Đã sao lưu vào", "Backed up to"),
        report.path.display(),
        report.bytes as f64 / 1_048_576.0
    );
    println!(
        "{}: {}",
        ctx.t("kiểm tra toàn vẹn (integrity_check)", "integrity check"),
        report.integrity
    );
    for (table, rows) in &report.rows {
        println!("{table}: {rows}");
    }
    Ok(())
}
