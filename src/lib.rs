//! sipas: citizen-satisfaction surveys for public administrative services.

pub mod app;
pub mod auth;
pub mod cli;
pub mod codes;
pub mod config;
pub mod db;
pub mod desks;
pub mod dossiers;
pub mod forms;
pub mod i18n;
pub mod inbox;
pub mod indices;
pub mod mail;
pub mod metrics;
pub mod present;
pub mod report_files;
pub mod responses;
pub mod spreadsheet;
pub mod startup;
pub mod tally;
pub mod telemetry;
pub mod units;
pub mod web;
