//! The media library in an S3 bucket (moto's server on loopback, spoken to over HTTP as AWS or
//! MinIO would be): the demo writes its photographs there, the server renders from there, an
//! outage of the store costs only the pictures it has not rendered yet, and `media migrate`
//! moves a library between a folder and a bucket, resuming where it stopped. The three-node
//! test (`nodes.rs`) shares one bucket between nodes on PostgreSQL.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::media::jpeg;
use crate::support::binary::{self, Server, editor_token, multipart, sqlite_url};
use crate::support::s3::{S3Server, demo_into, sign_in};

fn serve(dir: &Path, store: &str, log: &Path) -> Server {
    let mut command = binary::command(
        dir,
        None,
        &["--media-store", store, "serve", "--listen", "127.0.0.1:0"],
    );
    sign_in(&mut command).stderr(std::fs::File::create(log).unwrap());
    Server::start(command)
}

async fn health(server: &Server) -> serde_json::Value {
    let answer = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "the node stays in rotation");
    serde_json::from_str(&answer.text().await.unwrap()).unwrap()
}

/// The first library picture the home page shows, as its image-service address.
async fn a_picture(server: &Server) -> String {
    let home = reqwest::get(format!("{}/", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = home
        .find("/images/v2/raw/media:")
        .expect("the home page has pictures");
    let rest = &home[start..];
    rest[..rest.find(['"', ' ']).unwrap()].replace("&amp;", "&")
}

/// A 503 that asks to be tried again in 5 s, kept by no cache, with the error `code`.
async fn try_again_later(answer: reqwest::Response, code: &str) {
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.headers()["retry-after"], "5");
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let error: serde_json::Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    assert_eq!(error["error"]["code"], code);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_holds_the_library_and_its_outages_cost_only_pictures() {
    let Some(s3) = S3Server::start() else {
        return;
    };
    s3.bucket("newsroom").await;
    let store = s3.address("newsroom", "site");
    let dir = tempfile::tempdir().unwrap();
    demo_into(dir.path(), None, &store, 12);
    let demo_keys = s3.keys("newsroom", "site/").await;
    assert!(
        !demo_keys.is_empty(),
        "the demo's photographs went into the bucket"
    );
    assert!(
        demo_keys
            .iter()
            .all(|k| k.starts_with("site/") && k.ends_with(".jpg")),
        "{demo_keys:?}"
    );
    let folder = dir.path().join("media");
    assert!(
        !folder.exists() || folder.read_dir().unwrap().next().is_none(),
        "nothing went into the data dir's folder"
    );

    let log = dir.path().join("serve.log");
    let server = serve(dir.path(), &store, &log);
    let report = health(&server).await;
    assert_eq!(
        (&report["store"], &report["status"]),
        (&"up".into(), &"ok".into())
    );

    // A picture renders from the bucket, and the library file itself is served from it.
    let picture = a_picture(&server).await;
    let rendered = reqwest::get(format!("{}{picture}", server.base))
        .await
        .unwrap();
    assert_eq!(rendered.status(), 200);
    assert_eq!(rendered.headers()["content-type"], "image/jpeg");
    let demo_key = &demo_keys[0];
    let original = reqwest::get(format!(
        "{}/media/{}",
        server.base,
        demo_key.trim_start_matches("site/")
    ))
    .await
    .unwrap();
    assert_eq!(original.status(), 200);
    assert_eq!(
        original.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );

    // An upload lands in the bucket.
    let token = editor_token(&sqlite_url(dir.path()), "desk@bucket.example").await;
    let (kind, body) = multipart(&jpeg(320, 200), 1);
    let client = reqwest::Client::new();
    let uploaded = client
        .post(format!("{}/api/v1/media", server.base))
        .bearer_auth(&token)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201, "{:?}", uploaded.text().await);
    let item: serde_json::Value = serde_json::from_str(&uploaded.text().await.unwrap()).unwrap();
    let path = item["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/media/")
        .to_string();
    assert!(
        s3.keys("newsroom", "site/")
            .await
            .contains(&format!("site/{path}"))
    );

    // The home page's picture, gone from the store (lost, or another node's upload not visible
    // yet): the library item exists, so a new size of it answers 503 with Retry-After and the
    // log names the file; asked for by name, a file the store lacks is simply not found.
    let id = picture["/images/v2/raw/media:".len()..]
        .split('?')
        .next()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_str(
        &client
            .get(format!("{}/api/v1/media/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let shown = shown["url"].as_str().unwrap().trim_start_matches("/media/");
    s3.delete("newsroom", &format!("site/{shown}")).await;
    let new_size = |width: &str| format!("{}{}", server.base, picture.replace("width=", width));
    let lost = client.get(new_size("width=2")).send().await.unwrap();
    try_again_later(lost, "original_missing").await;
    let gone = client
        .get(format!("{}/media/{shown}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);

    // The store down: pictures already rendered and every page are still served; a new size
    // of a picture answers 503 with Retry-After; the health report and the log say so.
    s3.stop();
    let again = reqwest::get(format!("{}{picture}", server.base))
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        200,
        "a rendered variant lives in the node's own cache"
    );
    for page in ["/", "/feed/", "/search?q=news"] {
        let answer = reqwest::get(format!("{}{page}", server.base))
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{page} while the store is down");
    }
    let fresh = client.get(new_size("width=1")).send().await.unwrap();
    try_again_later(fresh, "media_store_unavailable").await;
    let file = client
        .get(format!("{}/media/{path}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 503);
    assert_eq!(file.headers()["retry-after"], "5");
    let report = health(&server).await;
    assert_eq!(
        (&report["store"], &report["status"]),
        (&"down".into(), &"degraded".into())
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("the media store cannot be reached"),
        "{logged}"
    );
    assert!(
        logged.contains("is missing from the media store"),
        "{logged}"
    );
}

fn migrate(dir: &Path, store: Option<&str>, to: &str) -> (bool, String) {
    let mut args = Vec::new();
    if let Some(store) = store {
        args.extend(["--media-store", store]);
    }
    args.extend(["media", "migrate", "--to", to]);
    let mut command = binary::command(dir, None, &args);
    let out = sign_in(&mut command).stdin(Stdio::null()).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn files_under(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                found.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_migrate_moves_a_library_into_a_bucket_and_back_resuming_where_it_stopped() {
    let Some(s3) = S3Server::start() else {
        return;
    };
    s3.bucket("archive").await;
    let store = s3.address("archive", "lib");
    let dir = tempfile::tempdir().unwrap();
    binary::demo(dir.path(), None, 12);
    let originals = files_under(&dir.path().join("media"));
    assert!(originals.len() >= 2, "{originals:?}");

    let (ok, said) = migrate(dir.path(), None, &store);
    assert!(ok, "{said}");
    assert!(
        said.contains(&format!("Copied {} files", originals.len())),
        "{said}"
    );
    assert!(said.contains("0 were there already"), "{said}");
    let keys = s3.keys("archive", "lib/").await;
    assert_eq!(keys.len(), originals.len());

    // A copy that stopped part-way: what is missing is copied, nothing else.
    for key in &keys[..2] {
        s3.delete("archive", key).await;
    }
    let (ok, said) = migrate(dir.path(), None, &store);
    assert!(ok, "{said}");
    assert!(said.contains("Copied 2 files"), "{said}");
    assert!(
        said.contains(&format!("{} were there already", originals.len() - 2)),
        "{said}"
    );

    // And back into a folder, byte for byte.
    let back = dir.path().join("back");
    let (ok, said) = migrate(dir.path(), Some(&store), back.to_str().unwrap());
    assert!(ok, "{said}");
    assert_eq!(files_under(&back), originals);

    // Mistakes and outages: a clear line and a non-zero exit.
    let (ok, said) = migrate(dir.path(), None, "s3://Not_A_Bucket");
    assert!(!ok);
    assert!(said.contains("is not a bucket name"), "{said}");
    let (ok, said) = migrate(dir.path(), None, dir.path().join("media").to_str().unwrap());
    assert!(!ok);
    assert!(said.contains("already uses"), "{said}");
    s3.stop();
    let (ok, said) = migrate(dir.path(), Some(&store), back.to_str().unwrap());
    assert!(!ok);
    assert!(said.contains("run the same command again"), "{said}");
}
