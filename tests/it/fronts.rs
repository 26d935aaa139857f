//! The front-page desk: editors lay out the home page and section fronts, publish at once or
//! later, and go back to earlier layouts; readers see the result through the page cache.

use axum::http::StatusCode;
use broadsheet::accounts::Role;
use broadsheet::articles::service as articles;

use crate::db_tests;
use crate::support::admin::Browser;
use crate::support::builders::{Newsroom, article, at_hours_before_start, newsroom, publish};
use crate::support::{START, TestApp};

/// Eight Business News stories, "Story 1" the newest, and two in Markets; their ids by number.
async fn stories(app: &TestApp, n: &Newsroom) -> Vec<i64> {
    let mut ids = vec![0];
    for i in 1..=8 {
        let mut input = article(n, &format!("Story {i}"));
        input.published_at = Some(at_hours_before_start(i));
        ids.push(publish(app, input).await);
    }
    for i in 9..=10 {
        let mut input = article(n, &format!("Story {i}"));
        input.section_id = n.markets;
        input.published_at = Some(at_hours_before_start(i));
        ids.push(publish(app, input).await);
    }
    ids
}

async fn editor(app: &TestApp) -> Browser {
    app.add_user("editor@news.example", Role::Editor).await;
    app.sign_in("editor@news.example").await
}

/// The draft version the desk shows, which every change sends back.
async fn seen(app: &TestApp, browser: &Browser, front: &str) -> String {
    let desk = app.get_as(&format!("/admin/fronts/{front}"), browser).await;
    assert_eq!(desk.status, StatusCode::OK, "{}", desk.text());
    let html = desk.text();
    html.split("name=\"seen\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the desk carries the draft's version")
        .to_string()
}

/// Makes one change on the desk as it stands, and expects it to be made.
pub async fn change(app: &TestApp, browser: &Browser, front: &str, fields: &[(&str, &str)]) {
    let version = seen(app, browser, front).await;
    let mut all = vec![("seen", version.as_str())];
    all.extend_from_slice(fields);
    let response = app
        .post_as(&format!("/admin/fronts/{front}/draft"), browser, &all)
        .await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{fields:?}: {}",
        response.text()
    );
}

pub async fn place(app: &TestApp, browser: &Browser, front: &str, story: i64, slot: &str) {
    let story = story.to_string();
    change(
        app,
        browser,
        front,
        &[("op", "place"), ("story", &story), ("slot", slot)],
    )
    .await;
}

/// The part of a page from `start` to the end of its element `end`.
fn part<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    html.split(start)
        .nth(1)
        .and_then(|rest| rest.split(end).next())
        .unwrap_or_else(|| panic!("no {start} in the page"))
}

fn headlines(html: &str) -> Vec<String> {
    html.split("class=\"card-headline\"><a href=\"")
        .chain(html.split("class=\"latest-headline\" href=\"").skip(1))
        .skip(1)
        .filter_map(|rest| rest.split("</a>").next())
        .filter_map(|link| link.split("\">").nth(1))
        .map(str::to_string)
        .collect()
}

