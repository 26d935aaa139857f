//! The feed handlers: every URL shape WordPress uses for a feed answers here, and the result
//! goes through the page cache like a page (ETag, Last-Modified, 304).

use std::borrow::Cow;
use std::collections::HashMap;

use axum::extract::{OriginalUri, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::document::{self, Format};
use super::render;
use super::robots;
use super::sitemaps::{self, Part};
use crate::articles::cache_names;
use crate::articles::service as articles;
use crate::articles::slug;
use crate::articles::syndication::{self, Scope};
use crate::cache::{Shows, Tag};
use crate::error::{AppError, PageError, PageResult};
use crate::search::SEARCH_PATH;
use crate::site::{layout, redirects};
use crate::state::AppState;
use crate::web::page_key::page_key;
use crate::web::{Cacheable, PUBLIC_CACHE_CONTROL};

/// The deepest feed page served: past it a client is walking a list no reader reads.
const LAST_PAGE: i64 = 10_000;

#[derive(Deserialize, Default)]
pub struct FeedQuery {
    paged: Option<String>,
}

impl FeedQuery {
    /// `?paged=N`, WordPress's page of a feed; 404 for anything but a plain page number.
    fn page(&self) -> Result<i64, AppError> {
        let Some(raw) = self.paged.as_deref() else {
            return Ok(1);
        };
        raw.parse::<i64>()
            .ok()
            .filter(|n| (1..=LAST_PAGE).contains(n) && !raw.starts_with(['0', '+']))
            .ok_or_else(|| AppError::not_found("there is no such page of this feed"))
    }
}

/// Every feed: the route's parameters name the list (`section`, `tag` or `author`, none for
/// the whole site) and, optionally, the format (`kind`).
pub async fn feed(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(params): Path<HashMap<String, String>>,
    Query(query): Query<FeedQuery>,
) -> PageResult<Response> {
    let kind = params.get("kind").map_or("", String::as_str);
    let format =
        Format::parse(kind).ok_or_else(|| AppError::not_found("there is no such kind of feed"))?;
    let scope = match (
        params.get("section"),
        params.get("tag"),
        params.get("author"),
    ) {
        (Some(slug), _, _) => Scope::Section(slug),
        (_, Some(slug), _) => Scope::Tag(slug),
        (_, _, Some(slug)) => Scope::Author(slug),
        _ => Scope::Site,
    };
    let page = query.page()?;
    let site = layout::layout(&state).await?;
    let now = state.clock.now();
    let followed = syndication::follow(&state.db, scope).await?;
    let found = syndication::entries(&state.db, now, followed.listing, site.site.feed_items, page)
        .await?
        .ok_or_else(|| AppError::not_found("this feed has no page that far back"))?;
    let shows = Shows::only(
        found
            .entries
            .iter()
            .map(|e| cache_names::card(e.card.id))
            .chain([followed.listing.cache_name()]),
    );
    let feed = document::build(
        &site.site,
        &followed,
        format,
        page,
        found.has_next,
        found.entries,
        now,
    );
    let body = render::render(&state.templates, &site.site, &feed, format)?;
    Ok(cacheable(
        body,
        format.content_type(),
        Some(feed.updated),
        page_key(&uri, &["paged"]),
        shows,
    ))
}

/// A public document that is not a page (a feed, a sitemap, robots.txt), marked so the page
/// cache keeps it under `key` (its [`page_key`]) like a page, until a change reaches what it
/// `shows`.
fn cacheable(
    body: String,
    content_type: &'static str,
    last_modified: Option<crate::db::Timestamp>,
    key: Option<Cow<'_, str>>,
    shows: Shows,
) -> Response {
    let key = key.map(Cow::into_owned);
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PUBLIC_CACHE_CONTROL),
    );
    response.extensions_mut().insert(Cacheable {
        last_modified,
        key,
        shows,
    });
    response
}

const XML: &str = "application/xml; charset=utf-8";

pub async fn sitemap_index(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
) -> PageResult<Response> {
    let site = layout::layout(&state).await?;
    let (xml, newest) = sitemaps::index(&state.db, &site.site, state.clock.now()).await?;
    Ok(sitemap(xml, Some(newest), &uri))
}

pub async fn sitemap_part(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(name): Path<String>,
) -> PageResult<Response> {
    let part = Part::parse(&name).ok_or_else(|| AppError::not_found("there is no such sitemap"))?;
    let site = layout::layout(&state).await?;
    let xml = sitemaps::part(&state.db, &site.site, state.clock.now(), part).await?;
    Ok(sitemap(xml, None, &uri))
}

