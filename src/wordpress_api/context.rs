//! What every route's answer is built with: the database, the time, the site's settings, and
//! the way WordPress writes dates, links and HTML-escaped titles.

use serde_json::{Map, Value, json};

use super::error::WpError;
use super::params::{Paging, Params};
use crate::accounts::service::User;
use crate::clock::Clock;
use crate::db::{Db, Timestamp};
use crate::site::absolute_links::absolutize;
use crate::site::settings::SiteSettings;

/// The base of every API address, after the site's URL.
pub const ROOT: &str = "/wp-json";

pub struct Api {
    pub db: Db,
    pub clock: Clock,
    pub now: Timestamp,
    pub site: SiteSettings,
    /// The account signed in with an application password, if any.
    pub user: Option<User>,
}

/// A route's answer, before `_embed`, `_fields` and the headers are applied.
pub struct Reply {
    pub body: Value,
    /// For a collection: the total and the paging it was read with.
    pub paging: Option<(i64, Paging)>,
    /// For a single item with a public page: its address (`Link: <…>; rel="alternate"`).
    pub alternate: Option<String>,
    /// For an item just made: its address, answered `201 Created` with `Location`.
    pub created: Option<String>,
}

impl Reply {
    pub fn item(body: Value) -> Reply {
        Reply {
            body,
            paging: None,
            alternate: None,
            created: None,
        }
    }

    pub fn page(items: Vec<Value>, total: i64, paging: Paging) -> Reply {
        Reply {
            body: Value::Array(items),
            paging: Some((total, paging)),
            alternate: None,
            created: None,
        }
    }
}

/// The fields of a post or page embedded in another answer.
pub const POST_EMBEDDED: &[&str] = &[
    "id",
    "date",
    "slug",
    "type",
    "link",
    "title",
    "excerpt",
    "author",
    "featured_media",
];

/// What posts, pages and media may be ordered by (pages add `menu_order`).
pub const POST_ORDER_BY: &[&str] = &[
    "author",
    "date",
    "id",
    "include",
    "modified",
    "parent",
    "relevance",
    "slug",
    "include_slugs",
    "title",
];

/// WordPress's answer to `context=edit` on posts, pages and media from someone not signed in.
pub const POST_EDIT_REFUSAL: &str = "Sorry, you are not allowed to edit posts in this post type.";

/// The context an item is shown in: `view` (everything public) or `embed` (the fields
/// WordPress embeds). `edit` needs rights no anonymous caller has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Full,
    Embed,
}

impl View {
    /// Reads `context`, refusing `edit` with WordPress's code and `message`.
    pub fn read(params: &mut Params, edit_refusal: &str) -> Result<View, WpError> {
        match params.choice("context", &["view", "embed", "edit"], "view") {
            "embed" => Ok(View::Embed),
            "edit" => Err(WpError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "rest_forbidden_context",
                edit_refusal,
            )),
            _ => Ok(View::Full),
        }
    }

    /// Keeps only `embedded` (and the links) when embedding.
    pub fn apply(self, mut item: Map<String, Value>, embedded: &[&str]) -> Value {
        if self == View::Embed {
            item.retain(|k, _| k == "_links" || embedded.contains(&k.as_str()));
        }
        Value::Object(item)
    }
}

impl Api {
    pub fn base(&self) -> &str {
        self.site.base_url.trim_end_matches('/')
    }

    /// Body HTML as WordPress renders it: addresses absolute, so it shows anywhere, and a
    /// final newline.
    pub fn html(&self, body: &str) -> String {
        format!("{}\n", absolutize(body.trim_end(), self.base()))
    }

    /// The address of an API route (`/wp/v2/posts/1`).
    pub fn route(&self, route: &str) -> String {
        format!("{}{ROOT}{route}", self.base())
    }

    /// The address of a page of the site.
    pub fn url(&self, path: &str) -> String {
        crate::site::layout::absolute(&self.site.base_url, path)
    }

    /// The site's local time, as WordPress writes `date`: no offset.
    pub fn local(&self, at: Timestamp) -> String {
        at.to_datetime()
            .with_timezone(&self.site.tz)
            .naive_local()
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    }

    /// UTC, as WordPress writes `date_gmt`: no offset either.
    pub fn gmt(&self, at: Timestamp) -> String {
        at.to_datetime().format("%Y-%m-%dT%H:%M:%S").to_string()
    }

    /// The site's offset from UTC now, in hours, as WordPress's `gmt_offset`.
    pub fn gmt_offset(&self) -> String {
        let seconds = self
            .now
            .to_datetime()
            .with_timezone(&self.site.tz)
            .naive_local()
            .signed_duration_since(self.now.to_datetime().naive_utc())
            .num_seconds();
        let hours = seconds as f64 / 3600.0;
        if hours.fract() == 0.0 {
            format!("{}", hours as i64)
        } else {
            format!("{hours}")
        }
    }

    /// A link relation's entry.
    pub fn link(&self, route: &str) -> Value {
        json!([{ "href": self.route(route) }])
    }

    /// A link relation a client may embed with `_embed`.
    pub fn embeddable(&self, route: &str) -> Value {
        json!([{ "embeddable": true, "href": self.route(route) }])
    }
}

/// The `curies` relation every item's links end with.
pub fn curies() -> Value {
    json!([{ "name": "wp", "href": "https://api.w.org/{rel}", "templated": true }])
}

/// Text escaped as WordPress renders a title: `&`, `<`, `>`, quotes as entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            c => out.push(c),
        }
    }
    out
}

/// A plain text paragraph as WordPress renders an excerpt or description.
pub fn paragraph(text: &str) -> String {
    if text.trim().is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>\n", escape(text.trim()))
    }
}

/// The words WordPress takes from the text when an item has no excerpt of its own.
const EXCERPT_WORDS: usize = 55;

/// `summary` as a paragraph, or as WordPress does without one: the first 55 words of `html`.
pub fn excerpt(summary: &str, html: &str) -> String {
    if !summary.trim().is_empty() {
        return paragraph(summary);
    }
    let text = crate::articles::body::plain_text(html);
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= EXCERPT_WORDS {
        return paragraph(&words.join(" "));
    }
    format!(
        "<p>{} [&hellip;]</p>\n",
        escape(&words[..EXCERPT_WORDS].join(" "))
    )
}

/// WordPress's three avatar sizes of a picture at `path`, which takes `s` (the size) last.
pub fn avatar_urls(api: &Api, path: &str) -> Value {
    let mut urls = Map::new();
    for size in [24, 48, 96] {
        urls.insert(
            size.to_string(),
            json!(api.url(&format!("{path}?s={size}"))),
        );
    }
    Value::Object(urls)
}

/// The members of a `json!` object literal.
pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
