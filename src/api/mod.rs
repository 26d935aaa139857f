//! The JSON Admin API at `/api/v1`, for integrations. Personal access tokens act with their
//! owner's role; errors are `{"error":{"code","message"}}` with the right status; every route
//! is described in the OpenAPI document at `/api/v1/openapi.json`.

mod articles;
mod extract;
mod media;
pub mod openapi;
mod taxonomy;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use serde::Serialize;

use crate::error::AppError;
use crate::state::AppState;

/// JSON bodies are small; uploads have their own limit.
const JSON_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Declares the routes once, so the OpenAPI test can compare them with the document.
macro_rules! api_routes {
    ($($path:literal => $router:expr),* $(,)?) => {
        /// Every path the API serves.
        pub const PATHS: &[&str] = &[$($path),*];

        fn json_routes() -> Router<AppState> {
            Router::new()$(.route($path, $router))*
        }
    };
}

api_routes! {
    "/api/v1/openapi.json" => get(openapi::document),
    "/api/v1/articles" => get(articles::list).post(articles::create),
    "/api/v1/articles/{id}" => get(articles::show).patch(articles::update).delete(articles::delete),
    "/api/v1/sections" => get(taxonomy::list_sections).post(taxonomy::create_section),
    "/api/v1/sections/{id}" => get(taxonomy::show_section).patch(taxonomy::update_section).delete(taxonomy::delete_section),
    "/api/v1/tags" => get(taxonomy::list_tags).post(taxonomy::create_tag),
    "/api/v1/tags/{id}" => get(taxonomy::show_tag).patch(taxonomy::update_tag).delete(taxonomy::delete_tag),
    "/api/v1/authors" => get(taxonomy::list_authors).post(taxonomy::create_author),
    "/api/v1/authors/{id}" => get(taxonomy::show_author).patch(taxonomy::update_author).delete(taxonomy::delete_author),
    "/api/v1/media/{id}" => get(media::show).patch(media::update).delete(media::delete),
}

pub fn routes(upload_bytes: usize) -> Router<AppState> {
    let uploads = Router::new()
        .route("/api/v1/media", get(media::list).post(media::upload))
        .layer(DefaultBodyLimit::max(upload_bytes + 64 * 1024));
    json_routes()
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .merge(uploads)
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
}

/// The media list and upload path, served beside [`PATHS`] with the upload size limit.
pub const UPLOAD_PATH: &str = "/api/v1/media";

async fn not_found() -> AppError {
    AppError::not_found("there is no such API endpoint; see /api/v1/openapi.json")
}

/// One page of a list.
#[derive(Serialize)]
pub struct Page<T> {
    data: Vec<T>,
    page: i64,
    per_page: i64,
    total: i64,
    total_pages: i64,
}

/// Pagination parameters: `page` from 1, `per_page` from 1 to 100 (20 by default).
pub struct PageQuery;

impl PageQuery {
    fn resolve(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), AppError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(20);
        if page < 1 || !(1..=100).contains(&per_page) {
            return Err(AppError::BadRequest(
                "page starts at 1, and per_page is from 1 to 100".into(),
            ));
        }
        Ok((page, per_page))
    }
}
