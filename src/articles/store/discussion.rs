//! What the comments room asks of articles: who owns them, and the approved-comment count lists
//! show.

use crate::db::{Db, Tx};
use crate::{with_db, with_tx};

/// Keeps the approved-comment count that lists show; the comments room recounts in its own
/// transaction and records the figure here.
pub async fn set_comment_count(tx: &mut Tx, id: i64, count: i64) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE articles SET comment_count = $1 WHERE id = $2";
    with_tx!(tx, c => sqlx::query(SQL).bind(count).bind(id).execute(c).await.map(|_| ()))
}

/// The articles a person created or carries a byline on through their author profile.
pub async fn owned_ids(db: &Db, user_id: i64, author_id: Option<i64>) -> sqlx::Result<Vec<i64>> {
    const SQL: &str = "SELECT id FROM articles WHERE created_by = $1 \
         UNION SELECT article_id FROM article_authors WHERE author_id = $2 ORDER BY 1";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(user_id).bind(author_id).fetch_all(p).await)
}
