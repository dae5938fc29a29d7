//! The `form_versions` table.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::form_versions;

/// A registered version of a form.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = form_versions)]
pub struct FormVersion {
    pub id: i64,
    pub form_id: String,
    pub label: String,
    pub content_hash: String,
    pub source: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = form_versions)]
pub struct NewFormVersion<'a> {
    pub form_id: &'a str,
    pub label: &'a str,
    pub content_hash: &'a str,
    pub source: &'a str,
    pub registered_at: chrono::NaiveDateTime,
}

/// The id of this exact version, registering it first if it is new. Safe when several
/// replicas register the same version at once.
pub fn register(conn: &mut DbConnection, version: &NewFormVersion<'_>) -> QueryResult<i64> {
    crate::with_backend!(&mut *conn, |c| {
        diesel::insert_into(form_versions::table)
            .values(version)
            .on_conflict((form_versions::form_id, form_versions::content_hash))
            .do_nothing()
            .execute(c)
    })?;
    form_versions::table
        .filter(form_versions::form_id.eq(version.form_id))
        .filter(form_versions::content_hash.eq(version.content_hash))
        .select(form_versions::id)
        .first(conn)
}

/// A version by id.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<FormVersion>> {
    form_versions::table
        .find(id)
        .select(FormVersion::as_select())
        .first(conn)
        .optional()
}

/// Every version of a form, oldest first.
pub fn versions_of(conn: &mut DbConnection, form_id: &str) -> QueryResult<Vec<FormVersion>> {
    form_versions::table
        .filter(form_versions::form_id.eq(form_id))
        .order(form_versions::id)
        .select(FormVersion::as_select())
        .load(conn)
}
