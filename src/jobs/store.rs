//! SQL for the job queue. Claiming is the one dialect fork: PostgreSQL adds
//! `FOR UPDATE SKIP LOCKED` so concurrent workers never wait on or double-claim a row; SQLite's
//! single writer makes the same `UPDATE … RETURNING` atomic as it is.

use sqlx::FromRow;

use crate::db::{Db, Pool, Timestamp, Tx};
use crate::{with_db, with_tx};

#[derive(Debug, Clone, FromRow)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

pub async fn enqueue(
    tx: &mut Tx,
    kind: &str,
    payload: &str,
    run_at: Timestamp,
    dedupe_key: Option<&str>,
    now: Timestamp,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO jobs (kind, payload, run_at, dedupe_key, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedupe_key) DO UPDATE SET kind = excluded.kind, \
         payload = excluded.payload, run_at = excluded.run_at, attempts = 0, done_at = NULL, \
         last_error = NULL";
    with_tx!(tx, c => sqlx::query(SQL).bind(kind).bind(payload).bind(run_at).bind(dedupe_key)
        .bind(now).execute(c).await.map(|_| ()))
}

/// Cancels a pending job by its dedupe key (an unscheduled article, say).
pub async fn cancel(tx: &mut Tx, dedupe_key: &str, now: Timestamp) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE jobs SET done_at = $1, last_error = 'cancelled' \
         WHERE dedupe_key = $2 AND done_at IS NULL";
    with_tx!(tx, c => sqlx::query(SQL).bind(now).bind(dedupe_key).execute(c).await.map(|_| ()))
}

pub async fn claim(
    db: &Db,
    worker: &str,
    now: Timestamp,
    lease_until: Timestamp,
) -> sqlx::Result<Option<ClaimedJob>> {
    const SQLITE: &str = "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $3 \
         AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at, id LIMIT 1) \
         RETURNING id, kind, payload, attempts";
    const POSTGRES: &str = "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $3 \
         AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at, id LIMIT 1 \
         FOR UPDATE SKIP LOCKED) \
         RETURNING id, kind, payload, attempts";
    match &db.pool {
        Pool::Sqlite(p) => {
            sqlx::query_as(SQLITE)
                .bind(lease_until)
                .bind(worker)
                .bind(now)
                .fetch_optional(p)
                .await
        }
        Pool::Postgres(p) => {
            sqlx::query_as(POSTGRES)
                .bind(lease_until)
                .bind(worker)
                .bind(now)
                .fetch_optional(p)
                .await
        }
    }
}

pub async fn complete(db: &Db, id: i64, now: Timestamp) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE jobs SET done_at = $1, locked_until = NULL WHERE id = $2";
    with_db!(db, p => sqlx::query(SQL).bind(now).bind(id).execute(p).await.map(|_| ()))
}

/// Puts a job that has more to do back in the queue for `at`, with a fresh count of attempts.
pub async fn reschedule(db: &Db, id: i64, at: Timestamp) -> sqlx::Result<()> {
    const SQL: &str =
        "UPDATE jobs SET run_at = $1, locked_until = NULL, attempts = 0 WHERE id = $2";
    with_db!(db, p => sqlx::query(SQL).bind(at).bind(id).execute(p).await.map(|_| ()))
}

/// Records a failure and either retries at `retry_at` or, with `None`, gives up.
pub async fn fail(
    db: &Db,
    id: i64,
    error: &str,
    retry_at: Option<Timestamp>,
    now: Timestamp,
) -> sqlx::Result<()> {
    const RETRY: &str =
        "UPDATE jobs SET last_error = $1, locked_until = NULL, run_at = $2 WHERE id = $3";
    const GIVE_UP: &str =
        "UPDATE jobs SET last_error = $1, locked_until = NULL, done_at = $2 WHERE id = $3";
    let (sql, at) = match retry_at {
        Some(at) => (RETRY, at),
        None => (GIVE_UP, now),
    };
    with_db!(db, p => sqlx::query(sql).bind(error).bind(at).bind(id).execute(p).await.map(|_| ()))
}

pub async fn pending(db: &Db, kind: &str) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND done_at IS NULL";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(kind).fetch_one(p).await)
}

/// Workers holding an unexpired claim on a job.
pub async fn claiming_workers(db: &Db, now: Timestamp) -> sqlx::Result<Vec<String>> {
    const SQL: &str = "SELECT DISTINCT locked_by FROM jobs \
         WHERE done_at IS NULL AND locked_until >= $1 AND locked_by IS NOT NULL";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(now).fetch_all(p).await)
}

/// Ends `worker`'s claims on unfinished jobs, so any worker may take them now.
pub async fn release(db: &Db, worker: &str) -> sqlx::Result<u64> {
    const SQL: &str =
        "UPDATE jobs SET locked_until = NULL WHERE locked_by = $1 AND done_at IS NULL";
    with_db!(db, p => sqlx::query(SQL).bind(worker).execute(p).await.map(|r| r.rows_affected()))
}

/// Jobs not done, those of them due by `now`, and the run time of the oldest due one.
pub async fn health(db: &Db, now: Timestamp) -> sqlx::Result<(i64, i64, Option<Timestamp>)> {
    const SQL: &str = "SELECT COUNT(*), \
         COALESCE(SUM(CASE WHEN run_at <= $1 THEN 1 ELSE 0 END), 0), \
         MIN(CASE WHEN run_at <= $1 THEN run_at END) \
         FROM jobs WHERE done_at IS NULL";
    with_db!(db, p => sqlx::query_as(SQL).bind(now).fetch_one(p).await)
}

/// Deletes jobs that finished before `before`.
pub async fn forget_done(db: &Db, before: Timestamp) -> sqlx::Result<u64> {
    with_db!(db, p => sqlx::query("DELETE FROM jobs WHERE done_at IS NOT NULL AND done_at < $1")
        .bind(before).execute(p).await.map(|r| r.rows_affected()))
}
