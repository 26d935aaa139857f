//! Every door of the admin and the API, and who may pass it. The tables below are the promise
//! (docs/admin.md's role table, route by route); the tests hold the router to it: each route the
//! router serves must be in a table, a role without the capability is refused with a 403 before
//! anything happens, and a route for any signed-in person still refuses a stranger.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use broadsheet::accounts::service as accounts;
use broadsheet::accounts::{Capability, Role, allows};

use crate::db_tests;
use crate::support::builders::newsroom;
use crate::support::routes::{admin_routes, api_routes, filled};

/// Who may pass a door.
#[derive(Clone, Copy, Debug)]
enum Door {
    /// Before a session exists (sign-in, password links); the origin check guards it.
    Sessionless,
    /// Anyone signed in; the service decides per item (one's own articles, comments on them).
    SignedIn,
    /// The roles with this capability.
    Needs(Capability),
}

use Capability::*;
use Door::*;

const ADMIN: &[(&str, &str, Door)] = &[
    ("GET", "/admin/login", Sessionless),
    ("POST", "/admin/login", Sessionless),
    ("POST", "/admin/logout", SignedIn),
    ("POST", "/admin/logout-everywhere", SignedIn),
    ("GET", "/admin/account", SignedIn),
    ("POST", "/admin/account/tokens", SignedIn),
    ("POST", "/admin/account/tokens/{id}/revoke", SignedIn),
    ("GET", "/admin/password-reset", Sessionless),
    ("POST", "/admin/password-reset", Sessionless),
    ("GET", "/admin/password/{purpose}/{token}", Sessionless),
    ("POST", "/admin/password/{purpose}/{token}", Sessionless),
    ("GET", "/admin", SignedIn),
    ("GET", "/admin/articles", Needs(WriteOwnArticle)),
    ("POST", "/admin/articles", Needs(WriteOwnArticle)),
    ("GET", "/admin/articles/new", Needs(WriteOwnArticle)),
    ("POST", "/admin/articles/bulk", SignedIn),
    ("GET", "/admin/articles/{id}", SignedIn),
    ("POST", "/admin/articles/{id}", SignedIn),
    ("POST", "/admin/articles/{id}/autosave", SignedIn),
    ("GET", "/admin/articles/{id}/revisions", SignedIn),
    (
        "POST",
        "/admin/articles/{id}/revisions/{revision}/restore",
        SignedIn,
    ),
    ("POST", "/admin/preview", SignedIn),
    ("GET", "/admin/people", Needs(ManagePeople)),
    ("POST", "/admin/people", Needs(ManagePeople)),
    ("POST", "/admin/people/{id}", Needs(ManagePeople)),
    ("GET", "/admin/outbox", Needs(ViewOutbox)),
    ("GET", "/admin/fronts", Needs(ArrangeFronts)),
    ("GET", "/admin/fronts/{front}", Needs(ArrangeFronts)),
    ("POST", "/admin/fronts/{front}/draft", Needs(ArrangeFronts)),
    (
        "POST",
        "/admin/fronts/{front}/publish",
        Needs(ArrangeFronts),
    ),
    (
        "POST",
        "/admin/fronts/{front}/discard",
        Needs(ArrangeFronts),
    ),
    ("GET", "/admin/fronts/{front}/preview", Needs(ArrangeFronts)),
    (
        "POST",
        "/admin/fronts/{front}/revisions/{id}/restore",
        Needs(ArrangeFronts),
    ),
    (
        "POST",
        "/admin/fronts/{front}/revisions/{id}/cancel",
        Needs(ArrangeFronts),
    ),
    ("GET", "/admin/pages", Needs(ManagePages)),
    ("POST", "/admin/pages", Needs(ManagePages)),
    ("GET", "/admin/pages/new", Needs(ManagePages)),
    ("GET", "/admin/pages/{id}", Needs(ManagePages)),
    ("POST", "/admin/pages/{id}", Needs(ManagePages)),
    (
        "POST",
        "/admin/pages/{id}/revisions/{revision}/restore",
        Needs(ManagePages),
    ),
    ("POST", "/admin/menus", Needs(ManagePages)),
    ("GET", "/admin/structure", Needs(ManageTaxonomy)),
    ("POST", "/admin/sections", Needs(ManageTaxonomy)),
    ("POST", "/admin/sections/{id}", Needs(ManageTaxonomy)),
    ("POST", "/admin/tags", Needs(ManageTaxonomy)),
    ("POST", "/admin/tags/{id}", Needs(ManageTaxonomy)),
    ("POST", "/admin/authors", Needs(ManageTaxonomy)),
    ("POST", "/admin/authors/{id}", Needs(ManageTaxonomy)),
    ("GET", "/admin/settings", Needs(ManageSettings)),
    ("POST", "/admin/settings", Needs(ManageSettings)),
    ("GET", "/admin/integrations", Needs(ManageSettings)),
    ("POST", "/admin/integrations", Needs(ManageSettings)),
    (
        "POST",
        "/admin/integrations/{id}/revoke",
        Needs(ManageSettings),
    ),
    ("GET", "/admin/newsletters", Needs(ManageNewsletters)),
    ("POST", "/admin/newsletters", Needs(ManageNewsletters)),
    ("GET", "/admin/newsletters/new", Needs(ManageNewsletters)),
    ("GET", "/admin/newsletters/{id}", Needs(ManageNewsletters)),
    ("POST", "/admin/newsletters/{id}", Needs(ManageNewsletters)),
    (
        "GET",
        "/admin/newsletters/{id}/issues",
        Needs(ManageNewsletters),
    ),
    (
        "POST",
        "/admin/newsletters/{id}/issues",
        Needs(ManageNewsletters),
    ),
    ("GET", "/admin/issues/{id}", Needs(ManageNewsletters)),
    ("POST", "/admin/issues/{id}", Needs(ManageNewsletters)),
    (
        "GET",
        "/admin/issues/{id}/preview",
        Needs(ManageNewsletters),
    ),
    ("POST", "/admin/issues/{id}/test", Needs(ManageNewsletters)),
    (
        "POST",
        "/admin/issues/{id}/schedule",
        Needs(ManageNewsletters),
    ),
    ("POST", "/admin/issues/{id}/send", Needs(ManageNewsletters)),
    (
        "POST",
        "/admin/issues/{id}/unschedule",
        Needs(ManageNewsletters),
    ),
    ("GET", "/admin/comments", SignedIn),
    ("POST", "/admin/comments/bulk", SignedIn),
    ("GET", "/admin/comments/settings", Needs(ModerateComments)),
    ("POST", "/admin/comments/settings", Needs(ModerateComments)),
    ("GET", "/admin/comments/privacy", Needs(ModerateComments)),
    (
        "POST",
        "/admin/comments/privacy/export",
        Needs(ModerateComments),
    ),
    (
        "POST",
        "/admin/comments/privacy/erase",
        Needs(ModerateComments),
    ),
    ("GET", "/admin/comments/{id}", SignedIn),
    ("POST", "/admin/comments/{id}", SignedIn),
    ("POST", "/admin/comments/{id}/action", SignedIn),
    ("POST", "/admin/comments/{id}/reply", SignedIn),
    ("GET", "/admin/media/{id}", Needs(WriteOwnArticle)),
    ("POST", "/admin/media/{id}", Needs(UploadMedia)),
    ("POST", "/admin/media/{id}/delete", Needs(UploadMedia)),
    ("GET", "/admin/media", Needs(WriteOwnArticle)),
    ("GET", "/admin/media.json", Needs(WriteOwnArticle)),
    ("GET", "/admin/media/{id}/preview", Needs(WriteOwnArticle)),
    ("POST", "/admin/media", Needs(UploadMedia)),
];

