//! What the API says about itself: the index at `/wp-json/` (site, namespaces, routes,
//! authentication), the `wp/v2` namespace, and the post types, taxonomies and statuses.

use serde_json::{Map, Value, json};

use super::context::{Api, Reply, curies, object};
use super::error::WpError;
use super::params::Params;

/// Every route this API answers, as WordPress names them (patterns as regular expressions).
pub const ROUTES: &[&str] = &[
    "/",
    "/wp/v2",
    "/wp/v2/posts",
    "/wp/v2/posts/(?P<id>[\\d]+)",
    "/wp/v2/pages",
    "/wp/v2/pages/(?P<id>[\\d]+)",
    "/wp/v2/media",
    "/wp/v2/media/(?P<id>[\\d]+)",
    "/wp/v2/categories",
    "/wp/v2/categories/(?P<id>[\\d]+)",
    "/wp/v2/tags",
    "/wp/v2/tags/(?P<id>[\\d]+)",
    "/wp/v2/users",
    "/wp/v2/users/(?P<id>[\\d]+)",
    "/wp/v2/users/me",
    "/wp/v2/comments",
    "/wp/v2/comments/(?P<id>[\\d]+)",
    "/wp/v2/search",
    "/wp/v2/types",
    "/wp/v2/types/(?P<type>[\\w-]+)",
    "/wp/v2/taxonomies",
    "/wp/v2/taxonomies/(?P<taxonomy>[\\w-]+)",
    "/wp/v2/statuses",
    "/wp/v2/statuses/(?P<status>[\\w-]+)",
];

fn routes(api: &Api, namespace: Option<&str>) -> Map<String, Value> {
    ROUTES
        .iter()
        .filter(|r| namespace.is_none_or(|ns| r.starts_with(&format!("/{ns}"))))
        .map(|route| {
            let namespace = if *route == "/" { "" } else { "wp/v2" };
            let writable = ["posts", "pages", "categories", "tags"]
                .iter()
                .any(|base| route.starts_with(&format!("/wp/v2/{base}/(")));
            let methods = match *route {
                "/wp/v2/comments" | "/wp/v2/posts" | "/wp/v2/pages" | "/wp/v2/media"
                | "/wp/v2/categories" | "/wp/v2/tags" => json!(["GET", "POST"]),
                _ if writable => json!(["GET", "POST", "PUT", "PATCH"]),
                _ => json!(["GET"]),
            };
            let mut entry = object(json!({
                "namespace": namespace,
                "methods": methods,
                "endpoints": [{"methods": methods, "args": {}}],
            }));
            if !route.contains('(') {
                entry.insert("_links".into(), json!({"self": api.link(route)}));
            }
            (route.to_string(), Value::Object(entry))
        })
        .collect()
}

pub fn index(api: &Api) -> Reply {
    Reply::item(json!({
        "name": api.site.name,
        "description": api.site.description,
        "url": api.base(),
        "home": api.base(),
        "gmt_offset": api.gmt_offset(),
        "timezone_string": api.site.timezone,
        "namespaces": ["wp/v2"],
        "authentication": {"application-passwords": {"endpoints": {
            "authorization": api.url("/admin/account"),
        }}},
        "routes": routes(api, None),
        "site_logo": 0,
        "site_icon": 0,
        "site_icon_url": "",
        "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
    }))
}

pub fn namespace(api: &Api) -> Reply {
    Reply::item(json!({
        "namespace": "wp/v2",
        "routes": routes(api, Some("wp/v2")),
        "_links": {"up": api.link("/")},
    }))
}

struct Type {
    slug: &'static str,
    name: &'static str,
    rest_base: &'static str,
    hierarchical: bool,
    taxonomies: &'static [&'static str],
    icon: &'static str,
}

