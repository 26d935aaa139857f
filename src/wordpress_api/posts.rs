//! `/wp/v2/posts`: published articles with WordPress's fields and collection parameters. A
//! section is the post's one category; the home page's hand-picked stories are its sticky
//! posts.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::context::{
    Api, POST_EDIT_REFUSAL, POST_EMBEDDED, POST_ORDER_BY, Reply, View, curies, escape, excerpt,
    object,
};
use super::editing;
use super::error::WpError;
use super::params::{Paging, Params};
use crate::articles::query::{self, Cmp, Cond, OrderBy, Query, Story};
use crate::fronts::service as fronts;

pub async fn list(api: &Api, params: &mut Params) -> Result<Reply, WpError> {
    if let Some(user) = &api.user {
        let asks_status = params
            .strings("status")
            .is_some_and(|s| s.iter().any(|s| s != "publish"));
        let edit = params.raw("context") == Some("edit");
        if asks_status || edit {
            params.choice("context", &["view", "embed", "edit"], "view");
            return editing::list_posts(api, user, params, edit).await;
        }
    }
    let view = View::read(params, POST_EDIT_REFUSAL)?;
    let paging = Paging::read(params, 100);
    let order_desc = params.choice("order", &["asc", "desc"], "desc") == "desc";
    let order_by = params.choice("orderby", POST_ORDER_BY, "date");
    let sticky = fronts::featured_on_home(&api.db, api.now).await?;
    let mut conds = conditions(api, params, &sticky)?;
    let search = params.string("search").unwrap_or_default();
    let words: Vec<String> = search.split_whitespace().map(str::to_string).collect();
    if order_by == "relevance" && words.is_empty() {
        params.check()?;
        return Err(WpError::new(
            StatusCode::BAD_REQUEST,
            "rest_no_search_term_defined",
            "You need to define a search term to order by relevance.",
        ));
    }
    if !words.is_empty() {
        conds.push(Cond::Words(words));
    }
    params.check()?;
    let include = params.ids("include").unwrap_or_default();
    let order = match order_by {
        "author" => vec![(OrderBy::FirstAuthor, order_desc)],
        "id" => vec![(OrderBy::Id, order_desc)],
        "modified" => vec![(OrderBy::Modified, order_desc)],
        "slug" | "include_slugs" => vec![(OrderBy::Slug, order_desc)],
        "title" => vec![(OrderBy::Headline, order_desc)],
        _ => vec![(OrderBy::Published, order_desc)],
    };
    let skip = paging.skip(params.has("offset"));
    let cond = Cond::All(conds);
    let found = if order_by == "include" {
        in_given_order(api, cond, &include, skip, paging.per_page).await?
    } else {
        let query = Query {
            cond,
            order,
            limit: paging.per_page,
            offset: skip,
        };
        query::find(&api.db, api.now, api.site.tz, &query).await?
    };
    if found.total > 0 && skip >= found.total {
        return Err(WpError::page_out_of_range("rest_post_invalid_page_number"));
    }
    let items = found
        .stories
        .iter()
        .map(|s| view.apply(post(api, s, sticky.contains(&s.row.id)), POST_EMBEDDED))
        .collect();
    Ok(Reply::page(items, found.total, paging))
}

/// `orderby=include`: the included posts (at most a hundred) in the order they were named.
async fn in_given_order(
    api: &Api,
    cond: Cond,
    include: &[i64],
    skip: i64,
    limit: i64,
) -> Result<query::Found, WpError> {
    let query = Query {
        cond,
        order: vec![(OrderBy::Id, false)],
        limit: 100,
        offset: 0,
    };
    let mut found = query::find(&api.db, api.now, api.site.tz, &query).await?;
    found
        .stories
        .sort_by_key(|s| include.iter().position(|id| *id == s.row.id));
    found.stories = found
        .stories
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    Ok(found)
}

/// The conditions of the collection parameters other than `search`.
fn conditions(api: &Api, params: &mut Params, featured: &[i64]) -> Result<Vec<Cond>, WpError> {
    let mut conds = Vec::new();
    if let Some(status) = params.strings("status")
        && status.iter().any(|s| s != "publish")
    {
        params.check()?;
        return Err(WpError::invalid_params(&[(
            "status".into(),
            "rest_forbidden_status",
            "Status is forbidden.".into(),
        )]));
    }
    let id_lists = [
        ("include", false),
        ("exclude", true),
        ("author", false),
        ("author_exclude", true),
    ];
    for (name, negate) in id_lists {
        if let Some(ids) = params.ids(name) {
            let cond = if name.starts_with("author") {
                Cond::Authors(ids)
            } else {
                Cond::Ids(ids)
            };
            conds.push(if negate {
                Cond::Not(Box::new(cond))
            } else {
                cond
            });
        }
    }
    if let Some(slugs) = params.strings("slug") {
        conds.push(Cond::Slugs(slugs));
    }
    let mut terms = Vec::new();
    if let Some(ids) = params.ids("categories") {
        terms.push(Cond::Sections {
            ids,
            children: false,
        });
    }
    if let Some(ids) = params.ids("tags") {
        terms.push(Cond::Tags(ids));
    }
    let relation = params.choice("tax_relation", &["AND", "OR"], "AND");
    match (relation, terms.len()) {
        (_, 0) => {}
        ("OR", _) => conds.push(Cond::Any(terms)),
        _ => conds.extend(terms),
    }
    if let Some(ids) = params.ids("categories_exclude") {
        conds.push(Cond::Not(Box::new(Cond::Sections {
            ids,
            children: false,
        })));
    }
    if let Some(ids) = params.ids("tags_exclude") {
        conds.push(Cond::Not(Box::new(Cond::Tags(ids))));
    }
    let tz = api.site.tz;
    let dates = [
        ("after", true, false),
        ("before", false, false),
        ("modified_after", true, true),
        ("modified_before", false, true),
    ];
    for (name, after, modified) in dates {
        if let Some(at) = params.date(name, tz) {
            let cmp = if after { Cmp::After } else { Cmp::Before };
            conds.push(if modified {
                Cond::Modified(cmp, at)
            } else {
                Cond::Published(cmp, at)
            });
        }
    }
    if let Some(sticky) = params.boolean("sticky") {
        let featured = Cond::Ids(featured.to_vec());
        conds.push(if sticky {
            featured
        } else {
            Cond::Not(Box::new(featured))
        });
    }
    Ok(conds)
}

