//! What search engines read: sitemaps, the Google News sitemap and robots.txt, validated
//! against the sitemaps.org schemas (from `../shared/fixtures/xsd`) and small schemas of
//! Google's image and news extensions (`support/xsd`), with lxml and no network; and the
//! structured data of articles and section fronts.

use std::path::Path;

use axum::http::StatusCode;
use broadsheet::articles::service as articles;
use broadsheet::site::settings;

use crate::db_tests;
use crate::support::builders::{article, at_hours_before_start, newsroom, publish};
use crate::support::helpers;
use crate::support::{START, TestApp};

const SITEMAPS_ORG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/xsd");
const EXTENSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/support/xsd");

fn validators_available() -> bool {
    if !Path::new(SITEMAPS_ORG).join("sitemap.xsd").exists() {
        eprintln!("skipped: the sitemaps.org schemas are not at {SITEMAPS_ORG}");
        return false;
    }
    helpers::available(
        helpers::python_module("lxml"),
        "lxml must be installed in CI",
        "pip install lxml to validate sitemaps",
    )
}

/// Validates `xml` as a `sitemap` or a `siteindex`; panics with the validator's errors.
fn assert_valid(xml: &[u8], kind: &str, what: &str) {
    let out = helpers::run_python("xml_check.py", &[kind, SITEMAPS_ORG, EXTENSIONS], xml);
    assert!(
        out.status.success(),
        "{what} is not a valid {kind}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every JSON-LD block of a page, parsed.
fn structured_data(html: &str) -> Vec<serde_json::Value> {
    html.split("<script type=\"application/ld+json\">")
        .skip(1)
        .filter_map(|rest| rest.split("</script>").next())
        .map(|json| serde_json::from_str(json).expect("JSON-LD parses"))
        .collect()
}

/// The names along a BreadcrumbList.
fn trail(list: &serde_json::Value) -> Vec<String> {
    assert_eq!(list["@type"], "BreadcrumbList");
    list["itemListElement"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, item)| {
            assert_eq!(item["position"], i + 1);
            assert!(item["item"].as_str().unwrap().starts_with("http"));
            item["name"].as_str().unwrap().to_string()
        })
        .collect()
}

/// The text of every `<tag>…</tag>` in `xml`.
fn all<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    xml.split(&format!("<{tag}>"))
        .skip(1)
        .filter_map(|rest| rest.split(&format!("</{tag}>")).next())
        .collect()
}

async fn fetched(app: &TestApp, path: &str) -> String {
    let r = app.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    assert_eq!(
        r.header("content-type"),
        "application/xml; charset=utf-8",
        "{path}"
    );
    r.text()
}

