//! The page cache forgets only what changed: each page names what it shows, each write what it
//! changed, on this node and, through the change log, on every other. To see which pages were
//! dropped, the tests change stories behind the caches' back (straight in the database, which
//! tells nobody): a page rendered again shows the quiet change, a page still cached does not.

use broadsheet::articles::service as articles;

use crate::db_tests;
use crate::support::TestApp;
use crate::support::builders::{Newsroom, article, newsroom, publish};
use crate::support::comments::{Comment, posted_id};

const LOUD: &str = "/business-news/2026/06/talking-point";
const QUIET: &str = "/markets/2026/06/quiet-story";
const CHANGED: &str = "Changed behind the caches.";

/// A story in Business News and one in Markets, with their pages and fronts cached.
async fn two_stories(app: &TestApp) -> (Newsroom, i64, i64) {
    let n = newsroom(app).await;
    let loud = publish(app, article(&n, "Talking point")).await;
    let mut quiet = article(&n, "Quiet story");
    quiet.section_id = n.markets;
    quiet.tag_ids.clear();
    let quiet = publish(app, quiet).await;
    for path in [LOUD, QUIET, "/", "/business-news", "/markets"] {
        assert_eq!(app.get(path).await.status, 200, "{path}");
    }
    (n, loud, quiet)
}

/// Changes every standfirst without telling the caches.
async fn change_quietly(app: &TestApp) {
    let changed: Vec<(i64,)> = app
        .rows("UPDATE articles SET standfirst = 'Changed behind the caches.' RETURNING id")
        .await;
    assert!(!changed.is_empty());
}

/// Whether `path` was rendered again since [`change_quietly`].
async fn rendered_again(app: &TestApp, path: &str) -> bool {
    let page = app.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    page.text().contains(CHANGED)
}

/// A reader's comment, held for moderation (a first comment from an address is); its id.
async fn held_comment(app: &TestApp, article_id: i64) -> i64 {
    let comment = Comment::new(
        article_id,
        "Ann Reader",
        "ann@mail.example",
        "A fair point.",
    );
    let posted = app.comment(&comment).await;
    assert_eq!(posted.status, 303, "{}", posted.text());
    posted_id(posted.header("location"))
}

db_tests! {
    async fn a_comment_drops_its_story_and_the_lists_showing_it_and_nothing_else(app) {
        let (_, loud, _) = two_stories(app).await;
        change_quietly(app).await;
        let held = held_comment(app, loud).await;
        assert!(!rendered_again(app, LOUD).await, "a held comment changes no reader's page");
        assert!(!rendered_again(app, "/").await, "nor the count on its card");
        app.approve_comment(held).await;

        let page = app.get(LOUD).await.text();
        assert!(page.contains("A fair point."), "the story's page shows the comment");
        assert!(page.contains(CHANGED), "rendered again");
        assert!(rendered_again(app, "/").await, "the home page shows its card and count");
        assert!(rendered_again(app, "/business-news").await, "so does its section");
        assert!(!rendered_again(app, QUIET).await, "another story stays cached");
        assert!(!rendered_again(app, "/markets").await, "and so does another section");
    }

    async fn an_edit_reaches_its_card_and_a_new_story_its_lists(app) {
        let (n, loud, _) = two_stories(app).await;
        change_quietly(app).await;
        let mut edit = articles::editable(&app.db, chrono_tz::UTC, loud).await.unwrap().input;
        edit.headline = "Talking point, updated".into();
        articles::update_article(&app.db, &app.clock, chrono_tz::UTC, loud, edit, Default::default())
            .await
            .unwrap();
        assert!(app.get(LOUD).await.text().contains("Talking point, updated"));
        assert!(rendered_again(app, "/business-news").await);
        assert!(!rendered_again(app, "/markets").await, "the edit left the lists as they were");
        assert!(!rendered_again(app, QUIET).await);

        let mut fresh = article(&n, "Fresh in markets");
        fresh.section_id = n.markets;
        publish(app, fresh).await;
        let markets = app.get("/markets").await.text();
        assert!(markets.contains("Fresh in markets"), "the list it entered");
        assert!(markets.contains(CHANGED), "rendered again");
        assert!(!rendered_again(app, QUIET).await, "the index has not moved yet");
        app.index().await;
        assert!(
            rendered_again(app, QUIET).await,
            "a story entering the index may be related to any other"
        );
    }

    async fn every_node_drops_only_what_another_changed(app) {
        let (_, loud, _) = two_stories(app).await;
        let mut seen = None;
        app.db.follow_changes(&mut seen).await.unwrap();
        change_quietly(app).await;

        let other = broadsheet::db::connect(&app.url, 2).await.unwrap();
        let mut edit = articles::editable(&other, chrono_tz::UTC, loud).await.unwrap().input;
        edit.headline = "Edited on another node".into();
        articles::update_article(&other, &app.clock, chrono_tz::UTC, loud, edit, Default::default())
            .await
            .unwrap();
        assert!(!rendered_again(app, LOUD).await, "not before the log is read");
        assert!(app.db.follow_changes(&mut seen).await.unwrap());
        assert!(app.get(LOUD).await.text().contains("Edited on another node"));
        assert!(!rendered_again(app, QUIET).await, "what the other node did not change stays");
        assert!(!app.db.follow_changes(&mut seen).await.unwrap(), "each change is applied once");

        // A version moved without its row (a restore, rows pruned while a node was away): the
        // node cannot tell what changed, so it drops everything.
        let _: Vec<(i64,)> = app
            .rows("UPDATE content_version SET version = version + 1 RETURNING version")
            .await;
        assert!(app.db.follow_changes(&mut seen).await.unwrap());
        assert!(rendered_again(app, QUIET).await);
        other.close().await;
    }

    async fn pages_name_what_they_show_for_caches_in_front(app) {
        let (n, loud, quiet) = two_stories(app).await;
        let keys = |page: &crate::support::TestResponse| {
            page.header("surrogate-key").split(' ').map(str::to_string).collect::<Vec<_>>()
        };
        let page = app.get(LOUD).await;
        let story = keys(&page);
        assert_eq!(story[0], "site", "purging `site` empties a cache in front");
        assert_eq!(page.header("cache-tag"), story.join(","), "the same names for Cache-Tag");
        assert!(story.contains(&format!("a{loud}")));
        assert!(story.contains(&"related".to_string()));
        assert!(!story.contains(&format!("a{quiet}")), "{story:?}");
        let front = keys(&app.get("/markets").await);
        for key in [format!("a{quiet}"), format!("s{}", n.markets)] {
            assert!(front.contains(&key), "{key} in {front:?}");
        }
        let home = keys(&app.get("/").await);
        for key in ["archive", "home"] {
            assert!(home.contains(&key.to_string()), "{key} in {home:?}");
        }
        let feed = keys(&app.get("/markets/feed/").await);
        assert!(feed.contains(&format!("s{}", n.markets)), "{feed:?}");
        let api = keys(&app.get("/wp-json/wp/v2/posts").await);
        assert_eq!(api, ["site", "any"], "an answer that did not say goes with any change");
    }
}
