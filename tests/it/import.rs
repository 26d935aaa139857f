//! `broadsheet import wordpress` on both engines: every WordPress importer fixture imported with
//! the expected counts or refused with where and why; a newsroom-shaped export mapped whole
//! (sections from nested categories, statuses, lead images and pictures from the uploads
//! folder, galleries, threaded comments, links between posts); old addresses answering 301;
//! re-runs that update in place and duplicate nothing; dry runs that write nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use broadsheet::import::service::{self, ImportError, Options, Progress};
use broadsheet::import::summary::{Outcome, Summary};

use crate::db_tests;
use crate::media::jpeg;
use crate::support::{TestApp, image_config};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/fixtures/wxr/wordpress-importer/"
);

struct Quiet;

#[derive(sqlx::FromRow)]
struct ImportedArticle {
    slug: String,
    status: String,
    section: String,
    lead_media_id: Option<i64>,
    lead_alt: String,
    lead_caption: String,
    standfirst: String,
}

impl Progress for Quiet {
    fn pass(&self, _: &'static str, _: Option<u64>) {}
    fn advance(&self) {}
}

fn options() -> Options {
    Options {
        uploads: None,
        fetch_media: None,
        create_accounts: false,
        dry_run: false,
    }
}

async fn import(app: &TestApp, file: &Path, options: &Options) -> Result<Summary, ImportError> {
    service::run(&app.db, &app.clock, &app.state.media, file, options, &Quiet).await
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    let sql: &'static str = match table {
        "articles" => "SELECT COUNT(*) FROM articles",
        "comments" => "SELECT COUNT(*) FROM comments",
        "authors" => "SELECT COUNT(*) FROM authors",
        "sections" => "SELECT COUNT(*) FROM sections",
        "tags" => "SELECT COUNT(*) FROM tags",
        "media" => "SELECT COUNT(*) FROM media",
        "pages" => "SELECT COUNT(*) FROM pages",
        _ => unreachable!("a table the tests count"),
    };
    app.rows::<(i64,)>(sql).await[0].0
}

/// Each fixture's articles, comments, authors, sections, tags and pages after an import, or the
/// start of the message that refuses it.
const EXPECTED: &[(&str, Result<[i64; 6], &str>)] = &[
    ("a11y-unit-test-data.xml", Ok([47, 22, 0, 27, 82, 17])),
    ("authors-multiline.xml", Ok([1, 0, 3, 1, 0, 0])),
    ("e2e-wxr-comprehensive.xml", Ok([1, 1, 2, 2, 3, 1])),
    (
        "invalid-version-tag.xml",
        Err("33:38: WXR version \"abc\" is not supported"),
    ),
    ("large-authors.xml", Ok([0, 0, 300, 0, 0, 0])),
    (
        "malformed-simple.xml",
        Err("14:1: the file ends inside an entry"),
    ),
    (
        "malformed.xml",
        Err("27:17: this is not a WordPress export"),
    ),
    (
        "missing-version-tag.xml",
        Err("35:13: this is not a WordPress export"),
    ),
    ("namespace-edge-cases.xml", Ok([5, 0, 2, 3, 0, 0])),
    ("small-export.xml", Ok([6, 1, 3, 30, 29, 5])),
    ("term-formats.xml", Ok([0, 0, 0, 2, 3, 0])),
    ("test-serialized-comment-meta.xml", Ok([1, 1, 0, 1, 0, 0])),
    ("theme-unit-test-data.xml", Ok([58, 24, 2, 68, 174, 21])),
    ("valid-wxr-1.0.xml", Ok([3, 1, 0, 5, 4, 3])),
    ("valid-wxr-1.1.xml", Ok([1, 1, 1, 1, 1, 1])),
    ("wxr-utf-8-challenges.xml", Ok([1, 0, 1, 1, 1, 0])),
];

/// A second, empty site on the same engine as `app`.
async fn fresh_like(app: &TestApp) -> TestApp {
    if app.url.starts_with("postgres") {
        TestApp::postgres().await.unwrap()
    } else {
        TestApp::sqlite().await
    }
}

fn fixtures_present() -> bool {
    let present = Path::new(FIXTURES).is_dir();
    if !present {
        eprintln!("skipped: the WordPress importer's fixtures are not at {FIXTURES}");
    }
    present
}

