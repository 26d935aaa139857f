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
    pub width: i64,
    pub height: i64,
    pub alt: String,
}

/// The library, newest first.
pub async fn library(db: &Db, limit: i64) -> sqlx::Result<Vec<MediaRow>> {
    const SQL: &str = "SELECT id, path, width, height, alt FROM media \
         ORDER BY created_at DESC, id DESC LIMIT $1";
    with_db!(db, p => sqlx::query_as(SQL).bind(limit).fetch_all(p).await)
}
