//! Presentation: how figures read for people, shared by every page, mail and file that
//! shows them (so nothing outside the web layer needs the web layer to format a number).

pub mod charts;
mod figure;

pub use figure::{Element, Figure, Layout, layout, sample_text};
