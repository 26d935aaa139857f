//! `broadsheet backup` and `broadsheet restore` against the real binary, on both databases: a
//! backup taken while a writer publishes and readers comment restores to a site whose every
//! article renders, whose counts match the snapshot and whose every media file matches its
//! checksum; a damaged, altered or newer backup, or a target that already holds a site, is
//! refused before anything is written.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::StatusCode;
use broadsheet::articles::service::article_path;
use broadsheet::db::Timestamp;
use sha2::{Digest, Sha256};

use crate::media::jpeg;
use crate::support::builders::{Newsroom, article, publish};
use crate::support::comments::Comment;
use crate::support::{TestApp, postgres};

fn broadsheet(data_dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args([
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--database-url",
            url,
        ])
        .args(["--log", "warn"])
        .args(args)
        .env_remove("BROADSHEET_DATA_DIR")
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A restore that must be refused: one error line naming `expect`, and nothing written.
fn assert_refused(o: &Output, expect: &str, target: &Path) {
    let err = stderr(o);
    assert!(!o.status.success(), "should be refused: {err}");
    assert!(err.contains(expect), "{expect:?} not in: {err}");
    assert_eq!(
        err.lines().filter(|l| l.contains("error")).count(),
        1,
        "{err}"
    );
    assert!(
        !target.join("broadsheet.db").exists(),
        "no database was written"
    );
    assert!(
        target
            .join("media")
            .read_dir()
            .map_or(true, |mut d| d.next().is_none()),
        "no media were written"
    );
}

/// Where the restore goes: a fresh data dir, and for PostgreSQL a blank database.
async fn target(pg: bool) -> (tempfile::TempDir, String, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    if pg {
        let (url, name) = postgres::blank_database()
            .await
            .expect("PostgreSQL is configured");
        (dir, url, Some(name))
    } else {
        let url = format!("sqlite://{}", dir.path().join("broadsheet.db").display());
        (dir, url, None)
    }
}

async fn a_backup_taken_under_writes_restores_whole(app: TestApp, pg: bool) {
    app.load_demo(12).await;
    // The demo's own sections, tag and author carry the writer's articles.
    let ids: Vec<(i64, i64, i64)> = app
        .rows(
            "SELECT (SELECT MIN(id) FROM sections), (SELECT MIN(id) FROM tags), \
             (SELECT MIN(id) FROM authors)",
        )
        .await;
    let (section, tag, author) = ids[0];
    let n = Newsroom {
        business: section,
        markets: section,
        tag,
        author,
    };
    let before: i64 = app.rows::<(i64,)>("SELECT COUNT(*) FROM articles").await[0].0;
    let backups = tempfile::tempdir().unwrap();
    let dest = backups.path().join("nightly");
    let stop = AtomicBool::new(false);
    let writer = async {
        let mut written = 0;
        while !stop.load(Ordering::SeqCst) || written < 3 {
            let mut input = article(&n, &format!("Written during the backup {written}"));
            if written % 2 == 0 {
                let photo = jpeg(64 + written as u16, 48);
                let id = broadsheet::media::service::upload(
                    &app.db,
                    &app.state.media,
                    app.clock.now(),
                    &photo,
                    None,
                )
                .await
                .unwrap();
                input.lead_media_id = Some(id);
                input.lead_alt = format!("Photograph {written}");
            }
            let id = publish(&app, input).await;
            let ip = format!("198.51.100.{}", written % 250 + 1);
            let mut comment =
                Comment::new(id, "Reader", "reader@example.com", "Kept in the backup?");
            comment.ip = &ip;
            let r = app.comment(&comment).await;
            assert!(r.status.is_redirection(), "{} {}", r.status, r.text());
            written += 1;
            tokio::task::yield_now().await;
        }
        written
    };
    let backup = async {
        let (dir, url, dest) = (app.data_dir().to_path_buf(), app.url.clone(), dest.clone());
        let out = tokio::task::spawn_blocking(move || {
            broadsheet(&dir, &url, &["backup", dest.to_str().unwrap()])
        })
        .await
        .unwrap();
        stop.store(true, Ordering::SeqCst);
        out
    };
    let (written, out) = tokio::join!(writer, backup);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Backed up"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dest.join("manifest.json")).unwrap())
            .unwrap();
    let counted = manifest["counts"]["articles"].as_i64().unwrap();
    assert!(
        (before..=before + written).contains(&counted),
        "the snapshot holds {counted} articles, between {before} and {}",
        before + written
    );

    let (dir, url, pg_name) = target(pg).await;
    let out = broadsheet(dir.path(), &url, &["restore", dest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let restored = TestApp::open(&url, dir, pg_name).await;
    let counts: Vec<(i64, i64, i64)> = restored
        .rows("SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM comments), (SELECT COUNT(*) FROM media)")
        .await;
    let (articles, comments, media) = counts[0];
    assert_eq!(articles, counted);
    assert_eq!(comments, manifest["counts"]["comments"].as_i64().unwrap());
    assert_eq!(media, manifest["counts"]["media"].as_i64().unwrap());

    let published: Vec<(String, String, Timestamp, String)> = restored
        .rows(
            "SELECT s.slug, a.slug, a.published_at, a.headline FROM articles a \
             JOIN sections s ON s.id = a.section_id WHERE a.status = 'published'",
        )
        .await;
    assert!(
        published.len() as i64 > before / 2,
        "{} published",
        published.len()
    );
    for (section, slug, at, headline) in &published {
        let path = article_path(section, *at, slug, chrono_tz::UTC);
        let page = restored.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let escaped = headline
            .replace('&', "&amp;")
            .replace('\'', "&#x27;")
            .replace('"', "&quot;");
        assert!(
            page.text().contains(&escaped) || page.text().contains(headline.as_str()),
            "{path} shows {headline}"
        );
    }
    let files: Vec<(String, String)> = restored.rows("SELECT path, sha256 FROM media").await;
    for (path, sha256) in &files {
        let bytes = std::fs::read(restored.data_dir().join("media").join(path)).unwrap();
        assert_eq!(&format!("{:x}", Sha256::digest(&bytes)), sha256, "{path}");
        let served = restored.get(&format!("/media/{path}")).await;
        assert_eq!(served.status, StatusCode::OK, "{path}");
        assert_eq!(served.bytes, bytes);
    }
    restored.finish().await;
    app.finish().await;
}

mod a_backup_taken_under_writes_restores_whole {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        a_backup_taken_under_writes_restores_whole(TestApp::sqlite().await, false).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = TestApp::postgres().await {
            a_backup_taken_under_writes_restores_whole(app, true).await;
        }
    }
}

/// Copies a backup folder, so each case damages its own.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

async fn damaged_backups_are_refused(app: TestApp, pg: bool) {
    app.load_demo(6).await;
    let backups = tempfile::tempdir().unwrap();
    let good = backups.path().join("good");
    let out = broadsheet(
        app.data_dir(),
        &app.url,
        &["backup", good.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let again = broadsheet(
        app.data_dir(),
        &app.url,
        &["backup", good.to_str().unwrap()],
    );
    assert!(!again.status.success() && stderr(&again).contains("already exists"));
    let database = if pg {
        "database.pgdump"
    } else {
        "broadsheet.db"
    };
    let media = std::fs::read_dir(good.join("media"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .next()
        .expect("a media file");
    let inside = media.strip_prefix(&good).unwrap().to_path_buf();

    type Damage = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "a truncated media file",
            Box::new(move |b: &Path| {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(b.join(&inside))
                    .unwrap();
                f.set_len(100).unwrap();
            }),
            "truncated or altered",
        ),
        (
            "an altered database",
            Box::new(move |b: &Path| {
                let path = b.join(database);
                let mut bytes = std::fs::read(&path).unwrap();
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0xff;
                std::fs::write(&path, bytes).unwrap();
            }),
            "does not match its checksum",
        ),
        (
            "a manifest cut short",
            Box::new(|b: &Path| {
                let path = b.join("manifest.json");
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, &text[..text.len() / 2]).unwrap();
            }),
            "the manifest is damaged",
        ),
        (
            "a newer backup format",
            Box::new(|b: &Path| edit_manifest(b, |m| m["format"] = 99.into())),
            "newer Broadsheet",
        ),
        (
            "a newer schema",
            Box::new(|b: &Path| edit_manifest(b, |m| m["schema"] = 9999.into())),
            "schema 9999",
        ),
        (
            "a path outside the backup's layout",
            Box::new(|b: &Path| {
                edit_manifest(b, |m| {
                    m["files"][1]["path"] = "../../etc/cron.d/evil".into();
                })
            }),
            "no part of a Broadsheet backup",
        ),
    ];
    for (what, damage, expect) in cases {
        let copy = backups.path().join(what.replace(' ', "-"));
        std::fs::create_dir_all(&copy).unwrap();
        copy_tree(&good, &copy);
        damage(&copy);
        let (dir, url, pg_name) = target(pg).await;
        let out = broadsheet(dir.path(), &url, &["restore", copy.to_str().unwrap()]);
        assert_refused(&out, expect, dir.path());
        if let Some(name) = pg_name {
            let blank = broadsheet::db::connect(&url, 1).await.unwrap();
            assert!(
                broadsheet::db::snapshot::is_blank(&blank).await.unwrap(),
                "{what}: the database stays blank"
            );
            blank.close().await;
            postgres::drop_database(&name).await;
        }
    }

    // A target that already holds a site is never overwritten.
    let out = broadsheet(
        app.data_dir(),
        &app.url,
        &["restore", good.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("restore into an empty"),
        "{}",
        stderr(&out)
    );
    app.finish().await;
}

fn edit_manifest(backup: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let path = backup.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}

mod damaged_backups_are_refused {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        damaged_backups_are_refused(TestApp::sqlite().await, false).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = TestApp::postgres().await {
            damaged_backups_are_refused(app, true).await;
        }
    }
}
