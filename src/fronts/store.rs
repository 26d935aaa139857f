//! SQL for the fronts room: published layouts (kept as revisions) and the desk's drafts.

use sqlx::FromRow;

use crate::db::{Db, Timestamp, Tx};
use crate::{with_db, with_tx};

#[derive(Debug, Clone, FromRow)]
pub struct LayoutRow {
    pub id: i64,
    pub layout: String,
    pub starts_at: Timestamp,
    pub created_by: Option<i64>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, FromRow)]
pub struct DraftRow {
    pub layout: String,
    pub version: i64,
    pub updated_by: Option<i64>,
    pub updated_at: Timestamp,
}

macro_rules! layouts_where {
    ($where:literal) => {
        concat!(
            "SELECT id, layout, starts_at, created_by, created_at FROM front_layouts WHERE ",
            $where
        )
    };
}

pub async fn in_force(db: &Db, front: &str, now: Timestamp) -> sqlx::Result<Option<LayoutRow>> {
    const SQL: &str =
        layouts_where!("front = $1 AND starts_at <= $2 ORDER BY starts_at DESC, id DESC LIMIT 1");
    with_db!(db, p => sqlx::query_as(SQL).bind(front).bind(now).fetch_optional(p).await)
}

/// A front's published layouts, the latest to take effect first.
pub async fn revisions(db: &Db, front: &str, limit: i64) -> sqlx::Result<Vec<LayoutRow>> {
    const SQL: &str = layouts_where!("front = $1 ORDER BY starts_at DESC, id DESC LIMIT $2");
    with_db!(db, p => sqlx::query_as(SQL).bind(front).bind(limit).fetch_all(p).await)
}

pub async fn revision(db: &Db, front: &str, id: i64) -> sqlx::Result<Option<LayoutRow>> {
    const SQL: &str = layouts_where!("front = $1 AND id = $2");
    with_db!(db, p => sqlx::query_as(SQL).bind(front).bind(id).fetch_optional(p).await)
}

pub async fn insert_layout(
    tx: &mut Tx,
    front: &str,
    layout: &str,
    starts_at: Timestamp,
    by: Option<i64>,
    now: Timestamp,
) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO front_layouts (front, layout, starts_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id";
    with_tx!(tx, c => {
        sqlx::query_scalar(SQL)
            .bind(front)
            .bind(layout)
            .bind(starts_at)
            .bind(by)
            .bind(now)
            .fetch_one(c)
            .await
    })
}

/// Deletes a layout that has not taken effect yet; false when there is none such.
pub async fn delete_scheduled(db: &Db, front: &str, id: i64, now: Timestamp) -> sqlx::Result<bool> {
    const SQL: &str = "DELETE FROM front_layouts WHERE front = $1 AND id = $2 AND starts_at > $3";
    let deleted = with_db!(db, p => {
        sqlx::query(SQL).bind(front).bind(id).bind(now).execute(p).await.map(|r| r.rows_affected())
    })?;
    Ok(deleted == 1)
}

/// The earliest time after `now` at which any front's layout changes by itself.
pub async fn next_start_after(db: &Db, now: Timestamp) -> sqlx::Result<Option<Timestamp>> {
    const SQL: &str = "SELECT MIN(starts_at) FROM front_layouts WHERE starts_at > $1";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(now).fetch_one(p).await)
}

pub async fn draft(db: &Db, front: &str) -> sqlx::Result<Option<DraftRow>> {
    const SQL: &str =
        "SELECT layout, version, updated_by, updated_at FROM front_drafts WHERE front = $1";
    with_db!(db, p => sqlx::query_as(SQL).bind(front).fetch_optional(p).await)
}

/// Saves the draft if it is still the one its editor saw (`seen`: its version, `None` when there
/// was none); false when someone else saved one in between.
pub async fn save_draft(
    db: &Db,
    front: &str,
    layout: &str,
    by: i64,
    now: Timestamp,
    seen: Option<i64>,
) -> sqlx::Result<bool> {
    const SQL: &str = "INSERT INTO front_drafts (front, layout, version, updated_by, updated_at) \
         VALUES ($1, $2, 1, $3, $4) ON CONFLICT (front) DO UPDATE SET layout = excluded.layout, \
         version = front_drafts.version + 1, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at WHERE front_drafts.version = $5";
    let saved = with_db!(db, p => {
        sqlx::query(SQL)
            .bind(front)
            .bind(layout)
            .bind(by)
            .bind(now)
            .bind(seen)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(saved == 1)
}

pub async fn delete_draft_in(tx: &mut Tx, front: &str) -> sqlx::Result<()> {
    const SQL: &str = "DELETE FROM front_drafts WHERE front = $1";
    with_tx!(tx, c => sqlx::query(SQL).bind(front).execute(c).await.map(|_| ()))
}

/// Whether a front has any published layout, inside the caller's transaction.
pub async fn has_layouts_in(tx: &mut Tx, front: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = with_tx!(tx, c => sqlx::query_scalar(
        "SELECT id FROM front_layouts WHERE front = $1 LIMIT 1").bind(front).fetch_optional(c).await)?;
    Ok(found.is_some())
}
