//! `/wp/v2/categories` (sections) and `/wp/v2/tags`: every term with its count of published
//! articles, sorted, filtered and paged as WordPress does. A site has tens of sections and at
//! most some thousands of tags, so the list is read whole and filtered here.

use serde_json::{Map, Value, json};

use super::context::{Api, Reply, View, curies};
use super::error::WpError;
use super::params::{Paging, Params, Selection};
use crate::articles::query::{self, Cond, CountsOf, Query};
use crate::articles::service as articles;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taxonomy {
    Category,
    Tag,
}

impl Taxonomy {
    pub fn rest_base(self) -> &'static str {
        match self {
            Taxonomy::Category => "categories",
            Taxonomy::Tag => "tags",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Taxonomy::Category => "category",
            Taxonomy::Tag => "post_tag",
        }
    }
}

pub(super) struct Term {
    pub id: i64,
    pub name: String,
    pub slug: String,
    description: String,
    parent: i64,
    count: i64,
    pub path: String,
}

const EMBEDDED: &[&str] = &["id", "link", "name", "slug", "taxonomy"];

const ORDER_BY: &[&str] = &[
    "id",
    "include",
    "name",
    "slug",
    "include_slugs",
    "term_group",
    "description",
    "count",
];

const EDIT_REFUSAL: &str = "Sorry, you are not allowed to edit terms in this taxonomy.";

/// Every term of `taxonomy`, or those of `only`, with their counts.
pub(super) async fn terms(
    api: &Api,
    taxonomy: Taxonomy,
    only: Option<&[i64]>,
) -> Result<Vec<Term>, WpError> {
    let kept = |id: i64| only.is_none_or(|ids| ids.contains(&id));
    Ok(match taxonomy {
        Taxonomy::Category => {
            let counts = query::counts(&api.db, api.now, CountsOf::Sections, only).await?;
            articles::sections(&api.db)
                .await?
                .into_iter()
                .filter(|s| kept(s.id))
                .map(|s| Term {
                    count: counts.get(&s.id).copied().unwrap_or(0),
                    path: format!("/{}", s.slug),
                    id: s.id,
                    name: s.name,
                    slug: s.slug,
                    description: s.description,
                    parent: s.parent_id.unwrap_or(0),
                })
                .collect()
        }
        Taxonomy::Tag => {
            let counts = query::counts(&api.db, api.now, CountsOf::Tags, only).await?;
            let mut descriptions: std::collections::HashMap<i64, String> =
                articles::tag_descriptions(&api.db)
                    .await?
                    .into_iter()
                    .collect();
            articles::tags(&api.db)
                .await?
                .into_iter()
                .filter(|t| kept(t.id))
                .map(|t| Term {
                    count: counts.get(&t.id).copied().unwrap_or(0),
                    path: format!("/tag/{}", t.slug),
                    description: descriptions.remove(&t.id).unwrap_or_default(),
                    id: t.id,
                    name: t.name,
                    slug: t.slug,
                    parent: 0,
                })
                .collect()
        }
    })
}

/// The terms of one published article: its section, or its tags in order.
async fn of_post(api: &Api, taxonomy: Taxonomy, post: i64) -> Result<Vec<i64>, WpError> {
    let query = Query {
        cond: Cond::Ids(vec![post]),
        order: Vec::new(),
        limit: 1,
        offset: 0,
    };
    let found = query::find(&api.db, api.now, api.site.tz, &query).await?;
    Ok(found
        .stories
        .first()
        .map(|s| match taxonomy {
            Taxonomy::Category => vec![s.row.section_id],
            Taxonomy::Tag => s.tag_ids.clone(),
        })
        .unwrap_or_default())
}

