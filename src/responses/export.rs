//! The responses behind a report, one row each and one column per question, as CSV,
//! Parquet (both written by polars) or XLSX. Read and written a page at a time, so a
//! million responses export in the memory of one page.

use std::collections::HashMap;
use std::io::Write;

use polars::prelude::*;
use rust_xlsxwriter::{Workbook, XlsxError};

use crate::db::{self, Database, DbError};
use crate::forms::{Form, QuestionKind, RegisteredForm};
use crate::i18n::{Localized, Message};
use crate::indices::Period;
use crate::spreadsheet::safe_cell;

/// Responses read and written at once: a page of 2,000 with their answers is a few tens
/// of megabytes.
const PAGE: i64 = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Parquet,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFormat::Parquet => "application/vnd.apache.parquet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Parquet => "parquet",
        }
    }
}

#[derive(Debug)]
pub enum ExportError {
    UnknownUnit(String),
    Db(DbError),
    Write(String),
}

impl Localized for ExportError {
    fn message(&self) -> Message {
        match self {
            ExportError::UnknownUnit(code) => Message::new(
                format!("không có đơn vị mã «{code}»"),
                format!("there is no unit with code «{code}»"),
            ),
            ExportError::Db(e) => e.message(),
            ExportError::Write(e) => Message::new(
                format!("không ghi được tệp: {e}"),
                format!("cannot write the file: {e}"),
            ),
        }
    }
}

impl From<DbError> for ExportError {
    fn from(e: DbError) -> Self {
        ExportError::Db(e)
    }
}

impl From<diesel::result::Error> for ExportError {
    fn from(e: diesel::result::Error) -> Self {
        ExportError::Db(e.into())
    }
}

impl From<PolarsError> for ExportError {
    fn from(e: PolarsError) -> Self {
        ExportError::Write(e.to_string())
    }
}

impl From<XlsxError> for ExportError {
    fn from(e: XlsxError) -> Self {
        ExportError::Write(e.to_string())
    }
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        ExportError::Write(e.to_string())
    }
}

/// The columns before the questions.
const FIXED: [&str; 9] = [
    "response_id",
    "unit_code",
    "unit_name",
    "desk",
    "channel",
    "procedure_code",
    "procedure_field",
    "day",
    "form_version",
];

/// One page of rows, by column.
struct Page {
    ids: Vec<i64>,
    fixed: Vec<Vec<Option<String>>>,
    answers: Vec<Vec<Option<String>>>,
}

/// What to export: the responses to `form` of the subtree of `unit` (all units when
/// `None`) over `period`.
pub struct ExportRequest<'a> {
    pub form: &'a RegisteredForm,
    pub unit: Option<&'a str>,
    pub period: Period,
    /// Only responses to procedures of this field; all when `None`.
    pub field: Option<&'a str>,
    pub format: ExportFormat,
}

