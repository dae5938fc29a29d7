//! `sipas migrate`: apply pending database migrations.

use super::{Context, OrLocalized};
use crate::startup::open_database;

pub fn run(ctx: &Context) -> anyhow::Result<()> {
    let (db, applied) = open_database(&ctx.settings).or_localized(ctx.lang)?;
    let location = db.location().redacted();
    if applied.is_empty() {
        println!(
            "{} ({location})",
            ctx.t(
                "Lược đồ cơ sở dữ liệu đã mới nhất",
                "The database schema is up to date"
            )
        );
    } else {
        println!(
            "{} {} ({location}): {}",
            ctx.t("Đã áp dụng", "Applied"),
            applied.len(),
            applied.join(", ")
        );
    }
    Ok(())
}
