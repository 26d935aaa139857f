//! Pages: the site's standing pages (About, Contact, Terms, Corrections) — written in the same
//! editor and document model as articles, through the same workflow, with revisions — served at
//! `/{slug}` and `/{parent}/{slug}`, after sections and the site's own paths.

pub mod public;
pub mod service;
mod store;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// `/{parent}/{slug}`; a top-level page is served by the section route when no section has
/// its slug (see [`public::top`]).
pub fn routes() -> Router<AppState> {
    Router::new().route("/{parent}/{slug}", get(public::nested))
}
