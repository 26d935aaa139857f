//! An article's history while it is written: revisions and each person's autosaved fields.

use sqlx::FromRow;

use crate::db::{Db, Timestamp, Tx};
use crate::{with_db, with_tx};

pub async fn insert_revision(
    tx: &mut Tx,
    article_id: i64,
    user_id: Option<i64>,
    at: Timestamp,
    headline: &str,
    snapshot: &str,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO revisions (article_id, user_id, created_at, headline, snapshot) \
         VALUES ($1, $2, $3, $4, $5)";
    with_tx!(tx, c => sqlx::query(SQL).bind(article_id).bind(user_id).bind(at).bind(headline)
        .bind(snapshot).execute(c).await.map(|_| ()))
}

#[derive(Debug, Clone, FromRow)]
pub struct RevisionRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub created_at: Timestamp,
    pub headline: String,
    pub snapshot: String,
}

pub async fn revisions(db: &Db, article_id: i64) -> sqlx::Result<Vec<RevisionRow>> {
    const SQL: &str = "SELECT id, user_id, created_at, headline, snapshot FROM revisions \
         WHERE article_id = $1 ORDER BY created_at DESC, id DESC";
    with_db!(db, p => sqlx::query_as(SQL).bind(article_id).fetch_all(p).await)
}

pub async fn put_autosave(
    db: &Db,
    article_id: i64,
    user_id: i64,
    at: Timestamp,
    fields: &str,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO autosaves (article_id, user_id, saved_at, fields) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (article_id, user_id) \
         DO UPDATE SET saved_at = excluded.saved_at, fields = excluded.fields";
    with_db!(db, p => sqlx::query(SQL).bind(article_id).bind(user_id).bind(at).bind(fields)
        .execute(p).await.map(|_| ()))
}

pub async fn autosave(
    db: &Db,
    article_id: i64,
    user_id: i64,
) -> sqlx::Result<Option<(Timestamp, String)>> {
    const SQL: &str =
        "SELECT saved_at, fields FROM autosaves WHERE article_id = $1 AND user_id = $2";
    with_db!(db, p => sqlx::query_as(SQL).bind(article_id).bind(user_id).fetch_optional(p).await)
}

pub async fn delete_autosave(db: &Db, article_id: i64, user_id: i64) -> sqlx::Result<()> {
    with_db!(db, p => sqlx::query("DELETE FROM autosaves WHERE article_id = $1 AND user_id = $2")
        .bind(article_id).bind(user_id).execute(p).await.map(|_| ()))
}
