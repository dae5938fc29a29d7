//! The `dossiers` table: dossiers received per unit and month.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::dossiers;

/// Sets the dossiers of unit-months (a month as its first day), replacing what was there.
pub fn replace(
    conn: &mut DbConnection,
    rows: &[(String, NaiveDate, i64)],
    now: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    use diesel::upsert::excluded;
    let mut written = 0;
    for chunk in rows.chunks(1_000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(unit, month, count)| {
                (
                    dossiers::unit_code.eq(unit),
                    dossiers::month.eq(*month),
                    dossiers::received.eq(*count),
                    dossiers::updated_at.eq(now),
                )
            })
            .collect();
        written += crate::with_backend!(&mut *conn, |c| {
            diesel::insert_into(dossiers::table)
                .values(values)
                .on_conflict((dossiers::unit_code, dossiers::month))
                .do_update()
                .set((
                    dossiers::received.eq(excluded(dossiers::received)),
                    dossiers::updated_at.eq(excluded(dossiers::updated_at)),
                ))
                .execute(c)
        })?;
    }
    Ok(written)
}

/// The dossiers of `units` in the months starting `from..=to`: `(unit, month, dossiers)`.
pub fn of_units(
    conn: &mut DbConnection,
    units: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(String, NaiveDate, i64)>> {
    let mut rows = Vec::new();
    for chunk in units.chunks(2_000) {
        rows.extend(
            dossiers::table
                .filter(dossiers::unit_code.eq_any(chunk))
                .filter(dossiers::month.between(from, to))
                .select((dossiers::unit_code, dossiers::month, dossiers::received))
                .load::<(String, NaiveDate, i64)>(conn)?,
        );
    }
    Ok(rows)
}
