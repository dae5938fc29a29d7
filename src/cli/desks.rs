//! `sipas desks add|list`: reception desks and their survey codes.

use clap::Subcommand;

use super::output::{Format, print_json, print_table};
use super::prepare;
use super::{Context, OrLocalized};
use crate::db::{self, DbError};
use crate::desks::{self as desk_ops, DeskForms, DeskInfo, POSTER_FORM, TICKET_FORM};

#[derive(Subcommand, Debug)]
pub enum DesksCommand {
    /// Thêm quầy cho một đơn vị / add a desk to a unit
    Add {
        /// Mã đơn vị / unit code
        #[arg(long, value_name = "CODE")]
        unit: String,
        /// Tên quầy / desk name
        #[arg(long)]
        name: String,
        /// Phiếu của áp phích tại quầy / the form the desk's poster opens
        #[arg(long, value_name = "ID", default_value = POSTER_FORM)]
        form: String,
        /// Phiếu của phiếu khảo sát phát kèm kết quả / the form the desk's tickets open
        #[arg(long, value_name = "ID", default_value = TICKET_FORM)]
        ticket_form: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Liệt kê quầy (của --unit và các đơn vị trực thuộc) /
    /// list desks (of --unit and every unit under it)
    List {
        /// Mã đơn vị / unit code
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run(ctx: &Context, command: DesksCommand) -> anyhow::Result<()> {
    let prepared = prepare(ctx, &ctx.settings)?;
    let mut conn = prepared.db.conn().or_localized(ctx.lang)?;
    let base_url = ctx.settings.public_base_url();
    match command {
        DesksCommand::Add {
            unit,
            name,
            form,
            ticket_form,
            format,
        } => {
            let forms = DeskForms {
                poster: &form,
                ticket: &ticket_form,
            };
            let desk = desk_ops::add(&mut conn, &unit, &name, forms, &prepared.forms.ids())
                .or_localized(ctx.lang)?;
            print_desks(ctx, &[DeskInfo::new(desk, &base_url)], format)
        }
        DesksCommand::List { unit, format } => {
            let units = match &unit {
                Some(code) => {
                    if db::units::find(&mut conn, code)
                        .map_err(DbError::from)
                        .or_localized(ctx.lang)?
                        .is_none()
                    {
                        anyhow::bail!(
                            "{} «{code}»",
                            ctx.t("không có đơn vị mã", "there is no unit with code")
                        );
                    }
                    Some(
                        db::units::subtree_codes(&mut conn, code)
                            .map_err(DbError::from)
                            .or_localized(ctx.lang)?,
                    )
                }
                None => None,
            };
            let desks = db::desks::list(&mut conn, units.as_deref())
                .map_err(DbError::from)
                .or_localized(ctx.lang)?;
            let infos: Vec<DeskInfo> = desks.into_iter().map(|d| DeskInfo::new(d, &base_url)).collect();
            print_desks(ctx, &infos, format)
        }
    }
}

fn print_desks(ctx: &Context, desks: &[DeskInfo], format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => print_json(&desks),
        Format::Table => {
            let rows: Vec<Vec<String>> = desks
                .iter()
                .map(|d| {
                    vec![
                        d.id.to_string(),
                        d.unit.clone(),
                        d.name.clone(),
                        d.code.clone(),
                        d.form.clone(),
                        d.ticket_form.clone(),
                        d.url.clone(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "ID",
                    ctx.t("ĐƠN VỊ", "UNIT"),
                    ctx.t("TÊN", "NAME"),
                    ctx.t("MÃ", "CODE"),
                    ctx.t("PHIẾU ÁP PHÍCH", "POSTER FORM"),
                    ctx.t("PHIẾU PHÁT", "TICKET FORM"),
                    "URL",
                ],
                &rows,
            );
            Ok(())
        }
    }
}
