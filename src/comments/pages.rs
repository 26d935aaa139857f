//! The public side of comments: the form's POST (ours at `/comments`, and WordPress's
//! `/wp-comments-post.php` with its status codes), the form shown again with its errors, the
//! stamp a cached page's script refreshes, permalinks, RSS feeds, and the reply-mail unsubscribe.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::service::{self, Input, Outcome, Posted, Visitor};
use super::spam::Arrival;
use crate::articles::service::{self as articles, Lookup};
use crate::error::{AppError, FieldError, PageError, PageResult};
use crate::site::layout::TimeZone;
use crate::site::layout::{self, Meta};
use crate::state::AppState;
use crate::web::client::ClientIp;
use crate::web::form::FormFields;
use crate::web::html_response;
use crate::web::session::{self, SameOrigin};

/// Which contract a POST answers by.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Ours: 303 after success, 422 with the form again after a mistake.
    Broadsheet,
    /// WordPress's: 302 after success, 200 with the form again after a mistake.
    WordPress,
}

/// How long the remember-me cookies live: WordPress's 30,000,000 seconds (about 347 days).
const REMEMBER_SECONDS: u64 = 30_000_000;
const REMEMBERED: [(&str, &str); 3] = [
    ("comment_author", "author"),
    ("comment_author_email", "email"),
    ("comment_author_url", "url"),
];

pub async fn post(
    state: State<AppState>,
    ClientIp(ip): ClientIp,
    same_origin: SameOrigin,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    receive(state, ip, same_origin, headers, form, Style::Broadsheet).await
}

pub async fn post_wordpress(
    state: State<AppState>,
    ClientIp(ip): ClientIp,
    same_origin: SameOrigin,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    receive(state, ip, same_origin, headers, form, Style::WordPress).await
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(500)
        .collect()
}

fn input_from(form: &FormFields) -> Input {
    let id = |name: &str| form.get(name).trim().parse::<i64>().unwrap_or(-1);
    Input {
        article_id: id("comment_post_ID"),
        parent_id: match form.get("comment_parent").trim() {
            "" => 0,
            _ => id("comment_parent"),
        },
        name: form.get("author").into(),
        email: form.get("email").into(),
        url: form.get("url").into(),
        body: form.get("comment").into(),
        notify_replies: form.get("subscribe_replies") == "yes",
        honeypot: form.get("phone").into(),
        form_stamp: form.get("form_stamp").into(),
    }
}

async fn receive(
    State(state): State<AppState>,
    ip: String,
    _: SameOrigin,
    headers: HeaderMap,
    form: FormFields,
    style: Style,
) -> Response {
    let json = wants_json(&headers);
    let input = input_from(&form);
    if input.article_id < 1 || input.parent_id < 0 {
        return failure(
            json,
            AppError::not_found("there is no article to comment on"),
        );
    }
    let user = match session::optional_user(&state, &headers).await {
        Ok(u) => u,
        Err(e) => return failure(json, e),
    };
    let visitor = Visitor {
        ip,
        user,
        arrival: Arrival {
            user_agent: header_text(&headers, header::USER_AGENT),
            accept_language: headers.contains_key(header::ACCEPT_LANGUAGE),
            referer: headers.contains_key(header::REFERER),
            fill_seconds: None,
        },
    };
    let result = service::submit(&state.db, &state.clock, input, visitor).await;
    match result {
        Ok(posted) if json => {
            let mut response = posted_json(&state, &posted).await;
            remember(&state, &form, response.headers_mut()).await;
            response
        }
        Ok(posted) => {
            let status = match style {
                Style::Broadsheet => StatusCode::SEE_OTHER,
                Style::WordPress => StatusCode::FOUND,
            };
            let mut response = status.into_response();
            if let Ok(location) = HeaderValue::from_str(&posted.location) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            remember(&state, &form, response.headers_mut()).await;
            response
        }
        Err(AppError::Invalid(errors)) if !json => {
            let status = match style {
                Style::Broadsheet => StatusCode::UNPROCESSABLE_ENTITY,
                Style::WordPress => StatusCode::OK,
            };
            match form_again(&state, &form, &errors, status).await {
                Ok(r) => r,
                Err(e) => e.into_response(),
            }
        }
        Err(e) => failure(json, e),
    }
}

