//! A feed written out: RSS 2.0 and Atom 1.0 through the theme's templates (`feeds/rss.xml`,
//! `feeds/atom.xml`), so a theme can add what its readers' apps want, and JSON Feed 1.1 as
//! JSON. Dates are written each format's way: RFC 822 for RSS, RFC 3339 for Atom and JSON.

use serde::Serialize;
use serde_json::{Value, json};

use super::document::{Feed, Format, Item, Person};
use crate::db::Timestamp;
use crate::error::AppResult;
use crate::site::settings::SiteSettings;
use crate::templates::Templates;

#[derive(Serialize)]
struct ImageView<'a> {
    url: &'a str,
    width: i64,
    height: i64,
}

#[derive(Serialize)]
struct ItemView<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    summary: &'a str,
    content_html: Option<&'a str>,
    published: String,
    updated: String,
    authors: &'a [Person],
    categories: &'a [String],
    image: Option<ImageView<'a>>,
}

#[derive(Serialize)]
struct FeedView<'a> {
    title: &'a str,
    description: &'a str,
    language: &'a str,
    home_url: &'a str,
    self_url: &'a str,
    next_url: Option<&'a str>,
    updated: String,
    site_name: &'a str,
    site_url: &'a str,
    items: Vec<ItemView<'a>>,
}

#[derive(Serialize)]
struct Context<'a> {
    feed: FeedView<'a>,
}

fn rfc822(t: Timestamp) -> String {
    t.to_datetime().to_rfc2822()
}

fn rfc3339(t: Timestamp) -> String {
    t.to_datetime()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn render(
    templates: &Templates,
    site: &SiteSettings,
    feed: &Feed,
    format: Format,
) -> AppResult<String> {
    let date: fn(Timestamp) -> String = match format {
        Format::Rss => rfc822,
        Format::Atom | Format::Json => rfc3339,
    };
    if format == Format::Json {
        return Ok(json_feed(site, feed).to_string());
    }
    let view = FeedView {
        title: &feed.title,
        description: &feed.description,
        language: &feed.language,
        home_url: &feed.home_url,
        self_url: &feed.self_url,
        next_url: feed.next_url.as_deref(),
        updated: date(feed.updated),
        site_name: &site.name,
        site_url: &site.base_url,
        items: feed.items.iter().map(|i| item_view(i, date)).collect(),
    };
    let template = match format {
        Format::Atom => "feeds/atom.xml",
        _ => "feeds/rss.xml",
    };
    Ok(templates.render(template, &Context { feed: view })?)
}

fn item_view(i: &Item, date: fn(Timestamp) -> String) -> ItemView<'_> {
    ItemView {
        id: &i.id,
        url: &i.url,
        title: &i.title,
        summary: &i.summary,
        content_html: i.content_html.as_deref(),
        published: date(i.published),
        updated: date(i.updated),
        authors: &i.authors,
        categories: &i.categories,
        image: i.image.as_ref().map(|m| ImageView {
            url: &m.url,
            width: m.width,
            height: m.height,
        }),
    }
}

/// JSON Feed 1.1: a string `id` and `content_html` (or `content_text`) per item are required;
/// everything optional that the feed knows is given.
fn json_feed(site: &SiteSettings, feed: &Feed) -> Value {
    let items: Vec<Value> = feed
        .items
        .iter()
        .map(|i| {
            let mut item = json!({
                "id": i.id,
                "url": i.url,
                "title": i.title,
                "summary": i.summary,
                "date_published": rfc3339(i.published),
                "date_modified": rfc3339(i.updated),
                "authors": i.authors,
                "tags": i.categories,
            });
            match &i.content_html {
                Some(html) => item["content_html"] = json!(html),
                None => item["content_text"] = json!(i.summary),
            }
            if let Some(image) = &i.image {
                item["image"] = json!(image.url);
            }
            item
        })
        .collect();
    let mut doc = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.self_url,
        "description": feed.description,
        "language": feed.language,
        "authors": [{ "name": site.name, "url": site.base_url }],
        "items": items,
    });
    if let Some(next) = &feed.next_url {
        doc["next_url"] = json!(next);
    }
    doc
}
