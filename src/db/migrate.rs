//! Schema migrations, embedded in the binary: one folder per engine with the same file names
//! (a test compares the resulting schemas). sqlx's PostgreSQL migrator takes an advisory lock, so
//! several nodes may start at once.

use std::borrow::Cow;

use anyhow::anyhow;
use include_dir::{Dir, include_dir};
use sqlx::SqlSafeStr;
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};

use super::{Db, Pool};

pub static MIGRATIONS_SQLITE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/migrations/sqlite");
pub static MIGRATIONS_POSTGRES: Dir<'static> =
    include_dir!("$CARGO_MANIFEST_DIR/migrations/postgres");

fn migrator(dir: &'static Dir<'static>) -> anyhow::Result<Migrator> {
    let mut migrations = Vec::new();
    for file in dir.files() {
        let name = file.path().to_string_lossy();
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (version, description) = stem
            .split_once('_')
            .ok_or_else(|| anyhow!("migration {name} is not named NNNN_description.sql"))?;
        let version: i64 = version
            .parse()
            .map_err(|_| anyhow!("migration {name} does not start with a number"))?;
        let sql = file
            .contents_utf8()
            .ok_or_else(|| anyhow!("migration {name} is not UTF-8"))?;
        migrations.push(Migration::new(
            version,
            Cow::Owned(description.replace('_', " ")),
            MigrationType::Simple,
            sql.into_sql_str(),
            false,
        ));
    }
    Ok(Migrator::with_migrations(migrations))
}

/// The newest migration this build carries (both engines have the same file names).
pub fn latest_version() -> i64 {
    MIGRATIONS_SQLITE
        .files()
        .filter_map(|f| f.path().to_str()?.split_once('_')?.0.parse::<i64>().ok())
        .max()
        .unwrap_or(0)
}

/// Brings the schema up to date; refuses a database that a newer Broadsheet has migrated.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    let result = match &db.pool {
        Pool::Sqlite(p) => migrator(&MIGRATIONS_SQLITE)?.run(p).await,
        Pool::Postgres(p) => migrator(&MIGRATIONS_POSTGRES)?.run(p).await,
    };
    result.map_err(|e| match e {
        MigrateError::VersionMissing(v) => anyhow!(
            "the database was migrated by a newer version of Broadsheet (schema {v} is unknown \
             to this build); upgrade Broadsheet or point it at another database"
        ),
        MigrateError::VersionMismatch(v) => anyhow!(
            "migration {v} in the database differs from this build's; the database belongs to \
             another Broadsheet build"
        ),
        other => anyhow!("migrating the database failed: {other}"),
    })
}
