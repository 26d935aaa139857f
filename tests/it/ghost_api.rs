//! Ghost's Content API at `/ghost/api/content/` on both engines: keys, Ghost's envelope and
//! fields, `include`, `fields`, `formats`, NQL filters, paging, errors in its shape, and nothing
//! a reader could not see.

use axum::http::StatusCode;
use broadsheet::accounts::roles::Role;
use broadsheet::articles::workflow::Transition;
use broadsheet::ghost_api::ids::{self, Kind};
use broadsheet::ghost_api::keys::{self, Caller};
use broadsheet::pages::service::{self as pages, PageInput};
use serde_json::Value;

use crate::db_tests;
use crate::fronts::place;
use crate::support::builders::desk;
use crate::support::{START, TestApp, TestResponse};

fn json_of(r: &TestResponse) -> Value {
    serde_json::from_slice(&r.bytes)
        .unwrap_or_else(|_| panic!("not JSON ({}): {}", r.status, r.text()))
}

async fn key(app: &TestApp) -> String {
    keys::create(&app.db, &app.clock, Caller::Operator, "Test front end")
        .await
        .expect("key")
        .key
}

struct Api<'a> {
    app: &'a TestApp,
    key: String,
}

impl Api<'_> {
    async fn get(&self, path: &str) -> (StatusCode, Value, TestResponse) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let r = self
            .app
            .get(&format!("/ghost/api/content/{path}{sep}key={}", self.key))
            .await;
        (r.status, json_of(&r), r)
    }

    /// The titles a browse answers, in order.
    async fn titles(&self, path: &str) -> Vec<String> {
        let (status, body, _) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let resource = path.split('/').next().unwrap_or("posts");
        body[resource]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {body}"))
            .iter()
            .map(|p| p["title"].as_str().unwrap_or("").to_string())
            .collect()
    }
}

fn posts(body: &Value) -> &Vec<Value> {
    body["posts"]
        .as_array()
        .unwrap_or_else(|| panic!("no posts: {body}"))
}

