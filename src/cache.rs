//! A bounded map whose entries belong to one content generation ([`crate::db::Db::generation`]).
//! Any change to published content moves the generation, and every older entry becomes a miss,
//! so cached reads never outlive the data they were made from.
//!
//! Memory stays bounded with two maps: new entries fill the young map, and when it holds half the
//! budget it becomes the old map and the previous old map is dropped. Entries read from the old
//! map move back to the young one, so what is still being read survives (a cheap approximation
//! of least-recently-used that needs no bookkeeping on a hit).

use std::collections::HashMap;
use std::sync::RwLock;

pub struct GenerationCache<V> {
    budget_bytes: usize,
    maps: RwLock<Maps<V>>,
}

struct Maps<V> {
    generation: u64,
    young: HashMap<String, (V, usize)>,
    old: HashMap<String, (V, usize)>,
    young_bytes: usize,
    old_bytes: usize,
}

impl<V> Default for Maps<V> {
    fn default() -> Self {
        Maps {
            generation: 0,
            young: HashMap::new(),
            old: HashMap::new(),
            young_bytes: 0,
            old_bytes: 0,
        }
    }
}

impl<V: Clone> GenerationCache<V> {
    pub fn new(budget_bytes: usize) -> Self {
        GenerationCache {
            budget_bytes,
            maps: RwLock::new(Maps::default()),
        }
    }

    pub fn get(&self, key: &str, generation: u64) -> Option<V> {
        let maps = self.maps.read().ok()?;
        if maps.generation != generation {
            return None;
        }
        if let Some((value, _)) = maps.young.get(key) {
            return Some(value.clone());
        }
        let (value, size) = maps.old.get(key)?.clone();
        drop(maps);
        self.insert(key, generation, value.clone(), size);
        Some(value)
    }

    /// Stores `value` (about `size` bytes) if `generation` is still current; a value computed
    /// from an older generation is dropped.
    pub fn insert(&self, key: &str, generation: u64, value: V, size: usize) {
        let Ok(mut maps) = self.maps.write() else {
            return;
        };
        if generation < maps.generation {
            return;
        }
        if generation > maps.generation {
            *maps = Maps {
                generation,
                ..Maps::default()
            };
        }
        maps.young_bytes += size;
        maps.young.insert(key.to_string(), (value, size));
        if maps.young_bytes > self.budget_bytes / 2 {
            maps.old = std::mem::take(&mut maps.young);
            maps.old_bytes = std::mem::take(&mut maps.young_bytes);
        }
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

    /// About how many bytes the entries hold (an entry read again from the old map counts in
    /// both until the old map is dropped).
    pub fn bytes(&self) -> usize {
        self.maps
            .read()
            .map(|m| m.young_bytes + m.old_bytes)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::GenerationCache;

    #[test]
    fn entries_expire_with_their_generation_and_stay_within_budget() {
        let cache = GenerationCache::new(1000);
        cache.insert("/a", 1, 'a', 100);
        assert_eq!(cache.get("/a", 1), Some('a'));
        assert_eq!(cache.get("/a", 2), None, "a newer generation misses");
        cache.insert("/b", 2, 'b', 100);
        assert_eq!(cache.get("/a", 2), None, "older entries were dropped");
        cache.insert("/stale", 1, 's', 100);
        assert_eq!(
            cache.get("/stale", 2),
            None,
            "values from an older generation are refused"
        );
        for i in 0..30 {
            cache.insert(&format!("/p{i}"), 2, 'p', 100);
        }
        assert!(
            cache.len() <= 12,
            "bounded by the budget, holds {}",
            cache.len()
        );
        assert_eq!(cache.get("/p29", 2), Some('p'), "recent entries survive");
    }
}
