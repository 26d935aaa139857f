//! Results pages' cards kept in memory. A search answers from the index in a fraction of a
//! millisecond, and fetching its ten cards from the database cost as much again, mostly in
//! handing the query to the database's threads and back; a card changes only when a write says
//! so ([`super::cache_names::card`], or a change to everything for a renamed author, section or
//! image), so a kept card is as good as a fetched one until then.

use std::sync::Arc;

use super::indexing::Found;
use crate::cache::{Changes, Shows, TaggedCache};

/// Cards of articles readers could see when they were fetched, by article id. Only writes make
/// a published story invisible (withdrawn, re-dated, deleted), and every such write reaches the
/// card's name, so a kept card never shows what a reader may not see.
pub struct FoundCards {
    cards: Arc<TaggedCache<Arc<Found>>>,
}

/// About what a card and its bylines hold, for the cache's budget.
fn size(found: &Found) -> usize {
    let card = &found.card;
    let image = card
        .image
        .as_ref()
        .map_or(0, |i| i.src.len() + i.srcset.len() + i.alt.len() + 64);
    let text = [
        &card.url,
        &card.headline,
        &card.standfirst,
        &card.section_name,
        &card.section_url,
        &card.date_iso,
        &card.date_short,
        &card.time_short,
    ]
    .iter()
    .map(|s| s.len() + 24)
    .sum::<usize>();
    let bylines: usize = found
        .bylines
        .iter()
        .map(|b| b.text.len() + b.url.len() + 48)
        .sum();
    text + image + bylines + 128
}

impl FoundCards {
    pub fn new(budget_bytes: usize, changes: &Arc<Changes>) -> FoundCards {
        FoundCards {
            cards: TaggedCache::new(budget_bytes, changes),
        }
    }

    pub(super) fn get(&self, id: i64) -> Option<Arc<Found>> {
        self.cards.get(&id.to_string())
    }

    /// Keeps `found`, read after [`Changes::seq`] was `since`, unless it changed meanwhile.
    pub(super) fn keep(&self, since: u64, id: i64, found: Arc<Found>) {
        let bytes = size(&found);
        let shows = Shows::only([super::cache_names::card(id)]);
        self.cards
            .insert(&id.to_string(), since, found, bytes, shows);
    }
}
