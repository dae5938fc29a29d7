//! Paper questionnaires typed into a spreadsheet: one row per response, columns
//! `unit_code`, optional `desk`, `submitted_at`, optional `procedure_code` and
//! `procedure_field` (its lĩnh vực), then one column per question id (several options of a multi question separated by `;`).
//! Every row is checked like a questionnaire sent from a phone; a file with a bad row is
//! refused whole, each problem with its line, unless the caller keeps the good rows.
//! Imported responses have channel `paper` and feed the same counts.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{Data, Reader};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use super::procedure::normalize_field;
use super::store::{Batch, StoreError, Submission};
use super::validate::{Scope, validate_in};
use crate::codes::tickets::check_field;
use crate::db::{self, DbConnection, DbError};
use crate::forms::RegisteredForm;
use crate::i18n::{Localized, Message};
use crate::tally::Channel;

/// The columns every file may have besides the questions.
const UNIT: &str = "unit_code";
const DESK: &str = "desk";
const SUBMITTED_AT: &str = "submitted_at";
const PROCEDURE: &str = "procedure_code";
const PROCEDURE_FIELD: &str = "procedure_field";

/// A file as a header and rows of text cells, each with the line (or spreadsheet row) it
/// was on. A CSV file's rows are read as they are imported, not all held at once: a
/// million of them would take gigabytes as cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table<'a> {
    pub header: Vec<String>,
    body: Body<'a>,
}

/// A row of cells and the line it was on.
type Line = (usize, Vec<String>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Body<'a> {
    /// A spreadsheet's rows, already read (the XLSX reader reads the whole sheet anyway).
    Rows(Vec<Line>),
    /// A CSV file's text, header included.
    Csv(&'a str),
}

fn broken_csv(e: csv::Error) -> ImportError {
    unreadable(format!("tệp CSV hỏng: {e}"), format!("broken CSV: {e}"))
}

impl Table<'_> {
    /// About how many rows there are (a CSV file's lines after the header), for progress.
    pub fn len_hint(&self) -> usize {
        match &self.body {
            Body::Rows(rows) => rows.len(),
            Body::Csv(text) => text.lines().count().saturating_sub(1),
        }
    }

    /// The rows that have any cell filled, in order; a CSV file broken further down is
    /// found there.
    fn rows(&self) -> Box<dyn Iterator<Item = Result<Line, ImportError>> + '_> {
        match &self.body {
            Body::Rows(rows) => Box::new(rows.iter().cloned().map(Ok)),
            Body::Csv(text) => Box::new(
                csv_records(text)
                    .skip(1)
                    .filter(|row| {
                        row.as_ref()
                            .map_or(true, |(_, cells)| cells.iter().any(|c| !c.is_empty()))
                    })
                    .map(|row| row.map_err(broken_csv)),
            ),
        }
    }
}

/// Every record of a CSV text with the line it starts on, cells trimmed.
fn csv_records(text: &str) -> impl Iterator<Item = Result<Line, csv::Error>> + '_ {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .into_records()
        .map(|record| {
            record.map(|record| {
                let line = record.position().map_or(0, |p| p.line() as usize);
                (line, record.iter().map(|c| c.trim().to_string()).collect())
            })
        })
}

/// Something wrong at a line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub message: Message,
}

#[derive(Debug)]
pub enum ImportError {
    /// The file cannot be read as a table of responses at all.
    Unreadable(Message),
    /// Rows with problems; nothing was stored.
    Rejected(Vec<LineProblem>),
    Db(DbError),
}

impl Localized for ImportError {
    fn message(&self) -> Message {
        match self {
            ImportError::Unreadable(message) => message.clone(),
            ImportError::Rejected(problems) => Message::new(
                format!("{} dòng có lỗi; không lưu phiếu nào", problems.len()),
                format!("{} lines have problems; nothing was stored", problems.len()),
            ),
            ImportError::Db(e) => e.message(),
        }
    }
}

