//! Signing in through the real login form, and posting admin forms with the session's token.

use axum::body::Body;
use axum::http::Request;
use broadsheet::accounts::Role;
use broadsheet::accounts::service::{self as accounts, NewAccount, User};

use super::{TestApp, TestResponse};

pub const PASSWORD: &str = "plum orchard at dusk";

/// A signed-in browser: its cookie and the CSRF token of its forms.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

impl TestApp {
    pub async fn add_user(&self, email: &str, role: Role) -> User {
        accounts::create_user(
            &self.db,
            &self.clock,
            NewAccount {
                email: email.into(),
                name: format!("{} person", role.as_str()),
                role,
                password: Some(PASSWORD.into()),
            },
        )
        .await
        .expect("user is created")
    }

    pub async fn post_form(
        &self,
        path: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let mut builder = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("host", "news.example")
            .header("origin", "http://news.example")
            .header("sec-fetch-site", "same-origin");
        if let Some(c) = cookie {
            builder = builder.header("cookie", c);
        }
        self.request(builder.body(Body::from(form_body(fields))).unwrap())
            .await
    }

    pub async fn get_as(&self, path: &str, browser: &Browser) -> TestResponse {
        self.get_with(path, &[("cookie", &browser.cookie)]).await
    }

    /// Signs in through `/admin/login`, then reads a CSRF token from the dashboard.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let response = self
            .post_form(
                "/admin/login",
                None,
                &[("email", email), ("password", PASSWORD), ("next", "/admin")],
            )
            .await;
        assert_eq!(
            response.status,
            303,
            "sign-in of {email}: {}",
            response.text()
        );
        let set_cookie = response.header("set-cookie");
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        let browser = Browser {
            cookie,
            csrf: String::new(),
        };
        let dashboard = self.get_as("/admin", &browser).await;
        assert_eq!(dashboard.status, 200);
        let html = dashboard.text();
        let csrf = html
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a CSRF token on the dashboard")
            .to_string();
        Browser { csrf, ..browser }
    }

    pub async fn post_as(
        &self,
        path: &str,
        browser: &Browser,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let mut all = vec![("_csrf", browser.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, Some(&browser.cookie), &all).await
    }

    /// Posts the upload form with only its CSRF field set to `token`, as `cookie`'s session: the
    /// checks before an upload is read.
    pub async fn post_upload_token(&self, path: &str, cookie: &str, token: &str) -> TestResponse {
        let boundary = "B";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n--{boundary}--\r\n"
        );
        self.request(
            Request::post(path)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header("cookie", cookie)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}
