//! Newsletter issues end to end through a real SMTP server, on both engines: the digest's
//! contents and headers, one-click unsubscribe from its link and the mail that confirms it, the
//! resumable send (a node dying mid-send, two nodes at once), refusals (4xx retried, 5xx
//! bounced), the send rate, DKIM, issues made by cadence, and the editor's screens.

use std::sync::Arc;

use broadsheet::newsletters::{cadence, issues, sending, service as newsletters};

use crate::support::builders::{Newsroom, article, newsroom, publish};
use crate::support::smtp::{SmtpServer, decoded_body, header, link_in, path_of};
use crate::support::{TestApp, helpers};

async fn watch(app: &TestApp, n: &Newsroom) -> i64 {
    crate::support::builders::newsletter(app, "White House Watch", n.business).await
}

/// A reader who signed up and used the confirmation link, as a reader does.
async fn reader(app: &TestApp, smtp: &SmtpServer, email: &str, ip: &str) {
    let r = app
        .post_from(
            "/newsletters/subscribe",
            ip,
            &[("email", email), ("newsletter", "white-house-watch")],
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    app.run_jobs().await;
    let mail = smtp.messages_to(email).pop().expect("a confirmation mail");
    let path = path_of(&link_in(&mail, "http"));
    let query = path.split_once('?').unwrap().1.to_string();
    let field = |name: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_string()
    };
    let done = app
        .post_from(
            "/newsletters/confirm",
            ip,
            &[("s", &field("s")), ("sig", &field("sig"))],
            &[],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
}

async fn readers(app: &TestApp, smtp: &SmtpServer, count: usize) -> Vec<String> {
    let mut emails = Vec::new();
    for i in 0..count {
        let email = format!("reader{i}@mail.example");
        reader(
            app,
            smtp,
            &email,
            &format!("198.51.{}.{}", i / 200, i % 200 + 1),
        )
        .await;
        emails.push(email);
    }
    emails
}

/// Issue mails (not confirmations) received by `to`.
fn issues_to(smtp: &SmtpServer, to: &str) -> Vec<String> {
    smtp.messages_to(to)
        .into_iter()
        .filter(|m| header(m, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        .collect()
}

async fn draft(app: &TestApp, newsletter: i64, intro: &str) -> i64 {
    let id = issues::create_draft(&app.db, &app.clock, newsletter, None)
        .await
        .unwrap();
    let subject = issues::get(&app.db, id).await.unwrap().subject;
    issues::edit(&app.db, &app.clock, id, &subject, intro)
        .await
        .unwrap();
    id
}

async fn send_now(app: &TestApp, issue: i64) {
    issues::schedule(&app.db, &app.clock, issue, app.clock.now())
        .await
        .unwrap();
    app.run_jobs().await;
}

async fn set_postal_address(app: &TestApp) {
    let mut site = broadsheet::site::settings::load(&app.db).await.unwrap();
    site.postal_address = "The Daily Ledger\n1 Press Row\nSpringfield".into();
    broadsheet::site::settings::save(&app.db, &site)
        .await
        .unwrap();
}

async fn the_digest_goes_out_complete(app: &TestApp, smtp: &SmtpServer) {
    let n = newsroom(app).await;
    let id = watch(app, &n).await;
    set_postal_address(app).await;
    publish(app, article(&n, "Tariffs rattle the ports")).await;
    let mut second = article(&n, "Retailers brace for winter");
    second.published_at = Some(app.clock.now().plus_seconds(-1800));
    publish(app, second).await;
    let mut elsewhere = article(&n, "Bond yields drift");
    elsewhere.section_id = n.markets;
    elsewhere.tag_ids.clear();
    publish(app, elsewhere).await;
    readers(app, smtp, 2).await;
    let pending = app
        .post_from(
            "/newsletters/subscribe",
            "192.0.2.99",
            &[
                ("email", "pending@mail.example"),
                ("newsletter", "white-house-watch"),
            ],
            &[],
        )
        .await;
    assert_eq!(pending.status, 303);

    let issue = draft(app, id, "Good morning.\n\nA busy day at the ports.").await;
    let preview = issues::preview(&app.db, &app.state.templates, &app.clock, issue)
        .await
        .unwrap();
    assert_eq!(
        preview.stories, 2,
        "the section's two stories, not the markets one"
    );
    send_now(app, issue).await;

    assert!(
        issues_to(smtp, "pending@mail.example").is_empty(),
        "unconfirmed readers get nothing"
    );
    let mails = issues_to(smtp, "reader0@mail.example");
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(
        header(mail, "Subject").starts_with("White House Watch, "),
        "{}",
        header(mail, "Subject")
    );
    assert!(header(mail, "Content-Type").starts_with("multipart/alternative"));
    assert!(
        mail.contains("Content-Type: text/plain"),
        "a plain-text part"
    );
    assert!(mail.contains("Content-Type: text/html"), "an HTML part");
    let list = header(mail, "List-Unsubscribe");
    assert!(
        list.starts_with("<http://127.0.0.1:8080/newsletters/unsubscribe?r="),
        "{list}"
    );
    assert!(list.contains(&format!("&i={issue}&sig=")), "{list}");
    assert!(
        list.contains("<mailto:news@test.example?subject=unsubscribe"),
        "{list}"
    );
    assert!(header(mail, "Message-ID").starts_with(&format!("<issue-{issue}.reader-")));
    assert_eq!(
        header(mail, "List-Id"),
        "White House Watch <white-house-watch.test.example>"
    );

    let body = decoded_body(mail);
    let issue_link = format!("/newsletters/issues/{issue}");
    for expected in [
        "Good morning.",
        "A busy day at the ports.",
        "Retailers brace for winter",
        "Standfirst of Retailers brace for winter.",
        "Tariffs rattle the ports",
        "By Ada Reporter",
        "1 Press Row",
        "Springfield",
        issue_link.as_str(),
        "/newsletters/preferences?r=",
        "prefers-color-scheme: dark",
        "You are receiving White House Watch because you signed up for it",
    ] {
        assert!(body.contains(expected), "{expected} in the mail");
    }
    assert!(
        !body.contains("Bond yields drift"),
        "stories from other sources stay out"
    );
    assert!(!body.contains("%%broadsheet"), "no placeholder is left");
    let text_part = body.split("Content-Type: text/html").next().unwrap();
    assert!(
        text_part.contains("== Business News =="),
        "the text part groups by section"
    );
    assert!(
        text_part.contains("http://127.0.0.1:8080/business-news/2026/06/tariffs-rattle-the-ports")
    );

    let web = app.get(&format!("/newsletters/issues/{issue}")).await;
    assert_eq!(web.status, 200);
    assert!(web.text().contains("Tariffs rattle the ports"));
    assert!(!web.text().contains("%%broadsheet"));
    let csp = web.header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(app.get("/newsletters/issues/999").await.status, 404);

    // RFC 8058: the provider POSTs to the https link, with no cookie and nothing else.
    let one_click = path_of(&list[1..list.find('>').unwrap()]);
    let page = app.get(&one_click).await;
    assert!(page.text().contains("Press the button"), "a GET only asks");
    let post = app
        .request(
            axum::http::Request::post(&one_click)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
                .unwrap(),
        )
        .await;
    assert_eq!(post.status, 200, "{}", post.text());
    app.run_jobs().await;
    let goodbye: Vec<String> = smtp
        .messages_to("reader0@mail.example")
        .into_iter()
        .filter(|m| header(m, "Subject") == "You are unsubscribed from White House Watch")
        .collect();
    assert_eq!(goodbye.len(), 1, "one mail confirms the unsubscribe");
    assert!(
        decoded_body(&goodbye[0]).contains("/newsletters/preferences?r="),
        "with a way back"
    );

    let figures = issues::figures(&app.db, issue).await.unwrap();
    assert_eq!(
        (
            figures.recipients,
            figures.sent,
            figures.failed,
            figures.bounced,
            figures.unsubscribed
        ),
        (2, 2, 0, 0, 1)
    );
    assert_eq!(issues::get(&app.db, issue).await.unwrap().status, "sent");

    // The next issue covers what was published since this one, and only for who is left.
    app.clock.advance_seconds(3600);
    let mut fresh = article(&n, "Ports reopen");
    fresh.published_at = Some(app.clock.now().plus_seconds(-60));
    publish(app, fresh).await;
    let next = draft(app, id, "").await;
    send_now(app, next).await;
    assert!(
        issues_to(smtp, "reader0@mail.example").len() == 1,
        "unsubscribed: nothing more"
    );
    let latest = issues_to(smtp, "reader1@mail.example");
    assert_eq!(latest.len(), 2);
    let body = latest
        .iter()
        .map(|m| decoded_body(m))
        .find(|b| b.contains(&format!("/newsletters/issues/{next}")))
        .unwrap();
    assert!(body.contains("Ports reopen"));
    assert!(
        !body.contains("Tariffs rattle the ports"),
        "only what is new since the last issue"
    );
}

async fn a_node_that_dies_mid_send_is_taken_over(app: &TestApp, smtp: &SmtpServer) {
    let n = newsroom(app).await;
    let id = watch(app, &n).await;
    publish(app, article(&n, "Budget day")).await;
    let emails = readers(app, smtp, 24).await;
    let issue = draft(app, id, "").await;
    issues::schedule(&app.db, &app.clock, issue, app.clock.now())
        .await
        .unwrap();
    let ctx = app.state.mail_room();
    let again = sending::run_halting_after(&ctx, issue, "node-a", 9)
        .await
        .unwrap();
    assert!(again.is_some(), "the send is not over");
    let received = |smtp: &SmtpServer| {
        emails
            .iter()
            .map(|e| issues_to(smtp, e).len())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        received(smtp).iter().sum::<usize>(),
        9,
        "node A sent 9, then died"
    );

    let early = sending::run(&ctx, issue, "node-b").await.unwrap();
    assert!(
        early.is_some(),
        "node A's claims hold until their lease runs out"
    );
    assert_eq!(
        received(smtp).iter().sum::<usize>(),
        9,
        "nobody else is sent to meanwhile"
    );

    app.clock.advance_seconds(121);
    let done = sending::run(&ctx, issue, "node-b").await.unwrap();
    assert_eq!(done, None, "node B finishes the send");
    assert_eq!(
        received(smtp),
        vec![1; emails.len()],
        "everyone once: no duplicate, nobody skipped"
    );
    let figures = issues::figures(&app.db, issue).await.unwrap();
    assert_eq!((figures.recipients, figures.sent), (24, 24));
    assert_eq!(issues::get(&app.db, issue).await.unwrap().status, "sent");
}

async fn two_nodes_send_one_issue_together(app: &TestApp, smtp: &SmtpServer) {
    let n = newsroom(app).await;
    let id = watch(app, &n).await;
    publish(app, article(&n, "Budget day")).await;
    let emails = readers(app, smtp, 16).await;
    let issue = draft(app, id, "").await;
    issues::schedule(&app.db, &app.clock, issue, app.clock.now())
        .await
        .unwrap();
    let ctx = Arc::new(app.state.mail_room());
    let (a, b) = tokio::join!(
        sending::run(&ctx, issue, "node-a"),
        sending::run(&ctx, issue, "node-b")
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        a.is_none() || b.is_none(),
        "the node that ends last closes the send"
    );
    assert_eq!(issues::get(&app.db, issue).await.unwrap().status, "sent");
    for e in &emails {
        assert_eq!(issues_to(smtp, e).len(), 1, "{e} gets one copy");
    }
}

async fn refusals_are_retried_or_bounced(app: &TestApp, smtp: &SmtpServer) {
    let n = newsroom(app).await;
    let id = watch(app, &n).await;
    publish(app, article(&n, "Budget day")).await;
    for (email, ip) in [
        ("ok@mail.example", "192.0.2.1"),
        ("busy@mail.example", "192.0.2.2"),
        ("bounce@mail.example", "192.0.2.3"),
    ] {
        reader(app, smtp, email, ip).await;
    }
    smtp.start_refusing();
    let issue = draft(app, id, "").await;
    send_now(app, issue).await;
    let figures = issues::figures(&app.db, issue).await.unwrap();
    assert_eq!(
        (figures.sent, figures.bounced, figures.waiting),
        (1, 1, 1),
        "{figures:?}"
    );
    assert_eq!(issues::get(&app.db, issue).await.unwrap().status, "sending");
    assert_eq!(app.run_jobs().await, 0, "the retry waits for its time");

    app.clock.advance_seconds(61);
    app.run_jobs().await;
    let figures = issues::figures(&app.db, issue).await.unwrap();
    assert_eq!((figures.sent, figures.bounced, figures.waiting), (2, 1, 0));
    assert_eq!(
        issues_to(smtp, "busy@mail.example").len(),
        1,
        "delivered on the retry"
    );
    assert_eq!(issues::get(&app.db, issue).await.unwrap().status, "sent");

    let next = draft(app, id, "").await;
    send_now(app, next).await;
    let figures = issues::figures(&app.db, next).await.unwrap();
    assert_eq!(
        figures.recipients, 2,
        "a bounced address gets no more issues"
    );
}

/// The mail server down for a while: every mail waits (a reader's confirmation, an issue),
/// nothing is counted against a reader, and when the server is back each goes out once.
async fn a_mail_server_that_is_down_defers_mail_and_loses_nothing(
    app: &TestApp,
    smtp: &SmtpServer,
) {
    let n = newsroom(app).await;
    let id = watch(app, &n).await;
    publish(app, article(&n, "Budget day")).await;
    let emails = readers(app, smtp, 3).await;
    smtp.go_down();

    let r = app
        .post_from(
            "/newsletters/subscribe",
            "192.0.2.40",
            &[
                ("email", "late@mail.example"),
                ("newsletter", "white-house-watch"),
            ],
            &[],
        )
        .await;
    assert_eq!(
        r.status,
        303,
        "a sign-up is taken while mail is down: {}",
        r.text()
    );
    let issue = draft(app, id, "").await;
    send_now(app, issue).await;
    let figures = issues::figures(&app.db, issue).await.unwrap();
    assert_eq!(
        (
            figures.sent,
            figures.failed,
            figures.bounced,
            figures.waiting
        ),
        (0, 0, 0, 3),
        "nothing sent, nothing held against the readers: {figures:?}"
    );
    let pending: Vec<(i64, i64)> = app
        .rows("SELECT COUNT(*), COALESCE(MAX(attempts), 0) FROM jobs WHERE done_at IS NULL AND kind = 'confirm_subscription'")
        .await;
    assert_eq!(pending[0].0, 1, "the confirmation waits to be tried again");
    assert!(pending[0].1 >= 1);
    app.clock.advance_seconds(30);
    app.run_jobs().await;
    assert_eq!(
        issues::figures(&app.db, issue).await.unwrap().sent,
        0,
        "still down"
    );

    smtp.come_back();
    app.clock.advance_seconds(3600);
    app.run_jobs().await;
    app.run_jobs().await;
    let figures = issues::figures(&app.db, issue).await.unwrap();
    assert_eq!((figures.sent, figures.waiting), (3, 0), "{figures:?}");
    assert_eq!(issues::get(&app.db, issue).await.unwrap().status, "sent");
    for e in &emails {
        assert_eq!(issues_to(smtp, e).len(), 1, "{e} gets one copy");
    }
    assert_eq!(
        smtp.messages_to("late@mail.example").len(),
        1,
        "the deferred confirmation arrives once"
    );
}

async fn sends_keep_to_the_rate(app: &TestApp, smtp: &SmtpServer) {
    let n = newsroom(app).await;
    let id = watch(app, &n).await;
    publish(app, article(&n, "Budget day")).await;
    readers(app, smtp, 11).await;
    let issue = draft(app, id, "").await;
    issues::schedule(&app.db, &app.clock, issue, app.clock.now())
        .await
        .unwrap();
    let started = std::time::Instant::now();
    app.run_jobs().await;
    let took = started.elapsed();
    assert_eq!(issues::figures(&app.db, issue).await.unwrap().sent, 11);
    // 20 a second: the 11th message waits 10 intervals of 50 ms.
    assert!(
        took >= std::time::Duration::from_millis(490),
        "took {took:?}"
    );
}

async fn issues_make_themselves_by_cadence(app: &TestApp, smtp: &SmtpServer) {
    let n = newsroom(app).await;
    let daily = watch(app, &n).await;
    readers(app, smtp, 1).await;
    let ctx = app.state.mail_room();
    assert_eq!(
        cadence::plan(&ctx).await.unwrap(),
        0,
        "today's 07:00 came before the newsletter"
    );

    app.clock.advance_seconds(86_400);
    let mut story = article(&n, "Overnight markets");
    story.published_at = Some(app.clock.now().plus_seconds(-3600));
    publish(app, story).await;
    assert_eq!(
        cadence::plan(&ctx).await.unwrap(),
        1,
        "tomorrow's 07:00 issue"
    );
    assert_eq!(cadence::plan(&ctx).await.unwrap(), 0, "made once");
    app.run_jobs().await;
    let mails = issues_to(smtp, "reader0@mail.example");
    assert_eq!(mails.len(), 1);
    assert_eq!(
        header(&mails[0], "Subject"),
        "White House Watch: Overnight markets"
    );
    let made = issues::list(&app.db, daily).await.unwrap();
    assert_eq!(made[0].slot.as_deref(), Some("2026-06-16"));

    // "On publish": an issue for each new article of its sources.
    let input = newsletters::NewsletterInput {
        name: "Breaking".into(),
        cadence: "publish".into(),
        send_time: "07:00".into(),
        send_weekday: 1,
        active: true,
        section_ids: vec![n.markets],
        ..Default::default()
    };
    let breaking = newsletters::save(&app.db, &app.clock, None, input)
        .await
        .unwrap();
    app.clock.advance_seconds(60);
    let mut flash = article(&n, "Rates cut");
    flash.section_id = n.markets;
    flash.tag_ids.clear();
    flash.published_at = Some(app.clock.now());
    let flash = publish(app, flash).await;
    app.clock.advance_seconds(1);
    assert_eq!(cadence::plan(&ctx).await.unwrap(), 1);
    let made = issues::list(&app.db, breaking).await.unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].slot, Some(format!("article-{flash}")));
    assert_eq!(cadence::plan(&ctx).await.unwrap(), 0);
}

async fn editors_compose_test_and_send_from_the_admin(app: &TestApp, smtp: &SmtpServer) {
    let n = newsroom(app).await;
    let id = watch(app, &n).await;
    publish(app, article(&n, "Budget day")).await;
    readers(app, smtp, 2).await;
    app.add_user("editor@news.example", broadsheet::accounts::Role::Editor)
        .await;
    let editor = app.sign_in("editor@news.example").await;
    let list = app
        .get_as(&format!("/admin/newsletters/{id}/issues"), &editor)
        .await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains("No issues yet."));

    let made = app
        .post_as(&format!("/admin/newsletters/{id}/issues"), &editor, &[])
        .await;
    assert_eq!(made.status, 303);
    let screen_path = made.header("location").to_string();
    let issue: i64 = screen_path.rsplit('/').next().unwrap().parse().unwrap();
    let screen = app.get_as(&screen_path, &editor).await;
    assert_eq!(screen.status, 200);
    assert!(
        screen
            .text()
            .contains("1 story published since the last issue"),
        "{}",
        screen.text()
    );

    let preview = app
        .get_as(&format!("/admin/issues/{issue}/preview"), &editor)
        .await;
    assert_eq!(preview.status, 200);
    assert!(preview.text().contains("Budget day"));
    assert!(
        preview
            .header("content-security-policy")
            .contains("frame-ancestors 'self'")
    );
    assert_eq!(
        app.get(&format!("/admin/issues/{issue}/preview"))
            .await
            .status,
        303,
        "editors only"
    );

    let saved = app
        .post_as(
            &format!("/admin/issues/{issue}"),
            &editor,
            &[
                ("subject", "The budget, explained"),
                ("intro", "Our guide to the numbers."),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let empty = app
        .post_as(
            &format!("/admin/issues/{issue}"),
            &editor,
            &[("subject", " "), ("intro", "")],
        )
        .await;
    assert_eq!(empty.status, 422, "a subject is needed");
    let forged = app
        .post_form(
            &format!("/admin/issues/{issue}/send"),
            Some(&editor.cookie),
            &[("_csrf", "x")],
        )
        .await;
    assert_eq!(forged.status, 403, "forms need the session's token");

    let tested = app
        .post_as(&format!("/admin/issues/{issue}/test"), &editor, &[])
        .await;
    assert_eq!(tested.status, 303);
    let test_mail = smtp.messages_to("editor@news.example");
    assert_eq!(test_mail.len(), 1);
    assert_eq!(
        header(&test_mail[0], "Subject"),
        "[Test] The budget, explained"
    );
    assert!(decoded_body(&test_mail[0]).contains("Our guide to the numbers."));
    assert!(
        issues_to(smtp, "reader0@mail.example").is_empty(),
        "a test goes to the editor alone"
    );

    let later = app
        .post_as(
            &format!("/admin/issues/{issue}/schedule"),
            &editor,
            &[("send_at", "2026-06-15T18:30")],
        )
        .await;
    assert_eq!(later.status, 303);
    let scheduled = issues::get(&app.db, issue).await.unwrap();
    assert_eq!(scheduled.status, "scheduled");
    assert_eq!(
        scheduled.send_at,
        Some(app.clock.now().plus_seconds(6 * 3600 + 1800))
    );
    assert_eq!(app.run_jobs().await, 0, "not yet");
    let back = app
        .post_as(&format!("/admin/issues/{issue}/unschedule"), &editor, &[])
        .await;
    assert_eq!(back.status, 303);
    assert_eq!(issues::get(&app.db, issue).await.unwrap().status, "draft");

    let now = app
        .post_as(&format!("/admin/issues/{issue}/send"), &editor, &[])
        .await;
    assert_eq!(now.status, 303);
    app.run_jobs().await;
    assert_eq!(issues_to(smtp, "reader1@mail.example").len(), 1);
    let done = app.get_as(&screen_path, &editor).await.text();
    assert!(
        done.contains("<td>2</td><td>0</td><td>2</td>"),
        "recipients, waiting, sent: {done}"
    );
    let late = app
        .post_as(
            &format!("/admin/issues/{issue}"),
            &editor,
            &[("subject", "Too late"), ("intro", "")],
        )
        .await;
    assert_eq!(late.status, 409, "a sent issue no longer changes");
    let listed = app
        .get_as(&format!("/admin/newsletters/{id}/issues"), &editor)
        .await
        .text();
    assert!(listed.contains("The budget, explained"));
}

crate::smtp_tests!(
    editors_compose_test_and_send_from_the_admin,
    the_digest_goes_out_complete,
    a_node_that_dies_mid_send_is_taken_over,
    two_nodes_send_one_issue_together,
    refusals_are_retried_or_bounced,
    a_mail_server_that_is_down_defers_mail_and_loses_nothing,
    issues_make_themselves_by_cadence
);

crate::smtp_tests!(mail = |m| m.mail_rate = 20; sends_keep_to_the_rate);

/// A DKIM key for the tests, made once with openssl: (private key file, public key in base64).
fn dkim_key() -> &'static (std::path::PathBuf, String) {
    static KEY: std::sync::OnceLock<(std::path::PathBuf, String)> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("broadsheet-dkim-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("dkim.pem");
        let made = std::process::Command::new("openssl")
            .args(["genrsa", "-traditional", "-out"])
            .arg(&key)
            .arg("2048")
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(made.success(), "openssl makes an RSA key");
        let public = std::process::Command::new("openssl")
            .args(["rsa", "-pubout", "-in"])
            .arg(&key)
            .stderr(std::process::Stdio::null())
            .output()
            .unwrap();
        let pem = String::from_utf8(public.stdout).unwrap();
        let base64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        (key, base64)
    })
}

