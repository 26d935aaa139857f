//! Handlers of the public article pages: they read the request, ask the service, and render.
//! Each first asks the render cache for the page's prepared context, and reads the database only
//! when it has none for the current content generation.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::service::{self, Lookup, Paged};
use super::views::{self, CardView, ListView};
use crate::comments::service::{self as comments, DiscussionQuery};
use crate::db::Timestamp;
use crate::error::{AppError, PageResult};
use crate::site::layout::TimeZone;
use crate::site::layout::{self, Built, Meta, Prepare, Ticket};
use crate::state::AppState;
use crate::web::page_key::page_key;
use crate::web::query::PageParam;

#[derive(Serialize)]
struct HomeView {
    lead: Option<CardView>,
    secondary: Vec<CardView>,
    latest: Vec<CardView>,
    blocks: Vec<BlockView>,
}

#[derive(Serialize)]
struct BlockView {
    name: String,
    slug: String,
    url: String,
    articles: Vec<CardView>,
}

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
    TimeZone(tz): TimeZone,
    OriginalUri(uri): OriginalUri,
) -> PageResult<Response> {
    let ticket = kept_or_ticket!(state, "home.html", uri, &[]);
    let home = service::home(&state.db, state.clock.now()).await?;
    let last_modified = home
        .lead
        .iter()
        .chain(&home.secondary)
        .chain(&home.latest)
        .filter_map(|c| c.published_at)
        .max();
    let view = HomeView {
        lead: home.lead.as_ref().map(|c| views::card(c, tz)),
        secondary: views::cards(&home.secondary, tz),
        latest: views::cards(&home.latest, tz),
        blocks: home
            .blocks
            .iter()
            .map(|(s, cards)| BlockView {
                name: s.name.clone(),
                slug: s.slug.clone(),
                url: format!("/{}", s.slug),
                articles: views::cards(cards, tz),
            })
            .collect(),
    };
    let built = Built {
        path: "/".into(),
        meta: Meta::default(),
        page: view,
        last_modified,
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
    let front = service::section_front(&state.db, state.clock.now(), &slug, page_number).await?;
    let base = format!("/{}", front.section.slug);
    let mut view = views::list(front.section.name.clone(), &front.articles, &base, tz);
    view.description = front.section.description.clone();
    view.parent = front.parent.as_ref().map(views::section_link);
    view.children = front.children.iter().map(views::section_link).collect();
    view.newsletter = section_promo(&state.db, None, front.section.id).await?;
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
    render_list(
        &state,
        "section.html",
        ticket,
        &base,
        meta,
        view,
        &front.articles,
    )
    .await
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
    let view = views::list(tag.name.clone(), &paged, &base, tz);
    let description = format!("The latest on {}.", tag.name);
    let meta = views::list_meta(&tag.name, &description, &paged, &base);
    render_list(&state, "tag.html", ticket, &base, meta, view, &paged).await
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
    let meta = views::list_meta(&author.name, &author.bio, &paged, &base);
    render_list(&state, "author.html", ticket, &base, meta, view, &paged).await
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
    render_list(&state, "archive.html", ticket, &base, meta, view, &paged).await
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
    paged: &Paged,
) -> PageResult<Response> {
    let path = if paged.page > 1 {
        format!("{base}?page={}", paged.page)
    } else {
        base.to_string()
    };
    let built = Built {
        path,
        meta,
        page: view,
        last_modified: newest(&paged.items),
    };
    Ok(layout::render_fresh(state, template, ticket, built)
        .await?
        .into_response())
}

fn newest(cards: &[service::Card]) -> Option<Timestamp> {
    cards.iter().filter_map(|c| c.published_at).max()
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
        Lookup::Found(page) => {
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
            let built = Built {
                path: page.path.clone(),
                meta,
                page: view,
                last_modified: Some(page.article.updated_at.max(published)),
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
    let page = service::preview(&state.db, now, site.site.tz, id).await?;
    let (mut view, mut meta) = views::article(&page, &site.site);
    view.newsletter = newsletter_promo(&state.db, &page.article).await?;
    meta.noindex = true;
    meta.title = format!("Preview: {}", meta.title);
    let html = layout::render_with(&state, &site, "article.html", &page.path, meta, &view)?;
    Ok(private(crate::media::references::sign_html(
        &html, &key, now,
    )))
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
