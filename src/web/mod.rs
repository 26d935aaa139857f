//! Shared HTTP plumbing: the public page response, the page cache and its keys, security
//! headers, themed error pages, static assets, request ids, and the connections that send cached
//! pages with sendfile.

pub mod assets;
pub mod client;
pub mod error_pages;
pub mod form;
pub mod listen;
pub mod page_cache;
pub mod page_key;
pub mod query;
pub mod request_id;
pub mod sealed;
pub mod security;
pub mod sendfile;
pub mod session;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::cache::Shows;
use crate::db::Timestamp;

/// How long browsers and CDNs may keep a public page before asking again. Short, because news
/// changes; `stale-while-revalidate` keeps a CDN serving while it refetches.
pub const PUBLIC_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";

/// A rendered public page. It carries nothing per visitor, so the page cache and any CDN may
/// keep it; `last_modified` is the newest change among the things it shows.
pub struct Page {
    pub html: String,
    pub last_modified: Option<Timestamp>,
    /// The [`page_key::page_key`] of what the page was built from; `None` keeps it out of the
    /// page cache.
    pub key: Option<String>,
    /// What the page shows, so a change to anything else leaves it cached.
    pub shows: Shows,
}

/// Marks a response as a public page the page cache may store under `key`, until a change
/// reaches what it `shows`.
#[derive(Clone, Debug)]
pub struct Cacheable {
    pub last_modified: Option<Timestamp>,
    pub key: Option<String>,
    pub shows: Shows,
}

/// An HTML page with its caching rule: `PUBLIC_CACHE_CONTROL`, or `no-store` for a page that
/// belongs to one reader.
pub fn html_response(status: StatusCode, html: String, cache_control: &'static str) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = html_response(StatusCode::OK, self.html, PUBLIC_CACHE_CONTROL);
        response.extensions_mut().insert(Cacheable {
            last_modified: self.last_modified,
            key: self.key,
            shows: self.shows,
        });
        response
    }
}
