//! The media library: files stored content-addressed in the media store (a folder or a bucket), with their dimensions and
//! editorial metadata in the database; and the image service that resizes them on the fly.

pub mod command;
pub mod files;
pub mod images;
mod inspect;
mod pages;
pub mod references;
pub mod service;
mod store;
pub mod store_address;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub use files::{MediaFiles, StoreError};
pub use store_address::StoreAddress;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/media/{*path}", get(pages::file))
        .merge(images::routes())
}

/// The public URL of a stored media file.
pub fn url(path: &str) -> String {
    format!("/media/{path}")
}
