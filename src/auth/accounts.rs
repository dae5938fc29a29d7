//! Managing accounts: the rules the command line and the admin pages share.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::{Grant, Identity, Role, Who, password};
use crate::db::users::{GrantRow, NewUser};
use crate::db::{self, DbConnection, DbError};
use crate::i18n::{Lang, Localized, Message};

/// Why an account operation was refused.
#[derive(Debug)]
pub enum AccountError {
    BadEmail(String),
    EmailTaken(String),
    BadName,
    BadRole(String),
    UnknownUnit(String),
    UnitNeeded(Role),
    NoUnitForAdmin,
    WeakPassword(Message),
    WrongPassword,
    NoSuchUser(String),
    Db(DbError),
}

impl Localized for AccountError {
    fn message(&self) -> Message {
        match self {
            AccountError::BadEmail(email) => Message::new(
                format!("«{email}» không phải địa chỉ e-mail"),
                format!("«{email}» is not an e-mail address"),
            ),
            AccountError::EmailTaken(email) => Message::new(
                format!("đã có tài khoản với e-mail {email}"),
                format!("there is already an account for {email}"),
            ),
            AccountError::BadName => Message::new(
                "họ tên không được trống, tối đa 100 ký tự",
                "the name must not be empty and at most 100 characters",
            ),
            AccountError::BadRole(role) => Message::new(
                format!("vai trò «{role}» không có; dùng admin, official hoặc staff"),
                format!("there is no role «{role}»; use admin, official or staff"),
            ),
            AccountError::UnknownUnit(unit) => Message::new(
                format!("không có đơn vị mã «{unit}»"),
                format!("there is no unit with code «{unit}»"),
            ),
            AccountError::UnitNeeded(role) => Message::new(
                format!("vai trò {} cần một đơn vị (--unit)", role.as_str()),
                format!("the {} role needs a unit (--unit)", role.as_str()),
            ),
            AccountError::NoUnitForAdmin => Message::new(
                "vai trò admin áp dụng cho mọi đơn vị, không gắn với một đơn vị",
                "the admin role covers every unit and takes no unit",
            ),
            AccountError::WeakPassword(reason) => reason.clone(),
            AccountError::WrongPassword => {
                Message::new("mật khẩu hiện tại không đúng", "the current password is wrong")
            }
            AccountError::NoSuchUser(email) => Message::new(
                format!("không có tài khoản {email}"),
                format!("there is no account {email}"),
            ),
            AccountError::Db(e) => e.message(),
        }
    }
}

impl std::fmt::Display for AccountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for AccountError {}

impl From<DbError> for AccountError {
    fn from(e: DbError) -> Self {
        AccountError::Db(e)
    }
}

impl From<diesel::result::Error> for AccountError {
    fn from(e: diesel::result::Error) -> Self {
        AccountError::Db(e.into())
    }
}

/// An e-mail address as stored: trimmed, lower case, of a plausible shape.
pub fn normalize_email(email: &str) -> Result<String, AccountError> {
    let email = email.trim().to_lowercase();
    // One mailbox, as the mail library will read it: `a@b.vn,evil@x.vn` is not one.
    let plausible = email.len() <= 254
        && email.parse::<lettre::Address>().is_ok()
        && email.split_once('@').is_some_and(|(_, domain)| {
            domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
    if plausible {
        Ok(email)
    } else {
        Err(AccountError::BadEmail(email))
    }
}

/// Checks that a grant's unit fits its role, and exists.
pub fn check_grant(conn: &mut DbConnection, role: Role, unit: Option<&str>) -> Result<(), AccountError> {
    match (role, unit) {
        (Role::Admin, Some(_)) => Err(AccountError::NoUnitForAdmin),
        (Role::Admin, None) => Ok(()),
        (role, None) => Err(AccountError::UnitNeeded(role)),
        (_, Some(unit)) => match db::units::find(conn, unit)? {
            Some(_) => Ok(()),
            None => Err(AccountError::UnknownUnit(unit.to_string())),
        },
    }
}

/// A new account and its first grant.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub unit: Option<&'a str>,
    pub password: &'a str,
    pub language: Lang,
}

/// Creates an account with its first grant, in one transaction; returns its id.
pub fn add_user(conn: &mut DbConnection, account: &NewAccount<'_>) -> Result<i64, AccountError> {
    let email = normalize_email(account.email)?;
    let name: String = account.name.trim().nfc().collect();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AccountError::BadName);
    }
    password::check_new(account.password, &email).map_err(AccountError::WeakPassword)?;
    // Hashing takes a while: do it before holding the write lock.
    let password_hash = password::hash(account.password);
    db::write_transaction(conn, |conn| {
        check_grant(conn, account.role, account.unit)?;
        if db::users::find_by_email(conn, &email)?.is_some() {
            return Err(AccountError::EmailTaken(email.clone()));
        }
        let now = db::now();
        let id = db::users::insert(
            conn,
            &NewUser {
                email: &email,
                name: &name,
                password_hash: &password_hash,
                language: account.language.code(),
                disabled: false,
                created_at: now,
                updated_at: now,
            },
        )?;
        db::users::add_grant(conn, id, account.role.as_str(), account.unit)?;
        Ok(id)
    })
}

