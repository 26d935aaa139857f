//! `tags/` and `authors/`: every tag, and the authors readers can find (those with a
//! published article), in Ghost's shape. A site has at most some thousands of either, so the
//! list is read whole, then filtered, sorted and paged here.

use serde_json::Value;

use super::context::{Api, People, keep_fields};
use super::error::GhostError;
use super::filter::{self, Field};
use super::ids::{self, Kind};
use super::params::Params;
use super::posts::Which;
use super::{Reply, Resource};

const FIELDS: &[&str] = &[
    "id",
    "slug",
    "name",
    "description",
    "bio",
    "visibility",
    "count.posts",
];

fn field(item: &Value, prop: &str) -> Option<Field> {
    let text = |key: &str| Field::Text(item[key].as_str().unwrap_or("").to_string());
    Some(match prop {
        "id" | "slug" | "name" | "description" | "bio" | "visibility" => text(prop),
        "count.posts" => Field::Number(item["count"]["posts"].as_i64().unwrap_or(0)),
        _ => return None,
    })
}

pub async fn list(
    api: &Api,
    params: &Params,
    resource: Resource,
    which: Which<'_>,
) -> Result<Reply, GhostError> {
    let name = resource.name();
    let filter = params.filter(name)?;
    if let Some(filter) = &filter {
        filter::check(filter, FIELDS).map_err(|why| filter::refused(name, why))?;
    }
    let paging = params.paging(name)?;
    let people = People::load(api, true, None).await?;
    let (kind, items) = match resource {
        Resource::Authors => (Kind::Author, people.authors),
        _ => (Kind::Tag, people.tags),
    };
    let mut items: Vec<Value> = items
        .into_values()
        .filter(|item| {
            resource != Resource::Authors || item["count"]["posts"].as_i64().unwrap_or(0) > 0
        })
        .filter(|item| match &which {
            Which::All => true,
            Which::Id(id) => ids::decode(kind, id).is_some() && item["id"].as_str() == Some(*id),
            Which::Slug(slug) => item["slug"].as_str() == Some(*slug),
        })
        .filter(|item| {
            filter
                .as_ref()
                .is_none_or(|f| filter::matches(f, api.now, &|prop| field(item, prop)))
        })
        .collect();
    let order = params.order(&["name", "slug", "id", "count.posts"]);
    let order = if order.is_empty() {
        vec![("name", false)]
    } else {
        order
    };
    items.sort_by(|a, b| {
        order
            .iter()
            .map(|(column, desc)| {
                let o = match *column {
                    "count.posts" => a["count"]["posts"]
                        .as_i64()
                        .cmp(&b["count"]["posts"].as_i64()),
                    "name" => a["name"]
                        .as_str()
                        .map(str::to_lowercase)
                        .cmp(&b["name"].as_str().map(str::to_lowercase)),
                    column => a[column].as_str().cmp(&b[column].as_str()),
                };
                if *desc { o.reverse() } else { o }
            })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a["id"].as_str().cmp(&b["id"].as_str()))
    });
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let single = !matches!(which, Which::All);
    let mut items = if single { items } else { paging.slice(items) };
    let counted = params.includes("count.posts");
    let fields = params.fields();
    for item in &mut items {
        if !counted && let Some(map) = item.as_object_mut() {
            map.remove("count");
        }
        keep_fields(item, fields.as_deref());
    }
    if single {
        return Reply::single(resource, items);
    }
    Ok(Reply::browse(resource, items, paging.meta(total)))
}
