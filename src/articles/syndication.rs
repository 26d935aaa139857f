//! Articles as feeds and sitemaps carry them: which list a feed follows, a page of that list
//! with each article's body, change time, bylines and tags; and the months of the archive with
//! their articles' addresses, for the sitemaps.

use super::body::{self, Target};
use std::collections::HashMap;

use chrono::{Datelike, TimeZone, Utc};
use chrono_tz::Tz;

use super::service::article_path;
use super::store::{self, CardRow, LabelRow, Listing};
use crate::db::{Db, Timestamp};
use crate::error::{AppError, AppResult};

/// The list a feed follows, as its URL names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    Site,
    Section(&'a str),
    Tag(&'a str),
    Author(&'a str),
}

/// A feed's list, found: what to call it and where its page is.
pub struct Followed {
    pub name: String,
    pub description: String,
    /// The list's page on the site (`/`, `/business-news`, `/tag/retail`…).
    pub path: String,
    pub listing: Listing,
}

/// An author's or a tag's name, with the slug of its page.
#[derive(Debug, Clone)]
pub struct Label {
    pub name: String,
    pub slug: String,
}

pub struct Entry {
    pub card: CardRow,
    pub body_html: String,
    pub updated_at: Timestamp,
    pub authors: Vec<Label>,
    pub tags: Vec<Label>,
}

fn missing(what: &str) -> AppError {
    AppError::not_found(format!("there is no such {what}, so no feed of it"))
}

pub async fn follow(db: &Db, scope: Scope<'_>) -> AppResult<Followed> {
    Ok(match scope {
        Scope::Site => Followed {
            name: String::new(),
            description: String::new(),
            path: "/".into(),
            listing: Listing::All,
        },
        Scope::Section(slug) => {
            let section = store::sections(db)
                .await?
                .into_iter()
                .find(|s| s.slug == slug)
                .ok_or_else(|| missing("section"))?;
            Followed {
                path: format!("/{}", section.slug),
                listing: Listing::Section(section.id),
                name: section.name,
                description: section.description,
            }
        }
        Scope::Tag(slug) => {
            let tag = store::tag_by_slug(db, slug)
                .await?
                .ok_or_else(|| missing("tag"))?;
            Followed {
                path: format!("/tag/{}", tag.slug),
                listing: Listing::Tag(tag.id),
                description: format!("The latest on {}.", tag.name),
                name: tag.name,
            }
        }
        Scope::Author(slug) => {
            let author = store::author_by_slug(db, slug)
                .await?
                .ok_or_else(|| missing("author"))?;
            Followed {
                path: format!("/author/{}", author.slug),
                listing: Listing::Author(author.id),
                name: author.name,
                description: author.bio,
            }
        }
    })
}

/// One page of a feed's list.
pub struct Entries {
    pub entries: Vec<Entry>,
    /// Whether older entries follow on the next page.
    pub has_next: bool,
}

/// Page `page` (from 1) of `listing`, `per_page` to a page, newest first; `None` past the end.
pub async fn entries(
    db: &Db,
    now: Timestamp,
    listing: Listing,
    per_page: i64,
    page: i64,
) -> AppResult<Option<Entries>> {
    let offset = (page - 1).saturating_mul(per_page);
    let mut cards = store::cards(db, now, listing, per_page + 1, offset).await?;
    if cards.is_empty() && page > 1 {
        return Ok(None);
    }
    let wanted = usize::try_from(per_page).unwrap_or(usize::MAX);
    let has_next = cards.len() > wanted;
    cards.truncate(wanted);
    let ids: Vec<i64> = cards.iter().map(|c| c.id).collect();
    let rows = store::bodies(db, &ids).await?;
    let mut bodies: HashMap<i64, (String, Timestamp)> = crate::cpu::run(move || {
        rows.into_iter()
            .map(|b| {
                (
                    b.id,
                    (body::render(&b.body, Target::Feed, &|_| None), b.updated_at),
                )
            })
            .collect()
    })
    .await?;
    let mut authors = grouped(store::bylines(db, &ids).await?);
    let mut tags = grouped(store::tag_labels(db, &ids).await?);
    Ok(Some(Entries {
        has_next,
        entries: cards
            .into_iter()
            .map(|card| {
                let (body_html, updated_at) = bodies
                    .remove(&card.id)
                    .unwrap_or_else(|| (String::new(), card.published_at.unwrap_or(now)));
                Entry {
                    body_html,
                    updated_at,
                    authors: authors.remove(&card.id).unwrap_or_default(),
                    tags: tags.remove(&card.id).unwrap_or_default(),
                    card,
                }
            })
            .collect(),
    }))
}

fn grouped(rows: Vec<LabelRow>) -> HashMap<i64, Vec<Label>> {
    let mut by_article: HashMap<i64, Vec<Label>> = HashMap::new();
    for row in rows {
        by_article.entry(row.article_id).or_default().push(Label {
            name: row.name,
            slug: row.slug,
        });
    }
    by_article
}

/// A calendar month (in UTC) of published articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    pub month: u32,
    pub articles: i64,
    pub last_change: Timestamp,
}

/// The first instant of a month in UTC and of the month after it; `None` for impossible dates.
pub fn month_bounds(year: i32, month: u32) -> Option<(Timestamp, Timestamp)> {
    let start = |y: i32, m: u32| {
        Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0)
            .single()
            .map(Timestamp::from_datetime)
    };
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    Some((start(year, month)?, start(next_year, next_month)?))
}

/// Every month with an article readers may see, oldest first: one small indexed query a month
/// from the first publication to now, so the answer stays small however large the archive.
pub async fn months(db: &Db, now: Timestamp) -> AppResult<Vec<Month>> {
    let Some(first) = store::first_publication(db, now).await? else {
        return Ok(Vec::new());
    };
    let (first, last) = (first.to_datetime(), now.to_datetime());
    let (mut year, mut month) = (first.year(), first.month());
    let mut found = Vec::new();
    while (year, month) <= (last.year(), last.month()) {
        let Some((from, to)) = month_bounds(year, month) else {
            break;
        };
        let (articles, last_change) = store::period_summary(db, now, from, to).await?;
        if let (true, Some(last_change)) = (articles > 0, last_change) {
            found.push(Month {
                year,
                month,
                articles,
                last_change,
            });
        }
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    Ok(found)
}

/// An article as a sitemap lists it.
pub struct Mapped {
    pub path: String,
    pub updated_at: Timestamp,
    pub lead_id: Option<i64>,
}

/// The articles published in `[from, to)`, oldest first, `limit` from `offset`.
pub async fn published_between(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    (from, to): (Timestamp, Timestamp),
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Mapped>> {
    Ok(store::published_between(db, now, from, to, limit, offset)
        .await?
        .into_iter()
        .map(|r| Mapped {
            path: article_path(&r.section_slug, r.published_at, &r.slug, tz),
            updated_at: r.updated_at.max(r.published_at),
            lead_id: r.lead_id,
        })
        .collect())
}
