//! Reusable parts of pages.

pub mod feedback;
pub mod form;
pub mod link;
pub mod send_code;
pub mod shell;