const TYPES: [Type; 3] = [
    Type {
        slug: "post",
        name: "Posts",
        rest_base: "posts",
        hierarchical: false,
        taxonomies: &["category", "post_tag"],
        icon: "dashicons-admin-post",
    },
    Type {
        slug: "page",
        name: "Pages",
        rest_base: "pages",
        hierarchical: true,
        taxonomies: &[],
        icon: "dashicons-admin-page",
    },
    Type {
        slug: "attachment",
        name: "Media",
        rest_base: "media",
        hierarchical: false,
        taxonomies: &[],
        icon: "dashicons-admin-media",
    },
];

fn post_type(api: &Api, t: &Type) -> Value {
    json!({
        "description": "",
        "hierarchical": t.hierarchical,
        "has_archive": false,
        "name": t.name,
        "slug": t.slug,
        "icon": t.icon,
        "taxonomies": t.taxonomies,
        "rest_base": t.rest_base,
        "rest_namespace": "wp/v2",
        "_links": {
            "collection": api.link("/wp/v2/types"),
            "wp:items": api.link(&format!("/wp/v2/{}", t.rest_base)),
            "curies": curies(),
        },
    })
}

pub fn types(api: &Api, params: &mut Params, slug: Option<&str>) -> Result<Reply, WpError> {
    params.check()?;
    match slug {
        None => Ok(Reply::item(Value::Object(
            TYPES
                .iter()
                .map(|t| (t.slug.to_string(), post_type(api, t)))
                .collect(),
        ))),
        Some(slug) => TYPES
            .iter()
            .find(|t| t.slug == slug)
            .map(|t| Reply::item(post_type(api, t)))
            .ok_or_else(|| WpError::invalid_id("rest_type_invalid", "post type")),
    }
}

struct Taxonomy {
    slug: &'static str,
    name: &'static str,
    rest_base: &'static str,
    hierarchical: bool,
}

const TAXONOMIES: [Taxonomy; 2] = [
    Taxonomy {
        slug: "category",
        name: "Categories",
        rest_base: "categories",
        hierarchical: true,
    },
    Taxonomy {
        slug: "post_tag",
        name: "Tags",
        rest_base: "tags",
        hierarchical: false,
    },
];

fn taxonomy(api: &Api, t: &Taxonomy) -> Value {
    json!({
        "name": t.name,
        "slug": t.slug,
        "description": "",
        "types": ["post"],
        "hierarchical": t.hierarchical,
        "rest_base": t.rest_base,
        "rest_namespace": "wp/v2",
        "_links": {
            "collection": api.link("/wp/v2/taxonomies"),
            "wp:items": api.link(&format!("/wp/v2/{}", t.rest_base)),
            "curies": curies(),
        },
    })
}

pub fn taxonomies(api: &Api, params: &mut Params, slug: Option<&str>) -> Result<Reply, WpError> {
    let of_type = params.string("type");
    params.check()?;
    match slug {
        None => Ok(Reply::item(Value::Object(
            TAXONOMIES
                .iter()
                .filter(|_| of_type.as_deref().is_none_or(|t| t == "post"))
                .map(|t| (t.slug.to_string(), taxonomy(api, t)))
                .collect(),
        ))),
        Some(slug) => TAXONOMIES
            .iter()
            .find(|t| t.slug == slug)
            .map(|t| Reply::item(taxonomy(api, t)))
            .ok_or_else(|| {
                WpError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    "rest_taxonomy_invalid",
                    "Invalid taxonomy.",
                )
            }),
    }
}

fn publish(api: &Api) -> Value {
    json!({
        "name": "Published",
        "public": true,
        "queryable": true,
        "slug": "publish",
        "date_floating": false,
        "_links": {"archives": api.link("/wp/v2/posts")},
    })
}

pub fn statuses(api: &Api, params: &mut Params, slug: Option<&str>) -> Result<Reply, WpError> {
    params.check()?;
    match slug {
        None => Ok(Reply::item(json!({"publish": publish(api)}))),
        Some("publish") => Ok(Reply::item(publish(api))),
        Some(_) => Err(WpError::new(
            axum::http::StatusCode::NOT_FOUND,
            "rest_status_invalid",
            "Invalid status.",
        )),
    }
}