/// Writes the requested responses to `out`; returns how many. `progress` hears the count
/// after each page. A connection is taken from the pool for each page read and given
/// back before the page is written, so a slow reader of `out` (a download whose client
/// stalls) never holds one.
pub fn export<W: Write + Send + 'static>(
    db: &Database,
    request: &ExportRequest<'_>,
    out: W,
    progress: &dyn Fn(usize),
) -> Result<usize, ExportError> {
    let ExportRequest {
        form,
        unit,
        period,
        field,
        format,
    } = *request;
    let mut setup = db.conn()?;
    let conn = &mut setup;
    let units = db::units::all(conn)?;
    let names: HashMap<String, String> = units.iter().map(|u| (u.code.clone(), u.name.clone())).collect();
    let within: Option<std::collections::HashSet<String>> = match unit {
        Some(code) if !names.contains_key(code) => return Err(ExportError::UnknownUnit(code.to_string())),
        Some(code) => Some(db::units::subtree_codes(conn, code)?.into_iter().collect()),
        None => None,
    };
    let versions = db::forms::versions_of(conn, &form.form.id)?;
    let labels: HashMap<i64, String> = versions.iter().map(|v| (v.id, v.label.clone())).collect();
    let version_ids: Vec<i64> = versions.iter().map(|v| v.id).collect();
    let desks: HashMap<i64, String> = db::desks::list(conn, None)?
        .into_iter()
        .map(|d| (d.id, d.code))
        .collect();
    drop(setup);
    let questions: Vec<&crate::forms::Question> = form.form.questions().collect();
    let mut sink = Sink::new(format, out, &form.form)?;
    let (mut after, mut written) = (0, 0);
    loop {
        // A connection for the page's reads only: it goes back to the pool before the
        // page is written, since the writer may wait on a slow client.
        let (responses, texts) = {
            let conn = &mut db.conn()?;
            let responses = db::responses::page(conn, after, PAGE)?;
            let Some(last) = responses.last() else { break };
            after = last.id;
            let responses: Vec<_> = responses
                .into_iter()
                .filter(|r| {
                    version_ids.contains(&r.form_version_id)
                        && (period.from..=period.to).contains(&r.day)
                        && within.as_ref().is_none_or(|units| units.contains(&r.unit_code))
                        && field.is_none_or(|f| r.procedure_field.as_deref() == Some(f))
                })
                .collect();
            if responses.is_empty() {
                continue;
            }
            let ids: Vec<i64> = responses.iter().map(|r| r.id).collect();
            (responses, db::responses::texts_of_many(conn, &ids)?)
        };
        let ids: Vec<i64> = responses.iter().map(|r| r.id).collect();
        // Response → question → the values given (several options of a multi question).
        let mut given: HashMap<i64, HashMap<String, Vec<String>>> = HashMap::new();
        for response in &responses {
            let answers = given.entry(response.id).or_default();
            for (question, value) in response.values()? {
                answers.entry(question).or_default().push(value);
            }
        }
        for (id, question, text) in texts {
            given
                .entry(id)
                .or_default()
                .entry(question)
                .or_default()
                .push(text);
        }
        let page = Page {
            fixed: vec![
                responses.iter().map(|r| Some(r.id.to_string())).collect(),
                responses.iter().map(|r| Some(r.unit_code.clone())).collect(),
                responses
                    .iter()
                    .map(|r| names.get(&r.unit_code).cloned())
                    .collect(),
                responses
                    .iter()
                    .map(|r| r.desk_id.and_then(|d| desks.get(&d).cloned()))
                    .collect(),
                responses.iter().map(|r| Some(r.channel.clone())).collect(),
                responses.iter().map(|r| r.procedure_code.clone()).collect(),
                responses.iter().map(|r| r.procedure_field.clone()).collect(),
                // The local day only: a time of day could match an answer with logs.
                responses.iter().map(|r| Some(r.day.to_string())).collect(),
                responses
                    .iter()
                    .map(|r| labels.get(&r.form_version_id).cloned())
                    .collect(),
            ],
            answers: questions
                .iter()
                .map(|q| {
                    ids.iter()
                        .map(|id| {
                            given
                                .get(id)
                                .and_then(|a| a.get(q.id.as_str()))
                                .map(|v| v.join(";"))
                        })
                        .collect()
                })
                .collect(),
            ids,
        };
        written += page.ids.len();
        sink.write(&page, &questions)?;
        progress(written);
    }
    sink.finish()?;
    Ok(written)
}

/// Where pages go.
enum Sink<W: Write + Send + 'static> {
    Csv(polars::io::csv::write::BatchedWriter<W>),
    Parquet(Box<polars::io::parquet::write::BatchedWriter<W>>),
    Xlsx {
        workbook: Box<Workbook>,
        out: W,
        row: u32,
    },
}

