//! SQL for the articles room, one file per entity, each beside the service that uses it:
//! `reads` (published articles, for `reads.rs`), `articles` (the editor's and workflow's writes
//! and the admin list, for `service.rs`), `editorial` (revisions and autosaves), `taxonomy`
//! (sections, tags, author profiles), `digest`, `discussion`, `syndication` (feeds) and `indexing` (what search indexes). Private to the room.
//!
//! Every statement is a `&'static str` built with `concat!` from literals, except the few whose
//! `IN (…)` lists grow with their input: those splice only placeholders from
//! [`crate::db::placeholders`]. Every value is a bound parameter.

mod articles;
mod digest;
mod discussion;
mod editorial;
mod indexing;
mod query;
mod reads;
mod syndication;
mod taxonomy;

pub use articles::*;
pub use digest::*;
pub use discussion::*;
pub use editorial::*;
pub use indexing::*;
pub use query::*;
pub use reads::*;
pub use syndication::*;
pub use taxonomy::*;
