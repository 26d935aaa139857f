//! Topic newsletters: editors manage them in the admin; readers sign up from the promo boxes and
//! `/newsletters`, confirm by a signed link (double opt-in), choose on a preference page reached
//! from every mail, and unsubscribe in one click (RFC 8058).

pub mod cadence;
pub mod command;
pub mod confirmations;
mod digest;
mod issue_store;
pub mod issues;
mod pages;
pub mod sending;
pub mod service;
mod store;
pub mod views;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsletters", get(pages::list))
        .route("/newsletters/subscribe", post(pages::subscribe))
        .route("/newsletters/check-inbox", get(pages::check_inbox))
        .route("/newsletters/issues/{id}", get(pages::issue))
        .route(
            "/newsletters/confirm",
            get(pages::confirm_page).post(pages::confirm),
        )
        .route(
            "/newsletters/preferences",
            get(pages::preferences).post(pages::save_preferences),
        )
        .route(
            "/newsletters/unsubscribe",
            get(pages::unsubscribe_page).post(pages::unsubscribe),
        )
}
