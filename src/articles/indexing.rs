//! Articles as the search room indexes and shows them: the text and labels of a batch of
//! articles, the cards and bylines of a page of results, and the related articles editors pinned.

use std::collections::HashMap;
use std::sync::Arc;

use chrono_tz::Tz;
use serde::Serialize;

use super::found_cards::FoundCards;
use super::store::{self, CardRow, LinkRow};
use super::views::{self, CardView};
use crate::db::{Db, Timestamp};
use crate::error::{AppError, AppResult, FieldError};

/// An article as the index takes it, whatever its status.
#[derive(Debug, Clone)]
pub struct IndexSource {
    pub id: i64,
    pub status: String,
    pub published_at: Option<Timestamp>,
    pub section_id: i64,
    pub parent_section_id: Option<i64>,
    pub section_name: String,
    pub tag_ids: Vec<i64>,
    pub tag_names: Vec<String>,
    pub author_ids: Vec<i64>,
    pub author_names: Vec<String>,
    pub created_by: Option<i64>,
    pub headline: String,
    pub standfirst: String,
    /// The body in the document model.
    pub body: String,
}

/// The articles among `ids` that exist, in id order; a missing id was deleted.
pub async fn index_sources(db: &Db, ids: &[i64]) -> AppResult<Vec<IndexSource>> {
    let rows = store::sources(db, ids).await?;
    let mut tags = links_by_article(store::tag_links(db, ids).await?);
    let mut authors = links_by_article(store::author_links(db, ids).await?);
    Ok(rows
        .into_iter()
        .map(|r| {
            let (tag_ids, tag_names) = tags.remove(&r.id).unwrap_or_default();
            let (author_ids, author_names) = authors.remove(&r.id).unwrap_or_default();
            IndexSource {
                id: r.id,
                status: r.status,
                published_at: r.published_at,
                section_id: r.section_id,
                parent_section_id: r.parent_section_id,
                section_name: r.section_name,
                tag_ids,
                tag_names,
                author_ids,
                author_names,
                created_by: r.created_by,
                headline: r.headline,
                standfirst: r.standfirst,
                body: r.body,
            }
        })
        .collect())
}

fn links_by_article(rows: Vec<LinkRow>) -> HashMap<i64, (Vec<i64>, Vec<String>)> {
    let mut map: HashMap<i64, (Vec<i64>, Vec<String>)> = HashMap::new();
    for row in rows {
        let entry = map.entry(row.article_id).or_default();
        entry.0.push(row.id);
        entry.1.push(row.name);
    }
    map
}

/// The next `limit` article ids after `after`, for rebuilding an index in batches.
pub async fn ids_after(db: &Db, after: i64, limit: i64) -> AppResult<Vec<i64>> {
    Ok(store::ids_after(db, after, limit).await?)
}

/// A published article as a result shows it: its card and its bylines, shown in `tz` (its
/// address and dates depend on the site's zone).
pub struct Found {
    pub id: i64,
    pub card: CardView,
    pub bylines: Vec<Byline>,
    tz: Tz,
}

/// An author's name and the address of their page, as themes read it (`text`, `url`).
#[derive(Serialize)]
pub struct Byline {
    pub text: String,
    pub url: String,
}

/// The articles among `ids` that readers may see now, in the order of `ids`, shown in `tz`:
/// from `kept` where it has them, the rest in one query, then kept for the next page that shows
/// them.
pub async fn found(
    db: &Db,
    kept: &FoundCards,
    now: Timestamp,
    tz: Tz,
    ids: &[i64],
) -> AppResult<Vec<Arc<Found>>> {
    let mut found: HashMap<i64, Arc<Found>> = ids
        .iter()
        .filter_map(|id| kept.get(*id).filter(|f| f.tz == tz).map(|f| (*id, f)))
        .collect();
    let missing: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !found.contains_key(id))
        .collect();
    if !missing.is_empty() {
        let since = db.changes().seq();
        let mut fetched: HashMap<i64, (CardRow, Vec<Byline>)> = HashMap::new();
        for row in store::bylined_cards_by_ids(db, now, &missing).await? {
            let byline = row
                .author_name
                .zip(row.author_slug)
                .map(|(name, slug)| Byline {
                    text: name,
                    url: format!("/author/{slug}"),
                });
            let entry = fetched
                .entry(row.card.id)
                .or_insert_with(|| (row.card, Vec::new()));
            entry.1.extend(byline);
        }
        for (id, (card, bylines)) in fetched {
            let one = Arc::new(Found {
                id,
                card: views::card(&card, tz),
                bylines,
                tz,
            });
            kept.keep(since, id, one.clone());
            found.insert(id, one);
        }
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The author profile at `slug`, for a search filter.
pub async fn author_by_slug(db: &Db, slug: &str) -> AppResult<Option<store::AuthorRow>> {
    Ok(store::author_by_slug(db, slug).await?)
}

/// The tag at `slug`, for a search filter.
pub async fn tag_by_slug(db: &Db, slug: &str) -> AppResult<Option<store::TagRow>> {
    Ok(store::tag_by_slug(db, slug).await?)
}

/// The related articles an editor pinned to an article, in order.
pub async fn pinned_related(db: &Db, article_id: i64) -> AppResult<Vec<i64>> {
    Ok(store::pinned_related(db, article_id).await?)
}

/// The pinned related articles as the editor shows them: an id and the headline on each line.
pub async fn pinned_lines(db: &Db, ids: &[i64]) -> AppResult<String> {
    let sources = index_sources(db, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| sources.iter().find(|s| s.id == *id))
        .map(|s| format!("{} {}", s.id, s.headline))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The articles an editor pinned, from the editor's lines: each starts with an article's id or
/// its address (absolute, or a path), and the rest of the line is ignored.
pub async fn pinned_from_lines(db: &Db, text: &str) -> AppResult<Vec<i64>> {
    let mut ids = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(reference) = line.split_whitespace().next() else {
            continue;
        };
        let id = match reference.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => article_at(db, reference).await?,
        };
        let Some(id) = id else {
            return Err(AppError::Invalid(vec![FieldError {
                field: "related".into(),
                message: format!(
                    "line {}: {reference:?} is neither an article id nor an article's address",
                    n + 1
                ),
            }]));
        };
        ids.push(id);
    }
    Ok(ids)
}

/// The article at a public address (`https://site/section/2026/05/slug` or its path), or one
/// that moved from it.
async fn article_at(db: &Db, address: &str) -> AppResult<Option<i64>> {
    let path = match address.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => address,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let [section, _, _, slug] = segments.as_slice()
        && let Some(article) = store::article_by_slug(db, section, slug).await?
    {
        return Ok(Some(article.id));
    }
    Ok(store::redirect_target(db, path.trim_end_matches('/')).await?)
}
