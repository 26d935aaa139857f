//! The WordPress REST API v2 at `/wp-json/`, for the tools a newsroom already points at
//! WordPress: apps, headless front ends, schedulers, syndication partners. It answers the same
//! requests with the same shapes (fields, `_links`, `_embed`, `_fields`, paging headers,
//! errors) over the same services as the site, so it can show nothing a reader could not see.
//! What differs from WordPress is listed in `docs/api-compatibility.md`.

mod auth;
mod comments;
mod context;
mod editing;
mod error;
mod media;
mod pages;
mod params;
mod posts;
mod schema;
mod search;
mod terms;
mod users;

use std::borrow::Cow;
use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Map, Value};

use self::context::{Api, ROOT, Reply};
use self::error::WpError;
use self::params::Params;
use self::terms::Taxonomy;
use crate::accounts::service::{self as accounts, User};
use crate::cache::Shows;
use crate::comments::service::Visitor;
use crate::comments::spam::Arrival;
use crate::site::layout::layout;
use crate::state::AppState;
use crate::web::client::ClientIp;
use crate::web::page_key::api_key;
use crate::web::{Cacheable, PUBLIC_CACHE_CONTROL};

pub use schema::ROUTES;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/wp-json", any(serve))
        .route("/wp-json/", any(serve))
        .route("/wp-json/{*route}", any(serve))
}

/// The plain-permalink form `/?rest_route=/wp/v2/posts&…`, rewritten to `/wp-json/wp/v2/posts?…`
/// before routing, as WordPress answers both.
pub fn rest_route_alias(mut request: Request) -> Request {
    if request.uri().path() != "/" {
        return request;
    }
    let Some(query) = request.uri().query() else {
        return request;
    };
    let mut route = None;
    let mut rest = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name == "rest_route" {
            route = Some(value.into_owned());
        } else {
            rest.append_pair(&name, &value);
        }
    }
    let Some(route) = route else {
        return request;
    };
    let route: String = route
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '?' && *c != '#')
        .collect();
    let rest = rest.finish();
    let target = if rest.is_empty() {
        format!("{ROOT}/{}", route.trim_start_matches('/'))
    } else {
        format!("{ROOT}/{}?{rest}", route.trim_start_matches('/'))
    };
    if let Ok(uri) = target.parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    request
}

/// Points WordPress clients at the API from every page of the site, as WordPress does with
/// `Link: <…/wp-json/>; rel="https://api.w.org/"` (the pages carry the same `<link>`).
pub async fn discovery_link(
    State(state): State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let admin = request.uri().path().starts_with("/admin");
    let mut response = next.run(request).await;
    let is_page = !admin
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    if is_page
        && response.status().is_success()
        && let Ok(site) = layout(&state).await
        && let Ok(value) = HeaderValue::from_str(&format!(
            "<{}{ROOT}/>; rel=\"https://api.w.org/\"",
            site.site.base_url.trim_end_matches('/')
        ))
    {
        response.headers_mut().append(header::LINK, value);
    }
    response
}

/// Headers every answer carries: what browsers on other origins may read and send.
fn cors(headers: &mut HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("X-WP-Total, X-WP-TotalPages, Link"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(
            "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
        ),
    );
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
}

async fn serve(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request: Request<Body>,
) -> Response {
    let mut response = match route_request(&state, ip, request).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    };
    cors(response.headers_mut());
    response
}

async fn route_request(
    state: &AppState,
    ip: String,
    request: Request<Body>,
) -> Result<Response, WpError> {
    let method = request.method().clone();
    let uri = request.uri().clone();
    if method == Method::OPTIONS {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("OPTIONS, GET, POST, PUT, PATCH"),
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET"));
        return Ok(r);
    }
    let user = auth::caller(state, request.headers(), &ip).await?;
    let writes_comment = uri.path().trim_end_matches('/') == "/wp-json/wp/v2/comments";
    match method {
        Method::GET | Method::HEAD => answer(state, &uri, user).await,
        Method::POST if writes_comment => comment(state, ip, &uri, request).await,
        Method::POST | Method::PUT | Method::PATCH => match user {
            Some(user) => write(state, user, &uri, request).await,
            None => Err(WpError::new(
                StatusCode::UNAUTHORIZED,
                "rest_cannot_create",
                "Sorry, you are not allowed to do that: sign in with an application password.",
            )),
        },
        _ => Err(WpError::no_route()),
    }
}

