//! What feeds need beyond a list's cards: the bodies and change times of a page of articles,
//! and their bylines and tags, each read for the whole page at once.

use sqlx::{AssertSqlSafe, FromRow};

use crate::db::{Db, Timestamp, placeholders};
use crate::with_db;

#[derive(Debug, Clone, FromRow)]
pub struct BodyRow {
    pub id: i64,
    pub body_html: String,
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
async fn by_ids<T>(db: &Db, sql: &str, ids: &[i64]) -> sqlx::Result<Vec<T>>
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
        "SELECT id, body_html, updated_at FROM articles WHERE id IN ({})",
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
