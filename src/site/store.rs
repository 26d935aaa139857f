//! SQL for site settings, a key–value table so that new settings need no migration.

use crate::db::{Db, Timestamp, Tx};
use crate::{with_db, with_tx};

pub async fn all(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    with_db!(db, p => sqlx::query_as("SELECT key, value FROM settings").fetch_all(p).await)
}

pub async fn put(tx: &mut Tx, key: &str, value: &str) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = $2";
    with_tx!(tx, c => sqlx::query(SQL).bind(key).bind(value).execute(c).await.map(|_| ()))
}

pub async fn get(db: &Db, key: &str) -> sqlx::Result<Option<String>> {
    with_db!(db, p => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key).fetch_optional(p).await)
}

/// Stores a value unless the key already has one (the first node to start wins).
pub async fn put_if_absent(db: &Db, key: &str, value: &str) -> sqlx::Result<()> {
    const SQL: &str =
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
    with_db!(db, p => sqlx::query(SQL).bind(key).bind(value).execute(p).await.map(|_| ()))
}

pub async fn save_redirect(
    tx: &mut Tx,
    path: &str,
    target: &str,
    at: Timestamp,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO redirects (path, target, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (path) DO UPDATE SET target = $2";
    with_tx!(tx, c => sqlx::query(SQL).bind(path).bind(target).bind(at)
        .execute(c).await.map(|_| ()))
}

pub async fn redirect(db: &Db, path: &str) -> sqlx::Result<Option<String>> {
    with_db!(db, p => sqlx::query_scalar("SELECT target FROM redirects WHERE path = $1")
        .bind(path).fetch_optional(p).await)
}

pub async fn retarget_redirects(tx: &mut Tx, from: &str, to: &str) -> sqlx::Result<()> {
    with_tx!(tx, c => sqlx::query("UPDATE redirects SET target = $2 WHERE target = $1")
        .bind(from).bind(to).execute(c).await.map(|_| ()))
}
