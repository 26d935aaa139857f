//! Search as readers and editors meet it, on both databases: what is found and when, how results
//! rank, filters, bad input, the WordPress address, the index catching up after a restart, and
//! related articles.

use axum::http::StatusCode;
use broadsheet::accounts::Role;
use broadsheet::articles::service::{self as articles, ArticleInput, Edit, Status};
use broadsheet::search::indexer::{Indexer, Quiet};
use broadsheet::search::{SearchIndex, related};
use broadsheet::site::settings;
use std::sync::Arc;

use crate::db_tests;
use crate::support::builders::{Newsroom, article, at_hours_before_start, newsroom, publish};
use crate::support::{START, TestApp};

/// The headlines of a results page, in order, without their highlighting.
fn headlines(html: &str) -> Vec<String> {
    html.split("<h2 class=\"result-headline\">")
        .skip(1)
        .map(|rest| {
            let inner = rest.split("</h2>").next().unwrap_or("");
            let mut text = String::new();
            let mut in_tag = false;
            for c in inner.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.replace("&#39;", "'").replace("&amp;", "&")
        })
        .collect()
}

async fn found(app: &TestApp, query: &str) -> Vec<String> {
    let r = app.get(&format!("/search?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text());
    headlines(&r.text())
}

/// A story with its own headline and body text.
fn story(n: &Newsroom, headline: &str, body: &str, hours_ago: i64) -> ArticleInput {
    let mut input = article(n, headline);
    input.standfirst = String::new();
    input.body = body.into();
    input.published_at = Some(at_hours_before_start(hours_ago));
    input
}

async fn set_status(app: &TestApp, id: i64, status: Status, at: Option<broadsheet::db::Timestamp>) {
    let mut input = articles::editable(&app.db, chrono_tz::UTC, id)
        .await
        .unwrap()
        .input;
    input.status = status;
    input.published_at = at;
    articles::update_article(
        &app.db,
        &app.clock,
        chrono_tz::UTC,
        id,
        input,
        Edit::default(),
    )
    .await
    .unwrap();
}

db_tests! {
    async fn published_articles_are_found_and_leave_when_withdrawn(app) {
        let n = newsroom(app).await;
        let id = publish(app, story(&n, "Harbour cranes fall silent", "Dockers walked out.", 2)).await;
        app.index().await;
        assert_eq!(found(app, "q=harbour").await, vec!["Harbour cranes fall silent"]);

        set_status(app, id, Status::Draft, None).await;
        assert!(app.index().await.changes > 0);
        assert!(found(app, "q=harbour").await.is_empty(), "a draft is not found");

        set_status(app, id, Status::Published, Some(at_hours_before_start(2))).await;
        app.index().await;
        assert_eq!(found(app, "q=harbour").await.len(), 1, "published again");

        set_status(app, id, Status::Archived, Some(at_hours_before_start(2))).await;
        app.index().await;
        assert!(found(app, "q=harbour").await.is_empty(), "archived is not found");

        articles::delete_article(&app.db, &app.clock, id).await.unwrap();
        app.index().await;
        assert!(found(app, "q=dockers").await.is_empty(), "deleted is not found");
    }

    async fn result_cards_follow_their_story_and_its_author(app) {
        let n = newsroom(app).await;
        let id = publish(app, story(&n, "Harbour cranes fall silent", "Dockers walked out.", 2)).await;
        app.index().await;
        let page = app.get("/search?q=harbour").await.text();
        assert!(page.contains(r#"class="card-section" href="/business-news""#), "the card's section: {page}");
        assert!(page.contains(">Ada Reporter</a>"), "the byline");

        let mut input = articles::editable(&app.db, chrono_tz::UTC, id).await.unwrap().input;
        input.section_id = n.markets;
        articles::update_article(&app.db, &app.clock, chrono_tz::UTC, id, input, Edit::default())
            .await
            .unwrap();
        app.index().await;
        let page = app.get("/search?q=harbour").await.text();
        assert!(
            page.contains(r#"class="card-section" href="/markets""#),
            "a kept card goes with its story's edit: {page}"
        );

        let renamed = articles::AuthorInput {
            name: "Ada Correspondent".into(),
            bio: String::new(),
            avatar_media_id: None,
            x_handle: String::new(),
        };
        articles::save_author(&app.db, Some(n.author), &renamed).await.unwrap();
        app.index().await;
        let page = app.get("/search?q=harbour").await.text();
        assert!(page.contains(">Ada Correspondent</a>"), "and with its author's new name: {page}");
        assert!(!page.contains(">Ada Reporter</a>"));
    }

    async fn scheduled_articles_appear_when_their_time_comes(app) {
        let n = newsroom(app).await;
        let mut input = story(&n, "Budget embargo lifts at noon", "Ministers agree.", 0);
        input.status = Status::Scheduled;
        input.published_at = Some(START.plus_seconds(3600));
        publish(app, input).await;
        let mut embargoed = story(&n, "Embargoed budget analysis", "Published, not yet due.", 0);
        embargoed.published_at = Some(START.plus_seconds(1800));
        publish(app, embargoed).await;
        app.index().await;
        assert!(found(app, "q=budget").await.is_empty(), "nothing is due yet");

        // Another spelling, as the page cache keeps the first until the generation watch (not
        // running in tests) moves on at the embargo's end.
        app.clock.advance_seconds(1800);
        assert_eq!(
            found(app, "q=Budget").await,
            vec!["Embargoed budget analysis"],
            "an embargo ends without anything being written"
        );
        app.clock.advance_seconds(1800);
        assert!(app.run_jobs().await >= 1, "the publication job runs");
        app.index().await;
        assert_eq!(found(app, "q=BUDGET").await.len(), 2);
    }

    async fn an_index_not_built_yet_answers_503_and_a_restarted_node_catches_up(app) {
        let n = newsroom(app).await;
        publish(app, story(&n, "Ferry timetable changes", "Crossings cut.", 3)).await;
        let r = app.get("/search?q=ferry").await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.header("retry-after"), "5");
        assert!(r.text().contains("being indexed"), "{}", r.text());
        assert!(app.index().await.rebuilt, "the first catch-up builds the index");

        // The node stops; another node writes meanwhile; the node starts again on its index.
        let written_while_down = publish(app, story(&n, "Ferry strike called off", "Talks.", 1)).await;
        let restarted = Indexer::new(Arc::new(SearchIndex::open(app.data_dir())));
        let caught = restarted.catch_up(&app.db, &Quiet).await.unwrap();
        assert!(!caught.rebuilt, "the index on disk is reused");
        assert_eq!(caught.changes, 1, "only what it missed is indexed");
        let live = restarted.index.live().unwrap();
        assert_eq!(live.reader.searcher().num_docs(), 2);
        assert!(written_while_down > 0);

        // A second node with its own data dir builds its own index from the database.
        let elsewhere = tempfile::tempdir().unwrap();
        let other = Indexer::new(Arc::new(SearchIndex::open(elsewhere.path())));
        assert!(other.catch_up(&app.db, &Quiet).await.unwrap().rebuilt);
        assert_eq!(other.index.live().unwrap().reader.searcher().num_docs(), 2);
    }

    async fn a_corrupt_index_is_rebuilt_and_a_new_language_rebuilds(app) {
        let n = newsroom(app).await;
        publish(app, story(&n, "Elections called early", "Voters will decide.", 3)).await;
        app.index().await;
        let root = app.data_dir().join("search");
        let current = std::fs::read_to_string(root.join("CURRENT")).unwrap();
        std::fs::write(root.join(current.trim()).join("meta.json"), b"{ not json").unwrap();
        let reopened = Indexer::new(Arc::new(SearchIndex::open(app.data_dir())));
        assert!(reopened.index.live().is_none(), "the broken index is not used");
        assert!(reopened.catch_up(&app.db, &Quiet).await.unwrap().rebuilt);
        assert_eq!(reopened.index.live().unwrap().reader.searcher().num_docs(), 1);

        // An index whose documents an older version built (other weights) is rebuilt too.
        let current = std::fs::read_to_string(root.join("CURRENT")).unwrap();
        let meta_path = root.join(current.trim()).join("meta.json");
        let mut meta: serde_json::Value = serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
        let mut mark: serde_json::Value = serde_json::from_str(meta["payload"].as_str().unwrap()).unwrap();
        mark["format"] = serde_json::json!(1);
        meta["payload"] = serde_json::Value::String(mark.to_string());
        std::fs::write(&meta_path, meta.to_string()).unwrap();
        let older = Indexer::new(Arc::new(SearchIndex::open(app.data_dir())));
        assert!(older.index.live().is_none(), "an index of another format is not used");
        assert!(older.catch_up(&app.db, &Quiet).await.unwrap().rebuilt);

        let mut site = settings::load(&app.db).await.unwrap();
        site.language = "fr".into();
        settings::save(&app.db, &site).await.unwrap();
        assert!(app.index().await.rebuilt, "another language, another stemmer");
        assert_eq!(found(app, "q=elections").await.len(), 1);
    }

    async fn relevance_follows_headlines_phrases_stems_and_spelling(app) {
        let n = newsroom(app).await;
        publish(app, story(&n, "Minister visits the new port", "The harbour master spoke of cranes and a new port authority.", 5)).await;
        publish(app, story(&n, "Harbour master resigns", "After a long dispute.", 5)).await;
        publish(app, story(&n, "Talks on trade", "A new deal covers the port and, separately, new authority for the regulator.", 5)).await;
        publish(app, story(&n, "Government elections postponed", "Officials cite flooding in Zürich and Malmö.", 5)).await;
        publish(app, story(&n, "Davies leads the count", "Davies is ahead.", 6)).await;
        publish(app, story(&n, "Davis trails in the count", "Davis is behind.", 6)).await;
        publish(app, story(&n, "Rail fares rise again", "Commuters pay more.", 400)).await;
        let mut newer = story(&n, "Rail fares rise again", "Commuters pay more.", 2);
        newer.section_id = n.markets;
        publish(app, newer).await;
        app.index().await;

        assert_eq!(found(app, "q=harbour+master").await[0], "Harbour master resigns", "the headline match first");
        let phrase = found(app, "q=new+port+authority").await;
        assert_eq!(phrase[0], "Minister visits the new port", "words together beat words scattered: {phrase:?}");
        assert_eq!(found(app, "q=%22new+port+authority%22").await, vec!["Minister visits the new port"], "an exact phrase");
        assert_eq!(found(app, "q=%22port+authority%22").await, vec!["Minister visits the new port"], "a phrase of two words");
        assert_eq!(found(app, "q=%22authority+new%22").await, Vec::<String>::new(), "a phrase is in order");
        assert_eq!(found(app, "q=%22master+spoke+of+cranes%22").await, vec!["Minister visits the new port"], "a stop word inside");
        assert_eq!(found(app, "q=%22master+spoke+of+talks%22").await, Vec::<String>::new());
        assert_eq!(found(app, "q=port+-%22new+port%22").await, vec!["Talks on trade"], "an excluded phrase");
        assert_eq!(found(app, "q=election").await, vec!["Government elections postponed"], "stemming");
        assert_eq!(found(app, "q=ZURICH").await.len(), 1, "case and accents fold");
        assert_eq!(found(app, "q=malmo").await.len(), 1);
        assert_eq!(found(app, "q=goverment").await, vec!["Government elections postponed"], "one typo in a long word");
        assert_eq!(found(app, "q=davies").await[0], "Davies leads the count", "a name as written first");
        let fares = app.get("/search?q=rail+fares").await.text();
        assert!(TestApp::first_article_link(&fares).starts_with("/markets/"), "newer first at equal relevance");
        assert_eq!(found(app, "q=port+-harbour").await, vec!["Talks on trade"], "an excluded word");
        assert!(found(app, "q=ada+reporter").await.len() >= 8, "authors are searchable");
        assert!(found(app, "q=retail").await.len() >= 8, "tags are searchable");

        let nothing = app.get("/search?q=haborr+masterz").await.text();
        assert!(nothing.contains("Nothing we have published matches"), "{nothing}");
        assert!(nothing.contains("Did you mean <a href=\"/search?q=harbour+master\">harbour master</a>"), "{nothing}");
    }

    async fn filters_sorting_and_pages(app) {
        let n = newsroom(app).await;
        for i in 1..=12 {
            let mut input = story(&n, &format!("Strike day {i}"), "Walkout continues.", i);
            if i % 3 == 0 {
                input.section_id = n.markets;
                input.tag_ids = Vec::new();
            }
            publish(app, input).await;
        }
        app.index().await;
        let all = app.get("/search?q=strike").await.text();
        assert!(all.contains("12 results for <strong>strike</strong>, page 1 of 2"), "{all}");
        assert_eq!(found(app, "q=strike&page=2").await.len(), 2);
        assert_eq!(app.get("/search?q=strike&page=3").await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get("/search?q=strike&page=abc").await.status, StatusCode::BAD_REQUEST);
        let last = format!("/search?q=strike&page={}", i64::MAX);
        assert_eq!(app.get(&last).await.status, StatusCode::NOT_FOUND, "no overflow");
        assert_eq!(found(app, "q=strike&section=markets").await.len(), 4);
        assert_eq!(found(app, "q=strike&tag=retail").await.len(), 8);
        assert_eq!(found(app, "q=strike&author=ada-reporter&page=2").await.len(), 2);
        let newest = found(app, "q=strike&sort=newest").await;
        assert_eq!(&newest[..3], ["Strike day 1", "Strike day 2", "Strike day 3"]);
        let day = START.to_datetime().format("%Y-%m-%d").to_string();
        let today = app.get(&format!("/search?q=strike&from={day}&to={day}")).await.text();
        assert!(today.contains("12 results"), "every story is from today (UTC)");
        let yesterday = (START.to_datetime() - chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
        assert!(found(app, &format!("q=strike&to={yesterday}")).await.is_empty());
    }

    async fn bad_queries_get_a_normal_page_and_are_echoed_inert(app) {
        let n = newsroom(app).await;
        publish(app, story(&n, "Quiet day", "Nothing happened.", 1)).await;
        app.index().await;
        let long = "a".repeat(20_000);
        for q in ["%22", "(", "AND+AND", "-", ")", "%22%22", "-%22", "a:b", "%E2%80%8B", long.as_str(), "field:value^3~2*"] {
            let r = app.get(&format!("/search?q={q}")).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text());
        }
        let r = app.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(!html.contains("<script>alert(1)"), "the query is escaped");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;") || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"), "results are not indexed");
        let empty = app.get("/search").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.text().contains("id=\"search-q\""));
    }

    async fn wordpress_search_addresses_redirect(app) {
        let r = app.get("/?s=harbour+strike").await;
        assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(r.header("location"), "/search?q=harbour+strike");
        let home = app.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        let html = home.text();
        assert!(html.contains("\"@type\":\"SearchAction\""), "the home page names its search");
        assert!(html.contains("/search?q={search_term_string}"));
        assert!(html.contains("role=\"search\""), "the masthead has a search form");
    }

    async fn the_desk_searches_the_index_with_each_roles_visibility(app) {
        let n = newsroom(app).await;
        let author = app.add_user("author@news.example", Role::Author).await;
        let editor = app.add_user("editor@news.example", Role::Editor).await;
        let mut own = story(&n, "Draft about the harbour", "Unfinished.", 1);
        own.status = Status::Draft;
        own.published_at = None;
        own.created_by = Some(author.id);
        publish(app, own).await;
        let mut other = story(&n, "Another harbour draft", "Someone else's.", 1);
        other.status = Status::Draft;
        other.published_at = None;
        publish(app, other).await;
        publish(app, story(&n, "Harbour reopens", "Ships return.", 1)).await;
        app.index().await;

        let as_editor = app.sign_in(&editor.email).await;
        let list = app.get_as("/admin/articles?q=harbour", &as_editor).await.text();
        for h in ["Draft about the harbour", "Another harbour draft", "Harbour reopens"] {
            assert!(list.contains(h), "an editor finds {h}");
        }
        let drafts = app.get_as("/admin/articles?q=harbour&status=draft", &as_editor).await.text();
        assert!(!drafts.contains("Harbour reopens"));

        let as_author = app.sign_in(&author.email).await;
        let list = app.get_as("/admin/articles?q=harbour", &as_author).await.text();
        assert!(list.contains("Draft about the harbour"), "an author finds their own");
        assert!(!list.contains("Another harbour draft"), "but not others' drafts");
        assert!(!list.contains("Harbour reopens"));
    }

    async fn related_articles_share_the_topic_and_pins_come_first(app) {
        let n = newsroom(app).await;
        let lead = publish(app, story(&n, "Kestrel Airways cuts routes", "Kestrel Airways will cut routes. Kestrel Airways pilots object. The airline blamed fuel.", 2)).await;
        let same = [
            publish(app, story(&n, "Kestrel Airways pilots strike", "Kestrel Airways pilots walked out over Kestrel Airways routes.", 30)).await,
            publish(app, story(&n, "Kestrel Airways fuel bill soars", "Fuel costs hit Kestrel Airways and its routes.", 50)).await,
        ];
        let duplicate = publish(app, story(&n, "Kestrel Airways cuts routes (20)", "Kestrel Airways will cut routes. Kestrel Airways pilots object.", 3)).await;
        for i in 0..4 {
            publish(app, story(&n, &format!("Bakery prices rise {i}"), "Bread and flour cost more at the bakery.", 10 + i)).await;
        }
        let mut far = story(&n, "Kestrel Airways founded", "Kestrel Airways routes began.", 24 * 400);
        far.body = "Kestrel Airways routes began with Kestrel Airways pilots.".into();
        let far = publish(app, far).await;
        let pinned = publish(app, story(&n, "Bakery opens", "Bread.", 20)).await;
        app.index().await;

        let story_of = |id| related::Story { id, section_id: n.business, headline: "Kestrel Airways cuts routes", published_at: at_hours_before_start(2) };
        let cards = related::cards(&app.db, &app.state.search.index, START, &story_of(lead)).await.unwrap();
        let ids: Vec<i64> = cards.iter().map(|c| c.id).collect();
        assert_eq!(&ids[..2].iter().copied().collect::<std::collections::HashSet<_>>(), &same.into_iter().collect(), "{ids:?}");
        assert!(!ids.contains(&duplicate), "near-duplicates are left out");
        assert!(!ids.contains(&far), "outside the recency window");
        assert!(!ids.contains(&lead));

        let mut input = articles::editable(&app.db, chrono_tz::UTC, lead).await.unwrap().input;
        input.related_ids = vec![pinned];
        articles::update_article(&app.db, &app.clock, chrono_tz::UTC, lead, input, Edit::default()).await.unwrap();
        app.index().await;
        let cards = related::cards(&app.db, &app.state.search.index, START, &story_of(lead)).await.unwrap();
        assert_eq!(cards[0].id, pinned, "the pin comes first");
        assert_eq!(cards.len(), 4);

        let path = articles::permalink(&app.db, START, chrono_tz::UTC, lead).await.unwrap().unwrap();
        let page = app.get(&path).await.text();
        let related_part = page.split("Related").nth(1).expect("the page has related articles");
        assert!(related_part.contains("Bakery opens"), "the pin is shown");
        assert!(related_part.contains("Kestrel Airways pilots strike"), "and the found ones");
    }
}
