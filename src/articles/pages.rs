//! Handlers of the public article pages: they read the request, ask the service, and render.
//! Each first asks the render cache for the page's prepared context, and reads the database only
//! when it has none for the current content generation.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::cache_names;
use super::service::{self, Listing, Lookup, Paged};
use super::views::{self, ListView};
use crate::cache::{Shows, Tag};
use crate::comments::service::{self as comments, DiscussionQuery};
use crate::db::Timestamp;
use crate::error::{AppError, PageResult};
use crate::feeds;
use crate::fronts::{self, FrontKey};
use crate::search;
use crate::site::layout::TimeZone;
use crate::site::layout::{self, Built, FeedLink, Meta, Prepare, Ticket};
use crate::state::AppState;
use crate::web::page_key::page_key;
use crate::web::query::PageParam;

/// Either the page rendered from its kept context, or the ticket to build it with.
macro_rules! kept_or_ticket {
    ($state:expr, $template:expr, $uri:expr, $reads:expr) => {
        match layout::prepared(&$state, $template, page_key(&$uri, $reads).as_deref())? {
            Prepare::Ready(page) => return Ok(page.into_response()),
            Prepare::Build(ticket) => ticket,
        }
    };
}

pub async fn home(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
) -> PageResult<Response> {
    let ticket = kept_or_ticket!(state, "home.html", uri, &[]);
    let front = fronts::assemble::home(&state.db, state.clock.now()).await?;
    let site = layout::layout(&state).await?;
    let built = Built {
        path: "/".into(),
        meta: Meta::default(),
        page: views::home(&front, &site.site),
        last_modified: newest(front.cards()),
        shows: front.shows(),
    };
    Ok(layout::render_fresh(&state, "home.html", ticket, built)
        .await?
        .into_response())
}

pub async fn section(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    OriginalUri(uri): OriginalUri,
    Path(slug): Path<String>,
    Query(param): Query<PageParam>,
) -> PageResult<Response> {
    let ticket = kept_or_ticket!(state, "section.html", uri, &["page"]);
    let page_number = param.number()?;
    let front = match service::section_front(&state.db, state.clock.now(), &slug, page_number).await
    {
        Err(AppError::NotFound(_)) if page_number == 1 => {
            return crate::pages::public::top(&state, &uri, &slug).await;
        }
        found => found?,
    };
    let top = match page_number {
        1 => fronts::assemble::section(&state.db, state.clock.now(), front.section.id).await?,
        _ => None,
    };
    let listing = Listing::Section(front.section.id);
    let (view, meta) = section_view(&state, tz, front, top.as_ref()).await?;
    let path = view.path.clone();
    let built = Built {
        path,
        meta,
        last_modified: view.last_modified,
        page: view.list,
        shows: view.shows.and([listing.cache_name()]),
    };
    Ok(layout::render_fresh(&state, "section.html", ticket, built)
        .await?
        .into_response())
}

/// A section front as its template sees it, with `top` (what its editors laid out) above the
/// list on the first page, and the stories `top` shows left out of the list below it.
struct SectionPage {
    list: ListView,
    path: String,
    last_modified: Option<Timestamp>,
    /// The stories of the list and of the editors' top.
    shows: Shows,
}

async fn section_view(
    state: &AppState,
    tz: chrono_tz::Tz,
    mut front: service::SectionFront,
    top: Option<&fronts::assemble::Front>,
) -> PageResult<(SectionPage, Meta)> {
    if let Some(top) = top {
        let shown = top.story_ids();
        front.articles.items.retain(|c| !shown.contains(&c.id));
    }
    let base = format!("/{}", front.section.slug);
    let mut view = views::list(front.section.name.clone(), &front.articles, &base, tz);
    view.description = front.section.description.clone();
    view.parent = front.parent.as_ref().map(views::section_link);
    view.children = front.children.iter().map(views::section_link).collect();
    view.newsletter = section_promo(&state.db, None, front.section.id).await?;
    view.front = top.map(|t| views::front(t, tz));
    let site = layout::layout(state).await?;
    let trail: Vec<(&str, String)> = front
        .parent
        .iter()
        .chain([&front.section])
        .map(|s| (s.name.as_str(), format!("/{}", s.slug)))
        .collect();
    view.structured_data = views::script_json(&views::breadcrumbs(&site.site, &trail));
    let mut meta = views::list_meta(
        &front.section.name,
        &front.section.description,
        &front.articles,
        &base,
    );
    meta.current_section = front
        .parent
        .as_ref()
        .map_or(front.section.slug.clone(), |p| p.slug.clone());
    meta.feed = Some(feed_link(&front.section.name, &base));
    let last_modified = newest(
        front
            .articles
            .items
            .iter()
            .chain(top.into_iter().flat_map(|t| t.cards())),
    );
    let listed = front.articles.items.iter().map(|c| cache_names::card(c.id));
    let shows = match top {
        Some(top) => top.shows().and(listed),
        None => Shows::only(listed),
    };
    Ok((
        SectionPage {
            list: view,
            path: list_path(&base, &front.articles),
            last_modified,
            shows,
        },
        meta,
    ))
}

