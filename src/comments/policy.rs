//! The discussion settings: WordPress's comment options with its defaults, plus the thresholds of
//! our own spam defence. They live in the settings table under `comments.*`, so every node reads
//! the same policy and an editor changes it without a restart.

use serde::Serialize;

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult, FieldError};
use crate::site::settings as site_settings;

/// How moderators hear about held comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModerationNotice {
    Off,
    /// One mail per held comment.
    Each,
    /// One mail an hour listing every comment held since the last.
    Hourly,
}

impl ModerationNotice {
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationNotice::Off => "off",
            ModerationNotice::Each => "each",
            ModerationNotice::Hourly => "hourly",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Off, Self::Each, Self::Hourly]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// Hold every comment for a moderator.
    pub manual_moderation: bool,
    /// Approve a commenter at once only when their name and email already have an approved comment.
    pub previously_approved: bool,
    /// Hold comments with at least this many links; 0 turns the rule off.
    pub max_links: i64,
    /// One per line; a case-insensitive match anywhere holds the comment.
    pub moderation_keys: String,
    /// One per line; a case-insensitive match anywhere marks the comment as spam.
    pub disallowed_keys: String,
    /// Close comments this many days after publication; 0 keeps them open.
    pub close_after_days: i64,
    /// Threads nest at most this deep.
    pub thread_depth: i64,
    /// Top-level comments per page.
    pub per_page: i64,
    /// The same address or email may not comment again within this many seconds.
    pub flood_seconds: i64,
    /// At most this many comments per address per hour.
    pub hourly_per_ip: i64,
    /// A form sent sooner than this after it was shown is a robot's.
    pub min_fill_seconds: i64,
    /// The classifier's spam probability, in percent, at which a comment is held...
    pub hold_score: i64,
    /// ...and at which it is marked as spam.
    pub spam_score: i64,
    /// Mail the article's authors about each approved comment.
    pub notify_authors: bool,
    pub notify_moderators: ModerationNotice,
    /// Drop commenters' IP addresses and browser names after this many days.
    pub ip_retention_days: i64,
    /// Whether anyone may comment through the WordPress REST API without signing in (WordPress
    /// refuses by default, and so do we: such comments come without the form's timing stamp).
    pub rest_anonymous: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            manual_moderation: false,
            previously_approved: true,
            max_links: 2,
            moderation_keys: String::new(),
            disallowed_keys: String::new(),
            close_after_days: 0,
            thread_depth: 5,
            per_page: 50,
            flood_seconds: 15,
            hourly_per_ip: 20,
            min_fill_seconds: 3,
            hold_score: 80,
            spam_score: 99,
            notify_authors: true,
            notify_moderators: ModerationNotice::Each,
            ip_retention_days: 30,
            rest_anonymous: false,
        }
    }
}

const PREFIX: &str = "comments.";

pub async fn load(db: &Db) -> AppResult<Policy> {
    let mut p = Policy::default();
    for (key, value) in site_settings::all_raw(db).await? {
        let Some(name) = key.strip_prefix(PREFIX) else {
            continue;
        };
        let number = value.parse::<i64>().ok();
        let flag = value == "true";
        match name {
            "manual_moderation" => p.manual_moderation = flag,
            "previously_approved" => p.previously_approved = flag,
            "max_links" => p.max_links = number.unwrap_or(p.max_links),
            "moderation_keys" => p.moderation_keys = value,
            "disallowed_keys" => p.disallowed_keys = value,
            "close_after_days" => p.close_after_days = number.unwrap_or(p.close_after_days),
            "thread_depth" => p.thread_depth = number.unwrap_or(p.thread_depth),
            "per_page" => p.per_page = number.unwrap_or(p.per_page),
            "flood_seconds" => p.flood_seconds = number.unwrap_or(p.flood_seconds),
            "hourly_per_ip" => p.hourly_per_ip = number.unwrap_or(p.hourly_per_ip),
            "min_fill_seconds" => p.min_fill_seconds = number.unwrap_or(p.min_fill_seconds),
            "hold_score" => p.hold_score = number.unwrap_or(p.hold_score),
            "spam_score" => p.spam_score = number.unwrap_or(p.spam_score),
            "notify_authors" => p.notify_authors = flag,
            "rest_anonymous" => p.rest_anonymous = flag,
            "notify_moderators" => {
                p.notify_moderators =
                    ModerationNotice::parse(&value).unwrap_or(p.notify_moderators);
            }
            "ip_retention_days" => p.ip_retention_days = number.unwrap_or(p.ip_retention_days),
            _ => {}
        }
    }
    Ok(p)
}

