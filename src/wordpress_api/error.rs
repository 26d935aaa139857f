//! Errors in WordPress's shape: `{"code","message","data":{"status",…}}`, with the codes clients
//! test for (`rest_post_invalid_id`, `rest_invalid_param`, `rest_no_route`, …).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::error::AppError;

#[derive(Debug)]
pub struct WpError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Members of `data` besides `status` (`params` and `details` of a validation error).
    pub data: Map<String, Value>,
}

impl WpError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> WpError {
        WpError {
            status,
            code,
            message: message.into(),
            data: Map::new(),
        }
    }

    pub fn no_route() -> WpError {
        WpError::new(
            StatusCode::NOT_FOUND,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        )
    }

    pub fn invalid_id(code: &'static str, what: &str) -> WpError {
        WpError::new(StatusCode::NOT_FOUND, code, format!("Invalid {what} ID."))
    }

    pub fn page_out_of_range(code: &'static str) -> WpError {
        WpError::new(
            StatusCode::BAD_REQUEST,
            code,
            "The page number requested is larger than the number of pages available.",
        )
    }

    /// `rest_invalid_param` naming each parameter and why, in the order they were checked.
    pub fn invalid_params(problems: &[(String, &'static str, String)]) -> WpError {
        let names: Vec<&str> = problems.iter().map(|(n, _, _)| n.as_str()).collect();
        let mut params = Map::new();
        let mut details = Map::new();
        for (name, code, message) in problems {
            params.insert(name.clone(), Value::String(message.clone()));
            details.insert(
                name.clone(),
                json!({"code": code, "message": message, "data": null}),
            );
        }
        let mut error = WpError::new(
            StatusCode::BAD_REQUEST,
            "rest_invalid_param",
            format!("Invalid parameter(s): {}", names.join(", ")),
        );
        error.data.insert("params".into(), Value::Object(params));
        error.data.insert("details".into(), Value::Object(details));
        error
    }

    pub fn body(&self) -> Value {
        let mut data = Map::new();
        data.insert("status".into(), json!(self.status.as_u16()));
        data.extend(self.data.clone());
        json!({"code": self.code, "message": self.message, "data": data})
    }
}

impl IntoResponse for WpError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// A service's refusal or failure, under the WordPress code closest to it.
impl From<AppError> for WpError {
    fn from(e: AppError) -> WpError {
        let status = e.status();
        let code = match &e {
            AppError::NotFound(_) => "rest_not_found",
            AppError::Unauthorized(_) => "rest_not_logged_in",
            AppError::Forbidden(_) => "rest_forbidden",
            AppError::Invalid(_) | AppError::BadRequest(_) => "rest_invalid_param",
            AppError::Conflict { code, .. } => code,
            AppError::TooLarge => "rest_upload_too_large",
            AppError::RateLimited | AppError::TooFast(_) => "rest_too_many_requests",
            _ => "internal_server_error",
        };
        let message = if status.is_server_error() {
            tracing::error!(error = %e, "WordPress API request failed");
            "The server could not answer; the error is logged.".to_string()
        } else {
            e.to_string()
        };
        WpError::new(status, code, message)
    }
}

impl From<sqlx::Error> for WpError {
    fn from(e: sqlx::Error) -> WpError {
        WpError::from(AppError::from(e))
    }
}
