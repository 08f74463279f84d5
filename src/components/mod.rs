//! Reusable parts of pages.

pub mod feedback;
pub mod link;
pub mod shell;
