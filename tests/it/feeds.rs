//! Feeds as feed readers see them: every format and kind parsed by feedparser (after lxml has
//! checked the XML is well-formed), the JSON Feed checked member by member against version 1.1,
//! WordPress's addresses, paging, caching and bad input.

use axum::http::StatusCode;
use broadsheet::articles::service as articles;
use broadsheet::site::settings;
use serde_json::Value;

use crate::db_tests;
use crate::support::builders::{Newsroom, article, at_hours_before_start, newsroom, publish};
use crate::support::helpers;
use crate::support::{START, TestApp};

fn readers_available() -> bool {
    helpers::available(
        helpers::python_module("feedparser") && helpers::python_module("lxml"),
        "feedparser and lxml must be installed in CI",
        "pip install feedparser lxml to check feeds as readers parse them",
    )
}

/// What feedparser finds in a feed served as `content_type`; panics when lxml finds an XML
/// feed is not well-formed.
fn parsed(body: &[u8], content_type: &str) -> Value {
    let out = helpers::run_python("feed_check.py", &[content_type], body);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A JSON Feed in the shape `feed_check.py` gives for RSS and Atom (feedparser 6.0, the
/// current release, does not read JSON Feed), checking the members version 1.1 requires on
/// the way: `version`, `title`, `items`, and each item's string `id` and its content.
fn as_read_from_json(body: &[u8]) -> Value {
    let feed: Value = serde_json::from_slice(body).expect("the JSON Feed is JSON");
    let items = feed["items"].as_array().expect("items is required");
    let entries: Vec<Value> = items
        .iter()
        .map(|i| {
            assert!(i["id"].is_string(), "an item's id is a string: {i}");
            let content = i["content_html"].as_str().or(i["content_text"].as_str());
            assert!(content.is_some(), "an item has content_html or content_text: {i}");
            serde_json::json!({
                "id": i["id"],
                "title": i["title"],
                "link": i["url"],
                "published": i["date_published"],
                "updated": i["date_modified"],
                "authors": i["authors"].as_array().unwrap().iter().map(|a| a["name"].clone()).collect::<Vec<_>>(),
                "tags": i["tags"],
                "summary": i["summary"],
                "content": [content],
            })
        })
        .collect();
    serde_json::json!({
        "bozo": feed["version"] != "https://jsonfeed.org/version/1.1" || !feed["title"].is_string(),
        "bozo_exception": "not a JSON Feed 1.1",
        "version": "json11",
        "title": feed["title"],
        "entries": entries,
    })
}

/// Twelve stories an hour apart ("Story 1" the newest), the odd ones in Markets.
async fn stories(app: &TestApp, n: &Newsroom) -> Vec<i64> {
    let mut ids = vec![0];
    for i in 1..=12 {
        let mut input = article(n, &format!("Story {i}"));
        input.published_at = Some(at_hours_before_start(i));
        if i % 2 == 1 {
            input.section_id = n.markets;
        }
        ids.push(publish(app, input).await);
    }
    ids
}

async fn get_ok(app: &TestApp, path: &str) -> Vec<u8> {
    fetched(app, path).await.0
}

/// The body and Content-Type of a page that must be there.
async fn fetched(app: &TestApp, path: &str) -> (Vec<u8>, String) {
    let response = app.get(path).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{path}: {}",
        response.text()
    );
    let content_type = response.header("content-type").to_string();
    (response.bytes, content_type)
}

db_tests! {
    async fn every_feed_parses_cleanly_in_every_format(app) {
        if !readers_available() {
            return;
        }
        let n = newsroom(app).await;
        stories(app, &n).await;
        let base = settings::load(&app.db).await.unwrap().base_url;
        for (list, title, count) in [
            ("", "Broadsheet", 12),
            ("/business-news", "Business News | Broadsheet", 6),
            ("/markets", "Markets | Broadsheet", 6),
            ("/tag/retail", "Retail | Broadsheet", 12),
            ("/author/ada-reporter", "Ada Reporter | Broadsheet", 12),
        ] {
            for (kind, version) in [("", "rss20"), ("atom/", "atom10"), ("json/", "json11")] {
                let path = format!("{list}/feed/{kind}");
                let (body, content_type) = fetched(app, &path).await;
                let feed = if kind == "json/" {
                    as_read_from_json(&body)
                } else {
                    parsed(&body, &content_type)
                };
                assert_eq!(feed["bozo"], false, "{path}: {}", feed["bozo_exception"]);
                assert_eq!(feed["version"], version, "{path}");
                assert_eq!(feed["title"], title, "{path}");
                let entries = feed["entries"].as_array().unwrap();
                assert_eq!(entries.len(), count, "{path}");
                let first = &entries[0];
                let newest = if list == "/markets" { "Story 1" } else if list == "/business-news" { "Story 2" } else { "Story 1" };
                assert_eq!(first["title"], newest, "{path}");
                assert!(first["id"].as_str().unwrap().starts_with(&format!("{base}/?p=")), "{path}: {first}");
                assert!(first["link"].as_str().unwrap().starts_with(&format!("{base}/")), "{path}");
                assert!(first["published"].is_string() && first["updated"].is_string(), "{path}: {first}");
                assert_eq!(first["authors"][0], "Ada Reporter", "{path}");
                let tags: Vec<&str> = first["tags"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
                assert!(tags.contains(&"Retail"), "{path}: {tags:?}");
                assert!(first["summary"].as_str().unwrap().contains("Standfirst of"), "{path}");
                let content = first["content"][0].as_str().unwrap_or_default();
                assert!(content.contains("<blockquote>"), "{path}: the full text: {content}");
            }
        }
    }

    async fn the_json_feed_follows_version_1_1(app) {
        let n = newsroom(app).await;
        let ids = stories(app, &n).await;
        let base = settings::load(&app.db).await.unwrap().base_url;
        let response = app.get("/feed/json/").await;
        assert_eq!(response.header("content-type"), "application/feed+json; charset=utf-8");
        let feed: Value = serde_json::from_slice(&response.bytes).unwrap();
        assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
        assert!(feed["title"].is_string());
        assert_eq!(feed["home_page_url"], format!("{base}/"));
        assert_eq!(feed["feed_url"], format!("{base}/feed/json/"));
        assert!(feed["authors"][0]["name"].is_string(), "authors replaces author in 1.1");
        assert!(feed.get("author").is_none());
        let items = feed["items"].as_array().unwrap();
        assert_eq!(items.len(), 12);
        for item in items {
            assert!(item["id"].is_string(), "ids are strings: {item}");
            assert!(item["content_html"].is_string() || item["content_text"].is_string());
            for member in ["url", "image"] {
                if let Some(url) = item.get(member) {
                    assert!(url.as_str().unwrap().starts_with("http"), "{member} is absolute: {url}");
                }
            }
            for date in ["date_published", "date_modified"] {
                let text = item[date].as_str().unwrap();
                assert!(chrono::DateTime::parse_from_rfc3339(text).is_ok(), "{date}: {text}");
            }
            assert!(item["tags"].as_array().unwrap().iter().all(Value::is_string));
        }
        assert_eq!(items[0]["id"], format!("{base}/?p={}", ids[1]));

        // The id stays when the story moves: new slug, new section.
        let mut moved = article(&n, "Story 1");
        moved.slug = "story-one-renamed".into();
        moved.published_at = Some(at_hours_before_start(1));
        articles::update_article(&app.db, &app.clock, chrono_tz::UTC, ids[1], moved, Default::default()).await.unwrap();
        let feed: Value = serde_json::from_slice(&app.get("/feed/json/").await.bytes).unwrap();
        assert_eq!(feed["items"][0]["id"], format!("{base}/?p={}", ids[1]));
        assert!(feed["items"][0]["url"].as_str().unwrap().ends_with("/story-one-renamed"));
    }

    async fn wordpress_feed_addresses_answer(app) {
        let n = newsroom(app).await;
        let ids = stories(app, &n).await;
        let site = get_ok(app, "/feed/").await;
        for same in ["/feed", "/feed/rss2/", "/feed/rss2", "/feed/rss/"] {
            assert_eq!(get_ok(app, same).await, site, "{same} is the site's RSS feed");
        }
        assert_eq!(get_ok(app, "/tag/retail/feed").await, get_ok(app, "/tag/retail/feed/").await);
        for (from, to) in [
            ("/?feed=rss2", "/feed/"),
            ("/?feed=atom", "/feed/atom/"),
            ("/?feed=json", "/feed/json/"),
            ("/?feed=comments-rss2", "/comments/feed"),
            ("/business-news?feed=rss2", "/business-news/feed/"),
            ("/tag/retail?feed=atom", "/tag/retail/feed/atom/"),
            ("/author/ada-reporter?feed=rss2", "/author/ada-reporter/feed/"),
        ] {
            let r = app.get(from).await;
            assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY, "{from}");
            assert_eq!(r.header("location"), to, "{from}");
        }
        let article_path = "/markets/2026/06/story-1";
        assert_eq!(app.get(article_path).await.status, StatusCode::OK);
        let r = app.get(&format!("{article_path}?feed=rss2")).await;
        assert_eq!(r.header("location"), format!("{article_path}/feed"), "an article's feed is its comments'");
        // WordPress's permalink by id, which the feeds use as item ids.
        let r = app.get(&format!("/?p={}", ids[1])).await;
        assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(r.header("location"), article_path);
        for missing in ["/?p=999999", "/?p=abc", "/?p=-1", "/?feed=rss3", "/?feed=", "/business-news?feed=comments-rss2"] {
            assert_eq!(app.get(missing).await.status, StatusCode::NOT_FOUND, "{missing}");
        }
        // The home page itself is unaffected by parameters it does not read.
        assert_eq!(app.get("/?utm_source=x").await.status, StatusCode::OK);
    }

    async fn feeds_page_back_and_refuse_bad_input(app) {
        let n = newsroom(app).await;
        stories(app, &n).await;
        let mut s = settings::load(&app.db).await.unwrap();
        s.feed_items = 5;
        s.feed_full_text = false;
        settings::save(&app.db, &s).await.unwrap();
        let first: Value = serde_json::from_slice(&get_ok(app, "/feed/json/").await).unwrap();
        assert_eq!(first["items"].as_array().unwrap().len(), 5);
        assert!(first["next_url"].as_str().unwrap().ends_with("/feed/json/?paged=2"));
        assert!(first["items"][0].get("content_html").is_none(), "summaries only");
        assert!(first["items"][0]["content_text"].as_str().unwrap().starts_with("Standfirst of"));
        let rss = String::from_utf8(get_ok(app, "/feed/?paged=3").await).unwrap();
        assert_eq!(rss.matches("<item>").count(), 2, "twelve stories: 5, 5, 2");
        assert!(!rss.contains("rel=\"next\""), "the last page has no next");
        assert!(!rss.contains("<content:encoded>"));
        assert!(rss.contains("Story 11") && rss.contains("Story 12"));
        for bad in [
            "/feed/?paged=4",
            "/feed/?paged=0",
            "/feed/?paged=01",
            "/feed/?paged=-2",
            "/feed/?paged=99999999999999999999",
            "/feed/?paged=x",
            "/feed/xml/",
            "/feed/atom/extra",
            "/tag/no-such-tag/feed/",
            "/author/nobody/feed/atom/",
            "/no-such-section/feed/",
        ] {
            let r = app.get(bad).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}: {}", r.text());
        }
    }

    async fn feeds_are_cached_and_revalidated_like_pages(app) {
        let n = newsroom(app).await;
        stories(app, &n).await;
        let first = app.get("/feed/atom/").await;
        assert_eq!(first.header("content-type"), "application/atom+xml; charset=utf-8");
        let etag = first.header("etag").to_string();
        assert!(etag.starts_with("W/\""), "{etag}");
        assert!(!first.header("last-modified").is_empty());
        let again = app.get_with("/feed/atom/", &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        // A new story changes the feed at once.
        let mut fresh = article(&n, "Breaking story");
        fresh.published_at = Some(START.plus_seconds(-60));
        publish(app, fresh).await;
        let changed = app.get_with("/feed/atom/", &[("if-none-match", &etag)]).await;
        assert_eq!(changed.status, StatusCode::OK);
        assert!(changed.text().contains("Breaking story"));
    }

    async fn pages_announce_their_feeds(app) {
        let n = newsroom(app).await;
        stories(app, &n).await;
        let alternates = |html: &str| -> Vec<String> {
            html.split("<link rel=\"alternate\"")
                .skip(1)
                .filter_map(|rest| rest.split("href=\"").nth(1))
                .filter_map(|rest| rest.split('"').next())
                .map(str::to_string)
                .collect()
        };
        let site = ["/feed/", "/feed/atom/", "/feed/json/"];
        for (page, own) in [
            ("/", None),
            ("/business-news", Some("/business-news/feed/")),
            ("/tag/retail", Some("/tag/retail/feed/")),
            ("/author/ada-reporter", Some("/author/ada-reporter/feed/")),
            ("/markets/2026/06/story-1", None),
            ("/archive/2026/06", None),
            ("/newsletters", None),
        ] {
            let html = app.get(page).await.text();
            let found = alternates(&html);
            let mut expected: Vec<String> = site.iter().map(|s| s.to_string()).collect();
            expected.extend(own.map(str::to_string));
            assert_eq!(found, expected, "{page}");
            assert_eq!(html.matches("rel=\"canonical\"").count(), 1, "{page}");
            for href in found {
                assert_eq!(app.get(&href).await.status, StatusCode::OK, "{page} announces {href}");
            }
        }
    }

    async fn lead_pictures_travel_as_enclosures_through_the_image_service(app) {
        if !readers_available() {
            return;
        }
        app.load_demo(6).await;
        let (body, content_type) = fetched(app, "/feed/").await;
        let feed = parsed(&body, &content_type);
        assert_eq!(feed["bozo"], false, "{}", feed["bozo_exception"]);
        let entry = feed["entries"].as_array().unwrap().iter().find(|e| !e["enclosures"].as_array().unwrap().is_empty()).expect("a story with a picture");
        let url = entry["enclosures"][0].as_str().unwrap();
        assert_eq!(entry["media"][0].as_str().unwrap(), url);
        assert!(url.contains("/images/v2/raw/media:") && url.contains("format=jpg"), "{url}");
        let path = &url[url.find("/images/").unwrap()..];
        let picture = app.get(path).await;
        assert_eq!(picture.status, StatusCode::OK, "{path}");
        assert_eq!(picture.header("content-type"), "image/jpeg");
        let atom = String::from_utf8(get_ok(app, "/feed/atom/").await).unwrap();
        assert!(atom.contains("rel=\"enclosure\" type=\"image/jpeg\""));
        let json: Value = serde_json::from_slice(&get_ok(app, "/feed/json/").await).unwrap();
        assert!(json["items"].as_array().unwrap().iter().any(|i| i["image"].as_str().is_some_and(|u| u.contains("format=jpg"))));
        // Bodies link back to the site with absolute addresses.
        let content = entry["content"][0].as_str().unwrap();
        assert!(!content.contains("href=\"/"), "{content}");
    }
}
