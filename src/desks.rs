//! Reception desks: adding them and describing them to people and scripts.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::codes;
use crate::db::desks::{Desk, NewDesk};
use crate::db::{self, DbConnection, DbError};
use crate::i18n::{Localized, Message};

/// The official SIPAS questionnaire: what reports read unless told otherwise.
pub const DEFAULT_FORM: &str = "sipas-2017";
/// The form a new desk's poster opens unless told otherwise: anyone passing by answers
/// it standing at the desk, so it is the one-screen rating.
pub const POSTER_FORM: &str = "quick-2025";
/// The form a new desk's tickets answer unless told otherwise: handed out with the
/// result, they reach people who went through the whole procedure: the current SIPAS form.
pub const TICKET_FORM: &str = "sipas-2023";

/// The two forms of a desk.
#[derive(Debug, Clone, Copy)]
pub struct DeskForms<'a> {
    /// What the poster's reusable code opens.
    pub poster: &'a str,
    /// What its tickets open.
    pub ticket: &'a str,
}

impl<'a> DeskForms<'a> {
    /// A desk whose poster and tickets answer the same form.
    pub fn both(form: &'a str) -> DeskForms<'a> {
        DeskForms {
            poster: form,
            ticket: form,
        }
    }
}

impl Default for DeskForms<'_> {
    fn default() -> Self {
        DeskForms {
            poster: POSTER_FORM,
            ticket: TICKET_FORM,
        }
    }
}

const MAX_NAME_CHARS: usize = 100;

/// A desk as `desks list --format json` and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskInfo {
    pub id: i64,
    pub unit: String,
    pub name: String,
    pub code: String,
    pub form: String,
    pub ticket_form: String,
    pub enabled: bool,
    /// The survey address its QR code carries.
    pub url: String,
}

impl DeskInfo {
    pub fn new(desk: Desk, base_url: &str) -> DeskInfo {
        DeskInfo {
            url: survey_url(base_url, &desk.code),
            id: desk.id,
            unit: desk.unit_code,
            name: desk.name,
            code: desk.code,
            form: desk.form_id,
            ticket_form: desk.ticket_form_id,
            enabled: desk.enabled,
        }
    }
}

/// The address of the questionnaire for a survey code.
pub fn survey_url(base_url: &str, code: &str) -> String {
    format!("{}/s/{code}", base_url.trim_end_matches('/'))
}

/// A desk named the way people name it: by its code (as printed under its QR code) or by
/// its number (`desks list` shows both).
pub fn find_by_code_or_id(conn: &mut DbConnection, named: &str) -> Result<Option<Desk>, DbError> {
    if let Some(code) = codes::normalize(named)
        && let Some(desk) = db::desks::find_by_code(conn, &code)?
    {
        return Ok(Some(desk));
    }
    match named.trim().parse::<i64>() {
        Ok(id) => Ok(db::desks::find(conn, id)?),
        Err(_) => Ok(None),
    }
}

/// Why a desk could not be added.
#[derive(Debug)]
pub enum DeskError {
    UnknownUnit(String),
    BadName,
    BadForm(String),
    UnknownForm { form: String, known: Vec<String> },
    NoSuchDesk(i64),
    NameTaken { unit: String, name: String },
    Db(DbError),
}

impl Localized for DeskError {
    fn message(&self) -> Message {
        match self {
            DeskError::UnknownUnit(unit) => Message::new(
                format!("không có đơn vị mã «{unit}»"),
                format!("there is no unit with code «{unit}»"),
            ),
            DeskError::BadName => Message::new(
                format!("tên quầy không được trống, tối đa {MAX_NAME_CHARS} ký tự"),
                format!("a desk name must not be empty and at most {MAX_NAME_CHARS} characters"),
            ),
            DeskError::BadForm(form) => Message::new(
                format!("mã phiếu khảo sát không hợp lệ «{form}» (chỉ gồm a-z, 0-9, dấu gạch ngang)"),
                format!("invalid form id «{form}» (only a-z, 0-9 and '-')"),
            ),
            DeskError::UnknownForm { form, known } => Message::new(
                format!(
                    "không có phiếu khảo sát «{form}»; các phiếu hiện có: {}",
                    known.join(", ")
                ),
                format!("there is no form «{form}»; the forms are: {}", known.join(", ")),
            ),
            DeskError::NoSuchDesk(id) => {
                Message::new(format!("không có quầy số {id}"), format!("there is no desk {id}"))
            }
            DeskError::NameTaken { unit, name } => Message::new(
                format!("đơn vị «{unit}» đã có quầy tên «{name}»"),
                format!("unit «{unit}» already has a desk called «{name}»"),
            ),
            DeskError::Db(e) => e.message(),
        }
    }
}

