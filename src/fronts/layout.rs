//! The document an editor arranges for a front: a lead story, the stories beside it, and blocks
//! below. It holds only choices; anything left empty is filled automatically when the page is
//! assembled (`assemble.rs`), so an empty layout is the automatic front.
//!
//! Edits are pure functions of a layout, so the admin's buttons, a future API and the tests all
//! go through [`Layout::apply`] and the limits it keeps.

use serde::{Deserialize, Serialize};

use crate::cache::Tag;
use crate::error::AppError;

/// Stories an editor may put beside the lead.
pub const MAX_SECONDARY: usize = 6;
/// Blocks one front may hold.
pub const MAX_BLOCKS: usize = 16;
/// Stories one block may show, chosen or filled.
pub const MAX_PER_BLOCK: u8 = 12;
/// A block title's length, in characters.
pub const MAX_TITLE: usize = 80;

/// Which front a layout arranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontKey {
    Home,
    Section(i64),
}

impl FrontKey {
    /// What a change to the front reaches, in the caches' names (see [`crate::cache`]).
    pub fn cache_name(self) -> Tag {
        match self {
            FrontKey::Home => Tag::HOME,
            FrontKey::Section(id) => Tag::section(id),
        }
    }

    /// The key's text, in the database and in admin URLs: `home` or `section-12`.
    pub fn as_string(self) -> String {
        match self {
            FrontKey::Home => "home".into(),
            FrontKey::Section(id) => format!("section-{id}"),
        }
    }

    pub fn parse(s: &str) -> Option<FrontKey> {
        if s == "home" {
            return Some(FrontKey::Home);
        }
        let id = s.strip_prefix("section-")?;
        (id.bytes().all(|b| b.is_ascii_digit()) && !id.starts_with('0'))
            .then(|| id.parse().ok().map(FrontKey::Section))
            .flatten()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// The top story, by article id.
    #[serde(default)]
    pub lead: Option<i64>,
    /// The stories beside the lead, in order.
    #[serde(default)]
    pub secondary: Vec<i64>,
    #[serde(default)]
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub title: String,
    /// How many stories it shows; a hand-picked block shows its picks, up to this many.
    pub count: u8,
    pub source: Source,
}

/// Where a block's stories come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The newest stories (the section's own, on a section front), as a compact list.
    Latest,
    /// The most commented stories of the last week, as a compact list.
    MostCommented,
    /// A section's newest stories (with its subsections').
    Section { id: i64 },
    /// The newest stories with a tag.
    Tag { id: i64 },
    /// The stories an editor chose, in the order chosen.
    Picked { stories: Vec<i64> },
}

impl Source {
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Latest => "latest",
            Source::MostCommented => "most_commented",
            Source::Section { .. } => "section",
            Source::Tag { .. } => "tag",
            Source::Picked { .. } => "picked",
        }
    }

    /// Whether the block reads as a compact list (time, section, headline) rather than cards.
    pub fn is_list(&self) -> bool {
        matches!(self, Source::Latest | Source::MostCommented)
    }
}

/// A place a story can be put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Lead,
    Secondary,
    /// A hand-picked block, by its position.
    Block(usize),
}

/// An ordered list in the layout that can be reordered or trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// The lead slot, a list of at most one.
    Lead,
    Secondary,
    /// The stories of a hand-picked block.
    Picks(usize),
    /// The blocks themselves.
    Blocks,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Place {
        story: i64,
        slot: Slot,
    },
    MoveUp {
        list: List,
        index: usize,
    },
    MoveDown {
        list: List,
        index: usize,
    },
    Remove {
        list: List,
        index: usize,
    },
    AddBlock(Block),
    /// A block's title and size.
    Retitle {
        index: usize,
        title: String,
        count: u8,
    },
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

impl Block {
    /// A block with its title trimmed and checked, and a count within the limits.
    pub fn new(title: &str, count: u8, source: Source) -> Result<Block, AppError> {
        let title = title.trim();
        if title.is_empty() {
            return Err(bad("a block needs a title"));
        }
        if title.chars().count() > MAX_TITLE {
            return Err(bad(format!(
                "a block title may be at most {MAX_TITLE} characters"
            )));
        }
        if !(1..=MAX_PER_BLOCK).contains(&count) {
            return Err(bad(format!(
                "a block shows from 1 to {MAX_PER_BLOCK} stories"
            )));
        }
        Ok(Block {
            title: title.to_string(),
            count,
            source,
        })
    }
}

