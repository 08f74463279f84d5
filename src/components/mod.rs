//! Reusable parts of pages.

pub mod feedback;
pub mod shell;
