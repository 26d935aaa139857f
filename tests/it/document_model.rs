//! The article body's document model on both engines: Markdown bodies of earlier versions are
//! converted at start with their rendered HTML kept (the demo's 500 articles, and Markdown that
//! uses what the demo does not), and hostile HTML sent to any door comes out inert.

use broadsheet::articles::body;
use broadsheet::articles::service as articles;

use crate::db_tests;
use crate::support::TestApp;
use crate::support::builders::{article, newsroom, publish};

/// The page HTML the Markdown renderer of earlier versions produced.
fn old_render(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_SMART_PUNCTUATION;
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener"))
        .clean(&unsafe_html)
        .to_string()
}

/// HTML without the white space between tags, which no reader sees.
fn squeezed(html: &str) -> String {
    html.split('\n').map(str::trim).collect::<Vec<_>>().join("")
}

/// Runs `sql` with text and integer parameters on a connection of its own.
async fn execute(app: &TestApp, sql: &str, text: &[&str], id: i64) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if app.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&app.url).await.unwrap();
        let mut q = sqlx::query(sql);
        for t in text {
            q = q.bind(*t);
        }
        q.bind(id).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&app.url).await.unwrap();
        let mut q = sqlx::query(sql);
        for t in text {
            q = q.bind(*t);
        }
        q.bind(id).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

async fn bodies(app: &TestApp) -> Vec<(i64, String, String, i64)> {
    app.rows("SELECT id, body, body_html, body_schema FROM articles ORDER BY id")
        .await
}

/// Turns an article back into what an earlier version stored: Markdown, its rendered HTML and
/// schema 0.
async fn make_legacy(app: &TestApp, id: i64, markdown: &str) -> String {
    let html = old_render(markdown);
    let sql = "UPDATE articles SET body = $1, body_html = $2, body_schema = 0 WHERE id = $3";
    execute(app, sql, &[markdown, &html], id).await;
    html
}

/// Markdown the demo does not use, each with the page HTML the conversion gives — the listed,
/// deliberate differences from the old renderer's: list items hold paragraphs (the editor's
/// model has no tight lists; the theme spaces them the same), a picture is a figure with the
/// image service's sizes rather than an `<img>` inside a paragraph, a code block loses the
/// language class that ammonia already dropped, and a table's cells lose their alignment
/// styles (the schema keeps no styles).
const BEYOND_THE_DEMO: &[(&str, &str)] = &[
    (
        "* one\n* two\n\n1. first\n2. second\n",
        "<ul><li><p>one</p></li><li><p>two</p></li></ul><ol><li><p>first</p></li><li><p>second</p></li></ol>",
    ),
    (
        "A picture:\n\n![Cranes at dawn](/media/ab/cd.jpg)\n",
        "<p>A picture:</p><figure class=\"image\" data-size=\"inline\"><img src=\"/media/ab/cd.jpg\" loading=\"lazy\" decoding=\"async\" alt=\"Cranes at dawn\"></figure>",
    ),
    (
        "```rust\nlet x = 1;\n```\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n",
        "<pre><code>let x = 1;</code></pre><table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>",
    ),
    (
        "Plain <span style=\"color:red\">red</span> and <script>alert(1)</script> **bold** ~~gone~~.\n",
        "<p>Plain red and <strong>bold</strong> <s>gone</s>.</p>",
    ),
];

