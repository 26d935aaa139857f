//! Snapshots of every public page type, every admin screen and every mail, on both engines
//! against the same snapshot (the whole pages of the demo site are in `snapshots.rs`). A change
//! to a template or a view shows up here as a reviewed diff; `INSTA_UPDATE=always cargo test`
//! accepts one.

use axum::http::StatusCode;
use broadsheet::accounts::Role;
use broadsheet::comments::policy::{self, ModerationNotice};
use broadsheet::newsletters::service as newsletters;

use crate::db_tests;
use crate::snapshots::{between, redact};
use crate::support::builders::{article, newsroom, publish};
use crate::support::comments::{Comment, posted_id};
use crate::support::routes::admin_routes;
use crate::support::smtp::{decoded_body, header, link_in_text, path_of};
use crate::support::{TestApp, TestResponse};

/// A response as a snapshot: its status, then its body with what differs between runs hidden.
fn shown(app: &TestApp, response: &TestResponse) -> String {
    format!(
        "{}\n{}",
        response.status.as_u16(),
        private(app, &response.text())
    )
}

/// Also hides what a session, a signing key or a temporary folder makes: CSRF tokens, link
/// signatures and tokens, and the data folder's path.
fn private(app: &TestApp, text: &str) -> String {
    let text = redact(app, text);
    let text = between(&text, "name=\"_csrf\" value=\"", "\"", "[csrf]");
    let text = between(&text, "name=\"sig\" value=\"", "\"", "[sig]");
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let url = |c: char| !c.is_whitespace() && !matches!(c, '"' | '<' | '>');
    let text = tail(&text, "/admin/password/setup/", "[token]", url);
    let text = tail(&text, "/admin/password/reset/", "[token]", url);
    let text = tail(&text, "/newsletters/confirm?s=", "[link]", url);
    let text = tail(&text, "sig=", "[sig]", word);
    let text = tail(&text, "signature=", "[signature]", word);
    let text = tail(&text, "token=", "[token]", word);
    text.replace(&app.data_dir().display().to_string(), "[data-dir]")
}

/// Replaces what follows each `prefix` while `keep` holds.
fn tail(text: &str, prefix: &str, with: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        out.push_str(&rest[..at + prefix.len()]);
        rest = &rest[at + prefix.len()..];
        let stop = rest.find(|c: char| !keep(c)).unwrap_or(rest.len());
        out.push_str(with);
        rest = &rest[stop..];
    }
    out.push_str(rest);
    out
}

/// A mail as a snapshot: to whom, its subject and both parts, decoded.
fn mail_shown(app: &TestApp, raw: &str) -> String {
    let boundary = header(raw, "Content-Type")
        .split("boundary=")
        .nth(1)
        .map(|b| b.trim_matches('"').to_string());
    let body = decoded_body(raw);
    let body = body
        .split_once("\r\n\r\n")
        .map_or(body.as_str(), |(_, b)| b);
    let mut body = body.replace("\r\n", "\n");
    if let Some(boundary) = boundary {
        body = body.replace(&boundary, "[boundary]");
    }
    private(
        app,
        &format!(
            "To: {}\nSubject: {}\n\n{}",
            header(raw, "To"),
            header(raw, "Subject"),
            body
        ),
    )
}

/// The mails in the outbox whose subject contains `subject`, oldest first.
fn mails(app: &TestApp, subject: &str) -> Vec<String> {
    let dir = app
        .state
        .mailer
        .outbox()
        .expect("tests write mail to the outbox");
    let mut listed = broadsheet::mail::outbox::read(dir, usize::MAX).unwrap();
    listed.reverse();
    listed
        .into_iter()
        .map(|item| std::fs::read_to_string(dir.join(item.file)).unwrap())
        .filter(|m| header(m, "Subject").contains(subject))
        .collect()
}

fn one_mail(app: &TestApp, subject: &str) -> String {
    let found = mails(app, subject);
    assert_eq!(found.len(), 1, "one mail with {subject:?}");
    found.into_iter().next().unwrap()
}

/// The first `/prefix…` link in a page.
fn link_starting(html: &str, prefix: &str) -> String {
    let marker = format!("href=\"{prefix}");
    html.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("{prefix}{rest}").replace("&amp;", "&"))
        .unwrap_or_else(|| panic!("a link to {prefix}… in {html}"))
}

