//! Printing results: aligned tables for people, JSON for scripts.

use serde::Serialize;

/// How a listing command prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Prints rows under headers, columns padded to their widest cell.
pub fn print_table(headers: &[&str], rows: &[Vec<String>]) {
    print!("{}", table_text(headers, rows));
}

/// Rows under headers, columns padded to their widest cell, a line each.
pub fn table_text(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// Prints a value as pretty JSON.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// How many problems of a rejected file are printed before the rest are counted.
const SHOWN_PROBLEMS: usize = 50;

/// Prints each problem of a rejected file as `FILE:LINE: reason` (the first fifty, then how
/// many more) and returns the one-line failure: nothing of the file was stored.
pub fn rejected_file(
    ctx: &super::Context,
    file: &std::path::Path,
    problems: &[(u64, &crate::i18n::Message)],
) -> anyhow::Error {
    for (line, message) in problems.iter().take(SHOWN_PROBLEMS) {
        eprintln!("{}:{line}: {}", file.display(), message.get(ctx.lang));
    }
    if problems.len() > SHOWN_PROBLEMS {
        eprintln!(
            "… {} {}",
            problems.len() - SHOWN_PROBLEMS,
            ctx.t("lỗi khác", "more problems")
        );
    }
    anyhow::anyhow!(
        "{} {} {}: {} {}",
        ctx.t("tệp", "file"),
        file.display(),
        ctx.t("bị từ chối", "rejected"),
        problems.len(),
        ctx.t("lỗi; không có gì được lưu", "problem(s); nothing was stored"),
    )
}
