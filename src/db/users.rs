//! The `users` and `grants` tables.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{grants, users};

/// A person who signs in.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub language: String,
    pub disabled: bool,
    /// `none`, `weekly` or `monthly`.
    pub digest: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub language: &'a str,
    pub disabled: bool,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A stored grant: a role, on a unit (none for admins).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = grants)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: i64,
    pub role: String,
    pub unit_code: Option<String>,
}

pub fn insert(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<i64> {
    crate::with_backend!(conn, |c| {
        diesel::insert_into(users::table)
            .values(user)
            .returning(users::id)
            .get_result(c)
    })
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Every user, by e-mail.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    users::table
        .select(User::as_select())
        .order(users::email)
        .load(conn)
}

/// Sets a new password hash and ends every session of the user.
pub fn set_password(conn: &mut DbConnection, id: i64, password_hash: &str) -> QueryResult<usize> {
    super::sessions::end_all_of(conn, id)?;
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(super::now()),
        ))
        .execute(conn)
}

/// Disables or enables a user; either ends every session.
pub fn set_disabled(conn: &mut DbConnection, id: i64, disabled: bool) -> QueryResult<usize> {
    super::sessions::end_all_of(conn, id)?;
    diesel::update(users::table.find(id))
        .set((users::disabled.eq(disabled), users::updated_at.eq(super::now())))
        .execute(conn)
}

pub fn grants_of(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<GrantRow>> {
    grants::table
        .filter(grants::user_id.eq(user_id))
        .select(GrantRow::as_select())
        .order(grants::id)
        .load(conn)
}

/// Every grant of every user.
pub fn all_grants(conn: &mut DbConnection) -> QueryResult<Vec<GrantRow>> {
    grants::table
        .select(GrantRow::as_select())
        .order(grants::id)
        .load(conn)
}

/// Adds a grant unless the user already has it.
pub fn add_grant(conn: &mut DbConnection, user_id: i64, role: &str, unit: Option<&str>) -> QueryResult<()> {
    let existing = grants::table
        .filter(grants::user_id.eq(user_id))
        .filter(grants::role.eq(role))
        .select(grants::unit_code)
        .load::<Option<String>>(conn)?;
    if existing.iter().any(|u| u.as_deref() == unit) {
        return Ok(());
    }
    diesel::insert_into(grants::table)
        .values((
            grants::user_id.eq(user_id),
            grants::role.eq(role),
            grants::unit_code.eq(unit),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes one grant of a user.
pub fn remove_grant(conn: &mut DbConnection, user_id: i64, grant_id: i64) -> QueryResult<usize> {
    diesel::delete(
        grants::table
            .filter(grants::id.eq(grant_id))
            .filter(grants::user_id.eq(user_id)),
    )
    .execute(conn)
}

/// Chooses the digests a user receives: `none`, `weekly` or `monthly` (the column's check
/// refuses anything else).
pub fn set_digest(conn: &mut DbConnection, id: i64, digest: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::digest.eq(digest), users::updated_at.eq(super::now())))
        .execute(conn)
}

/// Enabled users who chose a digest, with their grants.
pub fn digest_readers(conn: &mut DbConnection) -> QueryResult<Vec<(User, Vec<GrantRow>)>> {
    let readers: Vec<User> = users::table
        .filter(users::disabled.eq(false))
        .filter(users::digest.ne("none"))
        .select(User::as_select())
        .order(users::id)
        .load(conn)?;
    let ids: Vec<i64> = readers.iter().map(|u| u.id).collect();
    let grants: Vec<GrantRow> = grants::table
        .filter(grants::user_id.eq_any(&ids))
        .select(GrantRow::as_select())
        .order(grants::id)
        .load(conn)?;
    Ok(readers
        .into_iter()
        .map(|user| {
            let own = grants.iter().filter(|g| g.user_id == user.id).cloned().collect();
            (user, own)
        })
        .collect())
}

/// Enabled users with a grant of `role` on exactly `unit`.
pub fn with_grant_on(conn: &mut DbConnection, role: &str, unit: &str) -> QueryResult<Vec<User>> {
    users::table
        .inner_join(grants::table)
        .filter(grants::role.eq(role))
        .filter(grants::unit_code.eq(unit))
        .filter(users::disabled.eq(false))
        .select(User::as_select())
        .distinct()
        .order(users::id)
        .load(conn)
}