db_tests! {
    async fn every_public_page_type_matches_its_snapshot(app) {
        app.load_demo(20).await;
        let home = app.get("/").await.text();
        let article_path = TestApp::first_article_link(&home);
        let article_html = app.get(&article_path).await.text();
        let tag = link_starting(&article_html, "/tag/");
        let author = link_starting(&article_html, "/author/");
        let parts: Vec<&str> = article_path.split('/').collect();
        let (year, month) = (parts[2], parts[3]);
        let article_id = article_html
            .split("name=\"comment_post_ID\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse::<i64>().ok())
            .expect("the article's comment form");
        let mut pages = vec![
            ("tag", app.get(&tag).await),
            ("author", app.get(&author).await),
            ("archive_year", app.get(&format!("/archive/{year}")).await),
            ("archive_month", app.get(&format!("/archive/{year}/{month}")).await),
            ("not_found", app.get("/no/such/page").await),
            ("page", app.get("/about/contact").await),
            ("newsletters", app.get("/newsletters").await),
            ("check_inbox", app.get("/newsletters/check-inbox").await),
            ("comments_feed", app.get("/comments/feed").await),
        ];
        let needs_attention = app.comment(&Comment::new(article_id, "", "not-an-address", "Hello")).await;
        pages.push(("comment_needs_attention", needs_attention));
        for (name, response) in &pages {
            let expected = match *name {
                "not_found" => StatusCode::NOT_FOUND,
                "comment_needs_attention" => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::OK,
            };
            assert_eq!(response.status, expected, "{name}: {}", response.text());
            insta::assert_snapshot!(format!("public_{name}"), shown(app, response));
        }
    }

    async fn every_admin_screen_matches_its_snapshot(app) {
        app.load_demo(20).await;
        app.add_user("chief@news.example", Role::Administrator).await;
        let chief = app.sign_in("chief@news.example").await;
        let newsletter = newsletters::all(&app.db).await.unwrap()[0].id;
        let issue = broadsheet::newsletters::issues::create_draft(&app.db, &app.clock, newsletter, None)
            .await
            .unwrap();
        let queue = app.get_as("/admin/comments?status=approved", &chief).await.text();
        let comment = link_starting(&queue, "/admin/comments/")
            .trim_start_matches("/admin/comments/")
            .split(['"', '?', '/'])
            .next()
            .unwrap()
            .to_string();
        let screens: Vec<String> = admin_routes()
            .into_iter()
            .filter(|(method, _)| method == "GET")
            .map(|(_, path)| path)
            // Not screens: the editor's picker (JSON) and a redirect to a signed picture.
            .filter(|path| path != "/admin/media.json" && path != "/admin/media/{id}/preview")
            .collect();
        assert!(screens.len() >= 25, "{screens:?}");
        for path in screens {
            let filled = path
                .replace("/admin/newsletters/{id}", &format!("/admin/newsletters/{newsletter}"))
                .replace("/admin/issues/{id}", &format!("/admin/issues/{issue}"))
                .replace("/admin/comments/{id}", &format!("/admin/comments/{comment}"))
                .replace("{purpose}/{token}", "setup/no-such-token")
                .replace("{front}", "home")
                .replace("{id}", "1");
            let response = app.get_as(&filled, &chief).await;
            let expected = if filled.starts_with("/admin/password/") {
                StatusCode::GONE
            } else {
                StatusCode::OK
            };
            assert_eq!(response.status, expected, "{filled}: {}", response.text());
            let name = path
                .trim_start_matches("/admin")
                .replace(['{', '}'], "")
                .replace('/', "_");
            let name = if name.is_empty() { "_dashboard".to_string() } else { name };
            insta::assert_snapshot!(format!("admin{name}"), shown(app, &response));
        }
    }

    async fn every_mail_and_the_pages_behind_its_links_match_their_snapshots(app) {
        let n = newsroom(app).await;
        let writer = app.add_user("writer@news.example", Role::Author).await;
        app.add_user("chief@news.example", Role::Administrator).await;
        let id = publish(app, {
            let mut a = article(&n, "Talking point");
            a.created_by = Some(writer.id);
            a
        })
        .await;
        let set_policy = |change: fn(&mut policy::Policy)| async move {
            let mut p = policy::load(&app.db).await.unwrap();
            change(&mut p);
            policy::save(&app.db, &p).await.unwrap();
        };

        set_policy(|p| p.previously_approved = false).await;
        let mut first = Comment::new(id, "Ann", "ann@mail.example", "Tell me about replies");
        first.fields.push(("subscribe_replies", "yes"));
        let first = posted_id(app.comment(&first).await.header("location"));
        app.run_jobs().await;
        insta::assert_snapshot!("mail_comment_approved", mail_shown(app, &one_mail(app, "New comment on")));

        let mut reply = Comment::new(id, "Bo", "bo@mail.example", "A reply");
        reply.parent_id = first;
        app.comment(&reply).await;
        app.run_jobs().await;
        let reply_mail = one_mail(app, "replied to your comment");
        insta::assert_snapshot!("mail_comment_reply", mail_shown(app, &reply_mail));
        let unsubscribe = path_of(&link_in_text(&decoded_body(&reply_mail), "http://127.0.0.1:8080/comments/unsubscribe?"));
        let page = app.get(&unsubscribe).await;
        assert_eq!(page.status, StatusCode::OK, "{unsubscribe}");
        insta::assert_snapshot!("public_comment_unsubscribe", shown(app, &page));

        set_policy(|p| p.previously_approved = true).await;
        app.comment(&Comment::new(id, "New", "new@mail.example", "Held for moderators")).await;
        app.run_jobs().await;
        let held = mails(app, "Please moderate");
        assert!(!held.is_empty());
        insta::assert_snapshot!("mail_comment_held", mail_shown(app, &held[0]));

        set_policy(|p| p.notify_moderators = ModerationNotice::Hourly).await;
        app.comment(&Comment::new(id, "Later", "later@mail.example", "Held for the digest")).await;
        app.run_jobs().await;
        let room = app.state.mail_room();
        app.clock.advance_seconds(3601);
        broadsheet::jobs::maintain(&room).await.unwrap();
        let digests = mails(app, "waiting for approval");
        assert!(!digests.is_empty());
        insta::assert_snapshot!("mail_comments_digest", mail_shown(app, &digests[0]));

        let watch = crate::support::builders::newsletter(app, "White House Watch", n.business).await;
        let signed_up = app
            .post_from(
                "/newsletters/subscribe",
                "203.0.113.20",
                &[("email", "reader@mail.example"), ("newsletter", "white-house-watch"), ("form", "article")],
                &[],
            )
            .await;
        assert_eq!(signed_up.status, StatusCode::SEE_OTHER);
        app.run_jobs().await;
        let confirm_mail = one_mail(app, "Confirm your sign-up");
        insta::assert_snapshot!("mail_newsletter_confirm", mail_shown(app, &confirm_mail));
        let confirm = path_of(&link_in_text(&decoded_body(&confirm_mail), "http://127.0.0.1:8080/newsletters/confirm?"));
        let page = app.get(&confirm).await;
        assert_eq!(page.status, StatusCode::OK);
        insta::assert_snapshot!("public_newsletter_confirm", shown(app, &page));
        let query = confirm.split_once('?').unwrap().1;
        let fields: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let done = app.post_from("/newsletters/confirm", "", &fields, &[]).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        insta::assert_snapshot!("public_newsletter_confirmed", shown(app, &done));
        let preferences = app.get(&link_in_text(&done.text(), "/newsletters/preferences?")).await;
        assert_eq!(preferences.status, StatusCode::OK);
        insta::assert_snapshot!("public_newsletter_preferences", shown(app, &preferences));

        let subscriber: i64 = link_in_text(&done.text(), "/newsletters/preferences?")
            .split("r=")
            .nth(1)
            .and_then(|s| s.split('&').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        let key = broadsheet::site::settings::signing_key(&app.db).await.unwrap();
        let unsubscribe = format!("/newsletters/unsubscribe?{}", newsletters::unsubscribe_query(&key, subscriber, watch, 0));
        let page = app.get(&unsubscribe).await;
        assert_eq!(page.status, StatusCode::OK);
        insta::assert_snapshot!("public_newsletter_unsubscribe", shown(app, &page));
        let gone = app.post_from(&unsubscribe, "", &[], &[]).await;
        assert_eq!(gone.status, StatusCode::OK, "{}", gone.text());
        app.run_jobs().await;
        insta::assert_snapshot!("mail_newsletter_unsubscribed", mail_shown(app, &one_mail(app, "unsubscribed")));

        let issue = broadsheet::newsletters::issues::create_draft(&app.db, &app.clock, watch, None).await.unwrap();
        broadsheet::newsletters::issues::send_test(&room, issue, "chief@news.example").await.unwrap();
        let issue_mail = mails(app, "")
            .into_iter()
            .find(|m| header(m, "To") == "chief@news.example" && m.contains("Talking point"))
            .expect("the test issue");
        insta::assert_snapshot!("mail_newsletter_issue", mail_shown(app, &issue_mail));

        let asked = app
            .post_from("/admin/password-reset", "", &[("email", "writer@news.example")], &[])
            .await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.text());
        app.run_jobs().await;
        insta::assert_snapshot!("mail_password_link", mail_shown(app, &one_mail(app, "Reset your")));
    }
}
