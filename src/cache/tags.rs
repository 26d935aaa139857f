//! Names for what a cached page shows and what a write changed. A page lists what it shows, a
//! write says what it changed, and a page is dropped only when the two meet: a comment approved
//! on one story drops that story's page and the lists that show its card, not the whole site.
//! The same names go out in each page's `Surrogate-Key` header, so a cache in front of the
//! site (Varnish, a CDN) can be told to purge exactly what the site's own cache drops.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// One thing pages show: an article, a list, the site's search. Never contains a space.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(Cow<'static, str>);

impl Tag {
    /// An article: its own page, and its card wherever one is shown (headline, standfirst,
    /// picture, date, section and comment count).
    pub fn article(id: i64) -> Tag {
        Tag(Cow::Owned(format!("a{id}")))
    }

    /// Which stories a section lists and in what order: its front, its pages and its feeds (a
    /// sub-section's stories are listed by its parent too).
    pub fn section(id: i64) -> Tag {
        Tag(Cow::Owned(format!("s{id}")))
    }

    /// Which stories a tag (a label on stories) lists.
    pub fn labelled(id: i64) -> Tag {
        Tag(Cow::Owned(format!("t{id}")))
    }

    /// Which stories an author's page lists.
    pub fn author(id: i64) -> Tag {
        Tag(Cow::Owned(format!("u{id}")))
    }

    /// A standalone page ("About us").
    pub fn page(id: i64) -> Tag {
        Tag(Cow::Owned(format!("p{id}")))
    }

    /// Lists of the whole archive: the home page's latest stories, the site's feeds, sitemaps
    /// and date archives.
    pub const ARCHIVE: Tag = Tag(Cow::Borrowed("archive"));
    /// The home page's front as its editors laid it out.
    pub const HOME: Tag = Tag(Cow::Borrowed("home"));
    /// Search results, answered from this node's index.
    pub const SEARCH: Tag = Tag(Cow::Borrowed("search"));
    /// Related-articles blocks, chosen from this node's index: they change when a story enters
    /// or leaves it.
    pub const RELATED: Tag = Tag(Cow::Borrowed("related"));
    /// The sitemaps, which every change to an article reaches (its last change is listed).
    pub const SITEMAPS: Tag = Tag(Cow::Borrowed("sitemaps"));
    /// Lists of comments from across the site (the comments feed).
    pub const COMMENTS: Tag = Tag(Cow::Borrowed("comments"));

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key every page carries in `Surrogate-Key`: purging it empties a cache in front.
pub const SITE_KEY: &str = "site";
/// The key of pages that did not say what they show: purged on every change.
pub const ANY_KEY: &str = "any";

/// What a cached page or value shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shows {
    /// Not said: any change drops it. The safe default for a response nobody tagged.
    Anything,
    /// Only these, sorted and without repeats.
    Only(Arc<[Tag]>),
}

impl Shows {
    pub fn only(tags: impl IntoIterator<Item = Tag>) -> Shows {
        let set: BTreeSet<Tag> = tags.into_iter().collect();
        Shows::Only(set.into_iter().collect())
    }

    /// These tags besides what is already shown (a page that shows anything still does).
    pub fn and(self, more: impl IntoIterator<Item = Tag>) -> Shows {
        match self {
            Shows::Anything => Shows::Anything,
            Shows::Only(tags) => Shows::only(tags.iter().cloned().chain(more)),
        }
    }

    /// The `Surrogate-Key` header's value: the site key, then what the page shows.
    pub fn surrogate_key(&self) -> String {
        let mut keys = String::from(SITE_KEY);
        match self {
            Shows::Anything => {
                keys.push(' ');
                keys.push_str(ANY_KEY);
            }
            Shows::Only(tags) => {
                for tag in tags.iter() {
                    keys.push(' ');
                    keys.push_str(tag.as_str());
                }
            }
        }
        keys
    }

    /// The same names for `Cache-Tag` (Cloudflare and others), which separates them by commas.
    pub fn cache_tag(&self) -> String {
        self.surrogate_key().replace(' ', ",")
    }

