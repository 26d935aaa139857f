//! Two nodes on one PostgreSQL behind the shipped balancer example (`deploy/nginx.conf` with
//! both in its upstream): either node answers anything. An editor signed in on one keeps working
//! on the other, a story published through one is read from both, and an edit through one
//! reaches the other's cache at once (a notification), not at its next poll of the change log.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::binary::{self, Server, editor_token};
use crate::support::nginx::{Ports, Proxy, free_port};
use crate::support::postgres;

const PASSWORD: &str = "a long passphrase for two nodes";

fn node(dir: &std::path::Path, url: &str, public: &str) -> (Server, u16) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut command = binary::command(
        dir,
        Some(url),
        &[
            "serve",
            "--listen",
            &listen,
            "--trusted-proxies",
            "127.0.0.1",
        ],
    );
    command.args(["--base-url", public]).stderr(Stdio::null());
    (Server::start(command), port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_behind_the_balancer_share_one_site() {
    let Some(ports) = Ports::pick() else {
        return;
    };
    let Some((url, name)) = postgres::fresh_database().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (first_dir, second_dir) = (dir.path().join("a"), dir.path().join("b"));
    binary::demo(&first_dir, Some(&url), 12);
    let token = editor_token(&url, "desk@nodes.example").await;
    let db = broadsheet::db::connect(&url, 1).await.unwrap();
    let account = broadsheet::accounts::service::NewAccount {
        email: "chief@nodes.example".into(),
        name: "Chief".into(),
        role: broadsheet::accounts::Role::Editor,
        password: Some(PASSWORD.into()),
    };
    broadsheet::accounts::service::create_user(&db, &broadsheet::clock::Clock::System, account)
        .await
        .unwrap();
    db.close().await;

    let public = ports.public();
    let (first, first_port) = node(&first_dir, &url, &public);
    let (second, second_port) = node(&second_dir, &url, &public);
    let proxy = Proxy::start(dir.path(), &[first_port, second_port], ports);
    assert_eq!(proxy.first("/").await.status(), 200);
    let mut names = Vec::new();
    for node in [&first, &second] {
        let health = reqwest::get(format!("{}/healthz", node.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let health: serde_json::Value = serde_json::from_str(&health).unwrap();
        for (part, state) in [
            ("database", "up"),
            ("store", "up"),
            ("notifications", "listening"),
        ] {
            assert_eq!(health[part], state, "{health}");
        }
        names.push(health["node"].as_str().unwrap().to_string());
    }
    assert_ne!(names[0], names[1], "each node says who answered");
    let host = format!("news.example:{}", ports.https);
    let direct = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Signed in on the first node, working on the second.
    let signed_in = direct
        .post(format!("{}/admin/login", first.base))
        .header("host", &host)
        .header("origin", &public)
        .header("x-forwarded-proto", "https")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email=chief%40nodes.example&password={}",
            PASSWORD.replace(' ', "+")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303, "{:?}", signed_in.text().await);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let desk = direct
        .get(format!("{}/admin", second.base))
        .header("host", &host)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(desk.status(), 200, "the second node knows the session");
    assert!(desk.text().await.unwrap().contains("Chief"));

    // Published through the balancer, read from both nodes.
    let (section,): (i64,) = {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let row = sqlx::query_as("SELECT MIN(id) FROM sections")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        row
    };
    let created = proxy
        .client()
        .post(format!("{public}/api/v1/articles"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(
            serde_json::json!({
                "headline": "Filed through the balancer",
                "standfirst": "Either node has it.",
                "body_html": "<p>One database, two nodes.</p>",
                "section_id": section,
                "status": "published",
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let article: serde_json::Value = serde_json::from_str(&created.text().await.unwrap()).unwrap();
    let path = article["url"]
        .as_str()
        .unwrap()
        .trim_start_matches(&public)
        .to_string();
    for node in [&first, &second] {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let page = direct
                .get(format!("{}{path}", node.base))
                .header("host", &host)
                .send()
                .await
                .unwrap();
            if page.status() == 200 {
                assert!(
                    page.text()
                        .await
                        .unwrap()
                        .contains("Filed through the balancer")
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not show {path}",
                node.base
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // An edit through the first node reaches the second's cached copy at once: PostgreSQL
    // notifies it, so it need not wait for its next poll of the change log (a second).
    let id = article["id"].as_i64().unwrap();
    let mut waits = Vec::new();
    for round in 0..10 {
        let headline = format!("Edited through the first node, take {round}");
        let cached = direct
            .get(format!("{}{path}", second.base))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(cached.status(), 200);
        let edited = direct
            .patch(format!("{}/api/v1/articles/{id}", first.base))
            .bearer_auth(&token)
            .header("host", &host)
            .header("content-type", "application/json")
            .body(serde_json::json!({ "headline": headline }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(edited.status(), 200, "{:?}", edited.text().await);
        let sent = Instant::now();
        loop {
            let page = direct
                .get(format!("{}{path}", second.base))
                .header("host", &host)
                .send()
                .await
                .unwrap();
            if page.text().await.unwrap().contains(&headline) {
                break;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(3),
                "the edit never arrived"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        waits.push(sent.elapsed());
    }
    waits.sort();
    eprintln!("an edit reached the other node's cache in {waits:?}");
    assert!(
        waits[waits.len() / 2] < Duration::from_millis(300),
        "a notified node drops the page long before its next poll: {waits:?}"
    );

    // The balancer sends each request to either node: the feed lists the story from both.
    for _ in 0..4 {
        let feed = proxy
            .client()
            .get(format!("{public}/feed/"))
            .send()
            .await
            .unwrap();
        assert!(
            feed.text()
                .await
                .unwrap()
                .contains("Edited through the first node, take 9")
        );
    }
    drop((first, second, proxy));
    postgres::drop_database(&name).await;
}
