//! The related articles under a story: those an editor pinned, in their order, then those the
//! index finds about the same thing ([`super::service::related`]); the section's newest while
//! this node's index is not ready.

use super::index::SearchIndex;
use super::service::{self, RelatedTo};
use crate::articles::service::{self as articles, Card};
use crate::db::{Db, Timestamp};
use crate::error::AppResult;

/// How many related articles a story shows.
pub const COUNT: usize = 4;

/// The story whose related articles are wanted.
pub struct Story<'a> {
    pub id: i64,
    pub section_id: i64,
    pub headline: &'a str,
    pub published_at: Timestamp,
}

pub async fn cards(
    db: &Db,
    index: &SearchIndex,
    now: Timestamp,
    story: &Story<'_>,
) -> AppResult<Vec<Card>> {
    let mut ids = articles::pinned_related(db, story.id).await?;
    ids.truncate(COUNT);
    let wanted = RelatedTo {
        id: story.id,
        headline: story.headline.to_string(),
        published_at: story.published_at,
    };
    match service::related(index, wanted, ids.clone(), COUNT - ids.len(), now).await? {
        Some(found) => ids.extend(found),
        None => {
            let newest =
                articles::newest_in_section(db, now, story.section_id, story.id, COUNT).await?;
            ids.extend(
                newest
                    .into_iter()
                    .map(|c| c.id)
                    .filter(|id| !ids.contains(id))
                    .take(COUNT - ids.len())
                    .collect::<Vec<_>>(),
            );
        }
    }
    let mut cards = articles::cards_by_ids(db, now, &ids).await?;
    cards.sort_by_key(|c| ids.iter().position(|id| *id == c.id));
    Ok(cards)
}