pub async fn news_sitemap(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
) -> PageResult<Response> {
    let site = layout::layout(&state).await?;
    let (xml, newest) = sitemaps::news(&state.db, &site.site, state.clock.now()).await?;
    Ok(sitemap(xml, Some(newest), &uri))
}

/// A sitemap, kept like a page. It shows every public article with its last change, headline
/// and lead image, the lists that hold any, and pages (whose writes change everything): what
/// [`Tag::SITEMAPS`] names.
fn sitemap(xml: String, newest: Option<crate::db::Timestamp>, uri: &Uri) -> Response {
    let shows = Shows::only([Tag::SITEMAPS]);
    cacheable(xml, XML, newest, page_key(uri, &[]), shows)
}

/// WordPress's own sitemap address, for sites that moved here.
pub async fn wordpress_sitemap() -> Response {
    moved_permanently("/sitemap.xml")
}

pub async fn robots_txt(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
) -> PageResult<Response> {
    let site = layout::layout(&state).await?;
    let text = robots::robots_txt(&site.site);
    // Made from the site's settings alone, which only a change to everything reaches.
    Ok(cacheable(
        text,
        "text/plain; charset=utf-8",
        None,
        page_key(&uri, &[]),
        Shows::only([]),
    ))
}

/// WordPress's query links on the site's pages: `?feed=rss2` (or `atom`, `json`,
/// `comments-rss2`) moves permanently to the feed's own address, and `/?p=ID` to the article.
/// Other pages and parameters pass through.
pub async fn wordpress_queries(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match wordpress_target(&state, request.uri()).await {
        Ok(Some(target)) => moved_permanently(&target),
        Ok(None) => next.run(request).await,
        Err(e) => PageError(e).into_response(),
    }
}

/// A 301, as WordPress answers these, rather than axum's 308.
fn moved_permanently(target: &str) -> Response {
    match HeaderValue::from_str(target) {
        Ok(location) => (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => PageError(AppError::not_found("there is no such page")).into_response(),
    }
}

async fn wordpress_target(state: &AppState, uri: &Uri) -> Result<Option<String>, AppError> {
    let Some(query) = uri.query() else {
        return Ok(None);
    };
    let path = uri.path();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "feed" => return feed_target(path, &value),
            "s" if path == "/" => {
                let mut target = form_urlencoded::Serializer::for_suffix(
                    format!("{SEARCH_PATH}?"),
                    SEARCH_PATH.len() + 1,
                );
                target.append_pair("q", &value);
                return Ok(Some(target.finish()));
            }
            "p" | "page_id" | "cat" | "tag" | "author" | "attachment_id" if path == "/" => {
                let tz = layout::layout(state).await?.site.tz;
                let old = format!("/?{name}={value}");
                let now = state.clock.now();
                if let Some(target) = redirects::resolve(&state.db, now, tz, &old).await? {
                    return Ok(Some(target));
                }
                match name.as_ref() {
                    "p" => {}
                    "tag" => return Ok(Some(format!("/tag/{}", slug::slugify(&value)))),
                    _ => return Err(AppError::not_found("there is no such page")),
                }
                let id = value
                    .parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0 && !value.starts_with('+'));
                let Some(id) = id else {
                    return Err(AppError::not_found("there is no such article"));
                };
                let found = articles::permalink(&state.db, now, tz, id).await?;
                return found
                    .map(Some)
                    .ok_or_else(|| AppError::not_found("there is no such article"));
            }
            _ => {}
        }
    }
    Ok(None)
}

/// Where `?feed=NAME` on `path` leads: the site's or a list's feed, or the comments feed of
/// the site (`comments-rss2` on the home page) or of an article (any feed on an article).
fn feed_target(path: &str, name: &str) -> Result<Option<String>, AppError> {
    let segments = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .count();
    let list = path == "/"
        || segments == 1
        || (segments == 2 && (path.starts_with("/tag/") || path.starts_with("/author/")));
    let unknown = || AppError::not_found("there is no such kind of feed");
    if segments == 4 {
        return Ok(Some(format!("{}/feed", path.trim_end_matches('/'))));
    }
    if !list {
        return Ok(None);
    }
    if name.starts_with("comments-") {
        return if path == "/" {
            Ok(Some("/comments/feed".into()))
        } else {
            Err(unknown())
        };
    }
    let format = Format::parse(name)
        .filter(|_| !name.is_empty())
        .ok_or_else(unknown)?;
    Ok(Some(document::feed_path(path, format)))
}
