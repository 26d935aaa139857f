//! The reads behind the public pages: the home page, section fronts, tag, author and date
//! archives, and the article page with its redirects, 410s and previews.

use chrono::TimeZone;
use chrono_tz::Tz;

use super::service::{Status, article_path};
use super::store::{self, AuthorRow, CardRow, SectionRow, TagRow};
use crate::db::{Db, Timestamp};
use crate::error::{AppError, AppResult};

pub use store::{ArticleRow, Listing};

/// How many articles a section front, tag, author or archive page lists.
pub const PAGE_SIZE: i64 = 20;

/// The newest `limit` cards of a listing that readers may see now.
pub async fn newest(
    db: &Db,
    now: Timestamp,
    listing: Listing,
    limit: usize,
) -> AppResult<Vec<CardRow>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(store::cards(db, now, listing, limit, 0).await?)
}

/// The cards of those of `ids` readers may see now; the others (drafts, unpublished, scheduled
/// for later, deleted) are left out, in no particular order.
pub async fn cards_by_ids(db: &Db, now: Timestamp, ids: &[i64]) -> AppResult<Vec<CardRow>> {
    Ok(store::cards_by_ids(db, now, ids).await?)
}

/// The most commented stories published since `since`, within a section when one is given.
pub async fn most_commented(
    db: &Db,
    now: Timestamp,
    since: Timestamp,
    section_id: Option<i64>,
    limit: usize,
) -> AppResult<Vec<CardRow>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(store::most_commented(db, now, since, section_id, limit).await?)
}

/// The longest headline search looked at; the rest of a longer one is ignored.
const MAX_SEARCH_CHARS: usize = 200;

/// Published stories whose headline contains `words`, newest first (all of them, newest
/// first, when `words` is empty).
pub async fn find_published(
    db: &Db,
    now: Timestamp,
    words: &str,
    limit: i64,
) -> AppResult<Vec<CardRow>> {
    let words: String = words.trim().chars().take(MAX_SEARCH_CHARS).collect();
    Ok(store::find_published(db, now, &words, limit).await?)
}

/// One page of a list, with what pagination links need.
#[derive(Debug)]
pub struct Paged {
    pub items: Vec<CardRow>,
    pub page: i64,
    pub total_pages: i64,
}

async fn paged(db: &Db, now: Timestamp, listing: Listing, page: i64) -> AppResult<Paged> {
    let total = store::count(db, now, listing).await?;
    let total_pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    if page < 1 || page > total_pages {
        return Err(AppError::not_found(format!(
            "there is no page {page} here; the last page is {total_pages}"
        )));
    }
    let items = store::cards(db, now, listing, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    Ok(Paged {
        items,
        page,
        total_pages,
    })
}

pub struct SectionFront {
    pub section: SectionRow,
    pub parent: Option<SectionRow>,
    pub children: Vec<SectionRow>,
    pub articles: Paged,
}

pub async fn section_front(
    db: &Db,
    now: Timestamp,
    slug: &str,
    page: i64,
) -> AppResult<SectionFront> {
    let all = store::sections(db).await?;
    let section = all
        .iter()
        .find(|s| s.slug == slug)
        .cloned()
        .ok_or_else(|| AppError::not_found(crate::web::error_pages::NOT_FOUND))?;
    let parent = section
        .parent_id
        .and_then(|pid| all.iter().find(|s| s.id == pid).cloned());
    let children = all
        .iter()
        .filter(|s| s.parent_id == Some(section.id))
        .cloned()
        .collect();
    let articles = paged(db, now, Listing::Section(section.id), page).await?;
    Ok(SectionFront {
        section,
        parent,
        children,
        articles,
    })
}

pub async fn tag_page(
    db: &Db,
    now: Timestamp,
    slug: &str,
    page: i64,
) -> AppResult<(TagRow, Paged)> {
    let tag = store::tag_by_slug(db, slug)
        .await?
        .ok_or_else(|| AppError::not_found("there is no such tag"))?;
    let articles = paged(db, now, Listing::Tag(tag.id), page).await?;
    Ok((tag, articles))
}

pub async fn author_page(
    db: &Db,
    now: Timestamp,
    slug: &str,
    page: i64,
) -> AppResult<(AuthorRow, Paged)> {
    let author = store::author_by_slug(db, slug)
        .await?
        .ok_or_else(|| AppError::not_found("there is no such author"))?;
    let articles = paged(db, now, Listing::Author(author.id), page).await?;
    Ok((author, articles))
}

/// A month (or a whole year, `month: None`) of published articles, in the site's zone.
pub async fn archive(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    year: i32,
    month: Option<u32>,
    page: i64,
) -> AppResult<Paged> {
    let bad = || AppError::not_found("there is no archive for that date");
    let (start, end) = match month {
        Some(m) if (1..=12).contains(&m) => {
            let (ny, nm) = if m == 12 {
                (year + 1, 1)
            } else {
                (year, m + 1)
            };
            (
                local_midnight(tz, year, m).ok_or_else(bad)?,
                local_midnight(tz, ny, nm).ok_or_else(bad)?,
            )
        }
        Some(_) => return Err(bad()),
        None => (
            local_midnight(tz, year, 1).ok_or_else(bad)?,
            local_midnight(tz, year + 1, 1).ok_or_else(bad)?,
        ),
    };
    paged(db, now, Listing::Between(start, end), page).await
}

fn local_midnight(tz: Tz, year: i32, month: u32) -> Option<Timestamp> {
    if !(1..=9999).contains(&year) {
        return None;
    }
    let local = tz.with_ymd_and_hms(year, month, 1, 0, 0, 0).earliest()?;
    Some(Timestamp::from_datetime(local.with_timezone(&chrono::Utc)))
}

/// What a request for an article path finds.
pub enum Lookup {
    Found(Box<ArticlePage>),
    /// The article lives at another path now (moved, or the date in the URL is wrong).
    MovedTo(String),
    /// The article was archived: readers get 410 Gone.
    Gone,
    NotFound,
}

pub struct ArticlePage {
    pub article: ArticleRow,
    pub path: String,
    pub tags: Vec<TagRow>,
    pub authors: Vec<AuthorRow>,
    /// Filled by the page from the search room's related articles.
    pub related: Vec<CardRow>,
}

/// The newest stories of an article's section, besides the article: related articles when the
/// search index cannot say (and the baseline `bench/search.sh` measures them against).
pub async fn newest_in_section(
    db: &Db,
    now: Timestamp,
    section_id: i64,
    article_id: i64,
    limit: usize,
) -> AppResult<Vec<CardRow>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let listing = Listing::Related {
        section_id,
        article_id,
    };
    Ok(store::cards(db, now, listing, limit, 0).await?)
}

