//! Who may do what: users and their grants, API tokens, sessions, and the one function
//! that decides every access.

pub mod accounts;
pub mod login_limit;
pub mod password;
pub mod secrets;
pub mod session;
pub mod tokens;

use serde::Serialize;

use crate::db::{self, DbConnection, DbError};

/// What a grant allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, everywhere.
    Admin,
    /// Read everything in one unit's subtree: reports, comments, exports.
    Official,
    /// The desks of one unit: posters and tickets.
    Staff,
    /// A program that submits answers for one unit's subtree (a provincial portal that
    /// asks after an online dossier, a kiosk app): `POST /api/v1/responses` only.
    Collector,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Official => "official",
            Role::Staff => "staff",
            Role::Collector => "collector",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "official" => Some(Role::Official),
            "staff" => Some(Role::Staff),
            "collector" => Some(Role::Collector),
            _ => None,
        }
    }

    /// The role's name for people.
    pub fn label(self, lang: &crate::i18n::Lang) -> &'static str {
        match self {
            Role::Admin => lang.pick("Quản trị", "Administrator"),
            Role::Official => lang.pick("Lãnh đạo, chuyên viên", "Official"),
            Role::Staff => lang.pick("Công chức một cửa", "Desk staff"),
            Role::Collector => lang.pick("Phần mềm thu phiếu", "Answer collector"),
        }
    }
}

/// A role on a unit (no unit for admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub unit: Option<String>,
}

impl Grant {
    /// `official@46`, `admin`.
    pub fn describe(&self) -> String {
        match &self.unit {
            Some(unit) => format!("{}@{unit}", self.role.as_str()),
            None => self.role.as_str().to_string(),
        }
    }
}

/// Who is asking: a signed-in user or a program with a token.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    #[serde(flatten)]
    pub who: Who,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Who {
    User {
        id: i64,
        email: String,
        name: String,
        language: String,
    },
    Token {
        id: i64,
        name: String,
    },
}

/// Something an identity may or may not do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permission {
    /// Manage units, desks, users and tokens.
    Administer,
    /// Read the figures, comments and exports of a unit (and so of its subtree).
    ReadUnit(String),
    /// Print for, or mint tickets at, the desks of a unit.
    ServeDesksOf(String),
    /// Report the dossiers a unit received: its officials and staff, and those of the
    /// units above it.
    ReportDossiersOf(String),
    /// Submit answers for a unit: its desk staff, and collectors of the unit or a unit
    /// above it.
    SubmitAnswersFor(String),
}

impl Identity {
    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Admin)
    }

    /// The units on which this identity holds `role`.
    pub fn units_with(&self, role: Role) -> Vec<&str> {
        self.grants
            .iter()
            .filter(|g| g.role == role)
            .filter_map(|g| g.unit.as_deref())
            .collect()
    }

    /// The name to greet: the user's name or the token's.
    pub fn display_name(&self) -> &str {
        match &self.who {
            Who::User { name, .. } | Who::Token { name, .. } => name,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self.who {
            Who::User { id, .. } => Some(id),
            Who::Token { .. } => None,
        }
    }
}

/// Decides every access. Admins may do everything; an official may read a unit when
/// one of their units is that unit or one of its ancestors; staff serve the desks of
/// exactly the units they are granted.
pub fn authorize(
    conn: &mut DbConnection,
    identity: &Identity,
    permission: &Permission,
) -> Result<bool, DbError> {
    if identity.is_admin() {
        return Ok(true);
    }
    Ok(match permission {
        Permission::Administer => false,
        Permission::ServeDesksOf(unit) => identity.units_with(Role::Staff).contains(&unit.as_str()),
        Permission::ReadUnit(unit) => granted_at_or_above(conn, &identity.units_with(Role::Official), unit)?,
        Permission::ReportDossiersOf(unit) => {
            let mut granted = identity.units_with(Role::Official);
            granted.extend(identity.units_with(Role::Staff));
            granted_at_or_above(conn, &granted, unit)?
        }
        Permission::SubmitAnswersFor(unit) => {
            identity.units_with(Role::Staff).contains(&unit.as_str())
                || granted_at_or_above(conn, &identity.units_with(Role::Collector), unit)?
        }
    })
}

/// Whether one of `granted` is `unit` or one of its ancestors.
fn granted_at_or_above(conn: &mut DbConnection, granted: &[&str], unit: &str) -> Result<bool, DbError> {
    if granted.is_empty() {
        return Ok(false);
    }
    Ok(db::units::lineage(conn, unit)?
        .iter()
        .any(|u| granted.contains(&u.code.as_str())))
}