impl From<DbError> for ImportError {
    fn from(e: DbError) -> Self {
        ImportError::Db(e)
    }
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Db(e.into())
    }
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Db(e) => ImportError::Db(e),
            // Imports carry no ticket; were one to, its reason would be told.
            closed @ StoreError::TicketClosed => ImportError::Unreadable(closed.message()),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub stored: usize,
    /// Rows left out (with `skip_invalid`).
    pub skipped: Vec<LineProblem>,
}

fn unreadable(vi: String, en: String) -> ImportError {
    ImportError::Unreadable(Message::new(vi, en))
}

/// Reads a `.csv` (UTF-8) or `.xlsx` (its first sheet) file's bytes.
pub fn read_table<'a>(name: &str, bytes: &'a [u8]) -> Result<Table<'a>, ImportError> {
    let lower = name.to_lowercase();
    if lower.ends_with(".xlsx") {
        read_xlsx(bytes)
    } else if lower.ends_with(".csv") {
        read_csv(bytes)
    } else {
        Err(unreadable(
            format!("tệp «{name}» phải là .csv hoặc .xlsx"),
            format!("file «{name}» must be .csv or .xlsx"),
        ))
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table<'_>, ImportError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        unreadable(
            format!("dòng {line}: tệp không phải UTF-8 (hãy lưu lại dưới dạng «CSV UTF-8»)"),
            format!("line {line}: the file is not UTF-8 (save it again as \"CSV UTF-8\")"),
        )
    })?;
    let (_, header) = csv_records(text)
        .next()
        .ok_or_else(|| unreadable("tệp rỗng".into(), "the file is empty".into()))?
        .map_err(broken_csv)?;
    Ok(Table {
        header,
        body: Body::Csv(text),
    })
}

fn read_xlsx(bytes: &[u8]) -> Result<Table<'static>, ImportError> {
    let broken = |e: &dyn std::fmt::Display| {
        unreadable(
            format!("không đọc được tệp Excel: {e}"),
            format!("the Excel file cannot be read: {e}"),
        )
    };
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| broken(&e))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| {
            unreadable(
                "tệp Excel không có trang nào".into(),
                "the Excel file has no sheet".into(),
            )
        })?
        .map_err(|e| broken(&e))?;
    let mut lines = range.rows().enumerate();
    let header = lines
        .next()
        .map(|(_, cells)| cells.iter().map(cell_text).collect())
        .ok_or_else(|| unreadable("tệp rỗng".into(), "the file is empty".into()))?;
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let rows = lines
        .map(|(i, cells)| {
            (
                first_row + i + 1,
                cells.iter().map(cell_text).collect::<Vec<String>>(),
            )
        })
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .collect();
    Ok(Table {
        header,
        body: Body::Rows(rows),
    })
}

