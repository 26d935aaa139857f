//! The theme's static files. URLs carry the theme fingerprint (`?v=`), so a matching request may
//! be cached for a year; anything else gets a short lifetime and an ETag.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, PageError};
use crate::state::AppState;

pub async fn serve(
    State(state): State<AppState>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    request_headers: HeaderMap,
) -> Result<Response, PageError> {
    let asset = state
        .templates
        .asset(&path)
        .ok_or_else(|| AppError::not_found("there is no such file"))?;
    let fingerprinted = query.as_deref() == Some(&format!("v={}", state.templates.asset_version()));
    let cache_control = if fingerprinted {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let etag = HeaderValue::from_str(&asset.etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(header::ETAG, etag.clone());
    if request_headers.get(header::IF_NONE_MATCH) == Some(&etag) {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    Ok((headers, asset.bytes.clone()).into_response())
}
