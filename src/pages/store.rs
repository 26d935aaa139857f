//! Pages and their revisions.

use sqlx::FromRow;

use sqlx::AssertSqlSafe;

use crate::db::{Db, Keyed, Timestamp, Tx, with_id};
use crate::{with_db, with_tx};

#[derive(Debug, Clone, FromRow)]
pub struct PageRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub parent_slug: Option<String>,
    pub slug: String,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub status: String,
    pub published_at: Option<Timestamp>,
    pub seo_title: String,
    pub seo_description: String,
    pub created_by: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! pages_where {
    ($tail:literal) => {
        concat!(
            "SELECT p.id, p.parent_id, parent.slug AS parent_slug, p.slug, p.title, p.body, \
             p.body_html, p.status, p.published_at, p.seo_title, p.seo_description, \
             p.created_by, p.created_at, p.updated_at FROM pages p \
             LEFT JOIN pages parent ON parent.id = p.parent_id ",
            $tail
        )
    };
}

/// The stored columns of a page, as the service has validated and rendered them.
pub struct PageFields<'a> {
    pub parent_id: Option<i64>,
    pub slug: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
    pub status: &'a str,
    pub published_at: Option<Timestamp>,
    pub seo_title: &'a str,
    pub seo_description: &'a str,
}

pub async fn insert(
    tx: &mut Tx,
    f: &PageFields<'_>,
    by: Option<i64>,
    now: Timestamp,
    id: Option<i64>,
) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO pages (parent_id, slug, title, body, body_html, status, \
         published_at, seo_title, seo_description, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id";
    let sql = with_id(SQL, id, 12);
    let made = with_tx!(tx, c => {
        let q = sqlx::query_scalar(AssertSqlSafe(sql.as_ref()))
            .bind(f.parent_id).bind(f.slug).bind(f.title).bind(f.body).bind(f.body_html)
            .bind(f.status).bind(f.published_at).bind(f.seo_title).bind(f.seo_description)
            .bind(by).bind(now);
        (match id {
            Some(id) => q.bind(id),
            None => q,
        }).fetch_one(c).await
    })?;
    tx.keep_ids_ahead(Keyed::Pages, id).await?;
    Ok(made)
}

pub async fn update(tx: &mut Tx, id: i64, f: &PageFields<'_>, now: Timestamp) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE pages SET parent_id = $1, slug = $2, title = $3, body = $4, \
         body_html = $5, status = $6, published_at = $7, seo_title = $8, seo_description = $9, \
         updated_at = $10 WHERE id = $11";
    with_tx!(tx, c => sqlx::query(SQL)
        .bind(f.parent_id).bind(f.slug).bind(f.title).bind(f.body).bind(f.body_html)
        .bind(f.status).bind(f.published_at).bind(f.seo_title).bind(f.seo_description)
        .bind(now).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

/// Records the library items a page's body shows, replacing what it showed before.
pub async fn replace_media(tx: &mut Tx, page_id: i64, media_ids: &[i64]) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        sqlx::query("DELETE FROM page_media WHERE page_id = $1")
            .bind(page_id).execute(&mut *c).await?;
        for media_id in media_ids {
            sqlx::query("INSERT INTO page_media (page_id, media_id) VALUES ($1, $2)")
                .bind(page_id).bind(media_id).execute(&mut *c).await?;
        }
        Ok(())
    })
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<PageRow>> {
    const SQL: &str = pages_where!("WHERE p.id = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn by_id_in(tx: &mut Tx, id: i64) -> sqlx::Result<Option<PageRow>> {
    const SQL: &str = pages_where!("WHERE p.id = $1");
    with_tx!(tx, c => sqlx::query_as(SQL).bind(id).fetch_optional(c).await)
}

/// The page at a path: a top-level slug, or a parent's slug and a child's.
pub async fn by_path(db: &Db, parent: Option<&str>, slug: &str) -> sqlx::Result<Option<PageRow>> {
    match parent {
        None => {
            const SQL: &str = pages_where!("WHERE p.parent_id IS NULL AND p.slug = $1");
            with_db!(db, p => sqlx::query_as(SQL).bind(slug).fetch_optional(p).await)
        }
        Some(parent) => {
            const SQL: &str = pages_where!("WHERE parent.slug = $1 AND p.slug = $2");
            with_db!(db, p => sqlx::query_as(SQL).bind(parent).bind(slug).fetch_optional(p).await)
        }
    }
}

/// Whether another page than `except` has the slug under the parent.
pub async fn path_taken_in(
    tx: &mut Tx,
    parent_id: Option<i64>,
    slug: &str,
    except: Option<i64>,
) -> sqlx::Result<bool> {
    const SQL: &str = "SELECT id FROM pages WHERE COALESCE(parent_id, 0) = $1 AND slug = $2";
    let found: Option<i64> = with_tx!(tx, c => sqlx::query_scalar(SQL)
        .bind(parent_id.unwrap_or(0)).bind(slug).fetch_optional(c).await)?;
    Ok(found.is_some_and(|id| Some(id) != except))
}

pub async fn has_children_in(tx: &mut Tx, id: i64) -> sqlx::Result<bool> {
    let found: Option<i64> = with_tx!(tx, c => sqlx::query_scalar(
        "SELECT id FROM pages WHERE parent_id = $1 LIMIT 1").bind(id).fetch_optional(c).await)?;
    Ok(found.is_some())
}

/// Every page, parents before their children, by title.
pub async fn all(db: &Db) -> sqlx::Result<Vec<PageRow>> {
    const SQL: &str = pages_where!(
        "ORDER BY lower(COALESCE(parent.title, p.title)), p.parent_id IS NOT NULL, lower(p.title)"
    );
    with_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

pub async fn insert_revision(
    tx: &mut Tx,
    page_id: i64,
    by: Option<i64>,
    at: Timestamp,
    title: &str,
    snapshot: &str,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO page_revisions (page_id, user_id, created_at, title, snapshot) \
         VALUES ($1, $2, $3, $4, $5)";
    with_tx!(tx, c => sqlx::query(SQL).bind(page_id).bind(by).bind(at).bind(title).bind(snapshot)
        .execute(c).await.map(|_| ()))
}

#[derive(Debug, Clone, FromRow)]
pub struct RevisionRow {
    pub id: i64,
    pub page_id: i64,
    pub created_at: Timestamp,
    pub title: String,
    pub snapshot: String,
    pub author: Option<String>,
}

pub async fn revisions(db: &Db, page_id: i64) -> sqlx::Result<Vec<RevisionRow>> {
    const SQL: &str = "SELECT r.id, r.page_id, r.created_at, r.title, r.snapshot, u.name AS author \
         FROM page_revisions r LEFT JOIN users u ON u.id = r.user_id \
         WHERE r.page_id = $1 ORDER BY r.created_at DESC, r.id DESC";
    with_db!(db, p => sqlx::query_as(SQL).bind(page_id).fetch_all(p).await)
}

pub async fn delete(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    with_tx!(tx, c => sqlx::query("DELETE FROM pages WHERE id = $1").bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn delete_all(tx: &mut Tx) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        sqlx::query("DELETE FROM pages WHERE parent_id IS NOT NULL").execute(&mut *c).await?;
        sqlx::query("DELETE FROM pages").execute(&mut *c).await?;
        Ok(())
    })
}
