//! SQL of the search room: the change log every node's indexer tails, and the epoch that tells
//! nodes to rebuild.

use crate::db::{Db, Tx};
use crate::{with_db, with_tx};

/// The next sequence number, computed in the statement: the content version's row, which every
/// writer updates first, serialises writers, so numbers are handed out in commit order and a
/// reader never sees a number while a smaller one is still to commit.
macro_rules! upsert_log {
    ($articles:literal) => {
        concat!(
            "INSERT INTO search_log (article_id, seq) \
             SELECT a.id, (SELECT COALESCE(MAX(seq), 0) FROM search_log) \
             + ROW_NUMBER() OVER (ORDER BY a.id) FROM articles a WHERE ",
            $articles,
            " ON CONFLICT (article_id) DO UPDATE SET seq = excluded.seq"
        )
    };
}

pub async fn record(tx: &mut Tx, article_id: i64) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO search_log (article_id, seq) \
         VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM search_log)) \
         ON CONFLICT (article_id) DO UPDATE SET seq = excluded.seq";
    with_tx!(tx, c => sqlx::query(SQL).bind(article_id).execute(c).await.map(|_| ()))
}

pub async fn record_section(tx: &mut Tx, section_id: i64) -> sqlx::Result<()> {
    const SQL: &str = upsert_log!(
        "a.section_id = $1 OR a.section_id IN (SELECT id FROM sections WHERE parent_id = $1)"
    );
    with_tx!(tx, c => sqlx::query(SQL).bind(section_id).execute(c).await.map(|_| ()))
}

pub async fn record_tag(tx: &mut Tx, tag_id: i64) -> sqlx::Result<()> {
    const SQL: &str =
        upsert_log!("a.id IN (SELECT article_id FROM article_tags WHERE tag_id = $1)");
    with_tx!(tx, c => sqlx::query(SQL).bind(tag_id).execute(c).await.map(|_| ()))
}

pub async fn record_author(tx: &mut Tx, author_id: i64) -> sqlx::Result<()> {
    const SQL: &str =
        upsert_log!("a.id IN (SELECT article_id FROM article_authors WHERE author_id = $1)");
    with_tx!(tx, c => sqlx::query(SQL).bind(author_id).execute(c).await.map(|_| ()))
}

/// Forgets the log and moves the epoch: every node rebuilds.
pub async fn reset(tx: &mut Tx) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        sqlx::query("DELETE FROM search_log").execute(&mut *c).await?;
        sqlx::query("UPDATE search_epoch SET epoch = epoch + 1 WHERE id = 1")
            .execute(&mut *c).await.map(|_| ())
    })
}

/// The epoch and the last sequence number written.
pub async fn head(db: &Db) -> sqlx::Result<(i64, i64)> {
    const SQL: &str = "SELECT e.epoch, COALESCE((SELECT MAX(seq) FROM search_log), 0) \
         FROM search_epoch e WHERE e.id = 1";
    with_db!(db, p => sqlx::query_as(SQL).fetch_one(p).await)
}

/// Changes after `seq`, oldest first: `(article id, seq)`.
pub async fn changes_after(db: &Db, seq: i64, limit: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    const SQL: &str = "SELECT article_id, seq FROM search_log WHERE seq > $1 ORDER BY seq LIMIT $2";
    with_db!(db, p => sqlx::query_as(SQL).bind(seq).bind(limit).fetch_all(p).await)
}
