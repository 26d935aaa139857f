//! The JSON Admin API: tokens, CRUD, the error envelope for every kind of bad input, roles, and
//! an OpenAPI document that matches the routes.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use broadsheet::accounts::Role;
use broadsheet::accounts::service as accounts;
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::builders::newsroom;
use crate::support::{TestApp, TestResponse};

async fn token_for(app: &TestApp, email: &str, role: Role) -> String {
    let user = app.add_user(email, role).await;
    accounts::create_api_token(&app.db, &app.clock, user.id, "tests")
        .await
        .unwrap()
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> TestResponse {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        builder = builder.header("authorization", format!("Bearer {t}"));
    }
    let body = match body {
        Some(b) => {
            builder = builder.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    app.request(builder.body(body).unwrap()).await
}

fn json_of(r: &TestResponse) -> Value {
    serde_json::from_slice(&r.bytes)
        .unwrap_or_else(|_| panic!("not JSON ({}): {}", r.status, r.text()))
}

fn error_code(r: &TestResponse) -> String {
    json_of(r)["error"]["code"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

db_tests! {
    async fn bodies_go_in_as_html_or_markdown_and_come_out_as_both(app) {
        let n = newsroom(app).await;
        let token = token_for(app, "editor@news.example", Role::Editor).await;
        let t = Some(token.as_str());
        let every = include_str!("../fixtures/body-every-element.html");
        let created = call(app, "POST", "/api/v1/articles", t, Some(&json!({
            "headline": "Every element", "section_id": n.business, "body_html": every,
        }).to_string())).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let article = json_of(&created);
        assert_eq!(article["body_html"], every, "model → HTML → model changes nothing");
        let markdown = article["body_markdown"].as_str().unwrap().to_string();
        assert!(markdown.contains("## Subhead\n"), "{markdown}");
        let id = article["id"].as_i64().unwrap();

        let through_markdown = call(app, "PATCH", &format!("/api/v1/articles/{id}"), t, Some(&json!({"body_markdown": markdown}).to_string())).await;
        assert_eq!(through_markdown.status, StatusCode::OK, "{}", through_markdown.text());
        assert_eq!(json_of(&through_markdown)["body_html"], every, "and through Markdown neither");

        let both = call(app, "PATCH", &format!("/api/v1/articles/{id}"), t, Some(&json!({"body_markdown": "a", "body_html": "<p>b</p>"}).to_string())).await;
        assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_code(&both), "invalid");

        let hostile = crate::comments::xss_vectors().join("\n");
        let sent = call(app, "PATCH", &format!("/api/v1/articles/{id}"), t, Some(&json!({"body_html": hostile}).to_string())).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        let stored = json_of(&sent)["body_html"].as_str().unwrap().to_ascii_lowercase();
        for needle in ["<script", "=\"javascript:", " onerror", " onload", "<iframe", "<svg", "style="] {
            assert!(!stored.contains(needle), "{needle} kept: {stored}");
        }
    }

    async fn articles_are_created_read_updated_and_deleted(app) {
        let n = newsroom(app).await;
        let token = token_for(app, "editor@news.example", Role::Editor).await;
        let t = Some(token.as_str());
        let created = call(app, "POST", "/api/v1/articles", t, Some(&json!({
            "headline": "API story", "section_id": n.business, "body_markdown": "Hello", "tags": ["Retail", "Wires"],
            "author_ids": [n.author], "status": "published", "published_at": "2026-06-15T10:00:00Z"
        }).to_string())).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let article = json_of(&created);
        let id = article["id"].as_i64().unwrap();
        assert_eq!(article["slug"], "api-story");
        assert_eq!(article["tag_ids"].as_array().unwrap().len(), 2);
        assert_eq!(article["url"], "http://127.0.0.1:8080/business-news/2026/06/api-story");
        assert_eq!(app.get("/business-news/2026/06/api-story").await.status, StatusCode::OK);

        let read = call(app, "GET", &format!("/api/v1/articles/{id}"), t, None).await;
        assert_eq!(json_of(&read)["headline"], "API story");
        let version = json_of(&read)["version"].as_i64().unwrap();

        app.clock.advance_seconds(5);
        let patched = call(app, "PATCH", &format!("/api/v1/articles/{id}"), t, Some(&json!({"standfirst": "Now with a standfirst", "version": version}).to_string())).await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.text());
        assert_eq!(json_of(&patched)["headline"], "API story", "absent fields keep their value");
        let stale = call(app, "PATCH", &format!("/api/v1/articles/{id}"), t, Some(&json!({"standfirst": "Stale", "version": version}).to_string())).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert_eq!(error_code(&stale), "edit_conflict");

        let listed = call(app, "GET", "/api/v1/articles?status=published&per_page=5", t, None).await;
        let page = json_of(&listed);
        assert_eq!(page["total"], 1);
        assert_eq!(page["data"][0]["id"], id);
        let none = json_of(&call(app, "GET", "/api/v1/articles?q=nothing-like-this", t, None).await);
        assert_eq!(none["total"], 0);

        assert_eq!(call(app, "DELETE", &format!("/api/v1/articles/{id}"), t, None).await.status, StatusCode::NO_CONTENT);
        let gone = call(app, "GET", &format!("/api/v1/articles/{id}"), t, None).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(error_code(&gone), "not_found");
        assert_eq!(app.get("/business-news/2026/06/api-story").await.status, StatusCode::NOT_FOUND);
    }

    async fn bad_input_gets_the_error_envelope(app) {
        let n = newsroom(app).await;
        let token = token_for(app, "editor@news.example", Role::Editor).await;
        let t = Some(token.as_str());
        let cases: Vec<(&str, &str, Option<String>, StatusCode, &str)> = vec![
            ("POST", "/api/v1/articles", Some(json!({"headline": 5, "section_id": n.business}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ("POST", "/api/v1/articles", Some(json!({"section_id": n.business}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ("POST", "/api/v1/articles", Some(json!({"headline": "x", "section_id": n.business, "colour": "red"}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ("POST", "/api/v1/articles", Some("{not json".to_string()), StatusCode::BAD_REQUEST, "bad_request"),
            ("POST", "/api/v1/articles", Some(json!({"headline": "x", "section_id": 99999}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ("POST", "/api/v1/articles", Some(format!("{{\"headline\": \"{}\"}}", "x".repeat(3 * 1024 * 1024))), StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ("GET", "/api/v1/articles/999999", None, StatusCode::NOT_FOUND, "not_found"),
            ("GET", "/api/v1/articles/abc", None, StatusCode::NOT_FOUND, "not_found"),
            ("GET", "/api/v1/articles?page=0", None, StatusCode::BAD_REQUEST, "bad_request"),
            ("GET", "/api/v1/articles?per_page=many", None, StatusCode::BAD_REQUEST, "bad_request"),
            ("GET", "/api/v1/nothing-here", None, StatusCode::NOT_FOUND, "not_found"),
            ("PATCH", "/api/v1/sections/999999", Some(json!({"name": "x"}).to_string()), StatusCode::NOT_FOUND, "not_found"),
            ("POST", "/api/v1/tags", Some(json!({}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        ];
        for (method, path, body, status, code) in cases {
            let r = call(app, method, path, t, body.as_deref()).await;
            assert_eq!(r.status, status, "{method} {path}: {}", r.text());
            assert_eq!(error_code(&r), code, "{method} {path}");
            assert!(json_of(&r)["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        let no_token = call(app, "GET", "/api/v1/articles", None, None).await;
        assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&no_token), "unauthorized");
        let wrong = call(app, "GET", "/api/v1/articles", Some("bst_0000"), None).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(broadsheet::articles::service::count_articles(&app.db).await.unwrap(), 0, "nothing was written");
    }

    async fn tokens_act_with_their_owners_role(app) {
        let n = newsroom(app).await;
        let contributor = token_for(app, "contributor@news.example", Role::Contributor).await;
        let editor = token_for(app, "editor@news.example", Role::Editor).await;
        let c = Some(contributor.as_str());
        let publish = call(app, "POST", "/api/v1/articles", c, Some(&json!({"headline": "Eager", "section_id": n.business, "status": "published"}).to_string())).await;
        assert_eq!(publish.status, StatusCode::FORBIDDEN);
        let draft = call(app, "POST", "/api/v1/articles", c, Some(&json!({"headline": "Patient", "section_id": n.business}).to_string())).await;
        assert_eq!(draft.status, StatusCode::CREATED);
        assert_eq!(call(app, "POST", "/api/v1/sections", c, Some(&json!({"name": "Contrib"}).to_string())).await.status, StatusCode::FORBIDDEN);
        let e = Some(editor.as_str());
        let section = call(app, "POST", "/api/v1/sections", e, Some(&json!({"name": "Wires", "description": "Agency copy"}).to_string())).await;
        assert_eq!(section.status, StatusCode::CREATED, "{}", section.text());
        let section_id = json_of(&section)["id"].as_i64().unwrap();
        let renamed = call(app, "PATCH", &format!("/api/v1/sections/{section_id}"), e, Some(&json!({"name": "Wire copy"}).to_string())).await;
        assert_eq!(json_of(&renamed)["name"], "Wire copy");
        assert_eq!(json_of(&renamed)["slug"], "wires");
        assert_eq!(call(app, "DELETE", &format!("/api/v1/sections/{section_id}"), e, None).await.status, StatusCode::NO_CONTENT);
        let author = call(app, "POST", "/api/v1/authors", e, Some(&json!({"name": "Cy Wire", "bio": "Agency"}).to_string())).await;
        assert_eq!(author.status, StatusCode::CREATED);
        let tag = call(app, "POST", "/api/v1/tags", e, Some(&json!({"name": "Breaking"}).to_string())).await;
        assert_eq!(json_of(&tag)["slug"], "breaking");

        // Revoked tokens stop working at once.
        let owner = accounts::user_by_email(&app.db, "editor@news.example").await.unwrap();
        let listed = accounts::api_tokens(&app.db, owner.id).await.unwrap();
        assert!(listed[0].last_used_at.is_some());
        accounts::revoke_api_token(&app.db, &app.clock, owner.id, listed[0].id).await.unwrap();
        assert_eq!(call(app, "GET", "/api/v1/tags", e, None).await.status, StatusCode::UNAUTHORIZED);
    }

    async fn tokens_are_created_once_in_the_admin(app) {
        app.add_user("author@news.example", Role::Author).await;
        let browser = app.sign_in("author@news.example").await;
        let page = app.post_as("/admin/account/tokens", &browser, &[("name", "wire importer")]).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        let token = html.split("<code class=\"token\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        assert!(token.starts_with("bst_"));
        assert_eq!(call(app, "GET", "/api/v1/tags", Some(&token), None).await.status, StatusCode::OK);
        let again = app.get_as("/admin/account", &browser).await.text();
        assert!(again.contains("wire importer") && !again.contains(&token), "shown once only");
    }

    async fn media_through_the_api(app) {
        let token = token_for(app, "author@news.example", Role::Author).await;
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 80).encode(&[200u8; 16 * 16 * 3], 16, 16, jpeg_encoder::ColorType::Rgb).unwrap();
        let boundary = "B0UNDARY";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nA grey square\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"\r\n\r\n").into_bytes();
        body.extend_from_slice(&jpeg);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let uploaded = app.request(
            Request::post("/api/v1/media")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(Body::from(body))
                .unwrap(),
        ).await;
        assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text());
        let item = json_of(&uploaded);
        assert_eq!((item["width"].as_i64(), item["alt"].as_str()), (Some(16), Some("A grey square")));
        let id = item["id"].as_i64().unwrap();
        let t = Some(token.as_str());
        let patched = call(app, "PATCH", &format!("/api/v1/media/{id}"), t, Some(&json!({"credit": "Test Desk", "focal_x": 100}).to_string())).await;
        assert_eq!(json_of(&patched)["credit"], "Test Desk");
        let bad = call(app, "PATCH", &format!("/api/v1/media/{id}"), t, Some(&json!({"focal_x": 5000}).to_string())).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let listed = json_of(&call(app, "GET", "/api/v1/media?q=grey", t, None).await);
        assert_eq!(listed["data"][0]["id"], id);
        assert_eq!(call(app, "DELETE", &format!("/api/v1/media/{id}"), t, None).await.status, StatusCode::NO_CONTENT);
    }

    async fn the_openapi_document_matches_the_routes(app) {
        newsroom(app).await;
        let token = token_for(app, "admin@news.example", Role::Administrator).await;
        let doc = call(app, "GET", "/api/v1/openapi.json", None, None).await;
        assert_eq!(doc.status, StatusCode::OK);
        let doc = json_of(&doc);
        assert_eq!(doc["openapi"], "3.1.0");
        let described: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
        let mut served: Vec<String> = broadsheet::api::PATHS.iter().map(|p| p.to_string()).collect();
        served.push(broadsheet::api::UPLOAD_PATH.to_string());
        for path in &served {
            assert!(described.contains(path), "{path} is served but not described");
        }
        for path in &described {
            assert!(served.contains(path), "{path} is described but not served");
            for (method, _) in doc["paths"][path].as_object().unwrap().iter().filter(|(m, _)| *m != "parameters") {
                let concrete = path.replace("{id}", "999999");
                let body = matches!(method.as_str(), "post" | "patch").then_some("{}");
                let r = call(app, &method.to_uppercase(), &concrete, Some(&token), body).await;
                assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is described but not routed");
                let unknown_route = r.status == StatusCode::NOT_FOUND && r.text().contains("no such API endpoint");
                assert!(!unknown_route, "{method} {path} is described but not routed");
            }
        }
    }
}
