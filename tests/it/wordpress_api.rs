//! The WordPress REST API v2 at `/wp-json/` on both engines: WordPress's fields, collection
//! parameters, paging headers, `_embed`, `_fields`, errors in its shape, and nothing a reader
//! could not see (drafts, held comments, addresses).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use broadsheet::comments::service::{self as comments, Imported};
use broadsheet::comments::spam::Arrival;
use serde_json::Value;

use crate::db_tests;
use crate::support::builders::{article, desk, publish};
use crate::support::{START, TestApp, TestResponse};

fn json_of(r: &TestResponse) -> Value {
    serde_json::from_slice(&r.bytes)
        .unwrap_or_else(|_| panic!("not JSON ({}): {}", r.status, r.text()))
}

async fn get_json(app: &TestApp, path: &str) -> (StatusCode, Value, TestResponse) {
    let r = app.get(path).await;
    (r.status, json_of(&r), r)
}

fn ids(items: &Value) -> Vec<i64> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {items}"))
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

async fn add_comment(app: &TestApp, article_id: i64, parent: Option<i64>, status: &str) -> i64 {
    let mut tx = app.db.begin().await.unwrap();
    let id = comments::import_in(
        &mut tx,
        &Imported {
            article_id,
            parent_id: parent,
            depth: if parent.is_some() { 2 } else { 1 },
            name: "Rita Reader",
            email: "rita@readers.example",
            url: "",
            body: &format!("A {status} comment."),
            status,
            created_at: START.plus_seconds(-60),
            ip: "203.0.113.9",
            arrival: &Arrival {
                user_agent: "test".into(),
                accept_language: true,
                referer: true,
                fill_seconds: Some(20),
            },
            train: false,
            id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

db_tests! {
    async fn posts_come_with_wordpress_fields_paging_headers_and_links(app) {
        let d = desk(app).await;
        let (status, page1, r) = get_json(app, "/wp-json/wp/v2/posts?per_page=2").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ids(&page1), d.ids[..2].to_vec(), "newest first, drafts and embargoes left out");
        assert_eq!(r.header("x-wp-total"), "3");
        assert_eq!(r.header("x-wp-totalpages"), "2");
        assert_eq!(
            r.header("link"),
            "<http://127.0.0.1:8080/wp-json/wp/v2/posts?per_page=2&page=2>; rel=\"next\""
        );
        assert_eq!(r.header("access-control-expose-headers"), "X-WP-Total, X-WP-TotalPages, Link");

        let post = &page1[0];
        assert_eq!(post["title"]["rendered"], "Rates &amp; rents");
        assert_eq!(post["type"], "post");
        assert_eq!(post["status"], "publish");
        assert_eq!(post["categories"], serde_json::json!([d.n.business]));
        assert_eq!(post["tags"], serde_json::json!([d.n.tag]));
        assert_eq!(post["author"], d.n.author);
        assert_eq!(post["featured_media"], 0);
        assert_eq!(post["sticky"], false);
        assert_eq!(post["excerpt"]["rendered"], "<p>Standfirst of Rates &amp; rents.</p>\n");
        assert!(post["content"]["rendered"].as_str().unwrap().contains("First paragraph of Rates &amp; rents."));
        let date = post["date"].as_str().unwrap();
        assert_eq!(date.len(), 19, "WordPress's date has no offset: {date}");
        assert_eq!(post["date_gmt"].as_str().unwrap().len(), 19);
        assert!(post["link"].as_str().unwrap().starts_with("http://127.0.0.1:8080/business-news/"));
        assert_eq!(
            post["_links"]["self"][0]["href"],
            format!("http://127.0.0.1:8080/wp-json/wp/v2/posts/{}", d.ids[0])
        );
        assert_eq!(post["_links"]["wp:term"][0]["taxonomy"], "category");

        let (_, page2, r) = get_json(app, "/wp-json/wp/v2/posts?per_page=2&page=2").await;
        assert_eq!(ids(&page2), vec![d.ids[2]]);
        assert_eq!(
            r.header("link"),
            "<http://127.0.0.1:8080/wp-json/wp/v2/posts?per_page=2&page=1>; rel=\"prev\""
        );
        let (status, past, _) = get_json(app, "/wp-json/wp/v2/posts?per_page=2&page=3").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(past["code"], "rest_post_invalid_page_number");

        let (status, one, r) = get_json(app, &format!("/wp-json/wp/v2/posts/{}", d.ids[1])).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(one["id"], d.ids[1]);
        assert!(r.header("link").contains("rel=\"alternate\""));
        for hidden in [d.draft, d.scheduled, 999_999] {
            let (status, e, _) = get_json(app, &format!("/wp-json/wp/v2/posts/{hidden}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "post {hidden}");
            assert_eq!(e["code"], "rest_post_invalid_id");
            assert_eq!(e["data"]["status"], 404);
        }
    }

    async fn collection_parameters_filter_sort_and_page_as_wordpress_does(app) {
        let d = desk(app).await;
        let list = |q: String| async move {
            let (status, body, r) = get_json(app, &format!("/wp-json/wp/v2/posts?{q}")).await;
            assert_eq!(status, StatusCode::OK, "{q}: {body}");
            (ids(&body), r.header("x-wp-total").to_string())
        };
        let (biz, markets, tag, author) = (d.n.business, d.n.markets, d.n.tag, d.n.author);
        assert_eq!(list(format!("categories={markets}")).await.0, vec![d.ids[2]]);
        assert_eq!(list(format!("categories_exclude={markets}")).await.0, d.ids[..2].to_vec());
        assert_eq!(list(format!("categories[]={biz}&categories[]={markets}")).await.0, d.ids);
        assert_eq!(list(format!("tags={tag}")).await.0, d.ids[..2].to_vec());
        assert_eq!(list(format!("tags_exclude={tag}")).await.0, vec![d.ids[2]]);
        assert_eq!(
            list(format!("categories={markets}&tags={tag}&tax_relation=OR")).await.0,
            d.ids
        );
        assert_eq!(list(format!("author={author}")).await.1, "3");
        assert_eq!(list(format!("author_exclude={author}")).await.0, Vec::<i64>::new());
        assert_eq!(list(format!("exclude={}", d.ids[0])).await.0, d.ids[1..].to_vec());
        let include = format!("include={},{},{}&orderby=include", d.ids[2], d.ids[0], d.draft);
        assert_eq!(list(include).await.0, vec![d.ids[2], d.ids[0]], "in the order named, drafts never");
        assert_eq!(list("order=asc".into()).await.0, vec![d.ids[2], d.ids[1], d.ids[0]]);
        assert_eq!(list("orderby=title&order=asc".into()).await.0, vec![d.ids[2], d.ids[0], d.ids[1]]);
        assert_eq!(list("offset=1&per_page=1".into()).await.0, vec![d.ids[1]]);
        assert_eq!(list("search=retail".into()).await.0, vec![d.ids[1]]);
        assert_eq!(list("search=pull%20quote&per_page=1".into()).await.1, "3", "bodies are searched");
        assert_eq!(list("slug=retail-slows".into()).await.0, vec![d.ids[1]]);
        let cut = START.plus_seconds(-3600 * 2 - 60).to_datetime().to_rfc3339();
        let cut = cut.replace('+', "%2B");
        assert_eq!(list(format!("after={cut}")).await.0, d.ids[..2].to_vec());
        assert_eq!(list(format!("before={cut}")).await.0, vec![d.ids[2]]);
        assert_eq!(list("sticky=true".into()).await.0, Vec::<i64>::new(), "nothing featured by hand yet");
        assert_eq!(list("sticky=false".into()).await.1, "3");
    }

    async fn bad_requests_get_wordpress_errors_never_a_server_error(app) {
        desk(app).await;
        let cases: &[(&str, u16, &str)] = &[
            ("/wp-json/wp/v2/posts?per_page=1000", 400, "rest_invalid_param"),
            ("/wp-json/wp/v2/posts?per_page=0", 400, "rest_invalid_param"),
            ("/wp-json/wp/v2/posts?page=0", 400, "rest_invalid_param"),
            ("/wp-json/wp/v2/posts?page=abc", 400, "rest_invalid_param"),
            ("/wp-json/wp/v2/posts?orderby=bogus&order=up", 400, "rest_invalid_param"),
            ("/wp-json/wp/v2/posts?after=yesterday", 400, "rest_invalid_param"),
            ("/wp-json/wp/v2/posts?categories=abc", 400, "rest_invalid_param"),
            ("/wp-json/wp/v2/posts?status=draft", 400, "rest_invalid_param"),
            ("/wp-json/wp/v2/posts?orderby=relevance", 400, "rest_no_search_term_defined"),
            ("/wp-json/wp/v2/posts?context=edit", 401, "rest_forbidden_context"),
            ("/wp-json/wp/v2/posts/abc", 404, "rest_post_invalid_id"),
            ("/wp-json/wp/v2/comments?status=hold", 401, "rest_forbidden_param"),
            ("/wp-json/wp/v2/users?who=authors", 401, "rest_forbidden_who"),
            ("/wp-json/wp/v2/users/me", 401, "rest_not_logged_in"),
            ("/wp-json/wp/v2/nothing-here", 404, "rest_no_route"),
            ("/wp-json/wp/v3/posts", 404, "rest_no_route"),
            ("/wp-json/wp/v2/types/nope", 404, "rest_type_invalid"),
            ("/wp-json/wp/v2/categories/99999", 404, "rest_term_invalid"),
            ("/wp-json/wp/v2/tags?page=9", 400, "rest_term_invalid_page_number"),
        ];
        for (path, status, code) in cases {
            let (got, body, _) = get_json(app, path).await;
            assert_eq!(got.as_u16(), *status, "{path}: {body}");
            assert_eq!(body["code"], *code, "{path}: {body}");
            assert_eq!(body["data"]["status"], *status, "{path}");
        }
        let (_, body, _) = get_json(app, "/wp-json/wp/v2/posts?per_page=1000&order=up").await;
        assert_eq!(body["message"], "Invalid parameter(s): per_page, order");
        assert_eq!(
            body["data"]["params"]["per_page"],
            "per_page must be between 1 (inclusive) and 100 (inclusive)"
        );
        let post = app
            .request(Request::post("/wp-json/wp/v2/posts").body(Body::from("{}")).unwrap())
            .await;
        assert_eq!(post.status, StatusCode::UNAUTHORIZED, "writing needs an application password");
        assert_eq!(json_of(&post)["code"], "rest_cannot_create");
    }

    async fn terms_authors_pages_media_and_search_show_only_what_readers_see(app) {
        let d = desk(app).await;
        let mut tx = app.db.begin().await.unwrap();
        let unpublished_author = broadsheet::articles::service::create_author_in(&mut tx, "Quiet Writer", "", None)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let (_, categories, r) = get_json(app, "/wp-json/wp/v2/categories").await;
        assert_eq!(r.header("x-wp-total"), "2");
        let business = categories.as_array().unwrap().iter().find(|c| c["id"] == d.n.business).unwrap();
        assert_eq!(business["count"], 2, "published stories only");
        assert_eq!(business["name"], "Business News");
        assert_eq!(business["taxonomy"], "category");
        assert_eq!(business["parent"], 0);
        let (_, of_post, _) = get_json(app, &format!("/wp-json/wp/v2/categories?post={}", d.ids[2])).await;
        assert_eq!(ids(&of_post), vec![d.n.markets]);
        let (_, tags, _) = get_json(app, &format!("/wp-json/wp/v2/tags?post={}", d.ids[0])).await;
        assert_eq!(ids(&tags), vec![d.n.tag]);
        assert!(tags[0].get("parent").is_none(), "tags are flat");
        let (_, hidden, _) = get_json(app, "/wp-json/wp/v2/categories?hide_empty=true&slug=markets").await;
        assert_eq!(ids(&hidden), vec![d.n.markets]);

        let (_, users, _) = get_json(app, "/wp-json/wp/v2/users").await;
        assert_eq!(ids(&users), vec![d.n.author], "authors without a published story stay private");
        assert!(users[0].get("email").is_none());
        let (status, _, _) = get_json(app, &format!("/wp-json/wp/v2/users/{unpublished_author}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let approved = add_comment(app, d.ids[0], None, "approved").await;
        let reply = add_comment(app, d.ids[0], Some(approved), "approved").await;
        add_comment(app, d.ids[0], None, "pending").await;
        add_comment(app, d.draft, None, "approved").await;
        let (_, list, r) = get_json(app, "/wp-json/wp/v2/comments").await;
        assert_eq!(r.header("x-wp-total"), "2", "held comments and drafts' comments stay out: {list}");
        let text = list.to_string();
        assert!(!text.contains("rita@readers.example") && !text.contains("203.0.113.9"), "{text}");
        let (_, top, _) = get_json(app, &format!("/wp-json/wp/v2/comments?post={}&parent=0", d.ids[0])).await;
        assert_eq!(ids(&top), vec![approved]);
        let (_, one, _) = get_json(app, &format!("/wp-json/wp/v2/comments/{reply}")).await;
        assert_eq!(one["parent"], approved);
        assert_eq!(one["status"], "approved");
        assert!(one["link"].as_str().unwrap().ends_with(&format!("#comment-{reply}")));

        let (_, pages, _) = get_json(app, "/wp-json/wp/v2/pages").await;
        assert_eq!(pages, serde_json::json!([]));
        let (_, media, r) = get_json(app, "/wp-json/wp/v2/media").await;
        assert_eq!((media, r.header("x-wp-total")), (serde_json::json!([]), "0"));

        let (_, found, _) = get_json(app, "/wp-json/wp/v2/search?search=retail").await;
        assert_eq!(ids(&found), vec![d.ids[1]]);
        assert_eq!(found[0]["subtype"], "post");
        let (_, terms, _) = get_json(app, "/wp-json/wp/v2/search?search=mark&type=term").await;
        let found: Vec<(i64, &str)> = terms
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["id"].as_i64().unwrap(), t["subtype"].as_str().unwrap()))
            .collect();
        assert!(found.contains(&(d.n.markets, "category")), "{terms}");
        assert!(found.iter().any(|(_, subtype)| *subtype == "post_tag"), "the Markets Data tag: {terms}");

        let (_, types, _) = get_json(app, "/wp-json/wp/v2/types").await;
        assert_eq!(types["post"]["rest_base"], "posts");
        let (_, taxonomies, _) = get_json(app, "/wp-json/wp/v2/taxonomies").await;
        assert_eq!(taxonomies["post_tag"]["rest_base"], "tags");
        let (_, statuses, _) = get_json(app, "/wp-json/wp/v2/statuses").await;
        assert_eq!(statuses["publish"]["public"], true);
    }

    async fn embed_and_fields_shape_the_answer_as_wordpress_does(app) {
        let d = desk(app).await;
        let approved = add_comment(app, d.ids[0], None, "approved").await;
        let (_, posts, _) = get_json(app, "/wp-json/wp/v2/posts?per_page=1&_embed").await;
        let embedded = &posts[0]["_embedded"];
        assert_eq!(embedded["author"][0]["id"], d.n.author);
        assert_eq!(embedded["author"][0]["name"], "Ada Reporter");
        assert!(embedded["author"][0].get("meta").is_none(), "embedded items are in the embed context");
        assert_eq!(ids(&embedded["wp:term"][0]), vec![d.n.business]);
        assert_eq!(ids(&embedded["wp:term"][1]), vec![d.n.tag]);
        assert_eq!(ids(&embedded["replies"][0]), vec![approved]);

        let (_, only_terms, _) = get_json(app, "/wp-json/wp/v2/posts?per_page=1&_embed=wp:term").await;
        assert!(only_terms[0]["_embedded"].get("author").is_none());
        assert!(only_terms[0]["_embedded"].get("wp:term").is_some());

        let (_, fields, _) = get_json(app, "/wp-json/wp/v2/posts?per_page=1&_fields=id,title.rendered").await;
        assert_eq!(
            fields,
            serde_json::json!([{"id": d.ids[0], "title": {"rendered": "Rates &amp; rents"}}])
        );

        // A list's embeds are read in bulk; each must be what its own route answers.
        let picture = broadsheet::media::service::upload(&app.db, &app.state.media, app.clock.now(), &crate::media::jpeg(320, 200), None)
            .await
            .unwrap();
        let mut with_lead = article(&d.n, "Pictured story");
        with_lead.lead_media_id = Some(picture);
        with_lead.lead_alt = "A pictured scene".into();
        publish(app, with_lead).await;
        let (_, listed, _) = get_json(app, "/wp-json/wp/v2/posts?per_page=5&_embed").await;
        let mut pictured = 0;
        for post in listed.as_array().unwrap() {
            let id = &post["id"];
            for (k, base) in ["categories", "tags"].iter().enumerate() {
                let (_, alone, _) = get_json(app, &format!("/wp-json/wp/v2/{base}?post={id}&context=embed&per_page=100")).await;
                assert_eq!(post["_embedded"]["wp:term"][k], alone, "{base} of {id}");
            }
            if let Some(media) = post["_embedded"].get("wp:featuredmedia") {
                let (_, alone, _) = get_json(app, &format!("/wp-json/wp/v2/media/{}?context=embed", post["featured_media"])).await;
                assert_eq!(media[0], alone);
                pictured += 1;
            }
        }
        assert_eq!(pictured, 1, "the pictured story embeds its picture");
    }

    async fn answers_are_cached_with_validators_and_follow_every_change(app) {
        let d = desk(app).await;
        let path = "/wp-json/wp/v2/posts?per_page=5&_embed=author";
        let first = app.get(path).await;
        let etag = first.header("etag").to_string();
        assert!(!etag.is_empty(), "answers carry a validator");
        assert!(first.header("cache-control").starts_with("public"));
        assert_eq!(first.header("access-control-allow-origin"), "*");
        let again = app.get_with(path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert_eq!(app.get(path).await.header("access-control-allow-origin"), "*", "kept with its headers");

        let newer = publish(app, article(&d.n, "Breaking: a fourth story")).await;
        let after = app.get(path).await;
        assert_eq!(after.status, StatusCode::OK);
        assert_eq!(ids(&json_of(&after))[0], newer, "a publication reaches the API at once");
        assert_ne!(after.header("etag"), etag);
        let head = app
            .request(Request::head(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(head.status, StatusCode::OK);
        assert_eq!(head.header("x-wp-total"), "4", "HEAD answers the same headers");
        let preflight = app
            .request(
                Request::options("/wp-json/wp/v2/comments")
                    .header("origin", "https://app.example")
                    .header("access-control-request-method", "POST")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(preflight.status, StatusCode::OK);
        assert_eq!(preflight.header("access-control-allow-origin"), "*");
        assert!(preflight.header("access-control-allow-methods").contains("POST"));
        let bad = app.get_with("/wp-json/wp/v2/posts?per_page=5&_embed=author", &[("authorization", "Basic eDp5")]).await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED, "wrong credentials are refused, not ignored");
        let user = app.add_user("ed@news.example", broadsheet::accounts::Role::Editor).await;
        let token = broadsheet::accounts::service::create_api_token(&app.db, &app.clock, user.id, "t").await.unwrap();
        let credentials = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("ed@news.example:{token}"));
        let signed = app.get_with("/wp-json/wp/v2/posts?per_page=5&_embed=author", &[("authorization", &format!("Basic {credentials}"))]).await;
        assert_eq!(signed.status, StatusCode::OK);
        assert_eq!(signed.header("cache-control"), "no-store, private", "a signed-in answer is never kept");
    }

    async fn apps_may_send_comments_only_when_the_site_allows_it_and_through_every_rule(app) {
        let d = desk(app).await;
        let send = |body: String, content_type: &'static str| async move {
            let r = app
                .request(
                    Request::post("/wp-json/wp/v2/comments")
                        .header("content-type", content_type)
                        .header("user-agent", "NewsApp/2.1")
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
            let body = json_of(&r);
            (r.status, body, r.header("location").to_string())
        };
        let json = |post: i64, name: &str, email: &str, content: &str| {
            serde_json::json!({"post": post, "author_name": name, "author_email": email,
                               "content": content}).to_string()
        };
        let good = json(d.ids[0], "Ann Appuser", "ann@readers.example", "Sent from the app.");
        let (status, e, _) = send(good.clone(), "application/json").await;
        assert_eq!((status, e["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("rest_comment_login_required")));

        let mut policy = broadsheet::comments::policy::load(&app.db).await.unwrap();
        policy.rest_anonymous = true;
        broadsheet::comments::policy::save(&app.db, &policy).await.unwrap();

        let (status, made, location) = send(good.clone(), "application/json").await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let id = made["id"].as_i64().unwrap();
        assert_eq!(location, format!("http://127.0.0.1:8080/wp-json/wp/v2/comments/{id}"));
        assert_eq!(made["status"], "hold", "a first comment waits for a moderator, as on the form");
        assert_eq!(made["author_name"], "Ann Appuser");
        assert!(made.get("author_email").is_none());
        let (_, listed, _) = get_json(app, &format!("/wp-json/wp/v2/comments?post={}", d.ids[0])).await;
        assert_eq!(listed, serde_json::json!([]), "held comments stay out of public lists");
        let stored: Vec<(String, String)> = app.rows("SELECT status, user_agent FROM comments").await;
        assert_eq!(stored, vec![("pending".to_string(), "NewsApp/2.1".to_string())]);

        let (status, e, _) = send(good, "application/json").await;
        assert_eq!((status, e["code"].as_str()), (StatusCode::CONFLICT, Some("comment_duplicate")));

        let cases: Vec<(String, &'static str, StatusCode, &str)> = vec![
            (json(d.ids[1], "", "x@readers.example", "Hello"), "application/json", StatusCode::BAD_REQUEST, "rest_comment_author_data_required"),
            (json(d.ids[1], "Bo", "bo@readers.example", "  "), "application/json", StatusCode::BAD_REQUEST, "rest_comment_content_invalid"),
            (json(d.ids[1], "Bo", "not-an-address", "Hello"), "application/json", StatusCode::BAD_REQUEST, "rest_invalid_param"),
            (json(d.draft, "Bo", "bo@readers.example", "Hello"), "application/json", StatusCode::FORBIDDEN, "rest_comment_invalid_post_id"),
            (json(999_999, "Bo", "bo@readers.example", "Hello"), "application/json", StatusCode::FORBIDDEN, "rest_comment_invalid_post_id"),
            (r#"{"post": "abc"}"#.to_string(), "application/json", StatusCode::BAD_REQUEST, "rest_invalid_param"),
            ("{not json".to_string(), "application/json", StatusCode::BAD_REQUEST, "rest_invalid_json"),
            (format!("{{\"post\": {}, \"author_name\": \"{}\", \"author_email\": \"bo@readers.example\", \"content\": \"Hi\"}}", d.ids[1], "N".repeat(300)), "application/json", StatusCode::BAD_REQUEST, "comment_author_column_length"),
        ];
        for (body, content_type, status, code) in cases {
            let (got, e, _) = send(body.clone(), content_type).await;
            assert_eq!((got, e["code"].as_str()), (status, Some(code)), "{body}: {e}");
        }

        let huge = json(d.ids[1], "Bo", "bo@readers.example", &"x".repeat(600 * 1024));
        let (status, e, _) = send(huge, "application/json").await;
        assert_eq!((status, e["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("rest_upload_too_large")));

        let form = format!(
            "post={}&author_name=Cy+Former&author_email=cy%40readers.example&content%5Braw%5D=By+form.",
            d.ids[1]
        );
        let (status, made, _) = send(form, "application/x-www-form-urlencoded").await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert!(made["content"]["rendered"].as_str().unwrap().contains("By form."));
        let (status, e, _) = send(json(d.ids[1], "Cy Former", "cy@readers.example", "Again, at once."), "application/json").await;
        assert_eq!((status, e["code"].as_str()), (StatusCode::BAD_REQUEST, Some("comment_flood")));
    }

    async fn the_index_describes_the_site_and_the_plain_form_answers_too(app) {
        let d = desk(app).await;
        let (status, index, _) = get_json(app, "/wp-json/").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(index["url"], "http://127.0.0.1:8080");
        assert_eq!(index["namespaces"], serde_json::json!(["wp/v2"]));
        assert!(index["routes"]["/wp/v2/posts"]["methods"].is_array());
        assert!(index["gmt_offset"].is_string());
        let (_, plain, _) = get_json(app, "/?rest_route=/wp/v2/posts&per_page=1").await;
        assert_eq!(ids(&plain), vec![d.ids[0]]);
        let (_, alias_index, _) = get_json(app, "/?rest_route=/").await;
        assert_eq!(alias_index["namespaces"], index["namespaces"]);
        let home = app.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "the home page is not taken by the alias");
        assert_eq!(home.header("link"), "<http://127.0.0.1:8080/wp-json/>; rel=\"https://api.w.org/\"");
        assert!(home.text().contains(r#"<link rel="https://api.w.org/" href="/wp-json/">"#));
    }
}