pub async fn one(api: &Api, params: &mut Params, id: &str) -> Result<Reply, WpError> {
    let invalid = || WpError::invalid_id("rest_post_invalid_id", "post");
    if let (Some(user), Ok(id)) = (&api.user, id.parse::<i64>()) {
        let edit = params.choice("context", &["view", "embed", "edit"], "view") == "edit";
        params.check()?;
        if let Some(reply) = editing::read_post(api, user, id, edit).await? {
            return Ok(reply);
        }
    }
    let view = View::read(params, POST_EDIT_REFUSAL)?;
    params.check()?;
    let id: i64 = id.parse().map_err(|_| invalid())?;
    let query = Query {
        cond: Cond::Ids(vec![id]),
        order: Vec::new(),
        limit: 1,
        offset: 0,
    };
    let found = query::find(&api.db, api.now, api.site.tz, &query).await?;
    let story = found.stories.first().ok_or_else(invalid)?;
    let sticky = fronts::featured_on_home(&api.db, api.now).await?;
    let mut reply = Reply::item(view.apply(post(api, story, sticky.contains(&id)), POST_EMBEDDED));
    reply.alternate = Some(api.url(&story.path));
    Ok(reply)
}

fn post(api: &Api, story: &Story, sticky: bool) -> Map<String, Value> {
    let row = &story.row;
    let id = row.id;
    let published = row.published_at.unwrap_or(row.created_at);
    let author = story.author_ids.first().copied().unwrap_or(0);
    let featured = row.lead_id.unwrap_or(0);
    let mut links = Map::new();
    links.insert("self".into(), api.link(&format!("/wp/v2/posts/{id}")));
    links.insert("collection".into(), api.link("/wp/v2/posts"));
    links.insert("about".into(), api.link("/wp/v2/types/post"));
    if author != 0 {
        links.insert(
            "author".into(),
            Value::Array(
                story
                    .author_ids
                    .iter()
                    .map(|a| json!({"embeddable": true, "href": api.route(&format!("/wp/v2/users/{a}"))}))
                    .collect(),
            ),
        );
    }
    links.insert(
        "replies".into(),
        api.embeddable(&format!("/wp/v2/comments?post={id}")),
    );
    links.insert(
        "version-history".into(),
        json!([{"count": 0, "href": api.route(&format!("/wp/v2/posts/{id}/revisions"))}]),
    );
    if featured != 0 {
        links.insert(
            "wp:featuredmedia".into(),
            api.embeddable(&format!("/wp/v2/media/{featured}")),
        );
    }
    links.insert(
        "wp:attachment".into(),
        api.link(&format!("/wp/v2/media?parent={id}")),
    );
    links.insert(
        "wp:term".into(),
        json!([
            {"taxonomy": "category", "embeddable": true,
             "href": api.route(&format!("/wp/v2/categories?post={id}"))},
            {"taxonomy": "post_tag", "embeddable": true,
             "href": api.route(&format!("/wp/v2/tags?post={id}"))},
        ]),
    );
    links.insert("curies".into(), curies());
    object(json!({
        "id": id,
        "date": api.local(published),
        "date_gmt": api.gmt(published),
        "guid": {"rendered": api.url(&format!("/?p={id}"))},
        "modified": api.local(row.updated_at),
        "modified_gmt": api.gmt(row.updated_at),
        "slug": row.slug,
        "status": "publish",
        "type": "post",
        "link": api.url(&story.path),
        "title": {"rendered": escape(&row.headline)},
        "content": {"rendered": api.html(&row.body_html), "protected": false},
        "excerpt": {"rendered": excerpt(&row.standfirst, &row.body_html), "protected": false},
        "author": author,
        "featured_media": featured,
        "comment_status": if row.comments_open { "open" } else { "closed" },
        "ping_status": "closed",
        "sticky": sticky,
        "template": "",
        "format": "standard",
        "meta": [],
        "categories": [row.section_id],
        "tags": story.tag_ids,
        "_links": links,
    }))
}
