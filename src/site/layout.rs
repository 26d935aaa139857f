//! What every page shares — site settings, section navigation, asset fingerprint — and the one
//! function that renders a page inside it. The layout is kept until something every page shows
//! changes, so a page render costs no settings or navigation query.

use std::sync::{Arc, OnceLock, RwLock};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::settings::{self, SiteSettings};
use crate::articles;
use crate::cache::{Changes, Shows, TaggedCache};
use crate::db::Timestamp;
use crate::error::{AppError, PageError, PageResult};
use crate::state::AppState;
use crate::web::Page;

#[derive(Debug, Serialize)]
pub struct Layout {
    pub site: SiteSettings,
    pub nav: Vec<NavLink>,
    /// The editors' links for the header, after the sections, and for the footer.
    pub header_menu: Vec<super::menus::MenuLink>,
    pub footer_menu: Vec<super::menus::MenuLink>,
    pub asset_v: String,
    /// Every section, subsections too, for the pages that offer them as choices (the search
    /// page's filter) without a query of their own.
    #[serde(skip)]
    pub sections: Vec<articles::service::Section>,
    #[serde(skip)]
    value: OnceLock<Value>,
}

impl Layout {
    /// The layout as a template value, converted once for all the pages rendered with it
    /// rather than built and dropped again, settings, navigation and menus, for every render.
    fn value(&self) -> Value {
        self.value.get_or_init(|| Value::from(Serde(self))).clone()
    }
}

#[derive(Debug, Serialize)]
pub struct NavLink {
    pub name: String,
    pub slug: String,
    pub url: String,
}

/// The head of a page: title, description, canonical URL and social cards.
#[derive(Debug, Default, Serialize)]
pub struct Meta {
    pub title: String,
    pub og_title: String,
    pub description: String,
    /// Absolute; filled in from the page's path when it is rendered.
    pub canonical: String,
    pub og_type: &'static str,
    pub image: Option<MetaImage>,
    pub noindex: bool,
    pub current_section: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// The page's own feed (a section's, tag's or author's), for autodiscovery beside the
    /// site's.
    pub feed: Option<FeedLink>,
}

#[derive(Debug, Serialize)]
pub struct FeedLink {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct MetaImage {
    pub url: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
}

/// What rendering keeps: the shared layout (until a change to everything), and each page's
/// prepared template context (until a change reaches what the page shows). With both, a
/// page-cache miss (or the page cache turned off) costs only the template's execution: no query,
/// no view building, no serialisation.
pub struct RenderCache {
    layout: RwLock<Option<(u64, Arc<Layout>)>>,
    contexts: Arc<TaggedCache<Arc<Prepared>>>,
}

impl RenderCache {
    pub fn new(budget_bytes: usize, changes: &Arc<Changes>) -> Self {
        RenderCache {
            layout: RwLock::new(None),
            contexts: TaggedCache::new(budget_bytes, changes),
        }
    }
}

/// A page's template context, converted to minijinja values once.
pub struct Prepared {
    context: Value,
    last_modified: Option<Timestamp>,
    shows: Shows,
}

pub async fn layout(state: &AppState) -> Result<Arc<Layout>, AppError> {
    let generation = state.db.changes().everything_seq();
    if let Ok(guard) = state.render_cache.layout.read()
        && let Some((g, layout)) = guard.as_ref()
        && *g == generation
    {
        return Ok(layout.clone());
    }
    let site = settings::load(&state.db).await?;
    let sections = articles::service::sections(&state.db).await?;
    let nav = sections
        .iter()
        .filter(|s| s.parent_id.is_none())
        .map(|s| NavLink {
            url: format!("/{}", s.slug),
            name: s.name.clone(),
            slug: s.slug.clone(),
        })
        .collect();
    let header_menu = super::menus::load(&state.db, super::menus::Menu::Header).await?;
    let footer_menu = super::menus::load(&state.db, super::menus::Menu::Footer).await?;
    let layout = Arc::new(Layout {
        site,
        nav,
        header_menu,
        footer_menu,
        asset_v: state.templates.asset_version().to_string(),
        sections,
        value: OnceLock::new(),
    });
    if let Ok(mut guard) = state.render_cache.layout.write() {
        *guard = Some((generation, layout.clone()));
    }
    Ok(layout)
}

/// The site's time zone, for handlers that show or read local times: taken from the layout
/// kept until a change to everything, so it costs no query.
pub struct TimeZone(pub chrono_tz::Tz);

impl FromRequestParts<AppState> for TimeZone {
    type Rejection = PageError;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        Ok(TimeZone(layout(state).await?.site.tz))
    }
}

