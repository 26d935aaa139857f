//! Comments end to end through the router, on both engines: the form and its WordPress twin,
//! every moderation rule and threshold, threading, the held-comment view, privacy, CSRF, stored
//! XSS, notifications, feeds, the admin queue, and the classifier trained by moderators.

use broadsheet::accounts::Role;
use broadsheet::comments::QueueFilter;
use broadsheet::comments::moderation::{self, Action};
use broadsheet::comments::policy::{self, ModerationNotice, Policy};

use crate::db_tests;
use crate::support::TestApp;
use crate::support::builders::{article, newsroom, publish};
use crate::support::comments::{Comment, posted_id};
use crate::support::smtp::{SmtpServer, decoded_body, header};

const PATH: &str = "/business-news/2026/06/talking-point";

async fn story(app: &TestApp) -> i64 {
    let n = newsroom(app).await;
    publish(app, article(&n, "Talking point")).await
}

async fn set_policy(app: &TestApp, change: impl FnOnce(&mut Policy)) {
    let mut p = policy::load(&app.db).await.unwrap();
    change(&mut p);
    policy::save(&app.db, &p).await.unwrap();
}

async fn admin(app: &TestApp) -> broadsheet::accounts::service::User {
    app.add_user("chief@news.example", Role::Administrator)
        .await
}

/// How many comments have `status`, as the moderation queue counts them.
async fn count(app: &TestApp, status: &str) -> i64 {
    let boss = broadsheet::accounts::service::user_by_email(&app.db, "chief@news.example")
        .await
        .unwrap();
    let filter = QueueFilter {
        status: status.into(),
        ..QueueFilter::default()
    };
    let q = moderation::queue(&app.db, app.clock.now(), chrono_tz::UTC, &boss, &filter, 1)
        .await
        .unwrap();
    q.total
}

async fn reason_of(app: &TestApp, id: i64) -> (String, String) {
    let boss = broadsheet::accounts::service::user_by_email(&app.db, "chief@news.example")
        .await
        .unwrap();
    let c = moderation::one(&app.db, app.clock.now(), chrono_tz::UTC, &boss, id)
        .await
        .unwrap();
    (c.status, c.reason)
}

