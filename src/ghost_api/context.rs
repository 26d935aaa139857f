//! What every resource's answer is built with: the database, the time, the site, and the way
//! Ghost writes dates, addresses and its tag and author objects.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::ids::{self, Kind};
use crate::articles::query::{self, CountsOf};
use crate::articles::service as articles;
use crate::db::{Db, Timestamp};
use crate::error::AppResult;
use crate::media::images::urls;
use crate::site::settings::SiteSettings;

/// The version Broadsheet's answers follow, sent as `Content-Version`.
pub const CONTENT_VERSION: &str = "v6.0";

pub struct Api {
    pub db: Db,
    pub now: Timestamp,
    pub site: SiteSettings,
    /// The site's secret, which uuids are derived from.
    pub secret: String,
    /// The header's links (home, sections, the editors' menu) and the footer's, as labels
    /// and addresses.
    pub navigation: Vec<(String, String)>,
    pub secondary_navigation: Vec<(String, String)>,
}

impl Api {
    /// The absolute address of a path on the site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.site.base_url.trim_end_matches('/'))
    }

    /// A time as Ghost writes it: `2024-02-01T10:00:00.000+00:00`.
    pub fn time(at: Timestamp) -> String {
        at.to_datetime()
            .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
            .to_string()
    }

    /// A time as Ghost writes it for tiers: `2024-02-01T10:00:00.000Z`.
    pub fn time_z(at: Timestamp) -> String {
        at.to_datetime()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    }

    pub fn uuid(&self, kind: Kind, id: i64) -> String {
        ids::uuid(self.secret.as_bytes(), kind, id)
    }
}

/// Text Ghost leaves out as `null` when empty.
pub fn or_null(text: &str) -> Value {
    if text.trim().is_empty() {
        Value::Null
    } else {
        Value::String(text.to_string())
    }
}

/// Keeps only the `fields` asked for.
pub fn keep_fields(item: &mut Value, fields: Option<&[String]>) {
    if let (Some(fields), Some(map)) = (fields, item.as_object_mut()) {
        map.retain(|k, _| fields.iter().any(|f| f == k));
    }
}

/// The tags and authors an answer may mention, read once per request, with their counts of
/// published articles when `count.posts` is asked for.
pub struct People {
    pub tags: HashMap<i64, Value>,
    pub authors: HashMap<i64, Value>,
}

const SOCIAL: [&str; 10] = [
    "facebook",
    "twitter",
    "threads",
    "bluesky",
    "mastodon",
    "tiktok",
    "youtube",
    "instagram",
    "linkedin",
    "location",
];

/// The tags and authors a page of posts mentions: all an `include` needs, so an answer of
/// fifteen posts does not build the objects of every tag on the site.
#[derive(Default)]
pub struct Mentioned {
    pub tags: HashSet<i64>,
    pub authors: HashSet<i64>,
}

impl People {
    /// Every tag and author, or only those `only` names.
    pub async fn load(api: &Api, counts: bool, only: Option<&Mentioned>) -> AppResult<People> {
        let wanted_tag = |id: &i64| only.is_none_or(|m| m.tags.contains(id));
        let wanted_author = |id: &i64| only.is_none_or(|m| m.authors.contains(id));
        let any_tags = only.is_none_or(|m| !m.tags.is_empty());
        let any_authors = only.is_none_or(|m| !m.authors.is_empty());
        let tag_counts = if counts {
            Some(query::counts(&api.db, api.now, CountsOf::Tags, None).await?)
        } else {
            None
        };
        let author_counts = if counts {
            Some(query::counts(&api.db, api.now, CountsOf::Authors, None).await?)
        } else {
            None
        };
        let (mut descriptions, tag_rows): (HashMap<i64, String>, _) = if any_tags {
            (
                articles::tag_descriptions(&api.db)
                    .await?
                    .into_iter()
                    .collect(),
                articles::tags(&api.db).await?,
            )
        } else {
            (HashMap::new(), Vec::new())
        };
        let tags = tag_rows
            .into_iter()
            .filter(|t| wanted_tag(&t.id))
            .map(|t| {
                let description = descriptions.remove(&t.id).unwrap_or_default();
                let mut tag = json!({
                    "id": ids::encode(Kind::Tag, t.id),
                    "name": t.name,
                    "slug": t.slug,
                    "description": or_null(&description),
                    "feature_image": null,
                    "visibility": "public",
                    "og_image": null,
                    "og_title": null,
                    "og_description": null,
                    "twitter_image": null,
                    "twitter_title": null,
                    "twitter_description": null,
                    "meta_title": null,
                    "meta_description": null,
                    "codeinjection_head": null,
                    "codeinjection_foot": null,
                    "canonical_url": null,
                    "accent_color": null,
                    "url": api.url(&format!("/tag/{}", t.slug)),
                });
                if let Some(counts) = &tag_counts {
                    tag["count"] = json!({"posts": counts.get(&t.id).copied().unwrap_or(0)});
                }
                (t.id, tag)
            })
            .collect();
        let author_rows = if any_authors {
            articles::authors(&api.db).await?
        } else {
            Vec::new()
        };
        let authors = author_rows
            .into_iter()
            .filter(|a| wanted_author(&a.id))
            .map(|a| {
                let mut author = Map::new();
                author.insert("id".into(), json!(ids::encode(Kind::Author, a.id)));
                author.insert("name".into(), json!(a.name));
                author.insert("slug".into(), json!(a.slug));
                author.insert(
                    "profile_image".into(),
                    a.avatar_id
                        .map_or(Value::Null, |m| json!(api.url(&urls::portrait(m, 2)))),
                );
                author.insert("cover_image".into(), Value::Null);
                author.insert("bio".into(), or_null(&a.bio));
                author.insert("website".into(), Value::Null);
                for network in SOCIAL {
                    author.insert(network.into(), Value::Null);
                }
                if !a.x_handle.is_empty() {
                    author.insert("twitter".into(), json!(format!("@{}", a.x_handle)));
                }
                author.insert("meta_title".into(), Value::Null);
                author.insert("meta_description".into(), Value::Null);
                if let Some(counts) = &author_counts {
                    author.insert(
                        "count".into(),
                        json!({"posts": counts.get(&a.id).copied().unwrap_or(0)}),
                    );
                }
                author.insert("url".into(), json!(api.url(&format!("/author/{}", a.slug))));
                (a.id, Value::Object(author))
            })
            .collect();
        Ok(People { tags, authors })
    }
}
