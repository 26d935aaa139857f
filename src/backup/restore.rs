//! Restoring a backup into an empty data dir (and, for PostgreSQL, an empty database): the whole
//! backup is verified first, the files are written under temporary names and moved into place
//! last, and a restore that fails part way removes what it wrote, so it never leaves half a site.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use futures_util::StreamExt;

use super::manifest::{self, Engine, Manifest};
use crate::db::snapshot::{self, Counts};
use crate::db::{self, Db, DbKind};
use crate::media::MediaFiles;

/// What a restore brought back.
pub struct Restored {
    pub manifest: Manifest,
    pub counts: Option<Counts>,
}

/// Restores the verified backup in `src` into the database at `url` and the media store.
pub async fn restore(src: &Path, url: &str, media: &MediaFiles) -> anyhow::Result<Restored> {
    let manifest = {
        let src = src.to_path_buf();
        tokio::task::spawn_blocking(move || Manifest::verify(&src))
            .await
            .context("the backup check stopped")??
    };
    let engine = if url.starts_with("sqlite:") {
        Engine::Sqlite
    } else {
        Engine::Postgres
    };
    if engine != manifest.engine {
        bail!(
            "{} is a backup of a {:?} site and the target database is {:?}: restore it into the \
             same engine (moving between engines goes through `export wordpress` and `import \
             wordpress`)",
            src.display(),
            manifest.engine,
            engine
        );
    }
    if let Some(held) = media.list().next().await {
        held.with_context(|| format!("cannot list the media store {}", media.address()))?;
        bail!(
            "the media store {} already holds media: restore into an empty one",
            media.address()
        );
    }
    let placed = Placed::default();
    let result = place(src, url, media, &manifest, placed).await;
    match result {
        Ok(placed) => {
            let counts = check(url, media, &manifest).await;
            match counts {
                Ok(counts) => Ok(Restored { manifest, counts }),
                Err(error) => {
                    placed.undo(url, media).await;
                    Err(error)
                }
            }
        }
        Err((placed, error)) => {
            placed.undo(url, media).await;
            Err(error)
        }
    }
}

/// What a restore has written so far, to be removed if it cannot finish.
#[derive(Default)]
struct Placed {
    paths: Vec<PathBuf>,
    /// Files put into the media store.
    media: Vec<String>,
    database_loaded: bool,
}

impl Placed {
    async fn undo(self, url: &str, media: &MediaFiles) {
        for path in &self.media {
            if let Err(error) = media.remove(path).await {
                eprintln!("broadsheet: cannot remove {path} again after a failed restore: {error}");
            }
        }
        for path in self.paths.iter().rev() {
            if path.is_dir() {
                std::fs::remove_dir_all(path).ok();
            } else {
                std::fs::remove_file(path).ok();
            }
        }
        if self.database_loaded
            && let Ok(db) = db::connect(url, 1).await
        {
            if let Err(error) = snapshot::drop_everything(&db).await {
                eprintln!(
                    "broadsheet: cannot empty the database again after a failed restore: {error:#}"
                );
            }
            db.close().await;
        }
    }
}

type Failed = (Placed, anyhow::Error);