/// How a front would look with `layout`, for the desk's preview: rendered afresh, never cached
/// or indexed, with the site's own template.
pub async fn front_preview(
    state: &AppState,
    key: FrontKey,
    layout: &fronts::layout::Layout,
) -> PageResult<Response> {
    let site = layout::layout(state).await?;
    let tz = site.site.tz;
    let now = state.clock.now();
    let front = fronts::assemble::fill(&state.db, now, key, layout).await?;
    let mut meta = Meta {
        noindex: true,
        ..Meta::default()
    };
    let html = match key {
        FrontKey::Home => {
            meta.title = "Preview: home page".into();
            layout::render_with(
                state,
                &site,
                "home.html",
                "/",
                meta,
                &views::home(&front, &site.site),
            )?
        }
        FrontKey::Section(id) => {
            let slug = service::sections(&state.db)
                .await?
                .into_iter()
                .find(|s| s.id == id)
                .map(|s| s.slug)
                .ok_or_else(|| AppError::not_found("there is no such section"))?;
            let section = service::section_front(&state.db, now, &slug, 1).await?;
            let top = (!layout.is_empty()).then_some(&front);
            let (view, section_meta) = section_view(state, tz, section, top).await?;
            meta.title = format!("Preview: {}", section_meta.title);
            meta.current_section = section_meta.current_section;
            layout::render_with(state, &site, "section.html", &view.path, meta, &view.list)?
        }
    };
    Ok(private(html))
}

pub async fn tag(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    OriginalUri(uri): OriginalUri,
    Path(slug): Path<String>,
    Query(param): Query<PageParam>,
) -> PageResult<Response> {
    let ticket = kept_or_ticket!(state, "tag.html", uri, &["page"]);
    let page_number = param.number()?;
    let (tag, paged) = service::tag_page(&state.db, state.clock.now(), &slug, page_number).await?;
    let base = format!("/tag/{}", tag.slug);
    let mut view = views::list(tag.name.clone(), &paged, &base, tz);
    view.description = service::tag_description(&state.db, tag.id).await?;
    let description = if view.description.is_empty() {
        format!("The latest on {}.", tag.name)
    } else {
        view.description.clone()
    };
    let mut meta = views::list_meta(&tag.name, &description, &paged, &base);
    meta.feed = Some(feed_link(&tag.name, &base));
    let list = (Listing::Tag(tag.id), &paged);
    render_list(&state, "tag.html", ticket, &base, meta, view, list).await
}

pub async fn author(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    OriginalUri(uri): OriginalUri,
    Path(slug): Path<String>,
    Query(param): Query<PageParam>,
) -> PageResult<Response> {
    let ticket = kept_or_ticket!(state, "author.html", uri, &["page"]);
    let page_number = param.number()?;
    let (author, paged) =
        service::author_page(&state.db, state.clock.now(), &slug, page_number).await?;
    let base = format!("/author/{}", author.slug);
    let mut view = views::list(author.name.clone(), &paged, &base, tz);
    view.bio = author.bio.clone();
    view.avatar = author.avatar_id.map(views::avatar);
    let mut meta = views::list_meta(&author.name, &author.bio, &paged, &base);
    meta.feed = Some(feed_link(&author.name, &base));
    let list = (Listing::Author(author.id), &paged);
    render_list(&state, "author.html", ticket, &base, meta, view, list).await
}

pub async fn archive_year(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(year): Path<String>,
    Query(param): Query<PageParam>,
) -> PageResult<Response> {
    archive(state, uri, &year, None, param).await
}

pub async fn archive_month(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((year, month)): Path<(String, String)>,
    Query(param): Query<PageParam>,
) -> PageResult<Response> {
    archive(state, uri, &year, Some(&month), param).await
}

