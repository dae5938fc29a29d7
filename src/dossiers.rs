//! Dossier volumes: how many dossiers (hồ sơ) each unit received per month, imported from a
//! `unit_code,month,dossiers` CSV file or posted by the one-stop software. They weigh the
//! `weighted` roll-up and give the population N of sample targets (DESIGN.md §9). All of a
//! file or none of it; a unit-month given again replaces what was stored.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::db::{self, DbConnection, DbError};
use crate::i18n::Message;

/// The columns of a dossiers file, in this order.
pub const COLUMNS: [&str; 3] = ["unit_code", "month", "dossiers"];

/// One unit-month as given (a line of a file, an item of a posted list).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DossierCount {
    /// Mã đơn vị. — The unit's code.
    #[schema(example = "00004")]
    pub unit_code: String,
    /// Tháng, dạng `2025-07`. — The month, as `2025-07`.
    #[schema(example = "2025-07")]
    pub month: String,
    /// Số hồ sơ đã tiếp nhận trong tháng. — Dossiers received that month.
    #[schema(minimum = 0)]
    pub dossiers: i64,
}

/// One thing wrong with one line (or item, counted from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub message: Message,
}

/// Why nothing was stored.
#[derive(Debug)]
pub enum DossierError {
    Rejected(Vec<Problem>),
    Db(DbError),
}

impl From<DbError> for DossierError {
    fn from(e: DbError) -> Self {
        DossierError::Db(e)
    }
}

impl From<diesel::result::Error> for DossierError {
    fn from(e: diesel::result::Error) -> Self {
        DossierError::Db(e.into())
    }
}

fn problem(line: u64, vi: String, en: String) -> Problem {
    Problem {
        line,
        message: Message::new(vi, en),
    }
}

/// The first day of a month written `YYYY-MM`.
pub fn parse_month(text: &str) -> Option<NaiveDate> {
    let (year, month) = text.trim().split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)
}

/// Reads a dossiers file: its header, then one unit-month per line.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<(u64, DossierCount)>, Vec<Problem>> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        vec![problem(
            1,
            "tệp không phải UTF-8".into(),
            "the file is not UTF-8".into(),
        )]
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            vec![problem(
                1,
                format!("không đọc được dòng tiêu đề: {e}"),
                format!("cannot read the header: {e}"),
            )]
        })?
        .iter()
        .map(str::to_string)
        .collect();
    if header != COLUMNS {
        return Err(vec![problem(
            1,
            format!(
                "dòng tiêu đề phải là «{}» (đang là «{}»)",
                COLUMNS.join(","),
                header.join(",")
            ),
            format!(
                "the header must be «{}» (it is «{}»)",
                COLUMNS.join(","),
                header.join(",")
            ),
        )]);
    }
    let (mut rows, mut problems) = (Vec::new(), Vec::new());
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                let dossiers = record[2].parse::<i64>();
                match dossiers {
                    Ok(dossiers) => rows.push((
                        line,
                        DossierCount {
                            unit_code: record[0].to_string(),
                            month: record[1].to_string(),
                            dossiers,
                        },
                    )),
                    Err(_) => problems.push(problem(
                        line,
                        format!("số hồ sơ «{}» không phải số nguyên", &record[2]),
                        format!("the number of dossiers «{}» is not a whole number", &record[2]),
                    )),
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(problem(
                    line,
                    format!("không đọc được dòng: {e}"),
                    format!("cannot read the line: {e}"),
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Checks every unit-month (a known unit, a month `YYYY-MM`, a count from 0, each unit-month
/// once) and, when all are right, stores them in one transaction; returns how many.
pub fn store(conn: &mut DbConnection, rows: &[(u64, DossierCount)]) -> Result<usize, DossierError> {
    let known: HashSet<String> = db::units::all(conn)?.into_iter().map(|u| u.code).collect();
    let (mut checked, mut problems) = (Vec::new(), Vec::new());
    let mut seen: HashMap<(String, NaiveDate), u64> = HashMap::new();
    for (line, row) in rows {
        let line = *line;
        let unit = row.unit_code.trim();
        if !known.contains(unit) {
            problems.push(problem(
                line,
                format!("không có đơn vị mã «{unit}»"),
                format!("there is no unit with code «{unit}»"),
            ));
        }
        let Some(month) = parse_month(&row.month) else {
            problems.push(problem(
                line,
                format!("tháng «{}» không hợp lệ; viết như 2025-07", row.month),
                format!("the month «{}» is not valid; write it as 2025-07", row.month),
            ));
            continue;
        };
        if row.dossiers < 0 {
            problems.push(problem(
                line,
                format!("số hồ sơ không được âm ({})", row.dossiers),
                format!("the number of dossiers cannot be negative ({})", row.dossiers),
            ));
        }
        if let Some(first) = seen.insert((unit.to_string(), month), line) {
            problems.push(problem(
                line,
                format!("đơn vị {unit}, tháng {} đã có ở dòng {first}", row.month.trim()),
                format!(
                    "unit {unit}, month {} is already on line {first}",
                    row.month.trim()
                ),
            ));
        }
        checked.push((unit.to_string(), month, row.dossiers));
    }
    if !problems.is_empty() {
        return Err(DossierError::Rejected(problems));
    }
    let now = db::now();
    let written = db::write_transaction(conn, |conn| db::dossiers::replace(conn, &checked, now))?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_written_year_dash_month() {
        assert_eq!(parse_month("2025-07"), NaiveDate::from_ymd_opt(2025, 7, 1));
        for bad in ["2025-13", "2025-7", "07-2025", "2025/07", "", "2025-07-01"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_file_is_read_by_its_header_and_numbers() {
        let rows = read_csv(b"unit_code,month,dossiers\n00004,2025-07,250\n").unwrap();
        assert_eq!(rows[0].1.dossiers, 250);
        assert_eq!(rows[0].0, 2);
        assert!(read_csv(b"unit,month,count\n").is_err());
        let problems = read_csv(b"unit_code,month,dossiers\nA,2025-07,many\n").unwrap_err();
        assert_eq!(problems[0].line, 2);
    }
}