db_tests! {
    async fn markdown_bodies_are_converted_at_start_and_read_the_same(app) {
        app.load_demo(500).await;
        let demo = bodies(app).await;
        assert_eq!(demo.len(), 500);
        assert!(demo.iter().all(|(_, _, _, schema)| *schema == body::SCHEMA));
        // The demo writes documents now; its Markdown is what those documents say in Markdown,
        // which is what the demo generator wrote before (its pull quotes written with `>`).
        let mut before = Vec::new();
        for (id, doc, _, _) in &demo {
            let markdown = body::to_markdown(&doc.replace("<blockquote class=\"pull-quote\">", "<blockquote>"));
            assert!(markdown.contains("\n> "), "{markdown}");
            before.push((*id, make_legacy(app, *id, &markdown).await));
        }
        let extra_ids: Vec<i64> = demo.iter().take(BEYOND_THE_DEMO.len()).map(|r| r.0).collect();
        for (id, (markdown, _)) in extra_ids.iter().zip(BEYOND_THE_DEMO) {
            make_legacy(app, *id, markdown).await;
        }

        let converted = articles::upgrade_bodies(&app.db).await.unwrap();
        assert_eq!(converted, 500);
        assert_eq!(articles::upgrade_bodies(&app.db).await.unwrap(), 0, "each body once");

        let after = bodies(app).await;
        let mut identical = 0;
        for ((id, old_html), (_, doc, new_html, schema)) in before.iter().zip(&after) {
            assert_eq!(*schema, body::SCHEMA);
            assert_eq!(&body::from_html(doc), doc, "stored canonical");
            if let Some(n) = extra_ids.iter().position(|e| e == id) {
                assert_eq!(squeezed(new_html), BEYOND_THE_DEMO[n].1, "article {id}");
            } else {
                // The one difference: the old editor's `>` was its pull quote, and says so now.
                let old_html = old_html.replace("<blockquote>", "<blockquote class=\"pull-quote\">");
                assert_eq!(squeezed(new_html), squeezed(&old_html), "article {id} reads differently");
                identical += 1;
            }
        }
        assert_eq!(identical, 500 - BEYOND_THE_DEMO.len());

        // The converted articles are served, and their old revisions still compare.
        let home = app.get("/").await;
        let link = TestApp::first_article_link(&home.text());
        let page = app.get(&link).await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("<blockquote class=\"pull-quote\">"), "the demo's pull quote survives");
    }

    async fn a_revision_saved_as_markdown_is_restored_as_a_document(app) {
        let n = newsroom(app).await;
        let id = publish(app, article(&n, "Old revision")).await;
        let legacy = serde_json::json!({
            "section_id": n.business, "slug": "old-revision", "headline": "Old revision",
            "standfirst": "", "body_markdown": "Restored *from* Markdown.", "lead_media_id": null,
            "lead_alt": "", "lead_caption": "", "lead_credit": "", "status": "published",
            "published_at": 1_781_524_800_000_000_i64, "comments_open": true,
            "newsletter_topic": null, "seo_title": "", "seo_description": "",
            "tag_ids": [], "author_ids": [n.author],
        });
        let input = articles::ArticleInput::from_snapshot(&legacy.to_string()).unwrap();
        assert_eq!(input.body, "<p>Restored <em>from</em> Markdown.</p>\n");
        articles::update_article(&app.db, &app.clock, chrono_tz::UTC, id, input, Default::default())
            .await
            .unwrap();
        let stored = articles::editable(&app.db, chrono_tz::UTC, id).await.unwrap();
        assert_eq!(stored.input.body, "<p>Restored <em>from</em> Markdown.</p>\n");
    }

    async fn hostile_html_in_a_body_is_inert_on_the_page_and_in_the_feed(app) {
        let n = newsroom(app).await;
        let mut input = article(&n, "Hostile body");
        input.body = crate::comments::xss_vectors().join("\n");
        let id = publish(app, input).await;
        let stored = articles::editable(&app.db, chrono_tz::UTC, id).await.unwrap();
        assert_eq!(body::from_html(&stored.input.body), stored.input.body);
        let page = app.get("/business-news/2026/06/hostile-body").await;
        assert_eq!(page.status, 200);
        let html = page.text();
        let start = html.find("class=\"article-body").expect("the body");
        let shown = &html[start..];
        let shown = &shown[..shown.find("</article>").unwrap_or(shown.len())];
        for needle in ["<script", "=\"javascript:", "='javascript:", " onerror", " onload", " onmouseover", "<iframe", "<svg", "<object", "<embed", "style=", "<style"] {
            assert!(!shown.to_ascii_lowercase().contains(needle), "{needle} in the body: {shown}");
        }
        let feed = app.get("/feed").await.text();
        assert!(!feed.contains("&lt;script") && !feed.contains("=\"javascript:"), "the feed too");
    }
}
