//! Single-use tickets: issuing them (in batches for printing, or one per dossier for the
//! one-stop software), telling whether one still takes an answer, revoking one.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::{ALPHABET, random_code};
use crate::config::Settings;
use crate::db::desks::Desk;
use crate::db::tickets::{NewTicket, Ticket};
use crate::db::{self, DbConnection, DbError};
use crate::i18n::{Localized, Message};
use crate::responses::procedure::normalize_field;

/// Length of a ticket code: 32⁸ ≈ 10¹² codes, too many to guess, few enough to type.
pub const TICKET_CODE_LEN: usize = 8;
/// The most tickets printed at once.
pub const MAX_BATCH: usize = 500;

/// Whether a ticket still takes an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketState {
    Open,
    Answered,
    Expired,
    Revoked,
}

pub fn state(ticket: &Ticket, now: NaiveDateTime) -> TicketState {
    if ticket.answered {
        TicketState::Answered
    } else if ticket.revoked_at.is_some() {
        TicketState::Revoked
    } else if ticket.expires_at <= now {
        TicketState::Expired
    } else {
        TicketState::Open
    }
}

/// Whether a code has the shape of a ticket code (rather than a desk code).
pub fn is_ticket_code(code: &str) -> bool {
    code.len() == TICKET_CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))
}

/// Why tickets could not be issued.
#[derive(Debug)]
pub enum TicketError {
    BadCount(usize),
    BadField { field: &'static str, value: String },
    BadProcedureField(Message),
    DeskClosed,
    Db(DbError),
}

impl Localized for TicketError {
    fn message(&self) -> Message {
        match self {
            TicketError::BadCount(n) => Message::new(
                format!("số phiếu phải từ 1 đến {MAX_BATCH} (không phải {n})"),
                format!("the number of tickets must be 1 to {MAX_BATCH} (not {n})"),
            ),
            TicketError::BadField { field, value } => Message::new(
                format!(
                    "{field} «{value}» không hợp lệ (chữ cái không dấu, chữ số, . - _ /, tối đa 64 ký tự)"
                ),
                format!(
                    "{field} «{value}» is not valid (ASCII letters, digits, . - _ /, at most 64 characters)"
                ),
            ),
            TicketError::BadProcedureField(refused) => refused.clone(),
            TicketError::DeskClosed => Message::new(
                "quầy này đã ngừng nhận khảo sát",
                "this desk no longer takes answers",
            ),
            TicketError::Db(e) => e.message(),
        }
    }
}

impl std::fmt::Display for TicketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for TicketError {}

impl From<DbError> for TicketError {
    fn from(e: DbError) -> Self {
        TicketError::Db(e)
    }
}

impl From<diesel::result::Error> for TicketError {
    fn from(e: diesel::result::Error) -> Self {
        TicketError::Db(e.into())
    }
}

/// A procedure code or dossier number: printable, short, no spaces.
pub fn check_field(field: &'static str, value: Option<&str>) -> Result<Option<String>, TicketError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let valid = value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b));
    if valid {
        Ok(Some(value.to_string()))
    } else {
        Err(TicketError::BadField {
            field,
            value: value.chars().take(64).collect(),
        })
    }
}

/// What a batch of tickets is for.
pub struct Issue<'a> {
    pub desk: &'a Desk,
    pub count: usize,
    pub procedure_code: Option<&'a str>,
    /// The procedure's field (lĩnh vực), which reports can be narrowed to.
    pub procedure_field: Option<&'a str>,
    pub valid_days: i64,
    pub now: DateTime<Utc>,
    pub time_zone: chrono_tz::Tz,
}

impl<'a> Issue<'a> {
    /// Tickets issued now, valid for the deployment's number of days.
    pub fn now(
        desk: &'a Desk,
        count: usize,
        procedure_code: Option<&'a str>,
        settings: &Settings,
    ) -> Issue<'a> {
        Issue {
            desk,
            count,
            procedure_code,
            procedure_field: None,
            valid_days: i64::from(settings.ticket_valid_days),
            now: Utc::now(),
            // Checked when the settings were loaded.
            time_zone: settings.tz(),
        }
    }
}

/// What revoking a ticket did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// It was open and takes no answer now.
    Now,
    /// It was not open: answered, expired or revoked before.
    AlreadyClosed(TicketState),
    /// There is no such ticket (at this desk, when one is given).
    Unknown,
}

/// Revokes a ticket found by its code as typed, e.g. one printed by mistake or lost;
/// with `desk`, only a ticket of that desk.
pub fn revoke(conn: &mut DbConnection, typed: &str, desk: Option<i64>) -> Result<Revoked, DbError> {
    let Some(code) = super::normalize(typed) else {
        return Ok(Revoked::Unknown);
    };
    let ticket = db::tickets::find_by_code(conn, &code)?.filter(|t| desk.is_none_or(|d| d == t.desk_id));
    let Some(ticket) = ticket else {
        return Ok(Revoked::Unknown);
    };
    let now = Utc::now().naive_utc();
    match state(&ticket, now) {
        TicketState::Open if db::tickets::revoke(conn, ticket.id, now)? => Ok(Revoked::Now),
        // Answered between the look-up and the update.
        TicketState::Open => Ok(Revoked::AlreadyClosed(TicketState::Answered)),
        closed => Ok(Revoked::AlreadyClosed(closed)),
    }
}

