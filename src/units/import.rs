//! Importing the unit tree from a `code,name,kind,parent_code` CSV file: all of it or,
//! when any line is wrong, none of it.

use std::collections::{HashMap, HashSet};

use unicode_normalization::UnicodeNormalization;

use crate::db::units::{Unit, UnitRecord};
use crate::db::{self, DbConnection, DbError};
use crate::i18n::Message;

/// The columns a units file must have, in any order.
pub const COLUMNS: [&str; 4] = ["code", "name", "kind", "parent_code"];
/// Columns a units file may have: the agency line of the unit's questionnaire (a blank
/// cell clears it; without the column, what is stored stays).
pub const OPTIONAL_COLUMNS: [&str; 1] = ["agency_name"];

const MAX_CODE_CHARS: usize = 32;
const MAX_NAME_CHARS: usize = 200;
const MAX_KIND_CHARS: usize = 64;

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// One thing wrong with one line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub message: Message,
}

/// Why nothing was imported.
#[derive(Debug)]
pub enum ImportError {
    /// The file has these problems; nothing was stored.
    Rejected(Vec<Problem>),
    Db(DbError),
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

/// One valid data line.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    code: String,
    name: String,
    kind: String,
    parent: Option<String>,
    /// `None` when the file has no `agency_name` column.
    agency: Option<Option<String>>,
}

/// Imports the units of a CSV file in one transaction. Units already stored keep their
/// code; their name, kind and parent are updated. Units absent from the file are kept.
pub fn import_csv(conn: &mut DbConnection, bytes: &[u8]) -> Result<ImportSummary, ImportError> {
    let rows = parse(bytes).map_err(ImportError::Rejected)?;
    apply(conn, &rows)
}

/// Adds or updates one unit under the same rules as a file of one line.
pub fn save_unit(
    conn: &mut DbConnection,
    code: &str,
    name: &str,
    kind: &str,
    parent: Option<&str>,
) -> Result<ImportSummary, ImportError> {
    let row = check_row(
        1,
        code.trim(),
        name.trim(),
        kind.trim(),
        parent.unwrap_or("").trim(),
    )
    .map_err(ImportError::Rejected)?;
    apply(conn, &[row])
}

fn apply(conn: &mut DbConnection, rows: &[Row]) -> Result<ImportSummary, ImportError> {
    db::write_transaction(conn, |conn| {
        let existing = db::units::all(conn)?;
        let now = db::now();
        let (summary, changed) = plan(rows, &existing).map_err(ImportError::Rejected)?;
        let records: Vec<UnitRecord<'_>> = changed
            .iter()
            .map(|row| UnitRecord {
                code: &row.code,
                name: &row.name,
                kind: &row.kind,
                parent_code: row.parent.as_deref(),
                created_at: now,
                updated_at: now,
            })
            .collect();
        db::units::upsert(conn, &records)?;
        for row in rows {
            if let Some(agency) = &row.agency {
                db::units::set_agency(conn, &row.code, agency.as_deref())?;
            }
        }
        Ok(summary)
    })
}

fn problem(line: u64, vi: String, en: String) -> Problem {
    Problem {
        line,
        message: Message::new(vi, en),
    }
}

