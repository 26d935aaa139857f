//! What the comments room needs to know about an article, and the one figure it keeps here: the
//! approved-comment count that article lists show.

use chrono_tz::Tz;

use super::reads::public_path;
use super::store;
use crate::accounts::service::User;
use crate::db::{Db, Timestamp, Tx};
use crate::error::AppResult;

/// An article as the comments room sees it.
#[derive(Debug, Clone)]
pub struct CommentTarget {
    pub id: i64,
    pub headline: String,
    /// Where readers find it; `None` while it is not published.
    pub path: Option<String>,
    pub comments_open: bool,
    pub published_at: Option<Timestamp>,
    /// The author profiles on its byline.
    pub author_ids: Vec<i64>,
    pub created_by: Option<i64>,
}

impl CommentTarget {
    /// Whether `user` counts as one of this article's authors: they created it or their author
    /// profile is on the byline.
    pub fn is_author(&self, user: &User) -> bool {
        self.created_by == Some(user.id)
            || user.author_id.is_some_and(|a| self.author_ids.contains(&a))
    }
}

pub async fn comment_target(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    id: i64,
) -> AppResult<Option<CommentTarget>> {
    let Some(article) = store::article_by_id(db, id).await? else {
        return Ok(None);
    };
    let author_ids = store::authors_of(db, id)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    Ok(Some(CommentTarget {
        id,
        path: public_path(&article, now, tz),
        headline: article.headline,
        comments_open: article.comments_open,
        published_at: article.published_at,
        author_ids,
        created_by: article.created_by,
    }))
}

pub async fn set_comment_count_in(tx: &mut Tx, id: i64, count: i64) -> AppResult<()> {
    Ok(store::set_comment_count(tx, id, count).await?)
}

/// The articles whose comments `user` moderates as their author.
pub async fn authored_article_ids(db: &Db, user: &User) -> AppResult<Vec<i64>> {
    Ok(store::owned_ids(db, user.id, user.author_id).await?)
}