db_tests! {
    async fn editors_lay_out_the_home_page_and_readers_see_it_once_published(app) {
        let n = newsroom(app).await;
        let ids = stories(app, &n).await;
        let browser = editor(app).await;
        let list = app.get_as("/admin/fronts", &browser).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.text().contains("href=\"/admin/fronts/home\""));
        assert!(list.text().contains("href=\"/admin/fronts/section-"));
        // The desk's search finds stories by a word of the headline, in any case; LIKE's
        // wildcards are taken literally.
        let found = app.get_as("/admin/fronts/home?q=STORY+3", &browser).await.text();
        let found = part(&found, "id=\"find-stories\"", "</section>");
        assert!(found.contains("<strong>Story 3</strong>") && !found.contains("Story 4"), "{found}");
        let wildcard = app.get_as("/admin/fronts/home?q=%25", &browser).await.text();
        assert!(wildcard.contains("No published story has that in its headline."));
        let before = app.get("/").await.text();
        assert!(before.contains(">Latest</h2>"), "the automatic front has its Latest list");

        place(app, &browser, "home", ids[6], "lead").await;
        place(app, &browser, "home", ids[7], "secondary").await;
        change(app, &browser, "home", &[("op", "add-block"), ("kind", "picked"), ("title", "Editor's picks")]).await;
        place(app, &browser, "home", ids[3], "block-0").await;
        place(app, &browser, "home", ids[6], "block-0").await;
        let markets = n.markets.to_string();
        change(app, &browser, "home", &[("op", "add-block"), ("kind", "section"), ("section", &markets), ("count", "2")]).await;
        // Moving the picks: Story 6 first, then Story 3.
        change(app, &browser, "home", &[("op", "up:picks-0:1")]).await;

        // A draft is the desk's alone until it is published.
        let unchanged = app.get("/").await.text();
        assert_eq!(unchanged, before, "readers still see the automatic front");
        let preview = app.get_as("/admin/fronts/home/preview", &browser).await;
        assert_eq!(preview.status, StatusCode::OK);
        assert_eq!(preview.header("x-frame-options"), "SAMEORIGIN");
        assert!(preview.header("content-security-policy").contains("frame-ancestors 'self'"));
        assert_eq!(preview.header("cache-control"), "no-store");
        assert!(part(&preview.text(), "class=\"lead-story\"", "</article>").contains("Story 6"));

        let published = app.post_as("/admin/fronts/home/publish", &browser, &[("when", "now")]).await;
        assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.text());
        let home = app.get("/").await.text();
        assert!(part(&home, "class=\"lead-story\"", "</article>").contains("Story 6"));
        let beside = part(&home, "class=\"secondary-stories\"", "</section>");
        assert_eq!(headlines(beside), vec!["Story 7"]);
        let picks = part(&home, ">Editor&#39;s picks</h2>", "</section>");
        assert_eq!(headlines(picks), vec!["Story 6", "Story 3"], "the editor's order");
        let markets_block = part(&home, ">Markets</a></h2>", "</section>");
        assert_eq!(headlines(markets_block), vec!["Story 9", "Story 10"]);
        assert!(!home.contains(">Latest</h2>"), "the editor's blocks replace the automatic ones");
        let all = headlines(&home);
        assert_eq!(all.iter().filter(|h| *h == "Story 6").count(), 2, "placed twice by the editor: {all:?}");
        assert_eq!(all.len(), 6, "{all:?}");

        // A story that is unpublished leaves every slot at once; its slot falls back.
        let unpublish = app.post_as("/admin/articles/bulk", &browser, &[("action", "unpublish"), ("ids", &ids[6].to_string())]).await;
        assert_eq!(unpublish.status, StatusCode::SEE_OTHER);
        let home = app.get("/").await.text();
        assert!(!home.contains("Story 6"), "an unpublished story disappears from the front");
        assert!(part(&home, ">Editor&#39;s picks</h2>", "</section>").contains("Story 3"));
        let desk = app.get_as("/admin/fronts/home", &browser).await.text();
        assert!(desk.contains("not published: readers do not see it"), "the desk says why");
    }

    async fn a_section_front_takes_a_top_above_its_list(app) {
        let n = newsroom(app).await;
        let ids = stories(app, &n).await;
        let browser = editor(app).await;
        let key = format!("section-{}", n.business);
        let automatic = app.get("/business-news").await.text();
        assert!(!automatic.contains("class=\"home-top\""), "a section's automatic front is its list");
        place(app, &browser, &key, ids[5], "lead").await;
        let published = app.post_as(&format!("/admin/fronts/{key}/publish"), &browser, &[("when", "now")]).await;
        assert_eq!(published.status, StatusCode::SEE_OTHER);
        let front = app.get("/business-news").await.text();
        assert!(part(&front, "class=\"lead-story\"", "</article>").contains("Story 5"));
        let beside = headlines(part(&front, "class=\"secondary-stories\"", "</section>"));
        assert_eq!(beside, vec!["Story 1", "Story 2", "Story 3", "Story 4"], "filled automatically, newest first");
        assert!(front.contains("More from Business News"));
        let all = headlines(&front);
        let distinct: std::collections::BTreeSet<&String> = all.iter().collect();
        assert_eq!(distinct.len(), all.len(), "no story twice: {all:?}");
        assert_eq!(all.len(), 8, "the list below holds the rest: {all:?}");
        crate::pages::assert_headings_never_skip(&front, "/business-news");
        // A story from another section cannot lead a section's list below… but may be placed.
        place(app, &browser, &key, ids[9], "secondary").await;
        let preview = app.get_as(&format!("/admin/fronts/{key}/preview"), &browser).await.text();
        assert_eq!(headlines(part(&preview, "class=\"secondary-stories\"", "</section>")), vec!["Story 9"]);
    }

    async fn a_scheduled_layout_takes_over_at_its_time_and_revisions_restore(app) {
        let n = newsroom(app).await;
        let ids = stories(app, &n).await;
        let browser = editor(app).await;
        place(app, &browser, "home", ids[4], "lead").await;
        app.post_as("/admin/fronts/home/publish", &browser, &[("when", "now")]).await;
        place(app, &browser, "home", ids[8], "lead").await;
        // The site's zone is UTC here: two hours after the test's start.
        let later = START.plus_seconds(2 * 3600).to_datetime().format("%Y-%m-%dT%H:%M").to_string();
        let scheduled = app.post_as("/admin/fronts/home/publish", &browser, &[("when", "later"), ("starts_at", &later)]).await;
        assert_eq!(scheduled.status, StatusCode::SEE_OTHER, "{}", scheduled.text());
        assert!(scheduled.header("location").contains("notice=scheduled"));
        let lead = |html: &str| part(html, "class=\"lead-story\"", "</article>").to_string();
        assert!(lead(&app.get("/").await.text()).contains("Story 4"));
        let desk = app.get_as("/admin/fronts/home", &browser).await.text();
        assert!(desk.contains(">scheduled</span>") && desk.contains(">in force</span>"), "{desk}");

        let watch = broadsheet::app::spawn_change_watch(
            app.db.clone(),
            app.clock.clone(),
            std::time::Duration::from_millis(20),
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        app.clock.advance_seconds(2 * 3600 + 1);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        watch.abort();
        assert!(lead(&app.get("/").await.text()).contains("Story 8"), "the cached front was dropped at its time");

        // Going back: the first layout is restored as a new revision.
        let desk = app.get_as("/admin/fronts/home", &browser).await.text();
        let first = part(&desk, ">earlier</span>", "/restore\"");
        let first_id = first.rsplit("/revisions/").next().unwrap();
        let restored = app.post_as(&format!("/admin/fronts/home/revisions/{first_id}/restore"), &browser, &[]).await;
        assert_eq!(restored.status, StatusCode::SEE_OTHER);
        assert!(lead(&app.get("/").await.text()).contains("Story 4"));

        // A scheduled layout can be cancelled until its time, and only then.
        place(app, &browser, "home", ids[2], "lead").await;
        let tomorrow = START.plus_seconds(26 * 3600).to_datetime().format("%Y-%m-%dT%H:%M").to_string();
        app.post_as("/admin/fronts/home/publish", &browser, &[("when", "later"), ("starts_at", &tomorrow)]).await;
        let desk = app.get_as("/admin/fronts/home", &browser).await.text();
        let pending = part(&desk, ">scheduled</span>", "/cancel\"");
        let pending_id = pending.rsplit("/revisions/").next().unwrap();
        let cancel = format!("/admin/fronts/home/revisions/{pending_id}/cancel");
        assert_eq!(app.post_as(&cancel, &browser, &[]).await.status, StatusCode::SEE_OTHER);
        let again = app.post_as(&cancel, &browser, &[]).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.text().contains("not scheduled any more"));
    }

    async fn the_desk_refuses_mistakes_and_stale_changes_plainly(app) {
        let n = newsroom(app).await;
        let ids = stories(app, &n).await;
        let browser = editor(app).await;
        let author = {
            app.add_user("author@news.example", Role::Author).await;
            app.sign_in("author@news.example").await
        };
        assert_eq!(app.get_as("/admin/fronts/home", &author).await.status, StatusCode::FORBIDDEN);
        assert_eq!(app.get_as("/admin/fronts/tag-1", &browser).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get_as("/admin/fronts/section-999", &browser).await.status, StatusCode::NOT_FOUND);

        let version = seen(app, &browser, "home").await;
        for (fields, says) in [
            (vec![("op", "place"), ("story", "999999"), ("slot", "lead")], "only a published story"),
            (vec![("op", "place"), ("story", "x"), ("slot", "lead")], "choose a story"),
            (vec![("op", "place"), ("story", &ids[1].to_string() as &str), ("slot", "block-3")], "no such block"),
            (vec![("op", "up:secondary:0")], "cannot move up"),
            (vec![("op", "sideways:blocks:0")], "unknown change"),
            (vec![("op", "add-block"), ("kind", "section"), ("section", "999999")], "no such section"),
            (vec![("op", "add-block"), ("kind", "latest"), ("count", "40")], "from 1 to 12"),
            (vec![("op", "add-block"), ("kind", "picked"), ("title", &"x".repeat(81) as &str)], "at most 80"),
        ] {
            let mut all = vec![("seen", version.as_str())];
            all.extend(fields.iter().copied());
            let response = app.post_as("/admin/fronts/home/draft", &browser, &all).await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
            assert!(response.text().contains(says), "{fields:?} should say {says:?}");
        }
        // Two editors at once: the second change, made on a desk it has not seen, is refused.
        let first = seen(app, &browser, "home").await;
        let story = ids[1].to_string();
        let made = app.post_as("/admin/fronts/home/draft", &browser, &[("seen", &first), ("op", "place"), ("story", &story), ("slot", "lead")]).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let stale = app.post_as("/admin/fronts/home/draft", &browser, &[("seen", &first), ("op", "place"), ("story", &story), ("slot", "secondary")]).await;
        assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(stale.text().contains("someone else changed this front"));
        // Discarding the draft; publishing with nothing to publish is refused.
        assert_eq!(app.post_as("/admin/fronts/home/discard", &browser, &[]).await.status, StatusCode::SEE_OTHER);
        let nothing = app.post_as("/admin/fronts/home/publish", &browser, &[("when", "now")]).await;
        assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(nothing.text().contains("no changes to publish"));
        let no_time = app.post_as("/admin/fronts/home/publish", &browser, &[("when", "later"), ("starts_at", "")]).await;
        assert_eq!(no_time.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn blocks_fill_from_their_sources_most_commented_within_the_week(app) {
        let n = newsroom(app).await;
        let ids = stories(app, &n).await;
        let mut old = article(&n, "Last month's row");
        old.published_at = Some(at_hours_before_start(24 * 8));
        let old = publish(app, old).await;
        let mut tx = app.db.begin().await.unwrap();
        for (id, count) in [(ids[2], 5), (ids[9], 7), (ids[8], 3), (old, 40)] {
            articles::set_comment_count_in(&mut tx, id, count).await.unwrap();
        }
        tx.bump_content_version().await.unwrap();
        tx.commit().await.unwrap();
        let browser = editor(app).await;
        let tag = n.tag.to_string();
        change(app, &browser, "home", &[("op", "add-block"), ("kind", "most_commented"), ("count", "5")]).await;
        change(app, &browser, "home", &[("op", "add-block"), ("kind", "tag"), ("tag", &tag), ("count", "3")]).await;
        change(app, &browser, "home", &[("op", "add-block"), ("kind", "latest"), ("title", "Just in"), ("count", "2")]).await;
        change(app, &browser, "home", &[("op", "retitle-1"), ("title-1", "More on retail"), ("count-1", "2")]).await;
        app.post_as("/admin/fronts/home/publish", &browser, &[("when", "now")]).await;
        let home = app.get("/").await.text();
        // The automatic lead is absent (no story has a picture); four stories sit beside it.
        let beside = headlines(part(&home, "class=\"secondary-stories\"", "</section>"));
        assert_eq!(beside, vec!["Story 1", "Story 2", "Story 3", "Story 4"]);
        let most = headlines(part(&home, ">Most commented</h2>", "</section>"));
        assert_eq!(most, vec!["Story 9", "Story 8"], "by comments, within the week, not shown above");
        let retail = part(&home, ">More on retail</a></h2>", "</section>");
        assert!(home.contains("<a href=\"/tag/retail\">More on retail</a>"), "the title links to its tag");
        assert_eq!(headlines(retail), vec!["Story 5", "Story 6"]);
        assert_eq!(headlines(part(&home, ">Just in</h2>", "</section>")), vec!["Story 7", "Story 10"]);
        crate::pages::assert_headings_never_skip(&home, "/");

        // On a section front, "most commented" keeps to the section.
        let key = format!("section-{}", n.business);
        change(app, &browser, &key, &[("op", "add-block"), ("kind", "most_commented")]).await;
        app.post_as(&format!("/admin/fronts/{key}/publish"), &browser, &[("when", "now")]).await;
        let front = app.get("/business-news").await.text();
        let beside = headlines(part(&front, "class=\"secondary-stories\"", "</section>"));
        assert_eq!(beside, vec!["Story 1", "Story 2", "Story 3", "Story 4"]);
        assert_eq!(headlines(part(&front, ">Most commented</h2>", "</section>")), vec!["Story 8"]);
    }
}
