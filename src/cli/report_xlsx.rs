//! `sipas report --format xlsx`: the report as an Excel workbook for officials who work in
//! a spreadsheet. One sheet with the unit's indices, one with the child units' ranking.
//! Numbers stay numbers (the spreadsheet shows them with the reader's decimal comma).

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::forms::Form;
use crate::i18n::Lang;
use crate::indices::Report;
use crate::indices::report::IndexValue;

pub fn workbook(lang: Lang, report: &Report, form: Option<&Form>) -> Result<Vec<u8>, XlsxError> {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    let label = |id: &str| {
        form.and_then(|f| f.index(id))
            .map(|i| i.label.get(lang).to_string())
            .unwrap_or_default()
    };
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.00");
    let mut workbook = Workbook::new();

    let sheet = workbook.add_worksheet();
    sheet.set_name(t("Chỉ số", "Indices"))?;
    let facts = [
        (t("Đơn vị", "Unit"), format!("{} ({})", report.name, report.unit)),
        (
            t("Phiếu khảo sát", "Questionnaire"),
            format!("{} {}", report.form, report.form_version),
        ),
        (
            t("Kỳ", "Period"),
            format!(
                "{} ({} – {})",
                report.period,
                report.from.format("%d/%m/%Y"),
                report.to.format("%d/%m/%Y")
            ),
        ),
        (t("Số phiếu", "Responses"), report.responses.to_string()),
        (t("Cách tính", "Method"), super::report::method_line(lang, report)),
    ];
    for (row, (name, value)) in facts.iter().enumerate() {
        sheet.write_string_with_format(row as u32, 0, *name, &bold)?;
        sheet.write_string(row as u32, 1, value)?;
    }
    let first = facts.len() as u32 + 1;
    let headers = [
        t("Chỉ số", "Index"),
        t("Tên", "Name"),
        t("Giá trị %", "Value %"),
        "n",
        t("KTC 95% dưới", "95% CI low"),
        t("KTC 95% trên", "95% CI high"),
        t("Thay đổi", "Change"),
        t("Ít mẫu", "Low sample"),
        t("Xếp loại", "Grade"),
    ];
    write_headers(sheet, first, &headers, &bold)?;
    for (i, (id, index)) in report.indices.0.iter().enumerate() {
        let row = first + 1 + i as u32;
        sheet.write_string(row, 0, id)?;
        sheet.write_string(row, 1, label(id))?;
        write_index(sheet, row, 2, index, &percent, lang)?;
    }
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(1, 48)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(t("Đơn vị trực thuộc", "Child units"))?;
    let ids: Vec<&String> = report.indices.0.iter().map(|(id, _)| id).collect();
    let mut headers = vec![
        t("Hạng", "Rank").to_string(),
        t("Mã", "Code").to_string(),
        t("Tên", "Name").to_string(),
        t("Số phiếu", "Responses").to_string(),
        t("Chưa xếp hạng vì", "Not ranked because").to_string(),
        t("Số hồ sơ", "Dossiers").to_string(),
        t("Cỡ mẫu cần đạt", "Sample target").to_string(),
    ];
    headers.extend(ids.iter().map(|id| format!("{id} %")));
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    write_headers(sheet, 0, &headers, &bold)?;
    for (i, child) in report.children.iter().enumerate() {
        let row = 1 + i as u32;
        if let Some(rank) = child.rank {
            sheet.write_number(row, 0, rank as f64)?;
        }
        sheet.write_string(row, 1, &child.unit)?;
        sheet.write_string(row, 2, &child.name)?;
        sheet.write_number(row, 3, child.responses as f64)?;
        if let Some(why) = child.unranked {
            sheet.write_string(row, 4, why.message().get(lang))?;
        }
        if let Some(population) = child.sample.population {
            sheet.write_number(row, 5, population as f64)?;
        }
        if let Some(target) = child.sample.target {
            sheet.write_number(row, 6, target as f64)?;
        }
        for (column, id) in ids.iter().enumerate() {
            if let Some(value) = child.indices.get(id).and_then(|i| i.value) {
                sheet.write_number_with_format(row, 7 + column as u16, value, &percent)?;
            }
        }
    }
    sheet.set_column_width(2, 36)?;
    workbook.save_to_buffer()
}

fn write_headers(sheet: &mut Worksheet, row: u32, headers: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(row, column as u16, *header, bold)?;
    }
    Ok(())
}

/// Value, n, CI bounds, change, low-sample mark and grade from `column` on.
fn write_index(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    index: &IndexValue,
    percent: &Format,
    lang: Lang,
) -> Result<(), XlsxError> {
    sheet.write_number(row, column + 1, index.n as f64)?;
    let percents = [
        (0, index.value),
        (2, index.ci95.map(|c| c[0])),
        (3, index.ci95.map(|c| c[1])),
        (4, index.change),
    ];
    for (offset, number) in percents {
        if let Some(number) = number {
            sheet.write_number_with_format(row, column + offset, number, percent)?;
        }
    }
    if index.low_sample {
        sheet.write_string(row, column + 5, lang.pick("có", "yes"))?;
    }
    if let Some(grade) = &index.grade {
        sheet.write_string(row, column + 6, grade.get(lang))?;
    }
    Ok(())
}
