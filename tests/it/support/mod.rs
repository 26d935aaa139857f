//! The test harness: a `TestApp` holds the router over a fresh database (a SQLite file in a temp
//! folder, or a PostgreSQL database cloned from a migrated template), a fixed clock and a data
//! dir. `db_tests!` runs each test body once on each engine.

pub mod admin;
pub mod binary;
pub mod builders;
pub mod comments;
pub mod helpers;
pub mod nginx;
pub mod postgres;
pub mod routes;
pub mod s3;
pub mod smtp;
pub mod soak;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use broadsheet::app;
use broadsheet::articles::FoundCards;
use broadsheet::clock::Clock;
use broadsheet::config::{MailArgs, TagHeaders};
use broadsheet::db::{self, Db, Timestamp};
use broadsheet::demo::{self, DemoOptions};
use broadsheet::mail::Mailer;
use broadsheet::media::MediaFiles;
use broadsheet::media::images::{AllowList, Bounds, FetchLimits, ImageConfig, ImageService};
use broadsheet::search::{Indexer, SearchIndex};
use broadsheet::site::layout::RenderCache;
use broadsheet::state::{AppState, Limits, Services};
use broadsheet::templates::Templates;
use broadsheet::web::client::TrustedProxies;
use broadsheet::web::page_cache::PageCache;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The sender of every test site's mail.
pub const TEST_SENDER: &str = "Broadsheet <news@test.example>";

/// 2026-06-15T12:00:00Z: every test starts at the same instant.
pub const START: Timestamp = Timestamp::from_micros(1_781_524_800_000_000);

pub struct TestApp {
    pub state: AppState,
    pub router: app::App,
    pub db: Db,
    pub clock: Clock,
    /// The database URL, for a second connection that plays another process.
    pub url: String,
    /// Kept so the folder lives as long as the app.
    _data_dir: tempfile::TempDir,
    pg_database: Option<String>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// An image service configuration for tests: `sources` allowed (and 127.0.0.1 trusted, so a
/// test's own origin can serve them), small limits so the limits can be reached.
pub fn image_config(sources: &[String], workers: usize, queue: usize) -> ImageConfig {
    ImageConfig {
        allowed: AllowList::parse(sources).expect("valid test sources"),
        fetch: FetchLimits {
            max_bytes: 4 * 1024 * 1024,
            connect_timeout: Duration::from_secs(2),
            total_timeout: Duration::from_secs(2),
            trusted: vec!["127.0.0.1".parse().expect("an address")],
        },
        bounds: Bounds {
            max_pixels: 50_000_000,
            max_side: 4096,
        },
        cache_bytes: 64 * 1024 * 1024,
        workers,
        queue,
        queue_wait: Duration::from_secs(broadsheet::media::images::DEFAULT_QUEUE_WAIT_SECONDS),
        renders_per_client: 0,
    }
}

impl TestApp {
    /// Replaces the image service (the data dir stays, so media files are shared).
    pub fn with_images(mut self, config: ImageConfig) -> TestApp {
        let images = ImageService::new(config, self._data_dir.path()).expect("the image service");
        self.state.services_mut().images = Arc::new(images);
        self.router = app::router(self.state.clone());
        self
    }

    /// Opens `/metrics` on the site's address to callers with this bearer token.
    pub fn with_metrics_token(mut self, token: &str) -> TestApp {
        self.state.services_mut().metrics_token = Some(Arc::from(token));
        self.router = app::router(self.state.clone());
        self
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }

    /// Believes `X-Forwarded-For` from these proxies.
    pub fn with_proxies(mut self, networks: &[&str]) -> TestApp {
        let networks = networks
            .iter()
            .map(|n| n.parse().expect("a network"))
            .collect();
        self.state.services_mut().proxies = Arc::new(TrustedProxies::new(networks));
        self.router = app::router(self.state.clone());
        self
    }

    /// Serves the app on a loopback port as `broadsheet serve` does, for tests that need real
    /// connections; it serves until the test's runtime ends.
    pub async fn listen(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        // One connection thread, as `serve` runs on a small machine: hits answered there,
        // everything else handed back to the test's runtime.
        tokio::spawn(app::serve(listener, self.router.clone(), Some(1)));
        address
    }

    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = db::connect(&url, 4).await.expect("open SQLite");
        db::migrate(&db).await.expect("migrate SQLite");
        Self::with_db(db, url, dir, None)
    }

    /// A fresh PostgreSQL database, or `None` (after saying so) when none is configured.
    pub async fn postgres() -> Option<TestApp> {
        let (url, name) = postgres::fresh_database().await?;
        let dir = tempfile::tempdir().expect("temp dir");
        let db = db::connect(&url, 4)
            .await
            .expect("connect to the test database");
        Some(Self::with_db(db, url, dir, Some(name)))
    }