async fn archive(
    state: AppState,
    uri: Uri,
    year: &str,
    month: Option<&str>,
    param: PageParam,
) -> PageResult<Response> {
    let ticket = kept_or_ticket!(state, "archive.html", uri, &["page"]);
    let page_number = param.number()?;
    let bad = || AppError::not_found("there is no archive for that date");
    let year: i32 = parse_digits(year, 4).ok_or_else(bad)?;
    let month: Option<u32> = match month {
        Some(m) => Some(parse_digits(m, 2).ok_or_else(bad)?),
        None => None,
    };
    let tz = layout::layout(&state).await?.site.tz;
    let paged =
        service::archive(&state.db, state.clock.now(), tz, year, month, page_number).await?;
    let (name, base) = match month {
        Some(m) => (
            format!("{} {year}", month_name(m)),
            format!("/archive/{year:04}/{m:02}"),
        ),
        None => (year.to_string(), format!("/archive/{year:04}")),
    };
    let view = views::list(name.clone(), &paged, &base, tz);
    let meta = views::list_meta(&format!("Archive: {name}"), "", &paged, &base);
    let list = (Listing::All, &paged);
    render_list(&state, "archive.html", ticket, &base, meta, view, list).await
}

fn parse_digits<T: std::str::FromStr>(s: &str, len: usize) -> Option<T> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn month_name(m: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES[(m.clamp(1, 12) - 1) as usize]
}

async fn render_list(
    state: &AppState,
    template: &str,
    ticket: Ticket,
    base: &str,
    meta: Meta,
    view: ListView,
    (listing, paged): (Listing, &Paged),
) -> PageResult<Response> {
    let built = Built {
        path: list_path(base, paged),
        meta,
        page: view,
        last_modified: newest(&paged.items),
        shows: Shows::only(
            paged
                .items
                .iter()
                .map(|c| cache_names::card(c.id))
                .chain([listing.cache_name()]),
        ),
    };
    Ok(layout::render_fresh(state, template, ticket, built)
        .await?
        .into_response())
}

/// A list's RSS feed, for the page's autodiscovery link.
fn feed_link(name: &str, list_path: &str) -> FeedLink {
    FeedLink {
        title: name.to_string(),
        url: feeds::feed_path(list_path, feeds::Format::Rss),
    }
}

/// The canonical path of a list's page.
fn list_path(base: &str, paged: &Paged) -> String {
    if paged.page > 1 {
        format!("{base}?page={}", paged.page)
    } else {
        base.to_string()
    }
}

fn newest<'a>(cards: impl IntoIterator<Item = &'a service::Card>) -> Option<Timestamp> {
    cards.into_iter().filter_map(|c| c.published_at).max()
}

/// What an article URL's query may ask of the comments: WordPress's names, so links from
/// WordPress themes and mails keep working.
#[derive(serde::Deserialize, Default)]
pub struct ArticleQuery {
    cpage: Option<String>,
    replytocom: Option<String>,
    unapproved: Option<String>,
    #[serde(rename = "moderation-hash")]
    moderation_hash: Option<String>,
}

impl ArticleQuery {
    fn discussion(&self) -> Result<DiscussionQuery, AppError> {
        let page = match &self.cpage {
            Some(p) => Some(
                p.parse::<i64>()
                    .map_err(|_| AppError::not_found("there is no such comment page"))?,
            ),
            None => None,
        };
        let held = match (&self.unapproved, &self.moderation_hash) {
            (Some(id), Some(hash)) => id.parse::<i64>().ok().map(|id| (id, hash.clone())),
            _ => None,
        };
        Ok(DiscussionQuery {
            page,
            reply_to: self.replytocom.as_deref().and_then(|r| r.parse().ok()),
            held,
        })
    }
}

