//! The Ghost Content API beside the real thing: a small newsroom is made in Broadsheet, written
//! out as a Ghost import file from Broadsheet's own answers (same titles, slugs, dates, bodies,
//! tags and bylines), loaded into the reference Ghost (`../shared/tools/ghost`), and the same
//! paths are compared with the harness's `compare.mjs`. Every difference it reports must be one
//! that `docs/api-compatibility.md` lists; those are named here, each with why.

use std::process::Command;

use broadsheet::ghost_api::keys::{self, Caller};
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::builders::{article, newsroom, publish};
use crate::support::helpers::available;
use crate::support::{START, TestApp};

/// One Ghost for every case: they take turns.
static GHOST: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const HARNESS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/tools/ghost");

fn ghost_is_up() -> bool {
    Command::new("curl")
        .args([
            "-sf",
            "-o",
            "/dev/null",
            "http://127.0.0.1:2390/ghost/api/admin/site/",
        ])
        .status()
        .is_ok_and(|s| s.success())
}

/// Paths whose answers are compared, after `/ghost/api/content/`.
const PATHS: &[&str] = &[
    "posts/?include=tags,authors",
    "posts/?include=tags,authors&formats=html,plaintext&limit=2&page=2",
    "posts/slug/welcome/?include=tags,authors",
    "posts/?filter=tag:rust&fields=title,slug,published_at",
    "posts/?filter=tags:[rust,getting-started]%2Bpublished_at:>'2026-06-15 09:30:00'&fields=slug",
    "posts/?filter=(tag:rust,featured:true)%2Bslug:-second-post&fields=slug",
    "posts/?filter=primary_tag:getting-started&fields=slug",
    "posts/?order=title%20asc&fields=title&limit=2",
    "posts/?limit=all&fields=slug",
    "pages/",
    "pages/slug/about/",
    "tags/?include=count.posts",
    "tags/slug/rust/",
    "tags/?filter=slug:[rust,nothing]",
    "authors/?include=count.posts",
    "authors/slug/ada-writer/",
    "settings/",
    "tiers/",
    "posts/slug/nope/",
    "posts/?filter=tag:(",
    "posts/?page=abc",
];

/// A difference `compare.mjs` reports that the documentation allows, by the end of its JSON
/// path and what it says.
fn allowed(request: &str, line: &str) -> bool {
    let Some((path, what)) = line.trim().split_once(": ") else {
        return false;
    };
    let last = path.rsplit(['.', '[']).next().unwrap_or(path);
    let value_only = what.starts_with("ghost ");
    // Addresses follow Broadsheet's scheme (/section/yyyy/mm/slug, no trailing slash); bodies
    // are compared as text below, since Ghost renders its own HTML from what it imports.
    let own_rendering = matches!(last, "url" | "html" | "plaintext" | "excerpt");
    // Pages take no comments in Broadsheet; Ghost's follow the site's setting.
    let page_comments = path.starts_with("$.pages[") && last == "comments";
    // A Broadsheet reader reads for free: there is no paid tier; the tier's dates are each
    // site's own.
    let tiers = request.starts_with("tiers/")
        && (path == "$.tiers" && what.starts_with("length")
            || matches!(last, "created_at" | "updated_at" | "limit" | "total"));
    // Ghost's errors name the SQL engine or its parser in `context`; ours name the mistake.
    let error_detail = matches!(last, "context" | "code") && path.starts_with("$.errors");
    // Settings that describe a site, not the API: its name, look, social accounts, mail
    // addresses, the Ghost version and features Ghost has and Broadsheet does not.
    let site_setting =
        path.starts_with("$.settings.") && setting_may_differ(&path["$.settings.".len()..]);
    (value_only && (own_rendering || page_comments)) || tiers || error_detail || site_setting
}

fn setting_may_differ(key: &str) -> bool {
    let key = key.split(['.', '[']).next().unwrap_or(key);
    matches!(
        key,
        "title"
            | "description"
            | "accent_color"
            | "cover_image"
            | "facebook"
            | "twitter"
            | "navigation"
            | "secondary_navigation"
            | "timezone"
            | "version"
            | "labs"
            | "site_uuid"
            | "default_email_address"
            | "support_email_address"
            | "members_support_address"
            | "portal_button_style"
            | "portal_default_plan"
            | "portal_name"
            | "portal_button"
            | "portal_signup_gift_promotion"
            | "portal_account_gift_promotion"
    ) || key.starts_with("transistor_")
}