const API: &[(&str, &str, Door)] = &[
    ("GET", "/api/v1/openapi.json", Sessionless),
    ("GET", "/api/v1/articles", Needs(WriteOwnArticle)),
    ("POST", "/api/v1/articles", Needs(WriteOwnArticle)),
    ("GET", "/api/v1/articles/{id}", SignedIn),
    ("PATCH", "/api/v1/articles/{id}", SignedIn),
    ("DELETE", "/api/v1/articles/{id}", SignedIn),
    ("GET", "/api/v1/sections", Needs(WriteOwnArticle)),
    ("POST", "/api/v1/sections", Needs(ManageTaxonomy)),
    ("GET", "/api/v1/sections/{id}", Needs(WriteOwnArticle)),
    ("PATCH", "/api/v1/sections/{id}", Needs(ManageTaxonomy)),
    ("DELETE", "/api/v1/sections/{id}", Needs(ManageTaxonomy)),
    ("GET", "/api/v1/tags", Needs(WriteOwnArticle)),
    ("POST", "/api/v1/tags", Needs(ManageTaxonomy)),
    ("GET", "/api/v1/tags/{id}", Needs(WriteOwnArticle)),
    ("PATCH", "/api/v1/tags/{id}", Needs(ManageTaxonomy)),
    ("DELETE", "/api/v1/tags/{id}", Needs(ManageTaxonomy)),
    ("GET", "/api/v1/authors", Needs(WriteOwnArticle)),
    ("POST", "/api/v1/authors", Needs(ManageTaxonomy)),
    ("GET", "/api/v1/authors/{id}", Needs(WriteOwnArticle)),
    ("PATCH", "/api/v1/authors/{id}", Needs(ManageTaxonomy)),
    ("DELETE", "/api/v1/authors/{id}", Needs(ManageTaxonomy)),
    ("GET", "/api/v1/media/{id}", Needs(WriteOwnArticle)),
    ("PATCH", "/api/v1/media/{id}", Needs(UploadMedia)),
    ("DELETE", "/api/v1/media/{id}", Needs(UploadMedia)),
    ("GET", "/api/v1/media", Needs(WriteOwnArticle)),
    ("POST", "/api/v1/media", Needs(UploadMedia)),
];

