//! Values read once from a segment of the index and kept between searches. A segment's
//! documents never change (a write adds a segment, deletions are checked apart), so what is
//! read from them holds until the segment is merged away.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use tantivy::SegmentReader;
use tantivy::index::SegmentId;

pub struct PerSegment<T> {
    values: Mutex<HashMap<SegmentId, T>>,
}

impl<T: Clone> PerSegment<T> {
    pub fn new() -> PerSegment<T> {
        PerSegment {
            values: Mutex::new(HashMap::new()),
        }
    }

    /// The value kept for `reader`'s segment while `still` holds for it, else `make`'s, kept.
    /// `make` runs outside the lock: two searches may both make a value, never wait on one.
    pub fn get(
        &self,
        reader: &SegmentReader,
        still: impl Fn(&T) -> bool,
        make: impl FnOnce() -> tantivy::Result<T>,
    ) -> tantivy::Result<T> {
        let id = reader.segment_id();
        if let Some(kept) = self.lock().get(&id).filter(|v| still(v)) {
            return Ok(kept.clone());
        }
        let made = make()?;
        self.lock().insert(id, made.clone());
        Ok(made)
    }

    /// Forgets the segments not among `searched` (merged away or deleted).
    pub fn keep_only(&self, searched: &[SegmentReader]) {
        let mut values = self.lock();
        if values.len() > searched.len() {
            values.retain(|id, _| searched.iter().any(|r| r.segment_id() == *id));
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SegmentId, T>> {
        self.values.lock().unwrap_or_else(|p| p.into_inner())
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }
}
