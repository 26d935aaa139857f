//! `/wp/v2/users`: the public face of the people who write, as WordPress shows it to anyone —
//! author profiles with at least one published article, never an account or an address.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::context::{Api, Reply, View, avatar_urls, object};
use super::error::WpError;
use super::params::{Paging, Params, Selection};
use crate::articles::query::{self, CountsOf};
use crate::articles::service::{self as articles, Author};
use crate::comments::service as comments;
use crate::media::images::urls;
use crate::site::settings;

const EMBEDDED: &[&str] = &[
    "id",
    "name",
    "url",
    "description",
    "link",
    "slug",
    "avatar_urls",
];

const ORDER_BY: &[&str] = &[
    "id",
    "include",
    "name",
    "registered_date",
    "slug",
    "include_slugs",
    "email",
    "url",
];

const EDIT_REFUSAL: &str = "Sorry, you are not allowed to list users.";

/// The authors readers can find: those with a published article (of `only`, when given).
async fn public_authors(api: &Api, only: Option<&[i64]>) -> Result<Vec<Author>, WpError> {
    let counts = query::counts(&api.db, api.now, CountsOf::Authors, only).await?;
    Ok(articles::authors(&api.db)
        .await?
        .into_iter()
        .filter(|a| counts.get(&a.id).is_some_and(|n| *n > 0))
        .collect())
}

pub async fn list(api: &Api, params: &mut Params) -> Result<Reply, WpError> {
    let view = View::read(params, EDIT_REFUSAL)?;
    let paging = Paging::read(params, 100);
    let desc = params.choice("order", &["asc", "desc"], "asc") == "desc";
    let order_by = params.choice("orderby", ORDER_BY, "name");
    let selection = Selection::read(params);
    if params.has("roles") || params.has("who") || params.has("capabilities") {
        params.check()?;
        let name = ["roles", "who", "capabilities"]
            .into_iter()
            .find(|n| params.has(n))
            .unwrap_or("roles");
        return Err(WpError::new(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_who",
            format!("Sorry, you are not allowed to query users by {name}."),
        ));
    }
    params.check()?;
    let key = settings::signing_key(&api.db).await?;
    let mut authors: Vec<Author> = public_authors(api, None)
        .await?
        .into_iter()
        .filter(|a| selection.keeps(a.id, &a.slug, &[&a.name]))
        .collect();
    match order_by {
        "id" | "registered_date" => authors.sort_by_key(|a| a.id),
        "slug" | "include_slugs" => authors.sort_by(|a, b| a.slug.cmp(&b.slug)),
        "include" => authors.sort_by_key(|a| selection.place(a.id)),
        _ => authors.sort_by_key(|a| (a.name.to_lowercase(), a.id)),
    }
    let offset = params.has("offset");
    let (authors, total) = paging.slice(authors, desc, offset, "rest_user_invalid_page_number")?;
    let items = authors
        .iter()
        .map(|a| view.apply(user(api, a, &key), EMBEDDED))
        .collect();
    Ok(Reply::page(items, total, paging))
}

pub async fn one(api: &Api, params: &mut Params, id: &str) -> Result<Reply, WpError> {
    if id == "me" {
        return me(api, params).await;
    }
    let view = View::read(params, EDIT_REFUSAL)?;
    params.check()?;
    let invalid = || WpError::invalid_id("rest_user_invalid_id", "user");
    let id: i64 = id.parse().map_err(|_| invalid())?;
    let key = settings::signing_key(&api.db).await?;
    let authors = public_authors(api, Some(&[id])).await?;
    let author = authors.iter().find(|a| a.id == id).ok_or_else(invalid)?;
    let mut reply = Reply::item(view.apply(user(api, author, &key), EMBEDDED));
    reply.alternate = Some(api.url(&format!("/author/{}", author.slug)));
    Ok(reply)
}

/// `users/me`: who an application password signs in as — the account's author profile (its
/// byline), or the account's name alone when it has none. Tools call it to check a password.
async fn me(api: &Api, params: &mut Params) -> Result<Reply, WpError> {
    let Some(account) = &api.user else {
        return Err(WpError::new(
            StatusCode::UNAUTHORIZED,
            "rest_not_logged_in",
            "You are not currently logged in.",
        ));
    };
    params.choice("context", &["view", "embed", "edit"], "view");
    params.check()?;
    let key = settings::signing_key(&api.db).await?;
    let profile = match account.author_id {
        Some(id) => articles::authors(&api.db)
            .await?
            .into_iter()
            .find(|a| a.id == id),
        None => None,
    };
    let item = match profile {
        Some(author) => user(api, &author, &key),
        None => object(json!({
            "id": 0,
            "name": account.name,
            "url": "",
            "description": "",
            "link": api.url("/"),
            "slug": "",
            "avatar_urls": avatar_urls(api, &comments::avatar_path(&key, &format!("account:{}", account.id))),
            "meta": [],
        })),
    };
    Ok(Reply::item(Value::Object(item)))
}

/// The author's portrait at WordPress's three sizes, or a generated picture for one without.
fn avatars(api: &Api, a: &Author, key: &str) -> Value {
    match a.avatar_id {
        Some(media) => [24, 48, 96]
            .into_iter()
            .map(|side| {
                (
                    side.to_string(),
                    json!(api.url(&urls::crop(media, side, side))),
                )
            })
            .collect::<Map<String, Value>>()
            .into(),
        None => avatar_urls(
            api,
            &comments::avatar_path(key, &format!("author:{}", a.slug)),
        ),
    }
}

fn user(api: &Api, a: &Author, key: &str) -> Map<String, Value> {
    let avatars = avatars(api, a, key);
    object(json!({
        "id": a.id,
        "name": a.name,
        "url": "",
        "description": a.bio,
        "link": api.url(&format!("/author/{}", a.slug)),
        "slug": a.slug,
        "avatar_urls": avatars,
        "meta": [],
        "_links": {
            "self": api.link(&format!("/wp/v2/users/{}", a.id)),
            "collection": api.link("/wp/v2/users"),
        },
    }))
}
