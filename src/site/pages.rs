//! Operational endpoints.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use crate::cache::Hearing;
use crate::error::AppError;
use crate::jobs::workers;
use crate::state::AppState;
use crate::web::sealed;

/// Liveness and readiness in one: answers 200 only when the database answers (a node without
/// its media store still serves pages, so it stays in rotation, `degraded`), and says which
/// node answered and how what it depends on is doing (the media store, and how it hears of
/// other nodes' changes: `listening` to PostgreSQL's notifications, `polling` the change log
/// alone, or `lost` while the listener reconnects).
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let database = state.db.ping().await;
    let store = state.media.is_up().await;
    let up = |ok: bool| if ok { "up" } else { "down" };
    let mut report = json!({
        "node": workers::node(),
        "database": up(database.is_ok()),
        "store": up(store),
        "notifications": match state.db.changes().hearing() {
            Hearing::Listening => "listening",
            Hearing::Polling => "polling",
            Hearing::Lost => "lost",
        },
        "cached_pages": state.page_cache.len(),
        "sendfile_pages": sealed::open_files(),
    });
    match database {
        Ok(()) => {
            report["status"] = if store { "ok" } else { "degraded" }.into();
            (StatusCode::OK, Json(report))
        }
        Err(e) => {
            AppError::from(e).log_failure("health check: the database cannot be reached");
            report["status"] = "unavailable".into();
            report["reason"] = "database unreachable".into();
            (StatusCode::SERVICE_UNAVAILABLE, Json(report))
        }
    }
}
