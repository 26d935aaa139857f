//! The pages are valid HTML by the current Nu HTML Checker (vnu). CI installs it (npm's
//! `vnu-jar`, pinned in e2e/package.json) and sets `BROADSHEET_VNU_JAR`; elsewhere the test says
//! it skipped.

use std::process::Command;

use axum::http::StatusCode;
use broadsheet::articles::service::{self as articles, Status};

use crate::support::builders::{Newsroom, article, publish};
use crate::support::{TestApp, helpers};

fn vnu_jar() -> Option<String> {
    let jar = helpers::env_value("BROADSHEET_VNU_JAR");
    helpers::available(
        jar.is_some(),
        "BROADSHEET_VNU_JAR must be set in CI",
        "set BROADSHEET_VNU_JAR to the Nu HTML Checker's vnu.jar",
    );
    jar
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_pass_the_nu_html_checker() {
    let Some(jar) = vnu_jar() else { return };
    let app = TestApp::sqlite().await;
    app.load_demo(20).await;
    let sections = articles::sections(&app.db).await.unwrap();
    let business = sections
        .iter()
        .find(|s| s.slug == "business-news")
        .unwrap()
        .id;
    let newsroom = Newsroom {
        business,
        markets: business,
        tag: 1,
        author: 1,
    };
    let mut gone = article(&newsroom, "Withdrawn");
    gone.status = Status::Archived;
    publish(&app, gone).await;

    broadsheet::newsletters::issues::create_draft(&app.db, &app.clock, 1, None)
        .await
        .unwrap();

    app.index().await;
    let home = app.get("/").await.text();
    let article_path = TestApp::first_article_link(&home);
    let discussed = crate::support::article_links(&home)
        .into_iter()
        .find(|l| home.contains(&format!("{l}#comments")))
        .expect("an article with comments");
    let pages = [
        ("home", "/", StatusCode::OK),
        ("section", "/business-news", StatusCode::OK),
        ("subsection", "/commodities", StatusCode::OK),
        ("article", article_path.as_str(), StatusCode::OK),
        ("article-comments", discussed.as_str(), StatusCode::OK),
        (
            "unsubscribe",
            "/comments/unsubscribe?c=1&sig=00",
            StatusCode::OK,
        ),
        ("tag", "/tag/airlines", StatusCode::OK),
        ("author", "/author/margot-ellingsen", StatusCode::OK),
        ("archive", "/archive/2026/06", StatusCode::OK),
        ("not-found", "/no/such/page", StatusCode::NOT_FOUND),
        ("gone", "/business-news/2026/06/withdrawn", StatusCode::GONE),
        ("search", "/search?q=decision", StatusCode::OK),
        ("search-nothing", "/search?q=haborr", StatusCode::OK),
        ("search-empty", "/search", StatusCode::OK),
    ];
    app.add_user(
        "chief@news.example",
        broadsheet::accounts::Role::Administrator,
    )
    .await;
    let chief = app.sign_in("chief@news.example").await;
    lay_out_fronts(&app, &chief, business).await;
    let admin_pages = [
        ("admin-login", "/admin/login"),
        ("admin-dashboard", "/admin"),
        ("admin-articles", "/admin/articles"),
        ("admin-editor", "/admin/articles/1"),
        ("admin-new", "/admin/articles/new"),
        ("admin-revisions", "/admin/articles/1/revisions"),
        ("admin-people", "/admin/people"),
        ("admin-outbox", "/admin/outbox"),
        ("admin-media", "/admin/media"),
        ("admin-structure", "/admin/structure"),
        ("admin-settings", "/admin/settings"),
        ("admin-integrations", "/admin/integrations"),
        ("admin-media-item", "/admin/media/1"),
        ("admin-account", "/admin/account"),
        ("admin-reset", "/admin/password-reset"),
        ("admin-comments", "/admin/comments"),
        ("admin-comments-spam", "/admin/comments?status=spam"),
        ("admin-comment", "/admin/comments/1"),
        ("admin-discussion", "/admin/comments/settings"),
        ("admin-privacy", "/admin/comments/privacy"),
        ("admin-newsletters", "/admin/newsletters"),
        ("admin-newsletter-new", "/admin/newsletters/new"),
        ("admin-newsletter", "/admin/newsletters/1"),
        ("admin-issues", "/admin/newsletters/1/issues"),
        ("admin-issue", "/admin/issues/1"),
        ("admin-fronts", "/admin/fronts"),
        ("admin-front", "/admin/fronts/home"),
        ("admin-front-preview", "/admin/fronts/home/preview"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, path) in admin_pages {
        let page = app.get_as(path, &chief).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &page.bytes).unwrap();
        files.push(file);
    }
    let article_id = discussed_id(&app.get(&discussed).await.text());
    let mut reader = crate::support::comments::Comment::new(article_id, "", "nope", "Kept text");
    reader.fields.push(("url", "ftp://x"));
    let again = app.comment(&reader).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let held = app
        .comment(&crate::support::comments::Comment::new(
            article_id,
            "First Timer",
            "first@mail.example",
            "Held for now",
        ))
        .await;
    let held = app
        .get(held.header("location").split('#').next().unwrap())
        .await;
    assert!(held.text().contains("awaiting moderation"));
    for (name, page) in [("comment-again", again), ("comment-held", held)] {
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &page.bytes).unwrap();
        files.push(file);
    }
    for (name, path, status) in pages {
        let page = app.get(path).await;
        assert_eq!(page.status, status, "{path}");
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &page.bytes).unwrap();
        files.push(file);
    }
    let output = Command::new("java")
        .args(["-jar", &jar, "--errors-only", "--format", "text"])
        .args(&files)
        .output()
        .expect("java runs the checker");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "the Nu HTML Checker found errors:\n{report}"
    );
    app.finish().await;
}

fn discussed_id(html: &str) -> i64 {
    html.split("name=\"comment_post_ID\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("the comment form names its article")
}

/// The home page and the Business News front laid out by an editor, each with a lead, a
/// hand-picked block and a "most commented" list, and a draft left on the home page's desk.
async fn lay_out_fronts(app: &TestApp, chief: &crate::support::admin::Browser, business: i64) {
    use crate::fronts::{change, place};
    let stories = articles::find_published(&app.db, app.clock.now(), "", 3)
        .await
        .unwrap();
    let [lead, pick, beside] = [0, 1, 2].map(|i| stories[i].id);
    for front in ["home".to_string(), format!("section-{business}")] {
        place(app, chief, &front, lead, "lead").await;
        let picks = [("op", "add-block"), ("kind", "picked"), ("title", "Picks")];
        change(app, chief, &front, &picks).await;
        place(app, chief, &front, pick, "block-0").await;
        change(
            app,
            chief,
            &front,
            &[("op", "add-block"), ("kind", "most_commented")],
        )
        .await;
        let published = app
            .post_as(
                &format!("/admin/fronts/{front}/publish"),
                chief,
                &[("when", "now")],
            )
            .await;
        assert_eq!(published.status, StatusCode::SEE_OTHER);
    }
    place(app, chief, "home", beside, "secondary").await;
}