async fn answer(state: &AppState, uri: &Uri, user: Option<User>) -> Result<Response, WpError> {
    let mut api = api(state).await?;
    api.user = user;
    let route = uri.path().strip_prefix(ROOT).unwrap_or("/");
    let route = if route.is_empty() { "/" } else { route };
    let mut params = Params::parse(uri.query());
    let mut reply = dispatch(&api, route, &mut params).await?;
    if let Some(rels) = params.embed() {
        embed(&api, &mut reply.body, &rels).await;
    }
    if let Some(fields) = params.fields() {
        let paths: Vec<Vec<&str>> = fields.iter().map(|f| f.split('.').collect()).collect();
        match &mut reply.body {
            Value::Array(items) => {
                for item in items {
                    keep_fields(item, &paths);
                }
            }
            item => keep_fields(item, &paths),
        }
    }
    Ok(respond(&api, uri, reply))
}

/// A reader's comment sent by an app (see [`comments::create`]).
async fn comment(
    state: &AppState,
    ip: String,
    uri: &Uri,
    request: Request<Body>,
) -> Result<Response, WpError> {
    let api = api(state).await?;
    let (parts, body) = request.into_parts();
    let header = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let body = axum::body::to_bytes(body, comments::MAX_COMMENT_REQUEST)
        .await
        .map_err(|_| WpError::from(crate::error::AppError::TooLarge))?;
    let visitor = Visitor {
        ip,
        user: None,
        arrival: Arrival {
            user_agent: header(header::USER_AGENT),
            accept_language: !header(header::ACCEPT_LANGUAGE).is_empty(),
            referer: !header(header::REFERER).is_empty(),
            fill_seconds: None,
        },
    };
    let content_type = header(header::CONTENT_TYPE);
    let reply = comments::create(&api, &state.clock, visitor, &content_type, &body).await?;
    Ok(respond(&api, uri, reply))
}

async fn api(state: &AppState) -> Result<Api, WpError> {
    let site = layout(state)
        .await
        .map_err(|_| WpError::from(crate::error::AppError::NotReady("starting".into())))?
        .site
        .clone();
    Ok(Api {
        db: state.db.clone(),
        clock: state.clock.clone(),
        now: state.clock.now(),
        site,
        user: None,
    })
}

/// Bodies of writes other than uploads are small.
const MAX_WRITE_BODY: usize = 2 * 1024 * 1024;

/// A signed-in write: a post, page, category, tag or upload, through the same services as the
/// admin's, counted against the account's write limit.
async fn write(
    state: &AppState,
    user: User,
    uri: &Uri,
    request: Request<Body>,
) -> Result<Response, WpError> {
    let mut api = api(state).await?;
    api.user = Some(user.clone());
    accounts::count_api_write(&state.db, &state.clock, user.id).await?;
    let route = uri.path().strip_prefix(ROOT).unwrap_or("/");
    let parts: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    let (parts_of, body) = request.into_parts();
    let content_type = parts_of
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let too_large = || WpError::from(crate::error::AppError::TooLarge);
    if parts.as_slice() == ["wp", "v2", "media"] {
        let limit = state.limits.upload_bytes + 64 * 1024;
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| too_large())?;
        let query = Params::parse(uri.query());
        let upload = media::read_upload(&content_type, parts_of, bytes, &query).await?;
        let reply = media::upload(&api, &state.media, &user, upload).await?;
        return Ok(respond(&api, uri, reply));
    }
    let bytes = axum::body::to_bytes(body, MAX_WRITE_BODY)
        .await
        .map_err(|_| too_large())?;
    let params = editing::body_params(&content_type, &bytes)?;
    let reply = match parts.as_slice() {
        ["wp", "v2", "posts"] => {
            editing::write_post(&api, &state.clock, &user, None, params).await?
        }
        ["wp", "v2", "posts", id] => {
            editing::write_post(&api, &state.clock, &user, Some(id), params).await?
        }
        ["wp", "v2", "pages"] => {
            editing::write_page(&api, &state.clock, &user, None, params).await?
        }
        ["wp", "v2", "pages", id] => {
            editing::write_page(&api, &state.clock, &user, Some(id), params).await?
        }
        ["wp", "v2", "categories"] => {
            terms::write(&api, &user, Taxonomy::Category, None, params).await?
        }
        ["wp", "v2", "categories", id] => {
            terms::write(&api, &user, Taxonomy::Category, Some(id), params).await?
        }
        ["wp", "v2", "tags"] => terms::write(&api, &user, Taxonomy::Tag, None, params).await?,
        ["wp", "v2", "tags", id] => {
            terms::write(&api, &user, Taxonomy::Tag, Some(id), params).await?
        }
        _ => return Err(WpError::no_route()),
    };
    Ok(respond(&api, uri, reply))
}

