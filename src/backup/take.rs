//! Taking a backup while the site serves and writes: one consistent snapshot of the database
//! (SQLite's `VACUUM INTO`, or `pg_dump` on an exported PostgreSQL snapshot), then the media
//! files that snapshot names, each checksummed as it is copied. Everything is written into a
//! hidden folder beside the destination and renamed into place at the end, so a backup that
//! stopped half way never looks like one.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::manifest::{self, Engine, Entry, Manifest};
use crate::clock::Clock;
use crate::db::snapshot::{self, Counts, Exported};
use crate::db::{self, Db, DbKind};
use crate::media::{MediaFiles, StoreError};
use sha2::{Digest, Sha256};

/// What the database part of a backup came to.
struct Database {
    file: Option<String>,
    schema: i64,
    counts: Option<Counts>,
    media: Vec<String>,
}

pub async fn take(
    db: &Db,
    url: &str,
    media: &MediaFiles,
    clock: &Clock,
    dest: &Path,
) -> anyhow::Result<Manifest> {
    if dest.exists() {
        bail!(
            "{} already exists: give a new folder for the backup",
            dest.display()
        );
    }
    let work = partial_folder(dest)?;
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let taken = fill(db, url, media, clock, &work).await;
    let manifest = match taken {
        Ok(manifest) => manifest,
        Err(error) => {
            std::fs::remove_dir_all(&work).ok();
            return Err(error);
        }
    };
    std::fs::rename(&work, dest).with_context(|| {
        format!(
            "cannot move the finished backup from {} to {}",
            work.display(),
            dest.display()
        )
    })?;
    Ok(manifest)
}

/// A hidden folder beside `dest`, on the same file system, so the last step is a rename.
fn partial_folder(dest: &Path) -> anyhow::Result<PathBuf> {
    let name = dest
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{} does not name a folder", dest.display()))?;
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    if !parent.is_dir() {
        bail!("{} is not a folder", parent.display());
    }
    Ok(parent.join(format!(".{name}.partial-{}", std::process::id())))
}

async fn fill(
    db: &Db,
    url: &str,
    media: &MediaFiles,
    clock: &Clock,
    work: &Path,
) -> anyhow::Result<Manifest> {
    let created_at = clock
        .now()
        .to_datetime()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let database = match db.kind() {
        DbKind::Sqlite => copy_sqlite(db, work).await?,
        DbKind::Postgres => dump_postgres(db, url, work).await?,
    };
    let (mut files, missing_media) = copy_media(media, work, &database.media).await?;
    if let Some(file) = &database.file {
        let (bytes, sha256) = manifest::checksum(&work.join(file))
            .with_context(|| format!("cannot read back {file}"))?;
        files.insert(
            0,
            Entry {
                path: file.clone(),
                bytes,
                sha256,
            },
        );
    }
    let manifest = Manifest {
        format: manifest::FORMAT,
        made_by: format!("broadsheet {}", env!("CARGO_PKG_VERSION")),
        created_at,
        engine: Engine::from(db.kind()),
        schema: database.schema,
        database: database.file,
        counts: database.counts,
        files,
        missing_media,
    };
    let text = serde_json::to_string_pretty(&manifest).context("cannot write the manifest")?;
    write_synced(&work.join(manifest::FILE_NAME), text.as_bytes())?;
    Ok(manifest)
}

async fn copy_sqlite(db: &Db, work: &Path) -> anyhow::Result<Database> {
    let file = work.join(manifest::SQLITE_FILE);
    snapshot::vacuum_into(db, &file).await?;
    // The copy is read through a pool of its own: what it holds, not what the site holds now.
    let copy = db::connect(&format!("sqlite://{}", file.display()), 1).await?;
    let read = async {
        Ok::<_, anyhow::Error>(Database {
            file: Some(manifest::SQLITE_FILE.to_string()),
            schema: snapshot::schema_version(&copy).await?,
            counts: Some(snapshot::counts(&copy).await?),
            media: snapshot::media_paths(&copy).await?,
        })
    }
    .await;
    copy.close().await;
    for leftover in ["-wal", "-shm"] {
        let path = work.join(format!("{}{leftover}", manifest::SQLITE_FILE));
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    read
}

async fn dump_postgres(db: &Db, url: &str, work: &Path) -> anyhow::Result<Database> {
    let mut exported = Exported::begin(db).await?;
    let schema = exported.schema_version().await?;
    let counts = exported.counts().await?;
    let media = exported.media_paths().await?;
    let file = work.join(manifest::PG_DUMP_FILE);
    let dumped = {
        let (url, file, name) = (url.to_string(), file.clone(), exported.name.clone());
        tokio::task::spawn_blocking(move || pg_dump(&url, &file, &name))
            .await
            .context("pg_dump stopped")?
    };
    exported.finish().await?;
    let dumped = dumped?;
    if !dumped {
        eprintln!(
            "broadsheet: pg_dump is not on the PATH: this backup holds the media only. Dump the \
             database with pg_dump as docs/operations.md shows, or install the PostgreSQL client."
        );
    }
    Ok(Database {
        file: dumped.then(|| manifest::PG_DUMP_FILE.to_string()),
        schema,
        counts: dumped.then_some(counts),
        media,
    })
}

/// Runs `pg_dump` on the exported snapshot; `false` when it is not installed.
fn pg_dump(url: &str, file: &Path, snapshot: &str) -> anyhow::Result<bool> {
    let run = Command::new("pg_dump")
        .args([
            "--format=custom",
            "--no-owner",
            "--snapshot",
            snapshot,
            "--file",
        ])
        .arg(file)
        .arg("--dbname")
        .arg(url)
        .output();
    let output = match run {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(anyhow::Error::new(e).context("cannot run pg_dump")),
    };
    if !output.status.success() {
        bail!(
            "pg_dump failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(true)
}

/// Copies the named media files from the store into the backup, checksumming each; returns
/// their entries and the paths that were gone (deleted after the snapshot).
async fn copy_media(
    media: &MediaFiles,
    work: &Path,
    paths: &[String],
) -> anyhow::Result<(Vec<Entry>, Vec<String>)> {
    let bar = super::progress(paths.len() as u64, "media files copied");
    let mut entries = Vec::with_capacity(paths.len());
    let mut missing = Vec::new();
    for path in paths {
        bar.inc(1);
        let bytes = match media.read(path).await {
            Ok(bytes) => bytes,
            Err(StoreError::Missing) => {
                missing.push(path.clone());
                continue;
            }
            Err(down) => return Err(down).context("cannot read the media to back up"),
        };
        let inside = format!("{}/{path}", manifest::MEDIA_DIR);
        let target = work.join(&inside);
        let sha256 = format!("{:x}", Sha256::digest(&bytes));
        let size = bytes.len() as u64;
        tokio::task::spawn_blocking(move || {
            if let Some(folder) = target.parent() {
                std::fs::create_dir_all(folder)
                    .with_context(|| format!("cannot create {}", folder.display()))?;
            }
            write_synced(&target, &bytes)
        })
        .await
        .context("the media copy stopped")??;
        entries.push(Entry {
            path: inside,
            bytes: size,
            sha256,
        });
    }
    bar.finish_and_clear();
    Ok((entries, missing))
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
