//! WordPress → Broadsheet → WordPress with the real thing (`../shared/tools/wordpress`: WordPress
//! 6.1 and its official importer): a site that WordPress itself exported is imported, exported
//! again, and imported into an empty WordPress, whose own export then holds every post, term and
//! comment (with its thread) and every featured image of the first.
//!
//! The reference site is one instance shared by every case, so cases take turns; its importer
//! fetches attachments only from ports it deems safe, so the files are served on 8080.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use axum::Router;
use axum::routing::get;
use broadsheet::articles::body;
use broadsheet::import::php;
use broadsheet::import::service::{self, Options, Progress};
use broadsheet::import::wxr::{self, Entry, Item};

use crate::db_tests;
use crate::media::jpeg;
use crate::support::TestApp;
use crate::support::helpers::available;

const TOOLS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/tools/wordpress");
const UPLOADS: &str = "/var/lib/wordpress-harness/wp-content/uploads";
const FILES: &str = "127.0.0.1:8080";

/// The reference site and port 8080, one case at a time.
pub(crate) static WORDPRESS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub(crate) struct Quiet;

impl Progress for Quiet {
    fn pass(&self, _: &'static str, _: Option<u64>) {}
    fn advance(&self) {}
}

pub(crate) fn wp(args: &[&str]) -> String {
    let out = Command::new(format!("{TOOLS}/wp.sh"))
        .args(args)
        .output()
        .expect("wp.sh runs");
    assert!(
        out.status.success(),
        "wp.sh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn wordpress_answers() -> bool {
    Path::new(TOOLS).is_dir()
        && Command::new("curl")
            .args(["-sf", "-o", "/dev/null", "http://127.0.0.1:8390/wp-json/"])
            .status()
            .is_ok_and(|s| s.success())
}

/// A small newsroom as WordPress holds one: a nested category, tags with descriptions, posts
/// of several statuses, a featured image, a thread of comments.
fn seed() -> String {
    let post = |id: u32, title: &str, status: &str, date: &str, category: &str, extra: &str| {
        format!(
            r#"<item><title>{title}</title><dc:creator><![CDATA[jdoe]]></dc:creator>
<content:encoded><![CDATA[<p>{title}: the <strong>whole</strong> story, with <a href="https://example.org/">a link</a>.</p>
<p>A second paragraph.</p>]]></content:encoded><excerpt:encoded><![CDATA[About {title}.]]></excerpt:encoded>
<wp:post_id>{id}</wp:post_id><wp:post_date>{date}</wp:post_date><wp:post_date_gmt>{date}</wp:post_date_gmt>
<wp:comment_status>open</wp:comment_status><wp:post_name>post-{id}</wp:post_name><wp:status>{status}</wp:status>
<wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type>
<category domain="category" nicename="{category}"><![CDATA[{category}]]></category>
<category domain="post_tag" nicename="harbour"><![CDATA[Harbour]]></category>{extra}</item>
"#
        )
    };
    let comment = |id: u32, parent: u32, approved: &str, text: &str| {
        format!(
            r#"<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author><![CDATA[Reader {id}]]></wp:comment_author>
<wp:comment_author_email>r{id}@mail.example</wp:comment_author_email><wp:comment_author_IP>192.0.2.{id}</wp:comment_author_IP>
<wp:comment_date>2024-05-03 10:{id:02}:00</wp:comment_date><wp:comment_date_gmt>2024-05-03 10:{id:02}:00</wp:comment_date_gmt>
<wp:comment_content><![CDATA[{text}]]></wp:comment_content><wp:comment_approved>{approved}</wp:comment_approved>
<wp:comment_type>comment</wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>
"#
        )
    };
    let thread = [
        comment(31, 0, "1", "First."),
        comment(32, 31, "1", "A reply to the first."),
        comment(33, 32, "1", "A reply to the reply."),
        comment(34, 0, "0", "Held for moderation."),
    ]
    .concat();
    let featured = format!(
        "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>20</wp:meta_value></wp:postmeta>{thread}"
    );
    let items = [
        post(
            10,
            "Harbour reopens",
            "publish",
            "2024-05-03 08:00:00",
            "world",
            &featured,
        ),
        post(
            11,
            "Council votes",
            "publish",
            "2024-05-04 08:00:00",
            "news",
            "",
        ),
        post(12, "Next year", "future", "2030-01-01 08:00:00", "news", ""),
        post(
            13,
            "Unfinished",
            "draft",
            "2024-05-05 08:00:00",
            "world",
            "",
        ),
        post(
            14,
            "Staff only",
            "private",
            "2024-05-06 08:00:00",
            "news",
            "",
        ),
    ]
    .concat();
    let page = |id: u32, title: &str, parent: u32, status: &str| {
        format!(
            r#"<item><title>{title}</title><dc:creator><![CDATA[jdoe]]></dc:creator>
<content:encoded><![CDATA[<!-- wp:paragraph --><p>{title} of the <em>Seed</em> newsroom.</p><!-- /wp:paragraph -->]]></content:encoded>
<wp:post_id>{id}</wp:post_id><wp:post_date>2024-01-01 09:00:00</wp:post_date><wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>
<wp:comment_status>closed</wp:comment_status><wp:post_name>{slug}</wp:post_name><wp:status>{status}</wp:status>
<wp:post_parent>{parent}</wp:post_parent><wp:post_type>page</wp:post_type></item>
"#,
            slug = title.to_lowercase()
        )
    };
    let items = [
        items,
        page(40, "About", 0, "publish"),
        page(41, "Contact", 40, "publish"),
        page(42, "Corrections", 0, "draft"),
    ]
    .concat();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Seed</title><link>https://seed.example</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://seed.example</wp:base_site_url><wp:base_blog_url>https://seed.example</wp:base_blog_url>
<wp:author><wp:author_id>7</wp:author_id><wp:author_login><![CDATA[jdoe]]></wp:author_login><wp:author_email><![CDATA[jane@seed.example]]></wp:author_email><wp:author_display_name><![CDATA[Jane Doe]]></wp:author_display_name></wp:author>
<wp:category><wp:term_id>2</wp:term_id><wp:category_nicename>news</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[News]]></wp:cat_name><wp:category_description><![CDATA[What happened]]></wp:category_description></wp:category>
<wp:category><wp:term_id>3</wp:term_id><wp:category_nicename>world</wp:category_nicename><wp:category_parent>news</wp:category_parent><wp:cat_name><![CDATA[World]]></wp:cat_name></wp:category>
<wp:tag><wp:term_id>5</wp:term_id><wp:tag_slug>harbour</wp:tag_slug><wp:tag_name><![CDATA[Harbour]]></wp:tag_name><wp:tag_description><![CDATA[Ships and docks]]></wp:tag_description></wp:tag>
<item><title>boat</title><wp:post_id>20</wp:post_id><wp:post_parent>10</wp:post_parent><wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>
<wp:post_date>2024-05-03 07:00:00</wp:post_date><wp:post_date_gmt>2024-05-03 07:00:00</wp:post_date_gmt>
<wp:attachment_url>http://{FILES}/wp-content/uploads/2024/05/boat.jpg</wp:attachment_url>
<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>A boat</wp:meta_value></wp:postmeta></item>
{items}</channel></rss>
"#
    )
}

