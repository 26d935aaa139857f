//! What the search index is built from: articles with their section, tags and authors, read a
//! batch of ids at a time.

use sqlx::FromRow;

use super::syndication::by_ids;
use crate::db::{Db, Timestamp};
use crate::with_db;

#[derive(Debug, Clone, FromRow)]
pub struct SourceRow {
    pub id: i64,
    pub status: String,
    pub published_at: Option<Timestamp>,
    pub section_id: i64,
    pub parent_section_id: Option<i64>,
    pub section_name: String,
    pub created_by: Option<i64>,
    pub headline: String,
    pub standfirst: String,
    pub body: String,
}

/// A tag or author of an article, with its id and name.
#[derive(Debug, Clone, FromRow)]
pub struct LinkRow {
    pub article_id: i64,
    pub id: i64,
    pub name: String,
}

pub async fn sources(db: &Db, ids: &[i64]) -> sqlx::Result<Vec<SourceRow>> {
    const SQL: &str = "SELECT a.id, a.status, a.published_at, a.section_id, \
         s.parent_id AS parent_section_id, s.name AS section_name, a.created_by, a.headline, \
         a.standfirst, a.body FROM articles a JOIN sections s ON s.id = a.section_id \
         WHERE a.id IN ({}) ORDER BY a.id";
    by_ids(db, SQL, ids).await
}

pub async fn tag_links(db: &Db, ids: &[i64]) -> sqlx::Result<Vec<LinkRow>> {
    const SQL: &str = "SELECT at.article_id, t.id, t.name FROM article_tags at \
         JOIN tags t ON t.id = at.tag_id WHERE at.article_id IN ({}) \
         ORDER BY at.article_id, at.position";
    by_ids(db, SQL, ids).await
}

pub async fn author_links(db: &Db, ids: &[i64]) -> sqlx::Result<Vec<LinkRow>> {
    const SQL: &str = "SELECT aa.article_id, au.id, au.name FROM article_authors aa \
         JOIN authors au ON au.id = aa.author_id WHERE aa.article_id IN ({}) \
         ORDER BY aa.article_id, aa.position";
    by_ids(db, SQL, ids).await
}

/// The next `limit` article ids after `after`, in order: a rebuild's batches.
pub async fn ids_after(db: &Db, after: i64, limit: i64) -> sqlx::Result<Vec<i64>> {
    with_db!(db, p => sqlx::query_scalar("SELECT id FROM articles WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after).bind(limit).fetch_all(p).await)
}

/// The related articles an editor pinned to `article_id`, in their order.
pub async fn pinned_related(db: &Db, article_id: i64) -> sqlx::Result<Vec<i64>> {
    const SQL: &str =
        "SELECT related_id FROM article_related WHERE article_id = $1 ORDER BY position";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(article_id).fetch_all(p).await)
}