#[derive(Serialize)]
struct Context<'a, T: Serialize> {
    layout: Value,
    meta: &'a Meta,
    page: &'a T,
}

/// The outcome of looking for a page's prepared context.
pub enum Prepare {
    /// Rendered from the kept context.
    Ready(Page),
    /// Not kept: build the page's data and call [`render_fresh`] with this ticket.
    Build(Ticket),
}

/// Remembers the key and the change count seen before the page's data was read, so a context
/// built from data that changed meanwhile is not kept.
pub struct Ticket {
    key: Option<String>,
    since: u64,
}

/// What a handler built for a page: its path (for the canonical link), head and data, and what
/// it shows (the articles, lists and pages a change to which makes it out of date).
pub struct Built<T> {
    pub path: String,
    pub meta: Meta,
    pub page: T,
    pub last_modified: Option<Timestamp>,
    pub shows: Shows,
}

/// Renders `template` from the context kept under `key` (the request's
/// [`page_key`](crate::web::page_key::page_key)), if any. A page without a key is built every
/// time and not kept.
pub fn prepared(state: &AppState, template: &str, key: Option<&str>) -> PageResult<Prepare> {
    let since = state.db.generation();
    let kept = key.and_then(|key| state.render_cache.contexts.get(key));
    match kept {
        Some(prepared) => Ok(Prepare::Ready(render(state, template, &prepared, key)?)),
        None => Ok(Prepare::Build(Ticket {
            key: key.map(str::to_string),
            since,
        })),
    }
}

/// Renders a freshly built page inside the shared layout and keeps its context for next time.
pub async fn render_fresh<T: Serialize>(
    state: &AppState,
    template: &str,
    ticket: Ticket,
    built: Built<T>,
) -> PageResult<Page> {
    let layout = layout(state).await?;
    let mut meta = built.meta;
    finish_meta(&mut meta, &layout, &built.path);
    let context = Value::from(Serde(Context {
        layout: layout.value(),
        meta: &meta,
        page: &built.page,
    }));
    let prepared = Arc::new(Prepared {
        context,
        last_modified: built.last_modified,
        shows: built.shows,
    });
    let page = render(state, template, &prepared, ticket.key.as_deref())?;
    if let Some(key) = ticket.key {
        let size = page.html.len() * 2;
        let shows = prepared.shows.clone();
        state
            .render_cache
            .contexts
            .insert(&key, ticket.since, prepared, size, shows);
    }
    Ok(page)
}

fn render(
    state: &AppState,
    template: &str,
    prepared: &Prepared,
    key: Option<&str>,
) -> PageResult<Page> {
    Ok(Page {
        html: state
            .templates
            .render_value(template, prepared.context.clone())?,
        last_modified: prepared.last_modified,
        key: key.map(str::to_string),
        shows: prepared.shows.clone(),
    })
}

/// Renders with an already-loaded layout, for error pages (which must not fail again).
pub fn render_with(
    state: &AppState,
    layout: &Layout,
    template: &str,
    path: &str,
    mut meta: Meta,
    page: &impl Serialize,
) -> anyhow::Result<String> {
    finish_meta(&mut meta, layout, path);
    state.templates.render(
        template,
        &Context {
            layout: layout.value(),
            meta: &meta,
            page,
        },
    )
}

fn finish_meta(meta: &mut Meta, layout: &Layout, path: &str) {
    if meta.og_title.is_empty() {
        meta.og_title = meta.title.clone();
    }
    meta.title = if meta.title.is_empty() {
        layout.site.name.clone()
    } else {
        format!("{} | {}", meta.title, layout.site.name)
    };
    if meta.og_type.is_empty() {
        meta.og_type = "website";
    }
    meta.canonical = absolute(&layout.site.base_url, path);
    if layout.site.discourage_search {
        meta.noindex = true;
    }
    if meta.description.is_empty() {
        meta.description = layout.site.description.clone();
    }
}

/// Joins the site's base URL and a path.
pub fn absolute(base_url: &str, path: &str) -> String {
    format!("{}{}", base_url.trim_end_matches('/'), path)
}
