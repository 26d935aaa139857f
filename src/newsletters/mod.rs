//! Topic newsletters. For now only the sign-up route the article page's promo posts to; the
//! newsletters work (double opt-in, digests, sending) takes it over.

use axum::Router;
use axum::routing::post;

use crate::app::AppState;
use crate::error::{AppError, PageError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/newsletters/subscribe", post(subscribe))
}

async fn subscribe() -> PageError {
    PageError(AppError::NotImplemented(
        "newsletter sign-up is not available on this site yet; nothing was stored".into(),
    ))
}
