//! Integration tests: the real app and the real binary against real databases.

mod helpers;

mod admin;
mod auth;
mod cli;
mod forms;
mod health;
mod migrations;
mod pages;
mod process;
mod survey;
mod units_import;
mod users_cli;