/// The limits each number must stay within, so a typo cannot switch a defence off by accident.
const RANGES: [(&str, i64, i64); 10] = [
    ("max_links", 0, 100),
    ("close_after_days", 0, 36_500),
    ("thread_depth", 1, 10),
    ("per_page", 5, 500),
    ("flood_seconds", 0, 3_600),
    ("hourly_per_ip", 1, 10_000),
    ("min_fill_seconds", 0, 600),
    ("hold_score", 1, 100),
    ("spam_score", 1, 100),
    ("ip_retention_days", 1, 3_650),
];

impl Policy {
    fn numbers(&self) -> [(&'static str, i64); 10] {
        [
            ("max_links", self.max_links),
            ("close_after_days", self.close_after_days),
            ("thread_depth", self.thread_depth),
            ("per_page", self.per_page),
            ("flood_seconds", self.flood_seconds),
            ("hourly_per_ip", self.hourly_per_ip),
            ("min_fill_seconds", self.min_fill_seconds),
            ("hold_score", self.hold_score),
            ("spam_score", self.spam_score),
            ("ip_retention_days", self.ip_retention_days),
        ]
    }

    /// The keyword lines of a key list, trimmed and lower-cased, blanks dropped.
    pub fn keys(list: &str) -> impl Iterator<Item = String> + '_ {
        list.lines()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
    }
}

pub async fn save(db: &Db, policy: &Policy) -> AppResult<()> {
    let mut errors = Vec::new();
    for ((name, value), (_, low, high)) in policy.numbers().into_iter().zip(RANGES) {
        if !(low..=high).contains(&value) {
            errors.push(FieldError {
                field: name.into(),
                message: format!("use a whole number from {low} to {high}"),
            });
        }
    }
    if policy.spam_score < policy.hold_score {
        errors.push(FieldError {
            field: "spam_score".into(),
            message: "the spam score must be at least the hold score".into(),
        });
    }
    for (name, list) in [
        ("moderation_keys", &policy.moderation_keys),
        ("disallowed_keys", &policy.disallowed_keys),
    ] {
        if list.len() > 64 * 1024 {
            errors.push(FieldError {
                field: name.into(),
                message: "keep the list under 64 KB".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let flag = |b: bool| if b { "true" } else { "false" }.to_string();
    let mut pairs: Vec<(&str, String)> = policy
        .numbers()
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    pairs.extend([
        ("manual_moderation", flag(policy.manual_moderation)),
        ("previously_approved", flag(policy.previously_approved)),
        ("notify_authors", flag(policy.notify_authors)),
        ("rest_anonymous", flag(policy.rest_anonymous)),
        (
            "notify_moderators",
            policy.notify_moderators.as_str().into(),
        ),
        ("moderation_keys", policy.moderation_keys.clone()),
        ("disallowed_keys", policy.disallowed_keys.clone()),
    ]);
    let mut tx: Tx = db.begin().await?;
    for (key, value) in pairs {
        site_settings::put_raw(&mut tx, &format!("{PREFIX}{key}"), &value).await?;
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    Ok(())
}

/// Reads a submitted settings form; unreadable numbers become -1 so validation names them.
pub fn from_form(get: impl Fn(&str) -> String) -> Policy {
    let number = |name: &str| get(name).trim().parse::<i64>().unwrap_or(-1);
    let on = |name: &str| get(name) == "on";
    Policy {
        manual_moderation: on("manual_moderation"),
        previously_approved: on("previously_approved"),
        rest_anonymous: on("rest_anonymous"),
        max_links: number("max_links"),
        moderation_keys: get("moderation_keys"),
        disallowed_keys: get("disallowed_keys"),
        close_after_days: number("close_after_days"),
        thread_depth: number("thread_depth"),
        per_page: number("per_page"),
        flood_seconds: number("flood_seconds"),
        hourly_per_ip: number("hourly_per_ip"),
        min_fill_seconds: number("min_fill_seconds"),
        hold_score: number("hold_score"),
        spam_score: number("spam_score"),
        notify_authors: on("notify_authors"),
        notify_moderators: ModerationNotice::parse(get("notify_moderators").as_str())
            .unwrap_or(ModerationNotice::Each),
        ip_retention_days: number("ip_retention_days"),
    }
}
