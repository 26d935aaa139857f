//! Caches of what readers see, and how they forget. Every cached value says what it shows
//! ([`Shows`]), every write says what it changed ([`Changed`]), and a change drops only the
//! values it reaches (see [`tags`] and [`changes`]).
//!
//! Memory stays bounded with two maps: new entries fill the young map, and when it holds half the
//! budget it becomes the old map and the previous old map is dropped. Entries read from the old
//! map move back to the young one, so what is still being read survives (a cheap approximation
//! of least-recently-used that needs no bookkeeping on a hit).

pub mod changes;
pub mod purge;
pub mod tags;

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};

pub use changes::{Changes, Forget, Hearing};
pub use tags::{Changed, Shows, Tag};

pub struct TaggedCache<V> {
    budget_bytes: usize,
    changes: Arc<Changes>,
    maps: RwLock<Maps<V>>,
}

struct Maps<V> {
    young: HashMap<String, Slot<V>>,
    old: HashMap<String, Slot<V>>,
    young_bytes: usize,
    old_bytes: usize,
}

struct Slot<V> {
    value: V,
    size: usize,
    shows: Shows,
}

impl<V> Default for Maps<V> {
    fn default() -> Self {
        Maps {
            young: HashMap::new(),
            old: HashMap::new(),
            young_bytes: 0,
            old_bytes: 0,
        }
    }
}

impl<V: Clone + Send + Sync + 'static> TaggedCache<V> {
    /// A cache that hears of every change `changes` records.
    pub fn new(budget_bytes: usize, changes: &Arc<Changes>) -> Arc<Self> {
        let cache = Arc::new(TaggedCache {
            budget_bytes,
            changes: changes.clone(),
            maps: RwLock::new(Maps::default()),
        });
        let weak: Weak<dyn Forget> = Arc::downgrade(&cache) as Weak<dyn Forget>;
        changes.subscribe(weak);
        cache
    }

    pub fn get(&self, key: &str) -> Option<V> {
        {
            let maps = self.maps.read().ok()?;
            if let Some(slot) = maps.young.get(key) {
                return Some(slot.value.clone());
            }
            if !maps.old.contains_key(key) {
                return None;
            }
        }
        let mut maps = self.maps.write().ok()?;
        let slot = maps.old.remove(key)?;
        maps.old_bytes -= slot.size;
        let value = slot.value.clone();
        maps.store(key, slot, self.budget_bytes);
        Some(value)
    }

    /// Stores `value` (about `size` bytes, showing `shows`) unless a change since `since` (the
    /// [`Changes::seq`] taken before its data was read) reached what it shows.
    pub fn insert(&self, key: &str, since: u64, value: V, size: usize, shows: Shows) {
        let Ok(mut maps) = self.maps.write() else {
            return;
        };
        if self.changes.touched_since(since, &shows) {
            return;
        }
        if let Some(old) = maps.old.remove(key) {
            maps.old_bytes -= old.size;
        }
        let slot = Slot { value, size, shows };
        maps.store(key, slot, self.budget_bytes);
    }

    pub fn len(&self) -> usize {
        self.maps
            .read()
            .map(|m| m.young.len() + m.old.len())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// About how many bytes the entries hold.
    pub fn bytes(&self) -> usize {
        self.maps
            .read()
            .map(|m| m.young_bytes + m.old_bytes)
            .unwrap_or(0)
    }
}

impl<V> Maps<V> {
    fn store(&mut self, key: &str, slot: Slot<V>, budget_bytes: usize) {
        self.young_bytes += slot.size;
        if let Some(replaced) = self.young.insert(key.to_string(), slot) {
            self.young_bytes -= replaced.size;
        }
        if self.young_bytes > budget_bytes / 2 {
            self.old = std::mem::take(&mut self.young);
            self.old_bytes = std::mem::take(&mut self.young_bytes);
        }
    }
}

impl<V: Send + Sync> Forget for TaggedCache<V> {
    fn forget(&self, changed: &Changed) {
        let Ok(mut maps) = self.maps.write() else {
            return;
        };
        if *changed == Changed::Everything {
            *maps = Maps::default();
            return;
        }
        let Maps {
            young,
            old,
            young_bytes,
            old_bytes,
        } = &mut *maps;
        for (map, bytes) in [(young, young_bytes), (old, old_bytes)] {
            map.retain(|_, slot| {
                let keep = !changed.touches(&slot.shows);
                if !keep {
                    *bytes -= slot.size;
                }
                keep
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_drops_only_what_it_reaches() {
        let changes = Changes::new();
        let cache = TaggedCache::new(10_000, &changes);
        let at = changes.seq();
        cache.insert("/a", at, 'a', 100, Shows::only([Tag::article(1)]));
        cache.insert(
            "/home",
            at,
            'h',
            100,
            Shows::only([Tag::article(1), Tag::HOME]),
        );
        cache.insert("/b", at, 'b', 100, Shows::only([Tag::article(2)]));
        cache.insert("/api", at, 'x', 100, Shows::Anything);
        changes.apply(Changed::only([Tag::article(1)]));
        assert_eq!(cache.get("/a"), None);
        assert_eq!(cache.get("/home"), None);
        assert_eq!(
            cache.get("/api"),
            None,
            "untagged values go with any change"
        );
        assert_eq!(cache.get("/b"), Some('b'));
        assert_eq!(cache.bytes(), 100);
        changes.apply(Changed::Everything);
        assert!(cache.is_empty());
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn values_built_before_a_change_they_show_are_refused() {
        let changes = Changes::new();
        let cache = TaggedCache::new(10_000, &changes);
        let before = changes.seq();
        changes.apply(Changed::only([Tag::article(1)]));
        cache.insert("/a", before, 'a', 100, Shows::only([Tag::article(1)]));
        assert_eq!(cache.get("/a"), None, "built from what changed meanwhile");
        cache.insert("/b", before, 'b', 100, Shows::only([Tag::article(2)]));
        assert_eq!(cache.get("/b"), Some('b'), "the change did not reach it");
    }

    #[test]
    fn the_budget_holds_and_what_is_read_survives() {
        let changes = Changes::new();
        let cache = TaggedCache::new(1000, &changes);
        let at = changes.seq();
        let shows = Shows::only([Tag::ARCHIVE]);
        for i in 0..30 {
            cache.insert(&format!("/p{i}"), at, i, 100, shows.clone());
            assert_eq!(cache.get("/p0"), Some(0), "read on every round, so kept");
        }
        assert!(
            cache.len() <= 12,
            "bounded by the budget, holds {}",
            cache.len()
        );
        assert!(cache.bytes() <= 1000);
        assert_eq!(cache.get("/p29"), Some(29), "recent entries survive");
        cache.insert("/p29", at, 290, 100, shows);
        assert_eq!(cache.get("/p29"), Some(290), "a store replaces");
    }
}
