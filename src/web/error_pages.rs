//! Renders errors from page handlers with the theme's error page, so a reader who meets a 404 or
//! a 410 is still on the site. Internal errors show only a reference (the request id), never
//! the cause, which was logged once where it happened.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{AppError, ErrorInfo, PageError};
use crate::site::layout::{self, Meta};
use crate::site::redirects;
use crate::state::AppState;

#[derive(Serialize)]
struct ErrorView {
    status: u16,
    title: &'static str,
    message: String,
    reference: Option<String>,
}

pub async fn render(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    let address = request
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |pq| pq.as_str().to_string());
    let reference = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    if readable
        && info.status == StatusCode::NOT_FOUND
        && let Some(moved) = moved(&state, &address).await
    {
        return moved;
    }
    let Ok(site_layout) = layout::layout(&state).await else {
        return response;
    };
    let internal = info.status == StatusCode::INTERNAL_SERVER_ERROR;
    let view = ErrorView {
        status: info.status.as_u16(),
        title: title(info.status),
        message: if internal {
            "Something went wrong on our side. Please try again in a moment.".into()
        } else {
            sentence(&info.message)
        },
        reference: reference.filter(|_| internal),
    };
    let meta = Meta {
        title: view.title.to_string(),
        noindex: true,
        ..Meta::default()
    };
    match layout::render_with(&state, &site_layout, "error.html", &path, meta, &view) {
        Ok(html) => {
            let mut page = (info.status, html).into_response();
            let headers = page.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            let passing = [
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::SERVICE_UNAVAILABLE,
            ];
            let cache = if internal || passing.contains(&info.status) {
                "no-store"
            } else {
                "public, max-age=60"
            };
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            for name in [header::LOCATION, header::RETRY_AFTER, header::ALLOW] {
                if let Some(v) = response.headers().get(&name) {
                    headers.insert(name, v.clone());
                }
            }
            page
        }
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                "the error page itself failed to render; the reader got a plain-text error: \
                 check the theme's error.html"
            );
            response
        }
    }
}

/// A 301 to where the content once at `address` is now, when it moved (see
/// [`crate::site::redirects`]).
async fn moved(state: &AppState, address: &str) -> Option<Response> {
    let tz = layout::layout(state).await.ok()?.site.tz;
    let found = redirects::resolve(&state.db, state.clock.now(), tz, address).await;
    let target = match found {
        Ok(target) => target?,
        Err(e) => {
            e.log_failure(
                "cannot look up an old address; the reader got a 404 instead of its redirect",
            );
            return None;
        }
    };
    let location = HeaderValue::from_str(&target).ok()?;
    Some(
        (
            StatusCode::MOVED_PERMANENTLY,
            [
                (header::LOCATION, location),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                ),
            ],
        )
            .into_response(),
    )
}

/// Everything the router does not know is a themed 404.
/// What a reader is told for an address that names nothing: the same whichever route missed, so
/// a mistyped path never reads as "no such section".
pub const NOT_FOUND: &str =
    "We could not find that page. It may have moved, or the address may be mistyped.";

pub async fn not_found() -> PageError {
    PageError(AppError::not_found(NOT_FOUND))
}

fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Bad request",
        401 => "Please sign in",
        403 => "Not allowed",
        404 => "Page not found",
        405 => "Method not allowed",
        410 => "This article has been removed",
        413 => "Too large",
        422 => "Please check your input",
        429 => "Too many requests",
        501 => "Not available yet",
        503 => "Temporarily unavailable",
        _ if status.is_server_error() => "Something went wrong",
        _ => "Error",
    }
}

/// Makes a service message read as a sentence on the page.
fn sentence(message: &str) -> String {
    let mut s = message.trim().to_string();
    if let Some(first) = s.get(0..1) {
        let upper = first.to_uppercase();
        s.replace_range(0..1, &upper);
    }
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}
