//! The newsroom admin: roles against actions, CSRF, sessions, sign-in limits, the editorial
//! workflow, revisions, edit conflicts and scheduled publishing on the job queue.

use axum::http::StatusCode;
use broadsheet::accounts::Role;
use broadsheet::accounts::service as accounts;
use broadsheet::articles::service as articles;

use crate::db_tests;
use crate::support::admin::{Browser, PASSWORD};
use crate::support::builders::newsroom;
use crate::support::routes::{admin_routes, filled};
use crate::support::{TestApp, TestResponse};

fn created_id(response: &TestResponse) -> i64 {
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    let location = response.header("location");
    location
        .trim_start_matches("/admin/articles/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no article id in {location}"))
}

async fn write(
    app: &TestApp,
    who: &Browser,
    headline: &str,
    section: i64,
    action: &str,
) -> TestResponse {
    let section = section.to_string();
    app.post_as(
        "/admin/articles",
        who,
        &[
            ("headline", headline),
            ("body", "A body with **bold** words."),
            ("section_id", &section),
            ("tags", "Retail"),
            ("comments_open", "on"),
            ("action", action),
        ],
    )
    .await
}

async fn status_of(app: &TestApp, id: i64) -> articles::Status {
    articles::editable(&app.db, chrono_tz::UTC, id)
        .await
        .unwrap()
        .status
}

