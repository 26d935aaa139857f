//! What feeds and sitemaps need beyond a list's cards: the bodies and change times of a page
//! of articles, their bylines and tags, each read for the whole page at once; and the
//! published articles of a period, for a sitemap.

use sqlx::{AssertSqlSafe, FromRow};

use crate::db::{Db, Timestamp, placeholders};
use crate::with_db;

#[derive(Debug, Clone, FromRow)]
pub struct BodyRow {
    pub id: i64,
    /// The body in the document model.
    pub body: String,
    pub updated_at: Timestamp,
}

/// A name and slug (an author's or a tag's) attached to an article.
#[derive(Debug, Clone, FromRow)]
pub struct LabelRow {
    pub article_id: i64,
    pub name: String,
    pub slug: String,
}

/// Runs `sql` with `{}` replaced by a placeholder per id.
pub(super) async fn by_ids<T>(db: &Db, sql: &str, ids: &[i64]) -> sqlx::Result<Vec<T>>
where
    T: Send
        + Unpin
        + for<'r> FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> FromRow<'r, sqlx::postgres::PgRow>,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sql.replace("{}", &placeholders(1, ids.len()));
    with_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })
}

pub async fn bodies(db: &Db, ids: &[i64]) -> sqlx::Result<Vec<BodyRow>> {
    by_ids(
        db,
        "SELECT id, body, updated_at FROM articles WHERE id IN ({})",
        ids,
    )
    .await
}

pub async fn bylines(db: &Db, ids: &[i64]) -> sqlx::Result<Vec<LabelRow>> {
    const SQL: &str = "SELECT aa.article_id, au.name, au.slug FROM article_authors aa \
         JOIN authors au ON au.id = aa.author_id WHERE aa.article_id IN ({}) \
         ORDER BY aa.article_id, aa.position";
    by_ids(db, SQL, ids).await
}

pub async fn tag_labels(db: &Db, ids: &[i64]) -> sqlx::Result<Vec<LabelRow>> {
    const SQL: &str = "SELECT at.article_id, t.name, t.slug FROM article_tags at \
         JOIN tags t ON t.id = at.tag_id WHERE at.article_id IN ({}) \
         ORDER BY at.article_id, at.position";
    by_ids(db, SQL, ids).await
}

/// An article as a sitemap lists it.
#[derive(Debug, Clone, FromRow)]
pub struct MappedRow {
    pub slug: String,
    pub section_slug: String,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
    pub lead_id: Option<i64>,
}

/// How many articles readers may see were published in `[from, to)`, and their latest change.
pub async fn period_summary(
    db: &Db,
    now: Timestamp,
    from: Timestamp,
    to: Timestamp,
) -> sqlx::Result<(i64, Option<Timestamp>)> {
    const SQL: &str = "SELECT COUNT(*), MAX(updated_at) FROM articles WHERE status = 'published' \
         AND published_at <= $1 AND published_at >= $2 AND published_at < $3";
    with_db!(db, p => sqlx::query_as(SQL).bind(now).bind(from).bind(to).fetch_one(p).await)
}

/// The first publication time among the articles readers may see.
pub async fn first_publication(db: &Db, now: Timestamp) -> sqlx::Result<Option<Timestamp>> {
    const SQL: &str =
        "SELECT MIN(published_at) FROM articles WHERE status = 'published' AND published_at <= $1";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(now).fetch_one(p).await)
}

/// The articles readers may see published in `[from, to)`, oldest first.
pub async fn published_between(
    db: &Db,
    now: Timestamp,
    from: Timestamp,
    to: Timestamp,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<MappedRow>> {
    const SQL: &str = "SELECT a.slug, s.slug AS section_slug, a.published_at, \
         a.updated_at, a.lead_media_id AS lead_id \
         FROM articles a JOIN sections s ON s.id = a.section_id \
         WHERE a.status = 'published' AND a.published_at <= $1 \
         AND a.published_at >= $2 AND a.published_at < $3 \
         ORDER BY a.published_at, a.id LIMIT $4 OFFSET $5";
    with_db!(db, p => {
        sqlx::query_as(SQL).bind(now).bind(from).bind(to).bind(limit).bind(offset).fetch_all(p).await
    })
}
