//! # baoming-contract
//!
//! The one copy of everything the Baoming web app and any compatible backend must agree on:
//!
//! - the JSON API's request and response types ([`api`]) and its error envelope ([`error`]);
//! - the rules both sides enforce: phone numbers ([`phone`]), resident ID numbers
//!   ([`id_card`]), passwords ([`password`]), eligibility conditions and the materials each
//!   requires ([`eligibility`]), photo limits ([`photo`]), plan windows ([`plan`]) and the
//!   application's status transitions ([`status`]);
//! - the browser's photo checks ([`photo_check`], [`photo_quality`]) and the warnings an
//!   uploaded file carries from them ([`photo_warning`]).
//!
//! The crate has no browser or server dependencies: it compiles to `wasm32-unknown-unknown`
//! for the web app and to the host for the reference backend, and its rules are tested on the
//! host in milliseconds. With the `openapi` feature it also builds the published OpenAPI 3.1
//! document ([`openapi::document`]).

pub mod api;
pub mod application;
pub mod auth;
#[cfg(feature = "csp")]
pub mod csp;
pub mod draft_field;
pub mod eligibility;
pub mod error;
pub mod id_card;
pub mod money;
pub mod occupation;
#[cfg(feature = "origin")]
pub mod origin;
pub mod password;
pub mod phone;
pub mod photo;
pub mod photo_check;
pub mod photo_quality;
pub mod photo_warning;
pub mod plan;
pub mod reason;
pub mod review;
pub mod status;
pub mod time;

#[cfg(feature = "openapi")]
pub mod openapi;

/// Every path of the API lives under this prefix; a breaking change gets a new version.
pub const API_VERSION_PREFIX: &str = "/api/v1";