    fn contains(&self, tag: &Tag) -> bool {
        match self {
            Shows::Anything => true,
            Shows::Only(tags) => tags.binary_search(tag).is_ok(),
        }
    }
}

/// What a write changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Changed {
    /// Something every page shows (the site's settings, its navigation, a section's name, the
    /// theme), or more than is worth naming (an import): every cached page goes.
    Everything,
    Only(BTreeSet<Tag>),
}

impl Changed {
    pub fn only(tags: impl IntoIterator<Item = Tag>) -> Changed {
        Changed::Only(tags.into_iter().collect())
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Changed::Only(tags) if tags.is_empty())
    }

    /// Adds what `other` changed.
    pub fn merge(&mut self, other: Changed) {
        match (&mut *self, other) {
            (Changed::Everything, _) => {}
            (this, Changed::Everything) => *this = Changed::Everything,
            (Changed::Only(tags), Changed::Only(more)) => tags.extend(more),
        }
    }

    /// Whether a value that shows `shows` is out of date after this change.
    pub fn touches(&self, shows: &Shows) -> bool {
        match self {
            Changed::Everything => true,
            Changed::Only(tags) => tags.iter().any(|t| shows.contains(t)),
        }
    }

    /// The keys a cache in front purges for this change: the site key for everything, else
    /// the changed names and the key of pages that did not say what they show.
    pub fn purge_keys(&self) -> Vec<String> {
        match self {
            Changed::Everything => vec![SITE_KEY.to_string()],
            Changed::Only(tags) => tags
                .iter()
                .map(|t| t.as_str().to_string())
                .chain([ANY_KEY.to_string()])
                .collect(),
        }
    }

    /// As the change log stores it: `*` for everything, else the names separated by spaces.
    pub fn encode(&self) -> String {
        match self {
            Changed::Everything => "*".into(),
            Changed::Only(tags) => tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(" "),
        }
    }

    /// Reads [`Changed::encode`]'s form; anything it cannot read means everything, which is
    /// never wrong, only slower.
    pub fn decode(stored: &str) -> Changed {
        let mut tags = BTreeSet::new();
        for name in stored.split_whitespace() {
            if name == "*" || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Changed::Everything;
            }
            tags.insert(Tag(Cow::Owned(name.to_string())));
        }
        Changed::Only(tags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_reaches_only_what_shows_it() {
        let home = Shows::only([Tag::ARCHIVE, Tag::article(1), Tag::article(2)]);
        let other = Shows::only([Tag::article(3)]);
        let comment = Changed::only([Tag::article(2), Tag::COMMENTS]);
        assert!(comment.touches(&home));
        assert!(!comment.touches(&other));
        assert!(
            comment.touches(&Shows::Anything),
            "untagged pages always go"
        );
        assert!(Changed::Everything.touches(&other));
        assert!(!Changed::only([]).touches(&home));
    }

    #[test]
    fn changes_merge_and_survive_the_log() {
        let mut change = Changed::only([Tag::article(7)]);
        change.merge(Changed::only([Tag::section(2), Tag::article(7)]));
        assert_eq!(change.encode(), "a7 s2");
        assert_eq!(Changed::decode(&change.encode()), change);
        change.merge(Changed::Everything);
        assert_eq!(change, Changed::Everything);
        assert_eq!(Changed::decode("*"), Changed::Everything);
        assert_eq!(Changed::decode("a1 b-2"), Changed::Everything, "unreadable");
        assert_eq!(Changed::decode(""), Changed::only([]));
    }

    #[test]
    fn surrogate_keys_name_the_site_and_what_the_page_shows() {
        let shows = Shows::only([Tag::article(9), Tag::HOME, Tag::article(9)]);
        assert_eq!(shows.surrogate_key(), "site a9 home");
        assert_eq!(Shows::Anything.surrogate_key(), "site any");
        assert_eq!(shows.cache_tag(), "site,a9,home");
        assert_eq!(
            Changed::only([Tag::article(9)]).purge_keys(),
            vec!["a9", "any"]
        );
        assert_eq!(Changed::Everything.purge_keys(), vec!["site"]);
    }
}
