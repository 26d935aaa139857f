//! Signed-in reads and writes of posts and pages, as WordPress clients make them with an
//! application password: create and update, `context=edit` with the raw fields, and lists of
//! drafts, pending and scheduled posts. Every write goes through the article workflow or the
//! page service, so the role table decides exactly as it does in the admin: an author's token
//! cannot publish someone else's story, a contributor's cannot publish at all.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::context::{Api, Reply, curies, escape, excerpt, object};
use super::error::WpError;
use super::params::{Paging, Params};
use crate::accounts::can::{ManagePages, require};
use crate::accounts::service::User;
use crate::articles::permissions::{self, may_edit};
use crate::articles::service::{self as articles, AdminFilter, ArticleInput, Editable, Status};
use crate::articles::workflow::{self, Transition, Write};
use crate::clock::Clock;
use crate::error::AppError;
use crate::media::service as media;
use crate::pages::service::{self as pages, Page, PageInput};

/// WordPress's status words for Broadsheet's statuses. An archived (withdrawn) article is
/// WordPress's `trash`: gone from the site, kept in the database.
pub fn wp_status(status: Status) -> &'static str {
    match status {
        Status::Draft => "draft",
        Status::Review => "pending",
        Status::Scheduled => "future",
        Status::Published => "publish",
        Status::Archived => "trash",
    }
}

const STATUSES: &[&str] = &["publish", "future", "draft", "pending", "private", "trash"];

/// The status a WordPress status word names; `private` names none (Broadsheet has no private
/// posts).
fn status_named(word: &str) -> Option<Status> {
    match word {
        "publish" => Some(Status::Published),
        "future" => Some(Status::Scheduled),
        "pending" => Some(Status::Review),
        "trash" => Some(Status::Archived),
        "draft" => Some(Status::Draft),
        _ => None,
    }
}

/// The `status` a write asks for, when it asks.
fn our_status(params: &mut Params) -> Option<Status> {
    let word = params.choice("status", STATUSES, "");
    if word == "private" {
        params.problem(
            "status",
            "rest_invalid_param",
            "Broadsheet has no private posts: publish, schedule or keep a draft.".into(),
        );
    }
    status_named(word)
}

/// A write's body as parameters: a JSON object (a `{"raw": …}` object stands for its raw
/// text, a list for its items) or a form.
pub fn body_params(content_type: &str, body: &[u8]) -> Result<Params, WpError> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs = form_urlencoded::parse(body).map(|(n, v)| (n.into_owned(), v.into_owned()));
        return Ok(Params::from_pairs(pairs));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Params::from_pairs(Vec::new()));
    }
    let invalid = || {
        WpError::new(
            StatusCode::BAD_REQUEST,
            "rest_invalid_json",
            "Invalid JSON body passed.",
        )
    };
    let Value::Object(fields) = serde_json::from_slice(body).map_err(|_| invalid())? else {
        return Err(invalid());
    };
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        Value::Object(o) => o.get("raw").and_then(Value::as_str).map(str::to_string),
        Value::Array(_) => None,
    };
    let mut pairs = Vec::new();
    for (name, value) in &fields {
        match value {
            Value::Array(items) => {
                pairs.extend(items.iter().filter_map(scalar).map(|v| (name.clone(), v)));
                if items.is_empty() {
                    pairs.push((name.clone(), String::new()));
                }
            }
            other => pairs.extend(scalar(other).map(|v| (name.clone(), v))),
        }
    }
    Ok(Params::from_pairs(pairs))
}

/// Our field names in a service's refusal, as the WordPress parameters that carry them.
fn param_of(field: &str) -> &str {
    match field {
        "headline" | "title" => "title",
        "body" => "content",
        "standfirst" => "excerpt",
        "section_id" => "categories",
        "author_ids" => "author",
        "tag_ids" | "tags" => "tags",
        "lead_media_id" => "featured_media",
        "published_at" => "date",
        "parent_id" => "parent",
        other => other,
    }
}

