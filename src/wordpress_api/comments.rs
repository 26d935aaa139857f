//! `/wp/v2/comments`: approved comments of published articles, as WordPress shows them to
//! anyone — never an address, an IP or a held comment.

use serde_json::{Map, Value, json};

use super::context::{Api, Reply, View, avatar_urls, object};
use super::error::WpError;
use super::params::{Paging, Params};
use crate::comments::service::{self as comments, PublicComment, PublicFilter, PublicOrder};

const EMBEDDED: &[&str] = &[
    "id",
    "parent",
    "author",
    "author_name",
    "author_url",
    "date",
    "content",
    "link",
    "type",
    "author_avatar_urls",
];

const EDIT_REFUSAL: &str = "Sorry, you are not allowed to edit comments.";

pub async fn list(api: &Api, params: &mut Params) -> Result<Reply, WpError> {
    let view = View::read(params, EDIT_REFUSAL)?;
    let paging = Paging::read(params, 100);
    let desc = params.choice("order", &["asc", "desc"], "desc") == "desc";
    let order_by = params.choice(
        "orderby",
        &[
            "date", "date_gmt", "id", "include", "post", "parent", "type",
        ],
        "date_gmt",
    );
    let status = params.choice(
        "status",
        &["approve", "approved", "hold", "spam", "trash", "all"],
        "approve",
    );
    let tz = api.site.tz;
    let filter = PublicFilter {
        ids: params.ids("include"),
        exclude: params.ids("exclude").unwrap_or_default(),
        articles: params.ids("post"),
        parents: params.ids("parent"),
        after: params.date("after", tz),
        before: params.date("before", tz),
    };
    params.check()?;
    if !matches!(status, "approve" | "approved") {
        return Err(WpError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "rest_forbidden_param",
            "Query parameter not permitted: status",
        ));
    }
    let order = match order_by {
        "id" | "include" => PublicOrder::Id,
        "post" => PublicOrder::Article,
        "parent" => PublicOrder::Parent,
        _ => PublicOrder::Date,
    };
    let skip = paging.skip(params.has("offset"));
    let (found, total) = comments::public(
        &api.db,
        api.now,
        tz,
        &filter,
        (order, desc),
        paging.per_page,
        skip,
    )
    .await?;
    if total > 0 && skip >= total {
        return Err(WpError::page_out_of_range(
            "rest_comment_invalid_page_number",
        ));
    }
    let items = found
        .iter()
        .map(|c| view.apply(comment(api, c), EMBEDDED))
        .collect();
    Ok(Reply::page(items, total, paging))
}

pub async fn one(api: &Api, params: &mut Params, id: &str) -> Result<Reply, WpError> {
    let view = View::read(params, EDIT_REFUSAL)?;
    params.check()?;
    let invalid = || WpError::invalid_id("rest_comment_invalid_id", "comment");
    let id: i64 = id.parse().map_err(|_| invalid())?;
    let filter = PublicFilter {
        ids: Some(vec![id]),
        ..PublicFilter::default()
    };
    let order = (PublicOrder::Id, false);
    let (found, _) = comments::public(&api.db, api.now, api.site.tz, &filter, order, 1, 0).await?;
    let c = found.first().ok_or_else(invalid)?;
    Ok(Reply::item(view.apply(comment(api, c), EMBEDDED)))
}

fn comment(api: &Api, c: &PublicComment) -> Map<String, Value> {
    let mut links = Map::new();
    links.insert(
        "self".into(),
        api.link(&format!("/wp/v2/comments/{}", c.id)),
    );
    links.insert("collection".into(), api.link("/wp/v2/comments"));
    links.insert(
        "up".into(),
        json!([{"embeddable": true, "post_type": "post",
                "href": api.route(&format!("/wp/v2/posts/{}", c.article_id))}]),
    );
    if let Some(parent) = c.parent_id {
        links.insert(
            "in-reply-to".into(),
            api.embeddable(&format!("/wp/v2/comments/{parent}")),
        );
    }
    object(json!({
        "id": c.id,
        "post": c.article_id,
        "parent": c.parent_id.unwrap_or(0),
        "author": 0,
        "author_name": c.author_name,
        "author_url": c.author_url,
        "date": api.local(c.created_at),
        "date_gmt": api.gmt(c.created_at),
        "content": {"rendered": format!("{}\n", c.html.trim_end())},
        "link": api.url(&c.path),
        "status": "approved",
        "type": "comment",
        "author_avatar_urls": avatar_urls(api, &c.avatar),
        "meta": [],
        "_links": links,
    }))
}
