//! The official report as an Excel workbook: a cover sheet, the indices, the ranking of
//! the child units with their samples and eligibility, what to fix first, and the method.
//! Numbers are numbers (Excel shows them with the reader's decimal comma), dates are
//! dates, headers are frozen and filterable, and every sheet prints on A4.

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{kind, label, period_text, title};
use crate::app::official_report::OfficialReport;
use crate::i18n::Lang;
use crate::indices::report::IndexValue;
use crate::present::{band, method::method_lines, sample_text};

/// Formats shared by the sheets.
struct Styles {
    title: Format,
    header: Format,
    bold: Format,
    percent: Format,
    count: Format,
    date: Format,
    wrap: Format,
}

impl Styles {
    fn new() -> Styles {
        let font = |f: Format| f.set_font_name("Times New Roman").set_font_size(12);
        Styles {
            title: font(Format::new()).set_bold().set_font_size(14),
            header: font(Format::new())
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color("#E6E6E6")
                .set_border(FormatBorder::Thin),
            bold: font(Format::new()).set_bold(),
            // Two decimals; the separator is the reader's (a comma in Vietnamese Excel).
            percent: font(Format::new()).set_num_format("0.00"),
            count: font(Format::new()).set_num_format("#,##0"),
            date: font(Format::new())
                .set_num_format("dd/mm/yyyy")
                .set_align(FormatAlign::Left),
            wrap: font(Format::new()).set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// The workbook's bytes.
pub fn workbook(doc: &OfficialReport, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    cover(workbook.add_worksheet(), doc, lang, &styles)?;
    indices(workbook.add_worksheet(), doc, lang, &styles)?;
    ranking(workbook.add_worksheet(), doc, lang, &styles)?;
    focus(workbook.add_worksheet(), doc, lang, &styles)?;
    by_respondent(workbook.add_worksheet(), doc, lang, &styles)?;
    method(workbook.add_worksheet(), doc, lang, &styles)?;
    workbook.save_to_buffer()
}

fn a4(sheet: &mut Worksheet) {
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
}

fn date(day: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(day.year() as u16, day.month() as u8, day.day() as u8)
}

/// A header row at `row`, frozen under it, with column widths.
fn headers(
    sheet: &mut Worksheet,
    row: u32,
    columns: &[(&str, f64)],
    styles: &Styles,
) -> Result<(), XlsxError> {
    for (column, (name, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(row, column as u16, *name, &styles.header)?;
        sheet.set_column_width(column as u16, *width)?;
    }
    sheet.set_row_height(row, 32)?;
    sheet.set_freeze_panes(row + 1, 0)?;
    sheet.set_repeat_rows(row, row)?;
    Ok(())
}

fn cover(sheet: &mut Worksheet, doc: &OfficialReport, lang: Lang, styles: &Styles) -> Result<(), XlsxError> {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    let report = &doc.report;
    sheet.set_name(t("Thông tin", "Cover"))?;
    a4(sheet);
    sheet.set_column_width(0, 30)?;
    sheet.set_column_width(1, 70)?;
    sheet.write_string_with_format(0, 0, t("BÁO CÁO", "REPORT"), &styles.title)?;
    sheet.write_string_with_format(1, 0, title(doc, lang), &styles.bold)?;
    let mut row = 3;
    let mut text = |sheet: &mut Worksheet, name: &str, value: String| -> Result<(), XlsxError> {
        sheet.write_string_with_format(row, 0, name, &styles.bold)?;
        sheet.write_string_with_format(row, 1, value, &styles.wrap)?;
        row += 1;
        Ok(())
    };
    if let Some(parent) = doc.parent() {
        text(
            sheet,
            t("Cơ quan chủ quản", "Governing body"),
            parent.name.clone(),
        )?;
    }
    text(
        sheet,
        t("Đơn vị", "Unit"),
        format!("{} ({})", report.name, report.unit),
    )?;
    text(
        sheet,
        t("Phiếu khảo sát", "Questionnaire"),
        format!(
            "{} — {} {}",
            doc.form.title.get(lang),
            report.form,
            report.form_version
        ),
    )?;
    text(sheet, t("Kỳ", "Period"), period_text(doc, lang))?;
    let method = &report.method;
    text(
        sheet,
        t("Người trả lời được tính", "Who is counted"),
        crate::present::method::population_text(method.population, &method.channels, lang),
    )?;
    text(
        sheet,
        t("Cách tổng hợp", "Roll-up"),
        method.rollup.label().get(lang).to_string(),
    )?;
    if let Some(standing) = &doc.standing {
        text(
            sheet,
            t("Vị trí", "Standing"),
            crate::present::standing_text(standing, lang),
        )?;
    }
    let sample = sample_text(&report.sample, lang);
    if !sample.is_empty() {
        text(sheet, t("Cỡ mẫu", "Sample"), sample)?;
    }
    // Numbers and dates as such, below the words.
    let numbers: [(&str, Option<f64>, &Format); 5] = [
        (
            t("Số phiếu", "Responses"),
            Some(report.responses as f64),
            &styles.count,
        ),
        (
            t("Số hồ sơ trong kỳ", "Dossiers in the period"),
            report.sample.population.map(|n| n as f64),
            &styles.count,
        ),
        (
            t("Cỡ mẫu cần đạt", "Sample target"),
            report.sample.target.map(|n| n as f64),
            &styles.count,
        ),
        (
            t("Chỉ số chung (%)", "Headline (%)"),
            report.indices.get(&report.headline).and_then(|v| v.value),
            &styles.percent,
        ),
        (
            t(
                "Thay đổi so với kỳ trước (điểm)",
                "Change since the previous period (points)",
            ),
            report.indices.get(&report.headline).and_then(|v| v.change),
            &styles.percent,
        ),
    ];
    for (name, value, format) in numbers {
        sheet.write_string_with_format(row, 0, name, &styles.bold)?;
        if let Some(value) = value {
            sheet.write_number_with_format(row, 1, value, format)?;
        }
        row += 1;
    }
    let dates = [
        (t("Từ ngày", "From"), report.from),
        (t("Đến ngày", "To"), report.to),
        (t("Ngày lập", "Made on"), doc.generated),
    ];
    for (name, day) in dates {
        sheet.write_string_with_format(row, 0, name, &styles.bold)?;
        sheet.write_datetime_with_format(row, 1, date(day)?, &styles.date)?;
        row += 1;
    }
    Ok(())
}

/// The columns of an index from `column` on: value, n, interval, change, small sample.
fn write_index(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    index: &IndexValue,
    lang: Lang,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let percents = [
        (0, index.value),
        (2, index.ci95.map(|c| c[0])),
        (3, index.ci95.map(|c| c[1])),
        (4, index.change),
    ];
    for (offset, number) in percents {
        if let Some(number) = number {
            sheet.write_number_with_format(row, column + offset, number, &styles.percent)?;
        }
    }
    sheet.write_number_with_format(row, column + 1, index.n as f64, &styles.count)?;
    if index.low_sample {
        sheet.write_string(row, column + 5, lang.pick("có", "yes"))?;
    }
    Ok(())
}

fn indices(
    sheet: &mut Worksheet,
    doc: &OfficialReport,
    lang: Lang,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    sheet.set_name(t("Chỉ số", "Indices"))?;
    a4(sheet);
    sheet.set_landscape();
    let columns = [
        (t("Mã", "Id"), 14.0),
        (t("Chỉ số", "Index"), 52.0),
        (t("Giá trị (%)", "Value (%)"), 11.0),
        ("n", 9.0),
        (t("KTC 95% — dưới", "95% CI — low"), 11.0),
        (t("KTC 95% — trên", "95% CI — high"), 11.0),
        (t("Thay đổi (điểm)", "Change (points)"), 11.0),
        (t("Mẫu nhỏ", "Small sample"), 9.0),
        (t("Loại", "Kind"), 14.0),
        (t("Mức", "Level"), 22.0),
        (t("Xếp loại", "Grade"), 12.0),
    ];
    headers(sheet, 0, &columns, styles)?;
    let rows = &doc.report.indices.0;
    for (i, (id, index)) in rows.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, id)?;
        sheet.write_string_with_format(row, 1, label(doc, id, lang), &styles.wrap)?;
        write_index(sheet, row, 2, index, lang, styles)?;
        sheet.write_string(row, 8, kind(doc, id, lang))?;
        sheet.write_string(row, 9, band(index.value).1.get(lang))?;
        if let Some(grade) = &index.grade {
            sheet.write_string(row, 10, grade.get(lang))?;
        }
    }
    sheet.autofilter(0, 0, rows.len() as u32, columns.len() as u16 - 1)?;
    Ok(())
}

fn ranking(
    sheet: &mut Worksheet,
    doc: &OfficialReport,
    lang: Lang,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    let report = &doc.report;
    sheet.set_name(t("Xếp hạng", "Ranking"))?;
    a4(sheet);
    sheet.set_landscape();
    let elements: Vec<(String, String)> = crate::present::cards(&doc.form, &report.indices, lang)
        .into_iter()
        .map(|card| (card.id, card.label))
        .collect();
    let mut columns: Vec<(String, f64)> = [
        (t("Hạng", "Rank"), 7.0),
        (t("Mã", "Code"), 10.0),
        (t("Đơn vị", "Unit"), 34.0),
        (t("Giá trị (%)", "Value (%)"), 11.0),
        ("n", 9.0),
        (t("KTC 95% — dưới", "95% CI — low"), 11.0),
        (t("KTC 95% — trên", "95% CI — high"), 11.0),
        (t("Thay đổi (điểm)", "Change (points)"), 11.0),
        (t("Mẫu nhỏ", "Small sample"), 9.0),
        (t("Số hồ sơ", "Dossiers"), 10.0),
        (t("Cỡ mẫu cần đạt", "Sample target"), 11.0),
        (t("Đạt cỡ mẫu", "Target met"), 10.0),
        (t("Chưa xếp hạng vì", "Not ranked because"), 22.0),
    ]
    .into_iter()
    .map(|(name, width)| (name.to_string(), width))
    .collect();
    columns.extend(elements.iter().map(|(_, name)| (format!("{name} (%)"), 16.0)));
    let borrowed: Vec<(&str, f64)> = columns.iter().map(|(n, w)| (n.as_str(), *w)).collect();
    headers(sheet, 0, &borrowed, styles)?;
    for (i, child) in report.children.iter().enumerate() {
        let row = 1 + i as u32;
        if let Some(rank) = child.rank {
            sheet.write_number(row, 0, rank as f64)?;
        }
        sheet.write_string(row, 1, &child.unit)?;
        sheet.write_string(row, 2, crate::spreadsheet::safe_cell(&child.name))?;
        if let Some(index) = child.indices.get(&report.rank_by) {
            write_index(sheet, row, 3, index, lang, styles)?;
        }
        if let Some(population) = child.sample.population {
            sheet.write_number_with_format(row, 9, population as f64, &styles.count)?;
        }
        if let Some(target) = child.sample.target {
            sheet.write_number_with_format(row, 10, target as f64, &styles.count)?;
        }
        if let Some(met) = child.sample.met {
            sheet.write_string(
                row,
                11,
                if met {
                    t("đạt", "met")
                } else {
                    t("chưa đạt", "not met")
                },
            )?;
        }
        if let Some(why) = child.unranked {
            sheet.write_string(row, 12, why.message().get(lang))?;
        }
        for (at, (id, _)) in elements.iter().enumerate() {
            if let Some(value) = child.indices.get(id).and_then(|v| v.value) {
                sheet.write_number_with_format(row, 13 + at as u16, value, &styles.percent)?;
            }
        }
    }
    sheet.autofilter(0, 0, report.children.len() as u32, columns.len() as u16 - 1)?;
    Ok(())
}

fn focus(sheet: &mut Worksheet, doc: &OfficialReport, lang: Lang, styles: &Styles) -> Result<(), XlsxError> {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    sheet.set_name(t("Cần cải thiện", "To improve"))?;
    a4(sheet);
    let columns = [
        (t("Nội dung", "What"), 22.0),
        (t("Thứ tự", "Order"), 8.0),
        (t("Mã", "Id"), 12.0),
        (t("Tên", "Name"), 52.0),
        (t("Giá trị (%)", "Value (%)"), 11.0),
        (t("Hạng", "Rank"), 8.0),
    ];
    headers(sheet, 0, &columns, styles)?;
    let mut row = 1;
    for (at, criterion) in doc.focus.weakest.iter().enumerate() {
        sheet.write_string(row, 0, t("Tiêu chí thấp nhất", "Weakest criterion"))?;
        sheet.write_number(row, 1, (at + 1) as f64)?;
        sheet.write_string(row, 2, &criterion.id)?;
        sheet.write_string_with_format(row, 3, label(doc, &criterion.id, lang), &styles.wrap)?;
        if let Some(value) = criterion.value.value {
            sheet.write_number_with_format(row, 4, value, &styles.percent)?;
        }
        row += 1;
    }
    let units = [
        (t("Đơn vị thấp nhất", "Lowest unit"), &doc.focus.lowest),
        (t("Đơn vị cao nhất", "Highest unit"), &doc.focus.highest),
    ];
    for (what, list) in units {
        for (at, unit) in list.iter().enumerate() {
            sheet.write_string(row, 0, what)?;
            sheet.write_number(row, 1, (at + 1) as f64)?;
            sheet.write_string(row, 2, &unit.unit)?;
            sheet.write_string(row, 3, crate::spreadsheet::safe_cell(&unit.name))?;
            sheet.write_number_with_format(row, 4, unit.value, &styles.percent)?;
            sheet.write_number(row, 5, unit.rank as f64)?;
            row += 1;
        }
    }
    sheet.autofilter(0, 0, row.max(1) - 1, columns.len() as u16 - 1)?;
    Ok(())
}

fn by_respondent(
    sheet: &mut Worksheet,
    doc: &OfficialReport,
    lang: Lang,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    sheet.set_name(t("Theo người trả lời", "By respondent"))?;
    a4(sheet);
    let measured = doc
        .breakdowns
        .measure
        .as_ref()
        .map(|m| format!("{} (%)", label(doc, &m.index, lang)))
        .unwrap_or_else(|| t("Tỷ lệ hài lòng (%)", "Satisfied (%)").to_string());
    let columns = [
        (t("Theo", "By"), 24.0),
        (t("Nhóm", "Group"), 36.0),
        ("n", 9.0),
        (measured.as_str(), 24.0),
        (t("Ghi chú", "Note"), 40.0),
    ];
    headers(sheet, 0, &columns, styles)?;
    let views =
        crate::present::breakdown::breakdown_views(&doc.form, &doc.breakdowns, doc.report.min_sample, lang);
    let mut row = 1;
    for view in views {
        for group in &view.groups {
            sheet.write_string(row, 0, &view.title)?;
            sheet.write_string(row, 1, crate::spreadsheet::safe_cell(&group.name))?;
            sheet.write_number_with_format(row, 2, group.n as f64, &styles.count)?;
            sheet.write_number_with_format(row, 3, group.value, &styles.percent)?;
            row += 1;
        }
        if !view.note.is_empty() {
            sheet.write_string(row, 0, &view.title)?;
            sheet.write_string(row, 4, &view.note)?;
            row += 1;
        }
    }
    sheet.autofilter(0, 0, row.max(1) - 1, columns.len() as u16 - 1)?;
    Ok(())
}

fn method(sheet: &mut Worksheet, doc: &OfficialReport, lang: Lang, styles: &Styles) -> Result<(), XlsxError> {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    sheet.set_name(t("Phương pháp", "Method"))?;
    a4(sheet);
    headers(
        sheet,
        0,
        &[(t("Nội dung", "What"), 30.0), (t("Cách tính", "How"), 90.0)],
        styles,
    )?;
    let mut lines = method_lines(&doc.report, lang);
    lines.push((
        t("Làm tròn", "Rounding").to_string(),
        t(
            "giá trị phần trăm làm tròn nửa lên đến hai chữ số thập phân",
            "percentages rounded half up to two decimals",
        )
        .to_string(),
    ));
    lines.push((
        t("Mức", "Levels").to_string(),
        t(
            "A: từ 90 · B: 80 – dưới 90 · C: 70 – dưới 80 · D: dưới 70 (đề xuất, không phải quy định)",
            "A: 90 and over · B: 80 to under 90 · C: 70 to under 80 · D: under 70 (a proposal, not a rule)",
        )
        .to_string(),
    ));
    for (i, (what, how)) in lines.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string_with_format(row, 0, what, &styles.bold)?;
        sheet.write_string_with_format(row, 1, how, &styles.wrap)?;
    }
    Ok(())
}
