//! The `alert_rules` table: what a unit's officials want to hear about at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::alert_rules;

/// What a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// An index under a threshold this month.
    Below,
    /// An index (or any) fallen more than a threshold since the month before.
    Drop,
    /// More comments than a threshold this week.
    Comments,
    /// A desk receiving more answers than a threshold within an hour.
    Burst,
}

impl AlertKind {
    /// As stored and as the rule form posts it.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Below => "below",
            AlertKind::Drop => "drop",
            AlertKind::Comments => "comments",
            AlertKind::Burst => "burst",
        }
    }

    pub fn parse(text: &str) -> Option<AlertKind> {
        [
            AlertKind::Below,
            AlertKind::Drop,
            AlertKind::Comments,
            AlertKind::Burst,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }

    /// Whether the rule compares an index with its threshold (in percentage points).
    pub fn watches_an_index(self) -> bool {
        matches!(self, AlertKind::Below | AlertKind::Drop)
    }
}

impl TryFrom<String> for AlertKind {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        AlertKind::parse(&text).ok_or_else(|| format!("unknown alert kind «{text}»"))
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = alert_rules)]
pub struct AlertRule {
    pub id: i64,
    pub unit_code: String,
    pub form_id: String,
    #[diesel(deserialize_as = String)]
    pub kind: AlertKind,
    pub index_id: Option<String>,
    pub threshold: f64,
    pub min_n: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = alert_rules)]
pub struct NewAlertRule<'a> {
    pub unit_code: &'a str,
    pub form_id: &'a str,
    pub kind: &'a str,
    pub index_id: Option<&'a str>,
    pub threshold: f64,
    pub min_n: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, rule: &NewAlertRule<'_>) -> QueryResult<i64> {
    crate::with_backend!(&mut *conn, |c| diesel::insert_into(alert_rules::table)
        .values(rule)
        .returning(alert_rules::id)
        .get_result(c))
}

/// Every rule, or those of one unit, oldest first.
pub fn list(conn: &mut DbConnection, unit: Option<&str>) -> QueryResult<Vec<AlertRule>> {
    let query = alert_rules::table
        .select(AlertRule::as_select())
        .order(alert_rules::id)
        .into_boxed();
    match unit {
        Some(unit) => query.filter(alert_rules::unit_code.eq(unit)).load(conn),
        None => query.load(conn),
    }
}

/// Removes a rule of `unit`; whether there was one.
pub fn delete(conn: &mut DbConnection, unit: &str, id: i64) -> QueryResult<bool> {
    let removed = diesel::delete(
        alert_rules::table
            .filter(alert_rules::id.eq(id))
            .filter(alert_rules::unit_code.eq(unit)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}
