//! Whole-page snapshots of the demo site. Both engines render against the same snapshot, so a
//! difference between SQLite and PostgreSQL shows up as a failure too.

use crate::db_tests;
use crate::support::TestApp;

/// The theme fingerprint changes with every stylesheet edit; it says nothing about the page.
fn redact(app: &TestApp, html: &str) -> String {
    html.replace(app.state.templates.asset_version(), "[asset-version]")
}

db_tests! {
    async fn demo_pages_match_their_snapshots(app) {
        app.load_demo(20).await;
        let home = app.get("/").await.text();
        let article = TestApp::first_article_link(&home);
        let section = app.get("/business-news").await.text();
        let article_html = app.get(&article).await.text();
        insta::assert_snapshot!("home", redact(app, &home));
        insta::assert_snapshot!("section_front", redact(app, &section));
        insta::assert_snapshot!("article", redact(app, &article_html));
    }
}
