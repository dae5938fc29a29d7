//! Integration tests: the real app and the real binary against real databases.

mod helpers;

mod accessibility;
mod admin;
mod auth;
mod browser;
mod cli;
mod crash;
mod dashboard;
mod forms;
mod fuzz;
mod hardening;
mod health;
mod indices;
mod mail;
mod method;
mod migrations;
mod outage;
mod pages;
mod printed;
mod process;
mod responses_io;
mod security;
mod storage;
mod survey;
mod tickets;
mod tickets_cli;
mod tickets_staff;
mod units_import;
mod users_cli;
mod webdriver;
