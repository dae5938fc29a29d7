//! Use cases: one function per thing a person or a program does, between the handlers
//! (which parse a request and render an answer) and storage. Each takes a connection and
//! typed inputs and returns a typed result or its own error, which the web layer turns
//! into an answer with `From`.

pub mod alert_reach;
pub mod breakdowns;
pub mod dashboard;
pub mod dossiers;
pub mod filters;
pub mod inbox;
pub mod official_report;
pub mod responses;
pub mod tickets;
