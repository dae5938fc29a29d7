//! Dossier counts reported by another program, on its token's rights.

use crate::auth::{Identity, Permission, authorize};
use crate::db::{DbConnection, DbError};
use crate::dossiers::{DossierCount, DossierError};

/// Why the counts were not stored.
#[derive(Debug)]
pub enum ReportRefused {
    /// The caller may not report for this unit.
    NotYours(String),
    Rejected(DossierError),
    Db(DbError),
}

impl From<DbError> for ReportRefused {
    fn from(e: DbError) -> Self {
        ReportRefused::Db(e)
    }
}

impl From<diesel::result::Error> for ReportRefused {
    fn from(e: diesel::result::Error) -> Self {
        ReportRefused::Db(e.into())
    }
}

impl From<DossierError> for ReportRefused {
    fn from(e: DossierError) -> Self {
        match e {
            DossierError::Db(e) => ReportRefused::Db(e),
            rejected => ReportRefused::Rejected(rejected),
        }
    }
}

/// Stores every count or none (a unit-month given again replaces the old count); the
/// caller must be allowed to report for every unit named. Returns how many were stored.
pub fn report(
    conn: &mut DbConnection,
    identity: &Identity,
    rows: Vec<DossierCount>,
) -> Result<usize, ReportRefused> {
    for row in &rows {
        let permission = Permission::ReportDossiersOf(row.unit_code.trim().to_string());
        if !authorize(conn, identity, &permission)? {
            return Err(ReportRefused::NotYours(row.unit_code.clone()));
        }
    }
    let numbered: Vec<(u64, DossierCount)> = (1..).zip(rows).collect();
    Ok(crate::dossiers::store(conn, &numbered)?)
}
