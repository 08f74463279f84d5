//! Baoming: the candidate's side of registering for a level-2 vocational skill certificate.
//!
//! `main.rs` boots; [`app`] holds providers and routes; [`api`] owns HTTP; [`config`] reads
//! the deployment's `config.json`; [`i18n`] owns every user-visible string; [`routes`] names
//! every path; [`pages`] has one file per route and [`components`] the reusable parts.
//! Rules shared with the backend come from `baoming_contract`.

pub mod api;
pub mod app;
pub mod clock;
pub mod components;
pub mod config;
pub mod face;
pub mod forms;
pub mod i18n;
pub mod imaging;
pub mod lazy;
pub mod pages;
pub mod progress;
pub mod routes;
pub mod session;
