//! `posts/` and `pages/`: published articles and pages in Ghost's post shape. Articles are
//! chosen in SQL from the filter; pages, tens of them, are read whole and filtered here. A
//! Broadsheet article's tags are its Ghost tags (the first is the primary tag), its byline its
//! authors, and the home page's hand-picked stories are Ghost's featured posts.

use serde_json::{Map, Value, json};

use super::context::{Api, Mentioned, People, keep_fields, or_null};
use super::error::GhostError;
use super::filter::{self, Field, PostScope};
use super::ids::{self, Kind};
use super::params::{Formats, Params};
use super::{Reply, Resource};
use crate::articles::body::{plain_text, word_count};
use crate::articles::query::{self, Cond, OrderBy, Query, Story};
use crate::fronts::service as fronts;
use crate::media::images::urls;
use crate::pages::service::{self as pages, Page};
use crate::site::absolute_links::absolutize;

const POST_ORDER: &[&str] = &[
    "published_at",
    "updated_at",
    "created_at",
    "title",
    "slug",
    "id",
];

/// What one article or page shows, whatever it is.
struct Entry<'a> {
    kind: Kind,
    id: i64,
    title: &'a str,
    slug: &'a str,
    html: &'a str,
    path: String,
    standfirst: &'a str,
    lead: Option<(i64, &'a str, &'a str)>,
    featured: bool,
    comments: bool,
    created: crate::db::Timestamp,
    updated: crate::db::Timestamp,
    published: crate::db::Timestamp,
    seo_title: &'a str,
    seo_description: &'a str,
    tag_ids: &'a [i64],
    author_ids: &'a [i64],
}

/// What the request asks each item to carry.
struct Shape {
    formats: Formats,
    tags: bool,
    authors: bool,
    /// The tags and authors to include, read when asked for.
    people: Option<People>,
    fields: Option<Vec<String>>,
}

impl Shape {
    /// `mentioned`: the tags and authors of the items answered, the only ones read.
    async fn read(api: &Api, params: &Params, mentioned: &Mentioned) -> Result<Shape, GhostError> {
        let tags = params.includes("tags");
        let authors = params.includes("authors");
        Ok(Shape {
            formats: params.formats(),
            tags,
            authors,
            people: if tags || authors {
                Some(People::load(api, false, Some(mentioned)).await?)
            } else {
                None
            },
            fields: params.fields(),
        })
    }
}

/// Ghost's reading time: 275 words a minute, and twelve seconds for the lead picture.
fn reading_time(html: &str, has_lead: bool) -> i64 {
    let seconds = word_count(html) as f64 / 275.0 * 60.0 + if has_lead { 12.0 } else { 0.0 };
    (seconds / 60.0).round() as i64
}

/// Ghost's `excerpt`: the custom excerpt, or the first 500 characters of the text.
fn excerpt(standfirst: &str, plaintext: &str) -> String {
    if !standfirst.trim().is_empty() {
        return standfirst.to_string();
    }
    plaintext
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(500)
        .collect()
}