    /// A test app over a database and data dir made elsewhere (a restored backup); the
    /// PostgreSQL database, if named, is dropped by [`TestApp::finish`].
    pub async fn open(
        url: &str,
        data_dir: tempfile::TempDir,
        pg_database: Option<String>,
    ) -> TestApp {
        let db = db::connect(url, 4).await.expect("open the database");
        Self::with_db(db, url.to_string(), data_dir, pg_database)
    }

    fn with_db(
        db: Db,
        url: String,
        data_dir: tempfile::TempDir,
        pg_database: Option<String>,
    ) -> TestApp {
        let clock = Clock::fixed(START);
        let state = AppState::new(Services {
            db: db.clone(),
            clock: clock.clone(),
            templates: Arc::new(Templates::load(None).expect("built-in theme loads")),
            media: Arc::new(MediaFiles::open(None, data_dir.path()).expect("the media folder")),
            images: Arc::new(
                ImageService::new(
                    image_config(&[], 2, broadsheet::media::images::DEFAULT_QUEUE),
                    data_dir.path(),
                )
                .expect("the image service"),
            ),
            mailer: Arc::new(
                Mailer::new(&MailArgs::outbox(TEST_SENDER), data_dir.path())
                    .expect("the outbox mailer"),
            ),
            limits: Limits {
                upload_bytes: 2 * 1024 * 1024,
            },
            page_cache: Arc::new(
                PageCache::new(true, 64 * 1024 * 1024, db.changes()).tagging_with(TagHeaders::Both),
            ),
            render_cache: Arc::new(RenderCache::new(16 * 1024 * 1024, db.changes())),
            found_cards: Arc::new(FoundCards::new(4 * 1024 * 1024, db.changes())),
            proxies: Arc::new(TrustedProxies::default()),
            metrics_token: None,
            claim_lease: std::time::Duration::from_secs(
                broadsheet::jobs::DEFAULT_CLAIM_LEASE_SECONDS,
            ),
            search: Arc::new(Indexer::new(Arc::new(SearchIndex::open(data_dir.path())))),
        });
        TestApp {
            router: app::router(state.clone()),
            state,
            db,
            clock,
            url,
            _data_dir: data_dir,
            pg_database,
        }
    }

    pub async fn finish(self) {
        self.db.close().await;
        if let Some(name) = self.pg_database {
            postgres::drop_database(&name).await;
        }
    }

    /// The rows a read-only query gives, on a connection of its own: for assertions on what
    /// no page shows.
    pub async fn rows<T>(&self, sql: &'static str) -> Vec<T>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        if self.url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        } else {
            let pool = sqlx::SqlitePool::connect(&self.url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
    }

    pub async fn load_demo(&self, articles: u32) {
        demo::load(
            &self.db,
            &self.clock,
            &self.state.media,
            &DemoOptions {
                articles,
                seed: 7,
                base_url: Some("https://news.example".into()),
            },
        )
        .await
        .expect("demo loads");
    }

    /// Brings the search index up to date, as a server's indexer does every half second.
    pub async fn index(&self) -> broadsheet::search::indexer::Caught {
        self.state
            .search
            .catch_up(&self.db, &broadsheet::search::indexer::Quiet)
            .await
            .expect("the index catches up")
    }

    /// Runs every due job once, as a server's worker would; returns how many ran.
    pub async fn run_jobs(&self) -> usize {
        broadsheet::jobs::run_due(&self.state.mail_room(), "test")
            .await
            .expect("jobs run")
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body reads")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            bytes,
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut builder = Request::get(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        self.request(builder.body(Body::empty()).expect("request"))
            .await
    }

    /// The first article link on a page.
    pub fn first_article_link(html: &str) -> String {
        article_links(html)
            .into_iter()
            .next()
            .expect("an article link")
    }
}

/// Every distinct article path linked from a page, in order.
pub fn article_links(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let Some(href) = part.split('"').next() else {
            continue;
        };
        let segments: Vec<_> = href.trim_start_matches('/').split('/').collect();
        let is_article = href.starts_with('/')
            && segments.len() == 4
            && segments[1].len() == 4
            && segments[1].bytes().all(|b| b.is_ascii_digit());
        if is_article && !links.iter().any(|l| l == href) {
            links.push(href.to_string());
        }
    }
    links
}

/// Runs each test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! db_tests {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                use $crate::support::TestApp;

                async fn run($app: &TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = TestApp::sqlite().await;
                    run(&app).await;
                    app.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(app) = TestApp::postgres().await else { return };
                    run(&app).await;
                    app.finish().await;
                }
            }
        )*
    };
}
