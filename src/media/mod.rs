//! The media library: files stored content-addressed in the data dir, with their dimensions and
//! editorial metadata in the database. (The image service will resize them on the fly.)

pub mod files;
mod inspect;
mod pages;
pub mod service;
mod store;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;

pub use files::MediaFiles;

pub fn routes() -> Router<AppState> {
    Router::new().route("/media/{*path}", get(pages::file))
}

/// The public URL of a stored media file.
pub fn url(path: &str) -> String {
    format!("/media/{path}")
}