/// Reads and checks every line on its own: encoding, columns, field values.
fn parse(bytes: &[u8]) -> Result<Vec<Row>, Vec<Problem>> {
    let text = decode(bytes).map_err(|p| vec![p])?;
    if text.trim().is_empty() {
        return Err(vec![problem(
            1,
            "tệp rỗng: cần dòng tiêu đề code,name,kind,parent_code và ít nhất một đơn vị".into(),
            "the file is empty: it needs the header code,name,kind,parent_code and at least one unit".into(),
        )]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(e) => return Err(vec![csv_problem(&e)]),
    };
    let columns = column_positions(&header)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                let field = |name: &str| record.get(columns[name]).unwrap_or("");
                match check_row(
                    line,
                    field("code"),
                    field("name"),
                    field("kind"),
                    field("parent_code"),
                ) {
                    Ok(mut row) => {
                        if let Some(at) = columns.get("agency_name") {
                            match clean_line(record.get(*at).unwrap_or(""), MAX_NAME_CHARS) {
                                Ok(agency) => row.agency = Some(agency),
                                Err(message) => problems.push(Problem { line, message }),
                            }
                        }
                        rows.push(row)
                    }
                    Err(mut found) => problems.append(&mut found),
                }
            }
            Err(e) => problems.push(csv_problem(&e)),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(problem(
            2,
            "tệp chỉ có dòng tiêu đề, không có đơn vị nào".into(),
            "the file has a header but no units".into(),
        ));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// The file as UTF-8 text (an initial byte-order mark is allowed and dropped).
fn decode(bytes: &[u8]) -> Result<&str, Problem> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(problem(
            1,
            "tệp được mã hóa UTF-16; hãy lưu lại dưới dạng CSV UTF-8".into(),
            "the file is encoded as UTF-16; save it again as CSV UTF-8".into(),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64;
        problem(
            line,
            "không phải văn bản UTF-8 (có thể tệp dùng bảng mã Windows-1258 hoặc TCVN3); hãy lưu lại dưới dạng CSV UTF-8".into(),
            "not UTF-8 text (the file may use Windows-1258 or TCVN3); save it again as CSV UTF-8".into(),
        )
    })
}

fn csv_problem(error: &csv::Error) -> Problem {
    let line = error.position().map_or(1, |p| p.line());
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => problem(
            line,
            format!("dòng có {len} cột, cần {expected_len} cột như dòng tiêu đề"),
            format!("the line has {len} fields, the header has {expected_len}"),
        ),
        _ => problem(
            line,
            format!("không đọc được dòng CSV: {error}"),
            format!("cannot read the CSV line: {error}"),
        ),
    }
}