db_tests! {
    async fn the_content_api_needs_a_live_key_and_answers_in_ghosts_envelope(app) {
        desk(app).await;
        let missing = app.get("/ghost/api/content/posts/").await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN);
        let body = json_of(&missing);
        assert_eq!(body["errors"][0]["type"], "NoPermissionError");
        assert_eq!(body["errors"][0]["message"], "Authorization failed");
        assert_eq!(missing.header("access-control-allow-origin"), "*");
        let wrong = app.get("/ghost/api/content/posts/?key=0123456789abcdef0123456789").await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);

        let api = Api { app, key: key(app).await };
        let (status, body, r) = api.get("posts/?limit=2").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(r.header("content-type"), "application/json; charset=utf-8");
        assert_eq!(r.header("content-version"), "v6.0");
        assert_eq!(r.header("access-control-allow-origin"), "*");
        assert!(r.header("cache-control").starts_with("public"));
        assert_eq!(posts(&body).len(), 2);
        assert_eq!(
            body["meta"]["pagination"],
            serde_json::json!({"page": 1, "limit": 2, "pages": 2, "total": 3, "next": 2, "prev": null})
        );
        let etag = r.header("etag").to_string();
        let again = app
            .get_with(&format!("/ghost/api/content/posts/?limit=2&key={}", api.key), &[("if-none-match", &etag)])
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);

        // Revoking the key ends it at once, even for answers the page cache holds.
        let id = keys::list(&app.db, Caller::Operator).await.unwrap()[0].id;
        keys::revoke(&app.db, &app.clock, Caller::Operator, id).await.unwrap();
        let (status, body, _) = api.get("posts/?limit=2").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        let options = app
            .request(
                axum::http::Request::builder()
                    .method("OPTIONS")
                    .uri("/ghost/api/content/posts/")
                    .header("origin", "https://front.example")
                    .header("access-control-request-method", "GET")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(options.status, StatusCode::NO_CONTENT);
        assert_eq!(options.header("access-control-allow-origin"), "*");
        let post = app
            .request(
                axum::http::Request::builder()
                    .method("POST")
                    .uri("/ghost/api/content/posts/")
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from("{}"))
                    .unwrap(),
            )
            .await;
        assert!(post.status.is_client_error(), "the Content API only reads: {}", post.status);
    }

    async fn posts_carry_ghosts_fields_includes_and_formats(app) {
        let d = desk(app).await;
        let api = Api { app, key: key(app).await };
        let (_, body, _) = api.get("posts/?include=tags,authors").await;
        let list = posts(&body);
        assert_eq!(list.len(), 3, "drafts and embargoed stories are left out: {body}");
        let first = &list[0];
        assert_eq!(first["title"], "Rates & rents");
        let id = first["id"].as_str().unwrap();
        assert_eq!(id.len(), 24);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(first["uuid"].as_str().unwrap().len(), 36);
        assert_eq!(first["visibility"], "public");
        assert_eq!(first["featured"], false);
        assert_eq!(first["custom_excerpt"], "Standfirst of Rates & rents.");
        assert_eq!(first["excerpt"], "Standfirst of Rates & rents.");
        assert_eq!(first["published_at"], "2026-06-15T11:00:00.000+00:00");
        assert!(first["url"].as_str().unwrap().starts_with("http://127.0.0.1:8080/business-news/"));
        assert!(first["html"].as_str().unwrap().contains("First paragraph of Rates &amp; rents."));
        assert!(first.get("plaintext").is_none(), "html only unless formats asks");
        assert_eq!(first["primary_tag"]["slug"], "retail");
        assert_eq!(first["tags"][0]["url"], "http://127.0.0.1:8080/tag/retail");
        assert_eq!(first["primary_author"]["name"], "Ada Reporter");
        assert_eq!(first["authors"][0]["bio"], "Writes about shops.");
        assert_eq!(list[1]["tags"].as_array().unwrap().len(), 2);
        assert_eq!(list[2]["primary_tag"], Value::Null);
        let text = body.to_string();
        assert!(!text.contains('@'), "no addresses: {text}");

        let (_, plain, _) = api.get("posts/?formats=plaintext&fields=title,plaintext,html&limit=1").await;
        let only = &posts(&plain)[0];
        assert_eq!(only.as_object().unwrap().len(), 2, "fields keeps only what is named: {only}");
        assert!(only["plaintext"].as_str().unwrap().starts_with("First paragraph of Rates & rents."));

        let (status, read, _) = api.get(&format!("posts/{id}/?include=tags")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(read.get("meta").is_none(), "a read has no meta: {read}");
        assert_eq!(read["posts"][0]["uuid"], first["uuid"], "uuids are stable");
        let (status, by_slug, _) = api.get("posts/slug/retail-slows/").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(by_slug["posts"][0]["title"], "Retail slows");
        let (status, gone, _) = api.get("posts/slug/unfinished-draft/").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");
        assert_eq!(gone["errors"][0]["type"], "NotFoundError");
        assert_eq!(gone["errors"][0]["message"], "Resource not found error, cannot read post.");
        let page_id = ids::encode(Kind::Page, d.ids[0]);
        let (status, _, _) = api.get(&format!("posts/{page_id}/")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a page's id is not a post's");
    }

    async fn nql_filters_choose_posts_as_ghost_does(app) {
        let d = desk(app).await;
        let api = Api { app, key: key(app).await };
        let all = ["Rates & rents", "Retail slows", "Markets calm"];
        let titles = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(api.titles("posts/?filter=tag:retail").await, titles(&all[..2]));
        assert_eq!(api.titles("posts/?filter=tags:[markets-data,nothing]").await, titles(&all[1..2]));
        assert_eq!(api.titles("posts/?filter=primary_tag:markets-data").await, Vec::<String>::new());
        assert_eq!(api.titles("posts/?filter=tag:-retail").await, titles(&all[2..]));
        assert_eq!(api.titles("posts/?filter=author:ada-reporter%2Btag:retail").await, titles(&all[..2]));
        assert_eq!(api.titles("posts/?filter=primary_author:ada-reporter").await, titles(&all));
        assert_eq!(api.titles("posts/?filter=slug:retail-slows,slug:markets-calm").await, titles(&all[1..]));
        assert_eq!(
            api.titles("posts/?filter=(tag:markets-data,slug:markets-calm)%2Btitle:~%27calm%27").await,
            titles(&all[2..])
        );
        let cut = START.plus_seconds(-3600 * 2 - 60).to_datetime().format("%Y-%m-%d%%20%H:%M:%S").to_string();
        assert_eq!(
            api.titles(&format!("posts/?filter=published_at:%3E%27{cut}%27")).await,
            titles(&all[..2])
        );
        assert_eq!(api.titles("posts/?filter=published_at:%3C=now-2h").await, titles(&all[1..]));
        let (_, first, _) = api.get("posts/?limit=1&fields=id").await;
        let first_id = first["posts"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(api.titles(&format!("posts/?filter=id:-{first_id}")).await, titles(&all[1..]));
        assert_eq!(api.titles("posts/?filter=featured:true").await, Vec::<String>::new());

        app.add_user("editor@news.example", Role::Editor).await;
        let editor = app.sign_in("editor@news.example").await;
        place(app, &editor, "home", d.ids[2], "lead").await;
        let published = app.post_as("/admin/fronts/home/publish", &editor, &[("when", "now")]).await;
        assert_eq!(published.status, StatusCode::SEE_OTHER);
        assert_eq!(api.titles("posts/?filter=featured:true").await, titles(&all[2..]));
        let (_, body, _) = api.get("posts/?filter=featured:true&fields=featured").await;
        assert_eq!(posts(&body)[0]["featured"], true);

        assert_eq!(api.titles("posts/?order=title%20asc").await, vec!["Markets calm", "Rates & rents", "Retail slows"]);
        assert_eq!(api.titles("posts/?order=published_at%20asc&limit=2&page=2").await, titles(&all[..1]));
        let (_, paged, _) = api.get("posts/?limit=2&page=2").await;
        assert_eq!(paged["meta"]["pagination"]["prev"], 1);
        assert_eq!(paged["meta"]["pagination"]["next"], Value::Null);
        let (_, capped, _) = api.get("posts/?limit=1000").await;
        assert_eq!(capped["meta"]["pagination"]["limit"], 100);
        let (_, all_of_them, _) = api.get("posts/?limit=all").await;
        assert_eq!(all_of_them["meta"]["pagination"]["limit"], 100, "Ghost 6 bounds `all`");
        let _ = d.n;
    }

    async fn tags_authors_pages_settings_and_tiers_answer_like_ghost(app) {
        let d = desk(app).await;
        let api = Api { app, key: key(app).await };
        let (_, tags, _) = api.get("tags/?include=count.posts").await;
        let names: Vec<&str> = tags["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["Markets Data", "Retail"], "by name");
        assert_eq!(tags["tags"][1]["count"]["posts"], 2);
        let (_, plain, _) = api.get("tags/").await;
        assert!(plain["tags"][0].get("count").is_none(), "counts only when included");
        let (_, filtered, _) = api.get("tags/?filter=count.posts:%3E1").await;
        assert_eq!(filtered["tags"].as_array().unwrap().len(), 1);
        let (status, retail, _) = api.get("tags/slug/retail/").await;
        assert_eq!(status, StatusCode::OK);
        let tag_id = retail["tags"][0]["id"].as_str().unwrap().to_string();
        let (status, by_id, _) = api.get(&format!("tags/{tag_id}/")).await;
        assert_eq!((status, by_id["tags"][0]["slug"].as_str()), (StatusCode::OK, Some("retail")));

        let mut tx = app.db.begin().await.unwrap();
        broadsheet::articles::service::create_author_in(&mut tx, "Nobody Yet", "", None).await.unwrap();
        tx.commit().await.unwrap();
        let (_, authors, _) = api.get("authors/?include=count.posts").await;
        let authors = authors["authors"].as_array().unwrap();
        assert_eq!(authors.len(), 1, "only authors with a published story: {authors:?}");
        assert_eq!(authors[0]["slug"], "ada-reporter");
        assert_eq!(authors[0]["count"]["posts"], 3);
        assert!(!Value::Array(authors.clone()).to_string().contains("email"));

        let editor = app.add_user("editor@news.example", Role::Editor).await;
        let about = PageInput {
            parent_id: None,
            slug: "about".into(),
            title: "About us".into(),
            body: "<p>We report <a href=\"/business-news\">the news</a>.</p>".into(),
            seo_title: String::new(),
            seo_description: String::new(),
            published_at: None,
        };
        pages::save(&app.db, &app.clock, &editor, None, about.clone(), Transition::Publish, None).await.unwrap();
        let draft = PageInput { slug: "later".into(), title: "Later".into(), ..about };
        pages::save(&app.db, &app.clock, &editor, None, draft, Transition::Save, None).await.unwrap();
        let (_, pages, _) = api.get("pages/").await;
        let list = pages["pages"].as_array().unwrap();
        assert_eq!(list.len(), 1, "drafts are left out: {pages}");
        assert_eq!(list[0]["title"], "About us");
        assert_eq!(list[0]["url"], "http://127.0.0.1:8080/about");
        assert!(
            list[0]["html"].as_str().unwrap().contains("href=\"http://127.0.0.1:8080/business-news\""),
            "links are absolute, so a front end on another origin can show them: {}", list[0]["html"]
        );
        assert_eq!(api.titles("pages/?filter=slug:about").await, vec!["About us"]);
        let (status, _, _) = api.get("pages/slug/later/").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (_, settings, _) = api.get("settings/").await;
        assert_eq!(settings["meta"], serde_json::json!({}));
        assert_eq!(settings["settings"]["url"], "http://127.0.0.1:8080/");
        assert!(settings["settings"]["title"].is_string());
        let navigation = settings["settings"]["navigation"].as_array().unwrap();
        assert!(navigation.iter().any(|l| l["label"] == "Business News"), "{navigation:?}");

        let (_, tiers, _) = api.get("tiers/").await;
        assert_eq!(tiers["tiers"].as_array().unwrap().len(), 1);
        assert_eq!(tiers["tiers"][0]["type"], "free");
        let _ = d.ids;
    }

    async fn wrong_keys_are_limited_per_address_and_right_ones_are_not(app) {
        desk(app).await;
        let api = Api { app, key: key(app).await };
        // A front end building its pages sends many requests at once from one address.
        let paths: Vec<String> = (0..keys::MAX_KEY_FAILURES_PER_ADDRESS + 20)
            .map(|n| format!("/ghost/api/content/posts/?limit=1&page={n}&key={}", api.key))
            .collect();
        for answer in futures_util::future::join_all(paths.iter().map(|p| app.get(p))).await {
            assert_eq!(answer.status, StatusCode::OK, "right keys are not counted: {}", answer.text());
        }
        for n in 0..keys::MAX_KEY_FAILURES_PER_ADDRESS {
            let r = app.get(&format!("/ghost/api/content/settings/?key={n:026x}")).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        }
        let r = app.get("/ghost/api/content/settings/?key=ffffffffffffffffffffffffff").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(json_of(&r)["errors"][0]["type"], "TooManyRequestsError");
        assert_eq!(api.get("tags/").await.0, StatusCode::TOO_MANY_REQUESTS, "the address waits out the window");
    }

    async fn bad_requests_get_ghost_errors_never_a_server_error(app) {
        desk(app).await;
        let api = Api { app, key: key(app).await };
        let cases: &[(&str, u16, &str)] = &[
            ("posts/?filter=tag:(", 400, "BadRequestError"),
            ("posts/?filter=tag:news%2B", 400, "BadRequestError"),
            ("posts/?filter=colour:red", 400, "BadRequestError"),
            ("posts/?filter=published_at:%3Esoon", 400, "BadRequestError"),
            ("posts/?filter=slug:~x", 400, "BadRequestError"),
            ("tags/?filter=colour:red", 400, "BadRequestError"),
            ("pages/?filter=(((slug:a", 400, "BadRequestError"),
            ("posts/?page=abc", 422, "ValidationError"),
            ("posts/?limit=lots", 422, "ValidationError"),
            ("posts/123/", 422, "ValidationError"),
            ("posts/slug/nope/", 404, "NotFoundError"),
            ("authors/slug/nope/", 404, "NotFoundError"),
            ("newsletters/", 404, "NotFoundError"),
            ("posts/a/b/c/", 404, "NotFoundError"),
        ];
        for (path, status, kind) in cases {
            let (got, body, _) = api.get(path).await;
            assert_eq!(got.as_u16(), *status, "{path}: {body}");
            assert_eq!(body["errors"][0]["type"], *kind, "{path}: {body}");
            assert!(body["errors"][0]["message"].is_string(), "{path}: {body}");
        }
        let deep = format!("posts/?filter={}", "(".repeat(5000));
        let (got, _, _) = api.get(&deep).await;
        assert_eq!(got, StatusCode::BAD_REQUEST, "a long filter is refused, not parsed");
        let (got, body, _) = api.get("posts/?include=bogus&formats=mobiledoc&order=bogus%20up&bogus=1").await;
        assert_eq!(got, StatusCode::OK, "unknown includes, formats, orders and parameters are ignored, as Ghost ignores them: {body}");
    }

    async fn administrators_make_and_revoke_keys_in_the_admin(app) {
        desk(app).await;
        app.add_user("admin@news.example", Role::Administrator).await;
        app.add_user("editor@news.example", Role::Editor).await;
        let admin = app.sign_in("admin@news.example").await;
        let editor = app.sign_in("editor@news.example").await;
        assert_eq!(app.get_as("/admin/integrations", &editor).await.status, StatusCode::FORBIDDEN);
        let refused = app.post_as("/admin/integrations", &editor, &[("name", "Sneaky")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let editor_user = broadsheet::accounts::service::user_by_email(&app.db, "editor@news.example").await.unwrap();
        let by_service = keys::create(&app.db, &app.clock, Caller::Account(&editor_user), "Sneaky").await;
        assert!(by_service.is_err(), "the service refuses an editor whatever the door");

        let blank = app.post_as("/admin/integrations", &admin, &[("name", "  ")]).await;
        assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(blank.text().contains("name the integration"));
        let made = app.post_as("/admin/integrations", &admin, &[("name", "Next.js front end")]).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let page = app.get_as("/admin/integrations", &admin).await.text();
        assert!(page.contains("Next.js front end"), "{page}");
        let key = page
            .split("<code class=\"token\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .expect("the key is shown")
            .to_string();
        assert_eq!(key.len(), 26);
        let api = Api { app, key };
        assert_eq!(api.get("posts/").await.0, StatusCode::OK);

        let id = keys::list(&app.db, Caller::Operator).await.unwrap()[0].id;
        let revoked = app.post_as(&format!("/admin/integrations/{id}/revoke"), &admin, &[]).await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        assert_eq!(api.get("posts/").await.0, StatusCode::FORBIDDEN);
        assert!(!app.get_as("/admin/integrations", &admin).await.text().contains(&api.key));
        let again = app.post_as(&format!("/admin/integrations/{id}/revoke"), &admin, &[]).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
    }
}