pub async fn find_article(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    section_slug: &str,
    requested_path: &str,
    slug: &str,
) -> AppResult<Lookup> {
    let found = store::article_by_slug(db, section_slug, slug).await?;
    let article = match found {
        Some(a) => a,
        None => {
            return Ok(match store::redirect_target(db, requested_path).await? {
                Some(id) => match store::article_by_id(db, id).await? {
                    Some(a) => public_path(&a, now, tz).map_or(Lookup::NotFound, Lookup::MovedTo),
                    None => Lookup::NotFound,
                },
                None => Lookup::NotFound,
            });
        }
    };
    if article.status == Status::Archived.as_str() {
        return Ok(Lookup::Gone);
    }
    let Some(path) = public_path(&article, now, tz) else {
        return Ok(Lookup::NotFound);
    };
    if path != requested_path {
        return Ok(Lookup::MovedTo(path));
    }
    let tags = store::tags_of(db, article.id).await?;
    let authors = store::authors_of(db, article.id).await?;
    Ok(Lookup::Found(Box::new(ArticlePage {
        article,
        path,
        tags,
        authors,
        related: Vec::new(),
    })))
}

/// Where article `id` is read now, when readers may see it: for WordPress's `/?p=ID` links and
/// the feeds' item ids, which outlive slug and section changes.
pub async fn permalink(db: &Db, now: Timestamp, tz: Tz, id: i64) -> AppResult<Option<String>> {
    Ok(store::article_by_id(db, id)
        .await?
        .and_then(|a| public_path(&a, now, tz)))
}

/// Where an article that was once at `path` is read now, when readers may see it.
pub async fn moved_article(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    path: &str,
) -> AppResult<Option<String>> {
    match store::redirect_target(db, path).await? {
        Some(id) => permalink(db, now, tz, id).await,
        None => Ok(None),
    }
}

/// The article's path when readers may see it now; `None` for drafts and future articles.
pub(super) fn public_path(a: &ArticleRow, now: Timestamp, tz: Tz) -> Option<String> {
    let published_at = a.published_at?;
    (a.status == Status::Published.as_str() && published_at <= now)
        .then(|| article_path(&a.section_slug, published_at, &a.slug, tz))
}

/// The next time a published article becomes visible, so caches can be refreshed the moment an
/// embargo ends even though nothing was written then.
pub async fn next_publication_after(db: &Db, now: Timestamp) -> AppResult<Option<Timestamp>> {
    Ok(store::next_publication_after(db, now).await?)
}

/// An article as it would look published, whatever its status, for a signed preview link.
pub async fn preview(db: &Db, now: Timestamp, tz: Tz, id: i64) -> AppResult<ArticlePage> {
    let article = store::article_by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("no such article"))?;
    let at = article.published_at.unwrap_or(now);
    let path = article_path(&article.section_slug, at, &article.slug, tz);
    let tags = store::tags_of(db, id).await?;
    let authors = store::authors_of(db, id).await?;
    Ok(ArticlePage {
        article,
        path,
        tags,
        authors,
        related: Vec::new(),
    })
}