db_tests! {
    async fn each_role_against_each_action(app) {
        let n = newsroom(app).await;
        for (email, role) in [
            ("admin@news.example", Role::Administrator),
            ("editor@news.example", Role::Editor),
            ("author@news.example", Role::Author),
            ("contributor@news.example", Role::Contributor),
        ] {
            app.add_user(email, role).await;
        }
        let admin = app.sign_in("admin@news.example").await;
        let editor = app.sign_in("editor@news.example").await;
        let author = app.sign_in("author@news.example").await;
        let contributor = app.sign_in("contributor@news.example").await;

        // Contributors write drafts and submit them; they may not publish.
        let draft = created_id(&write(app, &contributor, "Contributor draft", n.business, "save").await);
        assert_eq!(status_of(app, draft).await, articles::Status::Draft);
        let refused = write(app, &contributor, "Contributor publish", n.business, "publish").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let submitted = app.post_as(&format!("/admin/articles/{draft}"), &contributor, &[
            ("headline", "Contributor draft"), ("body", "Text"), ("section_id", &n.business.to_string()), ("action", "submit"),
        ]).await;
        assert_eq!(submitted.status, StatusCode::SEE_OTHER);
        assert_eq!(status_of(app, draft).await, articles::Status::Review);

        // Authors publish their own work, and may not touch anyone else's.
        let own = created_id(&write(app, &author, "Author story", n.business, "publish").await);
        assert_eq!(status_of(app, own).await, articles::Status::Published);
        assert_eq!(app.get("/business-news/2026/06/author-story").await.status, StatusCode::OK);
        assert_eq!(app.get_as(&format!("/admin/articles/{draft}"), &author).await.status, StatusCode::FORBIDDEN);

        // Editors edit and publish anyone's article.
        let published = app.post_as(&format!("/admin/articles/{draft}"), &editor, &[
            ("headline", "Contributor draft"), ("body", "Edited by the desk"), ("section_id", &n.business.to_string()), ("action", "publish"),
        ]).await;
        assert_eq!(published.status, StatusCode::SEE_OTHER);
        assert_eq!(status_of(app, draft).await, articles::Status::Published);
        // Contributors cannot edit what is published now.
        assert_eq!(app.get_as(&format!("/admin/articles/{draft}"), &contributor).await.status, StatusCode::FORBIDDEN);

        // People and the outbox: administrators only, and editors for the outbox.
        assert_eq!(app.get_as("/admin/people", &admin).await.status, StatusCode::OK);
        for who in [&editor, &author, &contributor] {
            assert_eq!(app.get_as("/admin/people", who).await.status, StatusCode::FORBIDDEN);
            let add = app.post_as("/admin/people", who, &[("name", "X"), ("email", "x@news.example"), ("role", "administrator")]).await;
            assert_eq!(add.status, StatusCode::FORBIDDEN);
        }
        assert_eq!(app.get_as("/admin/outbox", &editor).await.status, StatusCode::OK);
        assert_eq!(app.get_as("/admin/outbox", &author).await.status, StatusCode::FORBIDDEN);

        // Lists show authors and contributors only their own articles.
        let list = app.get_as("/admin/articles", &author).await.text();
        assert!(list.contains("Author story") && !list.contains("Contributor draft"));
        let list = app.get_as("/admin/articles", &editor).await.text();
        assert!(list.contains("Author story") && list.contains("Contributor draft"));

        // An administrator adds a person: a setup link goes out through the outbox.
        let add = app.post_as("/admin/people", &admin, &[("name", "New Hire"), ("email", "hire@news.example"), ("role", "author")]).await;
        assert_eq!(add.status, StatusCode::SEE_OTHER);
        assert_eq!(app.run_jobs().await, 1, "the setup link is queued");
        let outbox = app.get_as("/admin/outbox", &admin).await.text();
        assert!(outbox.contains("hire@news.example"), "{outbox}");
    }

    async fn forms_without_the_session_token_are_refused(app) {
        let n = newsroom(app).await;
        app.add_user("editor@news.example", Role::Editor).await;
        let editor = app.sign_in("editor@news.example").await;
        let section = n.business.to_string();
        let fields = [("headline", "Forged"), ("body", "x"), ("section_id", section.as_str()), ("action", "publish")];
        let no_token = app.post_form("/admin/articles", Some(&editor.cookie), &fields).await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN);
        let mut wrong = vec![("_csrf", "0000")];
        wrong.extend_from_slice(&fields);
        let wrong_token = app.post_form("/admin/articles", Some(&editor.cookie), &wrong).await;
        assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
        for path in ["/admin/logout", "/admin/logout-everywhere", "/admin/people", "/admin/articles/bulk", "/admin/preview"] {
            let r = app.post_form(path, Some(&editor.cookie), &[("x", "y")]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
        assert_eq!(articles::count_articles(&app.db).await.unwrap(), 0, "nothing was written");

        // The public sign-in form is protected by its origin instead.
        let cross = app
            .request(
                axum::http::Request::post("/admin/login")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("host", "news.example")
                    .header("origin", "https://evil.example")
                    .body(axum::body::Body::from("email=editor%40news.example&password=x"))
                    .unwrap(),
            )
            .await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN);
    }

    async fn sessions_expire_and_end_everywhere(app) {
        app.add_user("editor@news.example", Role::Editor).await;
        let first = app.sign_in("editor@news.example").await;
        let second = app.sign_in("editor@news.example").await;
        let r = app.get_as("/admin", &first).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.header("cache-control").contains("no-store"));

        app.clock.advance_seconds(accounts::IDLE_SECONDS + 1);
        let idle = app.get_as("/admin", &first).await;
        assert_eq!(idle.status, StatusCode::SEE_OTHER);
        assert!(idle.header("location").starts_with("/admin/login"));

        let third = app.sign_in("editor@news.example").await;
        let out = app.post_as("/admin/logout-everywhere", &third, &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(out.header("set-cookie").contains("Max-Age=0"));
        assert_eq!(app.get_as("/admin", &third).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.get_as("/admin", &second).await.status, StatusCode::SEE_OTHER);

        // The absolute limit applies even to a session in constant use.
        let busy = app.sign_in("editor@news.example").await;
        for _ in 0..40 {
            app.clock.advance_seconds(11 * 3600);
            if app.get_as("/admin", &busy).await.status != StatusCode::OK {
                break;
            }
        }
        assert_eq!(app.get_as("/admin", &busy).await.status, StatusCode::SEE_OTHER);
    }

    async fn sign_in_failures_are_limited_and_reveal_nothing(app) {
        app.add_user("editor@news.example", Role::Editor).await;
        let attempt = |email: &'static str, password: &'static str| async move {
            app.post_form("/admin/login", None, &[("email", email), ("password", password)]).await
        };
        let unknown = attempt("nobody@news.example", "whatever password").await;
        let wrong = attempt("editor@news.example", "wrong password here").await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let message = |r: &TestResponse| {
            let html = r.text();
            html.split("<li>").nth(1).and_then(|m| m.split("</li>").next()).unwrap_or("").to_string()
        };
        assert_eq!(message(&unknown), message(&wrong), "the same answer for both");
        for _ in 0..4 {
            attempt("editor@news.example", "wrong password here").await;
        }
        let limited = attempt("editor@news.example", PASSWORD).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(limited.text().contains("Wait 15 minutes"));
        let elsewhere = app
            .post_from("/admin/login", "198.51.100.7", &[("email", "editor@news.example"), ("password", PASSWORD)], &[])
            .await;
        assert_eq!(elsewhere.status, StatusCode::SEE_OTHER, "the owner, from another address, is not locked out");
        app.clock.advance_seconds(accounts::SIGN_IN_WINDOW_SECONDS + 1);
        assert_eq!(attempt("editor@news.example", PASSWORD).await.status, StatusCode::SEE_OTHER);
    }

    async fn password_reset_by_emailed_single_use_link(app) {
        app.add_user("author@news.example", Role::Author).await;
        let request = app.post_form("/admin/password-reset", None, &[("email", "author@news.example")]).await;
        assert_eq!(request.status, StatusCode::OK);
        let unknown = app.post_form("/admin/password-reset", None, &[("email", "nobody@news.example")]).await;
        assert_eq!(request.text(), unknown.text(), "no hint whether an account exists");
        assert_eq!(app.run_jobs().await, 2, "both requests were queued alike");

        let outbox = broadsheet::mail::outbox::read(app.state.mailer.outbox().unwrap(), 10).unwrap();
        assert_eq!(outbox.len(), 1);
        let raw = std::fs::read_to_string(app.state.mailer.outbox().unwrap().join(&outbox[0].file)).unwrap();
        // Undo quoted-printable soft line breaks, which split long links.
        let mail = raw.replace("=\r\n", "").replace("=3D", "=");
        assert!(raw.contains("Subject: Reset your"), "{raw}");
        let link = mail
            .split("https://")
            .chain(mail.split("http://"))
            .find_map(|part| part.split_whitespace().next().filter(|p| p.contains("/admin/password/reset/")))
            .expect("a reset link in the mail");
        let path = format!("/admin/password/reset/{}", link.rsplit('/').next().unwrap().trim_end_matches('"'));
        assert_eq!(app.get(&path).await.status, StatusCode::OK);
        let set = app.post_form(&path, None, &[("password", "new plum orchard"), ("confirm", "new plum orchard")]).await;
        assert_eq!(set.status, StatusCode::SEE_OTHER);
        let login = app.post_form("/admin/login", None, &[("email", "author@news.example"), ("password", "new plum orchard")]).await;
        assert_eq!(login.status, StatusCode::SEE_OTHER);
        assert_eq!(app.get(&path).await.status, StatusCode::GONE, "the link works once");
    }

    async fn weak_passwords_are_refused(app) {
        app.add_user("author@news.example", Role::Author).await;
        let user = accounts::user_by_email(&app.db, "author@news.example").await.unwrap();
        for weak in ["short", "password1234", "aaaaaaaaaaaaaaaa"] {
            let err = accounts::set_password(&app.db, &app.clock, user.id, weak).await.unwrap_err();
            assert_eq!(err.code(), "invalid", "{weak}");
        }
    }

    async fn revisions_are_kept_compared_and_restored(app) {
        let n = newsroom(app).await;
        app.add_user("editor@news.example", Role::Editor).await;
        let editor = app.sign_in("editor@news.example").await;
        let id = created_id(&write(app, &editor, "First headline", n.business, "save").await);
        let section = n.business.to_string();
        let edit = app.get_as(&format!("/admin/articles/{id}"), &editor).await.text();
        let version = edit.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let saved = app.post_as(&format!("/admin/articles/{id}"), &editor, &[
            ("headline", "Second headline"), ("body", "New body"), ("section_id", &section), ("version", &version), ("action", "save"),
        ]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let revisions = articles::revisions(&app.db, id).await.unwrap();
        assert_eq!(revisions.len(), 2);
        let (newest, oldest) = (revisions[0].id, revisions[1].id);
        let page = app.get_as(&format!("/admin/articles/{id}/revisions?from={oldest}&to={newest}"), &editor).await.text();
        assert!(page.contains("<del>First headline</del>") && page.contains("<ins>Second headline</ins>"), "{page}");
        let restored = app.post_as(&format!("/admin/articles/{id}/revisions/{oldest}/restore"), &editor, &[]).await;
        assert_eq!(restored.status, StatusCode::SEE_OTHER);
        let now = articles::editable(&app.db, chrono_tz::UTC, id).await.unwrap();
        assert_eq!(now.input.headline, "First headline");
        assert_eq!(articles::revisions(&app.db, id).await.unwrap().len(), 3, "the restore is a revision too");
    }

    async fn the_second_of_two_conflicting_saves_is_refused(app) {
        let n = newsroom(app).await;
        app.add_user("editor@news.example", Role::Editor).await;
        app.add_user("admin@news.example", Role::Administrator).await;
        let one = app.sign_in("editor@news.example").await;
        let two = app.sign_in("admin@news.example").await;
        let id = created_id(&write(app, &one, "Shared story", n.business, "save").await);
        let version_of = |html: String| html.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let v1 = version_of(app.get_as(&format!("/admin/articles/{id}"), &one).await.text());
        let v2 = version_of(app.get_as(&format!("/admin/articles/{id}"), &two).await.text());
        let section = n.business.to_string();
        app.clock.advance_seconds(5);
        let first = app.post_as(&format!("/admin/articles/{id}"), &one, &[
            ("headline", "Editor's version"), ("body", "one"), ("section_id", &section), ("version", &v1), ("action", "save"),
        ]).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER);
        app.clock.advance_seconds(5);
        let second = app.post_as(&format!("/admin/articles/{id}"), &two, &[
            ("headline", "Admin's version"), ("body", "two"), ("section_id", &section), ("version", &v2), ("action", "save"),
        ]).await;
        assert_eq!(second.status, StatusCode::CONFLICT);
        let html = second.text();
        assert!(html.contains("someone else saved this article"));
        assert!(html.contains("value=\"Admin&#39;s version\""), "the refused edit is shown again, not lost");
        let stored = articles::editable(&app.db, chrono_tz::UTC, id).await.unwrap();
        assert_eq!(stored.input.headline, "Editor's version");
    }

    async fn scheduled_articles_publish_from_the_job_queue(app) {
        let n = newsroom(app).await;
        app.add_user("author@news.example", Role::Author).await;
        let author = app.sign_in("author@news.example").await;
        let section = n.business.to_string();
        // 15 June 2026 13:00 UTC, an hour after the test's start (the site zone is UTC).
        let scheduled = app.post_as("/admin/articles", &author, &[
            ("headline", "Embargoed results"), ("body", "Numbers"), ("section_id", &section),
            ("publish_at", "2026-06-15T13:00"), ("action", "schedule"),
        ]).await;
        let id = created_id(&scheduled);
        assert_eq!(status_of(app, id).await, articles::Status::Scheduled);
        assert_eq!(broadsheet::jobs::pending(&app.db, "publish_article").await.unwrap(), 1);

        let path = "/business-news/2026/06/embargoed-results";
        assert_eq!(app.run_jobs().await, 0);
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND);
        app.clock.advance_seconds(3600);
        assert_eq!(app.run_jobs().await, 1);
        assert_eq!(status_of(app, id).await, articles::Status::Published);
        assert_eq!(app.get(path).await.status, StatusCode::OK);
        assert_eq!(app.run_jobs().await, 0, "it ran once");

        let past = app.post_as("/admin/articles", &author, &[
            ("headline", "Too late"), ("body", "x"), ("section_id", &section),
            ("publish_at", "2020-01-01T00:00"), ("action", "schedule"),
        ]).await;
        assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(past.text().contains("in the future"));
    }

    async fn invalid_editor_input_keeps_what_was_typed(app) {
        let n = newsroom(app).await;
        app.add_user("editor@news.example", Role::Editor).await;
        let editor = app.sign_in("editor@news.example").await;
        let section = n.business.to_string();
        let r = app.post_as("/admin/articles", &editor, &[
            ("headline", ""), ("body", "A long body I would hate to lose"), ("section_id", &section), ("slug", "Bad Slug"), ("action", "save"),
        ]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text();
        assert!(html.contains("A long body I would hate to lose"));
        assert!(html.contains("headline: write a headline"));
        assert_eq!(articles::count_articles(&app.db).await.unwrap(), 0);
    }
}

