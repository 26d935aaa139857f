//! Signed-in WordPress API requests on both engines: application passwords (a personal access
//! token, with the account's email, over HTTP Basic), reads of drafts with `context=edit`, and
//! writes of posts, pages, categories, tags and media — each decided by the role table exactly
//! as in the admin.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use broadsheet::accounts::Role;
use broadsheet::accounts::service::{self as accounts, User};
use serde_json::{Value, json};

use crate::db_tests;
use crate::media::jpeg;
use crate::support::builders::{Newsroom, newsroom};
use crate::support::{TestApp, TestResponse};

struct Writer {
    user: User,
    basic: String,
}

async fn writer(app: &TestApp, email: &str, role: Role) -> Writer {
    let user = app.add_user(email, role).await;
    let token = accounts::create_api_token(&app.db, &app.clock, user.id, "wordpress tool")
        .await
        .unwrap();
    // WordPress shows application passwords in groups of four; clients send them either way.
    let spaced: String = token
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    Writer {
        basic: basic(email, &spaced),
        user,
    }
}

fn basic(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value, TestResponse) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let r = app.request(request.body(body).unwrap()).await;
    let value = serde_json::from_slice(&r.bytes).unwrap_or(Value::Null);
    (r.status, value, r)
}

async fn newsroom_with_author(app: &TestApp) -> Newsroom {
    newsroom(app).await
}