db_tests! {
    async fn the_sitemap_index_and_every_sitemap_are_valid_and_complete(app) {
        if !validators_available() {
            return;
        }
        app.load_demo(40).await;
        let base = settings::load(&app.db).await.unwrap().base_url;
        let index = fetched(app, "/sitemap.xml").await;
        assert_valid(index.as_bytes(), "siteindex", "/sitemap.xml");
        let parts = all(&index, "loc");
        assert!(parts.iter().any(|p| p.ends_with("/sitemaps/pages.xml")));
        assert!(parts.iter().any(|p| p.ends_with("/sitemaps/tags.xml")));
        assert!(parts.iter().any(|p| p.ends_with("/sitemaps/authors.xml")));
        let months: Vec<&&str> = parts.iter().filter(|p| p.contains("/sitemaps/articles-")).collect();
        assert!(months.len() >= 2, "{index}");
        let mut listed = 0;
        let mut pictured = 0;
        for part in &parts {
            let path = part.strip_prefix(&base).expect("absolute, on this site");
            let xml = fetched(app, path).await;
            assert_valid(xml.as_bytes(), "sitemap", path);
            let urls = all(&xml, "loc");
            assert!(!urls.is_empty(), "{path} lists something");
            assert!(urls.iter().all(|u| u.starts_with(&base)), "{path}: every address absolute");
            if path.contains("/articles-") {
                listed += xml.matches("<url>").count();
                pictured += usize::from(xml.contains("<image:image><image:loc>"));
                let first = urls[0].strip_prefix(&base).unwrap();
                assert_eq!(app.get(first).await.status, StatusCode::OK, "{first} is a live article");
            }
        }
        assert_eq!(listed, 40, "every published article, once");
        assert!(pictured * 2 >= months.len(), "lead pictures in most months' sitemaps");
        let pages = fetched(app, "/sitemaps/pages.xml").await;
        assert!(pages.contains(&format!("<loc>{base}/</loc>")) && pages.contains(&format!("<loc>{base}/business-news</loc>")));
        // WordPress's sitemap address leads here.
        let wp = app.get("/wp-sitemap.xml").await;
        assert_eq!(wp.status, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(wp.header("location"), "/sitemap.xml");
    }

    async fn a_month_shows_its_latest_change_and_drafts_stay_out(app) {
        let n = newsroom(app).await;
        let mut june = article(&n, "June story");
        june.published_at = Some(at_hours_before_start(24));
        let june_id = publish(app, june).await;
        let mut may = article(&n, "May story");
        may.published_at = Some(at_hours_before_start(24 * 40));
        publish(app, may).await;
        let mut draft = article(&n, "Unfinished");
        draft.status = articles::Status::Draft;
        draft.published_at = None;
        publish(app, draft).await;
        let index = fetched(app, "/sitemap.xml").await;
        let june_entry = index.split("articles-2026-06.xml</loc>").nth(1).unwrap();
        let before = all(june_entry, "lastmod")[0].to_string();
        let june_map = fetched(app, "/sitemaps/articles-2026-06.xml").await;
        assert_eq!(june_map.matches("<url>").count(), 1, "{june_map}");
        assert!(june_map.contains("/june-story</loc>") && !june_map.contains("unfinished"));
        assert!(fetched(app, "/sitemaps/articles-2026-05.xml").await.contains("/may-story</loc>"));
        // An edit a day later moves the month's lastmod.
        app.clock.advance_seconds(86_400);
        let mut edited = article(&n, "June story");
        edited.published_at = Some(at_hours_before_start(24));
        edited.standfirst = "Now with more.".into();
        articles::update_article(&app.db, &app.clock, chrono_tz::UTC, june_id, edited, Default::default()).await.unwrap();
        let index = fetched(app, "/sitemap.xml").await;
        let after = all(index.split("articles-2026-06.xml</loc>").nth(1).unwrap(), "lastmod")[0].to_string();
        assert!(after > before, "{before} then {after}");
        for missing in [
            "/sitemaps/articles-2026-04.xml",
            "/sitemaps/articles-2026-06-p2.xml",
            "/sitemaps/articles-2026-13.xml",
            "/sitemaps/tags-p2.xml",
            "/sitemaps/everything.xml",
            "/sitemaps/articles-99999-01.xml",
        ] {
            assert_eq!(app.get(missing).await.status, StatusCode::NOT_FOUND, "{missing}");
        }
    }

    async fn the_news_sitemap_holds_the_last_two_days(app) {
        if !validators_available() {
            return;
        }
        let n = newsroom(app).await;
        for (headline, hours) in [("Fresh & new", 1), ("Yesterday's", 30), ("Last week's", 24 * 7)] {
            let mut input = article(&n, headline);
            input.published_at = Some(at_hours_before_start(hours));
            publish(app, input).await;
        }
        let mut embargoed = article(&n, "Embargoed");
        embargoed.published_at = Some(START.plus_seconds(3600));
        publish(app, embargoed).await;
        let news = fetched(app, "/news-sitemap.xml").await;
        assert_valid(news.as_bytes(), "sitemap", "/news-sitemap.xml");
        assert_eq!(all(&news, "news:title"), vec!["Fresh &amp; new", "Yesterday&apos;s"]);
        assert_eq!(all(&news, "news:name"), vec!["Broadsheet", "Broadsheet"]);
        assert_eq!(all(&news, "news:language")[0], "en");
        assert!(all(&news, "news:publication_date")[0].ends_with('Z'));
    }

    async fn robots_txt_points_to_the_sitemaps_unless_the_site_is_a_staging_copy(app) {
        newsroom(app).await;
        let base = settings::load(&app.db).await.unwrap().base_url;
        let robots = app.get("/robots.txt").await;
        assert_eq!(robots.header("content-type"), "text/plain; charset=utf-8");
        let text = robots.text();
        assert!(text.contains("Disallow: /admin/\nDisallow: /preview/\n"), "{text}");
        assert!(text.contains(&format!("Sitemap: {base}/sitemap.xml\n")));
        assert!(app.get("/").await.text().contains("content=\"max-image-preview:large\""));
        let mut s = settings::load(&app.db).await.unwrap();
        s.discourage_search = true;
        s.robots_extra = "User-agent: ExampleBot\nDisallow: /tag/".into();
        settings::save(&app.db, &s).await.unwrap();
        let text = app.get("/robots.txt").await.text();
        assert!(text.starts_with("User-agent: *\nDisallow: /\n"), "{text}");
        assert!(text.contains("User-agent: ExampleBot\nDisallow: /tag/"));
        assert!(!text.contains("Sitemap:"));
        assert!(app.get("/").await.text().contains("<meta name=\"robots\" content=\"noindex\">"));
        assert!(app.get("/business-news").await.text().contains("content=\"noindex\""));
    }

    async fn articles_and_section_fronts_describe_themselves_to_search_engines(app) {
        app.load_demo(8).await;
        let logo = broadsheet::media::service::library(&app.db, 1).await.unwrap().remove(0).path;
        let mut site = settings::load(&app.db).await.unwrap();
        site.logo_path = logo.clone();
        settings::save(&app.db, &site).await.unwrap();
        let home = app.get("/").await.text();
        let path = home
            .split("class=\"lead-story\"")
            .nth(1)
            .and_then(|rest| rest.split("href=\"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        let html = app.get(&path).await.text();
        let blocks = structured_data(&html);
        assert_eq!(blocks.len(), 1, "one script");
        let article = &blocks[0][0];
        assert_eq!(article["@type"], "NewsArticle");
        assert_eq!(article["mainEntityOfPage"], format!("{}{path}", site.base_url));
        for field in ["headline", "datePublished", "dateModified", "articleSection"] {
            assert!(article[field].is_string(), "{field}: {article}");
        }
        assert!(chrono::DateTime::parse_from_rfc3339(article["dateModified"].as_str().unwrap()).is_ok());
        let author = &article["author"][0];
        assert_eq!(author["@type"], "Person");
        assert!(author["url"].as_str().unwrap().starts_with(&format!("{}/author/", site.base_url)));
        assert_eq!(article["publisher"]["name"], site.name);
        assert_eq!(article["publisher"]["logo"]["url"], format!("{}/media/{logo}", site.base_url));
        let crops = article["image"].as_array().unwrap();
        assert_eq!(crops.len(), 3, "16:9, 4:3 and 1:1");
        for (crop, (w, h)) in crops.iter().zip([(16, 9), (4, 3), (1, 1)]) {
            let url = crop.as_str().unwrap();
            let picture = app.get(&url[url.find("/images/").unwrap()..]).await;
            assert_eq!(picture.status, StatusCode::OK, "{url}");
            let size = imagesize::blob_size(&picture.bytes).unwrap();
            assert!(size.width >= 1200, "{url}: {} wide", size.width);
            assert_eq!(size.width * h, size.height * w, "{url}: {}×{}", size.width, size.height);
        }
        let crumbs = trail(&blocks[0][1]);
        assert_eq!(crumbs.len(), 3);
        assert_eq!(crumbs[0], site.name);
        assert_eq!(crumbs[2], article["headline"].as_str().unwrap());
        assert!(html.contains("<meta name=\"robots\" content=\"max-image-preview:large\">"));

        let front = app.get("/business-news").await.text();
        assert_eq!(trail(&structured_data(&front)[0]), vec![site.name.clone(), "Business News".into()]);
        let sub = app.get("/commodities").await.text();
        assert_eq!(trail(&structured_data(&sub)[0]).len(), 3, "home, parent section, sub-section");
    }

    async fn link_cards_name_the_publication_and_the_author_on_x(app) {
        let n = newsroom(app).await;
        publish(app, article(&n, "Card story")).await;
        let page = "/business-news/2026/06/card-story";
        assert!(!app.get(page).await.text().contains("twitter:site"), "no handle, no tag");
        let mut site = settings::load(&app.db).await.unwrap();
        site.x_handle = "@Ledger_News".into();
        settings::save(&app.db, &site).await.unwrap();
        assert_eq!(settings::load(&app.db).await.unwrap().x_handle, "Ledger_News", "kept without the @");
        let profile = articles::AuthorInput {
            name: "Ada Reporter".into(),
            bio: String::new(),
            avatar_media_id: None,
            x_handle: "ada_writes".into(),
        };
        articles::save_author(&app.db, Some(n.author), &profile).await.unwrap();
        let html = app.get(page).await.text();
        assert!(html.contains("<meta name=\"twitter:site\" content=\"@Ledger_News\">"));
        assert!(html.contains("<meta name=\"twitter:creator\" content=\"@ada_writes\">"));
        assert!(app.get("/").await.text().contains("content=\"@Ledger_News\""), "every page");
        for bad in ["@with space", "far_too_long_a_handle", "émile", "@@x"] {
            let mut s = settings::load(&app.db).await.unwrap();
            s.x_handle = bad.into();
            assert!(settings::save(&app.db, &s).await.is_err(), "{bad}");
            let wrong = articles::AuthorInput { x_handle: bad.into(), name: "Ada Reporter".into(), bio: String::new(), avatar_media_id: None };
            assert!(articles::save_author(&app.db, Some(n.author), &wrong).await.is_err(), "{bad}");
        }
    }
}
