//! What other rooms call when they change what the index holds. Each call belongs inside the
//! transaction of the change, so the change and its log entry commit together: a node that
//! misses a write, or crashes while indexing it, finds it in the log when it looks again.

use super::store;
use crate::cache::{Changed, Tag};
use crate::db::Tx;
use crate::error::AppResult;

/// Whatever changed of an article (text, status, time, labels, or the article is gone).
pub async fn article_changed_in(tx: &mut Tx, article_id: i64) -> AppResult<()> {
    // First, for the row lock that orders the log (see `store`).
    tx.changed(Changed::only([Tag::article(article_id)]))
        .await?;
    store::record(tx, article_id).await?;
    Ok(())
}

/// A label many articles carry, whose name or place changed: each of its articles is logged.
#[derive(Debug, Clone, Copy)]
pub enum Label {
    /// A section, with its sub-sections' articles (their index entries name the parent).
    Section(i64),
    Tag(i64),
    Author(i64),
}

/// Call before deleting the label, while its articles still carry it.
pub async fn label_changed_in(tx: &mut Tx, label: Label) -> AppResult<()> {
    tx.bump_content_version().await?;
    match label {
        Label::Section(id) => store::record_section(tx, id).await?,
        Label::Tag(id) => store::record_tag(tx, id).await?,
        Label::Author(id) => store::record_author(tx, id).await?,
    }
    Ok(())
}

/// The whole archive was replaced: every node rebuilds its index from the database.
pub async fn archive_replaced_in(tx: &mut Tx) -> AppResult<()> {
    tx.bump_content_version().await?;
    store::reset(tx).await?;
    Ok(())
}
