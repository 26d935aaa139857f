//! `/wp/v2/comments`: approved comments of published articles, as WordPress shows them to
//! anyone — never an address, an IP or a held comment.

use serde_json::{Map, Value, json};

use super::context::{Api, Reply, View, avatar_urls, object};
use super::error::WpError;
use super::params::{Paging, Params};
use axum::http::StatusCode;

use crate::clock::Clock;
use crate::comments::service::{
    self as comments, Input, PublicComment, PublicFilter, PublicOrder, Visitor,
};
use crate::error::AppError;

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
        "status": if c.approved { "approved" } else { "hold" },
        "type": "comment",
        "author_avatar_urls": avatar_urls(api, &c.avatar),
        "meta": [],
        "_links": links,
    }))
}

/// The largest comment request read: WordPress's longest comment and author fields, in UTF-8,
/// with room for JSON escapes.
pub const MAX_COMMENT_REQUEST: usize = 512 * 1024;

/// `POST /wp/v2/comments`: a reader's comment sent by an app, with WordPress's fields (`post`,
/// `parent`, `author_name`, `author_email`, `author_url`, `content` as text or `{raw}`) as JSON
/// or a form, through every rule of the comment form; 201 with `Location` and the comment.
pub async fn create(
    api: &Api,
    clock: &Clock,
    visitor: Visitor,
    content_type: &str,
    body: &[u8],
) -> Result<Reply, WpError> {
    let fields = if content_type.starts_with("application/x-www-form-urlencoded") {
        Value::Object(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.replace("[raw]", ""), Value::String(v.into_owned())))
                .collect(),
        )
    } else {
        serde_json::from_slice::<Value>(body).map_err(|_| {
            WpError::new(
                StatusCode::BAD_REQUEST,
                "rest_invalid_json",
                "Invalid JSON body passed.",
            )
        })?
    };
    let Some(fields) = fields.as_object() else {
        return Err(WpError::new(
            StatusCode::BAD_REQUEST,
            "rest_invalid_json",
            "Invalid JSON body passed.",
        ));
    };
    let mut problems = Vec::new();
    let mut int = |name: &str| match fields.get(name) {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => s.trim().parse().unwrap_or(0),
        Some(_) => {
            problems.push((
                name.to_string(),
                "rest_invalid_type",
                format!("{name} is not of type integer."),
            ));
            0
        }
    };
    let (post, parent) = (int("post"), int("parent"));
    let text = |name: &str| match fields.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("raw")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    };
    let email = text("author_email");
    if !email.trim().is_empty() && !email.contains('@') {
        problems.push((
            "author_email".into(),
            "rest_invalid_email",
            "Invalid email address.".into(),
        ));
    }
    if !problems.is_empty() {
        return Err(WpError::invalid_params(&problems));
    }
    if post <= 0 {
        return Err(no_post());
    }
    let input = Input {
        article_id: post,
        parent_id: parent,
        name: text("author_name"),
        email,
        url: text("author_url"),
        body: text("content"),
        ..Input::default()
    };
    let sent = comments::submit_from_api(&api.db, clock, input, visitor)
        .await
        .map_err(refusal)?;
    let mut reply = Reply::item(Value::Object(comment(api, &sent)));
    reply.created = Some(api.route(&format!("/wp/v2/comments/{}", sent.id)));
    Ok(reply)
}

fn no_post() -> WpError {
    WpError::new(
        StatusCode::FORBIDDEN,
        "rest_comment_invalid_post_id",
        "Sorry, you are not allowed to create this comment without a post.",
    )
}

/// The comment rules' refusals under WordPress's codes.
fn refusal(e: AppError) -> WpError {
    match e {
        AppError::Unauthorized(m) => {
            WpError::new(StatusCode::UNAUTHORIZED, "rest_comment_login_required", m)
        }
        AppError::NotFound(_) => no_post(),
        AppError::Forbidden(m) => WpError::new(StatusCode::FORBIDDEN, "rest_comment_closed", m),
        AppError::Conflict { code, message } => WpError::new(StatusCode::CONFLICT, code, message),
        AppError::TooFast(m) => WpError::new(StatusCode::BAD_REQUEST, "comment_flood", m),
        AppError::Invalid(errors) => {
            let first = errors.first().map(|e| e.field.as_str()).unwrap_or("");
            let message = errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            let too_long = message.contains("too long");
            match (first, too_long) {
                ("comment", false) => WpError::new(
                    StatusCode::BAD_REQUEST,
                    "rest_comment_content_invalid",
                    "Invalid comment content.",
                ),
                ("author" | "email", false) if message.starts_with("Please enter your") => {
                    WpError::new(
                        StatusCode::BAD_REQUEST,
                        "rest_comment_author_data_required",
                        "Creating a comment requires valid author name and email values.",
                    )
                }
                ("comment", true) => WpError::new(
                    StatusCode::BAD_REQUEST,
                    "comment_content_column_length",
                    message,
                ),
                ("author", true) => WpError::new(
                    StatusCode::BAD_REQUEST,
                    "comment_author_column_length",
                    message,
                ),
                ("email", true) => WpError::new(
                    StatusCode::BAD_REQUEST,
                    "comment_author_email_column_length",
                    message,
                ),
                ("url", true) => WpError::new(
                    StatusCode::BAD_REQUEST,
                    "comment_author_url_column_length",
                    message,
                ),
                (field, _) => {
                    let name = match field {
                        "email" => "author_email",
                        "url" => "author_url",
                        "author" => "author_name",
                        other => other,
                    };
                    WpError::invalid_params(&[(name.to_string(), "rest_invalid_param", message)])
                }
            }
        }
        other => WpError::from(other),
    }
}
