//! `sipas dossiers import FILE.csv`: dossiers received per unit and month
//! (`unit_code,month,dossiers`), the weights of the weighted roll-up and the population of
//! sample targets.

use std::path::PathBuf;

use clap::Subcommand;

use super::output::rejected_file;
use super::{Context, OrLocalized};
use crate::dossiers::{self, DossierError};
use crate::startup::open_database;

#[derive(Subcommand, Debug)]
pub enum DossiersCommand {
    /// Nhập số hồ sơ theo đơn vị và tháng từ tệp CSV unit_code,month,dossiers (tháng như
    /// 2025-07; nhập lại một đơn vị-tháng thì thay số cũ) / import dossiers per unit and
    /// month from a unit_code,month,dossiers CSV file (months as 2025-07; a unit-month
    /// given again replaces the old count)
    Import {
        /// Tệp CSV UTF-8 / UTF-8 CSV file
        file: PathBuf,
    },
}

pub fn run(ctx: &Context, command: DossiersCommand) -> anyhow::Result<()> {
    match command {
        DossiersCommand::Import { file } => import(ctx, &file),
    }
}

fn import(ctx: &Context, file: &PathBuf) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).map_err(|e| {
        anyhow::anyhow!(
            "{} {}: {e}",
            ctx.t("không đọc được tệp", "cannot read the file"),
            file.display()
        )
    })?;
    let problems = |problems: Vec<dossiers::Problem>| {
        let listed: Vec<_> = problems.iter().map(|p| (p.line, &p.message)).collect();
        rejected_file(ctx, file, &listed)
    };
    let rows = dossiers::read_csv(&bytes).map_err(problems)?;
    let (db, _) = open_database(&ctx.settings).or_localized(ctx.lang)?;
    let mut conn = db.conn().or_localized(ctx.lang)?;
    match dossiers::store(&mut conn, &rows) {
        Ok(stored) => {
            println!(
                "{} {stored} {} {}",
                ctx.t("Đã lưu số hồ sơ của", "Stored the dossiers of"),
                ctx.t("đơn vị-tháng từ", "unit-months from"),
                file.display()
            );
            Ok(())
        }
        Err(DossierError::Db(e)) => Err(e).or_localized(ctx.lang),
        Err(DossierError::Rejected(found)) => Err(problems(found)),
    }
}
