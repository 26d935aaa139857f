//! Whole-database facts for backups: a consistent copy of a SQLite database taken while the site
//! keeps writing, the schema version a database carries, how many of the things a newsroom
//! would miss it holds, and SQLite's own integrity check.

use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::{Db, Pool, migrate};
use crate::with_db;

/// What a restored site must hold again, counted in the copy itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub articles: i64,
    pub comments: i64,
    pub media: i64,
    pub users: i64,
}

/// Writes a consistent copy of a SQLite database to `target` (which must not exist) with
/// `VACUUM INTO`: it reads one snapshot, so writers carry on meanwhile, and the copy is compact
/// and needs no WAL beside it.
pub async fn vacuum_into(db: &Db, target: &Path) -> anyhow::Result<()> {
    let Pool::Sqlite(pool) = &db.pool else {
        bail!("a copy of the database file is for SQLite; PostgreSQL is dumped with pg_dump");
    };
    let path = target
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", target.display()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(pool)
        .await
        .with_context(|| format!("cannot copy the database into {}", target.display()))?;
    Ok(())
}

/// The newest migration the database has run; 0 for a database never migrated.
const SCHEMA_VERSION: &str = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";

pub async fn schema_version(db: &Db) -> anyhow::Result<i64> {
    with_db!(db, p => sqlx::query_scalar(SCHEMA_VERSION).fetch_one(p).await)
        .context("cannot read the database's schema version")
}

/// The newest migration this build knows.
pub fn latest_schema_version() -> i64 {
    migrate::latest_version()
}

const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM comments), \
     (SELECT COUNT(*) FROM media), (SELECT COUNT(*) FROM users)";

/// Every media file the library names, as stored paths (see [`crate::media::MediaFiles`]).
const MEDIA_PATHS: &str = "SELECT path FROM media ORDER BY id";

type CountRow = (i64, i64, i64, i64);

impl From<CountRow> for Counts {
    fn from((articles, comments, media, users): CountRow) -> Self {
        Counts {
            articles,
            comments,
            media,
            users,
        }
    }
}

pub async fn counts(db: &Db) -> anyhow::Result<Counts> {
    let row: CountRow = with_db!(db, p => sqlx::query_as(COUNTS).fetch_one(p).await)
        .context("cannot count the database's rows")?;
    Ok(row.into())
}

pub async fn media_paths(db: &Db) -> anyhow::Result<Vec<String>> {
    with_db!(db, p => sqlx::query_scalar(MEDIA_PATHS).fetch_all(p).await)
        .context("cannot list the media library's files")
}

/// A PostgreSQL snapshot held open and exported, so `pg_dump --snapshot` dumps exactly what
/// the counts and the media list were read from, while writers carry on.
pub struct Exported {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    pub name: String,
}

impl Exported {
    pub async fn begin(db: &Db) -> anyhow::Result<Exported> {
        let Pool::Postgres(pool) = &db.pool else {
            bail!("an exported snapshot is PostgreSQL's; SQLite is copied with VACUUM INTO");
        };
        let mut tx = pool.begin().await.context("cannot open a snapshot")?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .context("cannot open a repeatable-read snapshot")?;
        let name: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await
            .context("cannot export the snapshot for pg_dump")?;
        Ok(Exported { tx, name })
    }

    pub async fn schema_version(&mut self) -> anyhow::Result<i64> {
        sqlx::query_scalar(SCHEMA_VERSION)
            .fetch_one(&mut *self.tx)
            .await
            .context("cannot read the database's schema version")
    }

    pub async fn counts(&mut self) -> anyhow::Result<Counts> {
        let row: CountRow = sqlx::query_as(COUNTS)
            .fetch_one(&mut *self.tx)
            .await
            .context("cannot count the database's rows")?;
        Ok(row.into())
    }

    pub async fn media_paths(&mut self) -> anyhow::Result<Vec<String>> {
        sqlx::query_scalar(MEDIA_PATHS)
            .fetch_all(&mut *self.tx)
            .await
            .context("cannot list the media library's files")
    }

    /// Ends the snapshot, once `pg_dump` has taken it.
    pub async fn finish(self) -> anyhow::Result<()> {
        self.tx.commit().await.context("cannot close the snapshot")
    }
}

/// SQLite's `integrity_check`: `Ok` when it finds nothing wrong, else what it found.
pub async fn integrity_check(db: &Db) -> anyhow::Result<()> {
    let Pool::Sqlite(pool) = &db.pool else {
        return Ok(());
    };
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(pool)
        .await
        .context("cannot run SQLite's integrity check")?;
    if problems.len() == 1 && problems[0] == "ok" {
        return Ok(());
    }
    bail!("SQLite's integrity check failed: {}", problems.join("; "))
}

/// Empties a PostgreSQL database a failed restore had loaded (it was blank before), so the
/// next attempt starts from nothing.
pub async fn drop_everything(db: &Db) -> anyhow::Result<()> {
    let Pool::Postgres(pool) = &db.pool else {
        return Ok(());
    };
    let mut tx = pool.begin().await?;
    sqlx::query("DROP SCHEMA public CASCADE")
        .execute(&mut *tx)
        .await?;
    sqlx::query("CREATE SCHEMA public")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the database holds no Broadsheet schema yet (a restore goes only into such a one).
pub async fn is_blank(db: &Db) -> anyhow::Result<bool> {
    let tables: i64 = match &db.pool {
        Pool::Sqlite(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
                .fetch_one(p)
                .await?
        }
        Pool::Postgres(p) => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_one(p)
            .await?
        }
    };
    Ok(tables == 0)
}
