//! A real Varnish with the xkey module, running `deploy/varnish.vcl` as shipped in front of the
//! real binary started with `--purge-url`: a comment approved on one story purges the pages that
//! show that story (its page, the lists showing its card) and nothing else, which Varnish goes
//! on answering from its cache.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use broadsheet::comments::service::{self as comments, Input, Visitor};

use crate::support::article_links;
use crate::support::binary::{self, Server, sqlite_url};
use crate::support::helpers::{KillOnDrop, available};
use crate::support::nginx::free_port;

/// varnishd on `port` in front of the server on `backend`, with the shipped VCL.
fn varnish(dir: &std::path::Path, port: u16, backend: u16) -> KillOnDrop {
    let shipped = include_str!("../../deploy/varnish.vcl");
    let vcl = shipped.replace(".port = \"8080\";", &format!(".port = \"{backend}\";"));
    assert_ne!(vcl, shipped, "the shipped VCL names its backend's port");
    let file = dir.join("broadsheet.vcl");
    std::fs::write(&file, vcl).unwrap();
    let child = Command::new("varnishd")
        .args(["-F", "-j", "none", "-s", "malloc,32m"])
        .args(["-a", &format!("127.0.0.1:{port}")])
        .args(["-n", dir.join("varnish").to_str().unwrap()])
        .args(["-f", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("varnishd starts");
    KillOnDrop(child)
}

struct Answer {
    cache: String,
    keys: Vec<String>,
    body: String,
}

async fn through(client: &reqwest::Client, front: &str, path: &str) -> Answer {
    let answer = client.get(format!("{front}{path}")).send().await.unwrap();
    assert_eq!(answer.status(), 200, "{path}");
    let header = |name: &str| {
        answer
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (cache, keys) = (header("x-cache"), header("surrogate-key"));
    Answer {
        cache,
        keys: keys.split(' ').map(str::to_string).collect(),
        body: answer.text().await.unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_purges_from_varnish_only_the_pages_that_show_its_story() {
    let has_varnish = Command::new("varnishd").arg("-V").output().is_ok();
    if !available(
        has_varnish,
        "varnish and varnish-modules must be installed in CI",
        "install varnish and varnish-modules to test purging",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    binary::demo(&data, None, 12);
    let (front_port, backend) = (free_port(), free_port());
    let purge_url = format!("http://127.0.0.1:{front_port}/");
    let listen = format!("127.0.0.1:{backend}");
    // Varnish first, so the purges of the server's first moments (its search index filling)
    // reach it.
    let _varnish = varnish(dir.path(), front_port, backend);
    let front = format!("http://127.0.0.1:{front_port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get(format!("{front}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "varnish did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _server = Server::start(binary::command(
        &data,
        None,
        &["serve", "--listen", &listen, "--purge-url", &purge_url],
    ));
    let search = format!("http://127.0.0.1:{backend}/search?q=the");
    while client.get(&search).send().await.unwrap().status() != 200 {
        assert!(Instant::now() < deadline, "the search index did not fill");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    let home = through(&client, &front, "/").await;
    let mut stories: Vec<String> = article_links(&home.body)
        .into_iter()
        .map(|link| link.split('#').next().unwrap_or_default().to_string())
        .collect();
    let mut seen = std::collections::HashSet::new();
    stories.retain(|path| seen.insert(path.clone()));
    let commented = stories[0].clone();
    let story = through(&client, &front, &commented).await;
    let article_id: i64 = story
        .body
        .split("name=\"comment_post_ID\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|id| id.parse().ok())
        .expect("the story's comment form names it");
    let key = format!("a{article_id}");
    assert!(
        story.keys.contains(&key),
        "the story names itself: {:?}",
        story.keys
    );
    let mut pages: Vec<String> = vec!["/".into(), commented.clone()];
    pages.extend(stories.iter().skip(1).take(6).cloned());
    let mut fronts: Vec<String> = stories
        .iter()
        .filter_map(|p| p.split('/').nth(1).map(|section| format!("/{section}")))
        .collect();
    fronts.sort();
    fronts.dedup();
    pages.extend(fronts);
    pages.push("/feed/".into());
    let mut shows = Vec::new();
    for path in &pages {
        through(&client, &front, path).await;
        let again = through(&client, &front, path).await;
        assert_eq!(again.cache, "hit", "{path} is kept in front");
        let reached = again
            .keys
            .iter()
            .any(|k| *k == key || k == "comments" || k == "any");
        shows.push(reached);
    }
    assert!(
        shows.iter().any(|s| !s),
        "some pages do not show {commented}"
    );

    let db = broadsheet::db::connect(&sqlite_url(&data), 1)
        .await
        .unwrap();
    let token_holder = "desk@varnish.example";
    binary::editor_token(&sqlite_url(&data), token_holder).await;
    let desk = broadsheet::accounts::service::user_by_email(&db, token_holder)
        .await
        .unwrap();
    let input = Input {
        article_id,
        body: "Approved and purged.".into(),
        ..Input::default()
    };
    let visitor = Visitor {
        user: Some(desk),
        ..Visitor::default()
    };
    let clock = broadsheet::clock::Clock::System;
    let posted = comments::submit(&db, &clock, input, visitor).await.unwrap();
    assert!(
        posted.held_hash.is_none(),
        "the newsroom's own comments are approved at once"
    );
    db.close().await;

    // The server hears of the other process's write from the change log within a second, drops
    // its own copies and purges Varnish.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let page = through(&client, &front, &commented).await;
        if page.body.contains("Approved and purged.") {
            break;
        }
        assert!(Instant::now() < deadline, "the purge never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (path, reached) in pages.iter().zip(shows) {
        let after = through(&client, &front, path).await;
        if path == &commented {
            continue;
        }
        let expected = if reached { "miss" } else { "hit" };
        assert_eq!(
            after.cache, expected,
            "{path}, which names {:?}",
            after.keys
        );
    }
}
