//! Posting comments the way a reader's browser does: a form stamp fetched as the page's script
//! would, half a minute of typing on the fixed clock, then the form from a given address.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;

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

impl TestApp {
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
        let mut request = builder.body(Body::from(form_body(fields))).unwrap();
        if let Ok(ip) = ip.parse::<std::net::IpAddr>() {
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::new(ip, 50_000)));
        }
        self.request(request).await
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
        let stamp = self.form_stamp().await;
        self.clock.advance_seconds(30);
        let article = c.article_id.to_string();
        let parent = c.parent_id.to_string();
        let mut fields = vec![
            ("comment_post_ID", article.as_str()),
            ("comment_parent", parent.as_str()),
            ("author", c.name),
            ("email", c.email),
            ("url", ""),
            ("comment", c.body),
            ("form_stamp", stamp.as_str()),
            ("phone", ""),
        ];
        for (k, v) in &c.fields {
            fields.retain(|(name, _)| name != k);
            fields.push((k, v));
        }
        self.post_from(path, c.ip, &fields, headers).await
    }
}

/// The comment id a redirect after posting points at.
pub fn posted_id(location: &str) -> i64 {
    location
        .rsplit("#comment-")
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no comment anchor in {location:?}"))
}