db_tests! {
    async fn application_passwords_sign_in_and_wrong_ones_are_refused_then_limited(app) {
        newsroom_with_author(app).await;
        let ed = writer(app, "ed@news.example", Role::Editor).await;
        let (status, drafts, r) = send(app, "GET", "/wp-json/wp/v2/posts?status=draft", Some(&ed.basic), None).await;
        assert_eq!(status, StatusCode::OK, "{drafts}");
        assert_eq!(drafts, json!([]));
        assert_eq!(r.header("cache-control"), "no-store, private", "a signed-in answer is never kept");
        assert_eq!(r.header("x-wp-total"), "0");

        // A tool may send many signed-in requests at once: right passwords are never counted.
        let paths: Vec<String> = (0..40).map(|n| format!("/wp-json/wp/v2/posts?status=draft&page={}", n % 3 + 1)).collect();
        let many = paths.iter().map(|p| send(app, "GET", p, Some(&ed.basic), None));
        for (status, body, _) in futures_util::future::join_all(many).await {
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let token = accounts::create_api_token(&app.db, &app.clock, ed.user.id, "other").await.unwrap();
        let wrong = [
            basic("ed@news.example", "bst_not-a-token"),
            basic("someone@news.example", &token),
            "Basic !!!".to_string(),
            basic("ed@news.example", ""),
        ];
        for auth in &wrong {
            let (status, body, _) = send(app, "GET", "/wp-json/wp/v2/posts", Some(auth), None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth}: {body}");
            assert_eq!(body["code"], "incorrect_password", "one answer for every mismatch: {body}");
        }
        let (status, _, _) = send(app, "GET", "/wp-json/wp/v2/posts", Some(&basic("ED@news.example", &token)), None).await;
        assert_eq!(status, StatusCode::OK, "the address is matched as sign-in matches it");
        for _ in 0..20 {
            send(app, "GET", "/wp-json/wp/v2/posts", Some(&wrong[0]), None).await;
        }
        let (status, body, _) = send(app, "GET", "/wp-json/wp/v2/posts", Some(&wrong[0]), None).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(body["code"], "rest_too_many_requests");

        let (status, body, _) = send(app, "POST", "/wp-json/wp/v2/posts", None, Some(json!({"title": "Anon"}))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["code"], "rest_cannot_create");
    }

    async fn posts_are_written_through_the_workflow_and_the_role_table(app) {
        let n = newsroom_with_author(app).await;
        let ed = writer(app, "ed@news.example", Role::Editor).await;
        let au = writer(app, "au@news.example", Role::Author).await;
        let co = writer(app, "co@news.example", Role::Contributor).await;
        accounts::set_author_profile(&app.db, &app.clock, au.user.id, Some(n.author)).await.unwrap();

        let (status, post, r) = send(app, "POST", "/wp-json/wp/v2/posts", Some(&ed.basic), Some(json!({
            "title": "Council approves the budget",
            "content": "<p>The council voted <script>x()</script>7 to 2.</p>",
            "excerpt": "A close vote.",
            "status": "publish",
            "categories": [n.business],
            "tags": [n.tag],
            "author": n.author,
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
        let id = post["id"].as_i64().unwrap();
        assert_eq!(r.header("location"), format!("http://127.0.0.1:8080/wp-json/wp/v2/posts/{id}"));
        assert_eq!(post["status"], "publish");
        assert_eq!(post["title"]["raw"], "Council approves the budget");
        assert!(!post["content"]["raw"].as_str().unwrap().contains("script"), "sanitised like every body");
        assert_eq!(post["categories"], json!([n.business]));
        let public = app.get(&format!("/wp-json/wp/v2/posts/{id}")).await;
        assert_eq!(public.status, StatusCode::OK, "published for readers");
        let link = post["link"].as_str().unwrap().trim_start_matches("http://127.0.0.1:8080").to_string();
        assert_eq!(app.get(&link).await.status, StatusCode::OK);

        // An author writes a draft under their own byline, and may not touch the editor's story.
        let (status, draft, _) = send(app, "POST", "/wp-json/wp/v2/posts", Some(&au.basic), Some(json!({
            "title": "My draft", "content": "<p>Words.</p>",
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        assert_eq!(draft["status"], "draft");
        assert_eq!(draft["author"], n.author, "credited to the writer's own profile");
        let draft_id = draft["id"].as_i64().unwrap();
        assert_eq!(app.get(&format!("/wp-json/wp/v2/posts/{draft_id}")).await.status, StatusCode::NOT_FOUND, "drafts stay private");
        let (status, body, _) = send(app, "POST", &format!("/wp-json/wp/v2/posts/{id}"), Some(&au.basic), Some(json!({"title": "Mine now"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], "rest_cannot_edit");
        let (status, read, _) = send(app, "GET", &format!("/wp-json/wp/v2/posts/{draft_id}?context=edit"), Some(&au.basic), None).await;
        assert_eq!(status, StatusCode::OK, "{read}");
        assert_eq!(read["content"]["raw"].as_str().unwrap().trim(), "<p>Words.</p>");
        let (_, listed, _) = send(app, "GET", "/wp-json/wp/v2/posts?status=draft", Some(&au.basic), None).await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
        let (status, published, _) = send(app, "PUT", &format!("/wp-json/wp/v2/posts/{draft_id}"), Some(&au.basic), Some(json!({"status": "publish"}))).await;
        assert_eq!(status, StatusCode::OK, "an author publishes their own: {published}");
        assert_eq!(published["status"], "publish");

        // A contributor submits for review; publishing is not theirs to do.
        let (status, body, _) = send(app, "POST", "/wp-json/wp/v2/posts", Some(&co.basic), Some(json!({
            "title": "Straight to print", "content": "<p>Now.</p>", "status": "publish",
        }))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], "rest_cannot_create");
        let (status, pending, _) = send(app, "POST", "/wp-json/wp/v2/posts", Some(&co.basic), Some(json!({
            "title": "For review", "content": "<p>Please.</p>", "status": "pending",
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{pending}");
        assert_eq!(pending["status"], "pending");
        let (status, body, _) = send(app, "PATCH", &format!("/wp-json/wp/v2/posts/{id}"), Some(&co.basic), Some(json!({"author": n.author}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        let future = (app.clock.now().plus_seconds(86_400)).to_datetime().format("%Y-%m-%dT%H:%M:%S").to_string();
        let (status, scheduled, _) = send(app, "POST", "/wp-json/wp/v2/posts", Some(&ed.basic), Some(json!({
            "title": "Tomorrow's story", "content": "<p>Later.</p>", "status": "future", "date_gmt": future,
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{scheduled}");
        assert_eq!(scheduled["status"], "future");
        assert_eq!(scheduled["date_gmt"], future);

        let bad: &[(Value, &str)] = &[
            (json!({"title": "Two", "categories": [n.business, n.markets]}), "categories"),
            (json!({"title": "Private", "status": "private"}), "status"),
            (json!({"title": "Odd", "status": "sideways"}), "status"),
            (json!({"title": "Locked", "password": "secret"}), "password"),
            (json!({"title": "When", "date": "yesterday"}), "date"),
            (json!({"title": "Tags", "tags": ["x"]}), "tags"),
            (json!({"title": ""}), "title"),
        ];
        for (body, param) in bad {
            let (status, answer, _) = send(app, "POST", "/wp-json/wp/v2/posts", Some(&ed.basic), Some(body.clone())).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
            assert_eq!(answer["code"], "rest_invalid_param", "{body}: {answer}");
            assert!(answer["data"]["params"][param].is_string(), "{body} names {param}: {answer}");
        }
        let broken = app.request(Request::builder().method("POST").uri("/wp-json/wp/v2/posts")
            .header("authorization", &ed.basic).header("content-type", "application/json")
            .body(Body::from("{\"title\": ")).unwrap()).await;
        assert_eq!(broken.status, StatusCode::BAD_REQUEST);
        assert!(broken.text().contains("rest_invalid_json"));
        let (status, _, _) = send(app, "POST", "/wp-json/wp/v2/posts/999999", Some(&ed.basic), Some(json!({"title": "x"}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let huge = json!({"title": "Huge", "content": "x".repeat(3 * 1024 * 1024)});
        let (status, body, _) = send(app, "POST", "/wp-json/wp/v2/posts", Some(&ed.basic), Some(huge)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert_eq!(body["code"], "rest_upload_too_large");
    }

    async fn pages_terms_and_media_are_written_by_those_allowed(app) {
        let n = newsroom_with_author(app).await;
        let ed = writer(app, "ed@news.example", Role::Editor).await;
        let au = writer(app, "au@news.example", Role::Author).await;
        let co = writer(app, "co@news.example", Role::Contributor).await;

        let (status, page, _) = send(app, "POST", "/wp-json/wp/v2/pages", Some(&ed.basic), Some(json!({
            "title": "Corrections", "content": "<p>We fix mistakes.</p>", "status": "publish",
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{page}");
        assert_eq!(page["status"], "publish");
        assert_eq!(app.get("/corrections").await.status, StatusCode::OK);
        let page_id = page["id"].as_i64().unwrap();
        let (status, updated, _) = send(app, "POST", &format!("/wp-json/wp/v2/pages/{page_id}"), Some(&ed.basic), Some(json!({"title": "Corrections and clarifications"}))).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["title"]["raw"], "Corrections and clarifications");
        let (status, body, _) = send(app, "POST", "/wp-json/wp/v2/pages", Some(&au.basic), Some(json!({"title": "Mine"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], "rest_cannot_create");

        let (status, section, _) = send(app, "POST", "/wp-json/wp/v2/categories", Some(&ed.basic), Some(json!({
            "name": "Climate", "description": "Weather and policy.", "parent": n.business,
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{section}");
        assert_eq!(section["slug"], "climate");
        assert_eq!(section["parent"], n.business);
        let section_id = section["id"].as_i64().unwrap();
        let (status, renamed, _) = send(app, "POST", &format!("/wp-json/wp/v2/categories/{section_id}"), Some(&ed.basic), Some(json!({"name": "Climate Desk"}))).await;
        assert_eq!(status, StatusCode::OK, "{renamed}");
        assert_eq!(renamed["name"], "Climate Desk");
        assert_eq!(renamed["description"], "Weather and policy.", "fields not sent are kept");
        let (status, tag, _) = send(app, "POST", "/wp-json/wp/v2/tags", Some(&ed.basic), Some(json!({"name": "Heatwaves"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{tag}");
        assert_eq!(tag["slug"], "heatwaves");
        let (status, body, _) = send(app, "POST", "/wp-json/wp/v2/tags", Some(&au.basic), Some(json!({"name": "Mine"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], "rest_cannot_create");
        let (status, body, _) = send(app, "POST", "/wp-json/wp/v2/tags", Some(&ed.basic), Some(json!({}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "rest_missing_callback_param");

        let upload = |auth: String, bytes: Vec<u8>| {
            app.request(Request::builder().method("POST").uri("/wp-json/wp/v2/media?alt_text=A%20test%20card")
                .header("authorization", auth)
                .header("content-type", "image/jpeg")
                .header("content-disposition", "attachment; filename=card.jpg")
                .body(Body::from(bytes)).unwrap())
        };
        let made = upload(au.basic.clone(), jpeg(640, 480)).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let item: Value = serde_json::from_slice(&made.bytes).unwrap();
        assert_eq!(item["media_type"], "image");
        assert_eq!(item["media_details"]["width"], 640);
        assert_eq!(item["alt_text"], "A test card");
        assert!(made.header("location").ends_with(&format!("/wp-json/wp/v2/media/{}", item["id"])));
        let refused = upload(co.basic.clone(), jpeg(64, 64)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "contributors do not upload");
        let not_an_image = upload(au.basic.clone(), b"hello".to_vec()).await;
        assert_eq!(not_an_image.status, StatusCode::BAD_REQUEST, "{}", not_an_image.text());

        // The picture leads a story written through the API.
        let (status, post, _) = send(app, "POST", "/wp-json/wp/v2/posts", Some(&ed.basic), Some(json!({
            "title": "Heat records fall", "content": "<p>Hot.</p>", "status": "publish",
            "categories": [section_id], "featured_media": item["id"],
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
        assert_eq!(post["featured_media"], item["id"]);
        let public = app.get(&format!("/wp-json/wp/v2/media/{}", item["id"])).await;
        assert_eq!(public.status, StatusCode::OK, "now public, as a published lead");
    }
}
