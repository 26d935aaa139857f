//! Serving stored media files. Their names are content hashes, so they never change and may be
//! cached for a year.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::files::{content_type, is_media_path};
use crate::error::{AppError, PageError};
use crate::state::AppState;

pub async fn file(
    State(state): State<AppState>,
    Path(path): Path<String>,
    request_headers: HeaderMap,
) -> Result<Response, PageError> {
    if !is_media_path(&path) {
        return Err(AppError::not_found("there is no such file").into());
    }
    let etag = format!("\"{}\"", path.rsplit('/').next().unwrap_or(&path));
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        if request_headers.get(header::IF_NONE_MATCH) == Some(&v) {
            headers.insert(header::ETAG, v);
            return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
        }
        headers.insert(header::ETAG, v);
    }
    let bytes = state.media.read(&path).await?;
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&path)),
    );
    Ok((headers, bytes).into_response())
}