fn sign_with_dkim(m: &mut broadsheet::config::MailArgs) {
    m.dkim_domain = Some("test.example".into());
    m.dkim_selector = Some("s1".into());
    m.dkim_key = Some(dkim_key().0.clone());
}

/// Verifies a received message's DKIM signature with dkimpy, the key served as if from DNS.
fn dkim_verifies(message: &str) -> bool {
    const VERIFY: &str = "import dkim, sys\n\
        msg = open(sys.argv[1], 'rb').read().replace(b'\\r\\n', b'\\n').replace(b'\\n', b'\\r\\n')\n\
        def dns(name, timeout=5):\n    \
            assert name == b's1._domainkey.test.example.', name\n    \
            return b'v=DKIM1; k=rsa; p=' + sys.argv[2].encode()\n\
        print('valid' if dkim.verify(msg, dnsfunc=dns) else 'invalid')\n";
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), message).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-c", VERIFY])
        .arg(file.path())
        .arg(&dkim_key().1)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dkimpy ran: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim() == "valid"
}

async fn mail_is_signed_with_dkim(app: &TestApp, smtp: &SmtpServer) {
    if !helpers::available(
        helpers::python_module("dkim"),
        "dkimpy must be installed in CI",
        "pip install dkimpy to verify DKIM signatures",
    ) {
        return;
    }
    let n = newsroom(app).await;
    let id = watch(app, &n).await;
    publish(app, article(&n, "Budget day")).await;
    readers(app, smtp, 1).await;
    let issue = draft(app, id, "").await;
    send_now(app, issue).await;
    let mail = issues_to(smtp, "reader0@mail.example").pop().unwrap();
    let signature = header(&mail, "DKIM-Signature");
    assert!(signature.contains("d=test.example"), "{signature}");
    assert!(signature.contains("s=s1"));
    let signed = signature.to_lowercase();
    assert!(
        signed.contains("list-unsubscribe:list-unsubscribe-post"),
        "the RFC 8058 headers are signed: {signature}"
    );
    assert!(dkim_verifies(&mail), "the signature verifies");
    let tampered = mail.replacen("Subject: ", "Subject: Changed ", 1);
    assert!(!dkim_verifies(&tampered), "a changed subject fails it");
}

crate::smtp_tests!(mail = super::sign_with_dkim; mail_is_signed_with_dkim);

crate::db_tests! {
    async fn without_smtp_issues_wait_in_the_outbox(app) {
        let n = newsroom(app).await;
        let id = watch(app, &n).await;
        publish(app, article(&n, "Budget day")).await;
        newsletters::import(&app.db, &app.clock, "white-house-watch", &["moved@mail.example".into()], "list.csv")
            .await
            .unwrap();
        let issue = draft(app, id, "").await;
        send_now(app, issue).await;
        assert_eq!(issues::figures(&app.db, issue).await.unwrap().sent, 1);
        app.add_user("chief@news.example", broadsheet::accounts::Role::Administrator).await;
        let chief = app.sign_in("chief@news.example").await;
        let outbox = app.get_as("/admin/outbox", &chief).await.text();
        assert!(outbox.contains("moved@mail.example"), "{outbox}");
        assert!(outbox.contains("White House Watch, "), "{outbox}");
    }
}
