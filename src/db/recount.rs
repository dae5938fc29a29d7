//! Rebuilding the tallies from the stored responses, when a migration changed how they are
//! kept (it leaves a row in `pending_recounts`). Done once, in one transaction, before
//! sipas serves: of several replicas starting together, the first to take the row does
//! it, and the others find nothing left to do.

use diesel::prelude::*;

use super::schema::pending_recounts;
use super::{DbConnection, DbError, responses, tallies};
use crate::tally::{CountTotals, TallyKey};

/// Responses read and counted at once.
const PAGE: i64 = 5_000;
/// Responses counted before their counts are written.
const PER_WRITE: usize = 100_000;

/// Recounts the tallies if a migration asked for it; returns how many responses were
/// counted (`None` when nothing was asked).
pub fn tallies_if_pending(conn: &mut DbConnection) -> Result<Option<usize>, DbError> {
    let asked = pending_recounts::table
        .find("tallies")
        .count()
        .get_result::<i64>(conn)?;
    if asked == 0 {
        return Ok(None);
    }
    tracing::info!("recounting the tallies from the stored responses");
    super::write_transaction(conn, |conn| {
        let taken = diesel::delete(pending_recounts::table.find("tallies")).execute(conn)?;
        if taken == 0 {
            return Ok(None); // Another replica recounted meanwhile.
        }
        tallies::clear(conn)?;
        let (mut after, mut counted, mut totals, mut unwritten) = (0, 0, CountTotals::default(), 0);
        loop {
            let page = responses::page(conn, after, PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let ids: Vec<i64> = page.iter().map(|r| r.id).collect();
            let mut texts = responses::texts_of_many(conn, &ids)?;
            texts.sort_by_key(|(id, _, _)| *id);
            for response in &page {
                let values = response.values()?;
                let values: Vec<(&str, &str)> =
                    values.iter().map(|(q, v)| (q.as_str(), v.as_str())).collect();
                let first = texts.partition_point(|(id, _, _)| *id < response.id);
                let texted: Vec<&str> = texts[first..]
                    .iter()
                    .take_while(|(id, _, _)| *id == response.id)
                    .map(|(_, question, _)| question.as_str())
                    .collect();
                let key = TallyKey {
                    unit_code: &response.unit_code,
                    form_version_id: response.form_version_id,
                    day: response.day,
                    field: response.procedure_field.as_deref(),
                    channel: tallies::channel_of(&response.channel)?,
                };
                totals.add_answers(key, &values, &texted);
            }
            counted += page.len();
            unwritten += page.len();
            if unwritten >= PER_WRITE {
                tallies::add(conn, std::mem::take(&mut totals))?;
                unwritten = 0;
            }
        }
        tallies::add(conn, totals)?;
        tracing::info!(responses = counted, "tallies recounted");
        Ok::<_, DbError>(Some(counted))
    })
}