db_tests! {
    async fn a_first_comment_is_held_and_shown_only_to_its_author(app) {
        let id = story(app).await;
        admin(app).await;
        let r = app.comment(&Comment::new(id, "Ann Reader", "ann@mail.example", "My first thought.")).await;
        assert_eq!(r.status, 303, "{}", r.text());
        let location = r.header("location").to_string();
        assert!(location.starts_with(&format!("{PATH}?unapproved=")), "{location}");
        assert!(location.contains("&moderation-hash="));
        let cid = posted_id(&location);
        assert_eq!(reason_of(app, cid).await, ("pending".into(), "first comment from this name and email".into()));

        let held = app.get(location.split('#').next().unwrap()).await;
        assert_eq!(held.status, 200);
        assert_eq!(held.header("cache-control"), "no-store");
        let html = held.text();
        assert!(html.contains("My first thought."));
        assert!(html.contains("Your comment is awaiting moderation."));
        assert!(html.contains("<h2 id=\"comments-title\">Comments</h2>"), "a held comment is not counted");

        let public = app.get(PATH).await.text();
        assert!(!public.contains("My first thought."), "others do not see it");
        let forged = app.get(&format!("{PATH}?unapproved={cid}&moderation-hash=00000000000000000000000000000000")).await.text();
        assert!(!forged.contains("My first thought."), "a forged hash shows nothing");

        app.approve_comment(cid).await;
        let public = app.get(PATH).await.text();
        assert!(public.contains("My first thought."), "approved comments appear at once");
        assert!(public.contains("1 Comment"));
        assert!(app.get("/business-news").await.text().contains("1 comment</a>"), "lists show the count");

        let again = app.comment(&Comment::new(id, "Ann Reader", "ann@mail.example", "Second thought.")).await;
        assert_eq!(again.status, 303);
        let location = again.header("location");
        assert_eq!(location, format!("{PATH}#comment-{}", posted_id(location)), "approved before, so approved now");
        assert!(app.get(PATH).await.text().contains("2 Comments"));
    }

    async fn mistakes_show_the_form_again_with_the_input_kept(app) {
        let id = story(app).await;
        let mut c = Comment::new(id, "Ann Reader", "not-an-address", "Kept <text> & all");
        c.fields.push(("url", "javascript:alert(1)"));
        let r = app.comment(&c).await;
        assert_eq!(r.status, 422);
        let html = r.text();
        assert!(html.contains("Please enter a valid email address."));
        assert!(html.contains("Enter a website address that starts with http:// or https://."));
        assert!(html.contains("Kept &lt;text&gt; &amp; all</textarea>"), "the comment is kept");
        assert!(html.contains("value=\"Ann Reader\""));
        assert!(html.contains("aria-invalid=\"true\""));

        let wp = app.comment_to("/wp-comments-post.php", &Comment::new(id, "", "ann@mail.example", ""), &[]).await;
        assert_eq!(wp.status, 200, "WordPress answers a missing field with 200 and the error");
        assert!(wp.text().contains("Please type your comment."));
        assert!(wp.text().contains("Please enter your name."));

        let long = "x".repeat(65_526);
        let r = app.comment(&Comment::new(id, "Ann", "ann@mail.example", &long)).await;
        assert_eq!(r.status, 422);
        assert!(r.text().contains("Your comment is too long"));
        let name = "n".repeat(246);
        let r = app.comment(&Comment::new(id, &name, "ann@mail.example", "Hi")).await;
        assert!(r.text().contains("Your name is too long"));

        let json = app.comment_to("/comments", &Comment::new(id, "Ann", "bad", "Hi"), &[("accept", "application/json")]).await;
        assert_eq!(json.status, 422);
        let v: serde_json::Value = serde_json::from_slice(&json.bytes).unwrap();
        assert_eq!(v["error"]["code"], "invalid");
        assert_eq!(v["error"]["fields"]["email"], "Please enter a valid email address.");
    }

    async fn wordpress_endpoint_keeps_its_status_codes(app) {
        let id = story(app).await;
        admin(app).await;
        let get = app.get("/wp-comments-post.php").await;
        assert_eq!(get.status, 405);
        assert!(get.header("allow").contains("POST"));

        let ok = app.comment_to("/wp-comments-post.php", &Comment::new(id, "Ann", "ann@mail.example", "Hello"), &[]).await;
        assert_eq!(ok.status, 302);
        let first = posted_id(ok.header("location"));

        app.clock.advance_seconds(60);
        let dup = app.comment_to("/wp-comments-post.php", &Comment::new(id, "Ann", "ann@mail.example", "Hello"), &[]).await;
        assert_eq!(dup.status, 409);
        assert!(dup.text().contains("Duplicate comment detected"));

        let mut reply = Comment::new(id, "Bo", "bo@mail.example", "Replying to a held one");
        reply.parent_id = first;
        reply.ip = "198.51.100.1";
        let r = app.comment_to("/wp-comments-post.php", &reply, &[]).await;
        assert_eq!(r.status, 403, "replies to unapproved comments are refused");

        let unknown = app.comment_to("/wp-comments-post.php", &Comment::new(99_999, "Bo", "bo@mail.example", "Hi"), &[]).await;
        assert_eq!(unknown.status, 404);
    }

    async fn flood_and_hourly_limits_answer_429(app) {
        let id = story(app).await;
        admin(app).await;
        let fields = |stamp: &str| vec![
            ("comment_post_ID".to_string(), id.to_string()),
            ("author".to_string(), "Ann".to_string()),
            ("email".to_string(), "ann@mail.example".to_string()),
            ("form_stamp".to_string(), stamp.to_string()),
        ];
        let stamp = app.form_stamp().await;
        app.clock.advance_seconds(30);
        let mut f = fields(&stamp);
        f.push(("comment".into(), "one".into()));
        let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(app.post_from("/comments", "203.0.113.9", &pairs, &[]).await.status, 303);
        app.clock.advance_seconds(14);
        let mut f = fields(&stamp);
        f.push(("comment".into(), "two".into()));
        let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let flood = app.post_from("/comments", "203.0.113.9", &pairs, &[]).await;
        assert_eq!(flood.status, 429, "14 s later from the same address");
        assert!(flood.text().contains("You are posting comments too quickly. Slow down."));
        let other_ip_same_email = app.post_from("/comments", "203.0.113.10", &pairs, &[]).await;
        assert_eq!(other_ip_same_email.status, 429, "the same email is flood too");
        app.clock.advance_seconds(2);
        assert_eq!(app.post_from("/comments", "203.0.113.9", &pairs, &[]).await.status, 303, "16 s is enough");

        set_policy(app, |p| p.hourly_per_ip = 3).await;
        let third = app.comment(&Comment { ip: "203.0.113.9", ..Comment::new(id, "Cy", "cy@mail.example", "three") }).await;
        assert_eq!(third.status, 303);
        let fourth = app.comment(&Comment { ip: "203.0.113.9", ..Comment::new(id, "Di", "di@mail.example", "four") }).await;
        assert_eq!(fourth.status, 429, "a fourth from one address within the hour");
        app.clock.advance_seconds(3600);
        let later = app.comment(&Comment { ip: "203.0.113.9", ..Comment::new(id, "Di", "di@mail.example", "four") }).await;
        assert_eq!(later.status, 303);
    }

    async fn wordpress_rules_hold_or_mark_spam_in_order(app) {
        let id = story(app).await;
        admin(app).await;
        let c = |n: &'static str, body: &'static str| Comment::new(id, n, "x@mail.example", body);
        let post = |c: Comment<'static>| async move { posted_id(app.comment(&c).await.header("location")) };

        // An approved name and email, so that only the rule under test can hold.
        let known = post(Comment::new(id, "Known", "known@mail.example", "Hello all")).await;
        app.approve_comment(known).await;
        let k = |body: &'static str| Comment::new(id, "Known", "known@mail.example", body);

        let two_links = post(k("See https://a.example and https://b.example")).await;
        assert_eq!(reason_of(app, two_links).await, ("pending".into(), "2 links (comments with 2 or more are held)".into()));
        let one_link = post(k("See https://a.example/one")).await;
        assert_eq!(reason_of(app, one_link).await.0, "approved");

        set_policy(app, |p| { p.moderation_keys = "Refund".into(); p.disallowed_keys = "viagra\n".into(); }).await;
        let keyword = post(k("I want a REFUND now")).await;
        assert_eq!(reason_of(app, keyword).await, ("pending".into(), "contains the moderation word “refund”".into()));
        let banned = post(k("cheap VIAGRA here")).await;
        assert_eq!(reason_of(app, banned).await, ("spam".into(), "contains the disallowed word “viagra”".into()));

        set_policy(app, |p| { p.moderation_keys.clear(); p.manual_moderation = true; }).await;
        let manual = post(k("Held by hand")).await;
        assert_eq!(reason_of(app, manual).await.0, "pending");
        set_policy(app, |p| { p.manual_moderation = false; p.max_links = 0; p.previously_approved = false; }).await;
        let anyone = post(c("Anyone", "Approved without history, https://a.example https://b.example")).await;
        assert_eq!(reason_of(app, anyone).await.0, "approved", "rules switched off");

        let mut honeypot = c("Bot", "Nice");
        honeypot.fields.push(("phone", "555-0100"));
        let bot = post(honeypot).await;
        assert_eq!(reason_of(app, bot).await, ("spam".into(), "the hidden honeypot field was filled in".into()));

        let stamp = app.form_stamp().await;
        app.clock.advance_seconds(1);
        let hurried = app.post_from("/comments", "198.51.100.3", &[
            ("comment_post_ID", &id.to_string()), ("author", "Fast"), ("email", "fast@mail.example"),
            ("comment", "So quick"), ("form_stamp", &stamp),
        ], &[]).await;
        let hurried = posted_id(hurried.header("location"));
        assert_eq!(reason_of(app, hurried).await, ("spam".into(), "sent 1 s after the form was shown (the minimum is 3 s)".into()));
        let forged = app.post_from("/comments", "198.51.100.4", &[
            ("comment_post_ID", &id.to_string()), ("author", "Forger"), ("email", "forger@mail.example"),
            ("comment", "Forged"), ("form_stamp", "1781524800.0123456789abcdef0123456789abcdef"),
        ], &[]).await;
        assert_eq!(reason_of(app, posted_id(forged.header("location"))).await.0, "spam");
        let spam_sees_held = app.get(forged.header("location").split('#').next().unwrap()).await.text();
        assert!(spam_sees_held.contains("Your comment is awaiting moderation."), "spam is not told it is spam");

        app.add_user("desk@news.example", Role::Editor).await;
        let editor = app.sign_in("desk@news.example").await;
        set_policy(app, |p| p.manual_moderation = true).await;
        let stamp = app.form_stamp().await;
        let r = app.post_from("/comments", "198.51.100.5", &[
            ("comment_post_ID", &id.to_string()), ("comment", "From the desk"), ("form_stamp", &stamp),
        ], &[("cookie", &editor.cookie)]).await;
        assert_eq!(r.status, 303, "{}", r.text());
        let desk = posted_id(r.header("location"));
        assert_eq!(reason_of(app, desk).await.0, "approved", "moderators are approved at once, name and email from their account");
        assert!(app.get(PATH).await.text().contains("editor person"));
    }

    async fn threads_nest_five_deep_and_page_by_top_level_comment(app) {
        let id = story(app).await;
        admin(app).await;
        set_policy(app, |p| { p.previously_approved = false; p.per_page = 5; }).await;
        let mut parent = 0;
        let mut ids = Vec::new();
        for depth in 1..=7 {
            let body = format!("Level {depth} says hi");
            let email = format!("r{depth}@mail.example");
            let mut c = Comment::new(id, "Reader", &email, &body);
            c.parent_id = parent;
            let r = app.comment(&c).await;
            assert_eq!(r.status, 303, "{}", r.text());
            parent = posted_id(r.header("location"));
            ids.push(parent);
        }
        let html = app.get(PATH).await.text();
        for depth in 1..=5 {
            assert!(html.contains(&format!("class=\"comment depth-{depth}\"")), "depth {depth} shown");
        }
        assert!(!html.contains("depth-6"), "nothing nests deeper than five");
        assert!(html.contains("Level 7 says hi"), "deeper replies are kept at the fifth level");
        assert!(!html.contains(&format!("replytocom={}", ids[4])), "no Reply link at the deepest level");
        assert!(html.contains(&format!("replytocom={}", ids[3])));

        let reply_form = app.get(&format!("{PATH}?replytocom={}", ids[0])).await.text();
        assert!(reply_form.contains("Leave a Reply to Reader"));
        assert!(reply_form.contains(&format!("id=\"comment_parent\" value=\"{}\"", ids[0])));

        for i in 0..6 {
            let email = format!("top{i}@mail.example");
            let r = app.comment(&Comment::new(id, "Top", &email, &format!("Top-level {i}"))).await;
            assert_eq!(r.status, 303);
            if i == 5 {
                assert!(r.header("location").starts_with(&format!("{PATH}?cpage=2#comment-")), "the newest lands on page 2");
            }
        }
        let first = app.get(PATH).await.text();
        assert!(first.contains("Level 1 says hi") && first.contains("Top-level 3"));
        assert!(!first.contains("Top-level 4"));
        assert!(first.contains("Page 1 of 2"));
        let second = app.get(&format!("{PATH}?cpage=2")).await.text();
        assert!(second.contains("Top-level 4") && second.contains("Top-level 5"));
        assert!(!second.contains("Level 1 says hi"));
        assert_eq!(app.get(&format!("{PATH}?cpage=3")).await.status, 404);
        let permalink = app.get(&format!("/comments/{}", ids[6])).await;
        assert_eq!(permalink.status, 301);
        assert_eq!(permalink.header("location"), format!("{PATH}#comment-{}", ids[6]));
    }

    async fn comments_close_by_switch_and_by_age(app) {
        let n = newsroom(app).await;
        let mut closed = article(&n, "Closed story");
        closed.comments_open = false;
        let closed_id = publish(app, closed).await;
        let old_id = publish(app, {
            let mut a = article(&n, "Old story");
            a.published_at = Some(crate::support::START.plus_seconds(-40 * 86_400));
            a
        }).await;
        let r = app.comment(&Comment::new(closed_id, "Ann", "ann@mail.example", "Hi")).await;
        assert_eq!(r.status, 403);
        assert!(r.text().contains("Sorry, comments are closed for this item."));
        let page = app.get("/business-news/2026/06/closed-story").await.text();
        assert!(page.contains("Comments are closed.") && !page.contains("id=\"commentform\""));

        let old_path = "/business-news/2026/05/old-story";
        assert!(app.get(old_path).await.text().contains("id=\"commentform\""), "open while the setting is off");
        set_policy(app, |p| p.close_after_days = 30).await;
        assert!(app.get(old_path).await.text().contains("Comments are closed."));
        let r = app.comment(&Comment::new(old_id, "Ann", "ann@mail.example", "Late")).await;
        assert_eq!(r.status, 403);
    }

    async fn cross_site_posts_are_refused_and_scripts_without_origin_allowed(app) {
        let id = story(app).await;
        let c = Comment::new(id, "Ann", "ann@mail.example", "Hi there");
        let evil = app.comment_to("/comments", &c, &[("origin", "https://evil.example"), ("sec-fetch-site", "")]).await;
        assert_eq!(evil.status, 403);
        let cross = app.comment_to("/comments", &c, &[("sec-fetch-site", "cross-site"), ("origin", "")]).await;
        assert_eq!(cross.status, 403);
        let script = app.comment_to("/wp-comments-post.php", &c, &[("origin", ""), ("sec-fetch-site", "")]).await;
        assert_eq!(script.status, 302, "a script that sends neither header still works, as with WordPress");

        admin(app).await;
        let boss = app.sign_in("chief@news.example").await;
        let cid = posted_id(script.header("location"));
        let no_token = app.post_form(&format!("/admin/comments/{cid}/action"), Some(&boss.cookie), &[("action", "approve")]).await;
        assert_eq!(no_token.status, 403, "admin actions need the CSRF token");
        assert_eq!(count(app, "approved").await, 0);
    }

    async fn remembered_only_with_consent(app) {
        let id = story(app).await;
        let mut c = Comment::new(id, "Ann Reader", "ann@mail.example", "Remember me");
        c.fields.push(("wp-comment-cookies-consent", "yes"));
        let r = app.comment(&c).await;
        let cookies: Vec<_> = r.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        assert!(cookies.iter().any(|c| c.starts_with("comment_author=Ann+Reader;") && c.contains("Max-Age=30000000")), "{cookies:?}");
        assert!(cookies.iter().any(|c| c.starts_with("comment_author_email=ann%40mail.example;")));
        let r = app.comment(&Comment::new(id, "Ann Reader", "ann@mail.example", "Forget me")).await;
        let cookies: Vec<_> = r.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        assert_eq!(cookies.len(), 3);
        assert!(cookies.iter().all(|c| c.contains("Max-Age=0")), "without consent they are cleared");
    }

    async fn posting_with_javascript_gets_json_and_the_rendered_comment(app) {
        let id = story(app).await;
        let r = app.comment_to("/comments", &Comment::new(id, "Ann", "ann@mail.example", "Via fetch"), &[("accept", "application/json")]).await;
        assert_eq!(r.status, 201);
        let v: serde_json::Value = serde_json::from_slice(&r.bytes).unwrap();
        assert_eq!(v["status"], "held");
        let cid = v["id"].as_i64().unwrap();
        let html = v["html"].as_str().unwrap();
        assert!(html.contains(&format!("id=\"comment-{cid}\"")));
        assert!(html.contains("Via fetch") && html.contains("awaiting moderation"));
        assert!(!r.text().contains("ann@mail.example"));
    }

    async fn no_email_or_address_in_any_public_output(app) {
        let id = story(app).await;
        admin(app).await;
        let mut c = Comment::new(id, "Private Person", "secret.person@hidden.example", "Public words");
        c.ip = "192.0.2.77";
        c.fields.push(("url", "https://person.example/"));
        let held = app.comment(&c).await;
        let held_view = app.get(held.header("location").split('#').next().unwrap()).await.text();
        let cid = posted_id(held.header("location"));
        app.approve_comment(cid).await;
        let json = app.comment_to("/comments", &Comment { ip: "192.0.2.77", ..Comment::new(id, "Private Person", "secret.person@hidden.example", "More public words") }, &[("accept", "application/json")]).await;
        let mut outputs = vec![held_view, json.text()];
        for path in [PATH, "/", "/business-news", "/tag/retail", "/comments/feed",
                     &format!("{PATH}/feed"), "/api/v1/articles", &format!("/api/v1/articles/{id}")] {
            let r = app.get(path).await;
            outputs.push(r.text());
        }
        assert!(outputs[2].contains("Public words"));
        assert!(outputs[6].contains("Public words"), "the comments feed has it");
        for (i, out) in outputs.iter().enumerate() {
            assert!(!out.contains("secret.person"), "output {i} leaks the email");
            assert!(!out.contains("hidden.example"), "output {i} leaks the email domain");
            assert!(!out.contains("192.0.2.77"), "output {i} leaks the address");
        }
    }

    async fn privacy_tools_export_erase_and_forget_addresses(app) {
        let id = story(app).await;
        let boss = admin(app).await;
        let mut c = Comment::new(id, "Erin", "erin@mail.example", "Please forget me");
        c.ip = "192.0.2.55";
        let cid = posted_id(app.comment(&c).await.header("location"));
        app.approve_comment(cid).await;
        let browser = app.sign_in("chief@news.example").await;
        let export = app.post_as("/admin/comments/privacy/export", &browser, &[("email", "ERIN@mail.example")]).await;
        assert_eq!(export.status, 200);
        assert!(export.header("content-disposition").contains("attachment"));
        let v: serde_json::Value = serde_json::from_slice(&export.bytes).unwrap();
        assert_eq!(v["comments"][0]["ip_address"], "192.0.2.55");
        assert_eq!(v["comments"][0]["text"], "Please forget me");

        app.clock.advance_seconds(29 * 86_400);
        moderation::drop_old_addresses(&app.db, app.clock.now()).await.unwrap();
        assert_eq!(moderation::export(&app.db, &boss, "erin@mail.example").await.unwrap().comments[0].ip_address, "192.0.2.55", "kept 30 days");
        app.clock.advance_seconds(2 * 86_400);
        moderation::drop_old_addresses(&app.db, app.clock.now()).await.unwrap();
        let after = moderation::export(&app.db, &boss, "erin@mail.example").await.unwrap();
        assert_eq!(after.comments[0].ip_address, "", "dropped after 30 days");
        assert_eq!(after.comments[0].user_agent, "");

        let browser = app.sign_in("chief@news.example").await;
        let erased = app.post_as("/admin/comments/privacy/erase", &browser, &[("email", "erin@mail.example")]).await;
        assert_eq!(erased.status, 200);
        assert!(erased.text().contains("1 comment by erin@mail.example anonymised"));
        assert!(moderation::export(&app.db, &boss, "erin@mail.example").await.unwrap().comments.is_empty());
        let page = app.get(PATH).await.text();
        assert!(page.contains("Anonymous") && page.contains("Please forget me") && !page.contains("Erin"));

        app.add_user("writer@news.example", Role::Author).await;
        let writer = app.sign_in("writer@news.example").await;
        let refused = app.post_as("/admin/comments/privacy/export", &writer, &[("email", "x@mail.example")]).await;
        assert_eq!(refused.status, 403);
    }

    async fn moderators_act_from_the_queue_alone_and_in_bulk(app) {
        let n = newsroom(app).await;
        let writer = app.add_user("writer@news.example", Role::Author).await;
        let own = publish(app, { let mut a = article(&n, "Own story"); a.created_by = Some(writer.id); a }).await;
        let other = publish(app, article(&n, "Other story")).await;
        admin(app).await;
        let mut ids = Vec::new();
        for (i, article) in [own, own, other].into_iter().enumerate() {
            let email = format!("q{i}@mail.example");
            let r = app.comment(&Comment { ip: "198.51.100.20", ..Comment::new(article, "Queued", &email, &format!("Queued comment {i}")) }).await;
            ids.push(posted_id(r.header("location")));
        }
        let boss = app.sign_in("chief@news.example").await;
        let queue = app.get_as("/admin/comments", &boss).await.text();
        assert!(queue.contains("Pending <span class=\"count\">(3)</span>"));
        assert!(queue.contains("first comment from this name and email"), "the reason is shown");
        assert!(queue.contains("q0@mail.example") && queue.contains("198.51.100.20"), "moderators see what they need");
        let filtered = app.get_as("/admin/comments?status=pending&email=q1%40mail.example", &boss).await.text();
        assert!(filtered.contains("Queued comment 1") && !filtered.contains("Queued comment 0"));
        let by_ip = app.get_as("/admin/comments?status=pending&ip=198.51.100.20", &boss).await.text();
        assert!(by_ip.contains("Queued comment 2"));
        let by_article = app.get_as(&format!("/admin/comments?status=pending&article={other}"), &boss).await.text();
        assert!(by_article.contains("Queued comment 2") && !by_article.contains("Queued comment 0"));

        let (a, b) = (ids[0].to_string(), ids[1].to_string());
        let bulk = app.post_as("/admin/comments/bulk", &boss, &[("ids", &a), ("ids", &b), ("action", "approve"), ("back", "status=pending")]).await;
        assert_eq!(bulk.status, 303);
        assert_eq!(count(app, "approved").await, 2);
        let spam = app.post_as(&format!("/admin/comments/{}/action", ids[2]), &boss, &[("action", "spam")]).await;
        assert_eq!(spam.status, 303);
        assert_eq!(count(app, "spam").await, 1);
        let refused = app.post_as(&format!("/admin/comments/{}/action", ids[0]), &boss, &[("action", "delete")]).await;
        assert_eq!(refused.status, 409, "only trash and spam are deleted for good");
        for action in ["trash", "restore"] {
            app.post_as(&format!("/admin/comments/{}/action", ids[0]), &boss, &[("action", action)]).await;
        }
        assert_eq!(count(app, "approved").await, 2, "restore puts it back where it was");
        app.post_as(&format!("/admin/comments/{}/action", ids[2]), &boss, &[("action", "delete")]).await;
        assert_eq!(count(app, "spam").await, 0);

        let edit = app.post_as(&format!("/admin/comments/{}", ids[0]), &boss, &[("author", "Queued"), ("email", "q0@mail.example"), ("url", ""), ("comment", "Edited by the desk")]).await;
        assert_eq!(edit.status, 303);
        let reply = app.post_as(&format!("/admin/comments/{}/reply", ids[0]), &boss, &[("reply", "Thanks for writing")]).await;
        assert_eq!(reply.status, 303);
        let page = app.get("/business-news/2026/06/own-story").await.text();
        assert!(page.contains("Edited by the desk") && page.contains("Thanks for writing"));
        assert!(page.contains("class=\"comment depth-2\""), "the reply nests under the comment");

        let author = app.sign_in("writer@news.example").await;
        let theirs = app.get_as("/admin/comments?status=approved", &author).await.text();
        assert!(theirs.contains("Edited by the desk"), "authors moderate their own articles");
        app.post_as(&format!("/admin/comments/{}/action", ids[1]), &author, &[("action", "unapprove")]).await;
        assert_eq!(count(app, "pending").await, 1);
        let elsewhere = app.comment(&Comment::new(other, "Else", "else@mail.example", "On another story")).await;
        let elsewhere = posted_id(elsewhere.header("location"));
        let not_theirs = app.post_as(&format!("/admin/comments/{elsewhere}/action"), &author, &[("action", "approve")]).await;
        assert_eq!(not_theirs.status, 403);
        assert!(!app.get_as("/admin/comments", &author).await.text().contains("On another story"));
        app.add_user("help@news.example", Role::Contributor).await;
        let contributor = app.sign_in("help@news.example").await;
        assert_eq!(app.get_as("/admin/comments", &contributor).await.status, 403);
        let settings = app.post_as("/admin/comments/settings", &author, &[("max_links", "1")]).await;
        assert_eq!(settings.status, 403, "authors do not change the policy");
        let bad = app.post_as("/admin/comments/settings", &boss, &[("max_links", "-4"), ("thread_depth", "5"), ("per_page", "50")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.text().contains("use a whole number from 0 to 100"));
    }

    async fn feeds_carry_approved_comments(app) {
        let id = story(app).await;
        admin(app).await;
        let cid = posted_id(app.comment(&Comment::new(id, "Feed Reader", "feed@mail.example", "Worth a <b>feed</b>")).await.header("location"));
        let held = app.comment(&Comment::new(id, "Held Reader", "held@mail.example", "Not yet")).await;
        app.approve_comment(cid).await;
        let feed = app.get("/comments/feed").await;
        assert_eq!(feed.status, 200);
        assert!(feed.header("content-type").starts_with("application/rss+xml"));
        let xml = feed.text();
        assert!(xml.contains("<title>Comment on Talking point by Feed Reader</title>"));
        let base = broadsheet::site::settings::load(&app.db).await.unwrap().base_url;
        let link = format!("<link>{}/comments/{cid}</link>", base.trim_end_matches('/'));
        assert!(xml.contains(&link), "an absolute link on the site's address: {link} in {xml}");
        assert!(xml.contains("Worth a &amp;lt;b&amp;gt;feed"), "the text is escaped once as HTML, then as XML");
        assert!(!xml.contains("Not yet"));
        assert!(held.status == 303);
        let article_feed = app.get(&format!("{PATH}/feed")).await;
        assert_eq!(article_feed.status, 200);
        assert!(article_feed.text().contains("<title>Comments on: Talking point</title>"));
        assert_eq!(app.get("/business-news/2026/06/no-such-story/feed").await.status, 404);
    }

}

/// The OWASP filter-evasion vectors, one per line.
pub fn xss_vectors() -> Vec<String> {
    include_str!("../fixtures/xss-vectors.txt")
        .lines()
        .map(str::to_string)
        .collect()
}

/// Checks that the markup in `html` is only what the theme writes around comments: known tags,
/// double-quoted attributes, no event handlers, and links only to http(s), anchors and paths.
fn assert_inert(html: &str) {
    const TAGS: &[&str] = &[
        "li", "ol", "article", "footer", "svg", "rect", "path", "b", "a", "time", "div", "p", "br",
        "span",
    ];
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let closing = rest.starts_with('/');
        let tag_text = rest.trim_start_matches('/');
        let name: String = tag_text
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            TAGS.contains(&name.as_str()),
            "unexpected tag <{}{name}> in {html}",
            if closing { "/" } else { "" }
        );
        let mut attrs = &tag_text[name.len()..];
        loop {
            attrs = attrs.trim_start();
            if let Some(after) = attrs.strip_prefix('>').or_else(|| attrs.strip_prefix("/>")) {
                rest = after;
                break;
            }
            let attr: String = attrs
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            assert!(
                !attr.is_empty(),
                "malformed markup near {:?}",
                &attrs[..attrs.len().min(40)]
            );
            assert!(
                !attr.to_ascii_lowercase().starts_with("on"),
                "event handler {attr} in {html}"
            );
            attrs = &attrs[attr.len()..];
            if let Some(value) = attrs.strip_prefix("=\"") {
                let end = value.find('"').expect("a closed attribute");
                let v = &value[..end];
                if attr == "href" {
                    assert!(
                        v.starts_with("https://")
                            || v.starts_with("http://")
                            || v.starts_with('#')
                            || v.starts_with('/'),
                        "href {v}"
                    );
                }
                assert!(
                    !["src", "action", "formaction", "style"].contains(&attr.as_str()),
                    "{attr}={v}"
                );
                attrs = &value[end + 1..];
            }
        }
    }
}