pub async fn article(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((section, _year, _month, slug)): Path<(String, String, String, String)>,
    Query(query): Query<ArticleQuery>,
) -> PageResult<Response> {
    let wanted = query.discussion()?;
    // A held comment is shown only to its author, and a reply form opened by a link
    // (`replytocom`, for readers without JavaScript) serves one reader: those pages are private
    // and never cached.
    let ticket = match (&wanted.held, wanted.reply_to) {
        (None, None) => Some(kept_or_ticket!(state, "article.html", uri, &["cpage"])),
        _ => None,
    };
    let site = layout::layout(&state).await?;
    let now = state.clock.now();
    let lookup =
        service::find_article(&state.db, now, site.site.tz, &section, uri.path(), &slug).await?;
    match lookup {
        Lookup::Found(mut page) => {
            page.related = related(&state, now, &page).await?;
            let (mut view, meta) = views::article(&page, &site.site);
            view.newsletter = newsletter_promo(&state.db, &page.article).await?;
            let a = &page.article;
            let of = comments::Article {
                id: a.id,
                path: &page.path,
                comments_open: a.comments_open,
                published_at: a.published_at,
            };
            view.discussion =
                Some(comments::discussion(&state.db, now, site.site.tz, &of, &wanted).await?);
            let Some(ticket) = ticket else {
                let html =
                    layout::render_with(&state, &site, "article.html", &page.path, meta, &view)?;
                return Ok(private(html));
            };
            let published = page.article.published_at.unwrap_or(now);
            let shows = article_shows(&page);
            let built = Built {
                path: page.path.clone(),
                meta,
                page: view,
                last_modified: Some(page.article.updated_at.max(published)),
                shows,
            };
            let rendered = layout::render_fresh(&state, "article.html", ticket, built).await?;
            Ok(rendered.into_response())
        }
        Lookup::MovedTo(path) => {
            let location = HeaderValue::from_str(&path).map_err(anyhow::Error::from)?;
            let headers = [
                (header::LOCATION, location),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                ),
            ];
            Ok((StatusCode::MOVED_PERMANENTLY, headers).into_response())
        }
        Lookup::Gone => Err(AppError::Gone(
            "this article has been withdrawn and is no longer available".into(),
        )
        .into()),
        Lookup::NotFound => Err(AppError::not_found(
            "we could not find that article; it may have moved or been unpublished",
        )
        .into()),
    }
}

#[derive(serde::Deserialize)]
pub struct PreviewQuery {
    expires: Option<i64>,
    signature: Option<String>,
}

/// A signed preview of an unpublished article: never cached, never indexed.
pub async fn preview(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PreviewQuery>,
) -> PageResult<Response> {
    let key = crate::site::settings::signing_key(&state.db).await?;
    let now = state.clock.now();
    let allowed = match (q.expires, q.signature.as_deref()) {
        (Some(expires), Some(signature)) => {
            service::preview_allowed(&key, id, expires, signature, now)
        }
        _ => false,
    };
    if !allowed {
        return Err(AppError::Gone(
            "this preview link has expired or is not valid; ask the newsroom for a new one".into(),
        )
        .into());
    }
    let site = layout::layout(&state).await?;
    let mut page = service::preview(&state.db, now, site.site.tz, id).await?;
    page.related = related(&state, now, &page).await?;
    let (mut view, mut meta) = views::article(&page, &site.site);
    view.newsletter = newsletter_promo(&state.db, &page.article).await?;
    meta.noindex = true;
    meta.title = format!("Preview: {}", meta.title);
    let html = layout::render_with(&state, &site, "article.html", &page.path, meta, &view)?;
    Ok(private(crate::media::references::sign_html(
        &html, &key, now,
    )))
}

/// What an article's page shows: the story (its comments included), and the related stories
/// under it, which this node's search index chooses (the section's newest while it has none; the
/// index moving in reaches [`Tag::RELATED`]).
fn article_shows(page: &service::ArticlePage) -> Shows {
    Shows::only(
        std::iter::once(page.article.id)
            .chain(page.related.iter().map(|c| c.id))
            .map(cache_names::card)
            .chain([Tag::RELATED]),
    )
}

/// The related articles under a story, from the search room.
async fn related(
    state: &AppState,
    now: Timestamp,
    page: &service::ArticlePage,
) -> PageResult<Vec<service::Card>> {
    let a = &page.article;
    let story = search::related::Story {
        id: a.id,
        section_id: a.section_id,
        headline: &a.headline,
        published_at: a.published_at.unwrap_or(now),
    };
    Ok(search::related::cards(&state.db, &state.search.index, now, &story).await?)
}

/// A page for one reader only: never stored by a cache, never indexed.
fn private(html: String) -> Response {
    let mut response = crate::web::html_response(StatusCode::OK, html, "no-store");
    response
        .headers_mut()
        .insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

/// The promo box for the newsletter an article promotes (its own choice, else its section's).
async fn newsletter_promo(
    db: &crate::db::Db,
    a: &service::ArticleRow,
) -> crate::error::AppResult<Option<views::NewsletterPromo>> {
    section_promo(db, a.newsletter_topic.as_deref(), a.section_id).await
}

/// The promo box for `named` if it is an active newsletter, else the section's default.
async fn section_promo(
    db: &crate::db::Db,
    named: Option<&str>,
    section_id: i64,
) -> crate::error::AppResult<Option<views::NewsletterPromo>> {
    let chosen = crate::newsletters::service::promoted(db, named, section_id).await?;
    Ok(chosen.map(|n| views::NewsletterPromo {
        name: n.name,
        slug: n.slug,
        consent: crate::newsletters::service::CONSENT_TEXT,
    }))
}
