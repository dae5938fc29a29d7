//! The `tickets` and `ticket_counts` tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{ticket_counts, tickets};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tickets)]
pub struct Ticket {
    pub id: i64,
    pub code: String,
    pub desk_id: i64,
    pub procedure_code: Option<String>,
    pub dossier_code: Option<String>,
    pub issued_at: NaiveDateTime,
    pub issued_day: NaiveDate,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub procedure_field: Option<String>,
    /// Whether it was answered (never by which response).
    pub answered: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tickets, treat_none_as_default_value = false)]
pub struct NewTicket<'a> {
    pub code: &'a str,
    pub desk_id: i64,
    pub procedure_code: Option<&'a str>,
    pub dossier_code: Option<&'a str>,
    pub issued_at: NaiveDateTime,
    pub issued_day: NaiveDate,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub procedure_field: Option<&'a str>,
    pub answered: bool,
}

/// Inserts tickets; those whose desk already has a ticket for the same dossier are
/// skipped. Returns how many were inserted.
pub fn insert(conn: &mut DbConnection, new: &[NewTicket<'_>]) -> QueryResult<usize> {
    crate::with_backend!(conn, |c| {
        diesel::insert_into(tickets::table)
            .values(new)
            .on_conflict((tickets::desk_id, tickets::dossier_code))
            .do_nothing()
            .execute(c)
    })
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Ticket>> {
    tickets::table
        .filter(tickets::code.eq(code))
        .select(Ticket::as_select())
        .first(conn)
        .optional()
}

/// The desk's ticket for a dossier.
pub fn find_by_dossier(conn: &mut DbConnection, desk_id: i64, dossier: &str) -> QueryResult<Option<Ticket>> {
    tickets::table
        .filter(tickets::desk_id.eq(desk_id))
        .filter(tickets::dossier_code.eq(dossier))
        .select(Ticket::as_select())
        .first(conn)
        .optional()
}

/// Which of these codes are taken.
pub fn taken(conn: &mut DbConnection, codes: &[String]) -> QueryResult<Vec<String>> {
    tickets::table
        .filter(tickets::code.eq_any(codes))
        .select(tickets::code)
        .load(conn)
}

/// Records that a ticket was answered, if it still takes an answer (not answered,
/// revoked or expired) — without saying by which response. The condition and the write
/// are one statement, so of two answers arriving together exactly one finds the ticket
/// open. Returns whether it did.
pub fn mark_answered(conn: &mut DbConnection, ticket_id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        tickets::table
            .find(ticket_id)
            .filter(tickets::answered.eq(false))
            .filter(tickets::revoked_at.is_null())
            .filter(tickets::expires_at.gt(now)),
    )
    .set(tickets::answered.eq(true))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Revokes an open ticket; returns whether it was open.
pub fn revoke(conn: &mut DbConnection, ticket_id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        tickets::table
            .find(ticket_id)
            .filter(tickets::revoked_at.is_null())
            .filter(tickets::answered.eq(false)),
    )
    .set(tickets::revoked_at.eq(now))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Adds to the issued and answered counts of a desk's day.
pub fn add_counts(
    conn: &mut DbConnection,
    desk_id: i64,
    day: NaiveDate,
    issued: i64,
    answered: i64,
) -> QueryResult<()> {
    use diesel::upsert::excluded;
    crate::with_backend!(conn, |c| {
        diesel::insert_into(ticket_counts::table)
            .values((
                ticket_counts::desk_id.eq(desk_id),
                ticket_counts::day.eq(day),
                ticket_counts::issued.eq(issued),
                ticket_counts::answered.eq(answered),
            ))
            .on_conflict((ticket_counts::desk_id, ticket_counts::day))
            .do_update()
            .set((
                ticket_counts::issued.eq(ticket_counts::issued + excluded(ticket_counts::issued)),
                ticket_counts::answered.eq(ticket_counts::answered + excluded(ticket_counts::answered)),
            ))
            .execute(c)
    })?;
    Ok(())
}

/// One desk's day: tickets issued and, of those, answered.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = ticket_counts)]
pub struct TicketCount {
    pub desk_id: i64,
    pub day: NaiveDate,
    pub issued: i64,
    pub answered: i64,
}

pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<TicketCount>> {
    ticket_counts::table
        .select(TicketCount::as_select())
        .order((ticket_counts::desk_id, ticket_counts::day))
        .load(conn)
}

/// Every ticket of a desk, newest first.
pub fn of_desk(conn: &mut DbConnection, desk_id: i64) -> QueryResult<Vec<Ticket>> {
    tickets::table
        .filter(tickets::desk_id.eq(desk_id))
        .order(tickets::id.desc())
        .select(Ticket::as_select())
        .load(conn)
}

/// A desk's days since `since` (inclusive), newest first.
pub fn counts_of_desk(
    conn: &mut DbConnection,
    desk_id: i64,
    since: NaiveDate,
) -> QueryResult<Vec<TicketCount>> {
    ticket_counts::table
        .filter(ticket_counts::desk_id.eq(desk_id))
        .filter(ticket_counts::day.ge(since))
        .select(TicketCount::as_select())
        .order(ticket_counts::day.desc())
        .load(conn)
}
