//! `/metrics`: shut unless the operator opens it, and once open it counts what happened on this
//! node (requests by route and status, the page cache, renders, jobs, mail) and reads its levels
//! (the job queue, the pool, the search index). The recorder is the process's, shared by every
//! test running beside this one, so counters are compared before and after, as at least what
//! this test did.

use axum::http::StatusCode;
use broadsheet::accounts::Role;
use broadsheet::accounts::service::LinkPurpose;
use broadsheet::jobs::{Job, enqueue_in};

use crate::support::TestApp;

const TOKEN: &str = "metrics-token-for-the-tests-0123";

async fn scrape(app: &TestApp) -> String {
    let r = app
        .get_with("/metrics", &[("authorization", &format!("Bearer {TOKEN}"))])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.header("content-type")
            .starts_with("text/plain; version=0.0.4")
    );
    assert_eq!(r.header("cache-control"), "no-store");
    r.text()
}

/// The value of the series `name` whose labels include every one of `labels`, or 0 when it is
/// not there yet.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(series, _)| {
            let (series_name, rest) = series.split_once('{').unwrap_or((series, ""));
            series_name == name
                && labels
                    .iter()
                    .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|(_, v)| v.parse::<f64>().expect("a number"))
        .sum()
}

/// `/metrics` answers 404 to a caller without the token and to one with a wrong one.
async fn assert_shut(app: &TestApp, why: &str) {
    for headers in [
        vec![],
        vec![("authorization", "Bearer wrong-token-of-some-length-000")],
    ] {
        let r = app.get_with("/metrics", &headers).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{why}");
    }
}

async fn metrics_count_and_read_what_happened(app: TestApp) {
    assert_shut(&app, "no token set: shut to everyone").await;
    let app = app.with_metrics_token(TOKEN);
    assert_shut(&app, "a token set, but not shown").await;
    app.load_demo(3).await;
    let before = scrape(&app).await;

    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    }
    assert_eq!(app.get("/a/b/c/d/e/f").await.status, StatusCode::NOT_FOUND);
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(app.get("/").await.status, StatusCode::OK, "a hit");
    let article = TestApp::first_article_link(&home.text());
    assert_eq!(app.get(&article).await.status, StatusCode::OK);
    let picture = home
        .text()
        .split("src=\"/images/v2/raw/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("/images/v2/raw/{}", rest.replace("&amp;", "&")))
        .expect("the home page shows a picture");
    let picture = format!("{picture}&width=123");
    assert_eq!(app.get(&picture).await.status, StatusCode::OK, "{picture}");

    let user = app.add_user("reporter@news.example", Role::Author).await;
    let now = app.clock.now();
    let mut tx = app.db.begin().await.unwrap();
    let job = Job::PasswordLink {
        email: user.email.clone(),
        purpose: LinkPurpose::Reset,
    };
    enqueue_in(&mut tx, &job, now.plus_seconds(-120), None, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let queued = scrape(&app).await;
    assert!(
        value(&queued, "broadsheet_jobs_due", &[]) >= 1.0,
        "{queued}"
    );
    assert_eq!(
        value(&queued, "broadsheet_jobs_oldest_due_seconds", &[]),
        120.0,
        "the job has waited two minutes"
    );
    assert!(app.run_jobs().await >= 1);

    let after = scrape(&app).await;
    let grew = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert!(
        grew(
            "broadsheet_http_requests_total",
            &[("route", "/healthz"), ("status", "200")]
        ) >= 3.0,
        "{after}"
    );
    assert!(
        grew(
            "broadsheet_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ) >= 1.0,
        "a path no route knows is labelled as such, not by itself: {after}"
    );
    assert!(
        !after.contains("/a/b/c/d/e/f"),
        "a client's path never becomes a label"
    );
    assert!(
        grew(
            "broadsheet_http_request_duration_seconds_count",
            &[("route", "/healthz")]
        ) >= 3.0
    );
    assert!(grew("broadsheet_page_cache_hits_total", &[]) >= 1.0);
    assert!(grew("broadsheet_page_cache_misses_total", &[]) >= 2.0);
    assert!(grew("broadsheet_image_render_seconds_count", &[]) >= 1.0);
    assert!(grew("broadsheet_jobs_done_total", &[("kind", "password_link")]) >= 1.0);
    assert!(grew("broadsheet_mail_messages_total", &[("outcome", "sent")]) >= 1.0);
    assert_eq!(value(&after, "broadsheet_jobs_due", &[]), 0.0, "{after}");
    assert_eq!(
        value(&after, "broadsheet_jobs_oldest_due_seconds", &[]),
        0.0
    );
    assert_eq!(value(&after, "broadsheet_database_up", &[]), 1.0);
    assert!(value(&after, "broadsheet_database_pool_connections", &[]) >= 1.0);
    assert!(value(&after, "broadsheet_page_cache_entries", &[]) >= 2.0);
    assert!(value(&after, "broadsheet_page_cache_bytes", &[]) > 1000.0);
    assert!(
        after.contains("broadsheet_search_index_lag_changes "),
        "{after}"
    );
    app.finish().await;
}

mod metrics_count_and_read_what_happened {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        metrics_count_and_read_what_happened(TestApp::sqlite().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = TestApp::postgres().await {
            metrics_count_and_read_what_happened(app).await;
        }
    }
}