/// Every fixture file of the WordPress importer: each imports or is refused, and never panics.
async fn every_fixture(app: &TestApp) {
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    assert!(names.len() >= 30, "{names:?}");
    let mut wrong = Vec::new();
    for name in names {
        let fresh = fresh_like(app).await;
        let outcome = import(&fresh, &Path::new(FIXTURES).join(&name), &options()).await;
        let expected = EXPECTED.iter().find(|(n, _)| *n == name).map(|(_, e)| e);
        match (outcome, expected) {
            (Ok(summary), Some(Ok(counts))) => {
                let got = [
                    count(&fresh, "articles").await,
                    count(&fresh, "comments").await,
                    count(&fresh, "authors").await,
                    count(&fresh, "sections").await,
                    count(&fresh, "tags").await,
                    count(&fresh, "pages").await,
                ];
                if &got != counts || summary.problems() > 0 {
                    wrong.push(format!("{name}: {got:?} instead of {counts:?}\n{summary}"));
                }
            }
            (Err(ImportError::Format(e)), Some(Err(message))) => {
                let said = format!("{}:{}: {}", e.line, e.column, e.message);
                assert!(said.starts_with(message), "{name}: {said}");
                assert_eq!(count(&fresh, "articles").await, 0, "{name}");
            }
            (Ok(summary), None) => {
                assert_eq!(summary.problems(), 0, "{name}:\n{summary}");
                assert!(count(&fresh, "articles").await <= 1, "{name}:\n{summary}");
            }
            (outcome, expected) => panic!("{name}: {outcome:?}, expected {expected:?}"),
        }
        fresh.finish().await;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// An export shaped like a newsroom's: nested categories, every status, an uploaded picture as
/// lead image and in the body, a gallery, links between posts, threaded comments of every fate.
fn newsroom_export(title_of_10: &str) -> String {
    let post = |id: u32,
                title: &str,
                status: &str,
                date: &str,
                link: &str,
                body: &str,
                terms: &str,
                extra: &str| {
        format!(
            r#"<item><title>{title}</title><link>{link}</link><dc:creator><![CDATA[jdoe]]></dc:creator>
<content:encoded><![CDATA[{body}]]></content:encoded><excerpt:encoded><![CDATA[The short of it.]]></excerpt:encoded>
<wp:post_id>{id}</wp:post_id><wp:post_date>{date}</wp:post_date><wp:post_date_gmt>{date}</wp:post_date_gmt>
<wp:comment_status>open</wp:comment_status><wp:post_name>post-{id}</wp:post_name><wp:status>{status}</wp:status>
<wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type>{terms}{extra}</item>
"#
        )
    };
    let comment = |id: u32, parent: u32, approved: &str, kind: &str, text: &str| {
        format!(
            r#"<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author><![CDATA[Reader {id}]]></wp:comment_author>
<wp:comment_author_email>r{id}@mail.example</wp:comment_author_email><wp:comment_author_url></wp:comment_author_url>
<wp:comment_author_IP>192.0.2.{id}</wp:comment_author_IP><wp:comment_date>2024-05-03 12:00:00</wp:comment_date>
<wp:comment_date_gmt>2024-05-03 10:{id:02}:00</wp:comment_date_gmt><wp:comment_content><![CDATA[{text}]]></wp:comment_content>
<wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>{kind}</wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>
"#
        )
    };
    let europe = r#"<category domain="category" nicename="europe"><![CDATA[Europe]]></category><category domain="post_tag" nicename="harbour"><![CDATA[Harbour]]></category>"#;
    let body_10 = concat!(
        "The harbour opened again on Friday.\n\n",
        "<figure><img src=\"https://old.example/wp-content/uploads/2024/05/boat-300x200.jpg\" alt=\"Boat\"></figure>\n\n",
        "Read <a href=\"https://old.example/?p=11\">the second story</a> too.\n\n",
        "[gallery]"
    );
    let comments_10 = [
        comment(100, 0, "1", "", "First!\n\nAnd a <b>second</b> paragraph."),
        comment(101, 100, "1", "comment", "A reply."),
        comment(102, 0, "spam", "", "Buy now"),
        comment(103, 0, "trash", "", "Deleted"),
        comment(104, 0, "1", "pingback", "A pingback"),
    ]
    .concat();
    let thumbnail = "<wp:is_sticky>1</wp:is_sticky><wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>20</wp:meta_value></wp:postmeta>";
    let items = [
        post(
            10,
            title_of_10,
            "publish",
            "2024-05-03 08:00:00",
            "https://old.example/2024/05/03/post-10/",
            body_10,
            europe,
            &format!("{thumbnail}{comments_10}"),
        ),
        post(
            11,
            "Second story",
            "publish",
            "2024-05-04 08:00:00",
            "https://old.example/?p=11",
            "Second.",
            "",
            "",
        ),
        post(
            12,
            "Binned",
            "trash",
            "2024-05-05 08:00:00",
            "https://old.example/?p=12",
            "Gone.",
            "",
            "",
        ),
        post(
            13,
            "Embargoed",
            "future",
            "2030-01-01 08:00:00",
            "https://old.example/?p=13",
            "Later.",
            "",
            "",
        ),
        post(
            14,
            "Staff only",
            "private",
            "2024-05-06 08:00:00",
            "https://old.example/?p=14",
            "Hush.",
            "",
            "",
        ),
    ]
    .concat();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Old News</title><link>https://old.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://old.example</wp:base_site_url><wp:base_blog_url>https://old.example</wp:base_blog_url>
<wp:author><wp:author_id>7</wp:author_id><wp:author_login><![CDATA[jdoe]]></wp:author_login><wp:author_email><![CDATA[jane@old.example]]></wp:author_email><wp:author_display_name><![CDATA[Jane Doe]]></wp:author_display_name></wp:author>
<wp:category><wp:term_id>2</wp:term_id><wp:category_nicename>news</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[News desk]]></wp:cat_name></wp:category>
<wp:category><wp:term_id>3</wp:term_id><wp:category_nicename>world</wp:category_nicename><wp:category_parent>news</wp:category_parent><wp:cat_name><![CDATA[World]]></wp:cat_name></wp:category>
<wp:category><wp:term_id>4</wp:term_id><wp:category_nicename>europe</wp:category_nicename><wp:category_parent>world</wp:category_parent><wp:cat_name><![CDATA[Europe]]></wp:cat_name></wp:category>
<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename>uncategorized</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[Uncategorized]]></wp:cat_name></wp:category>
<wp:tag><wp:term_id>5</wp:term_id><wp:tag_slug>harbour</wp:tag_slug><wp:tag_name><![CDATA[Harbour]]></wp:tag_name><wp:tag_description><![CDATA[Ships & docks]]></wp:tag_description></wp:tag>
<item><title>boat</title><link>https://old.example/2024/05/03/post-10/boat/</link><wp:post_id>20</wp:post_id>
<excerpt:encoded><![CDATA[Boats at dawn]]></excerpt:encoded><wp:post_parent>10</wp:post_parent><wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>
<wp:attachment_url>https://old.example/wp-content/uploads/2024/05/boat.jpg</wp:attachment_url>
<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key><wp:meta_value>2024/05/boat.jpg</wp:meta_value></wp:postmeta>
<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>A boat in the harbour</wp:meta_value></wp:postmeta>
<wp:postmeta><wp:meta_key>_wp_attachment_metadata</wp:meta_key><wp:meta_value><![CDATA[a:1:{{s:5:"width";i:64;}}]]></wp:meta_value></wp:postmeta></item>
{items}</channel></rss>
"#
    )
}