impl Revoked {
    pub fn message(&self, code: &str) -> Message {
        match self {
            Revoked::Now => Message::new(
                format!("Đã thu hồi phiếu {code}."),
                format!("Ticket {code} was revoked."),
            ),
            Revoked::AlreadyClosed(TicketState::Revoked) => Message::new(
                format!("Phiếu {code} đã bị thu hồi trước đó."),
                format!("Ticket {code} was already revoked."),
            ),
            // Answered or expired alike: whether a citizen answered is not for staff to
            // learn ticket by ticket.
            Revoked::AlreadyClosed(_) => Message::new(
                format!("Phiếu {code} không thu hồi được."),
                format!("Ticket {code} cannot be revoked."),
            ),
            Revoked::Unknown => Message::new(
                format!("Không có phiếu mã «{code}»."),
                format!("There is no ticket «{code}»."),
            ),
        }
    }
}

/// A ticket's procedure code and field, checked.
struct Procedure {
    code: Option<String>,
    field: Option<String>,
}

impl Procedure {
    fn check(request: &Issue<'_>) -> Result<Procedure, TicketError> {
        Ok(Procedure {
            code: check_field("mã thủ tục / procedure code", request.procedure_code)?,
            field: normalize_field(request.procedure_field).map_err(TicketError::BadProcedureField)?,
        })
    }
}

/// Issues a batch of tickets in one transaction and counts them for the desk's day.
pub fn issue(conn: &mut DbConnection, request: &Issue<'_>) -> Result<Vec<Ticket>, TicketError> {
    if !(1..=MAX_BATCH).contains(&request.count) {
        return Err(TicketError::BadCount(request.count));
    }
    if !request.desk.enabled {
        return Err(TicketError::DeskClosed);
    }
    let procedure = Procedure::check(request)?;
    db::write_transaction(conn, |conn| {
        let codes = fresh_codes(conn, request.count)?;
        insert_tickets(conn, request, &codes, &procedure, None)?;
        let mut issued = Vec::with_capacity(codes.len());
        for code in &codes {
            issued.extend(db::tickets::find_by_code(conn, code)?);
        }
        Ok(issued)
    })
}

/// The desk's ticket for a dossier: the one issued before, or a new one. Returns it and
/// whether it is new.
pub fn for_dossier(
    conn: &mut DbConnection,
    request: &Issue<'_>,
    dossier: &str,
) -> Result<(Ticket, bool), TicketError> {
    let procedure = Procedure::check(request)?;
    let dossier = check_field("mã hồ sơ / dossier number", Some(dossier))?.unwrap_or_default();
    if let Some(existing) = db::tickets::find_by_dossier(conn, request.desk.id, &dossier)? {
        return Ok((existing, false));
    }
    if !request.desk.enabled {
        return Err(TicketError::DeskClosed);
    }
    db::write_transaction(conn, |conn| {
        let codes = fresh_codes(conn, 1)?;
        // Two requests for one dossier at once: the unique (desk, dossier) lets one in.
        let inserted = insert_tickets(conn, request, &codes, &procedure, Some(&dossier))?;
        let ticket = db::tickets::find_by_dossier(conn, request.desk.id, &dossier)?
            .ok_or(diesel::result::Error::NotFound)?;
        Ok((ticket, inserted == 1))
    })
}

fn insert_tickets(
    conn: &mut DbConnection,
    request: &Issue<'_>,
    codes: &[String],
    procedure: &Procedure,
    dossier: Option<&str>,
) -> Result<usize, TicketError> {
    let issued_at = request.now.naive_utc();
    let issued_day = request.now.with_timezone(&request.time_zone).date_naive();
    let expires_at = issued_at + Duration::days(request.valid_days.max(1));
    let rows: Vec<NewTicket<'_>> = codes
        .iter()
        .map(|code| NewTicket {
            code,
            desk_id: request.desk.id,
            procedure_code: procedure.code.as_deref(),
            procedure_field: procedure.field.as_deref(),
            dossier_code: dossier,
            issued_at,
            issued_day,
            expires_at,
            revoked_at: None,
            answered: false,
        })
        .collect();
    let mut inserted = 0;
    for chunk in rows.chunks(200) {
        inserted += db::tickets::insert(conn, chunk)?;
    }
    if inserted > 0 {
        db::tickets::add_counts(conn, request.desk.id, issued_day, inserted as i64, 0)?;
    }
    Ok(inserted)
}

/// `count` codes no ticket uses yet (called inside the issuing transaction).
fn fresh_codes(conn: &mut DbConnection, count: usize) -> Result<Vec<String>, TicketError> {
    let mut codes: Vec<String> = Vec::with_capacity(count);
    while codes.len() < count {
        let mut batch: Vec<String> = (codes.len()..count)
            .map(|_| random_code(TICKET_CODE_LEN))
            .collect();
        batch.sort();
        batch.dedup();
        batch.retain(|c| !codes.contains(c));
        let taken = db::tickets::taken(conn, &batch)?;
        codes.extend(batch.into_iter().filter(|c| !taken.contains(c)));
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_codes_are_told_from_desk_codes() {
        assert!(is_ticket_code("K7M2QX9P"));
        assert!(!is_ticket_code("K7M2QX"));
        assert!(!is_ticket_code("K7M2QX9U"), "U is not in the alphabet");
    }

    #[test]
    fn procedure_and_dossier_codes_are_checked() {
        assert_eq!(
            check_field("f", Some(" 1.005129 ")).unwrap().as_deref(),
            Some("1.005129")
        );
        assert_eq!(
            check_field("f", Some("H46.19753-251122/0001"))
                .unwrap()
                .as_deref(),
            Some("H46.19753-251122/0001")
        );
        assert_eq!(check_field("f", Some("")).unwrap(), None);
        assert!(check_field("f", Some("có dấu")).is_err());
        assert!(check_field("f", Some(&"x".repeat(65))).is_err());
    }
}