/// A post as the comparison sees it: what a reader and an editor would call the same post.
#[derive(Debug, PartialEq, Eq)]
struct Post {
    title: String,
    status: String,
    date_gmt: String,
    text: String,
    excerpt: String,
    categories: BTreeSet<String>,
    tags: BTreeSet<String>,
    author: String,
    featured: Option<(i64, i64)>,
    /// Author, words, the author replied to, approval.
    comments: Vec<(String, String, Option<String>, String)>,
}

/// A page as the comparison sees it: title, status, words and the slug of its parent.
type PageState = (String, String, String, Option<String>);

/// A WordPress export as the comparison sees it: posts and pages by slug, categories by slug
/// with name, description and parent, tags by slug with name and description.
#[derive(Debug, PartialEq, Eq)]
struct Site {
    posts: BTreeMap<String, Post>,
    pages: BTreeMap<String, PageState>,
    categories: BTreeMap<String, (String, String, String)>,
    tags: BTreeMap<String, (String, String)>,
}

fn text(html: &str) -> String {
    body::plain_text(&body::from_html(html))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn meta<'a>(item: &'a Item, key: &str) -> &'a str {
    item.meta
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// The width and height WordPress recorded for an attachment.
fn dimensions(item: &Item) -> Option<(i64, i64)> {
    let value = php::unserialize(meta(item, "_wp_attachment_metadata")).ok()?;
    let number = |key| match value.get(key)? {
        php::Php::Int(n) => Some(*n),
        _ => None,
    };
    Some((number("width")?, number("height")?))
}

