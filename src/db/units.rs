//! The `units` table: the administrative tree.

use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::units;

/// An administrative unit.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = units)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub kind: String,
    #[serde(rename = "parent")]
    pub parent_code: Option<String>,
    /// Whether anyone may read its indices at `/public/units/{code}`.
    pub public: bool,
    /// The agency it belongs to, the first line of its questionnaire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency_name: Option<String>,
    /// A hotline or an address for feedback, on the thank-you page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback_contact: Option<String>,
}

/// A unit to create or update.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = units, treat_none_as_default_value = false)]
pub struct UnitRecord<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub parent_code: Option<&'a str>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// The unit with this code, if any.
pub fn find(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Unit>> {
    units::table
        .find(code)
        .select(Unit::as_select())
        .first(conn)
        .optional()
}

/// The children of `parent`, or the top-level units when `parent` is `None`, by code.
pub fn children(conn: &mut DbConnection, parent: Option<&str>) -> QueryResult<Vec<Unit>> {
    let query = units::table
        .select(Unit::as_select())
        .order(units::code)
        .into_boxed();
    match parent {
        Some(parent) => query.filter(units::parent_code.eq(parent)).load(conn),
        None => query.filter(units::parent_code.is_null()).load(conn),
    }
}

/// Every unit, by code.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Unit>> {
    units::table
        .select(Unit::as_select())
        .order(units::code)
        .load(conn)
}

/// Sets the agency line of the unit's questionnaire; `false` when there is no such unit.
pub fn set_agency(conn: &mut DbConnection, code: &str, agency_name: Option<&str>) -> QueryResult<bool> {
    let changed = diesel::update(units::table.find(code))
        .set((
            units::agency_name.eq(agency_name),
            units::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Sets where citizens can reach the unit after answering; `false` when there is no such
/// unit.
pub fn set_feedback_contact(conn: &mut DbConnection, code: &str, contact: Option<&str>) -> QueryResult<bool> {
    let changed = diesel::update(units::table.find(code))
        .set((
            units::feedback_contact.eq(contact),
            units::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Opens or closes the unit's public page; `false` when there is no such unit.
pub fn set_public(conn: &mut DbConnection, code: &str, public: bool) -> QueryResult<bool> {
    let changed = diesel::update(units::table.find(code))
        .set((units::public.eq(public), units::updated_at.eq(super::now())))
        .execute(conn)?;
    Ok(changed == 1)
}

/// How many children each unit has, by code (units without children are absent).
pub fn child_counts(conn: &mut DbConnection) -> QueryResult<std::collections::HashMap<String, i64>> {
    let counts: Vec<(Option<String>, i64)> = units::table
        .group_by(units::parent_code)
        .select((units::parent_code, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(counts
        .into_iter()
        .filter_map(|(parent, n)| Some((parent?, n)))
        .collect())
}

/// How many units there are.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    units::table.count().get_result(conn)
}

/// Every unit below `root`, at any depth, level by level (parents before children): a
/// few indexed queries however big the whole tree is.
pub fn descendants(conn: &mut DbConnection, root: &str) -> QueryResult<Vec<Unit>> {
    let mut found: Vec<Unit> = Vec::new();
    let mut parents = vec![root.to_string()];
    // The tree is shallow and cannot hold a cycle; the depth bound is a safeguard.
    for _ in 0..64 {
        let mut level = Vec::new();
        for chunk in parents.chunks(2_000) {
            level.extend(
                units::table
                    .filter(units::parent_code.eq_any(chunk))
                    .select(Unit::as_select())
                    .order(units::code)
                    .load(conn)?,
            );
        }
        if level.is_empty() {
            break;
        }
        parents = level.iter().map(|u| u.code.clone()).collect();
        found.extend(level);
    }
    Ok(found)
}

/// The codes of `root` and of every unit below it, at any depth.
pub fn subtree_codes(conn: &mut DbConnection, root: &str) -> QueryResult<Vec<String>> {
    let below = descendants(conn, root)?;
    Ok(std::iter::once(root.to_string())
        .chain(below.into_iter().map(|u| u.code))
        .collect())
}

/// The unit and its ancestors, nearest first, up to the root (empty when the unit does
/// not exist). The tree is shallow; a cycle cannot be stored, but the walk stops anyway.
pub fn lineage(conn: &mut DbConnection, code: &str) -> QueryResult<Vec<Unit>> {
    let mut chain: Vec<Unit> = Vec::new();
    let mut next = Some(code.to_string());
    while let Some(code) = next.take() {
        if chain.len() > 64 || chain.iter().any(|u| u.code == code) {
            break;
        }
        if let Some(unit) = find(conn, &code)? {
            next = unit.parent_code.clone();
            chain.push(unit);
        }
    }
    Ok(chain)
}

/// Inserts the records, or updates name, kind and parent of those whose code exists.
/// Parents must come before their children.
pub fn upsert(conn: &mut DbConnection, records: &[UnitRecord<'_>]) -> QueryResult<()> {
    use diesel::upsert::excluded;
    // Well under SQLite's limit on bound variables per statement.
    for chunk in records.chunks(500) {
        crate::with_backend!(&mut *conn, |c| {
            diesel::insert_into(units::table)
                .values(chunk)
                .on_conflict(units::code)
                .do_update()
                .set((
                    units::name.eq(excluded(units::name)),
                    units::kind.eq(excluded(units::kind)),
                    units::parent_code.eq(excluded(units::parent_code)),
                    units::updated_at.eq(excluded(units::updated_at)),
                ))
                .execute(c)
        })?;
    }
    Ok(())
}
