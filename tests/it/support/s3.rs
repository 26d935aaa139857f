//! A real S3-protocol server for the tests: moto in its server mode (PyPI's `moto[server]`,
//! installed by `.ci/run`) on a free loopback port, spoken to over HTTP by the binary as it
//! would speak to AWS or MinIO. Elsewhere the tests that need it say they skipped.

use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::helpers::{KillOnDrop, available, python_module};
use super::nginx::free_port;

pub struct S3Server {
    process: Mutex<Option<KillOnDrop>>,
    pub port: u16,
}

/// The credentials the nodes sign with; moto takes any.
const KEY_ID: &str = "broadsheet-tests";
const SECRET: &str = "not-a-secret";

impl S3Server {
    /// Starts moto's server, or returns `None` (after saying why) when it is missing outside CI.
    pub fn start() -> Option<S3Server> {
        if !available(
            python_module("moto.server"),
            "moto[server] must be installed in CI",
            "pip install 'moto[server]' to test the S3 media store",
        ) {
            return None;
        }
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto starts");
        let server = S3Server {
            process: Mutex::new(Some(KillOnDrop(child))),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    /// Creates a bucket.
    pub async fn bucket(&self, name: &str) {
        let made = reqwest::Client::new()
            .put(self.url(name))
            .send()
            .await
            .expect("moto answers");
        assert!(
            made.status().is_success(),
            "bucket {name}: {}",
            made.status()
        );
    }

    /// The `--media-store` address of `prefix` in `bucket` on this server.
    pub fn address(&self, bucket: &str, prefix: &str) -> String {
        format!(
            "s3://{bucket}/{prefix}?endpoint=http://127.0.0.1:{}&region=us-east-1",
            self.port
        )
    }

    /// A client of `bucket`, signing as the nodes do.
    fn client(&self, bucket: &str) -> object_store::aws::AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(format!("http://127.0.0.1:{}", self.port))
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id(KEY_ID)
            .with_secret_access_key(SECRET)
            .build()
            .expect("an S3 client")
    }

    /// The keys in `bucket` under `prefix`.
    pub async fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        use futures_util::TryStreamExt;
        use object_store::ObjectStore;
        let prefix = object_store::path::Path::from(prefix);
        let listed: Vec<_> = self
            .client(bucket)
            .list(Some(&prefix))
            .try_collect()
            .await
            .expect("a listing");
        listed.into_iter().map(|m| m.location.to_string()).collect()
    }

    pub async fn delete(&self, bucket: &str, key: &str) {
        use object_store::ObjectStoreExt;
        self.client(bucket)
            .delete(&object_store::path::Path::from(key))
            .await
            .expect("moto deletes");
    }

    /// Stops the server, as an outage would (what it held is lost with it).
    pub fn stop(&self) {
        self.process.lock().unwrap().take();
    }
}

/// Loads a demo newsroom of `articles` stories into `dir` (and the database at `url`, if any)
/// with its photographs in the media store at `store`, as `broadsheet demo` does.
pub fn demo_into(dir: &std::path::Path, url: Option<&str>, store: &str, articles: u32) {
    let count = articles.to_string();
    let mut demo = super::binary::command(
        dir,
        url,
        &["--media-store", store, "demo", "--articles", &count],
    );
    let loaded = sign_in(&mut demo).output().expect("the binary runs");
    assert!(
        loaded.status.success(),
        "demo: {}",
        String::from_utf8_lossy(&loaded.stderr)
    );
}

/// Gives `command` the credentials for the test server, through the variables an operator sets.
pub fn sign_in(command: &mut Command) -> &mut Command {
    command
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
}