fn read_site(file: &Path) -> Site {
    let mut reader = wxr::open(file).unwrap();
    let mut items = Vec::new();
    let mut categories = BTreeMap::new();
    let mut tags = BTreeMap::new();
    while let Some(entry) = reader.next_entry().unwrap() {
        match entry {
            Entry::Category(f) => {
                categories.insert(
                    f.get("wp:category_nicename").to_string(),
                    (
                        f.get("wp:cat_name").to_string(),
                        f.get("wp:category_description").to_string(),
                        f.get("wp:category_parent").to_string(),
                    ),
                );
            }
            Entry::Tag(f) => {
                tags.insert(
                    f.get("wp:tag_slug").to_string(),
                    (
                        f.get("wp:tag_name").to_string(),
                        f.get("wp:tag_description").to_string(),
                    ),
                );
            }
            Entry::Item(item) => items.push(item),
            _ => {}
        }
    }
    let attachments: BTreeMap<&str, &Item> = items
        .iter()
        .filter(|i| i.fields.get("wp:post_type") == "attachment")
        .map(|i| (i.fields.get("wp:post_id"), i))
        .collect();
    let mut posts = BTreeMap::new();
    for item in items
        .iter()
        .filter(|i| i.fields.get("wp:post_type") == "post")
    {
        let f = &item.fields;
        let terms = |domain: &str| {
            item.terms
                .iter()
                .filter(|t| t.domain == domain)
                .map(|t| t.nicename.clone())
                .collect()
        };
        let authors: BTreeMap<&str, String> = item
            .comments
            .iter()
            .map(|c| {
                (
                    c.fields.get("wp:comment_id"),
                    c.fields.get("wp:comment_author").to_string(),
                )
            })
            .collect();
        let mut comments: Vec<_> = item
            .comments
            .iter()
            .map(|c| {
                let cf = &c.fields;
                (
                    cf.get("wp:comment_author").to_string(),
                    cf.get("wp:comment_content").trim().to_string(),
                    authors.get(cf.get("wp:comment_parent")).cloned(),
                    cf.get("wp:comment_approved").to_string(),
                )
            })
            .collect();
        comments.sort();
        let featured = attachments
            .get(meta(item, "_thumbnail_id"))
            .map(|a| dimensions(a).expect("the featured image's file was imported"));
        let date_gmt = match f.get("wp:status") {
            "draft" => String::new(),
            _ => f.get("wp:post_date_gmt").to_string(),
        };
        posts.insert(
            f.get("wp:post_name").to_string(),
            Post {
                title: f.get("title").to_string(),
                status: f.get("wp:status").to_string(),
                date_gmt,
                text: text(f.get("content:encoded")),
                excerpt: f.get("excerpt:encoded").to_string(),
                categories: terms("category"),
                tags: terms("post_tag"),
                author: f.get("dc:creator").to_string(),
                featured,
                comments,
            },
        );
    }
    let slugs: BTreeMap<&str, &str> = items
        .iter()
        .map(|i| (i.fields.get("wp:post_id"), i.fields.get("wp:post_name")))
        .collect();
    let pages = items
        .iter()
        .filter(|i| i.fields.get("wp:post_type") == "page")
        .map(|i| {
            let f = &i.fields;
            let parent = slugs.get(f.get("wp:post_parent")).map(|s| s.to_string());
            (
                f.get("wp:post_name").to_string(),
                (
                    f.get("title").to_string(),
                    f.get("wp:status").to_string(),
                    text(f.get("content:encoded")),
                    parent,
                ),
            )
        })
        .collect();
    Site {
        posts,
        pages,
        categories,
        tags,
    }
}

