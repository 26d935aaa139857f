//! What an attacker found on the public site, the sign-in and the media library, each as a
//! request that got through before the fix and is refused or bounded after it.

use std::time::Duration;

use axum::http::StatusCode;
use broadsheet::accounts::Role;
use broadsheet::accounts::service as accounts;
use broadsheet::comments::service::MAX_COMMENT;

use crate::db_tests;
use crate::support::TestApp;
use crate::support::admin::PASSWORD;
use crate::support::builders::{article, newsroom, publish};
use crate::support::comments::{Comment, form_from};

async fn story(app: &TestApp) -> i64 {
    let n = newsroom(app).await;
    publish(app, article(&n, "Talking point")).await
}

/// Comment bodies at the size limit shaped to make a naive link scanner rescan the text.
fn adversarial_bodies() -> Vec<String> {
    let mut reported = "xhttp://".repeat(100);
    reported.push_str(&")".repeat(MAX_COMMENT - reported.len()));
    vec![
        reported,
        format!("http://a{}", ")".repeat(MAX_COMMENT - 8)),
        "xhttp://".repeat(MAX_COMMENT / 8),
        "www.,;:".repeat(MAX_COMMENT / 7),
    ]
}

/// Hangs are failures, not waits: a quadratic scan of these bodies took minutes.
const NO_HANG: Duration = Duration::from_secs(120);

