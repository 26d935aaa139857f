//! The Content API keys table.

use super::keys::ContentKey;
use crate::db::{Db, Timestamp, Tx};
use crate::{with_db, with_tx};

pub async fn insert(tx: &mut Tx, name: &str, key: &str, now: Timestamp) -> sqlx::Result<i64> {
    const SQL: &str =
        "INSERT INTO content_keys (name, key, created_at) VALUES ($1, $2, $3) RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL).bind(name).bind(key).bind(now).fetch_one(c).await)
}

pub async fn live(db: &Db) -> sqlx::Result<Vec<ContentKey>> {
    const SQL: &str = "SELECT id, name, key, created_at FROM content_keys \
         WHERE revoked_at IS NULL ORDER BY created_at DESC, id DESC";
    with_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

pub async fn revoke(tx: &mut Tx, id: i64, now: Timestamp) -> sqlx::Result<u64> {
    const SQL: &str =
        "UPDATE content_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";
    with_tx!(tx, c => sqlx::query(SQL).bind(now).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn exists(db: &Db, key: &str) -> sqlx::Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM content_keys WHERE key = $1 AND revoked_at IS NULL";
    with_db!(db, p => sqlx::query_scalar::<_, i64>(SQL).bind(key).fetch_one(p).await.map(|n| n > 0))
}
