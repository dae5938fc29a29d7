//! The tally domain: what sipas counts so that reports never read raw answers (DESIGN.md
//! §6). A response is counted, in the transaction that stores it, as how many respondents
//! answered each question and chose each value ([`CountKey`]), per unit, form version,
//! channel ([`Channel`]), procedure field and period ([`periods::CountPeriod`]). Reports add
//! stored counts up ([`Tally`]) over a few periods that cover their span
//! ([`periods::Cover`]). Nothing here knows SQL: `db::tallies` stores and reads the counts.

mod channel;
mod counted;
mod key;
pub mod periods;
mod totals;

pub use channel::{Channel, UnknownChannel};
pub use counted::{CountKeys, StoredRow, Tally, TallyError};
pub use key::{CountKey, NOT_APPLICABLE, NotAKey};
pub use totals::{ALL_FIELDS, CountTotals, Counted, TallyKey, TotalRow, Totals};
