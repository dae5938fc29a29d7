//! `sipas forms check|list`: the questionnaires.

use std::path::PathBuf;

use clap::Subcommand;

use super::output::{Format, print_json, print_table};
use super::{Context, prepare};
use crate::forms::load::load_dir;

#[derive(Subcommand, Debug)]
pub enum FormsCommand {
    /// Kiểm tra mọi tệp phiếu khảo sát của một thư mục / check every form file of a directory
    Check {
        /// Thư mục (mặc định: forms_dir) / directory (default: forms_dir)
        dir: Option<PathBuf>,
    },
    /// Liệt kê phiếu khảo sát đang dùng và phiên bản / list the forms served and their versions
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run(ctx: &Context, command: FormsCommand) -> anyhow::Result<()> {
    match command {
        FormsCommand::Check { dir } => check(ctx, dir.unwrap_or_else(|| ctx.settings.forms_dir.clone())),
        FormsCommand::List { format } => list(ctx, format),
    }
}

fn check(ctx: &Context, dir: PathBuf) -> anyhow::Result<()> {
    match load_dir(&dir) {
        Ok(forms) => {
            let ids: Vec<&str> = forms.iter().map(|f| f.form.id.as_str()).collect();
            println!(
                "{} {} {}: {}",
                forms.len(),
                ctx.t("phiếu khảo sát hợp lệ trong", "valid forms in"),
                dir.display(),
                ids.join(", ")
            );
            Ok(())
        }
        Err(problems) => {
            for problem in &problems {
                eprintln!("{}", problem.render(ctx.lang));
            }
            anyhow::bail!(
                "{} {} {}",
                problems.len(),
                ctx.t("lỗi trong phiếu khảo sát của", "problem(s) in the forms of"),
                dir.display()
            )
        }
    }
}

#[derive(serde::Serialize)]
struct FormSummary {
    id: String,
    version: String,
    version_id: i64,
    title: String,
    questions: usize,
    indices: usize,
}

fn list(ctx: &Context, format: Format) -> anyhow::Result<()> {
    let prepared = prepare(ctx, &ctx.settings)?;
    let forms: Vec<FormSummary> = prepared
        .forms
        .all()
        .iter()
        .map(|f| FormSummary {
            id: f.form.id.clone(),
            version: f.version_label(),
            version_id: f.version_id,
            title: f.form.title.get(ctx.lang).to_string(),
            questions: f.form.questions().count(),
            indices: f.form.indices.len(),
        })
        .collect();
    match format {
        Format::Json => print_json(&forms),
        Format::Table => {
            let rows: Vec<Vec<String>> = forms
                .iter()
                .map(|f| {
                    vec![
                        f.id.clone(),
                        f.version.clone(),
                        f.questions.to_string(),
                        f.indices.to_string(),
                        f.title.clone(),
                    ]
                })
                .collect();
            print_table(
                &[
                    ctx.t("MÃ", "ID"),
                    ctx.t("PHIÊN BẢN", "VERSION"),
                    ctx.t("CÂU HỎI", "QUESTIONS"),
                    ctx.t("CHỈ SỐ", "INDICES"),
                    ctx.t("TÊN", "TITLE"),
                ],
                &rows,
            );
            Ok(())
        }
    }
}