pub async fn list(api: &Api, params: &mut Params, taxonomy: Taxonomy) -> Result<Reply, WpError> {
    let view = View::read(params, EDIT_REFUSAL)?;
    let paging = Paging::read(params, 100);
    let desc = params.choice("order", &["asc", "desc"], "asc") == "desc";
    let order_by = params.choice("orderby", ORDER_BY, "name");
    let selection = Selection::read(params);
    let hide_empty = params.boolean("hide_empty").unwrap_or(false);
    let parent = if taxonomy == Taxonomy::Category {
        params.ids("parent")
    } else {
        None
    };
    let post = params.ids("post");
    params.check()?;
    let in_post = match post.as_deref() {
        Some([post, ..]) => Some(of_post(api, taxonomy, *post).await?),
        _ => None,
    };
    let mut terms: Vec<Term> = terms(api, taxonomy, in_post.as_deref())
        .await?
        .into_iter()
        .filter(|t| selection.keeps(t.id, &t.slug, &[&t.name]))
        .filter(|t| !hide_empty || t.count > 0)
        .filter(|t| parent.as_ref().is_none_or(|p| p.contains(&t.parent)))
        .filter(|t| in_post.as_ref().is_none_or(|ids| ids.contains(&t.id)))
        .collect();
    match order_by {
        "id" => terms.sort_by_key(|t| t.id),
        "slug" | "include_slugs" => terms.sort_by(|a, b| a.slug.cmp(&b.slug)),
        "description" => terms.sort_by(|a, b| a.description.cmp(&b.description)),
        "count" => terms.sort_by_key(|t| t.count),
        "include" => terms.sort_by_key(|t| selection.place(t.id)),
        _ => terms.sort_by_key(|t| (t.name.to_lowercase(), t.id)),
    }
    let offset = params.has("offset");
    let (terms, total) = paging.slice(terms, desc, offset, "rest_term_invalid_page_number")?;
    let items = terms
        .iter()
        .map(|t| view.apply(term(api, taxonomy, t), EMBEDDED))
        .collect();
    Ok(Reply::page(items, total, paging))
}

pub async fn one(
    api: &Api,
    params: &mut Params,
    taxonomy: Taxonomy,
    id: &str,
) -> Result<Reply, WpError> {
    let view = View::read(params, EDIT_REFUSAL)?;
    params.check()?;
    let invalid = || WpError::invalid_id("rest_term_invalid", "term");
    let id: i64 = id.parse().map_err(|_| invalid())?;
    let all = terms(api, taxonomy, Some(&[id])).await?;
    let found = all.iter().find(|t| t.id == id).ok_or_else(invalid)?;
    let mut reply = Reply::item(view.apply(term(api, taxonomy, found), EMBEDDED));
    reply.alternate = Some(api.url(&found.path));
    Ok(reply)
}

fn term(api: &Api, taxonomy: Taxonomy, t: &Term) -> Map<String, Value> {
    let base = taxonomy.rest_base();
    let mut links = Map::new();
    links.insert("self".into(), api.link(&format!("/wp/v2/{base}/{}", t.id)));
    links.insert("collection".into(), api.link(&format!("/wp/v2/{base}")));
    links.insert(
        "about".into(),
        api.link(&format!("/wp/v2/taxonomies/{}", taxonomy.name())),
    );
    if t.parent != 0 {
        links.insert(
            "up".into(),
            api.embeddable(&format!("/wp/v2/{base}/{}", t.parent)),
        );
    }
    links.insert(
        "wp:post_type".into(),
        api.link(&format!("/wp/v2/posts?{base}={}", t.id)),
    );
    links.insert("curies".into(), curies());
    let mut item = Map::new();
    item.insert("id".into(), json!(t.id));
    item.insert("count".into(), json!(t.count));
    item.insert("description".into(), json!(t.description));
    item.insert("link".into(), json!(api.url(&t.path)));
    item.insert("name".into(), json!(t.name));
    item.insert("slug".into(), json!(t.slug));
    item.insert("taxonomy".into(), json!(taxonomy.name()));
    if taxonomy == Taxonomy::Category {
        item.insert("parent".into(), json!(t.parent));
    }
    item.insert("meta".into(), json!([]));
    item.insert("_links".into(), Value::Object(links));
    item
}