fn column_positions(header: &csv::StringRecord) -> Result<HashMap<&'static str, usize>, Vec<Problem>> {
    let mut positions = HashMap::new();
    let mut problems = Vec::new();
    for (index, name) in header.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        match COLUMNS.iter().chain(&OPTIONAL_COLUMNS).find(|c| **c == name) {
            Some(column) if positions.contains_key(column) => problems.push(problem(
                1,
                format!("cột «{column}» xuất hiện hai lần"),
                format!("column «{column}» appears twice"),
            )),
            Some(column) => {
                positions.insert(*column, index);
            }
            None => problems.push(problem(
                1,
                format!("cột không rõ «{name}»; các cột là code,name,kind,parent_code và agency_name (tùy chọn)"),
                format!("unknown column «{name}»; the columns are code,name,kind,parent_code and, optionally, agency_name"),
            )),
        }
    }
    for column in COLUMNS {
        if !positions.contains_key(column) {
            problems.push(problem(
                1,
                format!("thiếu cột «{column}»; dòng tiêu đề phải là code,name,kind,parent_code"),
                format!("missing column «{column}»; the header must be code,name,kind,parent_code"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(positions)
    } else {
        Err(problems)
    }
}

fn check_row(line: u64, code: &str, name: &str, kind: &str, parent: &str) -> Result<Row, Vec<Problem>> {
    let mut problems = Vec::new();
    if let Some((vi, en)) = code_problem(code) {
        problems.push(problem(
            line,
            format!("mã đơn vị {vi}"),
            format!("unit code {en}"),
        ));
    }
    if !parent.is_empty()
        && let Some((vi, en)) = code_problem(parent)
    {
        problems.push(problem(
            line,
            format!("mã đơn vị cha {vi}"),
            format!("parent code {en}"),
        ));
    }
    for (field, value, max) in [("name", name, MAX_NAME_CHARS), ("kind", kind, MAX_KIND_CHARS)] {
        if value.is_empty() {
            problems.push(problem(
                line,
                format!("thiếu «{field}»"),
                format!("«{field}» is empty"),
            ));
        } else if value.chars().count() > max {
            problems.push(problem(
                line,
                format!("«{field}» dài quá {max} ký tự"),
                format!("«{field}» is longer than {max} characters"),
            ));
        } else if value.chars().any(char::is_control) {
            problems.push(problem(
                line,
                format!("«{field}» chứa ký tự điều khiển"),
                format!("«{field}» contains control characters"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Row {
        line,
        code: code.to_string(),
        // Names typed on some systems arrive decomposed (NFD); store one form so that
        // search and comparison see the same text.
        name: name.nfc().collect(),
        kind: kind.nfc().collect(),
        parent: (!parent.is_empty()).then(|| parent.to_string()),
        agency: None,
    })
}

/// A line of text a citizen reads (an agency's name, a hotline): trimmed, composed
/// (NFC), at most `max` characters, no control characters; `None` when blank.
pub fn clean_line(text: &str, max: usize) -> Result<Option<String>, Message> {
    let text: String = text.trim().nfc().collect();
    if text.chars().count() > max {
        return Err(Message::new(
            format!("dài quá {max} ký tự"),
            format!("longer than {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(Message::new(
            "chứa ký tự điều khiển",
            "contains control characters",
        ));
    }
    Ok((!text.is_empty()).then_some(text))
}

/// What is wrong with a code, in Vietnamese and English, if anything.
fn code_problem(code: &str) -> Option<(String, String)> {
    if code.is_empty() {
        return Some(("bị trống".into(), "is empty".into()));
    }
    if code.len() > MAX_CODE_CHARS {
        return Some((
            format!("dài quá {MAX_CODE_CHARS} ký tự"),
            format!("is longer than {MAX_CODE_CHARS} characters"),
        ));
    }
    if !code
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Some((
            format!("«{code}» chỉ được gồm chữ cái không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới"),
            format!("«{code}» may only contain ASCII letters, digits, '.', '-' and '_'"),
        ));
    }
    None
}

/// Checks the rows against each other and against the stored tree: duplicate codes,
/// unknown parents, cycles. Returns the summary and the rows to write, parents first.
fn plan<'r>(rows: &'r [Row], existing: &[Unit]) -> Result<(ImportSummary, Vec<&'r Row>), Vec<Problem>> {
    let mut problems = Vec::new();
    let mut first_line: HashMap<&str, u64> = HashMap::new();
    for row in rows {
        if let Some(first) = first_line.get(row.code.as_str()) {
            problems.push(problem(
                row.line,
                format!("mã «{}» lặp lại (đã có ở dòng {first})", row.code),
                format!("code «{}» appears again (first on line {first})", row.code),
            ));
        } else {
            first_line.insert(&row.code, row.line);
        }
    }
    // The tree as it will be once the file is applied.
    let mut parent_of: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|u| (u.code.as_str(), u.parent_code.as_deref()))
        .collect();
    for row in rows {
        parent_of.insert(&row.code, row.parent.as_deref());
    }
    for row in rows {
        if let Some(parent) = row.parent.as_deref() {
            if parent == row.code {
                problems.push(problem(
                    row.line,
                    format!("đơn vị «{}» không thể là cha của chính nó", row.code),
                    format!("unit «{}» cannot be its own parent", row.code),
                ));
            } else if !parent_of.contains_key(parent) {
                problems.push(problem(
                    row.line,
                    format!("đơn vị cha «{parent}» không có trong tệp cũng như trong cơ sở dữ liệu"),
                    format!("parent «{parent}» is neither in the file nor in the database"),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let depth = depths(rows, &parent_of, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }

    let stored: HashMap<&str, &Unit> = existing.iter().map(|u| (u.code.as_str(), u)).collect();
    let mut summary = ImportSummary {
        rows: rows.len(),
        ..ImportSummary::default()
    };
    let mut changed = Vec::new();
    for row in rows {
        match stored.get(row.code.as_str()) {
            None => summary.created += 1,
            Some(unit)
                if unit.name == row.name && unit.kind == row.kind && unit.parent_code == row.parent =>
            {
                summary.unchanged += 1;
                continue;
            }
            Some(_) => summary.updated += 1,
        }
        changed.push(row);
    }
    // Parents first, so every foreign key points at a unit that is already there.
    changed.sort_by_key(|row| (depth[row.code.as_str()], row.line));
    Ok((summary, changed))
}

/// The depth of every row's unit in the merged tree; reports each cycle once, on the
/// first line (in file order) that belongs to it.
fn depths<'a>(
    rows: &'a [Row],
    parent_of: &HashMap<&'a str, Option<&'a str>>,
    problems: &mut Vec<Problem>,
) -> HashMap<&'a str, usize> {
    let mut depth: HashMap<&str, usize> = HashMap::new();
    let mut in_cycle: HashSet<&str> = HashSet::new();
    for row in rows {
        let mut path: Vec<&str> = Vec::new();
        let mut current = Some(row.code.as_str());
        let base = loop {
            let Some(code) = current else { break 0 };
            if let Some(d) = depth.get(code) {
                break *d + 1;
            }
            if in_cycle.contains(code) {
                break usize::MAX;
            }
            if let Some(start) = path.iter().position(|c| *c == code) {
                let cycle = &path[start..];
                in_cycle.extend(cycle.iter().copied());
                let line = rows
                    .iter()
                    .find(|r| cycle.contains(&r.code.as_str()))
                    .map_or(row.line, |r| r.line);
                let mut shown = cycle.join(" → ");
                shown.push_str(" → ");
                shown.push_str(code);
                problems.push(problem(
                    line,
                    format!("vòng lặp cha–con: {shown}"),
                    format!("parent cycle: {shown}"),
                ));
                break usize::MAX;
            }
            path.push(code);
            current = parent_of.get(code).copied().flatten();
        };
        if base == usize::MAX {
            continue;
        }
        // `path` runs from the row up to the first unit of known depth (or a root).
        for (i, code) in path.iter().rev().enumerate() {
            depth.insert(code, base + i);
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(result: Result<Vec<Row>, Vec<Problem>>) -> Vec<u64> {
        result.unwrap_err().iter().map(|p| p.line).collect()
    }

    fn unit(code: &str, parent: Option<&str>) -> Unit {
        Unit {
            code: code.into(),
            name: format!("Unit {code}"),
            kind: "xã".into(),
            parent_code: parent.map(Into::into),
            public: false,
            agency_name: None,
            feedback_contact: None,
        }
    }

    #[test]
    fn the_shipped_national_list_parses() {
        let rows = parse(crate::units::VN_ADMIN_UNITS_2025.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3355);
        assert_eq!(rows.iter().filter(|r| r.parent.is_none()).count(), 34);
        let (summary, changed) = plan(&rows, &[]).unwrap();
        assert_eq!(summary.created, 3355);
        // Every province comes before every commune.
        let first_commune = changed.iter().position(|r| r.parent.is_some()).unwrap();
        assert!(changed[first_commune..].iter().all(|r| r.parent.is_some()));
    }

    #[test]
    fn bad_encodings_and_shapes_name_the_line() {
        assert_eq!(lines_of(parse(b"")), vec![1]);
        assert_eq!(lines_of(parse(b"code,name,kind,parent_code\n")), vec![2]);
        assert_eq!(lines_of(parse(b"\xFF\xFEc\0o\0")), vec![1]);
        let latin = b"code,name,kind,parent_code\n01,Ha Noi,tinh,\n02,H\xe0 Giang,t\xecnh,\n";
        assert_eq!(lines_of(parse(latin)), vec![3]);
        assert_eq!(lines_of(parse(b"code,name,parent_code\n01,A,\n")), vec![1]);
        assert_eq!(
            lines_of(parse(b"code,name,kind,parent_code,extra\n01,A,b,,x\n")),
            vec![1]
        );
        assert_eq!(
            lines_of(parse(b"code,name,kind,parent_code\n01,A,b,\n02,B,b\n")),
            vec![3]
        );
        assert_eq!(
            lines_of(parse(b"code,name,kind,parent_code\n01,A,b,\n0 2,B,b,\n,C,b,\n")),
            vec![3, 4]
        );
    }

    #[test]
    fn byte_order_mark_and_column_order_are_accepted() {
        let rows = parse(
            "\u{FEFF}parent_code,code,kind,name\n,01,tỉnh,Hà Nội\n01,00004,phường,Ba Đình\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(rows[1].code, "00004");
        assert_eq!(rows[1].parent.as_deref(), Some("01"));
        assert_eq!(rows[1].name, "Ba Đình");
    }

    #[test]
    fn an_agency_column_sets_or_clears_the_agency_line_and_its_absence_keeps_it() {
        let rows = parse(
            "code,name,kind,parent_code,agency_name\n01,Phú Xuân,phường,,UBND Phường Phú Xuân — Trung tâm Phục vụ hành chính công\n02,Thuận Hóa,phường,,\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            rows[0].agency,
            Some(Some(
                "UBND Phường Phú Xuân — Trung tâm Phục vụ hành chính công".into()
            ))
        );
        assert_eq!(rows[1].agency, Some(None), "a blank cell clears it");
        let rows = parse("code,name,kind,parent_code\n01,Phú Xuân,phường,\n".as_bytes()).unwrap();
        assert_eq!(rows[0].agency, None, "no column: what is stored stays");
        let long = format!(
            "code,name,kind,parent_code,agency_name\n01,A,xã,,{}\n",
            "x".repeat(201)
        );
        assert_eq!(lines_of(parse(long.as_bytes())), [2]);
    }

    #[test]
    fn decomposed_names_are_stored_composed() {
        let nfd = "code,name,kind,parent_code\n01,Ha\u{0300} Nô\u{0323}i,tinh,\n";
        let rows = parse(nfd.as_bytes()).unwrap();
        assert_eq!(rows[0].name, "Hà Nội");
    }

    fn plan_lines(csv: &str, existing: &[Unit]) -> Vec<u64> {
        let rows = parse(csv.as_bytes()).unwrap();
        plan(&rows, existing)
            .unwrap_err()
            .iter()
            .map(|p| p.line)
            .collect()
    }

    #[test]
    fn duplicates_unknown_parents_and_cycles_are_rejected() {
        let h = "code,name,kind,parent_code\n";
        assert_eq!(
            plan_lines(&format!("{h}01,A,t,\n02,B,t,\n01,C,t,\n"), &[]),
            vec![4]
        );
        assert_eq!(plan_lines(&format!("{h}01,A,t,\n00004,B,x,99\n"), &[]), vec![3]);
        assert_eq!(plan_lines(&format!("{h}01,A,t,01\n"), &[]), vec![2]);
        // A → B → C → A, reported once, on the first line of the cycle.
        assert_eq!(
            plan_lines(&format!("{h}R,Root,t,\nA,A,t,C\nB,B,t,A\nC,C,t,B\n"), &[]),
            vec![3]
        );
        // A cycle through a unit already stored: the file makes 01 a child of its child.
        let stored = [unit("01", None), unit("00004", Some("01"))];
        assert_eq!(plan_lines(&format!("{h}01,A,t,00004\n"), &stored), vec![2]);
    }

    #[test]
    fn reimport_counts_created_updated_unchanged() {
        let stored = [unit("01", None), unit("00004", Some("01"))];
        let csv = "code,name,kind,parent_code\n01,Unit 01,xã,\n00004,Renamed,xã,01\n00008,New,xã,01\n";
        let rows = parse(csv.as_bytes()).unwrap();
        let (summary, changed) = plan(&rows, &stored).unwrap();
        assert_eq!(
            summary,
            ImportSummary {
                rows: 3,
                created: 1,
                updated: 1,
                unchanged: 1
            }
        );
        let codes: Vec<&str> = changed.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["00004", "00008"]);
    }

    #[test]
    fn children_listed_before_parents_are_written_after_them() {
        let csv = "code,name,kind,parent_code\nC,C,x,B\nB,B,x,A\nA,A,x,\n";
        let rows = parse(csv.as_bytes()).unwrap();
        let (_, changed) = plan(&rows, &[]).unwrap();
        let codes: Vec<&str> = changed.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["A", "B", "C"]);
    }
}
