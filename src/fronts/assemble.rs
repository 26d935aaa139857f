//! A layout filled with stories: what a reader's front shows at one moment.
//!
//! Editors' choices come first and claim their stories; every slot left empty is then filled
//! automatically, newest first, skipping what the page shows already, so no story appears twice
//! unless an editor placed it twice. A placed story readers may not see (unpublished, archived,
//! deleted) is simply left out, and its slot falls back like an empty one.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::Duration;

use super::layout::{Block, FrontKey, Layout, Source};
use crate::articles::cache_names;
use crate::articles::service::{self as articles, Card, Listing, Section};
use crate::cache::{Shows, Tag};
use crate::db::{Db, Timestamp};
use crate::error::AppResult;

/// Stories beside an automatic lead.
const SECONDARY: usize = 4;
/// The automatic home page's "Latest" list and section blocks.
const LATEST: u8 = 6;
const PER_SECTION: u8 = 4;
/// How far back "most commented" looks.
const MOST_COMMENTED_DAYS: i64 = 7;

pub struct Front {
    pub lead: Option<Card>,
    pub secondary: Vec<Card>,
    pub blocks: Vec<FilledBlock>,
    /// The layout and the lists the front was filled from: a change to any of them may change
    /// what it shows.
    pub lists: BTreeSet<Tag>,
}

impl Front {
    /// Every story the front shows, for leaving them out of a list below it.
    pub fn story_ids(&self) -> HashSet<i64> {
        self.lead
            .iter()
            .chain(&self.secondary)
            .chain(self.blocks.iter().flat_map(|b| &b.cards))
            .map(|c| c.id)
            .collect()
    }

    pub fn cards(&self) -> impl Iterator<Item = &Card> {
        self.lead
            .iter()
            .chain(&self.secondary)
            .chain(self.blocks.iter().flat_map(|b| &b.cards))
    }

    /// What the front shows, for the caches: its stories, its layout and its lists.
    pub fn shows(&self) -> Shows {
        Shows::only(
            self.cards()
                .map(|c| cache_names::card(c.id))
                .chain(self.lists.iter().cloned()),
        )
    }
}

pub struct FilledBlock {
    pub title: String,
    /// The section or tag page the block comes from.
    pub link: Option<BlockLink>,
    /// Shown as a compact list (time, section, headline) rather than cards.
    pub is_list: bool,
    pub cards: Vec<Card>,
}

pub enum BlockLink {
    Section(String),
    Tag(String),
}

/// The home page at `now`: its layout in force, filled.
pub async fn home(db: &Db, now: Timestamp) -> AppResult<Front> {
    let layout = super::service::in_force(db, now, FrontKey::Home).await?;
    fill(db, now, FrontKey::Home, &layout).await
}

/// A section front's top and blocks at `now`, or `None` while its editors have not laid it
/// out: a section's automatic front is its list of stories, newest first.
pub async fn section(db: &Db, now: Timestamp, section_id: i64) -> AppResult<Option<Front>> {
    let key = FrontKey::Section(section_id);
    let layout = super::service::in_force(db, now, key).await?;
    if layout.is_empty() {
        return Ok(None);
    }
    Ok(Some(fill(db, now, key, &layout).await?))
}

