//! Pages as readers see them.

use axum::extract::{OriginalUri, Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::service;
use crate::cache::{Shows, Tag};
use crate::error::{AppError, PageResult};
use crate::site::layout::{self, Built, Meta, Prepare};
use crate::state::AppState;
use crate::web::error_pages::NOT_FOUND;
use crate::web::page_key::page_key;

#[derive(Serialize)]
struct PageView {
    title: String,
    body_html: String,
    parent: Option<ParentView>,
}

#[derive(Serialize)]
struct ParentView {
    title: String,
    url: String,
}

/// `/{parent}/{slug}`.
pub async fn nested(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((parent, slug)): Path<(String, String)>,
) -> PageResult<Response> {
    render(&state, &uri, Some(&parent), &slug).await
}

/// `/{slug}` when no section has the slug: the section route's second choice.
pub async fn top(state: &AppState, uri: &Uri, slug: &str) -> PageResult<Response> {
    render(state, uri, None, slug).await
}

async fn render(
    state: &AppState,
    uri: &Uri,
    parent: Option<&str>,
    slug: &str,
) -> PageResult<Response> {
    let http_key = page_key(uri, &[]).map(|k| k.into_owned());
    // Kept apart from a section's context at the same address, which the section route looks
    // for first.
    let key = http_key.as_ref().map(|k| format!("page:{k}"));
    let ticket = match layout::prepared(state, "page.html", key.as_deref())? {
        Prepare::Ready(mut page) => {
            page.key = http_key;
            return Ok(page.into_response());
        }
        Prepare::Build(ticket) => ticket,
    };
    let page = service::public(&state.db, state.clock.now(), parent, slug)
        .await?
        .ok_or_else(|| AppError::not_found(NOT_FOUND))?;
    let parent_view = match page.parent_id {
        Some(id) => {
            let parent = service::page(&state.db, id).await?;
            Some(ParentView {
                url: parent.path(),
                title: parent.title,
            })
        }
        None => None,
    };
    let meta = Meta {
        title: if page.seo_title.is_empty() {
            page.title.clone()
        } else {
            page.seo_title.clone()
        },
        og_title: page.title.clone(),
        description: page.seo_description.clone(),
        ..Meta::default()
    };
    let built = Built {
        path: page.path(),
        meta,
        last_modified: Some(page.updated_at),
        // A page's writes change everything (its path and menu place follow its parents'), so
        // naming the page itself is enough.
        shows: Shows::only([Tag::page(page.id)]),
        page: PageView {
            title: page.title,
            body_html: page.body_html,
            parent: parent_view,
        },
    };
    let mut rendered = layout::render_fresh(state, "page.html", ticket, built).await?;
    rendered.key = http_key;
    Ok(rendered.into_response())
}