db_tests! {
    async fn comments_at_the_size_limit_are_scored_stored_and_shown(app) {
        let id = story(app).await;
        let work = async {
            for (i, body) in adversarial_bodies().iter().enumerate() {
                let email = format!("reader{i}@mail.example");
                let ip = format!("203.0.113.{}", 10 + i);
                let posted = app.comment(&Comment { ip: &ip, ..Comment::new(id, "Reader", &email, body) }).await;
                assert_eq!(posted.status, StatusCode::SEE_OTHER, "body {i}: {}", posted.text());
                let shown = app.get(posted.header("location")).await;
                assert_eq!(shown.status, StatusCode::OK, "body {i}");
                assert!(shown.text().contains("awaiting moderation"), "body {i} is shown to its author");
            }
        };
        tokio::time::timeout(NO_HANG, work).await.expect("no comment takes minutes");
    }

    async fn parallel_comments_meet_the_flood_rule(app) {
        let id = story(app).await;
        let mut requests = Vec::new();
        for i in 0..4 {
            let email = format!("flood{i}@mail.example");
            let body = format!("Comment number {i}");
            let fields = app.comment_fields(&Comment::new(id, "Flo", &email, &body)).await;
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            requests.push(form_from("/comments", "203.0.113.99", &pairs, &[]));
        }
        let statuses = app.in_parallel(requests).await;
        let accepted = statuses.iter().filter(|s| **s == 303).count();
        assert!(accepted <= 1, "one comment per flood interval, got {statuses:?}");
        assert!(statuses.iter().all(|s| *s == 303 || *s == 429), "{statuses:?}");
        app.clock.advance_seconds(16);
        let later = app.comment(&Comment { ip: "203.0.113.99", ..Comment::new(id, "Flo", "flood9@mail.example", "Later") }).await;
        assert_eq!(later.status, StatusCode::SEE_OTHER, "a refused attempt does not push the window on");
    }

    async fn parallel_wrong_passwords_meet_the_sign_in_limits(app) {
        app.add_user("editor@news.example", Role::Editor).await;
        let guesses: Vec<_> = (0..30)
            .map(|i| {
                let password = format!("wrong guess number {i}");
                form_from("/admin/login", "203.0.113.66", &[("email", "editor@news.example"), ("password", &password)], &[])
            })
            .collect();
        let statuses = app.in_parallel(guesses).await;
        let checked = statuses.iter().filter(|s| **s == 401).count();
        assert!(checked <= accounts::MAX_SIGN_INS_PER_ACCOUNT_AND_ADDRESS as usize, "{checked} passwords checked: {statuses:?}");
        assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
        let owner = app.post_from("/admin/login", "198.51.100.20", &[("email", "editor@news.example"), ("password", PASSWORD)], &[]).await;
        assert_eq!(owner.status, StatusCode::SEE_OTHER, "the owner elsewhere is not locked out");

        // One address guessing at many accounts meets the per-address limit.
        let spread: Vec<_> = (0..30)
            .map(|i| {
                let email = format!("person{i}@news.example");
                form_from("/admin/login", "2001:db8:7:7::1", &[("email", &email), ("password", "a wrong password")], &[])
            })
            .collect();
        let statuses = app.in_parallel(spread).await;
        let mut checked = statuses.iter().filter(|s| **s == 401).count();
        assert!(checked <= accounts::MAX_SIGN_INS_PER_ADDRESS as usize, "{checked}: {statuses:?}");
        // Parallel attempts may leave a slot unused; one after another they fill it exactly,
        // from any address of the same /64.
        for i in 0.. {
            let email = format!("later{i}@news.example");
            let next = app.post_from("/admin/login", "2001:db8:7:7:ffff::9", &[("email", &email), ("password", "a wrong password")], &[]).await;
            if next.status == StatusCode::TOO_MANY_REQUESTS {
                break;
            }
            assert_eq!(next.status, StatusCode::UNAUTHORIZED);
            checked += 1;
            assert!(checked <= accounts::MAX_SIGN_INS_PER_ADDRESS as usize, "the /64 shares one count");
        }
        assert_eq!(checked, accounts::MAX_SIGN_INS_PER_ADDRESS as usize);
    }

    async fn accounts_without_a_password_answer_as_unknown_ones_do(app) {
        let invited = accounts::create_user(&app.db, &app.clock, accounts::NewAccount {
            email: "invited@news.example".into(),
            name: "Invited".into(),
            role: Role::Author,
            password: None,
        }).await.unwrap();
        assert!(!invited.has_password);
        let invited = app.post_from("/admin/login", "203.0.113.5", &[("email", "invited@news.example"), ("password", "anything at all")], &[]).await;
        let unknown = app.post_from("/admin/login", "203.0.113.5", &[("email", "nobody@news.example"), ("password", "anything at all")], &[]).await;
        assert_eq!(invited.status, StatusCode::UNAUTHORIZED);
        assert_eq!(invited.text(), unknown.text().replace("nobody@news.example", "invited@news.example"));
    }

    async fn password_links_are_throttled_queued_and_void_each_other(app) {
        let author = app.add_user("author@news.example", Role::Author).await;
        let token = accounts::create_api_token(&app.db, &app.clock, author.id, "scheduler").await.unwrap();
        let ask = |ip: &'static str, email: &'static str| async move {
            app.post_from("/admin/password-reset", ip, &[("email", email)], &[]).await.status
        };
        for _ in 0..accounts::MAX_LINK_REQUESTS_PER_EMAIL {
            assert_eq!(ask("203.0.113.1", "author@news.example").await, StatusCode::OK);
        }
        assert_eq!(ask("203.0.113.2", "author@news.example").await, StatusCode::TOO_MANY_REQUESTS, "per address asked for");
        for i in 0..accounts::MAX_LINK_REQUESTS_PER_ADDRESS - 3 {
            let email: &'static str = Box::leak(format!("someone{i}@news.example").into_boxed_str());
            assert_eq!(ask("203.0.113.1", email).await, StatusCode::OK);
        }
        assert_eq!(ask("203.0.113.1", "other@news.example").await, StatusCode::TOO_MANY_REQUESTS, "per client address");

        let outbox = app.state.mailer.outbox().unwrap().to_path_buf();
        assert!(broadsheet::mail::outbox::read(&outbox, 10).unwrap().is_empty(), "no mail is sent inside the request");
        app.run_jobs().await;
        let mails = broadsheet::mail::outbox::read(&outbox, 20).unwrap();
        assert_eq!(mails.len(), 3, "only the account's address gets mail");
        let links: Vec<String> = mails
            .iter()
            .map(|m| {
                let raw = std::fs::read_to_string(outbox.join(&m.file)).unwrap().replace("=\r\n", "").replace("=3D", "=");
                let at = raw.find("/admin/password/reset/").expect("a link");
                raw[at..].split(|c: char| c.is_whitespace() || c == '"' || c == '<').next().unwrap().to_string()
            })
            .collect();
        for link in &links {
            assert_eq!(app.get(link).await.status, StatusCode::OK, "{link} works before any is used");
        }
        let set = app.post_from(&links[0], "203.0.113.1", &[("password", "new plum orchard"), ("confirm", "new plum orchard"), ("revoke_tokens", "yes")], &[]).await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.text());
        for link in &links {
            assert_eq!(app.get(link).await.status, StatusCode::GONE, "{link} died with the one used");
        }
        assert!(accounts::api_token_user(&app.db, &app.clock, &token).await.unwrap().is_none(), "API tokens revoked on request");
    }
}
