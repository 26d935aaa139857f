//! One feed, whatever its format: the channel and its items, every address absolute and every
//! instant kept as an instant until a format writes it its own way.

use serde::Serialize;

use crate::articles::service::article_path;
use crate::articles::syndication::{Entry, Followed, Label};
use crate::db::Timestamp;
use crate::media::images;
use crate::site::absolute_links;
use crate::site::layout::absolute;
use crate::site::settings::SiteSettings;

/// Width of the lead picture feeds link to: wide enough for readers' large cards.
const IMAGE_WIDTH: u32 = 1200;

/// The three formats, by the last segment of their URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    /// WordPress's names, from a URL segment or `?feed=`: `rss2` (and its old `rss`, `rdf`),
    /// `atom`, and `json` for the JSON Feed.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "" | "feed" | "rss2" | "rss" | "rdf" => Some(Format::Rss),
            "atom" => Some(Format::Atom),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The segment after `/feed/` for this format.
    pub fn segment(self) -> &'static str {
        match self {
            Format::Rss => "",
            Format::Atom => "atom/",
            Format::Json => "json/",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

pub struct Feed {
    pub title: String,
    pub description: String,
    pub language: String,
    /// The list's page on the site.
    pub home_url: String,
    /// This document's own address.
    pub self_url: String,
    /// The next page of older items, when there is one.
    pub next_url: Option<String>,
    /// The newest change among the items; the feed's own time when it has none.
    pub updated: Timestamp,
    pub items: Vec<Item>,
}

#[derive(Serialize)]
pub struct Person {
    pub name: String,
    pub url: String,
}

pub struct Image {
    pub url: String,
    pub width: i64,
    pub height: i64,
}

pub struct Item {
    /// Stable across slug, section and date changes: the WordPress-style `/?p=ID` permalink.
    pub id: String,
    pub url: String,
    pub title: String,
    pub summary: String,
    /// The body, or `None` when the site sends summaries only.
    pub content_html: Option<String>,
    pub published: Timestamp,
    pub updated: Timestamp,
    pub authors: Vec<Person>,
    /// The section first, then the tags.
    pub categories: Vec<String>,
    pub image: Option<Image>,
}

/// Where a feed of `followed` in `format` lives: `/feed/…` for the site, `{list}/feed/…` else.
pub fn feed_path(list_path: &str, format: Format) -> String {
    format!(
        "{}/feed/{}",
        list_path.trim_end_matches('/'),
        format.segment()
    )
}

pub fn build(
    site: &SiteSettings,
    followed: &Followed,
    format: Format,
    page: i64,
    has_next: bool,
    entries: Vec<Entry>,
    now: Timestamp,
) -> Feed {
    let base = &site.base_url;
    let path = feed_path(&followed.path, format);
    let page_url = |n: i64| {
        let url = absolute(base, &path);
        if n > 1 {
            format!("{url}?paged={n}")
        } else {
            url
        }
    };
    let title = if followed.name.is_empty() {
        site.name.clone()
    } else {
        format!("{} | {}", followed.name, site.name)
    };
    let description = if followed.description.is_empty() {
        site.description.clone()
    } else {
        followed.description.clone()
    };
    let items: Vec<Item> = entries.into_iter().map(|e| item(site, e)).collect();
    let updated = items.iter().map(|i| i.updated).max().unwrap_or(now);
    Feed {
        title,
        description,
        language: site.language.clone(),
        home_url: absolute(base, &followed.path),
        self_url: page_url(page),
        next_url: has_next.then(|| page_url(page + 1)),
        updated,
        items,
    }
}

fn item(site: &SiteSettings, e: Entry) -> Item {
    let base = &site.base_url;
    let c = e.card;
    let published = c.published_at.unwrap_or(e.updated_at);
    let person = |l: &Label, kind: &str| Person {
        name: l.name.clone(),
        url: absolute(base, &format!("/{kind}/{}", l.slug)),
    };
    let image = match (c.lead_id, c.lead_width, c.lead_height) {
        (Some(id), Some(w), Some(h)) if w > 0 && h > 0 => {
            let width = u32::try_from(w).map_or(IMAGE_WIDTH, |w| w.min(IMAGE_WIDTH));
            let url = format!("{}&format=jpg", images::urls::sized(id, width));
            Some(Image {
                url: absolute(base, &url),
                width: i64::from(width),
                height: h * i64::from(width) / w,
            })
        }
        _ => None,
    };
    Item {
        id: absolute(base, &format!("/?p={}", c.id)),
        url: absolute(
            base,
            &article_path(&c.section_slug, published, &c.slug, site.tz),
        ),
        title: c.headline,
        summary: c.standfirst,
        content_html: site
            .feed_full_text
            .then(|| absolute_links::absolutize(&e.body_html, base)),
        published,
        updated: e.updated_at.max(published),
        authors: e.authors.iter().map(|a| person(a, "author")).collect(),
        categories: std::iter::once(c.section_name)
            .chain(e.tags.into_iter().map(|t| t.name))
            .collect(),
        image,
    }
}
