//! Front pages: the home page and each section's front, laid out by editors. A layout names the
//! lead story, the stories beside it and the blocks below (`layout.rs`); the desk changes a
//! shared draft and publishes or schedules it (`service.rs`); a reader's page is the layout in
//! force filled with published stories, automatically wherever it leaves a slot empty
//! (`assemble.rs`). The public pages are the articles room's; the desk is the admin's.

pub mod assemble;
pub mod layout;
pub mod service;
mod store;

pub use layout::FrontKey;
