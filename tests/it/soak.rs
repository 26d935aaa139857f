//! A minute of mixed traffic at 64 connections against the real binary (`bench/soak.sh` runs
//! ten): not one error — no 5xx, no broken connection, no 4xx a reader would not get by design —
//! and every kind of request answered. It counts errors, not time.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use crate::support::helpers::KillOnDrop;
use crate::support::soak::{self, Kind};

fn broadsheet(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    command
        .args(["--data-dir", dir.to_str().unwrap(), "--log", "warn"])
        .args(args)
        .env_remove("BROADSHEET_DATABASE_URL");
    command
}

/// The server's resident memory in kB and its open descriptors.
fn resources(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    (rss, fds)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_of_mixed_traffic_has_no_errors() {
    let seconds: u64 = std::env::var("BROADSHEET_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let o = broadsheet(dir.path(), &["demo", "--articles", "100"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut add = broadsheet(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "desk@soak.example",
            "--name",
            "Desk",
            "--role",
            "editor",
            "--password-stdin",
        ],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .spawn()
    .unwrap();
    writeln!(add.stdin.take().unwrap(), "a long soak-test passphrase").unwrap();
    assert!(add.wait().unwrap().success());
    let key = broadsheet(dir.path(), &["content-key", "add", "--name", "soak"])
        .output()
        .unwrap();
    let ghost_key = String::from_utf8_lossy(&key.stdout).trim().to_string();
    let db = broadsheet::db::connect(
        &format!("sqlite://{}", dir.path().join("broadsheet.db").display()),
        1,
    )
    .await
    .unwrap();
    let user = broadsheet::accounts::service::user_by_email(&db, "desk@soak.example")
        .await
        .unwrap();
    let token = broadsheet::accounts::service::create_api_token(
        &db,
        &broadsheet::clock::Clock::System,
        user.id,
        "soak",
    )
    .await
    .unwrap();
    db.close().await;

    let log = dir.path().join("serve.log");
    let server = broadsheet(
        dir.path(),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--trusted-proxies",
            "127.0.0.1",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(std::fs::File::create(&log).unwrap())
    .spawn()
    .unwrap();
    let mut server = KillOnDrop(server);
    let line = BufReader::new(server.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("is serving"))
        .unwrap();
    let base = line
        .split("is serving ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    // A debug build renders a picture in up to 0.7 s: one cold width every two seconds.
    let targets = Arc::new(soak::discover(&base, &token, &ghost_key, Duration::from_secs(2)).await);
    soak::warm_up(&targets).await;
    assert!(
        targets.pages.len() > 10 && !targets.images.is_empty() && !targets.article_ids.is_empty()
    );

    let pid = server.id();
    let start = resources(pid);
    let report = soak::run(targets, 64, Duration::from_secs(seconds)).await;
    let end = resources(pid);
    server.kill().unwrap();
    server.wait().unwrap();
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