impl Layout {
    /// Every story the layout names, for checking they exist and for reading them in one go.
    pub fn stories(&self) -> impl Iterator<Item = i64> + '_ {
        self.lead.iter().chain(&self.secondary).copied().chain(
            self.blocks
                .iter()
                .flat_map(|b| match &b.source {
                    Source::Picked { stories } => stories.as_slice(),
                    _ => &[],
                })
                .copied(),
        )
    }

    pub fn is_empty(&self) -> bool {
        *self == Layout::default()
    }

    /// The layout after one edit, or why the edit cannot be made.
    pub fn apply(mut self, edit: Edit) -> Result<Layout, AppError> {
        match edit {
            Edit::Place { story, slot } => self.place(story, slot)?,
            Edit::MoveUp { list, index } => {
                let items = self.list_len(list)?;
                if index == 0 || index >= items {
                    return Err(bad("that item cannot move up"));
                }
                self.swap(list, index - 1, index)?;
            }
            Edit::MoveDown { list, index } => {
                let items = self.list_len(list)?;
                if index + 1 >= items {
                    return Err(bad("that item cannot move down"));
                }
                self.swap(list, index, index + 1)?;
            }
            Edit::Remove { list, index } => self.remove(list, index)?,
            Edit::AddBlock(block) => {
                if self.blocks.len() >= MAX_BLOCKS {
                    return Err(bad(format!("a front holds at most {MAX_BLOCKS} blocks")));
                }
                self.blocks.push(block);
            }
            Edit::Retitle {
                index,
                title,
                count,
            } => {
                let block = self.blocks.get(index).ok_or_else(|| bad("no such block"))?;
                let changed = Block::new(&title, count, block.source.clone())?;
                self.blocks[index] = changed;
            }
        }
        Ok(self)
    }

    fn place(&mut self, story: i64, slot: Slot) -> Result<(), AppError> {
        match slot {
            Slot::Lead => {
                self.secondary.retain(|s| *s != story);
                self.lead = Some(story);
            }
            Slot::Secondary => {
                if self.secondary.contains(&story) {
                    return Err(bad("that story is beside the lead already"));
                }
                if self.secondary.len() >= MAX_SECONDARY {
                    return Err(bad(format!(
                        "at most {MAX_SECONDARY} stories fit beside the lead"
                    )));
                }
                if self.lead == Some(story) {
                    self.lead = None;
                }
                self.secondary.push(story);
            }
            Slot::Block(i) => {
                let stories = self.picks_mut(i)?;
                if stories.contains(&story) {
                    return Err(bad("that story is in this block already"));
                }
                if stories.len() >= usize::from(MAX_PER_BLOCK) {
                    return Err(bad(format!(
                        "a block holds at most {MAX_PER_BLOCK} stories"
                    )));
                }
                stories.push(story);
                let picked = stories.len();
                let block = &mut self.blocks[i];
                block.count = block
                    .count
                    .max(u8::try_from(picked).unwrap_or(MAX_PER_BLOCK));
            }
        }
        Ok(())
    }

    fn picks_mut(&mut self, block: usize) -> Result<&mut Vec<i64>, AppError> {
        match self.blocks.get_mut(block).map(|b| &mut b.source) {
            Some(Source::Picked { stories }) => Ok(stories),
            Some(_) => Err(bad("stories can be placed only in a hand-picked block")),
            None => Err(bad("no such block")),
        }
    }

    fn list_len(&mut self, list: List) -> Result<usize, AppError> {
        Ok(match list {
            List::Lead => usize::from(self.lead.is_some()),
            List::Secondary => self.secondary.len(),
            List::Picks(i) => self.picks_mut(i)?.len(),
            List::Blocks => self.blocks.len(),
        })
    }

    fn swap(&mut self, list: List, a: usize, b: usize) -> Result<(), AppError> {
        match list {
            List::Lead => return Err(bad("the lead slot holds one story")),
            List::Secondary => self.secondary.swap(a, b),
            List::Picks(i) => self.picks_mut(i)?.swap(a, b),
            List::Blocks => self.blocks.swap(a, b),
        }
        Ok(())
    }

    fn remove(&mut self, list: List, index: usize) -> Result<(), AppError> {
        if index >= self.list_len(list)? {
            return Err(bad("there is nothing there to remove"));
        }
        match list {
            List::Lead => self.lead = None,
            List::Secondary => {
                self.secondary.remove(index);
            }
            List::Picks(i) => {
                self.picks_mut(i)?.remove(index);
            }
            List::Blocks => {
                self.blocks.remove(index);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picked(title: &str, stories: Vec<i64>) -> Block {
        Block::new(title, 4, Source::Picked { stories }).unwrap()
    }

    /// The layout after placing each story in its slot, in turn.
    fn placing(layout: &Layout, places: &[(i64, Slot)]) -> Result<Layout, AppError> {
        places.iter().try_fold(layout.clone(), |l, &(story, slot)| {
            l.apply(Edit::Place { story, slot })
        })
    }

    fn moving(layout: &Layout, edits: Vec<Edit>) -> Result<Layout, AppError> {
        edits.into_iter().try_fold(layout.clone(), Layout::apply)
    }

    #[test]
    fn keys_read_back_and_refuse_anything_else() {
        for key in [FrontKey::Home, FrontKey::Section(12)] {
            assert_eq!(FrontKey::parse(&key.as_string()), Some(key));
        }
        for bad in [
            "",
            "Home",
            "section-",
            "section-012",
            "section-1x",
            "section--1",
            "tag-3",
        ] {
            assert_eq!(FrontKey::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn placing_a_story_moves_it_between_lead_and_secondary() {
        let layout = placing(
            &Layout::default(),
            &[(1, Slot::Secondary), (2, Slot::Secondary), (1, Slot::Lead)],
        )
        .unwrap();
        assert_eq!((layout.lead, layout.secondary.clone()), (Some(1), vec![2]));
        let layout = placing(&layout, &[(1, Slot::Secondary)]).unwrap();
        assert_eq!((layout.lead, layout.secondary), (None, vec![2, 1]));
    }

    #[test]
    fn moves_stay_inside_their_list() {
        let layout = Layout {
            secondary: vec![1, 2, 3],
            ..Layout::default()
        };
        let up = |index| Edit::MoveUp {
            list: List::Secondary,
            index,
        };
        let down = |index| Edit::MoveDown {
            list: List::Secondary,
            index,
        };
        assert_eq!(
            moving(&layout, vec![up(2)]).unwrap().secondary,
            vec![1, 3, 2]
        );
        assert_eq!(
            moving(&layout, vec![up(2), down(0)]).unwrap().secondary,
            vec![3, 1, 2]
        );
        let remove = Edit::Remove {
            list: List::Secondary,
            index: 3,
        };
        for edit in [up(0), down(2), remove] {
            assert!(moving(&layout, vec![edit.clone()]).is_err(), "{edit:?}");
        }
    }

    #[test]
    fn blocks_reorder_and_take_picks_only_when_hand_picked() {
        let latest = Block::new("Latest", 5, Source::Latest).unwrap();
        let blocks = vec![
            Edit::AddBlock(picked("Picks", vec![])),
            Edit::AddBlock(latest),
        ];
        let layout = moving(&Layout::default(), blocks).unwrap();
        let layout = placing(&layout, &[(7, Slot::Block(0))]).unwrap();
        for (story, slot) in [
            (7, Slot::Block(1)),
            (7, Slot::Block(0)),
            (7, Slot::Block(2)),
        ] {
            assert!(placing(&layout, &[(story, slot)]).is_err(), "{slot:?}");
        }
        let swapped = moving(
            &layout,
            vec![Edit::MoveDown {
                list: List::Blocks,
                index: 0,
            }],
        )
        .unwrap();
        assert_eq!(swapped.blocks[0].title, "Latest");
        assert_eq!(swapped.stories().collect::<Vec<_>>(), vec![7]);
        let trimmed = moving(
            &swapped,
            vec![
                Edit::Remove {
                    list: List::Picks(1),
                    index: 0,
                },
                Edit::Remove {
                    list: List::Blocks,
                    index: 0,
                },
            ],
        )
        .unwrap();
        assert_eq!(trimmed.blocks.len(), 1);
    }

    #[test]
    fn limits_hold() {
        let beside: Vec<(i64, Slot)> = (1..=6).map(|s| (s, Slot::Secondary)).collect();
        let layout = placing(&Layout::default(), &beside).unwrap();
        assert!(placing(&layout, &[(9, Slot::Secondary)]).is_err());
        let blocks = (0..MAX_BLOCKS)
            .map(|_| Edit::AddBlock(picked("P", vec![])))
            .collect();
        let layout = moving(&layout, blocks).unwrap();
        assert!(moving(&layout, vec![Edit::AddBlock(picked("P", vec![]))]).is_err());
        let picks: Vec<(i64, Slot)> = (1..=i64::from(MAX_PER_BLOCK))
            .map(|s| (s, Slot::Block(0)))
            .collect();
        let layout = placing(&layout, &picks).unwrap();
        assert_eq!(layout.blocks[0].count, MAX_PER_BLOCK);
        assert!(placing(&layout, &[(99, Slot::Block(0))]).is_err());
        for (title, count) in [
            ("  ", 3),
            (&"x".repeat(MAX_TITLE + 1) as &str, 3),
            ("Latest", 0),
            ("Latest", MAX_PER_BLOCK + 1),
        ] {
            assert!(
                Block::new(title, count, Source::Latest).is_err(),
                "{title:?} {count}"
            );
        }
        let retitle = Edit::Retitle {
            index: 1,
            title: " Opinion ".into(),
            count: 3,
        };
        assert_eq!(
            moving(&layout, vec![retitle]).unwrap().blocks[1].title,
            "Opinion"
        );
    }

    #[test]
    fn the_json_document_reads_back() {
        let layout = Layout {
            lead: Some(3),
            secondary: vec![4, 5],
            blocks: vec![
                picked("Editor's picks", vec![8, 9]),
                Block::new("Business", 4, Source::Section { id: 2 }).unwrap(),
                Block::new("Most commented", 5, Source::MostCommented).unwrap(),
            ],
        };
        let json = serde_json::to_string(&layout).unwrap();
        assert!(json.contains(r#""kind":"picked""#), "{json}");
        assert_eq!(serde_json::from_str::<Layout>(&json).unwrap(), layout);
        assert_eq!(
            serde_json::from_str::<Layout>("{}").unwrap(),
            Layout::default()
        );
    }
}
