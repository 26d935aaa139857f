//! Three nodes on one PostgreSQL and one S3 bucket (moto's server) behind the shipped balancer
//! example (`deploy/nginx.conf` with the three in its upstream): any node answers anything. An
//! editor signed in on one keeps working on another; an upload through one is served and
//! rendered by all; a story published through one is read from all, and an edit reaches the
//! others' caches at once (a notification, not the next poll); a scheduled story comes out
//! exactly once. Then one node is killed with `kill -9` in the middle of a newsletter send and
//! of readers' traffic: the balancer keeps answering from the others, and the readers the dead
//! node had claimed are taken over when its lease runs out, each reader getting the issue.

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::media::jpeg;
use crate::support::binary::{self, Server, editor_token, multipart};
use crate::support::nginx::{Ports, Proxy, free_port};
use crate::support::postgres;
use crate::support::s3::{S3Server, demo_into, sign_in};
use crate::support::smtp::{SmtpServer, header};
use broadsheet::newsletters::issues;

const PASSWORD: &str = "a long passphrase for three nodes";

/// Three nodes, their balancer and what they share.
struct Cluster {
    nodes: Vec<Option<Server>>,
    proxy: Proxy,
    url: String,
    database: String,
    public: String,
    /// The `Host` a node is asked for when spoken to directly.
    host: String,
    _s3: S3Server,
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts the nodes with `extra` flags on a demo newsroom of 12 stories whose photographs
    /// are in the bucket; `None` when PostgreSQL, nginx or moto is missing outside CI.
    async fn start(extra: &[&str]) -> Option<Cluster> {
        let ports = Ports::pick()?;
        let s3 = S3Server::start()?;
        let (url, database) = postgres::fresh_database().await?;
        s3.bucket("shared").await;
        let store = s3.address("shared", "media");
        let dir = tempfile::tempdir().unwrap();
        demo_into(&dir.path().join("a"), Some(&url), &store, 12);
        let public = ports.public();
        let mut nodes = Vec::new();
        let mut node_ports = Vec::new();
        for name in ["a", "b", "c"] {
            let port = free_port();
            let listen = format!("127.0.0.1:{port}");
            let mut args = vec![
                "--media-store",
                &store,
                "serve",
                "--listen",
                &listen,
                "--trusted-proxies",
                "127.0.0.1",
                "--base-url",
                &public,
            ];
            args.extend(extra);
            let mut command = binary::command(&dir.path().join(name), Some(&url), &args);
            sign_in(&mut command).stderr(Stdio::null());
            nodes.push(Some(Server::start(command)));
            node_ports.push(port);
        }
        let proxy = Proxy::start(dir.path(), &node_ports, ports);
        assert_eq!(proxy.first("/").await.status(), 200);
        Some(Cluster {
            nodes,
            proxy,
            url,
            database,
            host: format!("news.example:{}", ports.https),
            public,
            _s3: s3,
            dir,
        })
    }

    fn live(&self) -> impl Iterator<Item = &Server> {
        self.nodes.iter().flatten()
    }

    /// A GET of `path` straight to `node`, as the balancer would send it.
    async fn get(&self, node: &Server, path: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(format!("{}{path}", node.base))
            .header("host", &self.host)
            .send()
            .await
            .unwrap()
    }

    async fn sql<T>(&self, sql: &'static str) -> Vec<T>
    where
        T: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
        let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    }

    /// Creates an article through the balancer; returns its JSON.
    async fn file(&self, token: &str, fields: serde_json::Value) -> serde_json::Value {
        let (section,): (i64,) = self.sql("SELECT MIN(id) FROM sections").await[0];
        let mut body = serde_json::json!({
            "standfirst": "Every node has it.",
            "body_html": "<p>One database, one bucket, three nodes.</p>",
            "section_id": section,
        });
        for (key, value) in fields.as_object().unwrap() {
            body[key] = value.clone();
        }
        let created = self
            .proxy
            .client()
            .post(format!("{}/api/v1/articles", self.public))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        serde_json::from_str(&created.text().await.unwrap()).unwrap()
    }

