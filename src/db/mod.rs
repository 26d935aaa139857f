//! Storage on SQLite (the embedded default) or PostgreSQL (scale-out), from one set of SQL texts.
//!
//! Queries are written once in the dialect both engines share (`$N` placeholders, `ON CONFLICT`,
//! `RETURNING`) and run through [`with_db!`] / [`with_tx!`], which compile the same code once per
//! driver. `sqlx::Any` is avoided on purpose: it has no timestamp type and decodes booleans badly.
//!
//! Dialect forks, each a visible `match` on the pool, and every one listed here:
//! - connection setup and pragmas in [`connect`], and the migration folders in [`migrate`];
//! - claiming a due job (`jobs/store.rs`, `claim`) and a newsletter send's recipients
//!   (`newsletters/issue_store.rs`, `claim_where`): PostgreSQL adds `FOR UPDATE SKIP LOCKED`,
//!   SQLite's single writer makes the plain `UPDATE … RETURNING` atomic already;
//! - moving PostgreSQL's identity sequence past rows written with ids of their own
//!   ([`Tx::keep_ids_ahead`]); SQLite needs nothing.

mod change_log;
mod connect;
mod kept_ids;
mod migrate;
pub mod snapshot;
mod timestamp;

use std::sync::Arc;

use crate::cache::{Changed, Changes};

pub use change_log::Notifications;
pub use connect::{DbKind, connect};
pub use kept_ids::{Keyed, with_id};
pub use migrate::{MIGRATIONS_POSTGRES, MIGRATIONS_SQLITE, migrate};
pub use timestamp::Timestamp;

/// A connection pool for either engine, plus this process's record of content changes, which
/// the caches of what readers see follow.
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: Pool,
    changes: Arc<Changes>,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// An open transaction on either engine; commit it or it rolls back when dropped. A transaction
/// that changes what readers see says what, with [`Tx::changed`]: committing it writes that to
/// the shared change log and tells this process's caches, so no write can reach one and forget
/// the other.
pub struct Tx {
    pub(crate) conn: TxConn,
    changes: Arc<Changes>,
    /// The change log's version this transaction took, once it changed something.
    version: Option<i64>,
    changed: Changed,
}

pub(crate) enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$pool` bound to the concrete pool, compiled once per engine.
#[macro_export]
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match &$db.pool {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection, compiled once per engine.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.conn {
            $crate::db::TxConn::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::TxConn::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    pub(crate) fn new(pool: Pool) -> Self {
        Db {
            pool,
            changes: Changes::new(),
        }
    }

    pub fn kind(&self) -> DbKind {
        match self.pool {
            Pool::Sqlite(_) => DbKind::Sqlite,
            Pool::Postgres(_) => DbKind::Postgres,
        }
    }

    pub async fn begin(&self) -> sqlx::Result<Tx> {
        let conn = match &self.pool {
            Pool::Sqlite(p) => TxConn::Sqlite(p.begin().await?),
            Pool::Postgres(p) => TxConn::Postgres(p.begin().await?),
        };
        Ok(Tx {
            conn,
            changes: Arc::clone(&self.changes),
            version: None,
            changed: Changed::only([]),
        })
    }

    /// This process's record of content changes, which caches subscribe to.
    pub fn changes(&self) -> &Arc<Changes> {
        &self.changes
    }

    /// A number that moves whenever content may have changed, in this process or (through
    /// [`Db::follow_changes`]) in another one.
    pub fn generation(&self) -> u64 {
        self.changes.seq()
    }

    /// Tells this process's caches of a change that is not a write of its own: a scheduled
    /// time that has come, or this node's search index moving.
    pub fn content_changed(&self, changed: Changed) {
        self.changes.apply(changed);
    }

    pub async fn ping(&self) -> sqlx::Result<()> {
        with_db!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    /// Connections the pool holds, and how many of them sit idle.
    pub fn pool_use(&self) -> (u32, usize) {
        with_db!(self, p => (p.size(), p.num_idle()))
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(mut self) -> sqlx::Result<()> {
        if let Some(version) = self.version {
            let tags = self.changed.encode();
            change_log::record(&mut self, version, &tags).await?;
        }
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Postgres(t) => t.commit().await?,
        }
        if let Some(version) = self.version {
            self.changes.wrote(version);
            self.changes.apply(self.changed);
        }
        Ok(())
    }

    /// Records that what readers see changed everywhere (the site's settings, its navigation,
    /// a section's name), so every node drops every cached page. Prefer [`Tx::changed`] with
    /// what changed whenever it can be said.
    pub async fn bump_content_version(&mut self) -> sqlx::Result<()> {
        self.changed(Changed::Everything).await
    }

    /// Records what this transaction changed of what readers see, so every node drops the
    /// cached pages that show it; this process's go when the transaction commits. Call inside
    /// the transaction that makes the change, as often as there is something to add. The first
    /// call takes the change log's next version, whose row lock orders writers (the search
    /// log relies on it).
    pub async fn changed(&mut self, what: Changed) -> sqlx::Result<()> {
        if self.version.is_none() {
            self.version = Some(change_log::take_version(self).await?);
        }
        self.changed.merge(what);
        Ok(())
    }
}

/// `$first, $first+1, …` for `n` values bound in a row: an `IN` list that stays parameterised,
/// in the `$N` syntax both engines read.
pub fn placeholders(first: usize, n: usize) -> String {
    let mut list = String::with_capacity(n * 5);
    for i in first..first + n {
        if i > first {
            list.push_str(", ");
        }
        list.push('$');
        list.push_str(&i.to_string());
    }
    list
}

/// How many rows a paged query matches in all, counted only when the page cannot tell: a page
/// that came back short ends the list (`offset` + its rows); a full page, or an empty one past
/// the start, needs `count`.
pub async fn page_total<E, F>(
    offset: i64,
    limit: i64,
    got: usize,
    count: impl FnOnce() -> F,
) -> Result<i64, E>
where
    F: std::future::Future<Output = Result<i64, E>>,
{
    let got = i64::try_from(got).unwrap_or(i64::MAX);
    if (got > 0 && got < limit) || (got == 0 && offset == 0) {
        Ok(offset + got)
    } else {
        count().await
    }
}

/// Whether a database error is a unique-constraint violation (both engines report it the same way
/// through sqlx's error kind).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// Whether an error says the database cannot be reached now (down, restarting, the network or
/// the pool exhausted), rather than that the query was wrong: the request may succeed later.
pub fn is_unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // PostgreSQL's connection exceptions (08…) and its shutting down or starting up (57P…).
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_on_from_the_first() {
        assert_eq!(super::placeholders(3, 3), "$3, $4, $5");
        assert_eq!(super::placeholders(1, 1), "$1");
        assert_eq!(super::placeholders(2, 0), "");
    }
}
