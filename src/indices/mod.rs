//! The indices engine: every index a form declares, for any unit's subtree and period,
//! with its sample size and 95% interval, rolled up the unit tree; read from the per-day
//! counts kept at submission time. How each kind of index and its interval is computed is
//! explained in [`compute`].

pub mod breakdown;
pub mod compute;
pub mod focus;
pub mod period;
pub mod report;
pub mod rollup;
pub mod sample;
pub mod standing;
pub mod stats;
pub mod trend;

pub use period::{Period, PeriodError};
pub use report::{Population, Report, ReportError, ReportRequest, build, build_with_spare};
