//! Integration tests: the real app and the real binary against real databases.

mod helpers;

mod accessibility;
mod admin;
mod alert_rules;
mod auth;
mod browser;
mod cli;
mod crash;
mod dashboard;
mod exports;
mod forms;
mod fuzz;
mod health;
mod indices;
mod mail;
mod migrations;
mod outage;
mod pages;
mod printed;
mod privacy;
mod process;
mod replicas;
mod reports;
mod responses_io;
mod security;
mod shipped_forms;
mod storage;
mod survey;
mod tickets;
mod tickets_cli;
mod tickets_staff;
mod units_import;
mod users_cli;
mod webdriver;