fn schema(form: &Form) -> Schema {
    let mut schema = Schema::default();
    schema.insert("response_id".into(), DataType::Int64);
    for name in &FIXED[1..] {
        schema.insert((*name).into(), DataType::String);
    }
    for question in form.questions() {
        let kind = match question.kind {
            QuestionKind::Number { .. } => DataType::Int64,
            _ => DataType::String,
        };
        schema.insert(question.id.as_str().into(), kind);
    }
    schema
}

impl<W: Write + Send + 'static> Sink<W> {
    fn new(format: ExportFormat, out: W, form: &Form) -> Result<Sink<W>, ExportError> {
        let schema = schema(form);
        Ok(match format {
            ExportFormat::Csv => Sink::Csv(CsvWriter::new(out).include_bom(true).batched(&schema)?),
            ExportFormat::Parquet => Sink::Parquet(Box::new(ParquetWriter::new(out).batched(&schema)?)),
            ExportFormat::Xlsx => {
                let mut workbook = Workbook::new();
                let sheet = workbook.add_worksheet_with_constant_memory()?;
                sheet.set_name("Phiếu trả lời")?;
                // Readable headers with the code each column stands for in brackets, so
                // a person reads the question and a program finds its column.
                let bold = rust_xlsxwriter::Format::new().set_bold().set_text_wrap();
                for (column, header) in xlsx_headers(form).iter().enumerate() {
                    sheet.write_string_with_format(0, column as u16, header, &bold)?;
                    sheet.set_column_width(column as u16, if column < FIXED.len() { 14 } else { 22 })?;
                }
                sheet.set_freeze_panes(1, 0)?;
                // The questions' wording on a sheet of its own.
                let labels = workbook.add_worksheet();
                labels.set_name("Câu hỏi")?;
                for (column, title) in ["id", "câu hỏi", "question"].iter().enumerate() {
                    labels.write_string(0, column as u16, *title)?;
                }
                for (row, question) in form.questions().enumerate() {
                    let row = row as u32 + 1;
                    labels.write_string(row, 0, &question.id)?;
                    labels.write_string(row, 1, &question.label.vi)?;
                    labels.write_string(row, 2, &question.label.en)?;
                }
                Sink::Xlsx {
                    workbook: Box::new(workbook),
                    out,
                    row: 1,
                }
            }
        })
    }

    fn write(&mut self, page: &Page, questions: &[&crate::forms::Question]) -> Result<(), ExportError> {
        match self {
            Sink::Csv(writer) => writer.write_batch(&frame(page, questions, true)?)?,
            Sink::Parquet(writer) => writer.write_batch(&frame(page, questions, false)?)?,
            Sink::Xlsx { workbook, row, .. } => {
                let sheet = workbook.worksheet_from_index(0)?;
                let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
                for i in 0..page.ids.len() {
                    sheet.write_number(*row, 0, page.ids[i] as f64)?;
                    let mut column = 1u16;
                    for (name, cells) in FIXED[1..].iter().zip(&page.fixed[1..]) {
                        if let Some(text) = &cells[i] {
                            match xlsx_date(text).filter(|_| *name == "day") {
                                Some(day) => {
                                    sheet.write_datetime_with_format(*row, column, day, &date)?;
                                }
                                None => {
                                    sheet.write_string(*row, column, text)?;
                                }
                            }
                        }
                        column += 1;
                    }
                    for (question, cells) in questions.iter().zip(&page.answers) {
                        let answer = cells[i].as_deref();
                        // A number where the answer is one (a count, a scale's level), so
                        // that the spreadsheet can add and average them.
                        match answer {
                            Some(text) if numeric(question) && text.parse::<f64>().is_ok() => {
                                sheet.write_number(*row, column, text.parse::<f64>().unwrap_or_default())?;
                            }
                            Some(text) => {
                                sheet.write_string(*row, column, text)?;
                            }
                            None => {}
                        }
                        column += 1;
                        if has_options(question) {
                            if let Some(words) = answer.map(|a| option_labels(question, a)) {
                                sheet.write_string(*row, column, words)?;
                            }
                            column += 1;
                        }
                    }
                    *row += 1;
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<(), ExportError> {
        match self {
            Sink::Csv(mut writer) => writer.finish()?,
            Sink::Parquet(writer) => {
                writer.finish()?;
            }
            Sink::Xlsx {
                mut workbook, out, ..
            } => workbook.save_to_writer(out)?,
        }
        Ok(())
    }
}

/// The readable headers of the XLSX export: each fixed column and question in words,
/// its code in brackets; a question with options is followed by their wording.
fn xlsx_headers(form: &Form) -> Vec<String> {
    const FIXED_WORDS: [&str; 9] = [
        "Mã phiếu",
        "Mã đơn vị",
        "Đơn vị",
        "Quầy",
        "Kênh",
        "Mã thủ tục",
        "Lĩnh vực",
        "Ngày",
        "Phiên bản phiếu",
    ];
    let mut headers: Vec<String> = FIXED_WORDS
        .iter()
        .zip(FIXED)
        .map(|(words, code)| format!("{words} [{code}]"))
        .collect();
    for question in form.questions() {
        headers.push(format!("{} [{}]", question.label.vi, question.id));
        if has_options(question) {
            headers.push(format!(
                "{} — nội dung [{}_label]",
                question.label.vi, question.id
            ));
        }
    }
    headers
}

fn has_options(question: &crate::forms::Question) -> bool {
    !question.kind.options().is_empty()
}

/// Whether the question's answers are numbers: counts, and the levels of a scale.
fn numeric(question: &crate::forms::Question) -> bool {
    matches!(
        question.kind,
        QuestionKind::Number { .. } | QuestionKind::Scale { .. }
    )
}

/// The wording of the options an answer names (`a;b` for several), in Vietnamese.
fn option_labels(question: &crate::forms::Question, answer: &str) -> String {
    answer
        .split(';')
        .map(|value| {
            question
                .kind
                .options()
                .iter()
                .find(|o| o.value == value)
                .map_or(value, |o| o.label.vi.as_str())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// An ISO day as a spreadsheet date.
fn xlsx_date(day: &str) -> Option<rust_xlsxwriter::ExcelDateTime> {
    let day: chrono::NaiveDate = day.parse().ok()?;
    use chrono::Datelike;
    rust_xlsxwriter::ExcelDateTime::from_ymd(day.year() as u16, day.month() as u8, day.day() as u8).ok()
}

/// A page as a data frame. Free text headed for CSV is kept from running as a
/// spreadsheet formula.
fn frame(
    page: &Page,
    questions: &[&crate::forms::Question],
    for_spreadsheet: bool,
) -> PolarsResult<DataFrame> {
    let mut columns = vec![Column::new("response_id".into(), &page.ids)];
    for (name, cells) in FIXED[1..].iter().zip(&page.fixed[1..]) {
        let cells: Vec<Option<String>> = cells
            .iter()
            .map(|c| {
                c.as_deref().map(|t| {
                    if for_spreadsheet {
                        safe_cell(t)
                    } else {
                        t.to_string()
                    }
                })
            })
            .collect();
        columns.push(Column::new((*name).into(), cells));
    }
    for (question, cells) in questions.iter().zip(&page.answers) {
        let column = match question.kind {
            QuestionKind::Number { .. } => {
                let numbers: Vec<Option<i64>> = cells
                    .iter()
                    .map(|c| c.as_deref().and_then(|t| t.parse().ok()))
                    .collect();
                Column::new(question.id.as_str().into(), numbers)
            }
            _ => {
                let texts: Vec<Option<String>> = cells
                    .iter()
                    .map(|c| {
                        c.as_deref().map(|t| {
                            if for_spreadsheet {
                                safe_cell(t)
                            } else {
                                t.to_string()
                            }
                        })
                    })
                    .collect();
                Column::new(question.id.as_str().into(), texts)
            }
        };
        columns.push(column);
    }
    DataFrame::new(page.ids.len(), columns)
}
