//! Posting comments the way a reader's browser does: a form stamp fetched as the page's script
//! would, half a minute of typing on the fixed clock, then the form from a given address.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;

use broadsheet::accounts::{self, Role};
use broadsheet::comments::moderation;
use tower::ServiceExt;

use super::admin::form_body;
use super::{TestApp, TestResponse};

/// A reader's comment; `fields` overrides or adds form fields.
pub struct Comment<'a> {
    pub article_id: i64,
    pub parent_id: i64,
    pub name: &'a str,
    pub email: &'a str,
    pub body: &'a str,
    pub ip: &'a str,
    pub fields: Vec<(&'a str, &'a str)>,
}

impl<'a> Comment<'a> {
    pub fn new(article_id: i64, name: &'a str, email: &'a str, body: &'a str) -> Self {
        Comment {
            article_id,
            parent_id: 0,
            name,
            email,
            body,
            ip: "203.0.113.7",
            fields: Vec::new(),
        }
    }
}

/// The moderator [`TestApp::approve_comment`] acts as.
const MODERATOR: &str = "chief@news.example";

impl TestApp {
    /// Approves comment `id` as a moderator does from the queue (one is added on first use).
    pub async fn approve_comment(&self, id: i64) {
        let moderator = match accounts::service::user_by_email(&self.db, MODERATOR).await {
            Ok(user) => user,
            Err(_) => self.add_user(MODERATOR, Role::Administrator).await,
        };
        let approve = moderation::Action::Approve;
        moderation::apply(
            &self.db,
            &self.clock,
            chrono_tz::UTC,
            &moderator,
            &[id],
            approve,
        )
        .await
        .expect("the comment is approved");
    }

    pub async fn form_stamp(&self) -> String {
        let r = self.get("/comments/stamp").await;
        assert_eq!(r.status, 200);
        let v: serde_json::Value = serde_json::from_slice(&r.bytes).unwrap();
        v["stamp"].as_str().unwrap().to_string()
    }

    /// Posts to `path` from `ip` with a browser's headers plus `headers`.
    pub async fn post_from(
        &self,
        path: &str,
        ip: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> TestResponse {
        self.request(form_from(path, ip, fields, headers)).await
    }

    /// Sends every request at once, each on a task of its own; the statuses in request order.
    pub async fn in_parallel(&self, requests: Vec<Request<Body>>) -> Vec<u16> {
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|r| {
                let router = self.router.clone();
                tokio::spawn(async move { router.oneshot(r).await.map(|r| r.status().as_u16()) })
            })
            .collect();
        let mut statuses = Vec::with_capacity(tasks.len());
        for task in tasks {
            statuses.push(
                task.await
                    .expect("the task ends")
                    .expect("the router answers"),
            );
        }
        statuses
    }

    /// A comment's form fields, with a stamp fetched now and half a minute of typing.
    pub async fn comment_fields(&self, c: &Comment<'_>) -> Vec<(String, String)> {
        let stamp = self.form_stamp().await;
        self.clock.advance_seconds(30);
        let mut fields = vec![
            ("comment_post_ID", c.article_id.to_string()),
            ("comment_parent", c.parent_id.to_string()),
            ("author", c.name.to_string()),
            ("email", c.email.to_string()),
            ("url", String::new()),
            ("comment", c.body.to_string()),
            ("form_stamp", stamp),
            ("phone", String::new()),
        ];
        for (k, v) in &c.fields {
            fields.retain(|(name, _)| name != k);
            fields.push((k, v.to_string()));
        }
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }

    /// Fetches a stamp, lets 30 seconds pass, and posts the comment to `/comments`.
    pub async fn comment(&self, c: &Comment<'_>) -> TestResponse {
        self.comment_to("/comments", c, &[]).await
    }

    pub async fn comment_to(
        &self,
        path: &str,
        c: &Comment<'_>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let fields = self.comment_fields(c).await;
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post_from(path, c.ip, &pairs, headers).await
    }
}

/// A form posted to `path` from `ip` with a browser's headers plus `headers`.
pub fn form_from(
    path: &str,
    ip: &str,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Request<Body> {
    let mut builder = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "news.example")
        .header(
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        )
        .header("accept-language", "en-GB")
        .header("referer", "http://news.example/");
    let overridden = |name: &str| headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(name));
    if !overridden("origin") {
        builder = builder.header("origin", "http://news.example");
    }
    if !overridden("sec-fetch-site") {
        builder = builder.header("sec-fetch-site", "same-origin");
    }
    for (name, value) in headers {
        if !value.is_empty() {
            builder = builder.header(*name, *value);
        }
    }
    let mut request = builder
        .body(Body::from(form_body(fields)))
        .expect("a request");
    if let Ok(ip) = ip.parse::<std::net::IpAddr>() {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 50_000)));
    }
    request
}

/// The comment id a redirect after posting points at.
pub fn posted_id(location: &str) -> i64 {
    location
        .rsplit("#comment-")
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no comment anchor in {location:?}"))
}
