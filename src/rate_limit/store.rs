//! SQL for the rate limits' attempts. Private to this module.

use crate::db::{Db, Timestamp, Tx};
use crate::{with_db, with_tx};

pub async fn record(tx: &mut Tx, scopes: &[&str], at: Timestamp) -> sqlx::Result<Vec<i64>> {
    const SQL: &str = "INSERT INTO rate_events (scope, at) VALUES ($1, $2) RETURNING id";
    let mut ids = Vec::with_capacity(scopes.len());
    for scope in scopes {
        ids.push(
            with_tx!(tx, c => sqlx::query_scalar(SQL).bind(scope).bind(at)
            .fetch_one(c).await)?,
        );
    }
    Ok(ids)
}

pub async fn count_since(db: &Db, scope: &str, since: Timestamp) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM rate_events WHERE scope = $1 AND at > $2";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(scope).bind(since).fetch_one(p).await)
}

pub async fn forget(db: &Db, ids: &[i64]) -> sqlx::Result<()> {
    for id in ids {
        with_db!(db, p => sqlx::query("DELETE FROM rate_events WHERE id = $1")
            .bind(id).execute(p).await.map(|_| ()))?;
    }
    Ok(())
}

pub async fn forget_all(db: &Db, scope: &str) -> sqlx::Result<()> {
    with_db!(db, p => sqlx::query("DELETE FROM rate_events WHERE scope = $1")
        .bind(scope).execute(p).await.map(|_| ()))
}

pub async fn forget_before(db: &Db, before: Timestamp) -> sqlx::Result<()> {
    with_db!(db, p => sqlx::query("DELETE FROM rate_events WHERE at < $1")
        .bind(before).execute(p).await.map(|_| ()))
}
