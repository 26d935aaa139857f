//! HTTP for the image service: `raw`, `metadata` and `debug` under our path and Origami's.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::errors::ImageError;
use super::service::{Answer, Asker};
use crate::state::AppState;
use crate::web::client::ClientIp;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// WebP standing in while the AVIF renders: ask again soon.
const INTERIM: &str = "public, max-age=60";
/// Remote originals may change; a week, as Origami's browser caching.
const REMOTE: &str = "public, max-age=604800, stale-while-revalidate=604800, stale-if-error=604800";
/// An unpublished item through a signed URL: for that browser alone, and not for long.
const PRIVATE: &str = "private, max-age=3600";

pub async fn image(
    State(state): State<AppState>,
    Path((mode, source)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    ClientIp(client): ClientIp,
    request: HeaderMap,
) -> Result<Response, ImageError> {
    let query = query.unwrap_or_default();
    let asker = Asker {
        query: &query,
        client: &client,
        accept: request
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("*/*"),
        now: state.clock.now(),
    };
    let images = &state.images;
    match mode.to_ascii_lowercase().as_str() {
        "raw" => {
            let answer = images.raw(&state.db, &state.media, &source, &asker).await?;
            Ok(raw_response(&answer, &request))
        }
        "metadata" => {
            let answer = images.raw(&state.db, &state.media, &source, &asker).await?;
            let body = Metadata {
                dpr: answer.dpr.unwrap_or(1.0),
                r#type: answer.output.content_type(),
                width: answer.variant.width,
                height: answer.variant.height,
                bytes: answer.variant.bytes.len(),
            };
            Ok(with_common_headers(
                Json(body).into_response(),
                &answer,
                false,
            ))
        }
        "debug" => {
            let debug = images
                .debug(&state.db, &state.media, &source, &asker)
                .await?;
            Ok(Json(debug).into_response())
        }
        _ => Err(ImageError::NotFound(
            "Image modes are raw, metadata and debug".into(),
        )),
    }
}

#[derive(Serialize)]
struct Metadata {
    dpr: f64,
    r#type: &'static str,
    width: u32,
    height: u32,
    bytes: usize,
}

fn raw_response(answer: &Answer, request: &HeaderMap) -> Response {
    let etag = HeaderValue::from_str(&answer.etag).ok();
    let fresh = etag
        .as_ref()
        .is_some_and(|tag| request.get(header::IF_NONE_MATCH) == Some(tag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, answer.output.content_type())],
            answer.variant.bytes.clone(),
        )
            .into_response()
    };
    if let Some(tag) = etag {
        response.headers_mut().insert(header::ETAG, tag);
    }
    with_common_headers(response, answer, true)
}

fn with_common_headers(mut response: Response, answer: &Answer, image: bool) -> Response {
    let headers = response.headers_mut();
    let cache = if answer.private {
        PRIVATE
    } else if answer.interim {
        INTERIM
    } else if answer.immutable && image {
        IMMUTABLE
    } else {
        REMOTE
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert("timing-allow-origin", HeaderValue::from_static("*"));
    if let Some(dpr) = answer.dpr
        && let Ok(value) = HeaderValue::from_str(&dpr.to_string())
    {
        headers.insert("content-dpr", value);
    }
    response
}
