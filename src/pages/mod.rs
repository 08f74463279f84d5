//! One file per route.

pub mod application;
pub mod applications;
pub mod apply;
pub mod coming_soon;
pub mod config_error;
pub mod forgot_password;
pub mod login;
pub mod not_found;
pub mod pay;
pub mod plans;
pub mod print_form;
pub mod register;
pub mod wizard;