db_tests! {
    async fn unpublished_articles_preview_through_signed_expiring_links(app) {
        let n = newsroom(app).await;
        app.add_user("author@news.example", Role::Author).await;
        let author = app.sign_in("author@news.example").await;
        let id = created_id(&write(app, &author, "Secret scoop", n.business, "save").await);
        let editor_page = app.get_as(&format!("/admin/articles/{id}"), &author).await.text();
        let link = editor_page
            .split("href=\"/preview/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .map(|s| format!("/preview/{}", s.replace("&amp;", "&")))
            .expect("a preview link in the editor");

        let preview = app.get(&link).await;
        assert_eq!(preview.status, StatusCode::OK);
        assert!(preview.text().contains("<h1 class=\"headline\">Secret scoop</h1>"));
        assert_eq!(preview.header("cache-control"), "no-store");
        assert!(preview.text().contains("<meta name=\"robots\" content=\"noindex\">"));
        assert_eq!(app.get("/business-news/2026/06/secret-scoop").await.status, StatusCode::NOT_FOUND, "still unpublished");

        let tampered = link.replace(&format!("/preview/{id}?"), &format!("/preview/{}?", id + 1));
        assert_eq!(app.get(&tampered).await.status, StatusCode::GONE);
        assert_eq!(app.get(&format!("/preview/{id}")).await.status, StatusCode::GONE);
        app.clock.advance_seconds(articles::PREVIEW_SECONDS + 1);
        assert_eq!(app.get(&link).await.status, StatusCode::GONE, "links expire");
    }
}

db_tests! {
    async fn the_editor_autosaves_and_restores_unsaved_changes(app) {
        let n = newsroom(app).await;
        app.add_user("editor@news.example", Role::Editor).await;
        app.add_user("admin@news.example", Role::Administrator).await;
        let editor = app.sign_in("editor@news.example").await;
        let other = app.sign_in("admin@news.example").await;
        let id = created_id(&write(app, &editor, "Saved headline", n.business, "save").await);
        let section = n.business.to_string();
        let path = format!("/admin/articles/{id}");
        app.clock.advance_seconds(30);
        let autosaved = app.post_as(&format!("{path}/autosave"), &editor, &[
            ("headline", "Typed but not saved"), ("body", "Half a paragraph"), ("section_id", &section),
        ]).await;
        assert_eq!(autosaved.status, StatusCode::NO_CONTENT);
        assert_eq!(app.post_form(&format!("{path}/autosave"), Some(&editor.cookie), &[("headline", "x")]).await.status, StatusCode::FORBIDDEN);

        let editor_page = app.get_as(&path, &editor).await.text();
        assert!(editor_page.contains("changes autosaved at"));
        assert!(editor_page.contains("value=\"Saved headline\""), "the stored article is shown until restored");
        assert!(!app.get_as(&path, &other).await.text().contains("changes autosaved at"), "autosaves are per person");

        let restored = app.get_as(&format!("{path}?restore=autosave"), &editor).await.text();
        assert!(restored.contains("value=\"Typed but not saved\"") && restored.contains("Half a paragraph"));
        let stored = articles::editable(&app.db, chrono_tz::UTC, id).await.unwrap();
        assert_eq!(stored.input.headline, "Saved headline", "autosave does not save the article");
        assert_eq!(articles::revisions(&app.db, id).await.unwrap().len(), 1, "nor make a revision");

        let saved = app.post_as(&path, &editor, &[("headline", "Typed but not saved"), ("body", "Whole"), ("section_id", &section), ("action", "save")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert!(!app.get_as(&path, &editor).await.text().contains("changes autosaved at"), "saving drops the autosave");
    }
}

/// Every POST route of the admin, read from its route table, with `{…}` segments filled in.
/// The forms that come before a session (sign-in, password links): they check the origin, not
/// a session's token.
const SESSIONLESS: [&str; 3] = [
    "/admin/login",
    "/admin/password-reset",
    "/admin/password/1/1",
];

db_tests! {
    async fn every_admin_form_refuses_a_post_without_the_session_token(app) {
        newsroom(app).await;
        app.add_user("admin@news.example", Role::Administrator).await;
        let admin = app.sign_in("admin@news.example").await;
        let routes: Vec<String> = admin_routes()
            .into_iter()
            .filter(|(method, _)| method == "POST")
            .map(|(_, path)| filled(&path))
            .collect();
        assert!(routes.len() >= 40, "the route table was read: {routes:?}");
        assert!(routes.contains(&"/admin/media".to_string()), "upload routes too: {routes:?}");
        for route in routes.iter().filter(|r| !SESSIONLESS.contains(&r.as_str())) {
            for token in ["", "forged-token"] {
                let refused = if route == "/admin/media" {
                    app.post_upload_token(route, &admin.cookie, token).await
                } else {
                    app.post_form(route, Some(&admin.cookie), &[("_csrf", token), ("action", "publish")]).await
                };
                assert_eq!(refused.status, StatusCode::FORBIDDEN, "{route} with token {token:?}: {}", refused.text());
            }
        }
        assert_eq!(app.get_as("/admin", &admin).await.status, StatusCode::OK, "still signed in");
    }
}
