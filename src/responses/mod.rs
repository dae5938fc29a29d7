//! Responses: checking a submission against its form and storing it with its counts.

pub mod store;
pub mod validate;

pub use store::{Channel, Submission, store};
pub use validate::{Answers, Given, Problems, validate};
