//! Pacing for bulk sends: each message takes the next free slot, `1 / rate` seconds after the
//! one before, so a node never goes faster than its relay or provider allows however many
//! connections send at once.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

pub struct Throttle {
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

impl Throttle {
    /// `rate` messages a second; 0 for no limit.
    pub fn per_second(rate: u32) -> Throttle {
        Throttle {
            interval: (rate > 0).then(|| Duration::from_secs_f64(1.0 / f64::from(rate))),
            next: Mutex::new(None),
        }
    }

    /// Waits for this caller's slot.
    pub async fn wait(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn callers_are_spaced_by_the_interval() {
        let throttle = Throttle::per_second(10);
        let start = Instant::now();
        for _ in 0..5 {
            throttle.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }

    #[tokio::test(start_paused = true)]
    async fn no_rate_means_no_wait() {
        let throttle = Throttle::per_second(0);
        let start = Instant::now();
        for _ in 0..100 {
            throttle.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
