//! How the site is found: feeds of the site and of every section, tag and author, in RSS 2.0,
//! Atom 1.0 and JSON Feed 1.1, at WordPress's addresses (`/feed/`, `/feed/atom/`,
//! `/{section}/feed/`, `/tag/{slug}/feed/`, `/author/{slug}/feed/`; `…/feed/json/` for the JSON
//! Feed), so readers of an imported site keep their subscriptions; the sitemaps, the Google
//! News sitemap and `robots.txt`.

mod document;
mod pages;
mod render;
mod robots;
mod sitemaps;

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
        .route("/sitemap.xml", get(pages::sitemap_index))
        .route("/sitemaps/{name}", get(pages::sitemap_part))
        .route("/news-sitemap.xml", get(pages::news_sitemap))
        .route("/wp-sitemap.xml", get(pages::wordpress_sitemap))
        .route("/robots.txt", get(pages::robots_txt))
}