db_tests! {
    async fn stored_xss_vectors_render_inert(app) {
        let id = story(app).await;
        admin(app).await;
        set_policy(app, |p| { p.previously_approved = false; p.max_links = 0; p.per_page = 500; }).await;
        let vectors = xss_vectors();
        assert!(vectors.len() >= 50, "at least 50 vectors");
        for (i, vector) in vectors.iter().enumerate() {
            let ip = format!("198.51.{}.{}", 100 + i / 200, i % 200 + 1);
            let email = format!("x{i}@mail.example");
            let name = if i % 3 == 0 { vector.as_str() } else { "Reader" };
            let name: String = name.chars().take(245).collect();
            let c = Comment { ip: &ip, ..Comment::new(id, &name, &email, vector) };
            let r = app.comment(&c).await;
            assert_eq!(r.status, 303, "vector {i} was stored: {}", r.text());
        }
        assert_eq!(count(app, "approved").await, vectors.len() as i64);
        let page = app.get(PATH).await.text();
        let start = page.find("<ol class=\"comment-list\">").unwrap();
        let end = page[start..].find("<div id=\"respond\"").unwrap() + start;
        let list = &page[start..end];
        assert_inert(list);
        assert!(list.contains("&lt;script&gt;alert(&#x27;XSS&#x27;)&lt;/script&gt;"), "shown as text");
        let feed = app.get(&format!("{PATH}/feed")).await.text();
        assert!(!feed.contains("<script"), "the feed escapes too");

        let bad_url = app.comment(&Comment { fields: vec![("url", "javascript:alert(1)")], ..Comment::new(id, "Ann", "ann@mail.example", "Hi") }).await;
        assert_eq!(bad_url.status, 422, "only http(s) websites");
        let sneaky = app.comment(&Comment { ip: "192.0.2.200", fields: vec![("url", "https://ok.example/\"onmouseover=\"alert(1)")], ..Comment::new(id, "Sly", "sly@mail.example", "Hi") }).await;
        assert_eq!(sneaky.status, 303);
        let page = app.get(PATH).await.text();
        assert!(!page.contains("\"onmouseover=\"alert(1)"), "a quote in a website cannot end its href");
    }

    async fn the_classifier_learns_from_moderators(app) {
        let id = story(app).await;
        let boss = admin(app).await;
        set_policy(app, |p| { p.previously_approved = false; p.max_links = 0; p.hourly_per_ip = 10_000; }).await;
        let training = broadsheet::demo::comments::labelled(1, 80);
        let mut spam_ids = Vec::new();
        let mut ham_ids = Vec::new();
        for (i, c) in training.iter().enumerate() {
            let input = broadsheet::comments::service::Input {
                article_id: id,
                name: c.name.clone(),
                email: c.email.clone(),
                url: c.url.clone(),
                body: format!("{} {i}", c.body),
                form_stamp: app.form_stamp().await,
                ..Default::default()
            };
            app.clock.advance_seconds(30);
            let visitor = broadsheet::comments::service::Visitor {
                ip: format!("10.1.{}.{}", i / 200, i % 200),
                user: None,
                arrival: c.arrival(),
            };
            let posted = broadsheet::comments::service::submit(&app.db, &app.clock, input, visitor).await.unwrap();
            if c.spam { spam_ids.push(posted.id) } else { ham_ids.push(posted.id) }
        }
        moderation::apply(&app.db, &app.clock, chrono_tz::UTC, &boss, &spam_ids, Action::Spam).await.unwrap();
        moderation::apply(&app.db, &app.clock, chrono_tz::UTC, &boss, &ham_ids, Action::Approve).await.unwrap();

        let testing = broadsheet::demo::comments::labelled(2, 400);
        let mut m = broadsheet::comments::spam::Measure::default();
        for c in &testing {
            let verdict = broadsheet::comments::service::classify(&app.db, &c.features()).await.unwrap();
            let called = verdict.is_some_and(|v| v.percent() >= Policy::default().hold_score);
            match (called, c.spam) {
                (true, true) => m.true_positives += 1,
                (true, false) => m.false_positives += 1,
                (false, true) => m.false_negatives += 1,
                (false, false) => m.true_negatives += 1,
            }
        }
        println!("classifier after 80 moderator decisions, on 400 labelled comments: precision {:.3}, recall {:.3}", m.precision(), m.recall());
        assert!(m.precision() >= 0.95, "{m:?}");
        assert!(m.recall() >= 0.7, "{m:?}");

        let spam = broadsheet::demo::comments::spam(&mut <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(99));
        let fresh = app.comment(&Comment { ip: "192.0.2.9", ..Comment::new(id, &spam.name, &spam.email, &spam.body) }).await;
        let (status, reason) = reason_of(app, posted_id(fresh.header("location"))).await;
        assert_ne!(status, "approved", "{reason}");
        assert!(reason.starts_with("classifier: "), "{reason}");

        let mistaken = spam_ids[0];
        moderation::apply(&app.db, &app.clock, chrono_tz::UTC, &boss, &[mistaken], Action::NotSpam).await.unwrap();
        let c = moderation::one(&app.db, app.clock.now(), chrono_tz::UTC, &boss, mistaken).await.unwrap();
        assert_eq!((c.status.as_str(), c.trained_as.as_deref()), ("pending", Some("ham")), "changing one's mind retrains");
    }
}

