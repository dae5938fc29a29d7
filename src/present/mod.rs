//! Presentation: how figures read for people, shared by every page, mail and file that
//! shows them (so nothing outside the web layer needs the web layer to format a number).

pub mod breakdown;
pub mod charts;
mod figure;
pub mod method;
mod period;
mod standing;

pub use figure::{Element, Figure, Layout, band, cards, layout, sample_text};
pub use period::period_name;
pub use standing::standing_text;
