//! How many renders one client may cause a minute. A cache hit costs almost nothing and is never
//! counted; a miss costs a decode and an encode, and varying `width`, `quality` or `bgcolor`
//! makes every request a miss, so one address could otherwise keep every worker busy. Counted
//! per node in memory (renders are per node too), per IPv4 address or IPv6 /64.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::rate_limit::address_key;

const MINUTE: Duration = Duration::from_secs(60);
/// Past this many clients in the table, those whose minute is over are dropped.
const TIDY_AT: usize = 10_000;

pub struct RenderBudget {
    per_minute: u32,
    clients: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RenderBudget {
    /// `per_minute` renders per client; 0 for no limit.
    pub fn new(per_minute: u32) -> RenderBudget {
        RenderBudget {
            per_minute,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one render for `client`; false when its renders for this minute are spent.
    pub fn charge(&self, client: &str) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let now = Instant::now();
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if clients.len() >= TIDY_AT {
            clients.retain(|_, (since, _)| now.duration_since(*since) < MINUTE);
        }
        let (since, count) = clients.entry(address_key(client)).or_insert((now, 0));
        if now.duration_since(*since) >= MINUTE {
            *since = now;
            *count = 0;
        }
        if *count >= self.per_minute {
            return false;
        }
        *count += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_gets_its_own_allowance() {
        let budget = RenderBudget::new(2);
        assert!(budget.charge("203.0.113.1"));
        assert!(budget.charge("203.0.113.1"));
        assert!(!budget.charge("203.0.113.1"));
        assert!(budget.charge("203.0.113.2"));
        assert!(budget.charge("2001:db8::1"));
        assert!(budget.charge("2001:db8::2"));
        assert!(
            !budget.charge("2001:db8::3"),
            "one /64 shares one allowance"
        );
        let unlimited = RenderBudget::new(0);
        assert!((0..1000).all(|_| unlimited.charge("203.0.113.1")));
    }
}