/// A service's refusal of a write, under WordPress's code for what was refused.
fn refusal(e: AppError, forbidden: &'static str) -> WpError {
    match e {
        AppError::Forbidden(message) => WpError::new(StatusCode::FORBIDDEN, forbidden, message),
        AppError::Invalid(fields) => {
            let problems: Vec<(String, &'static str, String)> = fields
                .into_iter()
                .map(|f| {
                    (
                        param_of(&f.field).to_string(),
                        "rest_invalid_param",
                        f.message,
                    )
                })
                .collect();
            WpError::invalid_params(&problems)
        }
        other => WpError::from(other),
    }
}

/// The blank's section when a new post names no category: the site's first, as WordPress
/// files such a post under its default category.
async fn default_section(api: &Api) -> Result<i64, WpError> {
    articles::sections(&api.db)
        .await?
        .first()
        .map(|s| s.id)
        .ok_or_else(|| {
            WpError::invalid_params(&[(
                "categories".into(),
                "rest_invalid_param",
                "The site has no section yet; an editor must add one first.".into(),
            )])
        })
}

/// Creates (`id` none) or updates a post for `user` from WordPress's fields.
pub async fn write_post(
    api: &Api,
    clock: &Clock,
    user: &User,
    id: Option<&str>,
    mut params: Params,
) -> Result<Reply, WpError> {
    let tz = api.site.tz;
    let existing = match id {
        Some(id) => {
            let invalid = || WpError::invalid_id("rest_post_invalid_id", "post");
            let id: i64 = id.parse().map_err(|_| invalid())?;
            // Whether `user` may change it is the workflow's to decide, in `workflow::write`.
            Some(
                articles::editable(&api.db, tz, id)
                    .await
                    .map_err(|_| invalid())?,
            )
        }
        None => None,
    };
    let mut input = match &existing {
        Some(article) => article.input.clone(),
        None => {
            // WordPress credits a new post to whoever writes it.
            let mut draft = ArticleInput::new_draft(user.id);
            draft.author_ids = user.author_id.into_iter().collect();
            draft
        }
    };
    if let Some(title) = params.string("title") {
        input.headline = title;
    }
    if let Some(content) = params.string("content") {
        input.body = content;
    }
    if let Some(excerpt) = params.string("excerpt") {
        input.standfirst = crate::articles::body::plain_text(&excerpt)
            .trim()
            .to_string();
    }
    if let Some(slug) = params.string("slug") {
        input.slug = slug;
    }
    if let Some(status) = our_status(&mut params) {
        input.status = status;
    }
    let date_gmt = params.date("date_gmt", chrono_tz::UTC);
    if let Some(at) = date_gmt.or_else(|| params.date("date", tz)) {
        input.published_at = Some(at);
    }
    if let Some(authors) = params.ids("author") {
        input.author_ids = authors.into_iter().filter(|a| *a != 0).collect();
    }
    match params.ids("categories").as_deref() {
        Some([]) | None => {}
        Some([section]) => input.section_id = *section,
        Some(_) => params.problem(
            "categories",
            "rest_invalid_param",
            "A Broadsheet article belongs to one section: send one category.".into(),
        ),
    }
    if let Some(tags) = params.ids("tags") {
        input.tag_ids = tags;
    }
    if params.has("featured_media") {
        let media = params.int("featured_media", 0, 0, None);
        input.lead_media_id = (media != 0).then_some(media);
        // WordPress keeps a picture's alternative text and caption on the picture: a lead
        // without its own takes the library item's.
        if let Some(item) = input.lead_media_id
            && let Ok(item) = media::item(&api.db, item).await
        {
            if input.lead_alt.trim().is_empty() {
                input.lead_alt = item.alt;
            }
            if input.lead_caption.trim().is_empty() {
                input.lead_caption = item.caption;
            }
        }
    }
    match params.raw("comment_status") {
        Some("open") => input.comments_open = true,
        Some("closed") => input.comments_open = false,
        _ => {
            params.choice("comment_status", &["open", "closed"], "open");
        }
    }
    if params.raw("password").is_some_and(|p| !p.is_empty()) {
        params.problem(
            "password",
            "rest_invalid_param",
            "Broadsheet has no password-protected posts.".into(),
        );
    }
    params.check()?;
    if input.section_id == 0 {
        input.section_id = default_section(api).await?;
    }
    let write = Write {
        wanted: input,
        tag_names: Vec::new(),
        expected_version: None,
    };
    let forbidden = if existing.is_some() {
        "rest_cannot_edit"
    } else {
        "rest_cannot_create"
    };
    let id = workflow::write(&api.db, clock, tz, user, existing.as_ref(), write)
        .await
        .map_err(|e| refusal(e, forbidden))?;
    let saved = articles::editable(&api.db, tz, id).await?;
    let mut reply = Reply::item(Value::Object(post_edit(api, &saved, true)));
    if existing.is_none() {
        reply.created = Some(api.route(&format!("/wp/v2/posts/{id}")));
    }
    Ok(reply)
}

/// A post as its editor sees it: any status, with the raw fields in the `edit` context.
pub fn post_edit(api: &Api, a: &Editable, raw: bool) -> Map<String, Value> {
    let i = &a.input;
    let id = a.id;
    let date = i.published_at.unwrap_or(a.version);
    let rendered = api.html(&i.body);
    let link = a
        .public_path
        .as_deref()
        .map_or_else(|| api.url(&format!("/?p={id}")), |p| api.url(p));
    let mut item = object(json!({
        "id": id,
        "date": api.local(date),
        "date_gmt": i.published_at.map(|t| api.gmt(t)),
        "guid": {"rendered": api.url(&format!("/?p={id}")), "raw": api.url(&format!("/?p={id}"))},
        "modified": api.local(a.version),
        "modified_gmt": api.gmt(a.version),
        "password": "",
        "slug": i.slug,
        "status": wp_status(a.status),
        "type": "post",
        "link": link,
        "title": {"raw": i.headline, "rendered": escape(&i.headline)},
        "content": {"raw": i.body, "rendered": rendered, "protected": false, "block_version": 0},
        "excerpt": {"raw": i.standfirst, "rendered": excerpt(&i.standfirst, &i.body), "protected": false},
        "author": i.author_ids.first().copied().unwrap_or(0),
        "featured_media": i.lead_media_id.unwrap_or(0),
        "comment_status": if i.comments_open { "open" } else { "closed" },
        "ping_status": "closed",
        "sticky": false,
        "template": "",
        "format": "standard",
        "meta": [],
        "categories": [i.section_id],
        "tags": i.tag_ids,
        "_links": {
            "self": api.link(&format!("/wp/v2/posts/{id}")),
            "collection": api.link("/wp/v2/posts"),
            "about": api.link("/wp/v2/types/post"),
            "curies": curies(),
        },
    }));
    if !raw {
        strip_raw(&mut item);
    }
    item
}

/// Drops the `raw` members, for an editor's item read in the `view` context.
fn strip_raw(item: &mut Map<String, Value>) {
    item.remove("password");
    for value in item.values_mut() {
        if let Value::Object(inner) = value {
            inner.remove("raw");
            inner.remove("block_version");
        }
    }
}

/// `GET /wp/v2/posts/{id}` for a signed-in caller who may edit the post: any status, raw
/// fields with `context=edit`. `None` when the caller may not, and the public answer applies.
pub async fn read_post(
    api: &Api,
    user: &User,
    id: i64,
    raw: bool,
) -> Result<Option<Reply>, WpError> {
    let Ok(article) = articles::editable(&api.db, api.site.tz, id).await else {
        return Ok(None);
    };
    let public = article.status == Status::Published
        && article.input.published_at.is_some_and(|t| t <= api.now);
    if !may_edit(user, article.created_by, article.status) || (public && !raw) {
        return Ok(None);
    }
    Ok(Some(Reply::item(Value::Object(post_edit(
        api, &article, raw,
    )))))
}

/// `GET /wp/v2/posts?status=…` for a signed-in caller: the articles of that status the caller
/// may edit (their own, or everyone's for an editor), newest first, as the admin lists them.
pub async fn list_posts(
    api: &Api,
    user: &User,
    params: &mut Params,
    raw: bool,
) -> Result<Reply, WpError> {
    let paging = Paging::read(params, 100);
    let statuses = params.strings("status").unwrap_or_default();
    let status = match statuses.as_slice() {
        [] => Some(Status::Published.as_str().to_string()),
        [one] if one == "any" => None,
        [_] => our_status(params).map(|s| s.as_str().to_string()),
        _ => {
            params.problem(
                "status",
                "rest_invalid_param",
                "Ask for one status at a time, or any.".into(),
            );
            None
        }
    };
    params.check()?;
    let filter = AdminFilter {
        status,
        section_id: None,
        tag_id: None,
        author_id: None,
        created_by: permissions::listed_creator(user),
        headline: None,
    };
    let listed = articles::admin_list(&api.db, &filter, paging.page, paging.per_page).await?;
    let mut items = Vec::new();
    for row in &listed.rows {
        let article = articles::editable(&api.db, api.site.tz, row.id).await?;
        items.push(Value::Object(post_edit(api, &article, raw)));
    }
    Ok(Reply::page(items, listed.total, paging))
}

/// Creates (`id` none) or updates a page for `user` from WordPress's fields; the page service
/// decides who may.
pub async fn write_page(
    api: &Api,
    clock: &Clock,
    user: &User,
    id: Option<&str>,
    mut params: Params,
) -> Result<Reply, WpError> {
    let invalid = || WpError::invalid_id("rest_post_invalid_id", "post");
    let existing = match id {
        Some(id) => {
            let id: i64 = id.parse().map_err(|_| invalid())?;
            Some(pages::page(&api.db, id).await.map_err(|_| invalid())?)
        }
        None => None,
    };
    let mut input = match &existing {
        Some(page) => page.input(),
        None => PageInput {
            parent_id: None,
            slug: String::new(),
            title: String::new(),
            body: String::new(),
            seo_title: String::new(),
            seo_description: String::new(),
            published_at: None,
        },
    };
    if let Some(title) = params.string("title") {
        input.title = title;
    }
    if let Some(content) = params.string("content") {
        input.body = content;
    }
    if let Some(slug) = params.string("slug") {
        input.slug = slug;
    }
    if params.has("parent") {
        let parent = params.int("parent", 0, 0, None);
        input.parent_id = (parent != 0).then_some(parent);
    }
    let date_gmt = params.date("date_gmt", chrono_tz::UTC);
    if let Some(at) = date_gmt.or_else(|| params.date("date", api.site.tz)) {
        input.published_at = Some(at);
    }
    let current = existing.as_ref().map_or(Status::Draft, Page::status);
    let wanted = our_status(&mut params).unwrap_or(current);
    params.check()?;
    let transition = Transition::to_reach(current, wanted);
    let forbidden = if existing.is_some() {
        "rest_cannot_edit"
    } else {
        "rest_cannot_create"
    };
    let id = pages::save(
        &api.db,
        clock,
        user,
        existing.as_ref().map(|p| p.id),
        input,
        transition,
        None,
    )
    .await
    .map_err(|e| refusal(e, forbidden))?;
    let saved = pages::page(&api.db, id).await?;
    let mut reply = Reply::item(Value::Object(page_edit(api, &saved)));
    if existing.is_none() {
        reply.created = Some(api.route(&format!("/wp/v2/pages/{id}")));
    }
    Ok(reply)
}

/// `GET /wp/v2/pages/{id}` for a signed-in caller who may write pages: any status, raw fields
/// with `context=edit`. `None` when the caller may not, and the public answer applies.
pub async fn read_page(
    api: &Api,
    user: &User,
    id: i64,
    raw: bool,
) -> Result<Option<Reply>, WpError> {
    if require::<ManagePages>(user, "write pages").is_err() {
        return Ok(None);
    }
    let Ok(page) = pages::page(&api.db, id).await else {
        return Ok(None);
    };
    let mut item = page_edit(api, &page);
    if !raw {
        strip_raw(&mut item);
    }
    Ok(Some(Reply::item(Value::Object(item))))
}

/// A page as its editor sees it: the reader's fields, any status, and the raw ones.
fn page_edit(api: &Api, p: &Page) -> Map<String, Value> {
    let mut item = super::pages::page(api, p);
    let raws = [
        ("title", p.title.clone()),
        ("content", p.body.clone()),
        ("excerpt", String::new()),
        ("guid", api.url(&format!("/?page_id={}", p.id))),
    ];
    for (field, raw) in raws {
        if let Some(Value::Object(members)) = item.get_mut(field) {
            members.insert("raw".into(), Value::String(raw));
        }
    }
    item.insert("password".into(), json!(""));
    item
}