/// A spreadsheet cell as the text it would be in a CSV file.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// When a paper questionnaire was filled in: a date-time with an offset (RFC 3339), or a
/// local `YYYY-MM-DD[ HH:MM[:SS]]` or `DD/MM/YYYY[ HH:MM[:SS]]` (a bare day counts at
/// noon).
pub fn parse_time(text: &str, time_zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let local = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .or_else(|| {
        ["%Y-%m-%d", "%d/%m/%Y"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
            .map(|d| d.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()))
    })?;
    time_zone
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// What the rows of a file refer to, loaded once.
struct Known {
    units: HashSet<String>,
    /// Desks by code and by ID: (id, unit).
    desks: HashMap<String, (i64, String)>,
}

impl Known {
    fn load(conn: &mut DbConnection) -> Result<Known, DbError> {
        let units = db::units::all(conn)?.into_iter().map(|u| u.code).collect();
        let mut desks = HashMap::new();
        for desk in db::desks::list(conn, None)? {
            desks.insert(desk.id.to_string(), (desk.id, desk.unit_code.clone()));
            desks.insert(desk.code.clone(), (desk.id, desk.unit_code));
        }
        Ok(Known { units, desks })
    }
}

/// One row, checked.
struct Row {
    unit: String,
    desk: Option<i64>,
    procedure: Option<String>,
    procedure_field: Option<String>,
    at: DateTime<Utc>,
    answers: super::Answers,
}

/// Imports the responses of `table` to `form`. All or nothing unless `skip_invalid`, when
/// the good rows are stored and the bad ones reported. `progress` hears how many rows are
/// done.
pub fn import(
    conn: &mut DbConnection,
    form: &RegisteredForm,
    table: &Table<'_>,
    skip_invalid: bool,
    time_zone: chrono_tz::Tz,
    progress: &dyn Fn(usize),
) -> Result<Imported, ImportError> {
    let columns = check_header(form, &table.header)?;
    let known = Known::load(conn)?;
    let now = Utc::now();
    // One pass in one transaction: each row is checked and stored; a problem in a file
    // imported whole stops the storing, the rest is still checked so that every problem
    // is told at once, and the transaction is rolled back.
    db::write_transaction(conn, |conn| -> Result<Imported, ImportError> {
        let mut batch = Batch::default();
        let mut stored = 0;
        let mut problems = Vec::new();
        let mut done = 0;
        for row in table.rows() {
            let (line, cells) = row?;
            if done % 1000 == 0 {
                progress(done);
            }
            done += 1;
            let row = match check_row(form, &columns, &known, &cells, time_zone, now) {
                Ok(row) => row,
                Err(message) => {
                    problems.push(LineProblem { line, message });
                    continue;
                }
            };
            if !problems.is_empty() && !skip_invalid {
                continue;
            }
            let submission = Submission {
                form_version_id: form.version_id,
                unit_code: &row.unit,
                desk_id: row.desk,
                channel: Channel::Paper,
                procedure_code: row.procedure.as_deref(),
                procedure_field: row.procedure_field.as_deref(),
                submitted_at: row.at,
                time_zone,
                token: None,
                ticket: None,
            };
            batch.queue(conn, &submission, &row.answers)?;
            stored += 1;
        }
        if !problems.is_empty() && !skip_invalid {
            return Err(ImportError::Rejected(problems));
        }
        batch.finish(conn)?;
        progress(done);
        Ok(Imported {
            stored,
            skipped: problems,
        })
    })
}

/// The columns, once each is known to be a standard column or a question of the form.
fn check_header(form: &RegisteredForm, header: &[String]) -> Result<Vec<String>, ImportError> {
    let mut seen = HashSet::new();
    for name in header {
        let known = [UNIT, DESK, SUBMITTED_AT, PROCEDURE, PROCEDURE_FIELD].contains(&name.as_str())
            || form.form.question(name).is_some();
        if !known {
            return Err(unreadable(
                format!(
                    "dòng 1: cột «{name}» không phải cột chuẩn hay câu hỏi của phiếu «{}»",
                    form.form.id
                ),
                format!(
                    "line 1: column «{name}» is neither a standard column nor a question of «{}»",
                    form.form.id
                ),
            ));
        }
        if !seen.insert(name.as_str()) {
            return Err(unreadable(
                format!("dòng 1: cột «{name}» lặp lại"),
                format!("line 1: column «{name}» appears twice"),
            ));
        }
    }
    for required in [UNIT, SUBMITTED_AT] {
        if !seen.contains(required) {
            return Err(unreadable(
                format!("dòng 1: thiếu cột «{required}»"),
                format!("line 1: the column «{required}» is missing"),
            ));
        }
    }
    Ok(header.to_vec())
}

fn check_row(
    form: &RegisteredForm,
    columns: &[String],
    known: &Known,
    cells: &[String],
    time_zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<Row, Message> {
    let cell = |name: &str| -> &str {
        columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| cells.get(i))
            .map_or("", |c| c.trim())
    };
    if cells.len() > columns.len() {
        return Err(Message::new(
            format!("có {} ô, nhiều hơn {} cột", cells.len(), columns.len()),
            format!("{} cells, more than the {} columns", cells.len(), columns.len()),
        ));
    }
    let unit = cell(UNIT);
    if !known.units.contains(unit) {
        return Err(Message::new(
            format!("không có đơn vị mã «{unit}»"),
            format!("there is no unit with code «{unit}»"),
        ));
    }
    let desk = match cell(DESK) {
        "" => None,
        named => match known
            .desks
            .get(named)
            .or_else(|| crate::codes::normalize(named).and_then(|c| known.desks.get(&c)))
        {
            Some((id, desk_unit)) if desk_unit == unit => Some(*id),
            Some(_) => {
                return Err(Message::new(
                    format!("quầy «{named}» không thuộc đơn vị «{unit}»"),
                    format!("desk «{named}» does not belong to unit «{unit}»"),
                ));
            }
            None => {
                return Err(Message::new(
                    format!("không có quầy «{named}»"),
                    format!("there is no desk «{named}»"),
                ));
            }
        },
    };
    let written = cell(SUBMITTED_AT);
    let at = parse_time(written, time_zone).ok_or_else(|| {
        Message::new(
            format!("thời điểm «{written}» không hợp lệ (dùng 2025-07-31 14:30 hoặc 31/07/2025)"),
            format!("time «{written}» is not valid (use 2025-07-31 14:30 or 31/07/2025)"),
        )
    })?;
    if at > now {
        return Err(Message::new(
            format!("thời điểm «{written}» ở tương lai"),
            format!("time «{written}» is in the future"),
        ));
    }
    let procedure = check_field("procedure_code", Some(cell(PROCEDURE))).map_err(|e| e.message())?;
    let procedure_field = normalize_field(Some(cell(PROCEDURE_FIELD)))?;
    let mut fields = Vec::new();
    for (name, value) in columns.iter().zip(cells) {
        if let Some(question) = form.form.question(name) {
            let parts: Vec<&str> = match question.kind {
                crate::forms::QuestionKind::Multi { .. } => value.split(';').collect(),
                _ => vec![value.as_str()],
            };
            fields.extend(parts.into_iter().map(|p| (name.clone(), p.trim().to_string())));
        }
    }
    let (_, checked) = validate_in(&form.form, &fields, Scope::Paper);
    let answers = checked.map_err(|problems| {
        let mut parts: Vec<String> = problems
            .by_question
            .iter()
            .map(|(question, message)| format!("{question}: {}", message.vi))
            .collect();
        parts.extend(problems.general.iter().map(|m| m.vi.to_string()));
        let mut english: Vec<String> = problems
            .by_question
            .iter()
            .map(|(question, message)| format!("{question}: {}", message.en))
            .collect();
        english.extend(problems.general.iter().map(|m| m.en.to_string()));
        Message::new(parts.join("; "), english.join("; "))
    })?;
    Ok(Row {
        unit: unit.to_string(),
        desk,
        procedure,
        procedure_field,
        at,
        answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_the_common_ways() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let expect = Utc.with_ymd_and_hms(2025, 7, 31, 7, 30, 0).unwrap();
        assert_eq!(parse_time("2025-07-31 14:30", tz), Some(expect));
        assert_eq!(parse_time("2025-07-31T14:30:00", tz), Some(expect));
        assert_eq!(parse_time("31/07/2025 14:30", tz), Some(expect));
        assert_eq!(parse_time("2025-07-31T07:30:00Z", tz), Some(expect));
        assert_eq!(
            parse_time("2025-07-31", tz),
            Some(Utc.with_ymd_and_hms(2025, 7, 31, 5, 0, 0).unwrap())
        );
        assert_eq!(
            parse_time("31/7/2025", tz),
            Some(Utc.with_ymd_and_hms(2025, 7, 31, 5, 0, 0).unwrap())
        );
        assert_eq!(parse_time("hôm qua", tz), None);
        assert_eq!(parse_time("2025-02-30", tz), None);
    }
}
