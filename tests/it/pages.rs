//! The public pages: what each shows, in which order, and every error path.

use axum::http::StatusCode;
use broadsheet::articles::service::{self as articles, Status};

use crate::db_tests;
use crate::support::builders::{self, article, newsroom, publish};
use crate::support::{START, article_links};

fn position(html: &str, needle: &str) -> usize {
    html.find(needle)
        .unwrap_or_else(|| panic!("the page lacks {needle:?}"))
}

/// Each heading is at most one level below the one before it (h1 → h3 skips a level).
pub fn assert_headings_never_skip(html: &str, page: &str) {
    let levels: Vec<u32> = html
        .match_indices("<h")
        .filter_map(|(at, _)| html[at + 2..].chars().next().and_then(|c| c.to_digit(10)))
        .collect();
    assert!(
        levels.windows(2).all(|w| w[1] <= w[0] + 1),
        "{page}: heading levels skip: {levels:?}"
    );
}

db_tests! {
    async fn home_shows_lead_latest_and_section_blocks(app) {
        app.load_demo(30).await;
        let home = app.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        let html = home.text();
        assert_eq!(html.matches("<h1").count(), 1, "one h1");
        assert!(html.contains("The Broadsheet Ledger"));
        assert!(html.contains("class=\"lead-story\""), "a lead story");
        assert_eq!(html.matches("class=\"card card-secondary\"").count(), 4, "four stories beside it");
        let latest = html
            .split("id=\"block-1\" class=\"block-title\">Latest</h2>")
            .nth(1)
            .and_then(|rest| rest.split("</section>").next())
            .expect("a Latest list");
        assert_eq!(latest.matches("<li>").count(), 6, "a short Latest list");
        assert!(!latest.contains("<img"), "Latest is a compact list, without photographs");
        let headlines: Vec<&str> = html
            .split("class=\"card-headline\"><a href=\"")
            .chain(html.split("class=\"latest-headline\" href=\"").skip(1))
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        let distinct: std::collections::BTreeSet<&&str> = headlines.iter().collect();
        assert!(headlines.len() >= 20, "{headlines:?}");
        assert_eq!(distinct.len(), headlines.len(), "no story twice on the front: {headlines:?}");
        assert_headings_never_skip(&html, "/");
        for section in ["Business News", "World", "Politics", "Technology", "Markets", "Opinion", "Science", "Sport"] {
            assert!(html.contains(&format!(">{section}</a>")), "nav has {section}");
        }
        assert!(article_links(&html).len() >= 10);
        assert!(html.contains("class=\"skip-link\" href=\"#main\""));
    }

    async fn the_first_pictures_load_first_and_a_wrong_address_is_plainly_not_found(app) {
        app.load_demo(20).await;
        let home = app.get("/").await.text();
        let lead = home.split("card card-lead").nth(1).and_then(|c| c.split("</article>").next()).unwrap();
        assert!(lead.contains("loading=\"eager\" fetchpriority=\"high\""), "{lead}");
        let front = app.get("/business-news").await.text();
        let loading: Vec<&str> = front
            .split("<div class=\"card-list\">")
            .nth(1)
            .unwrap()
            .split("loading=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(loading.len() >= 2, "{loading:?}");
        assert_eq!(loading[0], "eager", "the first card is above the fold");
        assert!(loading[1..].iter().all(|l| *l == "lazy"), "{loading:?}");
        assert!(
            front.contains("sizes=\"(min-width: 40rem) 14rem, 7rem\""),
            "a list's thumbnails ask for their own width, not a column's"
        );
        let story = app.get(&crate::support::TestApp::first_article_link(&home)).await.text();
        let tag = story
            .split("href=\"/tag/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(|slug| format!("/tag/{slug}"))
            .expect("a tag on the article");
        for list in ["/business-news".to_string(), tag] {
            let page = app.get(&list).await;
            assert_eq!(page.status, StatusCode::OK, "{list}");
            let html = page.text();
            assert!(html.contains("<h2 class=\"visually-hidden\">Stories</h2>"), "{list}");
            assert_headings_never_skip(&html, &list);
        }
        let article = app.get(&crate::support::TestApp::first_article_link(&home)).await.text();
        assert!(article.contains("fetchpriority=\"high\" decoding=\"async\""), "the lead image comes first");
        for path in ["/no-such-section", "/no/such/page"] {
            let missing = app.get(path).await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND);
            assert!(missing.text().contains("We could not find that page."), "{path}");
            assert!(!missing.text().contains("no such section"), "{path} is not said to be a section");
        }
    }

    async fn article_page_has_every_part_in_order(app) {
        let n = newsroom(app).await;
        builders::newsletter(app, "White House Watch", n.markets).await;
        publish(app, article(&n, "Retailer cuts prices")).await;
        publish(app, article(&n, "Older story in business")).await;
        let page = app.get("/business-news/2026/06/retailer-cuts-prices").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        let order = [
            "class=\"section-label\" href=\"/business-news\">Business News</a>",
            "<h1 class=\"headline\">Retailer cuts prices</h1>",
            "class=\"standfirst\">Standfirst of Retailer cuts prices.",
            "Unlock the White House Watch newsletter for free",
            "action=\"/newsletters/subscribe\"",
            "href=\"/author/ada-reporter\">Ada Reporter</a>",
            "<time datetime=\"2026-06-15T11:00:00+00:00\">",
            "<blockquote>",
            "href=\"/tag/retail\" rel=\"tag\">Retail</a>",
            "Related articles",
            "Older story in business",
            "Leave a Reply",
            "class=\"back-to-top\" href=\"#top\"",
        ];
        let mut last = 0;
        for needle in order {
            let at = position(&html, needle);
            assert!(at > last, "{needle:?} comes after the previous part");
            last = at;
        }
        assert_eq!(html.matches("<h1").count(), 1);
        assert!(html.contains("\"@type\":\"NewsArticle\""));
        assert!(!html.contains("Updated"), "not edited, so no Updated stamp");
    }

    async fn updated_articles_say_so(app) {
        let n = newsroom(app).await;
        let id = publish(app, article(&n, "Edited later")).await;
        app.clock.advance_seconds(7200);
        let mut input = article(&n, "Edited later");
        input.standfirst = "A corrected standfirst.".into();
        articles::update_article(&app.db, &app.clock, chrono_tz::UTC, id, input, Default::default()).await.unwrap();
        let html = app.get("/business-news/2026/06/edited-later").await.text();
        assert!(html.contains("A corrected standfirst."), "cache was invalidated");
        assert!(html.contains("Updated <time datetime=\"2026-06-15T14:00:00+00:00\">"));
    }

    async fn closed_comments_and_no_promo(app) {
        let n = newsroom(app).await;
        let mut input = article(&n, "Quiet story");
        input.comments_open = false;
        input.newsletter_topic = None;
        publish(app, input).await;
        let html = app.get("/business-news/2026/06/quiet-story").await.text();
        assert!(html.contains("Comments are closed."));
        assert!(!html.contains("Leave a Reply"));
        assert!(!html.contains("newsletter-promo"), "no newsletter exists yet");
    }

    async fn the_promo_falls_back_to_the_section_newsletter(app) {
        let n = newsroom(app).await;
        builders::newsletter(app, "Business Briefing", n.business).await;
        let mut input = article(&n, "Unbranded story");
        input.newsletter_topic = Some("No such newsletter".into());
        publish(app, input).await;
        let html = app.get("/business-news/2026/06/unbranded-story").await.text();
        assert!(html.contains("Unlock the Business Briefing newsletter for free"));
        assert!(html.contains("name=\"newsletter\" value=\"business-briefing\""));
        let front = app.get("/business-news").await.text();
        assert!(front.contains("Get the Business Briefing newsletter, free"), "section fronts promote it too");
        assert!(front.contains("name=\"form\" value=\"section\""));
        assert!(!app.get("/markets").await.text().contains("newsletter-promo"), "not where it does not draw from");
    }

    async fn section_fronts_paginate(app) {
        let n = newsroom(app).await;
        for i in 0..25 {
            let mut input = article(&n, &format!("Story number {i}"));
            input.published_at = Some(builders::at_hours_before_start(i + 1));
            publish(app, input).await;
        }
        let first = app.get("/business-news").await;
        assert_eq!(first.status, StatusCode::OK);
        let html = first.text();
        assert_eq!(article_links(&html).len(), 20);
        assert!(html.contains("Page 1 of 2"));
        assert!(html.contains("rel=\"next\" href=\"/business-news?page=2\""));
        let second = app.get("/business-news?page=2").await.text();
        assert_eq!(article_links(&second).len(), 5);
        assert!(second.contains("Story number 24"));
        assert_eq!(app.get("/business-news?page=3").await.status, StatusCode::NOT_FOUND);
        let bad = app.get("/business-news?page=abc").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.text().contains("Page must be a whole number"));
        let empty = app.get("/markets").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.text().contains("Nothing has been published here yet."));
    }

    async fn tag_author_and_archive_pages(app) {
        let n = newsroom(app).await;
        publish(app, article(&n, "Shops reopen")).await;
        for (path, expect) in [
            ("/tag/retail", "<h1>Retail</h1>"),
            ("/author/ada-reporter", "<h1>Ada Reporter</h1>"),
            ("/archive/2026/06", "<h1>June 2026</h1>"),
            ("/archive/2026", "<h1>2026</h1>"),
        ] {
            let page = app.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            let html = page.text();
            assert!(html.contains(expect), "{path} shows {expect}");
            assert!(html.contains("Shops reopen"), "{path} lists the article");
        }
        assert!(!app.get("/archive/2026/05").await.text().contains("Shops reopen"));
        for path in ["/tag/nope", "/author/nobody", "/archive/2026/13", "/archive/20x6", "/no-such-section"] {
            assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
    }

    async fn unknown_urls_get_the_themed_404(app) {
        newsroom(app).await;
        let page = app.get("/no/such/page/at-all/here").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let html = page.text();
        assert!(html.contains("Page not found"));
        assert!(html.contains("class=\"site-nav\""), "in the site's design");
        assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
        let missing = app.get("/business-news/2026/06/never-written").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }

    async fn archived_articles_are_gone(app) {
        let n = newsroom(app).await;
        let mut input = article(&n, "Withdrawn story");
        input.status = Status::Archived;
        publish(app, input).await;
        let page = app.get("/business-news/2026/06/withdrawn-story").await;
        assert_eq!(page.status, StatusCode::GONE);
        assert!(page.text().contains("This article has been removed"));
    }

    async fn drafts_and_future_articles_stay_hidden(app) {
        let n = newsroom(app).await;
        let mut draft = article(&n, "Secret draft");
        draft.status = Status::Draft;
        draft.published_at = None;
        publish(app, draft).await;
        let mut scheduled = article(&n, "Tomorrow's news");
        scheduled.status = Status::Scheduled;
        scheduled.published_at = Some(START.plus_seconds(86_400));
        publish(app, scheduled).await;
        let mut future = article(&n, "Embargoed story");
        future.published_at = Some(START.plus_seconds(600));
        publish(app, future).await;
        let home = app.get("/").await.text();
        for headline in ["Secret draft", "Tomorrow", "Embargoed story"] {
            assert!(!home.contains(headline), "{headline} is not on the home page");
        }
        assert_eq!(app.get("/business-news/2026/06/embargoed-story").await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get("/business-news/2026/06/tomorrows-news").await.status, StatusCode::NOT_FOUND);
        // Nothing is written when the embargo ends: the watcher notices the time has come.
        let watch = broadsheet::app::spawn_change_watch(
            app.db.clone(),
            app.clock.clone(),
            std::time::Duration::from_millis(20),
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        app.clock.advance_seconds(601);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        watch.abort();
        assert_eq!(app.get("/business-news/2026/06/embargoed-story").await.status, StatusCode::OK);
        assert!(app.get("/").await.text().contains("Embargoed story"), "the cached home page was dropped");
    }

    async fn moved_articles_redirect_permanently(app) {
        let n = newsroom(app).await;
        let id = publish(app, article(&n, "Original headline")).await;
        let old = "/business-news/2026/06/original-headline";
        assert_eq!(app.get(old).await.status, StatusCode::OK);

        let mut input = article(&n, "Original headline");
        input.slug = "better-slug".into();
        input.section_id = n.markets;
        articles::update_article(&app.db, &app.clock, chrono_tz::UTC, id, input, Default::default()).await.unwrap();

        let moved = app.get(old).await;
        assert_eq!(moved.status, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(moved.header("location"), "/markets/2026/06/better-slug");
        assert_eq!(app.get("/markets/2026/06/better-slug").await.status, StatusCode::OK);

        let wrong_month = app.get("/markets/2025/01/better-slug").await;
        assert_eq!(wrong_month.status, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(wrong_month.header("location"), "/markets/2026/06/better-slug");
    }

    async fn duplicate_slugs_in_a_section_are_refused(app) {
        let n = newsroom(app).await;
        publish(app, article(&n, "Same title")).await;
        let err = articles::create_article(&app.db, &app.clock, article(&n, "Same title")).await.unwrap_err();
        assert_eq!(err.code(), "slug_taken");
        let mut elsewhere = article(&n, "Same title");
        elsewhere.section_id = n.markets;
        publish(app, elsewhere).await;
    }

    async fn invalid_articles_are_refused_with_field_errors(app) {
        let n = newsroom(app).await;
        let mut input = article(&n, "   ");
        input.slug = "Not A Slug".into();
        let err = articles::create_article(&app.db, &app.clock, input).await.unwrap_err();
        let message = err.to_string();
        assert_eq!(err.code(), "invalid");
        assert!(message.contains("headline"), "{message}");
        assert!(message.contains("slug"), "{message}");
        assert_eq!(articles::count_articles(&app.db).await.unwrap(), 0, "nothing was written");
    }

    async fn demo_is_deterministic(app) {
        app.load_demo(20).await;
        let first = app.get("/").await.text();
        app.load_demo(20).await;
        let second = app.get("/").await.text();
        assert_eq!(first, second, "the same seed and clock give the same newsroom");
        assert_eq!(articles::count_articles(&app.db).await.unwrap(), 20);
    }
}

db_tests! {
    async fn a_write_tells_the_caches_when_it_commits_and_only_then(app) {
        let n = newsroom(app).await;
        let before = app.db.generation();
        let mut tx = app.db.begin().await.unwrap();
        tx.bump_content_version().await.unwrap();
        drop(tx);
        assert_eq!(app.db.generation(), before, "a rolled-back change tells nobody");
        let mut input = article(&n, "Generation story");
        input.status = Status::Draft;
        input.published_at = None;
        let id = publish(app, input).await;
        assert_eq!(app.db.generation(), before + 1, "the save said once that content changed");
        articles::delete_article(&app.db, &app.clock, id).await.unwrap();
        assert_eq!(app.db.generation(), before + 2);
        assert!(!app.get("/").await.text().contains("href=\"/weather\""), "the home page, now cached");
        let other_node = broadsheet::db::connect(&app.url, 1).await.unwrap();
        let mut seen = None;
        other_node.follow_changes(&mut seen).await.unwrap();
        let create = articles::SectionInput {
            parent_id: None,
            name: "Weather".into(),
            slug: "weather".into(),
            description: String::new(),
            position: 9,
        };
        articles::create_section(&app.db, &create).await.unwrap();
        assert_eq!(app.db.generation(), before + 3, "a new section changes every page's navigation");
        assert!(other_node.follow_changes(&mut seen).await.unwrap(), "and every other node learns it");
        other_node.close().await;
        assert!(app.get("/").await.text().contains("href=\"/weather\""), "and the cached home page shows it");
    }
}
