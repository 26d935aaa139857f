//! `datetime-local` fields: the admin shows and reads times in the site's zone; everything
//! stored is UTC.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use crate::db::Timestamp;
use crate::error::FieldError;

/// The value of a `datetime-local` input showing `at` in the site's zone.
pub fn input(at: Option<Timestamp>, tz: Tz) -> String {
    at.map(|t| {
        t.to_datetime()
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    })
    .unwrap_or_default()
}

/// Reads a `datetime-local` value in the site's zone; empty is `None`.
pub fn parse(value: &str, tz: Tz, field: &str) -> Result<Option<Timestamp>, FieldError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let bad = || FieldError {
        field: field.into(),
        message: "give the time as a date and time".into(),
    };
    let naive = NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| bad())?;
    let local = tz.from_local_datetime(&naive).earliest().ok_or_else(bad)?;
    Ok(Some(Timestamp::from_datetime(
        local.with_timezone(&chrono::Utc),
    )))
}