/// The answer of one route, before `_embed` and `_fields`.
async fn dispatch(api: &Api, route: &str, params: &mut Params) -> Result<Reply, WpError> {
    let parts: Vec<&str> = route
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match parts.as_slice() {
        [] => {
            params.check()?;
            Ok(schema::index(api))
        }
        ["wp", "v2"] => Ok(schema::namespace(api)),
        ["wp", "v2", "posts"] => posts::list(api, params).await,
        ["wp", "v2", "posts", id] => posts::one(api, params, id).await,
        ["wp", "v2", "pages"] => pages::list(api, params).await,
        ["wp", "v2", "pages", id] => pages::one(api, params, id).await,
        ["wp", "v2", "media"] => media::list(api, params).await,
        ["wp", "v2", "media", id] => media::one(api, params, id).await,
        ["wp", "v2", "categories"] => terms::list(api, params, Taxonomy::Category).await,
        ["wp", "v2", "categories", id] => terms::one(api, params, Taxonomy::Category, id).await,
        ["wp", "v2", "tags"] => terms::list(api, params, Taxonomy::Tag).await,
        ["wp", "v2", "tags", id] => terms::one(api, params, Taxonomy::Tag, id).await,
        ["wp", "v2", "users"] => users::list(api, params).await,
        ["wp", "v2", "users", id] => users::one(api, params, id).await,
        ["wp", "v2", "comments"] => comments::list(api, params).await,
        ["wp", "v2", "comments", id] => comments::one(api, params, id).await,
        ["wp", "v2", "search"] => search::list(api, params).await,
        ["wp", "v2", "types"] => schema::types(api, params, None),
        ["wp", "v2", "types", slug] => schema::types(api, params, Some(slug)),
        ["wp", "v2", "taxonomies"] => schema::taxonomies(api, params, None),
        ["wp", "v2", "taxonomies", slug] => schema::taxonomies(api, params, Some(slug)),
        ["wp", "v2", "statuses"] => schema::statuses(api, params, None),
        ["wp", "v2", "statuses", slug] => schema::statuses(api, params, Some(slug)),
        _ => Err(WpError::no_route()),
    }
}

/// Fills `_embedded` of each item with what its embeddable links point at, as WordPress does:
/// each link requested in the `embed` context, an error answered as its error object. One
/// level deep, so an embedded item's own links are not followed. A link several items share
/// (an author, a section) is requested once.
async fn embed(api: &Api, body: &mut Value, rels: &[String]) {
    let items: Vec<&Value> = match &*body {
        Value::Array(items) => items.iter().collect(),
        item => vec![item],
    };
    let prefix = api.route("");
    let targets: Vec<String> = items
        .iter()
        .flat_map(|item| embeddable(item, rels, &prefix))
        .map(|(_, target)| target.to_string())
        .collect();
    let mut fetched = prefetch(api, &targets).await;
    match body {
        Value::Array(items) => {
            for item in items {
                embed_item(api, item, rels, &mut fetched).await;
            }
        }
        item => embed_item(api, item, rels, &mut fetched).await,
    }
}

/// The embeddable links of an item that `rels` asks for, as (relation, route after the API's
/// address) pairs.
fn embeddable<'a>(item: &'a Value, rels: &[String], prefix: &str) -> Vec<(&'a str, &'a str)> {
    let Some(links) = item.get("_links").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (rel, entries) in links {
        if !rels.is_empty() && !rels.contains(rel) {
            continue;
        }
        for entry in entries.as_array().into_iter().flatten() {
            if entry.get("embeddable") != Some(&Value::Bool(true)) {
                continue;
            }
            if let Some(target) = entry
                .get("href")
                .and_then(Value::as_str)
                .and_then(|href| href.strip_prefix(prefix))
            {
                found.push((rel.as_str(), target));
            }
        }
    }
    found
}

/// Answers the links that many items of a list have one of — a picture by id, the categories
/// or tags of a post — with one read each instead of one request per link: the answers are
/// the same as the routes give, and what cannot be read this way is left to them.
async fn prefetch(api: &Api, targets: &[String]) -> HashMap<String, Value> {
    let mut pictures = Vec::new();
    let mut posts_of = [
        (Taxonomy::Category, Vec::new()),
        (Taxonomy::Tag, Vec::new()),
    ];
    for target in targets {
        if let Some(id) = target
            .strip_prefix("/wp/v2/media/")
            .and_then(|id| id.parse::<i64>().ok())
        {
            pictures.push(id);
        }
        for (taxonomy, posts) in &mut posts_of {
            if let Some(post) = target
                .strip_prefix(&format!("/wp/v2/{}?post=", taxonomy.rest_base()))
                .and_then(|id| id.parse::<i64>().ok())
            {
                posts.push(post);
            }
        }
    }
    let mut answers = HashMap::new();
    if let Ok(found) = media::embedded(api, &pictures).await {
        for (id, answer) in found {
            answers.insert(format!("/wp/v2/media/{id}"), answer);
        }
    }
    for (taxonomy, posts) in posts_of {
        if let Ok(found) = terms::embedded_of_posts(api, taxonomy, &posts).await {
            for (post, answer) in found {
                answers.insert(
                    format!("/wp/v2/{}?post={post}", taxonomy.rest_base()),
                    answer,
                );
            }
        }
    }
    answers
}

