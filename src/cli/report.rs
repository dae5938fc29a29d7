//! `sipas report`: a unit's indices for a period, as a table for people, as the report
//! document (JSON) or CSV for other programs, or as the official report: an Excel
//! workbook or an A4 PDF (the same files as the dashboard's «Tải báo cáo»).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use super::prepare;
use super::{Context, OrLocalized};
use crate::app::official_report;
use crate::desks::DEFAULT_FORM;
use crate::forms::{Form, Rollup};
use crate::i18n::Lang;
use crate::indices::report::{IndexValue, Indices};
use crate::indices::{Period, Population, Report, ReportRequest, build};
use crate::report_files::ReportFile;
use crate::responses::procedure::normalize_field;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    /// The report document of DESIGN.md §5.
    Json,
    /// One row per unit and index.
    Csv,
    /// The official report as an Excel workbook: cover, indices, ranking, method.
    Xlsx,
    /// The official report as an A4 PDF in the administrative style.
    Pdf,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Mã đơn vị (cả các đơn vị trực thuộc) / unit code (with every unit under it)
    #[arg(long, value_name = "CODE")]
    unit: String,
    /// Phiếu khảo sát / questionnaire
    #[arg(long, value_name = "ID", default_value = DEFAULT_FORM)]
    form: String,
    /// Kỳ: năm 2025, quý 2025Q3 hoặc tháng 2025-07 [mặc định: năm nay] /
    /// period: year 2025, quarter 2025Q3 or month 2025-07 [default: this year]
    #[arg(long, value_name = "P")]
    period: Option<String>,
    /// Từ ngày / from day (YYYY-MM-DD, inclusive)
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Đến ngày / to day (YYYY-MM-DD, inclusive)
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Cách gộp lên cấp trên [mặc định: theo phiếu] / how a parent is rolled up [default: the form's]
    #[arg(long, value_enum)]
    rollup: Option<Rollup>,
    /// Chỉ số để xếp hạng đơn vị trực thuộc [mặc định: chỉ số chính] /
    /// index the child units are ranked by [default: the headline index]
    #[arg(long, value_name = "INDEX")]
    rank_by: Option<String>,
    /// Chỉ các thủ tục thuộc lĩnh vực này, vd. «Hộ tịch» / only procedures of this field
    #[arg(long, value_name = "FIELD")]
    field: Option<String>,
    /// Người trả lời được tính: chính thức (các kênh phiếu khai báo) hoặc mọi phiếu /
    /// who is counted: the form's official channels, or every answer
    #[arg(long, value_enum, default_value_t = Population::Official)]
    population: Population,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
    /// Tệp ghi ra [mặc định: đầu ra chuẩn] / file to write [default: standard output]
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: &ReportArgs) -> anyhow::Result<()> {
    let prepared = prepare(ctx, &ctx.settings)?;
    let today = chrono::Utc::now().with_timezone(&ctx.settings.tz()).date_naive();
    let period = Period::choose(
        args.period.as_deref(),
        args.from.as_deref(),
        args.to.as_deref(),
        today,
    )
    .or_localized(ctx.lang)?;
    let field = normalize_field(args.field.as_deref())
        .map_err(|m| anyhow::anyhow!(ctx.lang.pick(&m.vi, &m.en).to_string()))?;
    let request = ReportRequest {
        unit: args.unit.trim(),
        form: args.form.trim(),
        period,
        rollup: args.rollup,
        rank_by: args.rank_by.as_deref(),
        min_sample: ctx.settings.min_sample,
        field: field.as_deref(),
        population: args.population,
        sample_margin: ctx.settings.sample_margin,
    };
    let file = match args.format {
        ReportFormat::Xlsx => Some(ReportFile::Xlsx),
        ReportFormat::Pdf => Some(ReportFile::Pdf),
        _ => None,
    };
    if file.is_some() && args.output.is_none() && std::io::stdout().is_terminal() {
        anyhow::bail!(ctx.lang.pick(
            "tệp Excel hoặc PDF cần -o TỆP (hoặc chuyển đầu ra sang tệp)",
            "an Excel or PDF file needs -o FILE (or redirect the output to a file)"
        ));
    }
    let mut conn = prepared.db.conn().or_localized(ctx.lang)?;
    let bytes = match file {
        Some(file) => {
            let doc =
                official_report::load(&mut conn, &prepared.forms, &request, today).or_localized(ctx.lang)?;
            file.render(&doc, ctx.lang).map_err(|e| anyhow::anyhow!(e))?
        }
        None => {
            let report = build(&mut conn, &prepared.forms, &request).or_localized(ctx.lang)?;
            let form = prepared.forms.current(&report.form).map(|f| f.form.clone());
            match args.format {
                ReportFormat::Json => (serde_json::to_string_pretty(&report)? + "\n").into_bytes(),
                ReportFormat::Csv => csv(&report)?.into_bytes(),
                _ => table(ctx.lang, &report, form.as_ref()).into_bytes(),
            }
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(())
}

/// A number the way the reader writes it: `82,66` in Vietnamese, `82.66` in English.
pub fn number(lang: Lang, value: f64) -> String {
    let text = format!("{value:.2}");
    match lang {
        Lang::Vi => text.replace('.', ","),
        Lang::En => text,
    }
}

fn shown(lang: Lang, index: &IndexValue) -> [String; 4] {
    let value = index.value.map(|v| number(lang, v)).unwrap_or_else(|| "—".into());
    let interval = index
        .ci95
        .map(|[low, high]| format!("{} – {}", number(lang, low), number(lang, high)))
        .unwrap_or_default();
    let change = index
        .change
        .map(|c| format!("{}{}", if c > 0.0 { "+" } else { "" }, number(lang, c)))
        .unwrap_or_default();
    let mut note = if index.low_sample {
        lang.pick("ít mẫu", "low sample").to_string()
    } else {
        String::new()
    };
    if let Some(grade) = &index.grade {
        note = [grade.get(lang), &note]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
    }
    [value, interval, change, note]
}

fn table(lang: Lang, report: &Report, form: Option<&Form>) -> String {
    let t = |vi, en| lang.pick(vi, en);
    let label = |id: &str| {
        form.and_then(|f| f.index(id))
            .map(|i| i.label.get(lang).to_string())
            .unwrap_or_default()
    };
    let mut out = format!(
        "{} ({}) · {} · {} ({} – {}) · {} {}\n{}\n\n",
        report.name,
        report.unit,
        report.form,
        report.period,
        report.from.format("%d/%m/%Y"),
        report.to.format("%d/%m/%Y"),
        report.responses,
        t("phiếu", "responses"),
        method_line(lang, report),
    );
    let rows: Vec<Vec<String>> = report
        .indices
        .0
        .iter()
        .map(|(id, index)| {
            let [value, interval, change, note] = shown(lang, index);
            vec![
                id.clone(),
                label(id),
                value,
                index.n.to_string(),
                interval,
                change,
                note,
            ]
        })
        .collect();
    let headers = [
        t("CHỈ SỐ", "INDEX"),
        t("TÊN", "NAME"),
        t("GIÁ TRỊ %", "VALUE %"),
        "N",
        t("KTC 95%", "95% CI"),
        t("THAY ĐỔI", "CHANGE"),
        "",
    ];
    out.push_str(&super::output::table_text(&headers, &rows));
    if !report.children.is_empty() {
        out.push_str(&format!(
            "\n{} «{}»\n",
            t("Xếp hạng đơn vị trực thuộc theo", "Child units ranked by"),
            report.rank_by
        ));
        let rows: Vec<Vec<String>> = report
            .children
            .iter()
            .map(|child| {
                let index = child.indices.get(&report.rank_by);
                let [value, interval, change, note] = index.map(|i| shown(lang, i)).unwrap_or_default();
                let note = match child.unranked {
                    Some(why) => why.message().get(lang).to_string(),
                    None => note,
                };
                vec![
                    child.rank.map(|r| r.to_string()).unwrap_or_default(),
                    child.unit.clone(),
                    child.name.clone(),
                    child.responses.to_string(),
                    value,
                    interval,
                    change,
                    sample(lang, &child.sample),
                    note,
                ]
            })
            .collect();
        let headers = [
            "#",
            t("MÃ", "CODE"),
            t("TÊN", "NAME"),
            t("PHIẾU", "RESPONSES"),
            t("GIÁ TRỊ %", "VALUE %"),
            t("KTC 95%", "95% CI"),
            t("THAY ĐỔI", "CHANGE"),
            t("CỠ MẪU", "SAMPLE"),
            "",
        ];
        out.push_str(&super::output::table_text(&headers, &rows));
    }
    out
}

/// The method in one line: roll-up, who is counted, the composite rule, small samples and
/// sample targets.
pub fn method_line(lang: Lang, report: &Report) -> String {
    let method = &report.method;
    let channels: Vec<&str> = method.channels.iter().map(|c| c.as_str()).collect();
    format!(
        "{}: {} · {}: {} ({}) · {} · {} n < {} · {} e = {} · {} {}",
        lang.pick("Cách gộp", "Roll-up"),
        method.rollup.label().get(lang),
        lang.pick("Người trả lời", "Counted"),
        match method.population {
            Population::Official => lang.pick("chính thức", "official"),
            Population::All => lang.pick("mọi phiếu", "every answer"),
        },
        channels.join(", "),
        lang.pick(
            "chỉ số tổng hợp cần đủ mọi thành phần",
            "composites need every component"
        ),
        lang.pick("mẫu nhỏ:", "small sample:"),
        method.min_sample,
        lang.pick("cỡ mẫu Slovin", "Slovin sample target"),
        number(lang, method.sample_margin),
        lang.pick("phiếu", "form version"),
        method.form_version,
    )
}

/// «đạt 160/154», «chưa đạt 40/154», empty without dossier counts.
fn sample(lang: Lang, sample: &crate::indices::sample::Sample) -> String {
    match (sample.target, sample.met) {
        (Some(target), Some(met)) => format!(
            "{} {}/{}",
            if met {
                lang.pick("đạt", "met")
            } else {
                lang.pick("chưa đạt", "not met")
            },
            sample.achieved,
            target
        ),
        _ => String::new(),
    }
}

/// One row per unit (the report's, then each child) and index.
fn csv(report: &Report) -> anyhow::Result<String> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "unit",
        "name",
        "index",
        "value",
        "n",
        "ci95_low",
        "ci95_high",
        "low_sample",
        "change",
        "rank",
        "unranked",
        "sample_target",
        "population",
        "rollup",
        "min_sample",
        "sample_margin",
        "form_version",
    ])?;
    let method = &report.method;
    let mut write = |unit: &str, name: &str, indices: &Indices, ranked: [String; 3]| -> anyhow::Result<()> {
        for (id, index) in &indices.0 {
            let number = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
            let mut record = vec![
                unit.to_string(),
                crate::spreadsheet::safe_cell(name),
                id.clone(),
                number(index.value),
                index.n.to_string(),
                number(index.ci95.map(|c| c[0])),
                number(index.ci95.map(|c| c[1])),
                index.low_sample.to_string(),
                number(index.change),
            ];
            record.extend(ranked.iter().cloned());
            record.extend([
                method.population.as_str().to_string(),
                method.rollup.as_str().to_string(),
                method.min_sample.to_string(),
                method.sample_margin.to_string(),
                method.form_version.clone(),
            ]);
            writer.write_record(record)?;
        }
        Ok(())
    };
    let target = |s: &crate::indices::sample::Sample| s.target.map(|t| t.to_string()).unwrap_or_default();
    write(
        &report.unit,
        &report.name,
        &report.indices,
        [String::new(), String::new(), target(&report.sample)],
    )?;
    for child in &report.children {
        let unranked = child
            .unranked
            .and_then(|u| serde_json::to_value(u).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let rank = child.rank.map(|r| r.to_string()).unwrap_or_default();
        write(
            &child.unit,
            &child.name,
            &child.indices,
            [rank, unranked, target(&child.sample)],
        )?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}