fn assert_covers(table: &[(&str, &str, Door)], served: &[(String, String)]) {
    let mut promised: Vec<(String, String)> = table
        .iter()
        .map(|(method, path, _)| (method.to_string(), path.to_string()))
        .collect();
    let mut served = served.to_vec();
    promised.sort();
    served.sort();
    assert_eq!(
        promised, served,
        "every route the router serves has a door in the table, and no other"
    );
}

db_tests! {
    async fn every_admin_door_refuses_the_roles_without_its_capability(app) {
        newsroom(app).await;
        assert_covers(ADMIN, &admin_routes());
        let mut refused = 0;
        for role in Role::ALL {
            let email = format!("{}@news.example", role.as_str());
            app.add_user(&email, role).await;
            let browser = app.sign_in(&email).await;
            for (method, path, door) in ADMIN {
                let Needs(capability) = door else { continue };
                let url = filled(path);
                let response = match *method {
                    "GET" => app.get_as(&url, &browser).await,
                    _ if url == "/admin/media" => {
                        app.post_upload_token(&url, &browser.cookie, &browser.csrf).await
                    }
                    _ => app.post_as(&url, &browser, &[("email", "reader@example.com")]).await,
                };
                if !allows(role, *capability) {
                    assert_eq!(
                        response.status,
                        StatusCode::FORBIDDEN,
                        "{method} {url} as {role:?} (without {capability:?}): {}",
                        response.text()
                    );
                    refused += 1;
                } else if *method == "GET" {
                    assert_ne!(
                        response.status,
                        StatusCode::FORBIDDEN,
                        "{method} {url} as {role:?} (with {capability:?})"
                    );
                }
            }
        }
        assert!(refused >= 60, "the walk refused {refused} requests");
    }

    async fn every_admin_door_sends_a_stranger_to_sign_in(app) {
        newsroom(app).await;
        for (method, path, door) in ADMIN {
            if matches!(door, Sessionless) {
                continue;
            }
            let url = filled(path);
            let response = match *method {
                "GET" => app.get(&url).await,
                _ => app.post_form(&url, None, &[("_csrf", "x")]).await,
            };
            assert_eq!(response.status, StatusCode::SEE_OTHER, "{method} {url}");
            assert!(
                response.header("location").starts_with("/admin/login"),
                "{method} {url} sends to {}",
                response.header("location")
            );
        }
    }

    async fn every_api_door_refuses_the_roles_without_its_capability(app) {
        newsroom(app).await;
        assert_covers(API, &api_routes());
        let mut refused = 0;
        for role in Role::ALL {
            let user = app.add_user(&format!("{}@news.example", role.as_str()), role).await;
            let token = accounts::create_api_token(&app.db, &app.clock, user.id, "doors").await.unwrap();
            for (method, path, door) in API {
                let url = filled(path);
                let call = |token: Option<&str>| {
                    let mut builder = Request::builder().method(*method).uri(url.as_str());
                    if let Some(t) = token {
                        builder = builder.header("authorization", format!("Bearer {t}"));
                    }
                    if *method != "GET" && *method != "DELETE" {
                        builder = builder.header("content-type", "application/json");
                    }
                    builder.body(Body::from(if *method == "GET" || *method == "DELETE" { "" } else { "{}" })).unwrap()
                };
                match door {
                    Sessionless => continue,
                    SignedIn => {}
                    Needs(capability) if !allows(role, *capability) => {
                        let response = app.request(call(Some(&token))).await;
                        assert_eq!(
                            response.status,
                            StatusCode::FORBIDDEN,
                            "{method} {url} as {role:?} (without {capability:?}): {}",
                            response.text()
                        );
                        assert!(response.text().contains("\"forbidden\""), "{}", response.text());
                        refused += 1;
                    }
                    Needs(_) if *method == "GET" => {
                        let response = app.request(call(Some(&token))).await;
                        assert_ne!(response.status, StatusCode::FORBIDDEN, "{method} {url} as {role:?}");
                    }
                    Needs(_) => {}
                }
                if role == Role::Contributor {
                    let stranger = app.request(call(None)).await;
                    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED, "{method} {url} without a token");
                }
            }
        }
        assert!(refused >= 20, "the walk refused {refused} calls");
    }
}
