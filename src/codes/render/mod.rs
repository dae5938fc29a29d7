//! Rendering [`super::drawing::Page`]s as SVG, PDF and PNG.

pub mod pdf;
pub mod png;
pub mod svg;
