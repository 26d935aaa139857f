//! What an attacker found on the public site, the sign-in and the media library, each as a
//! request that got through before the fix and is refused or bounded after it.

use std::time::Duration;

use axum::http::StatusCode;
use broadsheet::accounts::Role;
use broadsheet::accounts::service as accounts;
use broadsheet::articles::service::{self as articles, Status};
use broadsheet::comments::service::MAX_COMMENT;
use broadsheet::media::service as media;

use crate::db_tests;
use crate::media::{jpeg, upload, uploaded_id};
use crate::support::TestApp;
use crate::support::admin::PASSWORD;
use crate::support::builders::{article, newsroom, publish};
use crate::support::comments::{Comment, form_from};

async fn story(app: &TestApp) -> i64 {
    let n = newsroom(app).await;
    publish(app, article(&n, "Talking point")).await
}

/// Comment bodies at the size limit shaped to make a naive link scanner rescan the text.
fn adversarial_bodies() -> Vec<String> {
    let mut reported = "xhttp://".repeat(100);
    reported.push_str(&")".repeat(MAX_COMMENT - reported.len()));
    vec![
        reported,
        format!("http://a{}", ")".repeat(MAX_COMMENT - 8)),
        "xhttp://".repeat(MAX_COMMENT / 8),
        "www.,;:".repeat(MAX_COMMENT / 7),
    ]
}

/// Hangs are failures, not waits: a quadratic scan of these bodies took minutes.
const NO_HANG: Duration = Duration::from_secs(120);