/// Behind a named proxy, the flood rule and the stored address are the reader's, not the proxy's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_behind_a_trusted_proxy_are_told_apart() {
    let app = TestApp::sqlite().await.with_proxies(&["10.0.0.0/8"]);
    let id = story(&app).await;
    let boss = admin(&app).await;
    // Posts a comment by `name` over a connection from `peer` that claims to forward `client`.
    let post = |peer: &'static str, client: &'static str, name: &'static str| {
        let email = format!("{}@mail.example", name.to_lowercase());
        let app = &app;
        async move {
            let c = Comment {
                ip: peer,
                ..Comment::new(id, name, &email, name)
            };
            app.comment_to("/comments", &c, &[("x-forwarded-for", client)])
                .await
                .status
        }
    };
    let stored_ip = |name: &'static str| {
        let (app, boss) = (&app, &boss);
        async move {
            let email = format!("{}@mail.example", name.to_lowercase());
            moderation::export(&app.db, boss, &email)
                .await
                .unwrap()
                .comments[0]
                .ip_address
                .clone()
        }
    };
    assert_eq!(post("10.0.0.2", "6.6.6.6, 203.0.113.50", "Ann").await, 303);
    app.clock.advance_seconds(-25);
    assert_eq!(
        post("10.0.0.2", "203.0.113.51", "Bo").await,
        303,
        "another reader through the same proxy is not flood"
    );
    assert_eq!(
        stored_ip("Ann").await,
        "203.0.113.50",
        "the forged left entry is ignored"
    );
    assert_eq!(post("198.51.100.9", "203.0.113.52", "Cy").await, 303);
    assert_eq!(
        stored_ip("Cy").await,
        "198.51.100.9",
        "a stranger's header is not believed"
    );
    app.finish().await;
}