async fn embed_item(
    api: &Api,
    item: &mut Value,
    rels: &[String],
    fetched: &mut HashMap<String, Value>,
) {
    let prefix = api.route("");
    let mut embedded = Map::new();
    for (rel, target) in embeddable(item, rels, &prefix) {
        let answer = match fetched.get(target) {
            Some(known) => known.clone(),
            None => {
                let (route, query) = target.split_once('?').unwrap_or((target, ""));
                let mut params = Params::parse(Some(query));
                params.set("context", "embed");
                if !params.has("per_page") && query.contains('=') {
                    params.set("per_page", "100");
                }
                let answer = match dispatch(api, route, &mut params).await {
                    Ok(reply) => reply.body,
                    Err(e) => e.body(),
                };
                fetched.insert(target.to_string(), answer.clone());
                answer
            }
        };
        match embedded.get_mut(rel) {
            Some(Value::Array(list)) => list.push(answer),
            _ => {
                embedded.insert(rel.to_string(), Value::Array(vec![answer]));
            }
        }
    }
    if let Some(map) = item.as_object_mut()
        && !embedded.is_empty()
    {
        map.insert("_embedded".into(), Value::Object(embedded));
    }
}

/// Keeps the members `_fields` names, with dotted paths reaching into objects.
fn keep_fields(item: &mut Value, paths: &[Vec<&str>]) {
    let Some(map) = item.as_object_mut() else {
        return;
    };
    map.retain(|key, value| {
        let under: Vec<Vec<&str>> = paths
            .iter()
            .filter(|p| p.first() == Some(&key.as_str()))
            .map(|p| p[1..].to_vec())
            .collect();
        if under.is_empty() {
            return false;
        }
        if !under.iter().any(Vec::is_empty) {
            keep_fields(value, &under);
        }
        true
    });
}

fn respond(api: &Api, uri: &Uri, reply: Reply) -> Response {
    let mut response = axum::Json(&reply.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    headers.insert(header::ALLOW, HeaderValue::from_static("GET"));
    if api.user.is_some() {
        // What a signed-in caller reads or writes is theirs: never kept, here or on the way.
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, private"),
        );
    } else {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PUBLIC_CACHE_CONTROL),
        );
        response.extensions_mut().insert(Cacheable {
            last_modified: None,
            key: api_key(uri).map(Cow::into_owned),
            // An API answer mixes lists, search and settings: any change drops it.
            shows: Shows::Anything,
        });
    }
    let headers = response.headers_mut();
    let mut links = Vec::new();
    if let Some((total, paging)) = reply.paging {
        let pages = paging.total_pages(total);
        headers.insert("x-wp-total", HeaderValue::from(total));
        headers.insert("x-wp-totalpages", HeaderValue::from(pages));
        let page_link = |page: i64, rel: &str| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (name, value) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
                if name != "page" {
                    query.append_pair(&name, &value);
                }
            }
            query.append_pair("page", &page.to_string());
            format!(
                "<{}{}?{}>; rel=\"{rel}\"",
                api.base(),
                uri.path(),
                query.finish()
            )
        };
        if paging.page > 1 && pages > 0 {
            links.push(page_link((paging.page - 1).min(pages), "prev"));
        }
        if paging.page < pages {
            links.push(page_link(paging.page + 1, "next"));
        }
    }
    if let Some(created) = reply.created {
        *response.status_mut() = StatusCode::CREATED;
        if let Ok(value) = HeaderValue::from_str(&created) {
            response.headers_mut().insert(header::LOCATION, value);
        }
    }
    let headers = response.headers_mut();
    if let Some(alternate) = reply.alternate {
        links.push(format!("<{alternate}>; rel=\"alternate\"; type=text/html"));
    }
    if let Ok(value) = HeaderValue::from_str(&links.join(", "))
        && !links.is_empty()
    {
        headers.insert(header::LINK, value);
    }
    response
}