fn failure(json: bool, e: AppError) -> Response {
    match e {
        AppError::Invalid(errors) if json => {
            let fields: serde_json::Map<String, serde_json::Value> = errors
                .iter()
                .map(|f| (f.field.clone(), f.message.clone().into()))
                .collect();
            let body = serde_json::json!({ "error": {
                "code": "invalid",
                "message": AppError::Invalid(errors).to_string(),
                "fields": fields,
            }});
            (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
        }
        e if json => e.into_response(),
        e => PageError(e).into_response(),
    }
}

#[derive(Serialize)]
struct PostedJson {
    id: i64,
    status: Outcome,
    location: String,
    html: String,
}

async fn posted_json(state: &AppState, posted: &Posted) -> Response {
    let rendered = async {
        let tz = layout::layout(state).await?.site.tz;
        let view = service::rendered(&state.db, tz, posted).await?;
        let html = state.templates.render(
            "partials/comment.html",
            &serde_json::json!({ "comment": view }),
        )?;
        Ok::<_, AppError>(html)
    };
    match rendered.await {
        Ok(html) => {
            let body = PostedJson {
                id: posted.id,
                status: posted.outcome,
                location: posted.location.clone(),
                html,
            };
            let mut response = (StatusCode::CREATED, Json(body)).into_response();
            if let Ok(location) = HeaderValue::from_str(&posted.location) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

/// Sets or clears the cookies that refill the form next time: set only with the reader's
/// consent, cleared without it, as WordPress does. They are readable by the page's script, which
/// fills the form in; they carry only what the reader typed.
async fn remember(state: &AppState, form: &FormFields, headers: &mut HeaderMap) {
    let consent = form.get("wp-comment-cookies-consent") == "yes";
    let secure = layout::layout(state)
        .await
        .is_ok_and(|l| l.site.base_url.starts_with("https://"));
    let secure = if secure { "; Secure" } else { "" };
    for (cookie, field) in REMEMBERED {
        let value = if consent {
            format!(
                "{cookie}={}; Path=/; SameSite=Lax; Max-Age={REMEMBER_SECONDS}{secure}",
                encode(form.get(field).trim())
            )
        } else {
            format!("{cookie}=; Path=/; SameSite=Lax; Max-Age=0{secure}")
        };
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.append(header::SET_COOKIE, v);
        }
    }
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[derive(Serialize)]
struct FormAgain {
    headline: String,
    article_url: String,
    #[serde(flatten)]
    form: service::CommentForm,
}

/// The form again, as it was typed, with a message beside each field that needs attention.
async fn form_again(
    state: &AppState,
    form: &FormFields,
    errors: &[FieldError],
    status: StatusCode,
) -> PageResult<Response> {
    let site = layout::layout(state).await?;
    let article_id = form.get("comment_post_ID").trim().parse().unwrap_or(0);
    let target = articles::comment_target(&state.db, state.clock.now(), site.site.tz, article_id)
        .await?
        .filter(|t| t.path.is_some())
        .ok_or_else(|| AppError::not_found("there is no article to comment on"))?;
    let parent_id = form.get("comment_parent").trim().parse().unwrap_or(0);
    let mut typed =
        service::CommentForm::blank(article_id, parent_id, form.get("form_stamp").into())
            .with_errors(errors);
    typed.author = form.get("author").into();
    typed.email = form.get("email").into();
    typed.url = form.get("url").into();
    typed.comment = form.get("comment").into();
    typed.subscribe_replies = form.get("subscribe_replies") == "yes";
    typed.remember = form.get("wp-comment-cookies-consent") == "yes";
    let view = FormAgain {
        article_url: target.path.clone().unwrap_or_default(),
        headline: target.headline,
        form: typed,
    };
    let meta = Meta {
        title: "Your comment needs attention".into(),
        noindex: true,
        ..Meta::default()
    };
    let html = layout::render_with(state, &site, "comment_form.html", "/comments", meta, &view)?;
    Ok(html_response(status, html, "no-store"))
}

/// The size of a generated avatar when `s` is not given, and the sizes allowed.
const AVATAR_SIZE: u32 = 96;
const AVATAR_SIZES: std::ops::RangeInclusive<u32> = 16..=512;

#[derive(Deserialize)]
pub struct AvatarQuery {
    s: Option<u32>,
}

/// `/avatars/{seed}.svg?s=48`: a generated avatar as a file, for the places that need an
/// address rather than inline markup (the WordPress API's `avatar_urls`). The seed is already
/// a keyed digest, so the address reveals nothing about whose picture it is.
pub async fn avatar(Path(file): Path<String>, Query(query): Query<AvatarQuery>) -> Response {
    let seed = file.strip_suffix(".svg").unwrap_or("");
    let size = query.s.unwrap_or(AVATAR_SIZE);
    if seed.is_empty()
        || seed.len() > 128
        || !seed.bytes().all(|b| b.is_ascii_hexdigit())
        || !AVATAR_SIZES.contains(&size)
    {
        return StatusCode::NOT_FOUND.into_response();
    }
    let svg = service::avatar_file(seed, size);
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        svg,
    )
        .into_response()
}

/// A fresh form stamp for a page that came from a cache.
pub async fn stamp(State(state): State<AppState>) -> Response {
    match service::fresh_stamp(&state.db, state.clock.now()).await {
        Ok(stamp) => {
            let mut r = Json(serde_json::json!({ "stamp": stamp })).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => e.into_response(),
    }
}

/// `/comments/{id}`: the comment in place, on the right comment page.
pub async fn permalink(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::not_found("there is no such comment"))?;
    let location = service::location(&state.db, state.clock.now(), tz, id).await?;
    let location = HeaderValue::from_str(&location).map_err(anyhow::Error::from)?;
    Ok((
        StatusCode::MOVED_PERMANENTLY,
        [
            (header::LOCATION, location),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
    )
        .into_response())
}

#[derive(Serialize)]
struct Feed {
    title: String,
    link: String,
    self_url: String,
    description: String,
    language: String,
    items: Vec<service::FeedItem>,
}

/// The site's comments feed.
pub async fn site_feed(State(state): State<AppState>) -> PageResult<Response> {
    let site = layout::layout(&state).await?;
    let items = service::feed(&state.db, state.clock.now(), site.site.tz, None).await?;
    let feed = Feed {
        title: format!("Comments for {}", site.site.name),
        link: layout::absolute(&site.site.base_url, "/"),
        self_url: layout::absolute(&site.site.base_url, "/comments/feed"),
        description: site.site.description.clone(),
        language: site.site.language.clone(),
        items,
    };
    rss(&state, &site.site.base_url, feed)
}

/// An article's comments feed, at its path plus `/feed`.
pub async fn article_feed(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((section, _year, _month, slug)): Path<(String, String, String, String)>,
) -> PageResult<Response> {
    let site = layout::layout(&state).await?;
    let now = state.clock.now();
    let article_path = uri.path().trim_end_matches("/feed");
    let found =
        articles::find_article(&state.db, now, site.site.tz, &section, article_path, &slug).await?;
    let Lookup::Found(page) = found else {
        return Err(AppError::not_found("there is no such article").into());
    };
    let items = service::feed(&state.db, now, site.site.tz, Some(page.article.id)).await?;
    let feed = Feed {
        title: format!("Comments on: {}", page.article.headline),
        link: layout::absolute(&site.site.base_url, &page.path),
        self_url: layout::absolute(&site.site.base_url, uri.path()),
        description: page.article.standfirst.clone(),
        language: site.site.language.clone(),
        items,
    };
    rss(&state, &site.site.base_url, feed)
}

fn rss(state: &AppState, base_url: &str, mut feed: Feed) -> PageResult<Response> {
    for item in &mut feed.items {
        item.link = layout::absolute(base_url, &item.link);
    }
    let xml = state.templates.render("feeds/comments.xml", &feed)?;
    let mut response = xml.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/rss+xml; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(crate::web::PUBLIC_CACHE_CONTROL),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct UnsubscribeQuery {
    c: Option<String>,
    sig: Option<String>,
}

#[derive(Serialize)]
struct UnsubscribeView {
    done: bool,
    comment: String,
    sig: String,
}

/// The link in a reply mail: a page with one button, so a mail scanner following links does not
/// unsubscribe anyone.
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    Query(q): Query<UnsubscribeQuery>,
) -> PageResult<Response> {
    unsubscribe_view(
        &state,
        q.c.unwrap_or_default(),
        q.sig.unwrap_or_default(),
        false,
    )
    .await
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    _: SameOrigin,
    form: FormFields,
) -> PageResult<Response> {
    let comment = form.get("c").to_string();
    let sig = form.get("sig").to_string();
    let id: i64 = comment
        .parse()
        .map_err(|_| AppError::Gone("this unsubscribe link is not valid".into()))?;
    service::stop_reply_mail(&state.db, id, &sig).await?;
    unsubscribe_view(&state, comment, sig, true).await
}

async fn unsubscribe_view(
    state: &AppState,
    comment: String,
    sig: String,
    done: bool,
) -> PageResult<Response> {
    let site = layout::layout(state).await?;
    let meta = Meta {
        title: "Reply emails".into(),
        noindex: true,
        ..Meta::default()
    };
    let view = UnsubscribeView { done, comment, sig };
    let html = layout::render_with(
        state,
        &site,
        "comment_unsubscribe.html",
        "/comments/unsubscribe",
        meta,
        &view,
    )?;
    Ok(html_response(StatusCode::OK, html, "no-store"))
}
