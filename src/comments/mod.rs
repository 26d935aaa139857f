//! Reader comments: the "Leave a Reply" form and its WordPress-compatible endpoint, threaded
//! discussions under articles, moderation with WordPress's rules, a spam defence that needs no
//! cloud service (honeypot, form timing, rate limits and a local classifier), notifications,
//! feeds and the privacy tools.

mod avatar;
pub mod moderation;
pub mod notify;
mod pages;
pub mod policy;
mod rules;
pub mod service;
mod signing;
pub mod spam;
mod store;
pub mod text;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

pub use store::QueueFilter;
pub use views::CommentView;

/// A comment may be 65,525 characters of up to four bytes each, plus the other fields.
const COMMENT_BODY_LIMIT: usize = 512 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/comments", post(pages::post))
        .route("/wp-comments-post.php", post(pages::post_wordpress))
        .route("/comments/stamp", get(pages::stamp))
        .route("/avatars/{file}", get(pages::avatar))
        .route("/comments/feed", get(pages::site_feed))
        .route(
            "/comments/unsubscribe",
            get(pages::unsubscribe_page).post(pages::unsubscribe),
        )
        .route("/comments/{id}", get(pages::permalink))
        .route(
            "/{section}/{year}/{month}/{slug}/feed",
            get(pages::article_feed),
        )
        .layer(DefaultBodyLimit::max(COMMENT_BODY_LIMIT))
}
