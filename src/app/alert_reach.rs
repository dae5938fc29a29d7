//! Whether an alert rule can fire at a unit's volume: a rule on an index that needs
//! n ≥ N answers in a month never fires where no month of the last year reached N.
//! Said beside the rule, rather than leaving it to stay silent for ever.

use crate::db::{self, DbConnection};
use crate::forms::Form;
use crate::indices::ReportError;
use crate::indices::trend::{self, MonthCache, TrendRequest};

/// Months looked back.
const MONTHS: u32 = 12;

/// The most answers the unit's subtree received in one month of the twelve up to
/// `today`'s, counting the form's official channels when it declares them (as alerts do).
pub fn busiest_month(
    conn: &mut DbConnection,
    cache: &MonthCache,
    unit: &str,
    form: &Form,
    today: chrono::NaiveDate,
) -> Result<i64, ReportError> {
    let mut units = db::units::subtree_codes(conn, unit)?;
    units.sort();
    let versions: Vec<i64> = db::forms::versions_of(conn, &form.id)?
        .iter()
        .map(|v| v.id)
        .collect();
    let months = trend::months_ending(today, MONTHS);
    let request = TrendRequest {
        root: unit,
        units: &units,
        form,
        versions: &versions,
        index: &form.headline,
        months: &months,
        field: None,
        channels: form.official_channels.as_deref(),
    };
    Ok(trend::monthly(conn, cache, &request)?
        .iter()
        .map(|point| point.responses)
        .max()
        .unwrap_or(0))
}
