//! `kill -9` against the real binary at the worst moments: loading the demo, publishing,
//! uploading, rendering images, sending a newsletter. After each, SQLite's `integrity_check`
//! passes, nothing is half-written, what the server acknowledged is there, the interrupted work
//! resumes as soon as the server is back, and no reader gets an issue twice beyond the messages
//! in flight at the kill (docs/newsletters.md). Interrupted imports and index rebuilds have their
//! own tests (`import.rs`, `cli.rs`).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use broadsheet::db::{self, Db};
use sha2::{Digest, Sha256};

use crate::media::jpeg;
use crate::support::binary::{self, Server, editor_token, multipart, sqlite_url};
use crate::support::smtp::SmtpServer;

fn broadsheet(dir: &Path, args: &[&str]) -> Command {
    binary::command(dir, None, args)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let o = broadsheet(dir, args).output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A demo newsroom with an editor who holds an API token.
async fn newsroom(articles: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["demo", "--articles", articles]);
    let token = editor_token(&sqlite_url(dir.path()), "desk@crash.example").await;
    (dir, token)
}

async fn open(dir: &Path) -> Db {
    db::connect(&sqlite_url(dir), 2).await.unwrap()
}

/// The site after a crash: the database is sound, and every library item has its file, whole.
async fn assert_sound(dir: &Path) -> Db {
    let db = open(dir).await;
    db::snapshot::integrity_check(&db).await.unwrap();
    let media = broadsheet::media::MediaFiles::open(None, dir).unwrap();
    let files: Vec<(String, String)> = sqlx_rows(dir, "SELECT path, sha256 FROM media").await;
    for (path, sha256) in files {
        let bytes = media
            .read(&path)
            .await
            .unwrap_or_else(|e| panic!("library file {path}: {e}"));
        assert_eq!(format!("{:x}", Sha256::digest(&bytes)), sha256, "{path}");
    }
    db
}

async fn sqlx_rows<T>(dir: &Path, sql: &'static str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let pool = sqlx::SqlitePool::connect(&sqlite_url(dir)).await.unwrap();
    let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows
}

