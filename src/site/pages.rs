//! Operational endpoints.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use crate::error::AppError;
use crate::state::AppState;
use crate::web::sealed;

/// Liveness and readiness in one: answers 200 only when the database answers.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({
                "status": "ok",
                "cached_pages": state.page_cache.len(),
                "sendfile_pages": sealed::open_files(),
            })),
        ),
        Err(e) => {
            AppError::from(e).log_failure("health check: the database cannot be reached");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": "database unreachable" })),
            )
        }
    }
}