/// Serves the seed's picture, and everything else from Broadsheet, on port 8080 until the
/// returned sender is dropped.
async fn serve_files(app: &TestApp) -> tokio::sync::oneshot::Sender<()> {
    let picture = jpeg(120, 80);
    let router = Router::new()
        .route(
            "/wp-content/uploads/2024/05/boat.jpg",
            get(move || {
                let picture = picture.clone();
                async move { ([("content-type", "image/jpeg")], picture) }
            }),
        )
        .fallback_service(app.router.clone());
    let mut listener = None;
    for _ in 0..50 {
        match tokio::net::TcpListener::bind(FILES).await {
            Ok(l) => {
                listener = Some(l);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    let listener = listener.expect("port 8080 is free for the reference site's downloads");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .await
    });
    stop
}

db_tests! {
    async fn wordpress_to_broadsheet_to_wordpress_keeps_everything(app) {
        let up = wordpress_answers();
        if !available(
            up,
            "CI must set up the reference WordPress (../shared/tools/wordpress/setup.sh)",
            "the reference WordPress does not answer; run ../shared/tools/wordpress/setup.sh",
        ) {
            return;
        }
        let _turn = WORDPRESS.lock().await;
        let dir = tempfile::tempdir().unwrap();
        let stop = serve_files(app).await;
        let seed_file = dir.path().join("seed.xml");
        std::fs::write(&seed_file, seed()).unwrap();
        wp(&["reset"]);
        wp(&["import", seed_file.to_str().unwrap(), "--fetch-attachments"]);
        let first = dir.path().join("wordpress.xml");
        wp(&["export", first.to_str().unwrap()]);

        let options = Options {
            uploads: Some(UPLOADS.into()),
            fetch_media: None,
            create_accounts: false,
            dry_run: false,
        };
        let summary = service::run(&app.db, &app.clock, &app.state.media, &first, &options, &Quiet)
            .await
            .unwrap();
        assert_eq!(summary.problems(), 0, "{summary}");
        let ours = dir.path().join("broadsheet.xml");
        let mut out = std::fs::File::create(&ours).unwrap();
        broadsheet::import::export::write_wxr(&app.db, app.clock.now(), &mut out)
            .await
            .unwrap();
        drop(out);

        wp(&["reset"]);
        let counts = wp(&["import", ours.to_str().unwrap(), "--fetch-attachments"]);
        assert!(counts.contains("\"failed\":0"), "{counts}");
        let second = dir.path().join("again.xml");
        wp(&["export", second.to_str().unwrap()]);
        wp(&["reset"]);
        drop(stop);

        let before = read_site(&first);
        let after = read_site(&second);
        assert_eq!(before.posts.len(), 5, "{:?}", before.posts.keys());
        assert!(before.posts["post-10"].featured.is_some(), "the seed has a featured image");
        assert_eq!(before.posts["post-10"].comments.len(), 4);
        for (slug, post) in &before.posts {
            assert_eq!(after.posts.get(slug), Some(post), "{slug}");
        }
        assert_eq!(after.posts.len(), before.posts.len());
        assert_eq!(before.pages.len(), 3, "{:?}", before.pages);
        assert_eq!(before.pages["contact"].3.as_deref(), Some("about"));
        assert_eq!(after.pages, before.pages);
        assert_eq!(after.tags, before.tags);
        for (slug, category) in &before.categories {
            if slug != "uncategorized" {
                assert_eq!(after.categories.get(slug), Some(category), "{slug}");
            }
        }
    }
}