impl std::fmt::Display for DeskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for DeskError {}

impl From<diesel::result::Error> for DeskError {
    fn from(e: diesel::result::Error) -> Self {
        DeskError::Db(e.into())
    }
}

impl From<DbError> for DeskError {
    fn from(e: DbError) -> Self {
        DeskError::Db(e)
    }
}

fn clean_name(name: &str) -> Result<String, DeskError> {
    let name: String = name.trim().nfc().collect();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(DeskError::BadName);
    }
    Ok(name)
}

fn check_form(form: &str, known_forms: &[String]) -> Result<(), DeskError> {
    let form_is_valid = !form.is_empty()
        && form.len() <= 64
        && form
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !form_is_valid {
        return Err(DeskError::BadForm(form.to_string()));
    }
    if !known_forms.iter().any(|f| f == form) {
        return Err(DeskError::UnknownForm {
            form: form.to_string(),
            known: known_forms.to_vec(),
        });
    }
    Ok(())
}

/// Renames a desk, changes its forms, or takes it out of (or back into) service. Its code
/// stays: posters already printed keep working.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    name: &str,
    forms: DeskForms<'_>,
    enabled: bool,
    known_forms: &[String],
) -> Result<Desk, DeskError> {
    let name = clean_name(name)?;
    check_form(forms.poster, known_forms)?;
    check_form(forms.ticket, known_forms)?;
    db::write_transaction(conn, |conn| {
        let desk = db::desks::find(conn, id)?.ok_or(DeskError::NoSuchDesk(id))?;
        if let Some(other) = db::desks::find_by_name(conn, &desk.unit_code, &name)?
            && other.id != id
        {
            return Err(DeskError::NameTaken {
                unit: desk.unit_code,
                name,
            });
        }
        db::desks::update(conn, id, &name, (forms.poster, forms.ticket), enabled)?;
        db::desks::find(conn, id)?.ok_or(DeskError::NoSuchDesk(id))
    })
}

/// Adds a desk to `unit` with a new, unused desk code, its poster and tickets answering
/// `forms` (each one of `known_forms`).
pub fn add(
    conn: &mut DbConnection,
    unit: &str,
    name: &str,
    forms: DeskForms<'_>,
    known_forms: &[String],
) -> Result<Desk, DeskError> {
    let name = clean_name(name)?;
    check_form(forms.poster, known_forms)?;
    check_form(forms.ticket, known_forms)?;
    db::write_transaction(conn, |conn| {
        if db::units::find(conn, unit)?.is_none() {
            return Err(DeskError::UnknownUnit(unit.to_string()));
        }
        if db::desks::find_by_name(conn, unit, &name)?.is_some() {
            return Err(DeskError::NameTaken {
                unit: unit.to_string(),
                name: name.clone(),
            });
        }
        let code = loop {
            let candidate = codes::random_code(codes::DESK_CODE_LEN);
            if !db::desks::code_taken(conn, &candidate)? {
                break candidate;
            }
        };
        let desk = NewDesk {
            unit_code: unit,
            name: &name,
            code: &code,
            form_id: forms.poster,
            enabled: true,
            created_at: db::now(),
            ticket_form_id: forms.ticket,
        };
        Ok(db::desks::insert(conn, &desk)?)
    })
}