/// Text as it reads: tags dropped, whitespace collapsed, and the ` * ` Ghost's plain text puts
/// before a list item left out.
fn text(html: &str) -> String {
    broadsheet::articles::body::plain_text(&html.replace("</li>", "</li> ").replace("<br>", " "))
        .split_whitespace()
        .filter(|w| *w != "*")
        .collect::<Vec<_>>()
        .join(" ")
}

/// Builds the site in Broadsheet and returns the Ghost import file with the same content,
/// written from Broadsheet's own answers.
async fn site(app: &TestApp, key: &str) -> Value {
    let n = newsroom(app).await;
    let mut tx = app.db.begin().await.unwrap();
    let rust = broadsheet::articles::service::create_tag_in(&mut tx, "Rust")
        .await
        .unwrap();
    let started = broadsheet::articles::service::create_tag_in(&mut tx, "Getting Started")
        .await
        .unwrap();
    let ada = broadsheet::articles::service::create_author_in(
        &mut tx,
        "Ada Writer",
        "Writes about systems.",
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let posts = [
        (
            "Welcome to the site",
            "welcome",
            "The first post.",
            "<p>Hello <em>world</em>. A <a href=\"https://example.com/page\">link</a> and <strong>bold</strong> text.</p>",
            vec![started, rust],
            3,
        ),
        (
            "Second post",
            "second-post",
            "",
            "<p>Plain paragraph.</p><ul><li>one</li><li>two</li></ul><blockquote><p>A quote.</p></blockquote>",
            vec![rust],
            2,
        ),
        (
            "Third post",
            "third-post",
            "The third.",
            "<p>Three.</p>",
            vec![n.tag],
            1,
        ),
    ];
    for (title, slug, standfirst, body, tags, hours) in posts {
        let mut input = article(&n, title);
        input.slug = slug.into();
        input.standfirst = standfirst.into();
        input.body = body.into();
        input.tag_ids = tags;
        input.author_ids = vec![ada];
        input.published_at = Some(START.plus_seconds(-3600 * hours));
        publish(app, input).await;
    }
    let editor = app
        .add_user(
            "editor@news.example",
            broadsheet::accounts::roles::Role::Editor,
        )
        .await;
    broadsheet::pages::service::save(
        &app.db,
        &app.clock,
        &editor,
        None,
        broadsheet::pages::service::PageInput {
            parent_id: None,
            slug: "about".into(),
            title: "About".into(),
            body: "<p>About this site.</p>".into(),
            seo_title: String::new(),
            seo_description: String::new(),
            published_at: Some(START.plus_seconds(-7200)),
        },
        broadsheet::articles::workflow::Transition::Publish,
        None,
    )
    .await
    .unwrap();

    let get = |path: String| async move {
        let r = app
            .get(&format!("/ghost/api/content/{path}&key={key}"))
            .await;
        serde_json::from_slice::<Value>(&r.bytes).unwrap()
    };
    let ours = get("posts/?include=tags,authors&limit=all".into()).await;
    let pages = get("pages/?limit=all".into()).await;
    let tags = get("tags/?limit=all".into()).await;
    let mut g_posts = Vec::new();
    let mut posts_tags = Vec::new();
    let mut posts_authors = Vec::new();
    for (i, p) in ours["posts"]
        .as_array()
        .unwrap()
        .iter()
        .chain(pages["pages"].as_array().unwrap())
        .enumerate()
    {
        let id = format!("{:024x}", 0x3a00 + i);
        let is_page = p.get("show_title_and_feature_image").is_some();
        g_posts.push(json!({
            "id": id, "title": p["title"], "slug": p["slug"], "html": p["html"],
            "status": "published", "type": if is_page { "page" } else { "post" },
            "visibility": "public", "featured": false, "custom_excerpt": p["custom_excerpt"],
            "published_at": p["published_at"], "created_at": p["created_at"], "updated_at": p["updated_at"],
        }));
        for (order, t) in p["tags"].as_array().into_iter().flatten().enumerate() {
            posts_tags.push(json!({"post_id": id, "tag_id": t["id"], "sort_order": order}));
        }
        posts_authors
            .push(json!({"post_id": id, "author_id": "1a0000000000000000000001", "sort_order": 0}));
    }
    let g_tags: Vec<Value> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| json!({"id": t["id"], "name": t["name"], "slug": t["slug"], "description": t["description"], "visibility": "public"}))
        .collect();
    json!({"db": [{"meta": {"exported_on": 1_704_067_200_000_i64, "version": "6.65.0"}, "data": {
        "users": [{"id": "1a0000000000000000000001", "name": "Ada Writer", "slug": "ada-writer",
                   "email": "ada@example.com", "bio": "Writes about systems.", "status": "active"}],
        "roles_users": [{"user_id": "1a0000000000000000000001", "role_id": "author"}],
        "tags": g_tags,
        "posts": g_posts,
        "posts_tags": posts_tags,
        "posts_authors": posts_authors,
    }}]})
}

