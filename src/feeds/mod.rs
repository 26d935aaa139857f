//! Feeds of the site and of every section, tag and author, in RSS 2.0, Atom 1.0 and JSON Feed
//! 1.1, at WordPress's addresses (`/feed/`, `/feed/atom/`, `/{section}/feed/`,
//! `/tag/{slug}/feed/`, `/author/{slug}/feed/`; `…/feed/json/` for the JSON Feed), so readers of
//! an imported site keep their subscriptions.

mod document;
mod links;
mod pages;
mod render;

use axum::Router;
use axum::routing::get;

pub use document::{Format, feed_path};
pub use pages::wordpress_queries;

use crate::state::AppState;

/// Each list's feed answers with and without the trailing slash WordPress puts on it.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for list in ["", "/{section}", "/tag/{tag}", "/author/{author}"] {
        for tail in ["/feed", "/feed/", "/feed/{kind}", "/feed/{kind}/"] {
            router = router.route(&format!("{list}{tail}"), get(pages::feed));
        }
    }
    router
}
