//! The site as a whole: settings, the layout every page shares, rendering of pages and error
//! pages, and the health check.

pub mod absolute_links;
pub mod dates;
pub mod layout;
pub mod menus;
mod pages;
pub mod redirects;
pub mod settings;
mod store;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(pages::healthz))
}