db_tests! {
    async fn the_content_api_answers_what_real_ghost_answers_for_the_same_site(app) {
        if !available(
            ghost_is_up(),
            "CI runs ../shared/tools/ghost/setup.sh first; the Ghost comparison must run",
            "the reference Ghost is not running (../shared/tools/ghost/setup.sh)",
        ) {
            return;
        }
        let _turn = GHOST.lock().await;
        let key = keys::create(&app.db, &app.clock, Caller::Operator, "compare").await.unwrap().key;
        let file = site(app, &key).await;
        let dir = tempfile::tempdir().unwrap();
        let import = dir.path().join("site.json");
        std::fs::write(&import, serde_json::to_vec(&file).unwrap()).unwrap();
        let seeded = Command::new("bash")
            .arg(format!("{HARNESS}/seed.sh"))
            .arg(&import)
            .output()
            .unwrap();
        assert!(seeded.status.success(), "seed: {}", String::from_utf8_lossy(&seeded.stderr));
        let addr = app.listen().await;
        let saved = dir.path().join("bodies");
        let out = Command::new("node")
            .arg(format!("{HARNESS}/compare.mjs"))
            .args(["--other", &format!("http://{addr}"), "--other-key", &key])
            .args(["--other-site", "http://127.0.0.1:8080", "--max", "1000"])
            .arg("--save")
            .arg(&saved)
            .args(PATHS)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout).to_string();
        assert_ne!(out.status.code(), Some(2), "a request failed: {report}{}", String::from_utf8_lossy(&out.stderr));
        let unexpected: Vec<&str> = report
            .lines()
            .scan("", |request, line| {
                if let Some(rest) = line.strip_prefix("DIFF ") {
                    *request = rest;
                }
                Some((*request, line))
            })
            .filter(|(request, l)| l.starts_with("  ") && !allowed(request, l))
            .map(|(_, l)| l)
            .collect();
        assert!(unexpected.is_empty(), "differences from Ghost the docs do not list:\n{}\n\nfull report:\n{report}", unexpected.join("\n"));
        assert_eq!(report.lines().filter(|l| l.starts_with("SAME") || l.starts_with("DIFF")).count(), PATHS.len(), "{report}");

        // Bodies: the same text, whatever each renders around it.
        for n in 1..=PATHS.len() {
            let read = |side: &str| -> Value {
                serde_json::from_slice(&std::fs::read(saved.join(format!("{n}.{side}.json"))).unwrap()).unwrap()
            };
            let (ghost, other) = (read("ghost"), read("other"));
            for resource in ["posts", "pages"] {
                let (Some(g), Some(o)) = (ghost[resource].as_array(), other[resource].as_array()) else {
                    continue;
                };
                for (g, o) in g.iter().zip(o) {
                    for field in ["html", "plaintext", "excerpt"] {
                        if let (Some(gv), Some(ov)) = (g[field].as_str(), o[field].as_str()) {
                            assert_eq!(text(gv), text(ov), "{} {field} of {}", PATHS[n - 1], g["slug"]);
                        }
                    }
                }
            }
        }
    }
}
