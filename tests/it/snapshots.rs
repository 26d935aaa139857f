//! Whole-page snapshots of the demo site. Both engines render against the same snapshot, so a
//! difference between SQLite and PostgreSQL shows up as a failure too.

use crate::db_tests;
use crate::support::TestApp;

/// Hides what differs between runs and says nothing about the page: the asset version (the
/// theme's fingerprint, which changes with every stylesheet edit), and what the per-database
/// signing key makes (the comment form's stamp, the generated avatars).
pub fn redact(app: &TestApp, html: &str) -> String {
    let html = html.replace(app.state.templates.asset_version(), "[asset-version]");
    let html = between(&html, "name=\"form_stamp\" value=\"", "\"", "[stamp]");
    between(&html, "<svg class=\"comment-avatar\"", "</svg>", "[avatar]")
}

/// Replaces the text between each `start` and the next `end`.
pub fn between(html: &str, start: &str, end: &str, with: &str) -> String {
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
        app.index().await;
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
        let results = app.get("/search?q=decision&sort=newest").await.text();
        insta::assert_snapshot!("search_results", redact(app, &results));
        let nothing = app.get("/search?q=havrset").await.text();
        insta::assert_snapshot!("search_nothing", redact(app, &nothing));
    }

    async fn a_newsletter_issue_matches_its_snapshot(app) {
        app.load_demo(20).await;
        use broadsheet::newsletters::issues;
        let sections = broadsheet::articles::service::sections(&app.db).await.unwrap();
        let business = sections.iter().find(|s| s.slug == "business-news").unwrap().id;
        let newsroom = crate::support::builders::Newsroom { business, markets: business, tag: 1, author: 1 };
        let mut lead = crate::support::builders::article(&newsroom, "Ports brace for the tariff deadline");
        lead.lead_media_id = Some(1);
        lead.lead_alt = "Cranes at dusk".into();
        crate::support::builders::publish(app, lead).await;
        let mut other = crate::support::builders::article(&newsroom, "Retailers count the cost");
        other.section_id = sections.iter().find(|s| s.slug == "commodities").unwrap().id;
        crate::support::builders::publish(app, other).await;
        let everything = broadsheet::newsletters::service::NewsletterInput {
            name: "The Week".into(),
            cadence: "weekly".into(),
            send_time: "07:00".into(),
            send_weekday: 1,
            active: true,
            section_ids: sections.iter().map(|s| s.id).collect(),
            ..Default::default()
        };
        let weekly = broadsheet::newsletters::service::save(&app.db, &app.clock, None, everything)
            .await
            .unwrap();
        let id = issues::create_draft(&app.db, &app.clock, weekly, None).await.unwrap();
        let subject = issues::get(&app.db, id).await.unwrap().subject;
        issues::edit(&app.db, &app.clock, id, &subject, "Good morning.\n\nThe day in business.")
            .await
            .unwrap();
        let preview = issues::preview(&app.db, &app.state.templates, &app.clock, id).await.unwrap();
        assert!(preview.stories > 0, "the demo published something in the last week");
        insta::assert_snapshot!("newsletter_issue", preview.html);
    }
}
