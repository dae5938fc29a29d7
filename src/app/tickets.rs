//! Issuing tickets: a batch printed at a desk, or one for another program (the one-stop
//! software) on its token's rights.

use crate::auth::{Identity, Permission, authorize};
use crate::codes::print;
use crate::codes::sheets::Card;
use crate::codes::tickets::{self, Issue, TicketError};
use crate::config::Settings;
use crate::db::desks::Desk;
use crate::db::tickets::Ticket;
use crate::db::{self, DbConnection, DbError};
use crate::desks::find_by_code_or_id;

/// Which desk a ticket is for: its number or its code.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum DeskName {
    Id(i64),
    Code(String),
}

/// What the caller asks for.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketRequest {
    /// Số hoặc mã của quầy. — The desk's number or code.
    pub desk: DeskName,
    /// Mã thủ tục hành chính. — The national procedure code.
    #[schema(example = "1.005129")]
    pub procedure_code: Option<String>,
    /// Lĩnh vực của thủ tục. — The procedure's field (lĩnh vực), e.g. "Hộ tịch".
    pub procedure_field: Option<String>,
    /// Mã hồ sơ: hỏi lại được đúng phiếu cũ. — The dossier the ticket is printed for:
    /// asking again gives the same ticket.
    pub dossier_code: Option<String>,
}

/// Why no ticket was issued.
#[derive(Debug)]
pub enum IssueRefused {
    /// No such desk (told only to admins, who may know every desk).
    NoDesk,
    /// Not a desk this caller serves, or no such desk.
    Forbidden,
    Invalid(TicketError),
    Db(DbError),
}

impl From<DbError> for IssueRefused {
    fn from(e: DbError) -> Self {
        IssueRefused::Db(e)
    }
}

impl From<diesel::result::Error> for IssueRefused {
    fn from(e: diesel::result::Error) -> Self {
        IssueRefused::Db(e.into())
    }
}

impl From<TicketError> for IssueRefused {
    fn from(e: TicketError) -> Self {
        match e {
            TicketError::Db(e) => IssueRefused::Db(e),
            invalid => IssueRefused::Invalid(invalid),
        }
    }
}

/// Issues one ticket at the asked desk, or returns the dossier's ticket when one was
/// issued for it already; `true` when the ticket is new.
pub fn issue(
    conn: &mut DbConnection,
    identity: &Identity,
    request: &TicketRequest,
    settings: &Settings,
) -> Result<(Ticket, bool), IssueRefused> {
    let desk = match &request.desk {
        DeskName::Id(id) => db::desks::find(conn, *id)?,
        DeskName::Code(code) => find_by_code_or_id(conn, code)?,
    };
    let Some(desk) = desk else {
        return Err(if identity.is_admin() {
            IssueRefused::NoDesk
        } else {
            IssueRefused::Forbidden
        });
    };
    if !authorize(conn, identity, &Permission::ServeDesksOf(desk.unit_code.clone()))? {
        return Err(IssueRefused::Forbidden);
    }
    let mut issue = Issue::now(&desk, 1, request.procedure_code.as_deref(), settings);
    issue.procedure_field = request.procedure_field.as_deref();
    let dossier = request
        .dossier_code
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    Ok(match dossier {
        Some(dossier) => tickets::for_dossier(conn, &issue, dossier)?,
        None => (tickets::issue(conn, &issue)?.remove(0), true),
    })
}

/// A batch of `count` tickets at `desk`, as cards ready to print, and the local date of
/// issue (for the file's name).
pub fn print_batch(
    conn: &mut DbConnection,
    desk: &Desk,
    count: usize,
    procedure: (Option<&str>, Option<&str>),
    settings: &Settings,
) -> Result<(Vec<Card>, String), TicketError> {
    let (code, field) = procedure;
    let mut request = Issue::now(desk, count, code, settings);
    request.procedure_field = field;
    let issued = tickets::issue(conn, &request)?;
    let unit = db::units::find(conn, &desk.unit_code)?.ok_or(diesel::result::Error::NotFound)?;
    let cards = print::cards(
        &issued,
        desk,
        &unit,
        &settings.public_base_url(),
        request.time_zone,
    );
    let date = request.now.with_timezone(&request.time_zone).format("%Y%m%d");
    Ok((cards, date.to_string()))
}
