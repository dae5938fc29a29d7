//! The `desks` table: reception desks and their reusable desk codes.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::desks;

/// A reception desk of a unit.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = desks)]
pub struct Desk {
    pub id: i64,
    pub unit_code: String,
    pub name: String,
    pub code: String,
    /// The poster's form (the reusable desk code).
    pub form_id: String,
    pub enabled: bool,
    /// The form its tickets answer.
    pub ticket_form_id: String,
}

/// A desk to create.
#[derive(Debug, Insertable)]
#[diesel(table_name = desks)]
pub struct NewDesk<'a> {
    pub unit_code: &'a str,
    pub name: &'a str,
    pub code: &'a str,
    pub form_id: &'a str,
    pub enabled: bool,
    pub created_at: chrono::NaiveDateTime,
    pub ticket_form_id: &'a str,
}

/// Inserts a desk and returns it with its id.
pub fn insert(conn: &mut DbConnection, desk: &NewDesk<'_>) -> QueryResult<Desk> {
    // MultiConnection cannot carry a `RETURNING` of a whole struct; each backend can.
    crate::with_backend!(conn, |c| {
        diesel::insert_into(desks::table)
            .values(desk)
            .returning(Desk::as_returning())
            .get_result(c)
    })
}

/// The desk with this id.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Desk>> {
    desks::table
        .find(id)
        .select(Desk::as_select())
        .first(conn)
        .optional()
}

/// The desk with this desk code.
pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Desk>> {
    desks::table
        .filter(desks::code.eq(code))
        .select(Desk::as_select())
        .first(conn)
        .optional()
}

/// Whether a desk already uses this code.
pub fn code_taken(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(desks::table.filter(desks::code.eq(code)))).get_result(conn)
}

/// The desk of `unit` called `name`, if any.
pub fn find_by_name(conn: &mut DbConnection, unit: &str, name: &str) -> QueryResult<Option<Desk>> {
    desks::table
        .filter(desks::unit_code.eq(unit).and(desks::name.eq(name)))
        .select(Desk::as_select())
        .first(conn)
        .optional()
}

/// Changes a desk's name, forms and whether it takes answers.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    name: &str,
    forms: (&str, &str),
    enabled: bool,
) -> QueryResult<usize> {
    let (form_id, ticket_form_id) = forms;
    diesel::update(desks::table.find(id))
        .set((
            desks::name.eq(name),
            desks::form_id.eq(form_id),
            desks::ticket_form_id.eq(ticket_form_id),
            desks::enabled.eq(enabled),
        ))
        .execute(conn)
}

/// The desks of the given units (all desks when `units` is `None`), by unit then name.
pub fn list(conn: &mut DbConnection, units: Option<&[String]>) -> QueryResult<Vec<Desk>> {
    let query = desks::table
        .select(Desk::as_select())
        .order((desks::unit_code, desks::name, desks::id))
        .into_boxed();
    match units {
        Some(units) => query.filter(desks::unit_code.eq_any(units)).load(conn),
        None => query.load(conn),
    }
}
