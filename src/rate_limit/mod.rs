//! Rate limits shared by every node: sign-in attempts, password links, comments.
//!
//! A limited action first records its attempt, then counts the attempts in its window, and goes
//! ahead only when the count is within the limit ("reserve, then work"). Because each request's
//! own record precedes its count, N parallel requests against a limit of k let at most k through,
//! whichever order they commit in; counting first and recording after the work, as a naive
//! limiter does, lets them all through. A refused attempt takes its record back, so being refused
//! does not push the window on (WordPress's flood rule counts only comments it took); parallel
//! requests may then both be refused where one could have passed, never both admitted.
//!
//! Addresses are counted per IPv4 address and per IPv6 /64, the smallest network a subscriber
//! is given: counting every IPv6 address apart would give one machine 2⁶⁴ allowances.

mod store;

use std::net::IpAddr;

use crate::db::{Db, Timestamp};
use crate::error::AppResult;

/// Attempts older than this are forgotten by the housekeeping; no window is longer.
pub const LONGEST_WINDOW_SECONDS: i64 = 24 * 3600;

/// At most `max` attempts under `scope` in any `window_seconds`.
#[derive(Debug, Clone)]
pub struct Limit {
    pub scope: String,
    pub max: i64,
    pub window_seconds: i64,
}

impl Limit {
    pub fn new(scope: impl Into<String>, max: i64, window_seconds: i64) -> Limit {
        Limit {
            scope: scope.into(),
            max,
            window_seconds: window_seconds.clamp(1, LONGEST_WINDOW_SECONDS),
        }
    }
}

/// The records of an admitted attempt, to take back if it should not count after all.
#[must_use]
pub struct Reservation {
    ids: Vec<i64>,
}

/// Records one attempt under every limit's scope and counts: `Ok` with the records when every
/// limit holds, or `Err` with the first limit the attempt would take past its maximum (the
/// records then taken back).
pub async fn reserve<'a>(
    db: &Db,
    now: Timestamp,
    limits: &'a [Limit],
) -> AppResult<Result<Reservation, &'a Limit>> {
    let scopes: Vec<&str> = limits.iter().map(|l| l.scope.as_str()).collect();
    let mut tx = db.begin().await?;
    let ids = store::record(&mut tx, &scopes, now).await?;
    tx.commit().await?;
    for limit in limits {
        let since = now.plus_seconds(-limit.window_seconds);
        if store::count_since(db, &limit.scope, since).await? > limit.max {
            store::forget(db, &ids).await?;
            return Ok(Err(limit));
        }
    }
    Ok(Ok(Reservation { ids }))
}

/// Takes back an admitted attempt, for an action that succeeded and should not count against
/// the next.
pub async fn release(db: &Db, reservation: Reservation) -> AppResult<()> {
    Ok(store::forget(db, &reservation.ids).await?)
}

/// Whether some limit is already reached, without recording anything: for failures counted only
/// after the work that reveals them (a wrong API key), where right attempts must never count —
/// a front end may send a hundred at once.
pub async fn reached(db: &Db, now: Timestamp, limits: &[Limit]) -> AppResult<bool> {
    for limit in limits {
        let since = now.plus_seconds(-limit.window_seconds);
        if store::count_since(db, &limit.scope, since).await? >= limit.max {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Records one failed attempt under every limit's scope.
pub async fn record(db: &Db, now: Timestamp, limits: &[Limit]) -> AppResult<()> {
    let scopes: Vec<&str> = limits.iter().map(|l| l.scope.as_str()).collect();
    let mut tx = db.begin().await?;
    store::record(&mut tx, &scopes, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets every attempt under `scope`.
pub async fn clear(db: &Db, scope: &str) -> AppResult<()> {
    Ok(store::forget_all(db, scope).await?)
}

/// Forgets attempts older than any window, so the table stays small.
pub async fn prune(db: &Db, now: Timestamp) -> AppResult<()> {
    Ok(store::forget_before(db, now.plus_seconds(-LONGEST_WINDOW_SECONDS)).await?)
}

/// The part of a client address that limits count: an IPv4 address whole (an IPv4-mapped IPv6
/// address as the IPv4 one), an IPv6 address by its /64. Text that is no address is kept as it is.
pub fn address_key(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            address_key("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            address_key("2001:db8:1:2::7")
        );
        assert_ne!(
            address_key("2001:db8:1:3::1"),
            address_key("2001:db8:1:2::1")
        );
        assert_eq!(address_key("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(address_key("203.0.113.9"), "203.0.113.9");
        assert_eq!(address_key(""), "");
    }
}
