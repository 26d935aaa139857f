//! Ghost's Content API at `/ghost/api/content/`, for Ghost themes, headless front ends and
//! the `@tryghost/content-api` client: posts, pages, tags, authors, settings and tiers, with
//! Ghost's parameters (`include`, `fields`, `formats`, `filter` in NQL, `limit`, `page`,
//! `order`), envelope and errors. Every request carries a Content API key made in the admin
//! ([`keys`]); answers come from the same services as the site, so they show nothing a reader
//! could not see. What differs from Ghost is listed in `docs/api-compatibility.md`.

mod context;
mod error;
mod filter;
pub mod ids;
pub mod keys;
mod nql;
mod params;
mod people;
mod posts;
mod settings;
mod store;

use std::borrow::Cow;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};

use self::context::{Api, CONTENT_VERSION};
use self::error::GhostError;
use self::params::Params;
use self::posts::Which;
use crate::cache::Shows;
use crate::site::layout::layout;
use crate::site::settings as site_settings;
use crate::state::AppState;
use crate::web::client::ClientIp;
use crate::web::page_key::api_key;
use crate::web::{Cacheable, PUBLIC_CACHE_CONTROL};

/// Where the API answers.
pub const ROOT: &str = "/ghost/api/content";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ROOT, any(serve))
        .route("/ghost/api/content/", any(serve))
        .route("/ghost/api/content/{*route}", any(serve))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Posts,
    Pages,
    Tags,
    Authors,
    Tiers,
}

impl Resource {
    pub fn name(self) -> &'static str {
        match self {
            Resource::Posts => "posts",
            Resource::Pages => "pages",
            Resource::Tags => "tags",
            Resource::Authors => "authors",
            Resource::Tiers => "tiers",
        }
    }

    /// The singular Ghost uses in "cannot read post".
    fn one(self) -> &'static str {
        self.name().trim_end_matches('s')
    }
}

/// A resource's answer: its envelope, ready to send.
pub struct Reply {
    body: Value,
}

impl Reply {
    pub fn browse(resource: Resource, items: Vec<Value>, meta: Value) -> Reply {
        let mut body = serde_json::Map::new();
        body.insert(resource.name().into(), Value::Array(items));
        body.insert("meta".into(), meta);
        Reply {
            body: Value::Object(body),
        }
    }

    /// A read by id or slug: a one-item list without `meta`, or Ghost's 404.
    pub fn single(resource: Resource, items: Vec<Value>) -> Result<Reply, GhostError> {
        if items.is_empty() {
            let thing = resource.one();
            let mut capital = thing.to_string();
            if let Some(first) = capital.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            return Err(GhostError::not_found(thing).with_context(format!("{capital} not found.")));
        }
        let mut body = serde_json::Map::new();
        body.insert(resource.name().into(), Value::Array(items));
        Ok(Reply {
            body: Value::Object(body),
        })
    }

    pub fn settings(settings: Value) -> Reply {
        Reply {
            body: json!({"settings": settings, "meta": {}}),
        }
    }
}

async fn serve(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request: Request,
) -> Response {
    let uri = request.uri().clone();
    let mut response = match *request.method() {
        Method::GET | Method::HEAD => match answer(&state, &uri, &ip).await {
            Ok(response) => response,
            Err(e) => {
                let mut r = e.into_response();
                r.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache, private, no-store, must-revalidate"),
                );
                r
            }
        },
        Method::OPTIONS => {
            let mut r = StatusCode::NO_CONTENT.into_response();
            let headers = r.headers_mut();
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET,HEAD"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Accept-Version, Content-Type"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            );
            r
        }
        _ => {
            let mut r = GhostError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowedError",
                "The Content API only reads: use GET.",
            )
            .into_response();
            r.headers_mut().insert(
                header::ALLOW,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            );
            r
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert("content-version", HeaderValue::from_static(CONTENT_VERSION));
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Version, Accept-Encoding"),
    );
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

async fn answer(state: &AppState, uri: &Uri, ip: &str) -> Result<Response, GhostError> {
    let params = Params::parse(uri.query());
    let key = params.get("key").unwrap_or("");
    if !keys::is_live(&state.db, &state.clock, key, ip).await? {
        return Err(GhostError::no_permission());
    }
    let api = api(state).await?;
    let route = uri.path().strip_prefix(ROOT).unwrap_or("");
    let parts: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    let reply = match parts.as_slice() {
        ["posts"] => posts::posts(&api, &params, Which::All).await?,
        ["posts", "slug", slug] => posts::posts(&api, &params, Which::Slug(slug)).await?,
        ["posts", id] => posts::posts(&api, &params, id_of(Resource::Posts, id)?).await?,
        ["pages"] => posts::pages(&api, &params, Which::All).await?,
        ["pages", "slug", slug] => posts::pages(&api, &params, Which::Slug(slug)).await?,
        ["pages", id] => posts::pages(&api, &params, id_of(Resource::Pages, id)?).await?,
        [r @ ("tags" | "authors"), rest @ ..] => {
            let resource = if *r == "tags" {
                Resource::Tags
            } else {
                Resource::Authors
            };
            let which = match rest {
                [] => Which::All,
                ["slug", slug] => Which::Slug(slug),
                [id] => id_of(resource, id)?,
                _ => return Err(GhostError::no_route()),
            };
            people::list(&api, &params, resource, which).await?
        }
        ["settings"] => settings::settings(&api),
        ["tiers"] => settings::tiers(&api, &params).await?,
        _ => return Err(GhostError::no_route()),
    };
    let mut response = axum::Json(&reply.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
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
    Ok(response)
}

/// An id in a path must look like one (24 hex digits), as Ghost validates it; a well-formed
/// id of nothing is a 404 later.
fn id_of(resource: Resource, id: &str) -> Result<Which<'_>, GhostError> {
    if id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(Which::Id(id))
    } else {
        Err(
            GhostError::validation(format!("Validation error, cannot read {}.", resource.one()))
                .with_context("Validation (matches) failed for id: give a 24-hex id"),
        )
    }
}

async fn api(state: &AppState) -> Result<Api, GhostError> {
    let layout = layout(state)
        .await
        .map_err(|_| GhostError::from(crate::error::AppError::NotReady("starting".into())))?;
    let menu = |links: &[crate::site::menus::MenuLink]| {
        links
            .iter()
            .map(|l| (l.label.clone(), l.url.clone()))
            .collect::<Vec<_>>()
    };
    let mut navigation: Vec<(String, String)> = vec![("Home".to_string(), "/".to_string())];
    navigation.extend(layout.nav.iter().map(|n| (n.name.clone(), n.url.clone())));
    navigation.extend(menu(&layout.header_menu));
    Ok(Api {
        db: state.db.clone(),
        now: state.clock.now(),
        site: layout.site.clone(),
        secret: site_settings::signing_key(&state.db).await?,
        navigation,
        secondary_navigation: menu(&layout.footer_menu),
    })
}
