//! The articles room in the caches' names (see [`crate::cache`]): what its cards and lists show,
//! and what a change to an article reaches. A story's own edit reaches its page, its card
//! wherever shown and the sitemaps; a change of where it is listed (published, withdrawn, re-dated, moved to
//! another section, tagged or credited otherwise) also reaches the lists it left and entered.

use super::store::{self, Listing, Placement};
use crate::cache::{Changed, Tag};
use crate::db::Tx;
use crate::error::AppResult;

/// What showing a card of article `id` shows.
pub fn card(id: i64) -> Tag {
    Tag::article(id)
}

impl Listing {
    /// The list's name: what a change to its members reaches.
    pub fn cache_name(self) -> Tag {
        match self {
            Listing::All | Listing::WithLeadImage | Listing::Between(..) => Tag::ARCHIVE,
            Listing::Section(id) | Listing::SectionWithLeadImage(id) => Tag::section(id),
            Listing::Related { section_id, .. } => Tag::section(section_id),
            Listing::Tag(id) => Tag::labelled(id),
            Listing::Author(id) => Tag::author(id),
        }
    }
}

/// Where article `id` is listed now, to compare with after a change ([`changed_in`]).
pub async fn placement_in(tx: &mut Tx, id: i64) -> AppResult<Option<Placement>> {
    Ok(store::placement_in(tx, id).await?)
}

/// Records in `tx` that article `id` changed; `before` is where it was listed before the change
/// (`None` for a new article), so the lists it left or entered are reached too.
pub async fn changed_in(tx: &mut Tx, id: i64, before: Option<&Placement>) -> AppResult<()> {
    let after = store::placement_in(tx, id).await?;
    let mut names = vec![card(id), Tag::SITEMAPS];
    if before != after.as_ref() {
        for placement in [before, after.as_ref()].into_iter().flatten() {
            names.extend(lists_of(placement));
        }
    }
    tx.changed(Changed::only(names)).await?;
    Ok(())
}

/// The lists an article placed so shows up in; none while it is not out or on its way out.
fn lists_of(p: &Placement) -> Vec<Tag> {
    if !matches!(p.status.as_str(), "published" | "scheduled") {
        return Vec::new();
    }
    std::iter::once(Tag::ARCHIVE)
        .chain(
            std::iter::once(p.section_id)
                .chain(p.parent_section_id)
                .map(Tag::section),
        )
        .chain(p.tag_ids.iter().copied().map(Tag::labelled))
        .chain(p.author_ids.iter().copied().map(Tag::author))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_story_reaches_its_section_parent_tags_and_authors() {
        let placement = Placement {
            status: "published".into(),
            published_at: None,
            section_id: 4,
            parent_section_id: Some(1),
            tag_ids: vec![7],
            author_ids: vec![3],
        };
        let names: Vec<String> = lists_of(&placement).iter().map(Tag::to_string).collect();
        assert_eq!(names, ["archive", "s4", "s1", "t7", "u3"]);
        let draft = Placement {
            status: "draft".into(),
            ..placement
        };
        assert!(lists_of(&draft).is_empty(), "a draft is in no list");
    }
}
