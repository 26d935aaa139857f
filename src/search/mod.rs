//! Search and related articles: a tantivy index per node, kept true to the database by tailing
//! a change log, the reader's `/search` page, the desk's search, and related articles.

mod analysis;
pub mod command;
pub mod desk;
mod document;
mod hidden;
mod index;
pub mod indexer;
pub mod log;
mod matching;
mod pages;
mod passages;
pub mod query;
mod recency;
pub mod related;
mod segments;
pub mod service;
mod similar;
mod store;
mod top;

pub use index::SearchIndex;
pub use indexer::Indexer;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// The path of the results page.
pub const SEARCH_PATH: &str = "/search";

pub fn routes() -> Router<AppState> {
    Router::new().route(SEARCH_PATH, get(pages::search))
}
