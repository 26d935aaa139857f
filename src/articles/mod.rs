//! Articles and what organises them — sections, tags, authors — and the public pages that show
//! them: home, section fronts, tag, author and date archives, and the article page.

pub mod body;
pub mod cache_names;
pub mod digest;
mod discussion;
mod editorial;
mod found_cards;
mod indexing;
pub use found_cards::FoundCards;
mod pages;
pub use pages::front_preview;
pub use views::CardView;
pub mod permissions;
pub mod query;
mod reads;
pub mod service;
pub mod slug;
mod store;
pub mod syndication;
mod taxonomy;
mod views;
pub mod workflow;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/tag/{slug}", get(pages::tag))
        .route("/author/{slug}", get(pages::author))
        .route("/preview/{id}", get(pages::preview))
        .route("/archive/{year}", get(pages::archive_year))
        .route("/archive/{year}/{month}", get(pages::archive_month))
        .route("/{section}", get(pages::section))
        .route("/{section}/{year}/{month}/{slug}", get(pages::article))
}
