//! This process's record of content changes: a sequence number that moves with each, the most
//! recent ones, and the caches to tell. A write's transaction applies its change here when it
//! commits; the change log in the database brings other nodes' changes (see
//! [`crate::db::Db::follow_changes`]).
//!
//! A value built from data read before a change must not be kept after it: builders take
//! [`Changes::seq`] before reading, and a cache asks [`Changes::touched_since`] under its own
//! lock before storing. A change is recorded before caches are told, so either the store sees
//! the change and refuses, or the change's drop comes after the store and removes it.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::tags::{Changed, Shows};

/// How many recent changes are kept for [`Changes::touched_since`]: a build that took longer
/// than this many changes is not kept, which is never wrong.
const RECENT: usize = 1024;

/// A cache that drops what a change reaches.
pub trait Forget: Send + Sync {
    fn forget(&self, changed: &Changed);
}

#[derive(Default)]
pub struct Changes {
    seq: AtomicU64,
    everything_seq: AtomicU64,
    recent: Mutex<VecDeque<(u64, Changed)>>,
    caches: Mutex<Vec<Weak<dyn Forget>>>,
    /// Versions of the shared log this process wrote and has already applied, so following
    /// the log does not apply them twice.
    own_versions: Mutex<BTreeSet<i64>>,
    notifications: AtomicU8,
    /// Every change drops everything: the rule before pages named what they show, kept for
    /// ruling the caches out and for measuring (`--page-cache-invalidation everything`).
    drop_everything: AtomicBool,
}

/// How other nodes' changes reach this one, for the health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hearing {
    /// By polling the change log alone: SQLite, or no listener started.
    Polling = 0,
    /// PostgreSQL notifies this node of every commit.
    Listening = 1,
    /// The listener lost its connection; the poll carries on meanwhile.
    Lost = 2,
}

impl Changes {
    pub fn new() -> Arc<Self> {
        Arc::new(Changes::default())
    }

    /// Moves with every change applied here.
    pub fn seq(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }

    /// Moves only with changes to everything: what the site-wide layout follows.
    pub fn everything_seq(&self) -> u64 {
        self.everything_seq.load(Ordering::Acquire)
    }

    /// Makes every change drop everything from now on.
    pub fn drop_everything_on_change(&self) {
        self.drop_everything.store(true, Ordering::Relaxed);
    }

    /// Records `changed` and tells every cache.
    pub fn apply(&self, mut changed: Changed) {
        if changed.is_empty() {
            return;
        }
        if self.drop_everything.load(Ordering::Relaxed) {
            changed = Changed::Everything;
        }
        {
            let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            let seq = self.seq.load(Ordering::Acquire) + 1;
            if changed == Changed::Everything {
                self.everything_seq.store(seq, Ordering::Release);
            }
            recent.push_back((seq, changed.clone()));
            if recent.len() > RECENT {
                recent.pop_front();
            }
            self.seq.store(seq, Ordering::Release);
        }
        let caches: Vec<Arc<dyn Forget>> = {
            let mut caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
            caches.retain(|c| c.strong_count() > 0);
            caches.iter().filter_map(Weak::upgrade).collect()
        };
        for cache in caches {
            cache.forget(&changed);
        }
    }

    /// Whether a change since `seq` reaches what `shows` shows; also when the record no longer
    /// reaches back to `seq`.
    pub fn touched_since(&self, seq: u64, shows: &Shows) -> bool {
        let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if self.seq.load(Ordering::Acquire) == seq {
            return false;
        }
        match recent.front() {
            Some((first, _)) if *first <= seq + 1 => recent
                .iter()
                .filter(|(at, _)| *at > seq)
                .any(|(_, changed)| changed.touches(shows)),
            _ => true,
        }
    }

    /// Tells `cache` of every change from now on, for as long as it lives.
    pub fn subscribe(&self, cache: Weak<dyn Forget>) {
        self.caches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(cache);
    }

    pub fn hearing(&self) -> Hearing {
        match self.notifications.load(Ordering::Relaxed) {
            1 => Hearing::Listening,
            2 => Hearing::Lost,
            _ => Hearing::Polling,
        }
    }

    pub(crate) fn set_hearing(&self, hearing: Hearing) {
        self.notifications.store(hearing as u8, Ordering::Relaxed);
    }

    /// Notes that this process wrote `version` of the shared log and applied it already.
    pub(crate) fn wrote(&self, version: i64) {
        self.own_versions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(version);
    }

    /// Whether `version` is one this process wrote; versions up to it are forgotten.
    pub(crate) fn take_own(&self, version: i64) -> bool {
        let mut own = self.own_versions.lock().unwrap_or_else(|p| p.into_inner());
        let mine = own.remove(&version);
        own.retain(|v| *v > version);
        mine
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::tags::Tag;

    struct Counter(Mutex<Vec<Changed>>);

    impl Forget for Counter {
        fn forget(&self, changed: &Changed) {
            self.0.lock().unwrap().push(changed.clone());
        }
    }

    #[test]
    fn builds_that_raced_a_change_are_caught() {
        let changes = Changes::new();
        let shows = Shows::only([Tag::article(1)]);
        let before = changes.seq();
        assert!(!changes.touched_since(before, &shows));
        changes.apply(Changed::only([Tag::article(2)]));
        assert!(!changes.touched_since(before, &shows), "another article");
        changes.apply(Changed::only([Tag::article(1)]));
        assert!(changes.touched_since(before, &shows));
        assert_eq!(changes.everything_seq(), 0);
        changes.apply(Changed::Everything);
        assert_eq!(changes.everything_seq(), changes.seq());
    }

    #[test]
    fn a_build_older_than_the_record_is_refused() {
        let changes = Changes::new();
        let shows = Shows::only([Tag::article(1)]);
        for n in 0..(RECENT as i64 + 5) {
            changes.apply(Changed::only([Tag::article(n + 10)]));
        }
        assert!(changes.touched_since(0, &shows), "too old to tell");
        assert!(!changes.touched_since(changes.seq() - 3, &shows));
    }

    #[test]
    fn caches_hear_of_changes_while_they_live() {
        let changes = Changes::new();
        let cache = Arc::new(Counter(Mutex::new(Vec::new())));
        let weak: Weak<dyn Forget> = Arc::downgrade(&cache) as Weak<dyn Forget>;
        changes.subscribe(weak);
        changes.apply(Changed::only([Tag::HOME]));
        changes.apply(Changed::only([]));
        assert_eq!(cache.0.lock().unwrap().len(), 1, "an empty change is none");
        drop(cache);
        changes.apply(Changed::Everything);
        assert!(
            changes.caches.lock().unwrap().is_empty(),
            "dropped caches are let go"
        );
    }

    #[test]
    fn own_versions_are_skipped_once() {
        let changes = Changes::new();
        changes.wrote(4);
        changes.wrote(6);
        assert!(!changes.take_own(3));
        assert!(changes.take_own(4));
        assert!(!changes.take_own(4));
        assert!(!changes.take_own(7));
        assert!(!changes.take_own(6), "forgotten once passed");
    }
}