async fn place(
    src: &Path,
    url: &str,
    media: &MediaFiles,
    manifest: &Manifest,
    mut placed: Placed,
) -> Result<Placed, Failed> {
    macro_rules! attempt {
        ($result:expr) => {
            match $result {
                Ok(value) => value,
                Err(error) => return Err((placed, anyhow::Error::from(error))),
            }
        };
    }
    match (manifest.engine, manifest.database.as_deref()) {
        (Engine::Sqlite, Some(file)) => {
            let target = attempt!(sqlite_target(url));
            if target.exists() {
                return Err((
                    placed,
                    anyhow::anyhow!(
                        "{} already holds a database: restore into an empty data dir",
                        target.display()
                    ),
                ));
            }
            let partial = target.with_extension("db.restoring");
            placed.paths.push(partial.clone());
            attempt!(
                std::fs::copy(src.join(file), &partial)
                    .and_then(|_| std::fs::File::open(&partial)?.sync_all())
                    .with_context(|| format!("cannot write {}", partial.display()))
            );
            attempt!(
                std::fs::rename(&partial, &target)
                    .with_context(|| format!("cannot move the database to {}", target.display()))
            );
            placed.paths.pop();
            placed.paths.push(target);
        }
        (Engine::Postgres, Some(file)) => {
            let db = attempt!(db::connect(url, 1).await);
            let blank = snapshot::is_blank(&db).await;
            db.close().await;
            if !attempt!(blank) {
                return Err((
                    placed,
                    anyhow::anyhow!(
                        "the target database already holds tables: restore into an empty database"
                    ),
                ));
            }
            placed.database_loaded = true;
            let (url, dump) = (url.to_string(), src.join(file));
            attempt!(
                tokio::task::spawn_blocking(move || pg_restore(&url, &dump))
                    .await
                    .context("pg_restore stopped")
                    .and_then(|r| r)
            );
        }
        (Engine::Postgres, None) => eprintln!(
            "broadsheet: this backup holds no database dump (pg_dump was missing when it was \
             taken): restoring the media only; restore the database from your own dump"
        ),
        (Engine::Sqlite, None) => {
            return Err((
                placed,
                anyhow::anyhow!(
                    "{}: the backup of a SQLite site holds no database",
                    src.display()
                ),
            ));
        }
    }
    let paths: Vec<&str> = manifest.media().collect();
    let bar = super::progress(paths.len() as u64, "media files restored");
    for path in paths {
        bar.inc(1);
        let from = src.join(manifest::MEDIA_DIR).join(path);
        let bytes = attempt!(
            tokio::fs::read(&from)
                .await
                .with_context(|| format!("cannot read {}", from.display()))
        );
        attempt!(media.put_named(path, bytes.into()).await);
        placed.media.push(path.to_string());
    }
    bar.finish_and_clear();
    Ok(placed)
}

fn sqlite_target(url: &str) -> anyhow::Result<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        bail!("restore needs a database file, not {url:?}");
    }
    Ok(PathBuf::from(path))
}

fn pg_restore(url: &str, dump: &Path) -> anyhow::Result<()> {
    let output = Command::new("pg_restore")
        .args([
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
        ])
        .arg(url)
        .arg(dump)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => anyhow::anyhow!(
                "pg_restore is not on the PATH: install the PostgreSQL client to restore this \
                 backup's database"
            ),
            _ => anyhow::Error::new(e).context("cannot run pg_restore"),
        })?;
    if !output.status.success() {
        bail!(
            "pg_restore failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Opens the restored site as a server would (migrating an older schema), and checks it against
/// the manifest: SQLite's integrity, the counts, and a file for every library item.
async fn check(
    url: &str,
    media: &MediaFiles,
    manifest: &Manifest,
) -> anyhow::Result<Option<Counts>> {
    if manifest.database.is_none() {
        return Ok(None);
    }
    let db = db::connect(url, 2).await?;
    let checked = check_open(&db, media, manifest).await;
    db.close().await;
    checked.map(Some)
}

async fn check_open(db: &Db, media: &MediaFiles, manifest: &Manifest) -> anyhow::Result<Counts> {
    db::migrate(db).await?;
    if db.kind() == DbKind::Sqlite {
        snapshot::integrity_check(db).await?;
    }
    let counts = snapshot::counts(db).await?;
    if Some(counts) != manifest.counts {
        bail!(
            "the restored database holds {counts:?}, the manifest says {:?}",
            manifest.counts
        );
    }
    let mut absent = Vec::new();
    for path in snapshot::media_paths(db).await? {
        if !manifest.missing_media.contains(&path) && !media.contains(&path).await? {
            absent.push(path);
        }
    }
    if let Some(first) = absent.first() {
        bail!(
            "{} library files are missing after the restore (the first: {first}): the backup is \
             incomplete",
            absent.len()
        );
    }
    Ok(counts)
}
