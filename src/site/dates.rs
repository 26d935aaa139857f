//! Instants as readers see them: converted to the site's zone only here, at render time.

use chrono_tz::Tz;
use serde::Serialize;

use crate::db::Timestamp;

/// An instant in the two forms a page needs: machine-readable and human-readable.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub iso: String,
    pub human: String,
    pub short: String,
    /// Day, month and time, for lists of the day's news: "5 Dec 14:05".
    pub stamp: String,
}

pub fn show(at: Timestamp, tz: Tz) -> Shown {
    let local = at.to_datetime().with_timezone(&tz);
    Shown {
        iso: local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        human: local.format("%-d %B %Y, %H:%M %Z").to_string(),
        short: local.format("%-d %b %Y").to_string(),
        stamp: local.format("%-d %b %H:%M").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_shown_in_the_site_zone() {
        // 2026-07-01T12:00:00Z
        let at = Timestamp::from_micros(1_782_907_200_000_000);
        let shown = show(at, "America/New_York".parse().unwrap());
        assert_eq!(shown.iso, "2026-07-01T08:00:00-04:00");
        assert_eq!(shown.human, "1 July 2026, 08:00 EDT");
        assert_eq!(shown.short, "1 Jul 2026");
    }
}
