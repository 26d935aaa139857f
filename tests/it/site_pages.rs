//! Pages (About, Contact, Terms) on both engines: written in the admin by editors only, through
//! the workflow, with revisions; served at `/{slug}` and `/{parent}/{slug}` after sections and
//! the site's own paths; the header and footer menus.

use axum::http::StatusCode;
use broadsheet::accounts::Role;

use crate::db_tests;
use crate::support::TestApp;
use crate::support::admin::Browser;
use crate::support::builders::newsroom;

async fn save(
    app: &TestApp,
    who: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut all = vec![("_csrf", who.csrf.as_str())];
    all.extend_from_slice(fields);
    let response = app.post_form(path, Some(&who.cookie), &all).await;
    (response.status, response.header("location").to_string())
}

fn id_in(location: &str) -> i64 {
    location
        .trim_start_matches("/admin/pages/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

db_tests! {
    async fn editors_write_pages_that_readers_find_at_their_addresses(app) {
        newsroom(app).await;
        app.add_user("ed@news.example", Role::Editor).await;
        app.add_user("au@news.example", Role::Author).await;
        let ed = app.sign_in("ed@news.example").await;
        let author = app.sign_in("au@news.example").await;

        let refused = app.get_as("/admin/pages", &author).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "authors do not write pages");
        let (status, _) = save(app, &author, "/admin/pages", &[("title", "Mine"), ("action", "publish")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let (status, location) = save(app, &ed, "/admin/pages", &[
            ("title", "About us"), ("slug", "about"),
            ("body", "<p>We report <script>alert(1)</script>the news.</p>"),
            ("action", "save"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
        let about = id_in(&location);
        assert_eq!(app.get("/about").await.status, StatusCode::NOT_FOUND, "a draft is not public");

        let (status, _) = save(app, &ed, &format!("/admin/pages/{about}"), &[
            ("title", "About us"), ("slug", "about"),
            ("body", "<p>We report <script>alert(1)</script>the news.</p>"),
            ("action", "publish"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let page = app.get("/about").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("<h1>About us</h1>"), "{html}");
        assert!(html.contains("We report the news."), "{html}");
        assert!(!html.contains("<script>alert"), "bodies are sanitised");

        let (status, location) = save(app, &ed, "/admin/pages", &[
            ("title", "Contact"), ("parent_id", &about.to_string()),
            ("body", "<p>Write to us.</p>"), ("action", "publish"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let contact = id_in(&location);
        let nested = app.get("/about/contact").await;
        assert_eq!(nested.status, StatusCode::OK);
        assert!(nested.text().contains("href=\"/about\""), "the parent is linked");

        // Sections and the site's own addresses come first, with a clear error.
        for (slug, expect) in [("business-news", "is the section"), ("search", "own addresses")] {
            let response = app.post_form("/admin/pages", Some(&ed.cookie), &[
                ("_csrf", ed.csrf.as_str()), ("title", "Clash"), ("slug", slug), ("action", "publish"),
            ]).await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{slug}");
            assert!(response.text().contains(expect), "{slug}: {}", response.text());
        }
        let deeper = app.post_form("/admin/pages", Some(&ed.cookie), &[
            ("_csrf", ed.csrf.as_str()), ("title", "Deep"), ("parent_id", &contact.to_string()), ("action", "save"),
        ]).await;
        assert_eq!(deeper.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(deeper.text().contains("pages nest one level"));
        assert_eq!(app.get("/business-news").await.status, StatusCode::OK, "the section still answers");

        // Revisions: each save is kept, and an old one can be put back.
        let (status, _) = save(app, &ed, &format!("/admin/pages/{about}"), &[
            ("title", "About the newsroom"), ("slug", "about"), ("body", "<p>Changed.</p>"), ("action", "publish"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(app.get("/about").await.text().contains("Changed."));
        let editor = app.get_as(&format!("/admin/pages/{about}"), &ed).await.text();
        let first_revision = editor
            .rsplit(&format!("/admin/pages/{about}/revisions/"))
            .next()
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let (status, _) = save(app, &ed, &format!("/admin/pages/{about}/revisions/{first_revision}/restore"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let restored = app.get("/about").await.text();
        assert!(restored.contains("We report the news."), "{restored}");
        assert!(restored.contains("<h1>About us</h1>"));

        // Unpublished: gone from readers; a page with pages under it is not deleted.
        let (status, _) = save(app, &ed, &format!("/admin/pages/{about}"), &[("action", "delete")]).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = save(app, &ed, &format!("/admin/pages/{contact}"), &[
            ("title", "Contact"), ("parent_id", &about.to_string()), ("action", "unpublish"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(app.get("/about/contact").await.status, StatusCode::NOT_FOUND);
    }

    async fn menus_are_edited_in_the_admin_and_shown_on_every_page(app) {
        newsroom(app).await;
        app.add_user("ed@news.example", Role::Editor).await;
        let ed = app.sign_in("ed@news.example").await;
        let (status, _) = save(app, &ed, "/admin/menus", &[
            ("header", "Live | /live"),
            ("footer", "About | /about\nTerms | /terms\nOur owner | https://owner.example/"),
        ]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let home = app.get("/").await.text();
        assert!(home.contains("<li><a href=\"/live\">Live</a></li>"), "{home}");
        let footer = &home[home.find("<footer").unwrap()..];
        assert!(footer.contains("<a href=\"/terms\">Terms</a>"), "{footer}");
        assert!(footer.contains("<a href=\"https://owner.example/\">Our owner</a>"));

        let bad = app.post_form("/admin/menus", Some(&ed.cookie), &[
            ("_csrf", ed.csrf.as_str()), ("header", "Bad | javascript:alert(1)"), ("footer", ""),
        ]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("line 1"), "{}", bad.text());
        assert!(!app.get("/").await.text().contains("javascript:"));
    }
}
