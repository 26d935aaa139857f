//! The `/metrics` endpoint, on the site's address behind a token or on an address of its own.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{install, levels};
use crate::error::AppError;
use crate::secrets::constant_time_eq;
use crate::state::AppState;

const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `/metrics` on the site's own address: answered only to a caller that shows
/// `--metrics-token` as a bearer token, and a plain 404 to everyone else (including every
/// caller when no token is set), so a public site does not advertise it.
pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(guarded))
}

/// The router of `--metrics-listen`: `/metrics` to anyone who reaches that address.
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(open)).with_state(state)
}

async fn guarded(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let shown = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match (state.metrics_token.as_deref(), shown) {
        (Some(token), Some(shown)) if constant_time_eq(token, shown.trim()) => {
            Ok(scrape(&state).await)
        }
        _ => Err(AppError::not_found("there is no such page")),
    }
}

async fn open(State(state): State<AppState>) -> Response {
    scrape(&state).await
}

async fn scrape(state: &AppState) -> Response {
    levels::read(state).await;
    let handle = install();
    handle.run_upkeep();
    let body = handle.render();
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(TEXT_FORMAT)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}