fn serve(dir: &Path, extra: &[&str]) -> Server {
    let mut command = broadsheet(dir, &["serve", "--listen", "127.0.0.1:0"]);
    command.args(extra).stderr(Stdio::null());
    Server::start(command)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_load_killed_leaves_the_old_newsroom_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["demo", "--articles", "12"]);
    let mut before = 12;
    for delay in [200, 700, 1500, 3000] {
        let mut child = broadsheet(
            dir.path(),
            &["demo", "--force", "--articles", "240", "--seed", "9"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
        child.wait().unwrap();
        let db = assert_sound(dir.path()).await;
        let articles = db::snapshot::counts(&db).await.unwrap().articles;
        db.close().await;
        assert!(
            articles == before || articles == 240,
            "killed after {delay} ms: {articles} articles, neither {before} nor 240"
        );
        before = articles;
    }
    run(
        dir.path(),
        &["demo", "--force", "--articles", "24", "--seed", "4"],
    );
    let db = assert_sound(dir.path()).await;
    assert_eq!(db::snapshot::counts(&db).await.unwrap().articles, 24);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_and_uploading_killed_keep_what_was_acknowledged_and_nothing_half_written() {
    let (dir, token) = newsroom("12").await;
    let ids: Vec<(i64, i64)> = sqlx_rows(
        dir.path(),
        "SELECT (SELECT MIN(id) FROM sections), (SELECT MIN(id) FROM authors)",
    )
    .await;
    let (section, author) = ids[0];
    let server = serve(dir.path(), &[]);
    let client = reqwest::Client::new();
    let writers = (0..4).map(|w| {
        let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
        tokio::spawn(async move {
            let mut articles = Vec::new();
            let mut media = Vec::new();
            for n in 0.. {
                let n = w * 10_000 + n;
                let (kind, body) = multipart(&jpeg(40 + (n % 200) as u16, 30), n);
                let upload = client
                    .post(format!("{base}/api/v1/media"))
                    .bearer_auth(&token)
                    .header("content-type", kind)
                    .body(body)
                    .send()
                    .await;
                let Ok(upload) = upload else { break };
                if upload.status() == 201 {
                    let v: serde_json::Value =
                        serde_json::from_str(&upload.text().await.unwrap_or_default())
                            .unwrap_or_default();
                    media.extend(v["id"].as_i64());
                }
                let article = serde_json::json!({
                    "headline": format!("Filed before the crash {n}"),
                    "standfirst": "A story the server acknowledged.",
                    "body_html": format!("<p>Paragraph {n}.</p>"),
                    "section_id": section,
                    "author_ids": [author],
                    "status": "published",
                });
                let Ok(created) = client
                    .post(format!("{base}/api/v1/articles"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(article.to_string())
                    .send()
                    .await
                else {
                    break;
                };
                if created.status() == 201 {
                    let v: serde_json::Value =
                        serde_json::from_str(&created.text().await.unwrap_or_default())
                            .unwrap_or_default();
                    articles.extend(v["id"].as_i64());
                }
            }
            (articles, media)
        })
    });
    let writers: Vec<_> = writers.collect();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.kill9();
    let mut acknowledged = (Vec::new(), Vec::new());
    for w in writers {
        let (a, m) = w.await.unwrap();
        acknowledged.0.extend(a);
        acknowledged.1.extend(m);
    }
    assert!(
        acknowledged.0.len() >= 4,
        "the writers published: {:?}",
        acknowledged.0
    );
    assert!(!acknowledged.1.is_empty(), "the writers uploaded");

    let db = assert_sound(dir.path()).await;
    db.close().await;
    let server = serve(dir.path(), &[]);
    for id in &acknowledged.0 {
        let r = client
            .get(format!("{}/api/v1/articles/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged article {id} survived");
        let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["status"], "published");
        // The article's address, on this server (the stored base URL names no port).
        let url = v["url"].as_str().unwrap_or_default();
        let path = url.splitn(4, '/').nth(3).unwrap_or_default();
        let page = client
            .get(format!("{}/{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{v}");
    }
    for id in &acknowledged.1 {
        let r = client
            .get(format!("{}/api/v1/media/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged upload {id} survived");
    }
    // Every article, acknowledged or caught by the kill after its commit, is whole: a revision,
    // its search-log entry and its section.
    let orphans: Vec<(i64,)> = sqlx_rows(
        dir.path(),
        "SELECT a.id FROM articles a WHERE a.headline LIKE 'Filed before the crash%' AND ( \
         NOT EXISTS (SELECT 1 FROM revisions r WHERE r.article_id = a.id) \
         OR NOT EXISTS (SELECT 1 FROM search_log l WHERE l.article_id = a.id))",
    )
    .await;
    assert!(orphans.is_empty(), "half-written articles: {orphans:?}");
    server.kill9();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renders_killed_midway_never_leave_a_partial_variant_to_serve() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["demo", "--articles", "24"]);
    let photo: Vec<(i64,)> =
        sqlx_rows(dir.path(), "SELECT MIN(id) FROM media WHERE width = 1920").await;
    let id = photo[0].0;
    let urls: Vec<String> = (0..24)
        .map(|i| {
            format!(
                "/images/v2/raw/media:{id}?width={}&format=jpg&quality=highest",
                900 + 37 * i
            )
        })
        .collect();
    let client = reqwest::Client::new();
    for kill_after in [60, 250, 600] {
        let server = serve(dir.path(), &["--image-workers", "2"]);
        let requests: Vec<_> = urls
            .iter()
            .map(|u| {
                let (client, url) = (client.clone(), format!("{}{u}", server.base));
                tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(kill_after)).await;
        server.kill9();
        for r in requests {
            let _ = r.await;
        }
    }
    let server = serve(dir.path(), &[]);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("image-cache"))
        .unwrap()
        .flat_map(|shard| std::fs::read_dir(shard.unwrap().path()).unwrap())
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary renders left after a restart: {leftovers:?}"
    );
    for url in &urls {
        let r = client
            .get(format!("{}{url}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{url}");
        let declared: usize = r.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let bytes = r.bytes().await.unwrap();
        assert_eq!(bytes.len(), declared, "{url}");
        assert!(
            bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9]),
            "{url}: a whole JPEG"
        );
        let size = imagesize::blob_size(&bytes).unwrap();
        let width: usize = url
            .split("width=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(size.width, width, "{url}");
    }
    let db = assert_sound(dir.path()).await;
    db.close().await;
    server.kill9();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newsletter_send_killed_resumes_at_restart_and_sends_each_reader_once() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let (dir, _) = newsroom("12").await;
    let readers = 240;
    let list = dir.path().join("readers.csv");
    let addresses: Vec<String> = (0..readers)
        .map(|i| format!("reader{i}@inbox.example"))
        .collect();
    std::fs::write(&list, addresses.join("\n")).unwrap();
    run(
        dir.path(),
        &[
            "newsletter",
            "import",
            "--newsletter",
            "white-house-watch",
            list.to_str().unwrap(),
        ],
    );
    let smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
    // Slowed to 60 messages a second, so the kill lands mid-send.
    let mut sender = broadsheet(
        dir.path(),
        &["newsletter", "send", "--newsletter", "white-house-watch"],
    )
    .env("BROADSHEET_SMTP_URL", &smtp_url)
    .env("BROADSHEET_MAIL_RATE", "60")
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while smtp.messages().len() < readers / 4 {
        assert!(Instant::now() < deadline, "the send did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    sender.kill().unwrap();
    sender.wait().unwrap();
    let before_restart = smtp.messages().len();
    assert!(
        before_restart < readers,
        "the kill came after the send ended"
    );
    let db = assert_sound(dir.path()).await;
    db.close().await;

    // The server's worker takes the dead sender's claims back at once, not after their lease.
    let server = serve(dir.path(), &["--smtp-url", &smtp_url]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sent: Vec<(i64,)> = sqlx_rows(
            dir.path(),
            "SELECT COUNT(*) FROM newsletter_recipients WHERE status = 'sent'",
        )
        .await;
        if sent[0].0 == readers as i64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the send did not resume within a minute of the restart: {} of {readers} sent",
            sent[0].0
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill9();
    let mut twice = 0;
    for address in &addresses {
        let copies = smtp.messages_to(address);
        assert!(!copies.is_empty(), "{address} got the issue");
        if copies.len() > 1 {
            twice += copies.len() - 1;
            let ids: std::collections::HashSet<String> = copies
                .iter()
                .map(|m| crate::support::smtp::header(m, "Message-ID"))
                .collect();
            assert_eq!(
                ids.len(),
                1,
                "{address}: a repeat carries the same Message-ID"
            );
        }
    }
    // At most the messages in flight on the sender's connections (8) when it was killed.
    assert!(twice <= 8, "{twice} readers got the issue twice");
}
