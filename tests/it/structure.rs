//! Sections, tags, author profiles and site settings, managed from the admin.

use axum::http::StatusCode;
use broadsheet::accounts::Role;
use broadsheet::articles::service as articles;

use crate::db_tests;
use crate::support::builders::{article, newsroom, publish};

db_tests! {
    async fn sections_tags_and_authors_are_managed(app) {
        let n = newsroom(app).await;
        publish(app, article(&n, "Shop story")).await;
        app.add_user("editor@news.example", Role::Editor).await;
        app.add_user("author@news.example", Role::Author).await;
        let editor = app.sign_in("editor@news.example").await;
        let author = app.sign_in("author@news.example").await;
        assert_eq!(app.get_as("/admin/structure", &author).await.status, StatusCode::FORBIDDEN);
        assert_eq!(app.get_as("/admin/structure", &editor).await.status, StatusCode::OK);

        // A sub-section, and the one-level rule.
        let add = app.post_as("/admin/sections", &editor, &[("name", "Retail Trade"), ("parent_id", &n.business.to_string()), ("position", "5")]).await;
        assert_eq!(add.status, StatusCode::SEE_OTHER);
        let retail = articles::sections(&app.db).await.unwrap().into_iter().find(|s| s.slug == "retail-trade").unwrap();
        assert_eq!(retail.parent_id, Some(n.business));
        let too_deep = app.post_as("/admin/sections", &editor, &[("name", "Shops"), ("parent_id", &retail.id.to_string())]).await;
        assert_eq!(too_deep.status, StatusCode::UNPROCESSABLE_ENTITY);
        let reserved = app.post_as("/admin/sections", &editor, &[("name", "Admin")]).await;
        assert_eq!(reserved.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Renaming a section's slug keeps its articles' old addresses working.
        let rename = app.post_as(&format!("/admin/sections/{}", n.business), &editor, &[
            ("name", "Business"), ("slug", "business"), ("position", "0"), ("action", "save"),
        ]).await;
        assert_eq!(rename.status, StatusCode::SEE_OTHER);
        let old = app.get("/business-news/2026/06/shop-story").await;
        assert_eq!(old.status, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(old.header("location"), "/business/2026/06/shop-story");
        assert_eq!(app.get("/business").await.status, StatusCode::OK);

        // Sections with content stay; empty ones go.
        let busy = app.post_as(&format!("/admin/sections/{}", n.business), &editor, &[("action", "delete")]).await;
        assert_eq!(busy.status, StatusCode::CONFLICT);
        let empty = app.post_as(&format!("/admin/sections/{}", retail.id), &editor, &[("action", "delete")]).await;
        assert_eq!(empty.status, StatusCode::SEE_OTHER);

        // Tags.
        assert_eq!(app.post_as("/admin/tags", &editor, &[("name", "Supply Chains")]).await.status, StatusCode::SEE_OTHER);
        let tag = articles::tags(&app.db).await.unwrap().into_iter().find(|t| t.slug == "supply-chains").unwrap();
        app.post_as(&format!("/admin/tags/{}", tag.id), &editor, &[("name", "Logistics"), ("action", "rename")]).await;
        assert_eq!(app.get("/tag/logistics").await.status, StatusCode::OK);
        app.post_as(&format!("/admin/tags/{}", tag.id), &editor, &[("action", "delete")]).await;
        assert_eq!(app.get("/tag/logistics").await.status, StatusCode::NOT_FOUND);

        // Author profiles.
        let saved = app.post_as(&format!("/admin/authors/{}", n.author), &editor, &[("name", "Ada Reporter"), ("bio", "Covers every high street.")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert!(app.get("/author/ada-reporter").await.text().contains("Covers every high street."));
        app.post_as("/admin/authors", &editor, &[("name", "Bo Columnist"), ("bio", "Opinions.")]).await;
        assert_eq!(app.get("/author/bo-columnist").await.status, StatusCode::OK);
    }

    async fn site_settings_are_administrators_only(app) {
        newsroom(app).await;
        app.add_user("admin@news.example", Role::Administrator).await;
        app.add_user("editor@news.example", Role::Editor).await;
        let admin = app.sign_in("admin@news.example").await;
        let editor = app.sign_in("editor@news.example").await;
        assert_eq!(app.get_as("/admin/settings", &editor).await.status, StatusCode::FORBIDDEN);
        let fields = [
            ("name", "The Evening Ledger"), ("description", "Late news"), ("timezone", "Europe/Paris"),
            ("language", "fr"), ("base_url", "https://ledger.example"), ("logo_path", ""),
        ];
        let saved = app.post_as("/admin/settings", &admin, &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let home = app.get("/").await.text();
        assert!(home.contains("The Evening Ledger") && home.contains("<html lang=\"fr\">"));
        assert!(home.contains("href=\"https://ledger.example/\""), "canonical uses the new address");
        // Now an https site, its sessions use the host-only cookie: sign in again.
        assert_eq!(app.get_as("/admin/settings", &admin).await.status, StatusCode::SEE_OTHER);
        let admin = app.sign_in("admin@news.example").await;

        let bad = app.post_as("/admin/settings", &admin, &[("name", "X"), ("timezone", "Mars/Olympus"), ("language", "en"), ("base_url", "ftp://x")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text();
        assert!(html.contains("IANA time zone") && html.contains("http(s) URL"));
        assert!(app.get("/").await.text().contains("The Evening Ledger"), "nothing changed");
    }
}