async fn notifications_reach_authors_moderators_and_subscribers(app: &TestApp, smtp: &SmtpServer) {
    let n = newsroom(app).await;
    let writer = app.add_user("writer@news.example", Role::Author).await;
    let id = publish(app, {
        let mut a = article(&n, "Talking point");
        a.created_by = Some(writer.id);
        a
    })
    .await;
    admin(app).await;
    set_policy(app, |p| p.previously_approved = false).await;
    let mut first = Comment::new(id, "Ann", "ann@mail.example", "Tell me about replies");
    first.fields.push(("subscribe_replies", "yes"));
    let first = posted_id(app.comment(&first).await.header("location"));
    app.run_jobs().await;
    let mails = || smtp.messages();
    assert_eq!(mails().len(), 1, "one mail, through the SMTP server");
    let first_mail = &mails()[0];
    assert_eq!(header(first_mail, "To"), "writer@news.example");
    let subject = header(first_mail, "Subject");
    assert!(subject.contains("New comment on"), "{subject}");
    assert!(
        first_mail.contains("text/plain") && first_mail.contains("text/html"),
        "both parts"
    );

    let mut reply = Comment::new(id, "Bo", "bo@mail.example", "A reply");
    reply.parent_id = first;
    app.comment(&reply).await;
    app.run_jobs().await;
    let to_ann = smtp.messages_to("ann@mail.example");
    assert_eq!(to_ann.len(), 1, "the subscriber hears of the reply");
    assert!(header(&to_ann[0], "Subject").contains("Bo replied to your comment"));
    let eml = to_ann[0].clone();
    let text = decoded_body(&eml);
    let link = text
        .split("/comments/unsubscribe?")
        .nth(1)
        .unwrap()
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let page = app.get(&format!("/comments/unsubscribe?{link}")).await;
    assert_eq!(page.status, 200, "{link}");
    assert!(page.text().contains("Stop reply emails"));
    let c = link
        .split("c=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let sig = link.split("sig=").nth(1).unwrap().to_string();
    let done = app
        .post_from(
            "/comments/unsubscribe",
            "",
            &[("c", &c), ("sig", &sig)],
            &[],
        )
        .await;
    assert_eq!(done.status, 200);
    assert!(done.text().contains("we will not email you about replies"));
    let bad = app
        .post_from(
            "/comments/unsubscribe",
            "",
            &[("c", &c), ("sig", "00")],
            &[],
        )
        .await;
    assert_eq!(bad.status, 410);
    let mut again = Comment::new(id, "Cy", "cy@mail.example", "Another reply");
    again.parent_id = first;
    app.comment(&again).await;
    app.run_jobs().await;
    assert_eq!(
        smtp.messages_to("ann@mail.example").len(),
        1,
        "no mail after unsubscribing"
    );
    assert_eq!(app.run_jobs().await, 0, "each announcement runs once");

    set_policy(app, |p| p.previously_approved = true).await;
    app.comment(&Comment::new(
        id,
        "New",
        "new@mail.example",
        "Held for moderators",
    ))
    .await;
    app.run_jobs().await;
    let to: Vec<String> = mails()
        .iter()
        .filter(|m| header(m, "Subject").contains("Please moderate"))
        .map(|m| header(m, "To"))
        .collect();
    let to: Vec<&str> = to.iter().map(String::as_str).collect();
    assert!(
        to.contains(&"chief@news.example") && to.contains(&"writer@news.example"),
        "{to:?}"
    );

    set_policy(app, |p| p.notify_moderators = ModerationNotice::Hourly).await;
    app.comment(&Comment::new(
        id,
        "Later",
        "later@mail.example",
        "Held for the digest",
    ))
    .await;
    app.run_jobs().await;
    let ctx = app.state.mail_room();
    broadsheet::jobs::maintain(&ctx).await.unwrap();
    let digests = || {
        mails()
            .into_iter()
            .filter(|m| header(m, "Subject").contains("waiting for approval"))
            .count()
    };
    assert_eq!(digests(), 0, "not before an hour has passed");
    app.clock.advance_seconds(3601);
    broadsheet::jobs::maintain(&ctx).await.unwrap();
    assert_eq!(digests(), 2, "one digest to each moderator");
    broadsheet::jobs::maintain(&ctx).await.unwrap();
    assert_eq!(digests(), 2, "and only once");
}

crate::smtp_tests!(notifications_reach_authors_moderators_and_subscribers);
