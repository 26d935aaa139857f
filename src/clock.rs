//! The one source of "now". Production reads the system clock; tests hold a fixed clock they can
//! move, so schedules, expiries and date-dependent pages are deterministic.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::db::Timestamp;

#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    pub fn fixed(at: Timestamp) -> Self {
        Clock::Fixed(Arc::new(AtomicI64::new(at.micros())))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::from_datetime(chrono::Utc::now()),
            Clock::Fixed(at) => Timestamp::from_micros(at.load(Ordering::Acquire)),
        }
    }

    /// Moves a fixed clock forward; the system clock cannot be moved.
    pub fn advance_seconds(&self, seconds: i64) {
        if let Clock::Fixed(at) = self {
            at.fetch_add(seconds.saturating_mul(1_000_000), Ordering::AcqRel);
        }
    }
}
