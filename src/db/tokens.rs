//! The `api_tokens` table: tokens for other programs, kept only as hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::api_tokens;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub unit_code: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens, treat_none_as_default_value = false)]
pub struct NewApiToken<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub role: &'a str,
    pub unit_code: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, token: &NewApiToken<'_>) -> QueryResult<i64> {
    crate::with_backend!(conn, |c| {
        diesel::insert_into(api_tokens::table)
            .values(token)
            .returning(api_tokens::id)
            .get_result(c)
    })
}

/// The token with this hash, unless revoked.
pub fn find_active(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .select(ApiToken::as_select())
        .first(conn)
        .optional()
}

/// Every token, newest first.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .select(ApiToken::as_select())
        .order(api_tokens::id.desc())
        .load(conn)
}

/// Revokes a token; returns whether it was active.
pub fn revoke(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(super::now()))
    .execute(conn)?;
    Ok(changed == 1)
}
