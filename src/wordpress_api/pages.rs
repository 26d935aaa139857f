//! `/wp/v2/pages`: the site's published pages (About, Contact, Corrections…), nested one level
//! as Broadsheet nests them. A site has tens of pages, so the list is read whole.

use serde_json::{Map, Value, json};

use super::context::{
    Api, POST_EDIT_REFUSAL, POST_EMBEDDED, POST_ORDER_BY, Reply, View, curies, escape, excerpt,
    object,
};
use super::editing;
use super::error::WpError;
use super::params::{Paging, Params, Selection};
use crate::pages::service::{self as pages, Page};

pub async fn list(api: &Api, params: &mut Params) -> Result<Reply, WpError> {
    let view = View::read(params, POST_EDIT_REFUSAL)?;
    let paging = Paging::read(params, 100);
    let desc = params.choice("order", &["asc", "desc"], "desc") == "desc";
    let order_by = if params.raw("orderby") == Some("menu_order") {
        "menu_order"
    } else {
        params.choice("orderby", POST_ORDER_BY, "date")
    };
    let selection = Selection::read(params);
    let parents = params.ids("parent");
    let parent_exclude = params.ids("parent_exclude").unwrap_or_default();
    let tz = api.site.tz;
    let after = params.date("after", tz);
    let before = params.date("before", tz);
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
    params.check()?;
    let now = api.now;
    let mut found: Vec<Page> = pages::all(&api.db)
        .await?
        .into_iter()
        .filter(|p| p.is_public(now))
        .filter(|p| selection.keeps(p.id, &p.slug, &[&p.title, &p.body_html]))
        .filter(|p| {
            let parent = p.parent_id.unwrap_or(0);
            parents.as_ref().is_none_or(|ids| ids.contains(&parent))
                && !parent_exclude.contains(&parent)
        })
        .filter(|p| after.is_none_or(|at| p.published_at.is_some_and(|t| t > at)))
        .filter(|p| before.is_none_or(|at| p.published_at.is_some_and(|t| t < at)))
        .collect();
    match order_by {
        "id" => found.sort_by_key(|p| p.id),
        "modified" => found.sort_by_key(|p| (p.updated_at, p.id)),
        "parent" => found.sort_by_key(|p| (p.parent_id, p.id)),
        "slug" | "include_slugs" => found.sort_by(|a, b| a.slug.cmp(&b.slug)),
        "title" | "menu_order" => found.sort_by_key(|p| (p.title.to_lowercase(), p.id)),
        "include" => found.sort_by_key(|p| selection.place(p.id)),
        _ => found.sort_by_key(|p| (p.published_at, p.id)),
    }
    let offset = params.has("offset");
    let (found, total) = paging.slice(found, desc, offset, "rest_post_invalid_page_number")?;
    let items = found
        .iter()
        .map(|p| view.apply(page(api, p), POST_EMBEDDED))
        .collect();
    Ok(Reply::page(items, total, paging))
}

pub async fn one(api: &Api, params: &mut Params, id: &str) -> Result<Reply, WpError> {
    if let (Some(user), Ok(id)) = (&api.user, id.parse::<i64>()) {
        let edit = params.choice("context", &["view", "embed", "edit"], "view") == "edit";
        params.check()?;
        if let Some(reply) = editing::read_page(api, user, id, edit).await? {
            return Ok(reply);
        }
    }
    let view = View::read(params, POST_EDIT_REFUSAL)?;
    params.check()?;
    let invalid = || WpError::invalid_id("rest_post_invalid_id", "post");
    let id: i64 = id.parse().map_err(|_| invalid())?;
    let found = match pages::page(&api.db, id).await {
        Ok(p) if p.is_public(api.now) => p,
        _ => return Err(invalid()),
    };
    let mut reply = Reply::item(view.apply(page(api, &found), POST_EMBEDDED));
    reply.alternate = Some(api.url(&found.path()));
    Ok(reply)
}

pub(super) fn page(api: &Api, p: &Page) -> Map<String, Value> {
    let id = p.id;
    let published = p.published_at.unwrap_or(p.created_at);
    let mut links = Map::new();
    links.insert("self".into(), api.link(&format!("/wp/v2/pages/{id}")));
    links.insert("collection".into(), api.link("/wp/v2/pages"));
    links.insert("about".into(), api.link("/wp/v2/types/page"));
    if let Some(parent) = p.parent_id {
        links.insert(
            "up".into(),
            api.embeddable(&format!("/wp/v2/pages/{parent}")),
        );
    }
    links.insert(
        "version-history".into(),
        json!([{"count": 0, "href": api.route(&format!("/wp/v2/pages/{id}/revisions"))}]),
    );
    links.insert(
        "wp:attachment".into(),
        api.link(&format!("/wp/v2/media?parent={id}")),
    );
    links.insert("curies".into(), curies());
    object(json!({
        "id": id,
        "date": api.local(published),
        "date_gmt": api.gmt(published),
        "guid": {"rendered": api.url(&format!("/?page_id={id}"))},
        "modified": api.local(p.updated_at),
        "modified_gmt": api.gmt(p.updated_at),
        "slug": p.slug,
        "status": editing::wp_status(p.status()),
        "type": "page",
        "link": api.url(&p.path()),
        "title": {"rendered": escape(&p.title)},
        "content": {"rendered": api.html(&p.body_html), "protected": false},
        "excerpt": {"rendered": excerpt("", &p.body_html), "protected": false},
        "author": 0,
        "featured_media": 0,
        "parent": p.parent_id.unwrap_or(0),
        "menu_order": 0,
        "comment_status": "closed",
        "ping_status": "closed",
        "template": "",
        "meta": [],
        "_links": links,
    }))
}
