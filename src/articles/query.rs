//! Published articles by any combination of conditions, with their tags, bylines and paths, for
//! the doors that let outside tools ask freely (the WordPress and Ghost compatible APIs). Only
//! what readers may see now is ever returned, whatever the condition.

use std::collections::HashMap;

use chrono_tz::Tz;

use super::service::article_path;
use super::store;
use crate::db::{Db, Timestamp, page_total};
use crate::error::AppResult;

pub use store::{ArticleRow, Cmp, Cond, CountsOf, OrderBy, Query, TextMatch};

/// A published article with what lists of it show.
#[derive(Debug, Clone)]
pub struct Story {
    pub row: ArticleRow,
    /// Tag ids in the editor's order: the first is the primary tag.
    pub tag_ids: Vec<i64>,
    /// Author ids in byline order.
    pub author_ids: Vec<i64>,
    /// The public path, from the site's root.
    pub path: String,
}

/// One page of a query and how many articles match in all.
#[derive(Debug, Clone)]
pub struct Found {
    pub stories: Vec<Story>,
    pub total: i64,
}

pub async fn find(db: &Db, now: Timestamp, tz: Tz, query: &Query) -> AppResult<Found> {
    let rows = store::find_matching(db, now, query).await?;
    let total = page_total(query.offset, query.limit, rows.len(), || {
        store::count_matching(db, now, &query.cond)
    })
    .await?;
    Ok(Found {
        stories: with_links(db, tz, rows).await?,
        total,
    })
}

async fn with_links(db: &Db, tz: Tz, rows: Vec<ArticleRow>) -> AppResult<Vec<Story>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tags: HashMap<i64, Vec<i64>> = HashMap::new();
    for link in store::tag_links(db, &ids).await? {
        tags.entry(link.article_id).or_default().push(link.id);
    }
    let mut authors: HashMap<i64, Vec<i64>> = HashMap::new();
    for link in store::author_links(db, &ids).await? {
        authors.entry(link.article_id).or_default().push(link.id);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let path = article_path(
                &row.section_slug,
                row.published_at.unwrap_or(row.created_at),
                &row.slug,
                tz,
            );
            Story {
                tag_ids: tags.remove(&row.id).unwrap_or_default(),
                author_ids: authors.remove(&row.id).unwrap_or_default(),
                path,
                row,
            }
        })
        .collect())
}

/// How many articles readers may see now per section, tag or author id (of `only`, when given).
pub async fn counts(
    db: &Db,
    now: Timestamp,
    of: CountsOf,
    only: Option<&[i64]>,
) -> AppResult<HashMap<i64, i64>> {
    Ok(store::published_counts(db, now, of, only)
        .await?
        .into_iter()
        .collect())
}
