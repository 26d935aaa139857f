//! Faults a site meets in production, against the real binary: PostgreSQL restarted under
//! traffic, and the disk holding the image cache full. (A mail server that is down is in
//! `newsletter_sends.rs`, a killed server in `crashes.rs`.)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::support::binary::{self, Server, editor_token};
use crate::support::helpers::available;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A PostgreSQL server of this test's own, on a free port, so it can be stopped and started
/// without disturbing the suite's shared server.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    fn start() -> Option<Cluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| versions.flatten().map(|v| v.path().join("bin")).max())
            .filter(|bin| bin.join("initdb").exists());
        let bin = available(
            bin.is_some(),
            "PostgreSQL's server programs must be installed in CI",
            "install PostgreSQL to test a database restart",
        )
        .then_some(bin)??;
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            // initdb refuses to run as root: the cluster belongs to the postgres user.
            let owner = Command::new("id")
                .args(["-u", "postgres"])
                .output()
                .unwrap();
            let uid: u32 = String::from_utf8_lossy(&owner.stdout)
                .trim()
                .parse()
                .unwrap();
            std::os::unix::fs::chown(dir.path(), Some(uid), None).unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster { dir, bin, port };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        cluster.up();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// One of the server's programs, as the postgres user when this test runs as root.
    fn program(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.program(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    fn down(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .program("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

fn broadsheet(dir: &Path, url: &str, args: &[&str]) -> Command {
    binary::command(dir, Some(url), args)
}

/// Starts `serve`, its standard error going to `log`.
fn serve(dir: &Path, url: &str, log: &Path) -> Server {
    let mut command = broadsheet(dir, url, &["serve", "--listen", "127.0.0.1:0"]);
    command.stderr(std::fs::File::create(log).unwrap());
    Server::start(command)
}

/// What the server logged, once it is stopped.
fn stopped_and_logged(server: Server, log: &Path) -> String {
    server.kill9();
    std::fs::read_to_string(log).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_serves_cached_pages_refuses_writes_clearly_then_recovers() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let mut admin = sqlx::PgConnection::connect(&cluster.url("postgres"))
        .await
        .unwrap();
    sqlx::raw_sql("CREATE DATABASE news")
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let url = cluster.url("news");
    let dir = tempfile::tempdir().unwrap();
    binary::demo(dir.path(), Some(&url), 12);
    let token = editor_token(&url, "desk@restart.example").await;
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let (section,): (i64,) = sqlx::query_as("SELECT MIN(id) FROM sections")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let log = dir.path().join("serve.log");
    let server = serve(dir.path(), &url, &log);
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{base}{path}")).send();
    let write = |headline: &str| {
        client
            .post(format!("{base}/api/v1/articles"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(
                serde_json::json!({
                    "headline": headline,
                    "standfirst": "Filed across a database restart.",
                    "body_html": "<p>Text.</p>",
                    "section_id": section,
                    "status": "draft",
                })
                .to_string(),
            )
            .send()
    };
    assert_eq!(write("Before the restart").await.unwrap().status(), 201);
    // Once the search index has caught up with the demo and the draft (each catch-up moves
    // the content generation), readers get the home page and a story cached.
    let deadline = Instant::now() + Duration::from_secs(30);
    while get("/search?q=budget").await.unwrap().status() != 200 {
        assert!(
            Instant::now() < deadline,
            "the search index was never built"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let home = get("/").await.unwrap().text().await.unwrap();
    let article = crate::support::TestApp::first_article_link(&home);
    assert_eq!(get(&article).await.unwrap().status(), 200);

    cluster.down();
    let cached = get("/").await.unwrap();
    assert_eq!(
        cached.status(),
        200,
        "a cached page is served without the database"
    );
    assert_eq!(cached.text().await.unwrap(), home);
    assert_eq!(get(&article).await.unwrap().status(), 200);
    let refused = write("During the restart").await.unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "5");
    let body: serde_json::Value = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "database_unavailable", "{body}");
    let page = get("/search?q=budget&section=nowhere").await.unwrap();
    assert!(
        page.status() == 503 || page.status() == 200,
        "a page not in the cache is a clear 503 or served: {}",
        page.status()
    );
    let health = get("/healthz").await.unwrap();
    assert_eq!(health.status(), 503);
    let health: serde_json::Value = serde_json::from_str(&health.text().await.unwrap()).unwrap();
    assert_eq!(health["database"], "down", "{health}");
    assert_eq!(health["store"], "up", "{health}");

    cluster.up();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if get("/healthz").await.unwrap().status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the pool did not reconnect");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        write("After the restart").await.unwrap().status(),
        201,
        "writes work again"
    );
    let logged = stopped_and_logged(server, &log);
    let lines = logged
        .lines()
        .filter(|l| l.contains("database cannot be reached"))
        .count();
    assert!(
        (1..=3).contains(&lines),
        "the outage is logged, not per request ({lines} lines): {logged}"
    );
    assert!(!logged.contains("panicked"), "{logged}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_image_cache_disk_still_serves_renders_and_says_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("broadsheet.db").display());
    binary::demo(dir.path(), Some(&url), 24);
    let cache = dir.path().join("image-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let mounted = is_root()
        && Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
            .arg(&cache)
            .status()
            .is_ok_and(|s| s.success());
    if !available(
        mounted,
        "CI runs as root and can mount a small tmpfs",
        "run as root to test a full image-cache disk",
    ) {
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(cache.clone());
    // Fill the disk but for a few kilobytes.
    let _ = std::fs::write(cache.join("filler"), vec![0u8; 250 * 1024]);

    let log = dir.path().join("serve.log");
    let server = serve(dir.path(), &url, &log);
    let base = server.base.clone();
    let id: (i64,) = {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let id = sqlx::query_as("SELECT MIN(id) FROM media WHERE width = 1920")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        id
    };
    let client = reqwest::Client::new();
    for width in (0..20).map(|i| 300 + 11 * i) {
        let r = client
            .get(format!(
                "{base}/images/v2/raw/media:{}?width={width}&format=jpg",
                id.0
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "width {width}");
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.ends_with(&[0xFF, 0xD9]), "a whole JPEG");
        assert_eq!(imagesize::blob_size(&bytes).unwrap().width, width as usize);
    }
    let logged = stopped_and_logged(server, &log);
    let reports = logged
        .lines()
        .filter(|l| l.contains("cannot store image variants"))
        .count();
    assert_eq!(
        reports, 1,
        "one report a minute, not one per render: {logged}"
    );
    let leftovers: Vec<_> = walk(&cache)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(".tmp"))
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "partial files left on the full disk: {leftovers:?}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}
