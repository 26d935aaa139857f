//! One error type in HTTP terms. Handlers of pages wrap it in [`PageError`] so the theme renders
//! it; API handlers return it as the JSON envelope `{"error":{"code","message"}}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{}", summarise(.0))]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("the request is too large")]
    TooLarge,
    #[error("too many requests; try again later")]
    RateLimited,
    /// A rate limit with its own message (WordPress's comment flood).
    #[error("{0}")]
    TooFast(String),
    #[error("{0}")]
    NotImplemented(String),
    /// A service we depend on (the mail server) did not do its part.
    #[error("{0}")]
    Unavailable(String),
    /// Something this node is still preparing (its search index); try again shortly.
    #[error("{0}")]
    NotReady(String),
    /// The database cannot be reached now (restarting, down, the network); try again shortly.
    #[error("the site cannot reach its database just now; try again in a few seconds")]
    DatabaseDown(String),
    /// The media store (a folder or a bucket) cannot be reached now; try again shortly.
    #[error("the site cannot reach its media store just now; try again in a few seconds")]
    StoreDown(String),
    #[error("an internal error occurred")]
    Internal(#[from] anyhow::Error),
}

fn summarise(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl AppError {
    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RateLimited | AppError::TooFast(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            AppError::Unavailable(_) => StatusCode::BAD_GATEWAY,
            AppError::NotReady(_) | AppError::DatabaseDown(_) | AppError::StoreDown(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for clients and tests.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::Gone(_) => "gone",
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid(_) => "invalid",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::Conflict { code, .. } => code,
            AppError::TooLarge => "too_large",
            AppError::RateLimited => "rate_limited",
            AppError::TooFast(_) => "comment_flood",
            AppError::NotImplemented(_) => "not_implemented",
            AppError::Unavailable(_) => "unavailable",
            AppError::NotReady(_) => "not_ready",
            AppError::DatabaseDown(_) => "database_unavailable",
            AppError::StoreDown(_) => "media_store_unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// Logs a background task's failure (`what` says which task): an unreachable database once
    /// every ten seconds across the process, anything else as a warning each time.
    pub fn log_failure(&self, what: &str) {
        match self {
            AppError::DatabaseDown(why) => database_down(why),
            AppError::StoreDown(why) => store_down(why),
            other => tracing::warn!(error = %other, "{what}"),
        }
    }

    fn describe(&self) -> ErrorInfo {
        match self {
            AppError::Internal(e) => tracing::error!(error = format!("{e:#}"), "internal error"),
            AppError::DatabaseDown(why) => database_down(why),
            AppError::StoreDown(why) => store_down(why),
            _ => {}
        }
        ErrorInfo {
            status: self.status(),
            code: self.code(),
            message: self.to_string(),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound("not found".into()),
            e if crate::db::is_unreachable(&e) => AppError::DatabaseDown(e.to_string()),
            e if crate::db::is_unique_violation(&e) => AppError::Conflict {
                code: "already_exists",
                message: "an item with that name already exists".into(),
            },
            e => AppError::Internal(e.into()),
        }
    }
}

impl From<crate::media::StoreError> for AppError {
    fn from(e: crate::media::StoreError) -> Self {
        match e {
            crate::media::StoreError::Missing => AppError::NotFound(e.to_string()),
            down => AppError::StoreDown(down.to_string()),
        }
    }
}

impl From<tantivy::TantivyError> for AppError {
    fn from(e: tantivy::TantivyError) -> Self {
        AppError::Internal(e.into())
    }
}

/// What an error page or envelope needs; carried in the response's extensions so the theme layer
/// (which has the templates) can render the page.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: EnvelopeBody<'a>,
}

#[derive(Serialize)]
struct EnvelopeBody<'a> {
    code: &'a str,
    message: &'a str,
}

impl ErrorInfo {
    pub fn json_response(&self) -> Response {
        let body = Envelope {
            error: EnvelopeBody {
                code: self.code,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// Logs an unreachable database once every ten seconds at most: every request that needs it
/// fails meanwhile, and one line says as much as a thousand.
fn database_down(why: &str) {
    static LAST: AtomicU64 = AtomicU64::new(0);
    if now_and_then(&LAST) {
        tracing::error!(
            error = why,
            "the database cannot be reached: requests that need it answer 503 and cached pages \
             are still served; check that the database is running and reachable"
        );
    }
}

/// Logs an unreachable media store, as [`database_down`] does the database.
pub fn store_down(why: &str) {
    static LAST: AtomicU64 = AtomicU64::new(0);
    if now_and_then(&LAST) {
        tracing::error!(
            error = why,
            "the media store cannot be reached: pictures and uploads that need it answer 503 \
             and pages are still served; check that the store (its folder or bucket) is up"
        );
    }
}

/// Whether ten seconds have passed since `last` (seconds since the epoch) last said yes.
fn now_and_then(last: &AtomicU64) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let then = last.load(Ordering::Relaxed);
    now >= then + 10
        && last
            .compare_exchange(then, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

/// Seconds a client is asked to wait before trying a [`AppError::NotReady`] request again.
const RETRY_AFTER_SECONDS: &str = "5";

impl AppError {
    /// Adds the headers the error calls for (`Retry-After` while not ready).
    fn decorate(&self, response: &mut Response) {
        if matches!(
            self,
            AppError::NotReady(_) | AppError::DatabaseDown(_) | AppError::StoreDown(_)
        ) {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.describe().json_response();
        self.decorate(&mut response);
        response
    }
}

/// An error from a page handler: rendered with the theme's error template by
/// [`crate::web::error_pages`].
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let info = self.0.describe();
        let mut response = (info.status, info.message.clone()).into_response();
        response.extensions_mut().insert(info);
        self.0.decorate(&mut response);
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
pub type PageResult<T> = Result<T, PageError>;