fn entry(api: &Api, e: &Entry, shape: &Shape) -> Value {
    let id = ids::encode(e.kind, e.id);
    let plaintext = plain_text(e.html);
    let mut item = Map::new();
    let mut put = |k: &str, v: Value| {
        item.insert(k.to_string(), v);
    };
    put("id", json!(id));
    put("uuid", json!(api.uuid(e.kind, e.id)));
    put("title", json!(e.title));
    put("slug", json!(e.slug));
    if shape.formats.html {
        put("html", json!(absolutize(e.html, &api.site.base_url)));
    }
    if shape.formats.plaintext {
        put("plaintext", json!(plaintext.trim()));
    }
    put("comment_id", json!(id));
    put(
        "feature_image",
        e.lead.map_or(Value::Null, |(m, _, _)| {
            json!(api.url(&urls::sized(m, 1600)))
        }),
    );
    put("featured", json!(e.featured));
    put("visibility", json!("public"));
    put("created_at", json!(Api::time(e.created)));
    put("updated_at", json!(Api::time(e.updated)));
    put("published_at", json!(Api::time(e.published)));
    put("custom_excerpt", or_null(e.standfirst));
    for empty in [
        "codeinjection_head",
        "codeinjection_foot",
        "custom_template",
        "canonical_url",
    ] {
        put(empty, Value::Null);
    }
    if e.kind == Kind::Page {
        put("show_title_and_feature_image", json!(true));
    }
    if let Some(people) = &shape.people {
        if shape.tags {
            let tags: Vec<Value> = e
                .tag_ids
                .iter()
                .filter_map(|t| people.tags.get(t).cloned())
                .collect();
            put("primary_tag", tags.first().cloned().unwrap_or(Value::Null));
            put("tags", Value::Array(tags));
        }
        if shape.authors {
            let authors: Vec<Value> = e
                .author_ids
                .iter()
                .filter_map(|a| people.authors.get(a).cloned())
                .collect();
            put(
                "primary_author",
                authors.first().cloned().unwrap_or(Value::Null),
            );
            put("authors", Value::Array(authors));
        }
    }
    put("url", json!(api.url(&e.path)));
    put("excerpt", json!(excerpt(e.standfirst, &plaintext)));
    put(
        "reading_time",
        json!(reading_time(e.html, e.lead.is_some())),
    );
    put("access", json!(true));
    put("comments", json!(e.comments));
    for empty in [
        "og_image",
        "og_title",
        "og_description",
        "twitter_image",
        "twitter_title",
        "twitter_description",
    ] {
        put(empty, Value::Null);
    }
    put("meta_title", or_null(e.seo_title));
    put("meta_description", or_null(e.seo_description));
    if e.kind == Kind::Post {
        put("email_subject", Value::Null);
    }
    put("frontmatter", Value::Null);
    put(
        "feature_image_alt",
        e.lead.map_or(Value::Null, |(_, alt, _)| or_null(alt)),
    );
    put(
        "feature_image_caption",
        e.lead
            .map_or(Value::Null, |(_, _, caption)| or_null(caption)),
    );
    let mut item = Value::Object(item);
    keep_fields(&mut item, shape.fields.as_deref());
    item
}

fn story_entry<'a>(story: &'a Story, featured: &[i64]) -> Entry<'a> {
    let row = &story.row;
    Entry {
        kind: Kind::Post,
        id: row.id,
        title: &row.headline,
        slug: &row.slug,
        html: &row.body_html,
        path: story.path.clone(),
        standfirst: &row.standfirst,
        lead: row
            .lead_id
            .map(|m| (m, row.lead_alt.as_str(), row.lead_caption.as_str())),
        featured: featured.contains(&row.id),
        comments: row.comments_open,
        created: row.created_at,
        updated: row.updated_at,
        published: row.published_at.unwrap_or(row.created_at),
        seo_title: &row.seo_title,
        seo_description: &row.seo_description,
        tag_ids: &story.tag_ids,
        author_ids: &story.author_ids,
    }
}

fn page_entry(page: &Page) -> Entry<'_> {
    Entry {
        kind: Kind::Page,
        id: page.id,
        title: &page.title,
        slug: &page.slug,
        html: &page.body_html,
        path: page.path(),
        standfirst: "",
        lead: None,
        featured: false,
        comments: false,
        created: page.created_at,
        updated: page.updated_at,
        published: page.published_at.unwrap_or(page.created_at),
        seo_title: &page.seo_title,
        seo_description: &page.seo_description,
        tag_ids: &[],
        author_ids: &[],
    }
}

