//! `/wp/v2/categories` (sections) and `/wp/v2/tags`: every term with its count of published
//! articles, sorted, filtered and paged as WordPress does. A site has tens of sections and at
//! most some thousands of tags, so the list is read whole and filtered here.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::context::{Api, Reply, View, curies};
use super::error::WpError;
use super::params::{Paging, Params, Selection};
use crate::accounts::can::{ManageTaxonomy, require};
use crate::accounts::service::User;
use crate::articles::query::{self, Cond, CountsOf, Query};
use crate::articles::service::{self as articles, SectionInput};
use crate::error::AppError;
use axum::http::StatusCode;

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

/// Creates (`id` none) or updates a category (section) or tag for `user`, who must be allowed
/// to manage sections and tags. WordPress's `name`, `slug`, `description` and (for categories)
/// `parent`; a tag's slug is always made from its name.
pub async fn write(
    api: &Api,
    user: &User,
    taxonomy: Taxonomy,
    id: Option<&str>,
    mut params: Params,
) -> Result<Reply, WpError> {
    let code = if id.is_some() {
        "rest_cannot_update"
    } else {
        "rest_cannot_create"
    };
    if let Err(AppError::Forbidden(message)) =
        require::<ManageTaxonomy>(user, "manage sections and tags")
    {
        return Err(WpError::new(StatusCode::FORBIDDEN, code, message));
    }
    let invalid = || WpError::invalid_id("rest_term_invalid", "term");
    let id = id
        .map(|id| id.parse::<i64>().map_err(|_| invalid()))
        .transpose()?;
    let name = params.string("name");
    if id.is_none() && name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(WpError::new(
            StatusCode::BAD_REQUEST,
            "rest_missing_callback_param",
            "Missing parameter(s): name",
        ));
    }
    let saved = match taxonomy {
        Taxonomy::Category => {
            let parent = params
                .has("parent")
                .then(|| params.int("parent", 0, 0, None));
            params.check()?;
            let mut input = match id {
                Some(id) => articles::section_input(&api.db, id)
                    .await
                    .map_err(|_| invalid())?,
                None => SectionInput {
                    parent_id: None,
                    name: String::new(),
                    slug: String::new(),
                    description: String::new(),
                    position: 100,
                },
            };
            if let Some(name) = name {
                input.name = name;
            }
            if let Some(slug) = params.string("slug") {
                input.slug = slug;
            }
            if let Some(description) = params.string("description") {
                input.description = description;
            }
            if let Some(parent) = parent {
                input.parent_id = (parent != 0).then_some(parent);
            }
            match id {
                Some(id) => articles::update_section(&api.db, &api.clock, api.site.tz, id, &input)
                    .await
                    .map(|()| id),
                None => articles::create_section(&api.db, &input).await,
            }
        }
        Taxonomy::Tag => {
            for fixed in ["slug", "description"] {
                if params.raw(fixed).is_some_and(|v| !v.trim().is_empty()) {
                    params.problem(
                        fixed,
                        "rest_invalid_param",
                        format!(
                            "A Broadsheet tag has no {fixed} of its own to set: send its name."
                        ),
                    );
                }
            }
            params.check()?;
            match (id, name) {
                (Some(id), Some(name)) => {
                    articles::rename_tag(&api.db, id, &name).await.map(|()| id)
                }
                (Some(id), None) => Ok(id),
                (None, name) => articles::create_tag(&api.db, &name.unwrap_or_default()).await,
            }
        }
    };
    let saved = saved.map_err(|e| match e {
        AppError::NotFound(_) => invalid(),
        AppError::Invalid(fields) => {
            let problems: Vec<(String, &'static str, String)> = fields
                .into_iter()
                .map(|f| (f.field, "rest_invalid_param", f.message))
                .collect();
            WpError::invalid_params(&problems)
        }
        other => WpError::from(other),
    })?;
    let mut reply = one(api, &mut Params::default(), taxonomy, &saved.to_string()).await?;
    reply.alternate = None;
    if id.is_none() {
        reply.created = Some(api.route(&format!("/wp/v2/{}/{saved}", taxonomy.rest_base())));
    }
    Ok(reply)
}

/// `categories?post=…` or `tags?post=…` in the embed context for each of `posts` at once, as
/// [`list`] answers each: the post's terms by name, none for a post readers may not see.
pub(super) async fn embedded_of_posts(
    api: &Api,
    taxonomy: Taxonomy,
    posts: &[i64],
) -> Result<HashMap<i64, Value>, WpError> {
    let mut answers = HashMap::new();
    if posts.is_empty() {
        return Ok(answers);
    }
    let query = Query {
        cond: Cond::Ids(posts.to_vec()),
        order: Vec::new(),
        limit: i64::try_from(posts.len()).unwrap_or(i64::MAX),
        offset: 0,
    };
    let found = query::find(&api.db, api.now, api.site.tz, &query).await?;
    let of_post: HashMap<i64, Vec<i64>> = found
        .stories
        .iter()
        .map(|s| {
            let ids = match taxonomy {
                Taxonomy::Category => vec![s.row.section_id],
                Taxonomy::Tag => s.tag_ids.clone(),
            };
            (s.row.id, ids)
        })
        .collect();
    let mut union: Vec<i64> = of_post.values().flatten().copied().collect();
    union.sort_unstable();
    union.dedup();
    let mut all = terms(api, taxonomy, Some(&union)).await?;
    all.sort_by_key(|t| (t.name.to_lowercase(), t.id));
    for post in posts {
        let ids = of_post.get(post).map(Vec::as_slice).unwrap_or_default();
        let items = all
            .iter()
            .filter(|t| ids.contains(&t.id))
            .take(100)
            .map(|t| View::Embed.apply(term(api, taxonomy, t), EMBEDDED))
            .collect();
        answers.insert(*post, Value::Array(items));
    }
    Ok(answers)
}
