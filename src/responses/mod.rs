//! Responses: checking a submission against its form and storing it with its counts.

pub mod committer;
pub mod export;
pub mod import;
pub mod procedure;
pub mod store;
pub mod validate;

pub use crate::tally::Channel;
pub use store::{StoreError, Stored, Submission, TicketUse, store};
pub use validate::{Answers, Given, Problems, Scope, validate, validate_in};
