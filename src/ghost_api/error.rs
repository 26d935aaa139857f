//! Errors in Ghost's shape: `{"errors":[{"message","context","type",…}]}`, with the types its
//! clients turn into exceptions (`NotFoundError`, `BadRequestError`, `NoPermissionError`, …).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::AppError;

#[derive(Debug)]
pub struct GhostError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    pub context: Option<String>,
}

impl GhostError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> GhostError {
        GhostError {
            status,
            kind,
            message: message.into(),
            context: None,
        }
    }

    pub fn with_context(mut self, context: impl Into<String>) -> GhostError {
        self.context = Some(context.into());
        self
    }

    /// A missing, unknown or revoked Content API key.
    pub fn no_permission() -> GhostError {
        GhostError::new(
            StatusCode::FORBIDDEN,
            "NoPermissionError",
            "Authorization failed",
        )
        .with_context(
            "Unable to determine the authenticated member or integration. Check the supplied \
             API Key and ensure cookies are being passed through if member auth is failing.",
        )
    }

    pub fn not_found(resource: &str) -> GhostError {
        GhostError::new(
            StatusCode::NOT_FOUND,
            "NotFoundError",
            "Resource not found error, cannot read ".to_string() + resource + ".",
        )
    }

    pub fn no_route() -> GhostError {
        GhostError::new(StatusCode::NOT_FOUND, "NotFoundError", "Resource not found")
    }

    pub fn bad_request(message: impl Into<String>) -> GhostError {
        GhostError::new(StatusCode::BAD_REQUEST, "BadRequestError", message)
    }

    pub fn validation(message: impl Into<String>) -> GhostError {
        GhostError::new(StatusCode::UNPROCESSABLE_ENTITY, "ValidationError", message)
    }

    pub fn body(&self) -> Value {
        json!({"errors": [{
            "message": self.message,
            "context": self.context,
            "type": self.kind,
            "details": null,
            "property": null,
            "help": null,
            "code": null,
            "id": null,
            "ghostErrorCode": null,
        }]})
    }
}

impl IntoResponse for GhostError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// A service's failure under the Ghost error type closest to it.
impl From<AppError> for GhostError {
    fn from(e: AppError) -> GhostError {
        let status = e.status();
        let kind = match &e {
            AppError::NotFound(_) => "NotFoundError",
            AppError::Unauthorized(_) => "UnauthorizedError",
            AppError::Forbidden(_) => "NoPermissionError",
            AppError::Invalid(_) => "ValidationError",
            AppError::BadRequest(_) => "BadRequestError",
            AppError::TooLarge => "RequestEntityTooLargeError",
            AppError::RateLimited | AppError::TooFast(_) => "TooManyRequestsError",
            _ => "InternalServerError",
        };
        let message = if status.is_server_error() {
            tracing::error!(error = %e, "Ghost Content API request failed");
            "The server could not answer; the error is logged.".to_string()
        } else {
            e.to_string()
        };
        GhostError::new(status, kind, message)
    }
}

impl From<sqlx::Error> for GhostError {
    fn from(e: sqlx::Error) -> GhostError {
        GhostError::from(AppError::from(e))
    }
}
