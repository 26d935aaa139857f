//! The manifest of a backup: what made it, what it holds, and a checksum of every file, so a
//! restore can refuse a backup that was cut short, altered or made by a newer Broadsheet before
//! it writes anything.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::DbKind;
use crate::db::snapshot::{Counts, latest_schema_version};
use crate::media::files::is_media_path;

pub const FILE_NAME: &str = "manifest.json";

/// The layout of a backup folder; a restore refuses a higher number.
pub const FORMAT: u32 = 1;

/// The database file of a SQLite backup, and the dump of a PostgreSQL one.
pub const SQLITE_FILE: &str = "broadsheet.db";
pub const PG_DUMP_FILE: &str = "database.pgdump";
/// Media files sit under this folder of the backup, at their stored paths.
pub const MEDIA_DIR: &str = "media";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl From<DbKind> for Engine {
    fn from(kind: DbKind) -> Self {
        match kind {
            DbKind::Sqlite => Engine::Sqlite,
            DbKind::Postgres => Engine::Postgres,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub made_by: String,
    /// When the snapshot was taken, RFC 3339 in UTC.
    pub created_at: String,
    pub engine: Engine,
    /// The newest migration the database had run.
    pub schema: i64,
    /// The database file in the backup; none when PostgreSQL's `pg_dump` was not available.
    pub database: Option<String>,
    /// What the database held, counted in the snapshot itself; none without a database.
    pub counts: Option<Counts>,
    /// Every file but this manifest.
    pub files: Vec<Entry>,
    /// Library files the snapshot names that were deleted before they could be copied.
    pub missing_media: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Relative to the backup folder, with forward slashes.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    /// Reads the manifest of the backup in `dir` and checks every file against it: the sizes
    /// and checksums, nothing missing, nothing outside the backup's own layout.
    pub fn verify(dir: &Path) -> anyhow::Result<Manifest> {
        let path = dir.join(FILE_NAME);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{} is not a Broadsheet backup: cannot read {FILE_NAME}",
                dir.display()
            )
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            let why = e.to_string();
            let why = why
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_string();
            anyhow::anyhow!(
                "{}:{}:{}: the manifest is damaged: {why}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if manifest.format > FORMAT {
            bail!(
                "{} was made by a newer Broadsheet ({}, backup format {}); this build reads format \
                 {FORMAT}: restore it with that version or newer",
                dir.display(),
                manifest.made_by,
                manifest.format
            );
        }
        let latest = latest_schema_version();
        if manifest.schema > latest {
            bail!(
                "{} holds a database of schema {} from a newer Broadsheet ({}); this build knows \
                 schema {latest}: restore it with that version or newer",
                dir.display(),
                manifest.schema,
                manifest.made_by
            );
        }
        for entry in &manifest.files {
            check_layout(&entry.path, &manifest)?;
            let file = dir.join(&entry.path);
            let (bytes, sha256) = checksum(&file).with_context(|| {
                format!(
                    "{}: {} is missing from the backup",
                    dir.display(),
                    entry.path
                )
            })?;
            if bytes != entry.bytes {
                bail!(
                    "{}: {} has {bytes} bytes where the manifest says {}: the backup is truncated \
                     or altered",
                    dir.display(),
                    entry.path,
                    entry.bytes
                );
            }
            if sha256 != entry.sha256 {
                bail!(
                    "{}: {} does not match its checksum: the backup is damaged or altered",
                    dir.display(),
                    entry.path
                );
            }
        }
        if let Some(database) = &manifest.database
            && !manifest.files.iter().any(|e| &e.path == database)
        {
            bail!(
                "{}: the manifest names the database {database} but lists no such file",
                dir.display()
            );
        }
        Ok(manifest)
    }

    /// The media files, as stored paths (without the backup's `media/` folder).
    pub fn media(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .filter_map(|e| e.path.strip_prefix(MEDIA_DIR)?.strip_prefix('/'))
    }
}

/// A manifest may name only the database file and media at their content-addressed paths: a
/// crafted one must not make a restore write anywhere else.
fn check_layout(path: &str, manifest: &Manifest) -> anyhow::Result<()> {
    if manifest.database.as_deref() == Some(path) && (path == SQLITE_FILE || path == PG_DUMP_FILE) {
        return Ok(());
    }
    let stored = path
        .strip_prefix(MEDIA_DIR)
        .and_then(|p| p.strip_prefix('/'));
    match stored {
        Some(stored) if is_media_path(stored) => Ok(()),
        _ => bail!("the manifest names {path:?}, which is no part of a Broadsheet backup"),
    }
}

/// A file's size and SHA-256, read in pieces so a large file never sits in memory whole.
pub fn checksum(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((bytes, format!("{:x}", hasher.finalize())))
}
