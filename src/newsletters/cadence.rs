//! Issues that make themselves, by each newsletter's cadence: a daily or weekly issue at its send
//! time in the site's zone, and an issue for each article its sources publish ("on publish").
//! Every node plans; an issue's slot is unique, so two nodes never make the same issue, and a
//! node that was down catches up on a slot missed within the last hours.

use chrono::{Datelike, Duration, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::issue_store::{self, NewIssue};
use super::service::{self, Newsletter};
use crate::articles::digest as stories;
use crate::db::Timestamp;
use crate::error::AppResult;
use crate::jobs::{self, Job};
use crate::mail::MailRoom;
use crate::site::settings;

/// A slot missed by longer than this (every node down) is left out rather than sent late.
const CATCH_UP_SECONDS: i64 = 12 * 3600;

/// Makes every issue now due; returns how many.
pub async fn plan(ctx: &MailRoom) -> AppResult<usize> {
    let now = ctx.clock.now();
    let site = settings::load(&ctx.db).await?;
    let mut made = 0;
    for n in service::active(&ctx.db).await? {
        match n.cadence.as_str() {
            "daily" | "weekly" => {
                let Some((slot, at)) = latest_slot(&n, now, site.tz) else {
                    continue;
                };
                if at < n.created_at || now.micros() - at.micros() > CATCH_UP_SECONDS * 1_000_000 {
                    continue;
                }
                let since = at.plus_seconds(-CATCH_UP_SECONDS);
                if issue_store::slots_since(&ctx.db, n.id, since)
                    .await?
                    .contains(&slot)
                {
                    continue;
                }
                made += usize::from(make(ctx, &n, &slot, at, None).await?);
            }
            "publish" => {
                let since = n.created_at.max(now.plus_seconds(-2 * 86_400));
                let (sections, tags) = service::sources(&ctx.db, n.id).await?;
                let mut ids = stories::published_in(
                    &ctx.db,
                    since,
                    now.plus_seconds(1),
                    &sections,
                    &tags,
                    50,
                )
                .await?;
                if ids.is_empty() {
                    continue;
                }
                let done =
                    issue_store::slots_since(&ctx.db, n.id, since.plus_seconds(-86_400)).await?;
                ids.reverse();
                for id in ids {
                    let slot = format!("article-{id}");
                    if !done.contains(&slot) {
                        made += usize::from(make(ctx, &n, &slot, now, Some(id)).await?);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(made)
}

/// Makes one automatic issue and queues its send; `false` if another node made it first.
async fn make(
    ctx: &MailRoom,
    n: &Newsletter,
    slot: &str,
    at: Timestamp,
    article: Option<i64>,
) -> AppResult<bool> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some(id) = issue_store::insert(
        &mut tx,
        &NewIssue {
            newsletter_id: n.id,
            subject: "",
            intro: "",
            status: "scheduled",
            slot: Some(slot),
            covers_from: now,
            covers_until: now,
            send_at: Some(at),
            created_by: None,
        },
        now,
    )
    .await?
    else {
        return Ok(false);
    };
    if let Some(article) = article {
        issue_store::set_articles(&mut tx, id, &[article]).await?;
    }
    let job = Job::SendIssue { issue_id: id };
    jobs::enqueue_in(&mut tx, &job, now, Some(&format!("send-issue-{id}")), now).await?;
    tx.commit().await?;
    tracing::info!(newsletter = n.id, issue = id, slot, "newsletter issue made");
    Ok(true)
}

/// The newsletter's latest daily or weekly slot at or before `now`: its key and instant.
fn latest_slot(n: &Newsletter, now: Timestamp, tz: Tz) -> Option<(String, Timestamp)> {
    let time = NaiveTime::parse_from_str(&n.send_time, "%H:%M").ok()?;
    let local_now = now.to_datetime().with_timezone(&tz);
    let weekly = n.cadence == "weekly";
    for back in 0..=7 {
        let date = local_now.date_naive() - Duration::days(back);
        if weekly && i64::from(date.weekday().number_from_monday()) != n.send_weekday {
            continue;
        }
        let naive = date.and_time(time);
        let Some(at) = tz.from_local_datetime(&naive).earliest().or_else(|| {
            tz.from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        }) else {
            continue;
        };
        let at = Timestamp::from_datetime(at.with_timezone(&chrono::Utc));
        if at > now {
            continue;
        }
        let key = if weekly {
            let week = date.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        } else {
            date.format("%Y-%m-%d").to_string()
        };
        return Some((key, at));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn newsletter(cadence: &str, time: &str, weekday: i64) -> Newsletter {
        Newsletter {
            id: 1,
            name: "Morning".into(),
            slug: "morning".into(),
            description: String::new(),
            sender_name: String::new(),
            sender_email: String::new(),
            reply_to: String::new(),
            cadence: cadence.into(),
            send_time: time.into(),
            send_weekday: weekday,
            active: true,
            position: 0,
            created_at: Timestamp::from_micros(0),
        }
    }

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::from_datetime(
            chrono::DateTime::parse_from_rfc3339(rfc3339)
                .expect("a time")
                .with_timezone(&chrono::Utc),
        )
    }

    #[test]
    fn a_daily_slot_is_the_send_time_in_the_site_zone() {
        let tz: Tz = "America/New_York".parse().expect("a zone");
        let n = newsletter("daily", "07:00", 1);
        let (key, slot) = latest_slot(&n, at("2026-11-29T12:30:00Z"), tz).expect("a slot");
        assert_eq!(key, "2026-11-29");
        assert_eq!(slot, at("2026-11-29T12:00:00Z"));
        let (key, _) = latest_slot(&n, at("2026-11-29T11:59:00Z"), tz).expect("a slot");
        assert_eq!(key, "2026-11-28");
    }

    #[test]
    fn a_weekly_slot_falls_on_its_weekday() {
        let tz: Tz = "UTC".parse().expect("a zone");
        // 2026-11-29 is a Sunday; Friday (5) at 18:00 was the 27th.
        let n = newsletter("weekly", "18:00", 5);
        let (key, slot) = latest_slot(&n, at("2026-11-29T10:00:00Z"), tz).expect("a slot");
        assert_eq!(slot, at("2026-11-27T18:00:00Z"));
        assert_eq!(key, "2026-W48");
    }
}
