//! The image service's failures, in HTTP terms. Each carries how long a CDN or browser may keep
//! the answer: a bad parameter stays bad (a year), an origin's trouble may pass (seconds).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ErrorInfo;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    BadParameter(String),
    /// The source is not a usable image: not an image at all, too big, broken.
    BadSource(String),
    NotFound(String),
    Refused(String),
    Upstream(String),
    Timeout,
    /// No worker came free within the wait allowed, or too many requests already wait.
    Busy,
    /// The media store holding the library's originals did not answer.
    StoreDown(String),
    /// A library item's original is not in the store: another node's upload not yet visible
    /// there, or a file lost; the item exists, so this is the store's trouble, not the reader's.
    OriginalMissing,
    /// This client has caused its minute's renders.
    TooManyRenders,
    Internal(String),
}

/// Seconds a client may wait before retrying a busy service.
const RETRY_AFTER_SECONDS: &str = "1";

/// Seconds to wait before asking again for a picture whose store is down.
const STORE_RETRY_AFTER_SECONDS: &str = "5";

impl ImageError {
    pub(super) fn info(&self) -> ErrorInfo {
        let (status, code, message) = match self {
            ImageError::BadParameter(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            ImageError::BadSource(m) => (StatusCode::BAD_REQUEST, "bad_source", m.clone()),
            ImageError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m.clone()),
            ImageError::Refused(m) => (StatusCode::FORBIDDEN, "forbidden", m.clone()),
            ImageError::Upstream(m) => (StatusCode::BAD_GATEWAY, "upstream", m.clone()),
            ImageError::Timeout => (
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                "The origin did not answer in time".to_string(),
            ),
            ImageError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "The image service is busy; try again shortly".to_string(),
            ),
            ImageError::StoreDown(why) => {
                crate::error::store_down(why);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "media_store_unavailable",
                    "The picture's original cannot be read just now; try again shortly".to_string(),
                )
            }
            ImageError::OriginalMissing => (
                StatusCode::SERVICE_UNAVAILABLE,
                "original_missing",
                "The picture's original is not in the media store just now; try again shortly"
                    .to_string(),
            ),
            ImageError::TooManyRenders => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_renders",
                "Too many new image sizes were asked for from this address; try again in a minute"
                    .to_string(),
            ),
            ImageError::Internal(m) => {
                tracing::error!(
                    error = %m,
                    "image service failure; the reader got a 500 for this picture: report it \
                     with this line and the picture's address"
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "The image could not be produced".to_string(),
                )
            }
        };
        ErrorInfo {
            status,
            code,
            message,
        }
    }

    /// Seconds the answer may be kept, if at all.
    pub fn max_age(&self) -> Option<u32> {
        match self {
            ImageError::BadParameter(_) => Some(31_536_000),
            ImageError::BadSource(_) | ImageError::NotFound(_) | ImageError::Refused(_) => {
                Some(300)
            }
            ImageError::Upstream(_) | ImageError::Timeout => Some(30),
            ImageError::Busy
            | ImageError::StoreDown(_)
            | ImageError::OriginalMissing
            | ImageError::TooManyRenders
            | ImageError::Internal(_) => None,
        }
    }
}

impl IntoResponse for ImageError {
    fn into_response(self) -> Response {
        let mut response = self.info().json_response();
        let headers = response.headers_mut();
        let cache = match self.max_age() {
            Some(seconds) => format!("public, max-age={seconds}"),
            None => "no-store".to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&cache) {
            headers.insert(header::CACHE_CONTROL, value);
        }
        let retry_after = match self {
            ImageError::Busy => Some(RETRY_AFTER_SECONDS),
            ImageError::StoreDown(_) | ImageError::OriginalMissing => {
                Some(STORE_RETRY_AFTER_SECONDS)
            }
            ImageError::TooManyRenders => Some("60"),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static(seconds));
        }
        response
    }
}
