//! Opening a pool: the URL picks the engine; SQLite gets WAL, foreign keys and a busy timeout.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Db, Pool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// How long start-up waits for a database before saying it is unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to `url` (`sqlite://PATH` or `postgres://…`), creating a SQLite file if missing.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite database URL {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open SQLite database {}", redact(url)))?;
        Ok(Db::new(Pool::Sqlite(pool)))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect(url)
            .await
            .with_context(|| format!("cannot reach PostgreSQL at {}", redact(url)))?;
        Ok(Db::new(Pool::Postgres(pool)))
    } else {
        bail!(
            "unsupported database URL {:?}: use sqlite://PATH or postgres://HOST/DB",
            redact(url)
        )
    }
}

/// Hides a password in a URL before it is shown in a message or a log.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://bob:secret@db.example/news"),
            "postgres://bob:***@db.example/news"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
