//! Whole-page snapshots of the demo site. Both engines render against the same snapshot, so a
//! difference between SQLite and PostgreSQL shows up as a failure too.

use crate::db_tests;
use crate::support::TestApp;

/// The theme fingerprint changes with every stylesheet edit; it says nothing about the page.
/// Hides what differs between runs: the asset version, and what the per-database signing key
/// makes (the comment form's stamp, the generated avatars).
fn redact(app: &TestApp, html: &str) -> String {
    let html = html.replace(app.state.templates.asset_version(), "[asset-version]");
    let html = between(&html, "name=\"form_stamp\" value=\"", "\"", "[stamp]");
    between(&html, "<svg class=\"comment-avatar\"", "</svg>", "[avatar]")
}

/// Replaces the text between each `start` and the next `end`.
fn between(html: &str, start: &str, end: &str, with: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(start) {
        out.push_str(&rest[..at + start.len()]);
        rest = &rest[at + start.len()..];
        let stop = rest.find(end).unwrap_or(rest.len());
        out.push_str(with);
        rest = &rest[stop..];
    }
    out.push_str(rest);
    out
}

db_tests! {
    async fn demo_pages_match_their_snapshots(app) {
        app.load_demo(20).await;
        let home = app.get("/").await.text();
        let article = TestApp::first_article_link(&home);
        let section = app.get("/business-news").await.text();
        let article_html = app.get(&article).await.text();
        let discussed = crate::support::article_links(&home)
            .into_iter()
            .find(|l| home.contains(&format!("{l}#comments")))
            .expect("an article with comments");
        let discussed_html = app.get(&discussed).await.text();
        assert!(discussed_html.contains("class=\"comment-list\""));
        insta::assert_snapshot!("home", redact(app, &home));
        insta::assert_snapshot!("section_front", redact(app, &section));
        insta::assert_snapshot!("article", redact(app, &article_html));
        insta::assert_snapshot!("article_with_comments", redact(app, &discussed_html));
    }
}
