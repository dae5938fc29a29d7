//! Use cases: what a person asks of sipas, one function each, between the edges (the web
//! handlers, the command line) and the domain. A handler parses the request, calls one of
//! these, and renders what it returns; errors come back as domain errors that convert
//! into HTTP answers with `?`.

pub mod alert_reach;
pub mod breakdowns;
pub mod dashboard;
pub mod filters;
pub mod inbox;
pub mod official_report;