db_tests! {
    async fn comments_at_the_size_limit_are_scored_stored_and_shown(app) {
        let id = story(app).await;
        let work = async {
            for (i, body) in adversarial_bodies().iter().enumerate() {
                let email = format!("reader{i}@mail.example");
                let ip = format!("203.0.113.{}", 10 + i);
                let posted = app.comment(&Comment { ip: &ip, ..Comment::new(id, "Reader", &email, body) }).await;
                assert_eq!(posted.status, StatusCode::SEE_OTHER, "body {i}: {}", posted.text());
                let shown = app.get(posted.header("location")).await;
                assert_eq!(shown.status, StatusCode::OK, "body {i}");
                assert!(shown.text().contains("awaiting moderation"), "body {i} is shown to its author");
            }
        };
        tokio::time::timeout(NO_HANG, work).await.expect("no comment takes minutes");
    }

    async fn parallel_comments_meet_the_flood_rule(app) {
        let id = story(app).await;
        let mut requests = Vec::new();
        for i in 0..4 {
            let email = format!("flood{i}@mail.example");
            let body = format!("Comment number {i}");
            let fields = app.comment_fields(&Comment::new(id, "Flo", &email, &body)).await;
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            requests.push(form_from("/comments", "203.0.113.99", &pairs, &[]));
        }
        let statuses = app.in_parallel(requests).await;
        let accepted = statuses.iter().filter(|s| **s == 303).count();
        assert!(accepted <= 1, "one comment per flood interval, got {statuses:?}");
        assert!(statuses.iter().all(|s| *s == 303 || *s == 429), "{statuses:?}");
        app.clock.advance_seconds(16);
        let later = app.comment(&Comment { ip: "203.0.113.99", ..Comment::new(id, "Flo", "flood9@mail.example", "Later") }).await;
        assert_eq!(later.status, StatusCode::SEE_OTHER, "a refused attempt does not push the window on");
    }

    async fn parallel_wrong_passwords_meet_the_sign_in_limits(app) {
        app.add_user("editor@news.example", Role::Editor).await;
        let guesses: Vec<_> = (0..30)
            .map(|i| {
                let password = format!("wrong guess number {i}");
                form_from("/admin/login", "203.0.113.66", &[("email", "editor@news.example"), ("password", &password)], &[])
            })
            .collect();
        let statuses = app.in_parallel(guesses).await;
        let checked = statuses.iter().filter(|s| **s == 401).count();
        assert!(checked <= accounts::MAX_SIGN_INS_PER_ACCOUNT_AND_ADDRESS as usize, "{checked} passwords checked: {statuses:?}");
        assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
        let owner = app.post_from("/admin/login", "198.51.100.20", &[("email", "editor@news.example"), ("password", PASSWORD)], &[]).await;
        assert_eq!(owner.status, StatusCode::SEE_OTHER, "the owner elsewhere is not locked out");

        // One address guessing at many accounts meets the per-address limit.
        let spread: Vec<_> = (0..30)
            .map(|i| {
                let email = format!("person{i}@news.example");
                form_from("/admin/login", "2001:db8:7:7::1", &[("email", &email), ("password", "a wrong password")], &[])
            })
            .collect();
        let statuses = app.in_parallel(spread).await;
        let mut checked = statuses.iter().filter(|s| **s == 401).count();
        assert!(checked <= accounts::MAX_SIGN_INS_PER_ADDRESS as usize, "{checked}: {statuses:?}");
        // Parallel attempts may leave a slot unused; one after another they fill it exactly,
        // from any address of the same /64.
        for i in 0.. {
            let email = format!("later{i}@news.example");
            let next = app.post_from("/admin/login", "2001:db8:7:7:ffff::9", &[("email", &email), ("password", "a wrong password")], &[]).await;
            if next.status == StatusCode::TOO_MANY_REQUESTS {
                break;
            }
            assert_eq!(next.status, StatusCode::UNAUTHORIZED);
            checked += 1;
            assert!(checked <= accounts::MAX_SIGN_INS_PER_ADDRESS as usize, "the /64 shares one count");
        }
        assert_eq!(checked, accounts::MAX_SIGN_INS_PER_ADDRESS as usize);
    }

    async fn housekeeping_forgets_attempts_and_finished_jobs(app) {
        app.add_user("author@news.example", Role::Author).await;
        app.post_from("/admin/password-reset", "203.0.113.1", &[("email", "author@news.example")], &[]).await;
        app.post_from("/admin/login", "203.0.113.1", &[("email", "author@news.example"), ("password", "not the password")], &[]).await;
        assert_eq!(app.run_jobs().await, 1);
        assert!(count_rows(app, "SELECT 1 FROM rate_events").await >= 4);
        assert_eq!(count_rows(app, "SELECT 1 FROM jobs WHERE kind = 'password_link'").await, 1);
        app.clock.advance_seconds(8 * 24 * 3600);
        broadsheet::jobs::maintain(&app.state.mail_room()).await.unwrap();
        assert_eq!(count_rows(app, "SELECT 1 FROM rate_events").await, 0, "attempts older than a day");
        assert_eq!(count_rows(app, "SELECT 1 FROM jobs WHERE kind = 'password_link'").await, 0, "the address typed is forgotten");
    }

    async fn accounts_without_a_password_answer_as_unknown_ones_do(app) {
        let invited = accounts::create_user(&app.db, &app.clock, accounts::NewAccount {
            email: "invited@news.example".into(),
            name: "Invited".into(),
            role: Role::Author,
            password: None,
        }).await.unwrap();
        assert!(!invited.has_password);
        let invited = app.post_from("/admin/login", "203.0.113.5", &[("email", "invited@news.example"), ("password", "anything at all")], &[]).await;
        let unknown = app.post_from("/admin/login", "203.0.113.5", &[("email", "nobody@news.example"), ("password", "anything at all")], &[]).await;
        assert_eq!(invited.status, StatusCode::UNAUTHORIZED);
        assert_eq!(invited.text(), unknown.text().replace("nobody@news.example", "invited@news.example"));
    }

    async fn password_links_are_throttled_queued_and_void_each_other(app) {
        let author = app.add_user("author@news.example", Role::Author).await;
        let token = accounts::create_api_token(&app.db, &app.clock, author.id, "scheduler").await.unwrap();
        let ask = |ip: &'static str, email: &'static str| async move {
            app.post_from("/admin/password-reset", ip, &[("email", email)], &[]).await.status
        };
        for _ in 0..accounts::MAX_LINK_REQUESTS_PER_EMAIL {
            assert_eq!(ask("203.0.113.1", "author@news.example").await, StatusCode::OK);
        }
        assert_eq!(ask("203.0.113.2", "author@news.example").await, StatusCode::TOO_MANY_REQUESTS, "per address asked for");
        for i in 0..accounts::MAX_LINK_REQUESTS_PER_ADDRESS - 3 {
            let email: &'static str = Box::leak(format!("someone{i}@news.example").into_boxed_str());
            assert_eq!(ask("203.0.113.1", email).await, StatusCode::OK);
        }
        assert_eq!(ask("203.0.113.1", "other@news.example").await, StatusCode::TOO_MANY_REQUESTS, "per client address");

        let outbox = app.state.mailer.outbox().unwrap().to_path_buf();
        assert!(broadsheet::mail::outbox::read(&outbox, 10).unwrap().is_empty(), "no mail is sent inside the request");
        app.run_jobs().await;
        let mails = broadsheet::mail::outbox::read(&outbox, 20).unwrap();
        assert_eq!(mails.len(), 3, "only the account's address gets mail");
        let links: Vec<String> = mails
            .iter()
            .map(|m| {
                let raw = std::fs::read_to_string(outbox.join(&m.file)).unwrap().replace("=\r\n", "").replace("=3D", "=");
                let at = raw.find("/admin/password/reset/").expect("a link");
                raw[at..].split(|c: char| c.is_whitespace() || c == '"' || c == '<').next().unwrap().to_string()
            })
            .collect();
        for link in &links {
            assert_eq!(app.get(link).await.status, StatusCode::OK, "{link} works before any is used");
        }
        let set = app.post_from(&links[0], "203.0.113.1", &[("password", "new plum orchard"), ("confirm", "new plum orchard"), ("revoke_tokens", "yes")], &[]).await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.text());
        for link in &links {
            assert_eq!(app.get(link).await.status, StatusCode::GONE, "{link} died with the one used");
        }
        assert!(accounts::api_token_user(&app.db, &app.clock, &token).await.unwrap().is_none(), "API tokens revoked on request");
    }
}

