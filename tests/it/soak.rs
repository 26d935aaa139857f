//! A minute of mixed traffic at 64 connections against the real binary (`bench/soak.sh` runs
//! ten): not one error — no 5xx, no broken connection, no 4xx a reader would not get by design —
//! and every kind of request answered. It counts errors, not time.

use std::sync::Arc;
use std::time::Duration;

use crate::support::binary::{self, Server, editor_token, sqlite_url};
use crate::support::soak::{self, Kind, resources};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_of_mixed_traffic_has_no_errors() {
    let seconds: u64 = std::env::var("BROADSHEET_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let o = binary::command(dir.path(), None, args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    run(&["demo", "--articles", "100"]);
    let ghost_key = run(&["content-key", "add", "--name", "soak"]);
    let token = editor_token(&sqlite_url(dir.path()), "desk@soak.example").await;

    let log = dir.path().join("serve.log");
    let mut command = binary::command(
        dir.path(),
        None,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--trusted-proxies",
            "127.0.0.1",
        ],
    );
    command.stderr(std::fs::File::create(&log).unwrap());
    let server = Server::start(command);
    // A debug build renders a picture in up to 0.7 s: one cold width every two seconds.
    let targets =
        Arc::new(soak::discover(&server.base, &token, &ghost_key, Duration::from_secs(2)).await);
    assert!(targets.pages.len() > 10 && !targets.images.is_empty());
    assert!(!targets.article_ids.is_empty());
    soak::warm_up(&targets).await;

    let pid = server.process.id();
    let start = resources(pid);
    let report = soak::run(targets, 64, Duration::from_secs(seconds)).await;
    let end = resources(pid);
    server.kill9();
    eprintln!("{}", report.lines().join("\n"));
    eprintln!(
        "memory {} → {} kB, descriptors {} → {}",
        start.0, end.0, start.1, end.1
    );
    assert!(
        report.errors.is_empty(),
        "{} errors in {} answers, the first: {:?}",
        report.errors.len(),
        report.answers(),
        &report.errors[..report.errors.len().min(10)]
    );
    for kind in [Kind::Page, Kind::Image, Kind::Search, Kind::Api, Kind::Form] {
        assert!(
            report.kinds.get(&kind).is_some_and(|t| t.answers > 0),
            "no {kind:?} was asked"
        );
    }
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        !logged.contains("panicked") && !logged.contains("internal error"),
        "{logged}"
    );
}
