//! SQL for site settings, a key–value table so that new settings need no migration.

use crate::db::{Db, Tx};
use crate::{with_db, with_tx};

pub async fn all(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    with_db!(db, p => sqlx::query_as("SELECT key, value FROM settings").fetch_all(p).await)
}

pub async fn put(tx: &mut Tx, key: &str, value: &str) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = $2";
    with_tx!(tx, c => sqlx::query(SQL).bind(key).bind(value).execute(c).await.map(|_| ()))
}