/// How one post or page is asked for.
pub enum Which<'a> {
    All,
    Id(&'a str),
    Slug(&'a str),
}

pub async fn posts(api: &Api, params: &Params, which: Which<'_>) -> Result<Reply, GhostError> {
    let resource = Resource::Posts;
    let filter = params.filter(resource.name())?;
    let paging = params.paging(resource.name())?;
    let featured = fronts::featured_on_home(&api.db, api.now).await?;
    let scope = PostScope {
        featured: &featured,
        now: api.now,
    };
    let mut conds = Vec::new();
    if let Some(filter) = &filter {
        conds.push(
            filter::posts(filter, &scope).map_err(|why| filter::refused(resource.name(), why))?,
        );
    }
    match which {
        Which::All => {}
        Which::Id(id) => conds.push(Cond::Ids(ids::decode(Kind::Post, id).into_iter().collect())),
        Which::Slug(slug) => conds.push(Cond::Slugs(vec![slug.to_string()])),
    }
    let mut order: Vec<(OrderBy, bool)> = params
        .order(POST_ORDER)
        .into_iter()
        .map(|(column, desc)| {
            let by = match column {
                "updated_at" => OrderBy::Modified,
                "title" => OrderBy::Headline,
                "slug" => OrderBy::Slug,
                "id" | "created_at" => OrderBy::Id,
                _ => OrderBy::Published,
            };
            (by, desc)
        })
        .collect();
    if order.is_empty() {
        order.push((OrderBy::Published, true));
    }
    let single = !matches!(which, Which::All);
    let query = Query {
        cond: Cond::All(conds),
        order,
        limit: if single { 1 } else { paging.limit },
        offset: if single { 0 } else { paging.offset() },
    };
    let found = query::find(&api.db, api.now, api.site.tz, &query).await?;
    let mentioned = Mentioned {
        tags: found
            .stories
            .iter()
            .flat_map(|s| s.tag_ids.clone())
            .collect(),
        authors: found
            .stories
            .iter()
            .flat_map(|s| s.author_ids.clone())
            .collect(),
    };
    let shape = Shape::read(api, params, &mentioned).await?;
    let items: Vec<Value> = found
        .stories
        .iter()
        .map(|s| entry(api, &story_entry(s, &featured), &shape))
        .collect();
    if single {
        return Reply::single(resource, items);
    }
    Ok(Reply::browse(resource, items, paging.meta(found.total)))
}

/// What a page filter may name, and the page's value for it.
const PAGE_FIELDS: &[&str] = &[
    "id",
    "slug",
    "title",
    "featured",
    "visibility",
    "status",
    "type",
    "published_at",
    "updated_at",
    "created_at",
    "tag",
    "tags",
    "tags.slug",
    "author",
    "authors",
    "authors.slug",
    "primary_tag",
    "primary_author",
];

fn page_field(page: &Page, prop: &str) -> Option<Field> {
    Some(match prop {
        "id" => Field::Text(ids::encode(Kind::Page, page.id)),
        "slug" => Field::Text(page.slug.clone()),
        "title" => Field::Text(page.title.clone()),
        "featured" => Field::Bool(false),
        "visibility" => Field::Text("public".into()),
        "status" => Field::Text("published".into()),
        "type" => Field::Text("page".into()),
        "published_at" => Field::Time(page.published_at),
        "updated_at" => Field::Time(Some(page.updated_at)),
        "created_at" => Field::Time(Some(page.created_at)),
        "tag" | "tags" | "tags.slug" | "author" | "authors" | "authors.slug" | "primary_tag"
        | "primary_author" => Field::Texts(Vec::new()),
        _ => return None,
    })
}

pub async fn pages(api: &Api, params: &Params, which: Which<'_>) -> Result<Reply, GhostError> {
    let resource = Resource::Pages;
    let filter = params.filter(resource.name())?;
    if let Some(filter) = &filter {
        filter::check(filter, PAGE_FIELDS).map_err(|why| filter::refused(resource.name(), why))?;
    }
    let paging = params.paging(resource.name())?;
    let now = api.now;
    let mut found: Vec<Page> = pages::all(&api.db)
        .await?
        .into_iter()
        .filter(|p| p.is_public(now))
        .filter(|p| match &which {
            Which::All => true,
            Which::Id(id) => ids::decode(Kind::Page, id) == Some(p.id),
            Which::Slug(slug) => p.slug == *slug,
        })
        .filter(|p| {
            filter
                .as_ref()
                .is_none_or(|f| filter::matches(f, now, &|prop| page_field(p, prop)))
        })
        .collect();
    let order = params.order(POST_ORDER);
    found.sort_by(|a, b| {
        let key = |p: &Page, column: &str| match column {
            "updated_at" => (p.updated_at.micros(), String::new()),
            "created_at" | "id" => (p.id, String::new()),
            "title" => (0, p.title.to_lowercase()),
            "slug" => (0, p.slug.clone()),
            _ => (p.published_at.map_or(0, |t| t.micros()), String::new()),
        };
        let order = if order.is_empty() {
            &[("published_at", true)][..]
        } else {
            &order[..]
        };
        order
            .iter()
            .map(|(column, desc)| {
                let o = key(a, column).cmp(&key(b, column));
                if *desc { o.reverse() } else { o }
            })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| b.id.cmp(&a.id))
    });
    let total = i64::try_from(found.len()).unwrap_or(i64::MAX);
    let single = !matches!(which, Which::All);
    let found = if single { found } else { paging.slice(found) };
    let shape = Shape::read(api, params, &Mentioned::default()).await?;
    let items: Vec<Value> = found
        .iter()
        .map(|p| entry(api, &page_entry(p), &shape))
        .collect();
    if single {
        return Reply::single(resource, items);
    }
    Ok(Reply::browse(resource, items, paging.meta(total)))
}