/// The account with this e-mail.
pub fn find(conn: &mut DbConnection, email: &str) -> Result<db::users::User, AccountError> {
    let email = normalize_email(email)?;
    db::users::find_by_email(conn, &email)?.ok_or(AccountError::NoSuchUser(email))
}

/// Adds a grant to a user (nothing happens when they already have it).
pub fn grant(
    conn: &mut DbConnection,
    user_id: i64,
    role: Role,
    unit: Option<&str>,
) -> Result<(), AccountError> {
    db::write_transaction(conn, |conn| {
        check_grant(conn, role, unit)?;
        db::users::add_grant(conn, user_id, role.as_str(), unit)?;
        Ok(())
    })
}

/// Sets a user's password (ending their sessions).
pub fn set_password(
    conn: &mut DbConnection,
    user: &db::users::User,
    new_password: &str,
) -> Result<(), AccountError> {
    password::check_new(new_password, &user.email).map_err(AccountError::WeakPassword)?;
    db::users::set_password(conn, user.id, &password::hash(new_password))?;
    Ok(())
}

/// A user changing their own password, which they must know.
pub fn change_own_password(
    conn: &mut DbConnection,
    user_id: i64,
    current: &str,
    new_password: &str,
) -> Result<(), AccountError> {
    let user = db::users::find(conn, user_id)?.ok_or(AccountError::NoSuchUser(user_id.to_string()))?;
    if !password::verify(current, &user.password_hash) {
        return Err(AccountError::WrongPassword);
    }
    set_password(conn, &user, new_password)
}

fn grants(rows: Vec<GrantRow>) -> Vec<Grant> {
    rows.into_iter()
        .filter_map(|g| {
            Some(Grant {
                role: Role::parse(&g.role)?,
                unit: g.unit_code,
            })
        })
        .collect()
}

/// The identity of the enabled user of a session that has not ended or expired.
pub fn session_identity(
    conn: &mut DbConnection,
    session_hash: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<Identity>, DbError> {
    let Some(user_id) = db::sessions::user_of(conn, session_hash, now)? else {
        return Ok(None);
    };
    match db::users::find(conn, user_id)? {
        Some(user) if !user.disabled => Ok(Some(identity_of(conn, user)?)),
        _ => Ok(None),
    }
}

/// What a user may do, with their grants.
pub fn identity_of(conn: &mut DbConnection, user: db::users::User) -> Result<Identity, DbError> {
    Ok(Identity {
        grants: grants(db::users::grants_of(conn, user.id)?),
        who: Who::User {
            id: user.id,
            email: user.email,
            name: user.name,
            language: user.language,
        },
    })
}

/// A user as the listings show them.
#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub disabled: bool,
    pub grants: Vec<Grant>,
    /// The ids of the grants, in the same order (for removing one).
    #[serde(skip)]
    pub grant_ids: Vec<i64>,
}

/// Every user with their grants.
pub fn list(conn: &mut DbConnection) -> Result<Vec<UserSummary>, DbError> {
    let all_grants = db::users::all_grants(conn)?;
    Ok(db::users::list(conn)?
        .into_iter()
        .map(|user| {
            let own: Vec<GrantRow> = all_grants
                .iter()
                .filter(|g| g.user_id == user.id)
                .cloned()
                .collect();
            UserSummary {
                id: user.id,
                grant_ids: own.iter().map(|g| g.id).collect(),
                grants: grants(own),
                email: user.email,
                name: user.name,
                disabled: user.disabled,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::normalize_email;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Lan.Nguyen@UBND.Hue.gov.vn ").unwrap(),
            "lan.nguyen@ubnd.hue.gov.vn"
        );
        for bad in [
            "",
            "lan",
            "lan@",
            "@hue.gov.vn",
            "lan@vn",
            "lan @hue.gov.vn",
            "lan@.vn",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