/// The first `src` of an image-service URL of item `id` in a page, unescaped.
fn image_url_in(html: &str, id: i64) -> String {
    let marker = format!("/images/v2/raw/media:{id}?");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no URL of item {id} in {html}"));
    html[at..]
        .split(['"', ' '])
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

db_tests! {
    async fn unpublished_media_are_seen_only_through_signed_urls(app) {
        let n = newsroom(app).await;
        app.add_user("author@news.example", Role::Author).await;
        let author = app.sign_in("author@news.example").await;
        let id = uploaded_id(&upload(app, &author, &author.csrf, "embargo.jpg", &jpeg(64, 48)).await);
        let guessed = format!("/images/v2/raw/media:{id}?width=40");
        assert_eq!(app.get(&guessed).await.status, StatusCode::NOT_FOUND, "an unused upload is not public");
        assert_eq!(app.get(&format!("/images/v2/metadata/media:{id}")).await.status, StatusCode::NOT_FOUND);

        // The library shows it through a signed URL, for that browser only.
        let tile = image_url_in(&app.get_as("/admin/media", &author).await.text(), id);
        let shown = app.get(&tile).await;
        assert_eq!(shown.status, StatusCode::OK, "{tile}");
        assert!(shown.header("cache-control").starts_with("private"), "{}", shown.header("cache-control"));
        let forged = tile.replace("signature=", "signature=0");
        assert_eq!(app.get(&forged).await.status, StatusCode::NOT_FOUND);
        let other_item = tile.replace(&format!("media:{id}?"), &format!("media:{}?", id + 1));
        assert_eq!(app.get(&other_item).await.status, StatusCode::NOT_FOUND, "a signature is for one item");

        // Tomorrow's lead image stays private until its story is published.
        let mut input = article(&n, "Embargoed story");
        input.lead_media_id = Some(id);
        input.lead_alt = "Cranes".into();
        input.status = Status::Scheduled;
        input.published_at = Some(app.clock.now().plus_seconds(3600));
        let story = articles::create_article(&app.db, &app.clock, input).await.unwrap();
        assert_eq!(app.get(&guessed).await.status, StatusCode::NOT_FOUND, "scheduled is not yet public");
        app.clock.advance_seconds(3601);
        articles::publish_if_due(&app.db, &app.clock, story).await.unwrap();
        let public = app.get(&guessed).await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(public.header("cache-control").starts_with("public"));
        let mut back = articles::editable(&app.db, chrono_tz::UTC, story).await.unwrap().input;
        back.status = Status::Draft;
        back.published_at = None;
        articles::update_article(&app.db, &app.clock, chrono_tz::UTC, story, back, articles::Edit::default()).await.unwrap();
        assert_eq!(app.get(&guessed).await.status, StatusCode::NOT_FOUND, "unpublished, private again at once");

        // An image shown only in a draft's body appears in the draft's preview, signed.
        let body_only = uploaded_id(&upload(app, &author, &author.csrf, "inline.jpg", &jpeg(48, 64)).await);
        let mut draft = article(&n, "Draft with a picture");
        draft.status = Status::Draft;
        draft.published_at = None;
        draft.body = format!("<p>Text.</p><img src=\"/images/v2/raw/media:{body_only}?width=300\" alt=\"A picture\">");
        let draft_id = articles::create_article(&app.db, &app.clock, draft).await.unwrap();
        assert_eq!(app.get(&format!("/images/v2/raw/media:{body_only}?width=30")).await.status, StatusCode::NOT_FOUND);
        let key = broadsheet::site::settings::signing_key(&app.db).await.unwrap();
        let preview = app.get(&articles::preview_path(&key, draft_id, app.clock.now())).await;
        assert_eq!(preview.status, StatusCode::OK);
        let inline = image_url_in(&preview.text(), body_only);
        assert_eq!(app.get(&inline).await.status, StatusCode::OK, "{inline}");
    }

    async fn authors_manage_only_their_own_uploads(app) {
        let n = newsroom(app).await;
        let ann = app.add_user("ann@news.example", Role::Author).await;
        app.add_user("bo@news.example", Role::Author).await;
        app.add_user("editor@news.example", Role::Editor).await;
        let (ann_browser, bo) = (app.sign_in("ann@news.example").await, app.sign_in("bo@news.example").await);
        let editor = app.sign_in("editor@news.example").await;
        let id = uploaded_id(&upload(app, &ann_browser, &ann_browser.csrf, "ann.jpg", &jpeg(40, 30)).await);
        let path = format!("/admin/media/{id}");
        let fields = [("alt", "Defaced"), ("caption", ""), ("credit", ""), ("focal_x", "500"), ("focal_y", "500")];
        assert_eq!(app.post_as(&path, &bo, &fields).await.status, StatusCode::FORBIDDEN);
        assert_eq!(app.post_as(&format!("{path}/delete"), &bo, &[]).await.status, StatusCode::FORBIDDEN);
        assert!(!app.get_as(&path, &bo).await.text().contains("Delete this image"));
        let bo_token = accounts::create_api_token(&app.db, &app.clock, accounts::user_by_email(&app.db, "bo@news.example").await.unwrap().id, "t").await.unwrap();
        let api = |method: &str| {
            axum::http::Request::builder()
                .method(method)
                .uri(format!("/api/v1/media/{id}"))
                .header("authorization", format!("Bearer {bo_token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(r#"{"alt":"Defaced"}"#))
                .unwrap()
        };
        assert_eq!(app.request(api("PATCH")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(app.request(api("DELETE")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(media::item(&app.db, id).await.unwrap().alt, "", "nothing changed");

        // Bo uploading the same file does not take it over or change its text.
        app.post_as(&path, &ann_browser, &[("alt", "Ann's words"), ("focal_x", "500"), ("focal_y", "500")]).await;
        let again = uploaded_id(&upload(app, &bo, &bo.csrf, "copy.jpg", &jpeg(40, 30)).await);
        assert_eq!(again, id);
        assert_eq!(app.post_as(&path, &bo, &fields).await.status, StatusCode::FORBIDDEN);
        assert_eq!(media::item(&app.db, id).await.unwrap().alt, "Ann's words");
        assert_eq!(media::item(&app.db, id).await.unwrap().uploaded_by, Some(ann.id));

        // An image in a published body is in use: deleting it would break the article.
        let mut input = article(&n, "Body picture");
        input.body = format!("<img src=\"/images/v2/raw/media:{id}?width=700&amp;fit=scale-down\" alt=\"Cranes\">");
        publish(app, input).await;
        assert_eq!(media::uses(&app.db, id).await.unwrap(), 1);
        assert_eq!(app.post_as(&format!("{path}/delete"), &editor, &[]).await.status, StatusCode::CONFLICT);
        assert_eq!(app.post_as(&path, &editor, &fields).await.status, StatusCode::SEE_OTHER, "editors manage anyone's media");
    }

    async fn bodies_saved_before_references_were_kept_are_read_by_a_job(app) {
        let n = newsroom(app).await;
        app.add_user("editor@news.example", Role::Editor).await;
        let editor = app.sign_in("editor@news.example").await;
        let id = uploaded_id(&upload(app, &editor, &editor.csrf, "old.jpg", &jpeg(40, 30)).await);
        let mut input = article(&n, "Old story");
        input.body = format!("<img src=\"/media/{}\" alt=\"Old\">", media::item(&app.db, id).await.unwrap().path);
        publish(app, input).await;
        assert_eq!(media::uses(&app.db, id).await.unwrap(), 1, "a /media/ file counts too");
        let mut tx = app.db.begin().await.unwrap();
        broadsheet::jobs::enqueue_in(&mut tx, &broadsheet::jobs::Job::MediaReferences { after: 0 }, app.clock.now(), None, app.clock.now()).await.unwrap();
        tx.commit().await.unwrap();
        sqlx_delete_references(app).await;
        assert_eq!(media::uses(&app.db, id).await.unwrap(), 0);
        assert_eq!(app.run_jobs().await, 1);
        assert_eq!(media::uses(&app.db, id).await.unwrap(), 1, "the job found the reference again");
    }
}

/// Forgets every recorded body reference, as a database migrated before they were kept.
async fn sqlx_delete_references(app: &TestApp) {
    count_rows(app, "DELETE FROM article_media RETURNING 1").await;
}

/// The rows a statement answers with, on a connection of its own.
async fn count_rows(app: &TestApp, sql: &'static str) -> usize {
    if app.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&app.url).await.unwrap();
        let n = sqlx::query(sql).fetch_all(&pool).await.unwrap().len();
        pool.close().await;
        n
    } else {
        let pool = sqlx::SqlitePool::connect(&app.url).await.unwrap();
        let n = sqlx::query(sql).fetch_all(&pool).await.unwrap().len();
        pool.close().await;
        n
    }
}

db_tests! {
    async fn bylines_and_new_tags_are_for_editors(app) {
        let n = newsroom(app).await;
        let ann = app.add_user("ann@news.example", Role::Author).await;
        app.add_user("cy@news.example", Role::Contributor).await;
        let mut tx = app.db.begin().await.unwrap();
        let own = articles::create_author_in(&mut tx, "Ann Author", "", None).await.unwrap();
        tx.commit().await.unwrap();
        accounts::set_author_profile(&app.db, &app.clock, ann.id, Some(own)).await.unwrap();
        let author = app.sign_in("ann@news.example").await;
        let contributor = app.sign_in("cy@news.example").await;
        let section = n.business.to_string();
        let (own_id, colleague) = (own.to_string(), n.author.to_string());
        let written = std::sync::atomic::AtomicUsize::new(0);
        let write = |who, author_id: &'static str, tags: &'static str, action: &'static str| {
            let section = section.clone();
            let headline = format!("Byline test {}", written.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            async move {
                let fields = [
                    ("headline", headline.as_str()), ("body", "Text"), ("section_id", section.as_str()),
                    ("author_ids", author_id), ("tags", tags), ("action", action),
                ];
                app.post_as("/admin/articles", who, &fields).await
            }
        };
        let own_id: &'static str = Box::leak(own_id.into_boxed_str());
        let colleague: &'static str = Box::leak(colleague.into_boxed_str());
        assert_eq!(write(&author, colleague, "", "publish").await.status, StatusCode::FORBIDDEN, "a colleague's byline");
        assert_eq!(write(&author, own_id, "", "publish").await.status, StatusCode::SEE_OTHER, "one's own byline");

        let tags_before = articles::tags(&app.db).await.unwrap().len();
        assert_eq!(write(&contributor, "", "Brand New Tag", "publish").await.status, StatusCode::FORBIDDEN);
        let refused = write(&contributor, "", "Brand New Tag", "save").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("there is no tag"), "{}", refused.text());
        assert_eq!(articles::tags(&app.db).await.unwrap().len(), tags_before, "no tag page was made");
        assert_eq!(write(&contributor, "", "Retail", "save").await.status, StatusCode::SEE_OTHER, "existing tags are fine");
        let editor_browser = {
            app.add_user("ed@news.example", Role::Editor).await;
            app.sign_in("ed@news.example").await
        };
        assert_eq!(write(&editor_browser, colleague, "Brand New Tag", "publish").await.status, StatusCode::SEE_OTHER, "editors credit anyone and add tags");
        assert_eq!(articles::tags(&app.db).await.unwrap().len(), tags_before + 1);

        // The API: a refused publish leaves no tag behind; a colleague's byline is refused.
        let token = accounts::create_api_token(&app.db, &app.clock, accounts::user_by_email(&app.db, "cy@news.example").await.unwrap().id, "t").await.unwrap();
        let post = |body: String| {
            axum::http::Request::post("/api/v1/articles")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap()
        };
        let publish = post(format!(r#"{{"headline":"X","section_id":{},"status":"published","tags":["Another New Tag"]}}"#, n.business));
        assert_eq!(app.request(publish).await.status, StatusCode::FORBIDDEN);
        assert_eq!(articles::tags(&app.db).await.unwrap().len(), tags_before + 1, "only the editor's tag");
        let credited = post(format!(r#"{{"headline":"X","section_id":{},"author_ids":[{}]}}"#, n.business, n.author));
        assert_eq!(app.request(credited).await.status, StatusCode::FORBIDDEN);
    }

    async fn huge_page_numbers_are_bounded_everywhere(app) {
        newsroom(app).await;
        app.add_user("editor@news.example", Role::Editor).await;
        let editor = app.sign_in("editor@news.example").await;
        for path in ["/admin/comments", "/admin/articles", "/admin/media"] {
            let r = app.get_as(&format!("{path}?page=9223372036854775807"), &editor).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
        }
        let r = app.get_as("/admin/comments?page=99999999999999999999999", &editor).await;
        assert_eq!(r.status, StatusCode::OK, "a page number past i64 reads as the first page");
    }

    async fn https_sites_send_hsts_and_host_only_cookies(app) {
        app.add_user("editor@news.example", Role::Editor).await;
        assert!(app.get("/healthz").await.header("strict-transport-security").is_empty(), "not over http");
        let mut site = broadsheet::site::settings::load(&app.db).await.unwrap();
        site.base_url = "https://news.example".into();
        broadsheet::site::settings::save(&app.db, &site).await.unwrap();
        assert_eq!(app.get("/").await.header("strict-transport-security"), "max-age=31536000");
        let signed_in = app.post_form("/admin/login", None, &[("email", "editor@news.example"), ("password", PASSWORD)]).await;
        let cookie = signed_in.header("set-cookie").to_string();
        assert!(cookie.starts_with("__Host-bs_session=") && cookie.contains("; Secure") && !cookie.contains("Domain"), "{cookie}");
        let token = cookie.split(';').next().unwrap().split('=').nth(1).unwrap();
        let planted = app.get_with("/admin", &[("cookie", &format!("bs_session={token}"))]).await;
        assert_eq!(planted.status, StatusCode::SEE_OTHER, "the unprefixed cookie is not read on an https site");
        let real = app.get_with("/admin", &[("cookie", &format!("__Host-bs_session={token}"))]).await;
        assert_eq!(real.status, StatusCode::OK);
    }

    async fn client_request_ids_are_kept_only_when_plain(app) {
        let plain = app.get_with("/healthz", &[("x-request-id", "edge-01J9ZQ7K3M")]).await;
        assert_eq!(plain.header("x-request-id"), "edge-01J9ZQ7K3M");
        let forged = "x\" level=error msg=\"forged";
        let replaced = app.get_with("/healthz", &[("x-request-id", forged)]).await;
        assert_ne!(replaced.header("x-request-id"), forged);
        assert!(!replaced.header("x-request-id").is_empty());
        let long = "a".repeat(200);
        assert_ne!(app.get_with("/healthz", &[("x-request-id", &long)]).await.header("x-request-id"), long);
    }
}

/// A 64 × 48 JPEG in the library, shown as an author's portrait so anyone may ask for it.
async fn public_photo(app: &TestApp) -> i64 {
    let id = media::upload(
        &app.db,
        &app.state.media,
        app.clock.now(),
        &jpeg(64, 48),
        None,
    )
    .await
    .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    articles::create_author_in(&mut tx, "Portrait", "", Some(id))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn metadata(r: &crate::support::TestResponse) -> (u64, u64) {
    let v: serde_json::Value =
        serde_json::from_slice(&r.bytes).unwrap_or_else(|_| panic!("{}", r.text()));
    (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_never_grow_past_the_source_and_misses_are_limited_per_client() {
    let mut config = crate::support::image_config(&[], 2, 8);
    config.renders_per_client = 3;
    let app = TestApp::sqlite().await.with_images(config);
    let id = public_photo(&app).await;
    let ask =
        |query: String, ip: &'static str| {
            let app = &app;
            async move {
                let mut request =
                    axum::http::Request::get(format!("/images/v2/metadata/media:{id}?{query}"))
                        .body(axum::body::Body::empty())
                        .unwrap();
                request.extensions_mut().insert(axum::extract::ConnectInfo(
                    std::net::SocketAddr::new(ip.parse().unwrap(), 4000),
                ));
                app.request(request).await
            }
        };
    let big = ask(
        "width=2048&height=2048&fit=cover&format=jpg".into(),
        "203.0.113.1",
    )
    .await;
    assert_eq!(big.status, StatusCode::OK, "{}", big.text());
    assert_eq!(
        metadata(&big),
        (48, 48),
        "a 2048² cover of a 64 × 48 photo is its 48² middle"
    );
    let dense = ask("width=2048&dpr=2&format=jpg".into(), "203.0.113.1").await;
    assert_eq!(
        metadata(&dense),
        (128, 96),
        "twice the source at dpr 2, and no more"
    );
    let third = ask("width=20&format=jpg".into(), "203.0.113.1").await;
    assert_eq!(third.status, StatusCode::OK);
    let fourth = ask("width=21&format=jpg".into(), "203.0.113.1").await;
    assert_eq!(
        fourth.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a fourth new size within the minute"
    );
    assert_eq!(fourth.header("retry-after"), "60");
    assert_eq!(
        ask("width=20&format=jpg".into(), "203.0.113.1")
            .await
            .status,
        StatusCode::OK,
        "cache hits are never limited"
    );
    assert_eq!(
        ask("width=21&format=jpg".into(), "203.0.113.2")
            .await
            .status,
        StatusCode::OK,
        "another reader"
    );
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn translated_and_tunnelled_internal_addresses_are_not_fetched() {
    let hosts = [
        "[64:ff9b:1::7f00:1]",
        "[::ffff:0:7f00:1]",
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
    ];
    let sources: Vec<String> = hosts
        .iter()
        .map(|h| format!("http://{h}/photos/"))
        .collect();
    let app = TestApp::sqlite()
        .await
        .with_images(crate::support::image_config(&sources, 2, 4));
    for host in hosts {
        let url: String =
            form_urlencoded::byte_serialize(format!("http://{host}/photos/a.jpg").as_bytes())
                .collect();
        let r = app.get(&format!("/images/v2/raw/{url}?width=100")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{host}: {}", r.text());
        assert!(
            r.text().contains("internal address"),
            "{host}: {}",
            r.text()
        );
    }
    app.finish().await;
}