    /// Waits until every live node serves `path` with `text` on it.
    async fn everywhere(&self, path: &str, text: &str, within: Duration) {
        for node in self.live() {
            let deadline = Instant::now() + within;
            loop {
                let page = self.get(node, path).await;
                if page.status() == 200 && page.text().await.unwrap().contains(text) {
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
    }

    async fn stop(self) {
        let database = self.database.clone();
        drop(self);
        postgres::drop_database(&database).await;
    }
}

/// Signs `count` readers up to the demo's newsletter (as `newsletter import` does) and queues an
/// issue to them now, for the nodes' workers to send; returns the readers' addresses.
async fn send_issue(cluster: &Cluster, count: usize) -> Vec<String> {
    let list = cluster.dir.path().join("readers.txt");
    let addresses: Vec<String> = (0..count)
        .map(|i| format!("reader{i}@inbox.example"))
        .collect();
    std::fs::write(&list, addresses.join("\n")).unwrap();
    let imported = binary::command(
        &cluster.dir.path().join("a"),
        Some(&cluster.url),
        &[
            "newsletter",
            "import",
            "--newsletter",
            "white-house-watch",
            list.to_str().unwrap(),
        ],
    )
    .output()
    .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let db = broadsheet::db::connect(&cluster.url, 2).await.unwrap();
    let clock = broadsheet::clock::Clock::System;
    let mut site = broadsheet::site::settings::load(&db).await.unwrap();
    site.postal_address = "The Daily Ledger\n1 Press Row\nSpringfield".into();
    broadsheet::site::settings::save(&db, &site).await.unwrap();
    let (newsletter,): (i64,) = cluster
        .sql("SELECT id FROM newsletters WHERE slug = 'white-house-watch'")
        .await[0];
    let issue = issues::create_draft(&db, &clock, newsletter, None)
        .await
        .unwrap();
    let subject = issues::get(&db, issue).await.unwrap().subject;
    issues::edit(&db, &clock, issue, &subject, "Three nodes, one send.")
        .await
        .unwrap();
    issues::schedule(&db, &clock, issue, clock.now())
        .await
        .unwrap();
    db.close().await;
    addresses
}

/// Waits until every reader of the issue is marked sent.
async fn all_sent(cluster: &Cluster, count: usize, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let (sent,): (i64,) = cluster
            .sql("SELECT COUNT(*) FROM newsletter_recipients WHERE status = 'sent'")
            .await[0];
        if sent == count as i64 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the send did not finish: {sent} of {count} sent"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The workers that sent the issue's readers.
async fn senders(cluster: &Cluster) -> HashSet<Option<String>> {
    let rows: Vec<(Option<String>,)> = cluster
        .sql("SELECT claimed_by FROM newsletter_recipients")
        .await;
    rows.into_iter().map(|(by,)| by).collect()
}

fn path_of(article: &serde_json::Value, public: &str) -> String {
    article["url"]
        .as_str()
        .unwrap()
        .trim_start_matches(public)
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_behind_the_balancer_share_one_site() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
    let Some(cluster) = Cluster::start(&["--smtp-url", &smtp_url, "--mail-rate", "100"]).await
    else {
        return;
    };
    let token = editor_token(&cluster.url, "desk@nodes.example").await;
    let db = broadsheet::db::connect(&cluster.url, 1).await.unwrap();
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

    let mut names = HashSet::new();
    for node in cluster.live() {
        let health = reqwest::get(format!("{}/healthz", node.base))
            .await
            .unwrap();
        let health: serde_json::Value =
            serde_json::from_str(&health.text().await.unwrap()).unwrap();
        for (part, state) in [
            ("database", "up"),
            ("store", "up"),
            ("notifications", "listening"),
            ("status", "ok"),
        ] {
            assert_eq!(health[part], state, "{health}");
        }
        names.insert(health["node"].as_str().unwrap().to_string());
    }
    assert_eq!(names.len(), 3, "each node says who answered");
    let nodes: Vec<&Server> = cluster.live().collect();

    // Signed in on the first node, working on the others.
    let signed_in = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/admin/login", nodes[0].base))
        .header("host", &cluster.host)
        .header("origin", &cluster.public)
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
    for node in &nodes[1..] {
        let desk = reqwest::Client::new()
            .get(format!("{}/admin", node.base))
            .header("host", &cluster.host)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(desk.status(), 200, "{} knows the session", node.base);
        assert!(desk.text().await.unwrap().contains("Chief"));
    }

    // Uploaded through the first node, served by all; published as a lead picture through the
    // balancer, rendered by each node from the bucket.
    let (kind, body) = multipart(&jpeg(640, 400), 7);
    let uploaded = reqwest::Client::new()
        .post(format!("{}/api/v1/media", nodes[0].base))
        .bearer_auth(&token)
        .header("host", &cluster.host)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    let item: serde_json::Value = serde_json::from_str(&uploaded.text().await.unwrap()).unwrap();
    let file = item["url"].as_str().unwrap().to_string();
    for node in &nodes {
        let served = cluster.get(node, &file).await;
        assert_eq!(served.status(), 200, "{} serves {file}", node.base);
    }
    let article = cluster
        .file(
            &token,
            serde_json::json!({
                "headline": "Filed through the balancer",
                "status": "published",
                "lead_media_id": item["id"],
                "lead_alt": "A test card",
            }),
        )
        .await;
    let path = path_of(&article, &cluster.public);
    cluster
        .everywhere(&path, "Filed through the balancer", Duration::from_secs(3))
        .await;
    for (n, node) in nodes.iter().enumerate() {
        let picture = format!("/images/v2/raw/media:{}?width={}", item["id"], 200 + n);
        let rendered = cluster.get(node, &picture).await;
        assert_eq!(rendered.status(), 200, "{} renders {picture}", node.base);
        assert_eq!(rendered.headers()["content-type"], "image/jpeg");
    }

    // An edit through the first node reaches the others' cached copies at once: PostgreSQL
    // notifies them, so they need not wait for their next poll of the change log (a second).
    let id = article["id"].as_i64().unwrap();
    let mut waits = Vec::new();
    for round in 0..10 {
        let headline = format!("Edited through the first node, take {round}");
        for node in &nodes[1..] {
            assert_eq!(cluster.get(node, &path).await.status(), 200);
        }
        let edited = reqwest::Client::new()
            .patch(format!("{}/api/v1/articles/{id}", nodes[0].base))
            .bearer_auth(&token)
            .header("host", &cluster.host)
            .header("content-type", "application/json")
            .body(serde_json::json!({ "headline": headline }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(edited.status(), 200, "{:?}", edited.text().await);
        let sent = Instant::now();
        let arrivals = futures_util::future::join_all(nodes[1..].iter().map(|node| async {
            loop {
                let page = cluster.get(node, &path).await;
                if page.text().await.unwrap().contains(&headline) {
                    return sent.elapsed();
                }
                assert!(
                    sent.elapsed() < Duration::from_secs(3),
                    "the edit never arrived"
                );
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }))
        .await;
        waits.extend(arrivals);
    }
    waits.sort();
    eprintln!("an edit reached another node's cache in {waits:?}");
    // Each edit also re-indexes the story on every node, which in a debug build on two cores
    // takes most of this; the release figure is in docs/scale-out.md (bench/nodes.sh).
    assert!(
        waits[waits.len() / 2] < Duration::from_millis(500),
        "notified nodes drop the page long before their next poll: {waits:?}"
    );

    // A story scheduled two seconds ahead comes out once, on one node, and every node shows it.
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let scheduled = cluster
        .file(
            &token,
            serde_json::json!({
                "headline": "Scheduled for all three",
                "status": "scheduled",
                "published_at": at.to_rfc3339(),
            }),
        )
        .await;
    let scheduled_path = loop {
        let read = cluster
            .proxy
            .client()
            .get(format!(
                "{}/api/v1/articles/{}",
                cluster.public, scheduled["id"]
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let read: serde_json::Value = serde_json::from_str(&read.text().await.unwrap()).unwrap();
        if read["status"] == "published" {
            break path_of(&read, &cluster.public);
        }
        assert!(
            chrono::Utc::now() < at + chrono::Duration::seconds(10),
            "never published"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    cluster
        .everywhere(
            &scheduled_path,
            "Scheduled for all three",
            Duration::from_secs(10),
        )
        .await;
    let jobs: Vec<(String, i64, Option<i64>)> = cluster
        .sql("SELECT payload, attempts, done_at FROM jobs WHERE kind = 'publish_article'")
        .await;
    let jobs: Vec<_> = jobs
        .into_iter()
        .filter(|(payload, ..)| {
            let payload: serde_json::Value = serde_json::from_str(payload).unwrap();
            payload["article_id"] == scheduled["id"]
        })
        .map(|(_, attempts, done_at)| (attempts, done_at))
        .collect();
    assert_eq!(jobs.len(), 1, "one publication job: {jobs:?}");
    assert_eq!(jobs[0].0, 1, "taken by one worker, once: {jobs:?}");
    assert!(jobs[0].1.is_some(), "and done: {jobs:?}");

    // The balancer sends each request to any node: the feed lists the story from each.
    for _ in 0..6 {
        let feed = cluster
            .proxy
            .client()
            .get(format!("{}/feed/", cluster.public))
            .send()
            .await
            .unwrap();
        let feed = feed.text().await.unwrap();
        assert!(feed.contains("Edited through the first node, take 9"));
        assert!(feed.contains("Scheduled for all three"));
    }

    // A newsletter issue, its job raced for by the three nodes' workers, reaches each reader
    // once.
    let addresses = send_issue(&cluster, 150).await;
    all_sent(&cluster, addresses.len(), Duration::from_secs(60)).await;
    for address in &addresses {
        assert_eq!(smtp.messages_to(address).len(), 1, "{address} got one copy");
    }
    assert_eq!(
        smtp.messages().len(),
        addresses.len(),
        "and nobody else got one"
    );
    cluster.stop().await;
}

/// Readers' requests through the balancer until told to stop: how many, and how many failed.
fn readers(cluster: &Cluster, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<(usize, Vec<u16>)> {
    let (client, public) = (cluster.proxy.client(), cluster.public.clone());
    tokio::spawn(async move {
        let (answered, failed) = (AtomicUsize::new(0), std::sync::Mutex::new(Vec::new()));
        while !stop.load(Ordering::Relaxed) {
            for page in ["/", "/feed/", "/search?q=news"] {
                let status = match client.get(format!("{public}{page}")).send().await {
                    Ok(r) => r.status().as_u16(),
                    Err(_) => 0,
                };
                answered.fetch_add(1, Ordering::Relaxed);
                if status != 200 {
                    failed.lock().unwrap().push(status);
                }
            }
        }
        (answered.into_inner(), failed.into_inner().unwrap())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_send_and_mid_traffic_leaves_its_work_to_the_others() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
    // Slow senders with short leases, so the kill lands mid-send and the takeover is quick.
    let lease = 10;
    let Some(mut cluster) = Cluster::start(&[
        "--smtp-url",
        &smtp_url,
        "--mail-rate",
        "30",
        "--smtp-connections",
        "2",
        "--claim-lease-seconds",
        &lease.to_string(),
    ])
    .await
    else {
        return;
    };
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = readers(&cluster, stop.clone());
    let addresses = send_issue(&cluster, 360).await;

    // Kill the node holding the most readers in its claim, once some mail has gone out.
    let pids: HashMap<u32, usize> = cluster
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_ref().unwrap().process.id(), i))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (victim, worker) = loop {
        assert!(Instant::now() < deadline, "no node started sending");
        let claims: Vec<(String, i64)> = cluster
            .sql(
                "SELECT claimed_by, COUNT(*) FROM newsletter_recipients \
                 WHERE status = 'sending' GROUP BY claimed_by ORDER BY COUNT(*) DESC",
            )
            .await;
        let held = claims.iter().find_map(|(worker, _)| {
            let pid = worker.rsplit_once(':')?.1.split('-').next()?.parse().ok()?;
            pids.get(&pid).map(|&node| (node, worker.clone()))
        });
        if let Some(found) = held
            && smtp.messages().len() >= 20
        {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    cluster.nodes[victim].take().unwrap().kill9();
    let killed_at = Instant::now();
    let orphans: Vec<(i64, i64)> = {
        let pool = sqlx::PgPool::connect(&cluster.url).await.unwrap();
        let rows = sqlx::query_as(
            "SELECT subscriber_id, claimed_until FROM newsletter_recipients \
             WHERE status = 'sending' AND claimed_by = $1",
        )
        .bind(&worker)
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        rows
    };

    all_sent(&cluster, addresses.len(), Duration::from_secs(90)).await;
    let finished_after = killed_at.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (answered, failed) = traffic.await.unwrap();
    eprintln!(
        "killed node {victim} holding {} readers; the send finished {finished_after:?} later; \
         {answered} readers' requests, failed: {failed:?}",
        orphans.len()
    );
    assert!(answered > 30, "traffic flowed: {answered}");
    assert!(
        failed.is_empty(),
        "the balancer kept answering from the others: {failed:?}"
    );

    // The dead node's readers were sent by the others, after its lease ran out.
    let pool = sqlx::PgPool::connect(&cluster.url).await.unwrap();
    let settled: Vec<(i64, String, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT subscriber_id, status, claimed_by, sent_at FROM newsletter_recipients",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let settled: HashMap<i64, (String, Option<String>, Option<i64>)> = settled
        .into_iter()
        .map(|(id, status, by, at)| (id, (status, by, at)))
        .collect();
    for (subscriber, claimed_until) in &orphans {
        let (status, by, sent_at) = &settled[subscriber];
        assert_eq!(status, "sent");
        assert_ne!(
            by.as_deref(),
            Some(worker.as_str()),
            "another node took it over"
        );
        assert!(
            sent_at.is_some_and(|at| at >= *claimed_until),
            "taken over only once the lease ran out"
        );
    }
    let workers = senders(&cluster).await;
    assert!(
        workers.len() >= 2,
        "the nodes' workers shared the send: {workers:?}"
    );

    // Each reader got the issue; a copy in flight when the node died may arrive twice, with
    // the same Message-ID (see docs/newsletters.md).
    let mut twice = 0;
    for address in &addresses {
        let copies = smtp.messages_to(address);
        assert!(!copies.is_empty(), "{address} got the issue");
        let ids: HashSet<String> = copies.iter().map(|m| header(m, "Message-ID")).collect();
        assert_eq!(
            ids.len(),
            1,
            "{address}: a repeat carries the same Message-ID"
        );
        twice += copies.len() - 1;
    }
    assert!(
        twice <= 2,
        "at most the messages in flight on the dead node's 2 connections"
    );
    cluster.stop().await;
}
