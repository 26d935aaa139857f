//! Newsletter sign-up end to end, through a real SMTP server, on both engines: the promo box,
//! double opt-in with a single-use expiring link, answers that never reveal an address, the
//! preference page, one-click unsubscribe (RFC 8058), rate limits and the purge of pending
//! sign-ups.

use broadsheet::newsletters::service as newsletters;

use crate::support::TestApp;
use crate::support::builders::{article, newsroom, publish};
use crate::support::smtp::{SmtpServer, header, link_in, link_in_text};

async fn watch(app: &TestApp, section: i64) -> i64 {
    crate::support::builders::newsletter(app, "White House Watch", section).await
}

async fn sign_up(app: &TestApp, email: &str, ip: &str) -> crate::support::TestResponse {
    app.post_from(
        "/newsletters/subscribe",
        ip,
        &[
            ("email", email),
            ("newsletter", "white-house-watch"),
            ("form", "article"),
        ],
        &[],
    )
    .await
}

async fn double_opt_in(app: &TestApp, smtp: &SmtpServer) {
    let n = newsroom(app).await;
    let id = watch(app, n.business).await;
    publish(app, article(&n, "Capital story")).await;
    let page = app.get("/business-news/2026/06/capital-story").await.text();
    assert!(page.contains("Unlock the White House Watch newsletter for free"));
    assert!(page.contains("name=\"newsletter\" value=\"white-house-watch\""));

    let r = sign_up(app, "Reader@Mail.example", "203.0.113.20").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), "/newsletters/check-inbox");
    assert_eq!(app.run_jobs().await, 1);
    let mails = smtp.messages_to("reader@mail.example");
    assert_eq!(mails.len(), 1, "one confirmation mail through SMTP");
    assert!(header(&mails[0], "Subject").contains("Confirm your sign-up to White House Watch"));
    let link = link_in(&mails[0], "http");
    let path = link
        .split_once("://")
        .unwrap()
        .1
        .split_once('/')
        .map(|(_, p)| format!("/{p}"))
        .unwrap();
    assert!(path.starts_with("/newsletters/confirm?s="), "{path}");

    let audience = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            newsletters::audience(&db)
                .await
                .unwrap()
                .into_iter()
                .find(|a| a.0 == id)
                .unwrap_or((id, 0, 0, 0))
        }
    };
    assert_eq!(
        audience(app).await,
        (id, 1, 0, 0),
        "pending until the link is used"
    );
    let ask = app.get(&path).await;
    assert_eq!(ask.status, 200);
    assert!(
        ask.text().contains("Confirm my subscription"),
        "a GET changes nothing"
    );
    assert_eq!(audience(app).await.1, 1);
    let query = path.split_once('?').unwrap().1;
    let s = query
        .split('&')
        .find_map(|p| p.strip_prefix("s="))
        .unwrap()
        .to_string();
    let sig = query
        .split('&')
        .find_map(|p| p.strip_prefix("sig="))
        .unwrap()
        .to_string();
    let done = app
        .post_from(
            "/newsletters/confirm",
            "203.0.113.20",
            &[("s", &s), ("sig", &sig)],
            &[],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(
        done.text()
            .contains("You are subscribed to White House Watch")
    );
    assert_eq!(audience(app).await, (id, 0, 1, 0));
    let again = app
        .post_from(
            "/newsletters/confirm",
            "203.0.113.20",
            &[("s", &s), ("sig", &sig)],
            &[],
        )
        .await;
    assert_eq!(again.status, 410, "the link works once");

    let known = sign_up(app, "reader@mail.example", "203.0.113.21").await;
    assert_eq!(
        (known.status.as_u16(), known.header("location")),
        (303, "/newsletters/check-inbox"),
        "the same answer for a subscribed address"
    );
    app.run_jobs().await;
    assert_eq!(
        smtp.messages_to("reader@mail.example").len(),
        1,
        "and no mail to them"
    );
    let json = app
        .post_from(
            "/newsletters/subscribe",
            "203.0.113.22",
            &[
                ("email", "new@mail.example"),
                ("newsletter", "white-house-watch"),
            ],
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(json.status, 200);
    assert!(json.text().contains("Check your inbox"));

    let prefs_link = link_in_text(&done.text(), "/newsletters/preferences?");
    let prefs = app.get(&prefs_link).await;
    assert_eq!(prefs.status, 200);
    assert!(prefs.text().contains("reader@mail.example") && prefs.text().contains("checked"));
    let r = prefs_link
        .split("r=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let psig = prefs_link.split("sig=").nth(1).unwrap().to_string();
    let off = app
        .post_from(
            "/newsletters/preferences",
            "",
            &[("r", &r), ("sig", &psig), ("all", "off")],
            &[],
        )
        .await;
    assert!(off.text().contains("Your choices are saved."));
    assert_eq!(audience(app).await.3, 1, "unsubscribed from all");
    let on = app
        .post_from(
            "/newsletters/preferences",
            "",
            &[("r", &r), ("sig", &psig), ("newsletter", &id.to_string())],
            &[],
        )
        .await;
    assert_eq!(on.status, 200);
    assert_eq!(audience(app).await.2, 1, "back on from the preference page");
    let forged = app
        .get(&format!("/newsletters/preferences?r={r}&sig=00"))
        .await;
    assert_eq!(forged.status, 410);

    // RFC 8058: the provider POSTs `List-Unsubscribe=One-Click` to the link, with no cookie.
    let key = broadsheet::site::settings::signing_key(&app.db)
        .await
        .unwrap();
    let one_click = format!(
        "/newsletters/unsubscribe?{}",
        newsletters::unsubscribe_query(&key, r.parse().unwrap(), id, 0)
    );
    let page = app.get(&one_click).await;
    assert!(page.text().contains("Press the button"), "a GET only asks");
    assert_eq!(audience(app).await.2, 1);
    let post = app
        .request(
            axum::http::Request::post(&one_click)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
                .unwrap(),
        )
        .await;
    assert_eq!(post.status, 200);
    assert!(
        post.text()
            .contains("You will get no more White House Watch.")
    );
    assert_eq!(audience(app).await.2, 0, "one click, no further step");
}

async fn limits_honeypot_and_purge(app: &TestApp, smtp: &SmtpServer) {
    let n = newsroom(app).await;
    watch(app, n.business).await;
    let bot = app
        .post_from(
            "/newsletters/subscribe",
            "198.51.100.2",
            &[
                ("email", "bot@mail.example"),
                ("newsletter", "white-house-watch"),
                ("nickname", "spam"),
            ],
            &[],
        )
        .await;
    assert_eq!(bot.status, 303, "the honeypot gets the usual answer");
    let bad = sign_up(app, "not an address", "198.51.100.3").await;
    assert_eq!(bad.status, 422);
    for i in 0..4 {
        sign_up(app, "twice@mail.example", &format!("198.51.100.{}", 10 + i)).await;
    }
    for i in 0..10 {
        let r = sign_up(app, &format!("r{i}@mail.example"), "198.51.100.50").await;
        assert_eq!(r.status, 303);
    }
    let limited = sign_up(app, "r10@mail.example", "198.51.100.50").await;
    assert_eq!(limited.status, 429, "ten sign-ups an hour from one address");
    app.run_jobs().await;
    assert!(smtp.messages_to("bot@mail.example").is_empty());
    assert_eq!(
        smtp.messages_to("twice@mail.example").len(),
        1,
        "repeated sign-ups mail once while pending"
    );

    let pending = || async {
        newsletters::audience(&app.db)
            .await
            .unwrap()
            .first()
            .map_or(0, |a| a.1)
    };
    assert_eq!(pending().await, 11);
    app.clock.advance_seconds(6 * 86_400);
    newsletters::purge(&app.db, app.clock.now()).await.unwrap();
    assert_eq!(pending().await, 11, "kept for a week");
    app.clock.advance_seconds(86_400 + 1);
    newsletters::purge(&app.db, app.clock.now()).await.unwrap();
    assert_eq!(pending().await, 0, "purged after seven days");
    let stale = smtp.messages_to("r0@mail.example");
    let link = link_in(&stale[0], "/newsletters/confirm?");
    assert_eq!(
        app.get(&link).await.status,
        410,
        "a purged sign-up's link is dead"
    );
}

crate::smtp_tests!(double_opt_in, limits_honeypot_and_purge);
