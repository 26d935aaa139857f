//! What every page shares — site settings, section navigation, asset fingerprint — and the one
//! function that renders a page inside it. The layout is kept per content generation, so a page
//! render costs no settings or navigation query.

use std::sync::{Arc, RwLock};

use serde::Serialize;

use super::settings::{self, SiteSettings};
use crate::app::AppState;
use crate::articles;
use crate::db::Timestamp;
use crate::error::{AppError, PageResult};
use crate::web::Page;

#[derive(Debug, Serialize)]
pub struct Layout {
    pub site: SiteSettings,
    pub nav: Vec<NavLink>,
    pub asset_v: String,
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
    /// Absolute; filled in by [`render_page`] from the path.
    pub canonical: String,
    pub og_type: &'static str,
    pub image: Option<MetaImage>,
    pub noindex: bool,
    pub current_section: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MetaImage {
    pub url: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
}

#[derive(Default)]
pub struct LayoutCache {
    current: RwLock<Option<(u64, Arc<Layout>)>>,
}

pub async fn layout(state: &AppState) -> Result<Arc<Layout>, AppError> {
    let generation = state.db.generation();
    if let Ok(guard) = state.layout_cache.current.read() {
        if let Some((g, layout)) = guard.as_ref() {
            if *g == generation {
                return Ok(layout.clone());
            }
        }
    }
    let site = settings::load(&state.db).await?;
    let nav = articles::service::sections(&state.db)
        .await?
        .into_iter()
        .filter(|s| s.parent_id.is_none())
        .map(|s| NavLink {
            url: format!("/{}", s.slug),
            name: s.name,
            slug: s.slug,
        })
        .collect();
    let layout = Arc::new(Layout {
        site,
        nav,
        asset_v: state.templates.asset_version().to_string(),
    });
    if let Ok(mut guard) = state.layout_cache.current.write() {
        *guard = Some((generation, layout.clone()));
    }
    Ok(layout)
}

#[derive(Serialize)]
struct Context<'a, T: Serialize> {
    layout: &'a Layout,
    meta: &'a Meta,
    page: &'a T,
}

/// Renders `template` with the shared layout. `path` is the page's own path, made absolute for
/// the canonical link; the title gets the site name appended.
pub async fn render_page<T: Serialize>(
    state: &AppState,
    template: &str,
    path: &str,
    mut meta: Meta,
    page: &T,
    last_modified: Option<Timestamp>,
) -> PageResult<Page> {
    let layout = layout(state).await?;
    finish_meta(&mut meta, &layout, path);
    let html = state.templates.render(
        template,
        &Context {
            layout: &layout,
            meta: &meta,
            page,
        },
    )?;
    Ok(Page {
        html,
        last_modified,
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
            layout,
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
    if meta.description.is_empty() {
        meta.description = layout.site.description.clone();
    }
}

/// Joins the site's base URL and a path.
pub fn absolute(base_url: &str, path: &str) -> String {
    format!("{}{}", base_url.trim_end_matches('/'), path)
}
