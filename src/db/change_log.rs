//! The shared change log: one row per committed change to what readers see, numbered in commit
//! order (each writer takes the `content_version` row's lock with its number and holds it to
//! its commit) and naming what changed. Every node reads the rows after the version it saw last
//! and drops the cached pages they name. A node that finds a gap (rows pruned while it was away,
//! or a version moved without a row by a restore) drops everything, which is never wrong.
//!
//! On PostgreSQL each commit also notifies [`CHANNEL`], so the other nodes read the log at once
//! instead of at their next poll; the poll stays for notifications lost to a reconnect.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;

use super::{Db, Pool, Tx, TxConn};
use crate::cache::{Changed, Changes, Hearing};
use crate::{with_db, with_tx};

/// How many versions the log keeps; a node away for longer drops everything when it is back.
const KEPT: i64 = 10_000;
/// How often, in versions, a writer prunes the log.
const PRUNE_EVERY: i64 = 256;
/// The PostgreSQL notification channel that carries each committed version.
const CHANNEL: &str = "broadsheet_changes";

/// Takes the next version, and with it the row lock that orders writers until commit.
pub(super) async fn take_version(tx: &mut Tx) -> sqlx::Result<i64> {
    with_tx!(tx, c => {
        sqlx::query_scalar(
            "UPDATE content_version SET version = version + 1 WHERE id = 1 RETURNING version",
        )
        .fetch_one(c)
        .await
    })
}

/// Writes the transaction's change as `version`'s row, just before it commits.
pub(super) async fn record(tx: &mut Tx, version: i64, tags: &str) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        sqlx::query("INSERT INTO content_changes (version, tags) VALUES ($1, $2)")
            .bind(version)
            .bind(tags)
            .execute(&mut *c)
            .await?;
        if version % PRUNE_EVERY == 0 {
            sqlx::query("DELETE FROM content_changes WHERE version <= $1")
                .bind(version - KEPT)
                .execute(&mut *c)
                .await?;
        }
        Ok::<_, sqlx::Error>(())
    })?;
    if let TxConn::Postgres(t) = &mut tx.conn {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(version.to_string())
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

impl Db {
    /// Reads what other processes and nodes changed since `last_seen` (the log's version at the
    /// previous look; `None` the first time, which only notes where the log stands) and drops
    /// the cached pages it reaches. Returns whether anything was dropped.
    pub async fn follow_changes(&self, last_seen: &mut Option<i64>) -> sqlx::Result<bool> {
        let head: i64 = with_db!(self, p => {
            sqlx::query_scalar("SELECT version FROM content_version WHERE id = 1")
                .fetch_one(p)
                .await
        })?;
        let Some(seen) = last_seen.replace(head) else {
            return Ok(false);
        };
        if head == seen {
            return Ok(false);
        }
        let changed = if head < seen || head - seen > KEPT {
            Changed::Everything
        } else {
            self.read_log(seen, head).await?
        };
        let dropped = !changed.is_empty();
        self.changes().apply(changed);
        Ok(dropped)
    }

    /// The changes of the log's rows after `seen` up to `head`, less this process's own.
    async fn read_log(&self, seen: i64, head: i64) -> sqlx::Result<Changed> {
        let rows: Vec<(i64, String)> = with_db!(self, p => {
            sqlx::query_as(
                "SELECT version, tags FROM content_changes \
                 WHERE version > $1 AND version <= $2 ORDER BY version",
            )
            .bind(seen)
            .bind(head)
            .fetch_all(p)
            .await
        })?;
        let mut changed = Changed::only([]);
        let mut expected = seen + 1;
        for (version, tags) in rows {
            if version != expected {
                return Ok(Changed::Everything);
            }
            expected += 1;
            if !self.changes().take_own(version) {
                changed.merge(Changed::decode(&tags));
            }
        }
        if expected <= head {
            return Ok(Changed::Everything);
        }
        Ok(changed)
    }
}

/// Other nodes' commits as PostgreSQL announces them; nothing on SQLite, where every writer is a
/// process on this machine and the poll is enough.
pub struct Notifications {
    listener: Option<PgListener>,
    changes: Arc<Changes>,
}

impl Db {
    /// Listens on [`CHANNEL`]. A listener that cannot connect is logged and left out: the poll
    /// still brings every change, only later.
    pub async fn change_notifications(&self) -> Notifications {
        let changes = self.changes().clone();
        let Pool::Postgres(pool) = &self.pool else {
            return Notifications {
                listener: None,
                changes,
            };
        };
        let listener = async {
            let mut listener = PgListener::connect_with(pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        match listener.await {
            Ok(listener) => {
                changes.set_hearing(Hearing::Listening);
                Notifications {
                    listener: Some(listener),
                    changes,
                }
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    "cannot listen for other nodes' changes: their pages are dropped here at the \
                     next poll (a second) instead of at once; check the database's connection limit"
                );
                Notifications {
                    listener: None,
                    changes,
                }
            }
        }
    }
}

/// How long to wait before listening again after the connection failed.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

impl Notifications {
    /// Returns when another node committed a change; never without a listener. A lost
    /// connection is opened again at the next call (what was announced meanwhile comes with
    /// the poll).
    pub async fn next(&mut self) {
        let Some(listener) = &mut self.listener else {
            return std::future::pending().await;
        };
        match listener.recv().await {
            Ok(_) => self.changes.set_hearing(Hearing::Listening),
            Err(_) => {
                self.changes.set_hearing(Hearing::Lost);
                tokio::time::sleep(RECONNECT_PAUSE).await;
            }
        }
    }
}