/// The export written to a folder with its uploads.
fn write_newsroom(dir: &Path, title_of_10: &str) -> (PathBuf, PathBuf) {
    let uploads = dir.join("uploads");
    std::fs::create_dir_all(uploads.join("2024/05")).unwrap();
    std::fs::write(uploads.join("2024/05/boat.jpg"), jpeg(64, 48)).unwrap();
    let file = dir.join("export.xml");
    std::fs::write(&file, newsroom_export(title_of_10)).unwrap();
    (file, uploads)
}

async fn location(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.get(path).await;
    (response.status, response.header("location").to_string())
}

db_tests! {
    async fn an_import_into_a_new_site_keeps_wordpress_ids_and_later_ids_follow_them(app) {
        if !fixtures_present() {
            return;
        }
        let file = PathBuf::from(FIXTURES).join("small-export.xml");
        import(app, &file, &options()).await.expect("imports");
        let ids = |sql: &'static str| async move { app.rows::<(i64, String)>(sql).await };
        let posts = ids("SELECT id, slug FROM articles ORDER BY id").await;
        assert_eq!(
            posts.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![1, 13, 15, 17, 19, 22],
            "every post keeps its WordPress id: {posts:?}"
        );
        let alpha = ids("SELECT id, slug FROM sections WHERE slug = 'alpha'").await;
        assert_eq!(alpha, vec![(8, "alpha".to_string())], "a category keeps its term id");
        let tag = ids("SELECT id, slug FROM tags WHERE slug = 'tag1'").await;
        assert_eq!(tag, vec![(33, "tag1".to_string())], "a tag keeps its term id");
        let comments = ids("SELECT id, author_name FROM comments").await;
        assert_eq!(comments.iter().map(|c| c.0).collect::<Vec<_>>(), vec![1]);
        let p = app.get("/wp-json/wp/v2/posts/22").await;
        assert_eq!(p.status, StatusCode::OK, "partners' links by id still resolve");

        // Ids given afterwards go on from the largest, on both engines.
        let n = crate::support::builders::newsroom(app).await;
        let next = crate::support::builders::publish(
            app,
            crate::support::builders::article(&n, "Written after the import"),
        )
        .await;
        assert!(next > 22, "a new article takes a fresh id, not a kept one: {next}");
        import(app, &file, &options()).await.expect("runs again");
        assert_eq!(count(app, "articles").await, 7, "a re-run adds nothing");
    }

    async fn every_wordpress_fixture_imports_or_is_refused(app) {
        if fixtures_present() {
            every_fixture(app).await;
        }
    }

    async fn a_newsroom_export_is_mapped_whole(app) {
        let dir = tempfile::tempdir().unwrap();
        let (file, uploads) = write_newsroom(dir.path(), "Harbour reopens");
        let with_uploads = Options { uploads: Some(uploads), create_accounts: true, ..options() };
        let summary = import(app, &file, &with_uploads).await.unwrap();
        assert_eq!(summary.total("articles", Outcome::Created), 4, "{summary}");
        assert!(summary.to_string().contains("1 sticky posts lead the home page"), "{summary}");
        assert!(summary.to_string().contains("/admin/password/setup/"), "{summary}");
        assert_eq!(summary.skipped("a post in WordPress's trash"), 1, "{summary}");
        assert_eq!(summary.skipped("a pingback or trackback"), 1, "{summary}");
        assert_eq!(summary.skipped("a comment in WordPress's trash"), 1, "{summary}");
        assert_eq!(summary.problems(), 0, "{summary}");

        // Categories: the top a section, everything below it a sub-section of the top.
        let sections: Vec<(String, String, Option<String>)> = app.rows(
            "SELECT s.slug, s.name, p.slug FROM sections s LEFT JOIN sections p ON p.id = s.parent_id ORDER BY s.slug",
        ).await;
        assert_eq!(sections, vec![
            ("europe".into(), "Europe".into(), Some("news".into())),
            ("news".into(), "News desk".into(), None),
            ("world".into(), "World".into(), Some("news".into())),
        ]);
        let tags: Vec<(String, String)> = app.rows("SELECT slug, description FROM tags").await;
        assert_eq!(tags, vec![("harbour".into(), "Ships & docks".into())]);

        let articles: Vec<ImportedArticle> = app
            .rows(
                "SELECT a.slug, a.status, s.slug AS section, a.lead_media_id, a.lead_alt, \
                 a.lead_caption, a.standfirst FROM articles a \
                 JOIN sections s ON s.id = a.section_id ORDER BY a.slug",
            )
            .await;
        let statuses: Vec<(&str, &str, &str)> = articles
            .iter()
            .map(|a| (a.slug.as_str(), a.status.as_str(), a.section.as_str()))
            .collect();
        assert_eq!(
            statuses,
            vec![
                ("post-10", "published", "europe"),
                ("post-11", "published", "news"),
                ("post-13", "scheduled", "news"),
                ("post-14", "archived", "news"),
            ]
        );
        let lead = &articles[0];
        assert!(lead.lead_media_id.is_some(), "the featured image is the lead image");
        assert_eq!(
            (lead.lead_alt.as_str(), lead.lead_caption.as_str()),
            ("A boat in the harbour", "Boats at dawn")
        );
        assert_eq!(lead.standfirst, "The short of it.");
        let media: Vec<(i64, String, String)> = app.rows("SELECT id, alt, caption FROM media").await;
        assert_eq!(media.len(), 1);
        assert_eq!(Some(media[0].0), lead.lead_media_id);

        // The body: the uploaded picture from the library, the gallery of attached pictures,
        // and the link to the second post pointed at its new address.
        let bodies: Vec<(String, String)> = app.rows("SELECT slug, body FROM articles ORDER BY slug").await;
        let body = &bodies[0].1;
        let library = format!("/images/v2/raw/media:{}", media[0].0);
        assert_eq!(body.matches(&library).count(), 2, "{body}");
        assert!(body.contains("<figure class=\"gallery\">"), "{body}");
        assert!(body.contains("<a href=\"/news/2024/05/post-11\">the second story</a>"), "{body}");
        let page = app.get("/europe/2024/05/post-10").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("srcset"), "library pictures are served in sizes");
        assert!(page.text().contains("Jane Doe"));

        // Comments: threaded, every fate kept, the address kept as Broadsheet keeps them.
        let comments: Vec<(String, String, Option<i64>, i64, String, String)> = app.rows(
            "SELECT c.author_name, c.status, c.parent_id, c.depth, c.ip, c.body FROM comments c ORDER BY c.id",
        ).await;
        assert_eq!(comments.len(), 3);
        assert_eq!((comments[0].1.as_str(), comments[0].3), ("approved", 1));
        assert_eq!(comments[0].5, "First!\n\nAnd a second paragraph.");
        assert_eq!(comments[0].4, "192.0.2.100");
        assert_eq!((comments[1].1.as_str(), comments[1].3), ("approved", 2));
        assert!(comments[1].2.is_some(), "a reply stays a reply");
        assert_eq!(comments[2].1, "spam");
        let count: Vec<(i64,)> = app.rows("SELECT comment_count FROM articles WHERE slug = 'post-10'").await;
        assert_eq!(count[0].0, 2);

        // The sticky post leads the home page.
        let home = app.get("/").await.text();
        assert_eq!(TestApp::first_article_link(&home), "/europe/2024/05/post-10");

        // The author has a staff account without a password, linked to the byline.
        let accounts: Vec<(String, String, Option<String>, Option<i64>)> = app
            .rows("SELECT email, role, password_hash, author_id FROM users")
            .await;
        let authors: Vec<(i64,)> = app.rows("SELECT id FROM authors WHERE slug = 'jdoe'").await;
        assert_eq!(
            accounts,
            vec![("jane@old.example".into(), "author".into(), None, Some(authors[0].0))]
        );

        // Old addresses answer with the new ones.
        for (old, new) in [
            ("/2024/05/03/post-10/", "/europe/2024/05/post-10"),
            ("/2024/05/03/post-10", "/europe/2024/05/post-10"),
            ("/?p=10", "/europe/2024/05/post-10"),
            ("/?p=11", "/news/2024/05/post-11"),
            ("/category/news/world/europe/", "/europe"),
            ("/category/news/world/europe/feed/", "/europe/feed"),
            ("/category/news/", "/news"),
            ("/category/uncategorized/", "/news"),
            ("/?cat=4", "/europe"),
            ("/?author=7", "/author/jdoe"),
            ("/2024/05/", "/archive/2024/05"),
            ("/2024/", "/archive/2024"),
            ("/2024/05/03/post-10/feed/", "/europe/2024/05/post-10"),
            ("/tag/harbour/", "/tag/harbour"),
            ("/author/jdoe/", "/author/jdoe"),
            ("/2024/05/03/post-10/boat/", "/europe/2024/05/post-10"),
            ("/?attachment_id=20", "/europe/2024/05/post-10"),
        ] {
            assert_eq!(location(app, old).await, (StatusCode::MOVED_PERMANENTLY, new.to_string()), "{old}");
        }
        assert_eq!(app.get("/?p=14").await.status, StatusCode::NOT_FOUND, "a private post stays hidden");
        assert_eq!(app.get("/2019/01/01/never-was/").await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get("/author/jdoe").await.status, StatusCode::OK);
        let tag_page = app.get("/tag/harbour").await;
        assert_eq!(tag_page.status, StatusCode::OK);
        assert!(tag_page.text().contains("<p class=\"list-description\">Ships &amp; docks</p>"));
    }

    async fn fetch_media_downloads_only_from_allowed_sources(app) {
        let picture = jpeg(64, 48);
        let router = axum::Router::new().route(
            "/wp-content/uploads/2024/05/boat.jpg",
            axum::routing::get(move || {
                let picture = picture.clone();
                async move { ([("content-type", "image/jpeg")], picture) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        let dir = tempfile::tempdir().unwrap();
        let export = newsroom_export("Harbour reopens")
            .replace("https://old.example/wp-content/uploads/", &format!("{origin}/wp-content/uploads/"));
        let file = dir.path().join("export.xml");
        std::fs::write(&file, &export).unwrap();

        let refused = fresh_like(app).await.with_images(image_config(&[], 1, 4));
        let fetching = Options { fetch_media: Some(refused.state.images.clone()), ..options() };
        let summary = import(&refused, &file, &fetching).await.unwrap();
        assert_eq!(summary.problems(), 1, "{summary}");
        assert!(summary.to_string().contains("cannot fetch"), "{summary}");
        assert_eq!(count(&refused, "media").await, 0);
        refused.finish().await;

        let images = image_config(std::slice::from_ref(&origin), 1, 4);
        let app = &fresh_like(app).await.with_images(images);
        let fetching = Options { fetch_media: Some(app.state.images.clone()), ..options() };
        let summary = import(app, &file, &fetching).await.unwrap();
        assert_eq!(summary.problems(), 0, "{summary}");
        assert_eq!(summary.total("media", Outcome::Created), 1, "{summary}");
        let lead: Vec<(Option<i64>,)> =
            app.rows("SELECT lead_media_id FROM articles WHERE slug = 'post-10'").await;
        assert!(lead[0].0.is_some(), "the fetched picture is the lead image");
        let bodies: Vec<(String,)> = app.rows("SELECT body FROM articles WHERE slug = 'post-10'").await;
        assert!(bodies[0].0.contains("/images/v2/raw/media:"), "{}", bodies[0].0);
    }

    async fn a_second_run_updates_in_place_and_duplicates_nothing(app) {
        let dir = tempfile::tempdir().unwrap();
        let (file, uploads) = write_newsroom(dir.path(), "Harbour reopens");
        let with_uploads = Options { uploads: Some(uploads), ..options() };
        import(app, &file, &with_uploads).await.unwrap();
        let before: Vec<(i64, String, i64)> =
            app.rows("SELECT id, headline, comment_count FROM articles ORDER BY id").await;

        let again = import(app, &file, &with_uploads).await.unwrap();
        assert_eq!(again.total("articles", Outcome::Unchanged), 4, "{again}");
        assert_eq!(again.total("articles", Outcome::Created), 0, "{again}");
        assert_eq!(again.total("media", Outcome::Unchanged), 1, "{again}");
        let after: Vec<(i64, String, i64)> =
            app.rows("SELECT id, headline, comment_count FROM articles ORDER BY id").await;
        assert_eq!(after, before);

        write_newsroom(dir.path(), "Harbour reopens at last");
        let changed = import(app, &file, &with_uploads).await.unwrap();
        assert_eq!(changed.total("articles", Outcome::Updated), 1, "{changed}");
        assert_eq!(changed.total("articles", Outcome::Unchanged), 3, "{changed}");
        assert_eq!(changed.total("comments", Outcome::Unchanged), 3, "{changed}");
        let headlines: Vec<(i64, String, i64)> =
            app.rows("SELECT id, headline, comment_count FROM articles ORDER BY id").await;
        assert_eq!(headlines.len(), 4);
        assert_eq!(headlines[0].1, "Harbour reopens at last");
        assert_eq!(headlines[0].0, before[0].0, "the same article, changed");
        assert_eq!(count(app, "comments").await, 3);
        assert_eq!(count(app, "media").await, 1);
        assert_eq!(count(app, "sections").await, 3);
    }

    async fn a_dry_run_reports_and_writes_nothing(app) {
        let dir = tempfile::tempdir().unwrap();
        let (file, uploads) = write_newsroom(dir.path(), "Harbour reopens");
        let dry = Options { uploads: Some(uploads), dry_run: true, ..options() };
        let summary = import(app, &file, &dry).await.unwrap();
        assert_eq!(summary.total("articles", Outcome::Created), 4, "{summary}");
        assert!(summary.to_string().contains("would be created"), "{summary}");
        for table in ["articles", "comments", "authors", "sections", "tags", "media"] {
            assert_eq!(count(app, table).await, 0, "{table}");
        }
        let files = walkdir(&app.data_dir().join("media"));
        assert!(files.is_empty(), "{files:?}");
    }

    async fn an_import_killed_and_run_again_ends_as_one_that_was_not(app) {
        let dir = tempfile::tempdir().unwrap();
        let file = generated_export(dir.path(), 300, 1500);
        let whole = fresh_like(app).await;
        let out = import_command(&whole, &dir.path().join("whole"), &file).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let expected = imported_state(&whole).await;
        assert_eq!(expected.0.len(), 300);
        whole.finish().await;

        let data = dir.path().join("killed");
        let mut child = import_command(app, &data, &file).spawn().unwrap();
        let started = Instant::now();
        loop {
            let done = count(app, "articles").await;
            if done >= 40 {
                break;
            }
            assert!(child.try_wait().unwrap().is_none(), "the import ended before it was killed");
            assert!(started.elapsed() < Duration::from_secs(120), "no progress: {done}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        broadsheet::db::snapshot::integrity_check(&app.db)
            .await
            .expect("SQLite's integrity check after the kill");
        let part = count(app, "articles").await;
        assert!((40..300).contains(&part), "killed part-way: {part}");

        let out = import_command(app, &data, &file).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let got = imported_state(app).await;
        assert_eq!(got.0.len(), expected.0.len());
        for (a, b) in got.0.iter().zip(&expected.0) {
            assert_eq!(a, b);
        }
        assert_eq!(got.1, expected.1);
    }

    async fn broken_meta_stops_at_its_item_with_the_rest_untouched(app) {
        let dir = tempfile::tempdir().unwrap();
        let good = newsroom_export("Harbour reopens");
        let broken = good.replacen(
            "<wp:post_type>post</wp:post_type>",
            "<wp:post_type>post</wp:post_type><wp:postmeta><wp:meta_key>x</wp:meta_key><wp:meta_value><![CDATA[a:2:{i:0;s:3:\"ab\";}]]></wp:meta_value></wp:postmeta>",
            1,
        );
        let file = dir.path().join("broken.xml");
        std::fs::write(&file, &broken).unwrap();
        let error = import(app, &file, &options()).await.unwrap_err();
        let ImportError::Item { line, message } = &error else {
            panic!("{error:?}");
        };
        let meta_at = broken.find("<wp:meta_key>x<").unwrap();
        let item_at = broken[..meta_at].rfind("<item>").unwrap();
        let item_line = broken[..item_at].matches('\n').count() as u64 + 1;
        assert_eq!(*line, item_line, "the line the broken item starts on");
        assert!(message.contains("serialised PHP value of meta \"x\""), "{message}");
        assert_eq!(count(app, "articles").await, 0, "no post is imported from a broken export");
    }
}

/// A generated export of `posts` posts and `comments` comments (bench/wxr_generate.py).
fn generated_export(dir: &Path, posts: u32, comments: u32) -> PathBuf {
    let file = dir.join("generated.xml");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/wxr_generate.py");
    let status = Command::new("python3")
        .arg(script)
        .arg(&file)
        .args([
            "--posts",
            &posts.to_string(),
            "--comments",
            &comments.to_string(),
        ])
        .status()
        .expect("python3 runs");
    assert!(status.success());
    file
}

fn import_command(app: &TestApp, data_dir: &Path, file: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    command
        .args(["--log", "warn", "--database-url", &app.url, "--data-dir"])
        .arg(data_dir)
        .args(["import", "wordpress"])
        .arg(file)
        .env_remove("BROADSHEET_DATABASE_URL")
        .env_remove("BROADSHEET_DATA_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// What an import leaves, to compare two: every article's fields that come from the export,
/// its counts of comments, tags and authors, and every comment's place in its thread.
async fn imported_state(app: &TestApp) -> (Vec<ArticleState>, Vec<(String, String, i64, String)>) {
    let articles = app
        .rows(
            "SELECT a.slug, a.headline, a.status, a.body, a.comment_count, \
             (SELECT COUNT(*) FROM article_tags t WHERE t.article_id = a.id) AS tags, \
             (SELECT COUNT(*) FROM article_authors t WHERE t.article_id = a.id) AS authors \
             FROM articles a ORDER BY a.slug",
        )
        .await;
    let comments = app
        .rows(
            "SELECT a.slug, c.author_name, c.depth, c.status FROM comments c \
             JOIN articles a ON a.id = c.article_id ORDER BY a.slug, c.created_at, c.author_name",
        )
        .await;
    (articles, comments)
}

#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
struct ArticleState {
    slug: String,
    headline: String,
    status: String,
    body: String,
    comment_count: i64,
    tags: i64,
    authors: i64,
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                walkdir(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}