/// The stories `layout` places that readers may see at `now`, by id.
pub async fn live_stories(
    db: &Db,
    now: Timestamp,
    layout: &Layout,
) -> AppResult<HashMap<i64, Card>> {
    let placed: Vec<i64> = layout.stories().collect();
    Ok(articles::cards_by_ids(db, now, &placed)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

/// The stories a front would show with `layout`, at `now`.
pub async fn fill(db: &Db, now: Timestamp, front: FrontKey, layout: &Layout) -> AppResult<Front> {
    let live = live_stories(db, now, layout).await?;
    let mut shown: HashSet<i64> = live.keys().copied().collect();
    let mut filler = Filler {
        db,
        now,
        shown: &mut shown,
        lists: BTreeSet::from([front.cache_name()]),
    };
    let sections = articles::sections(db).await?;
    let scope = match front {
        FrontKey::Home => None,
        FrontKey::Section(id) => Some(id),
    };

    let lead = match layout.lead.and_then(|id| live.get(&id)) {
        Some(card) => Some(card.clone()),
        None => {
            let listing = scope.map_or(Listing::WithLeadImage, Listing::SectionWithLeadImage);
            filler.take(listing, 1).await?.pop()
        }
    };
    let placed_secondary: Vec<Card> = layout
        .secondary
        .iter()
        .filter_map(|id| live.get(id).cloned())
        .collect();
    let secondary = if placed_secondary.is_empty() {
        filler.take(newest_of(scope), SECONDARY).await?
    } else {
        placed_secondary
    };

    let automatic;
    let blocks: &[Block] = if layout.blocks.is_empty() && front == FrontKey::Home {
        automatic = automatic_home_blocks(&sections);
        &automatic
    } else {
        &layout.blocks
    };
    let mut filled = Vec::with_capacity(blocks.len());
    for block in blocks {
        let count = usize::from(block.count);
        let (cards, link) = match &block.source {
            Source::Picked { stories } => (
                stories
                    .iter()
                    .filter_map(|id| live.get(id).cloned())
                    .take(count)
                    .collect(),
                None,
            ),
            Source::Latest => (filler.take(newest_of(scope), count).await?, None),
            Source::MostCommented => {
                let since = Timestamp::from_datetime(
                    now.to_datetime() - Duration::days(MOST_COMMENTED_DAYS),
                );
                let wanted = count + filler.shown.len();
                let cards = articles::most_commented(db, now, since, scope, wanted).await?;
                filler.lists.insert(newest_of(scope).cache_name());
                filler.lists.insert(Tag::COMMENTS);
                (filler.keep_unshown(cards, count), None)
            }
            Source::Section { id } => {
                let Some(section) = sections.iter().find(|s| s.id == *id) else {
                    continue;
                };
                let slug = section.slug.clone();
                let cards = filler.take(Listing::Section(*id), count).await?;
                (cards, Some(BlockLink::Section(slug)))
            }
            Source::Tag { id } => {
                let Some(tag) = articles::tag(db, *id).await? else {
                    continue;
                };
                let cards = filler.take(Listing::Tag(*id), count).await?;
                (cards, Some(BlockLink::Tag(tag.slug)))
            }
        };
        if !cards.is_empty() {
            filled.push(FilledBlock {
                title: block.title.clone(),
                link,
                is_list: block.source.is_list(),
                cards,
            });
        }
    }
    Ok(Front {
        lead,
        secondary,
        blocks: filled,
        lists: filler.lists,
    })
}

fn newest_of(scope: Option<i64>) -> Listing {
    scope.map_or(Listing::All, Listing::Section)
}

/// The blocks of a home page nobody has laid out: a short "Latest" list, then the newest
/// stories of each top-level section.
fn automatic_home_blocks(sections: &[Section]) -> Vec<Block> {
    let latest = Block {
        title: "Latest".into(),
        count: LATEST,
        source: Source::Latest,
    };
    let by_section = sections
        .iter()
        .filter(|s| s.parent_id.is_none())
        .map(|s| Block {
            title: s.name.clone(),
            count: PER_SECTION,
            source: Source::Section { id: s.id },
        });
    std::iter::once(latest).chain(by_section).collect()
}

/// Fills slots automatically, never with a story the page shows already.
struct Filler<'a> {
    db: &'a Db,
    now: Timestamp,
    shown: &'a mut HashSet<i64>,
    lists: BTreeSet<Tag>,
}

impl Filler<'_> {
    async fn take(&mut self, listing: Listing, count: usize) -> AppResult<Vec<Card>> {
        self.lists.insert(listing.cache_name());
        let wanted = count + self.shown.len();
        let cards = articles::newest(self.db, self.now, listing, wanted).await?;
        Ok(self.keep_unshown(cards, count))
    }

    fn keep_unshown(&mut self, cards: Vec<Card>, count: usize) -> Vec<Card> {
        let kept: Vec<Card> = cards
            .into_iter()
            .filter(|c| !self.shown.contains(&c.id))
            .take(count)
            .collect();
        self.shown.extend(kept.iter().map(|c| c.id));
        kept
    }
}
