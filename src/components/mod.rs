//! Reusable parts of pages.

pub mod account_form;
pub mod draft_saver;
pub mod feedback;
pub mod form;
pub mod link;
pub mod portrait_fixer;
pub mod require_login;
pub mod send_code;
pub mod shell;
pub mod text;
pub mod upload_slot;
