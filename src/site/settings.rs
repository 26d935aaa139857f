//! Site settings: name, description, time zone, language and public base URL. They live in the
//! database so that every node agrees and an editor can change them without a restart.

use chrono_tz::Tz;
use serde::Serialize;

use super::store;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, Clone, Serialize)]
pub struct SiteSettings {
    pub name: String,
    pub description: String,
    pub timezone: String,
    pub language: String,
    pub base_url: String,
    /// A media path for the masthead logo; empty shows the site name as text.
    pub logo_path: String,
    /// The publisher's postal address, printed in every newsletter's footer (CAN-SPAM).
    pub postal_address: String,
    /// Whether feeds carry each article's whole text, or only its standfirst.
    pub feed_full_text: bool,
    /// How many articles a page of a feed carries.
    pub feed_items: i64,
    /// For a staging site: ask search engines to stay away (`robots.txt`, `noindex`).
    pub discourage_search: bool,
    /// Rules added to the generated `robots.txt`.
    pub robots_extra: String,
    /// The publication's handle on X, without the "@", for `twitter:site`; empty for none.
    pub x_handle: String,
    /// How much newer stories rise in search results, from 0 (relevance only) to 100 (see
    /// docs/search.md).
    pub search_recency: u8,
    #[serde(skip)]
    pub tz: Tz,
}

/// Articles a feed page carries unless the site says otherwise: twenty, where WordPress has
/// ten, because a newsroom publishes more often than a blog.
pub const DEFAULT_FEED_ITEMS: i64 = 20;
/// The search recency weight a new site starts with.
pub const DEFAULT_SEARCH_RECENCY: u8 = 30;

/// How many articles a feed page may carry.
pub const FEED_ITEMS: std::ops::RangeInclusive<i64> = 1..=100;

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            name: "Broadsheet".into(),
            description: "News, as it happens.".into(),
            timezone: "UTC".into(),
            language: "en".into(),
            base_url: "http://127.0.0.1:8080".into(),
            logo_path: String::new(),
            postal_address: String::new(),
            feed_full_text: true,
            feed_items: DEFAULT_FEED_ITEMS,
            discourage_search: false,
            robots_extra: String::new(),
            x_handle: String::new(),
            search_recency: DEFAULT_SEARCH_RECENCY,
            tz: Tz::UTC,
        }
    }
}

pub async fn load(db: &Db) -> sqlx::Result<SiteSettings> {
    let mut settings = SiteSettings::default();
    for (key, value) in store::all(db).await? {
        match key.as_str() {
            "name" => settings.name = value,
            "description" => settings.description = value,
            "timezone" => {
                if let Ok(tz) = value.parse::<Tz>() {
                    settings.tz = tz;
                    settings.timezone = value;
                }
            }
            "language" => settings.language = value,
            "base_url" => settings.base_url = value,
            "logo_path" => settings.logo_path = value,
            "postal_address" => settings.postal_address = value,
            "feed_full_text" => settings.feed_full_text = value != "false",
            "discourage_search" => settings.discourage_search = value == "true",
            "robots_extra" => settings.robots_extra = value,
            "x_handle" => settings.x_handle = value,
            "search_recency" => {
                if let Some(n) = value.parse().ok().filter(|n| *n <= 100) {
                    settings.search_recency = n;
                }
            }
            "feed_items" => {
                if let Some(n) = value.parse().ok().filter(|n| FEED_ITEMS.contains(n)) {
                    settings.feed_items = n;
                }
            }
            _ => {}
        }
    }
    Ok(settings)
}

/// Validates and stores all settings, in a transaction of their own.
pub async fn save(db: &Db, settings: &SiteSettings) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    save_in(&mut tx, settings).await?;
    tx.commit().await?;
    Ok(())
}

/// Validates and stores all settings in the caller's transaction; every page shows some of
/// them, so the content version moves.
pub async fn save_in(tx: &mut Tx, settings: &SiteSettings) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if settings.name.trim().is_empty() || settings.name.len() > 200 {
        errors.push(field(
            "name",
            "give the site a name of at most 200 characters",
        ));
    }
    if settings.timezone.parse::<Tz>().is_err() {
        errors.push(field(
            "timezone",
            "use an IANA time zone name such as Europe/London",
        ));
    }
    let language_ok = !settings.language.is_empty()
        && settings.language.len() <= 35
        && settings
            .language
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !language_ok {
        errors.push(field("language", "use a language tag such as en or en-GB"));
    }
    let base = settings.base_url.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        errors.push(field("base_url", "use an absolute http(s) URL"));
    }
    if settings.postal_address.len() > 500 {
        errors.push(field(
            "postal_address",
            "keep the postal address to at most 500 characters",
        ));
    }
    if settings.robots_extra.len() > 2000 || settings.robots_extra.contains('\0') {
        errors.push(field(
            "robots_extra",
            "keep the extra robots.txt rules to at most 2,000 characters of text",
        ));
    }
    let handle = x_handle(&settings.x_handle).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    if !FEED_ITEMS.contains(&settings.feed_items) {
        errors.push(field(
            "feed_items",
            "a feed carries from 1 to 100 articles a page",
        ));
    }
    if settings.search_recency > 100 {
        errors.push(field(
            "search_recency",
            "the recency weight goes from 0 to 100",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let feed_items = settings.feed_items.to_string();
    let search_recency = settings.search_recency.to_string();
    for (key, value) in [
        ("name", settings.name.as_str()),
        ("description", settings.description.as_str()),
        ("timezone", settings.timezone.as_str()),
        ("language", settings.language.as_str()),
        ("base_url", base),
        ("logo_path", settings.logo_path.as_str()),
        ("postal_address", settings.postal_address.trim()),
        (
            "feed_full_text",
            if settings.feed_full_text {
                "true"
            } else {
                "false"
            },
        ),
        ("feed_items", feed_items.as_str()),
        (
            "discourage_search",
            if settings.discourage_search {
                "true"
            } else {
                "false"
            },
        ),
        ("robots_extra", settings.robots_extra.trim()),
        ("x_handle", handle.as_str()),
        ("search_recency", search_recency.as_str()),
    ] {
        store::put(tx, key, value).await?;
    }
    tx.bump_content_version().await?;
    Ok(())
}

/// An X handle as stored: without the "@", 1 to 15 letters, digits or underscores (X's own
/// rule), or empty.
pub fn x_handle(raw: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    let handle = trimmed.strip_prefix('@').unwrap_or(trimmed);
    let valid = handle.len() <= 15
        && handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(handle.to_string())
    } else {
        Err(field(
            "x_handle",
            "an X handle is up to 15 letters, digits or underscores",
        ))
    }
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError {
        field: name.into(),
        message: message.into(),
    }
}

/// Every stored setting as raw text, for rooms that keep their own settings under a key prefix
/// (`comments.*`), so new settings need no migration.
pub async fn all_raw(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    store::all(db).await
}

pub async fn put_raw(tx: &mut Tx, key: &str, value: &str) -> sqlx::Result<()> {
    store::put(tx, key, value).await
}

/// The site's secret for signed links, made on first use and shared by every node through the
/// database. It is not a setting anyone edits, so it is not part of [`SiteSettings`].
pub async fn signing_key(db: &Db) -> AppResult<String> {
    const KEY: &str = "signing_key";
    if let Some(key) = store::get(db, KEY).await? {
        return Ok(key);
    }
    store::put_if_absent(db, KEY, &crate::secrets::random_token()?).await?;
    store::get(db, KEY)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the signing key could not be stored").into())
}
