//! SQL for media items. Private to the media room.

use sqlx::FromRow;

use crate::db::{Db, Timestamp, Tx};
use crate::{with_db, with_tx};

pub struct NewMedia<'a> {
    pub sha256: &'a str,
    pub path: &'a str,
    pub content_type: &'a str,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub alt: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
    pub created_at: Timestamp,
}

/// Inserts a media item, or returns the existing one with the same content.
pub async fn upsert(tx: &mut Tx, m: &NewMedia<'_>) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO media (sha256, path, content_type, width, height, bytes, alt, \
         caption, credit, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (sha256) DO UPDATE SET alt = $7, caption = $8, credit = $9 RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL)
        .bind(m.sha256).bind(m.path).bind(m.content_type).bind(m.width).bind(m.height)
        .bind(m.bytes).bind(m.alt).bind(m.caption).bind(m.credit).bind(m.created_at)
        .fetch_one(c).await)
}

/// Deletes media that no article or author uses.
pub async fn delete_unused(tx: &mut Tx) -> sqlx::Result<u64> {
    const SQL: &str = "DELETE FROM media WHERE id NOT IN \
         (SELECT lead_media_id FROM articles WHERE lead_media_id IS NOT NULL) \
         AND id NOT IN (SELECT avatar_media_id FROM authors WHERE avatar_media_id IS NOT NULL)";
    with_tx!(tx, c => sqlx::query(SQL).execute(c).await.map(|r| r.rows_affected()))
}

#[derive(Debug, Clone, FromRow)]
pub struct MediaRow {
    pub id: i64,
    pub path: String,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub focal_x: i64,
    pub focal_y: i64,
    pub created_at: Timestamp,
}

macro_rules! media_where {
    ($tail:literal) => {
        concat!(
            "SELECT id, path, content_type, width, height, bytes, alt, caption, credit, focal_x, \
             focal_y, created_at FROM media ",
            $tail
        )
    };
}

/// The library, newest first, optionally only items whose text mentions `search`.
pub async fn library(
    db: &Db,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<MediaRow>> {
    const SQL: &str = media_where!(
        "WHERE ($1 IS NULL OR lower(alt || ' ' || caption || ' ' || credit) LIKE $1) \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    let pattern = search.map(|s| format!("%{}%", s.to_lowercase()));
    with_db!(db, p => sqlx::query_as(SQL).bind(pattern.as_deref()).bind(limit).bind(offset)
        .fetch_all(p).await)
}

pub async fn count(db: &Db, search: Option<&str>) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM media \
         WHERE ($1 IS NULL OR lower(alt || ' ' || caption || ' ' || credit) LIKE $1)";
    let pattern = search.map(|s| format!("%{}%", s.to_lowercase()));
    with_db!(db, p => sqlx::query_scalar(SQL).bind(pattern.as_deref()).fetch_one(p).await)
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<MediaRow>> {
    const SQL: &str = media_where!("WHERE id = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub struct MediaText<'a> {
    pub alt: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
    pub focal_x: i64,
    pub focal_y: i64,
}

pub async fn update_text(tx: &mut Tx, id: i64, t: &MediaText<'_>) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE media SET alt = $1, caption = $2, credit = $3, focal_x = $4, \
         focal_y = $5 WHERE id = $6";
    with_tx!(tx, c => sqlx::query(SQL).bind(t.alt).bind(t.caption).bind(t.credit)
        .bind(t.focal_x).bind(t.focal_y).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn set_uploader(tx: &mut Tx, id: i64, user_id: Option<i64>) -> sqlx::Result<()> {
    with_tx!(tx, c => sqlx::query("UPDATE media SET uploaded_by = $1 WHERE id = $2 AND uploaded_by IS NULL")
        .bind(user_id).bind(id).execute(c).await.map(|_| ()))
}

/// How many articles and author profiles use an item.
pub async fn uses(db: &Db, id: i64) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT (SELECT COUNT(*) FROM articles WHERE lead_media_id = $1) \
         + (SELECT COUNT(*) FROM authors WHERE avatar_media_id = $1)";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(id).fetch_one(p).await)
}

pub async fn delete(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    with_tx!(tx, c => sqlx::query("DELETE FROM media WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
}
