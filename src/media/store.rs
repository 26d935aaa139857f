//! SQL for media items. Private to the media room.

use sqlx::{AssertSqlSafe, FromRow};

use crate::db::{Db, Timestamp, Tx, placeholders};
use crate::{with_db, with_tx};

pub struct NewMedia<'a> {
    pub sha256: &'a str,
    pub path: &'a str,
    pub content_type: &'a str,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub alt: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
    pub created_at: Timestamp,
}

/// Inserts a media item, or returns the existing one with the same content; text given for a
/// file the library already holds fills only what the item lacks, so an upload without text
/// cannot wipe a colleague's alt text and caption.
pub async fn upsert(tx: &mut Tx, m: &NewMedia<'_>) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO media (sha256, path, content_type, width, height, bytes, alt, \
         caption, credit, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (sha256) DO UPDATE SET \
         alt = CASE WHEN media.alt = '' THEN excluded.alt ELSE media.alt END, \
         caption = CASE WHEN media.caption = '' THEN excluded.caption ELSE media.caption END, \
         credit = CASE WHEN media.credit = '' THEN excluded.credit ELSE media.credit END \
         RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL)
        .bind(m.sha256).bind(m.path).bind(m.content_type).bind(m.width).bind(m.height)
        .bind(m.bytes).bind(m.alt).bind(m.caption).bind(m.credit).bind(m.created_at)
        .fetch_one(c).await)
}

/// Deletes media that no article (as its lead image or in its body), page or author uses.
pub async fn delete_unused(tx: &mut Tx) -> sqlx::Result<u64> {
    const SQL: &str = "DELETE FROM media WHERE id NOT IN \
         (SELECT lead_media_id FROM articles WHERE lead_media_id IS NOT NULL) \
         AND id NOT IN (SELECT avatar_media_id FROM authors WHERE avatar_media_id IS NOT NULL) \
         AND id NOT IN (SELECT media_id FROM article_media) \
         AND id NOT IN (SELECT media_id FROM page_media)";
    with_tx!(tx, c => sqlx::query(SQL).execute(c).await.map(|r| r.rows_affected()))
}

#[derive(Debug, Clone, FromRow)]
pub struct MediaRow {
    pub id: i64,
    pub path: String,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub focal_x: i64,
    pub focal_y: i64,
    pub created_at: Timestamp,
    pub uploaded_by: Option<i64>,
}

macro_rules! media_where {
    ($tail:literal) => {
        concat!(
            "SELECT id, path, content_type, width, height, bytes, alt, caption, credit, focal_x, \
             focal_y, created_at, uploaded_by FROM media ",
            $tail
        )
    };
}

/// The library, newest first, optionally only items whose text mentions `search`.
pub async fn library(
    db: &Db,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<MediaRow>> {
    const SQL: &str = media_where!(
        "WHERE ($1 IS NULL OR lower(alt || ' ' || caption || ' ' || credit) LIKE $1) \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    let pattern = search.map(|s| format!("%{}%", s.to_lowercase()));
    with_db!(db, p => sqlx::query_as(SQL).bind(pattern.as_deref()).bind(limit).bind(offset)
        .fetch_all(p).await)
}

pub async fn count(db: &Db, search: Option<&str>) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM media \
         WHERE ($1 IS NULL OR lower(alt || ' ' || caption || ' ' || credit) LIKE $1)";
    let pattern = search.map(|s| format!("%{}%", s.to_lowercase()));
    with_db!(db, p => sqlx::query_scalar(SQL).bind(pattern.as_deref()).fetch_one(p).await)
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<MediaRow>> {
    const SQL: &str = media_where!("WHERE id = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub struct MediaText<'a> {
    pub alt: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
    pub focal_x: i64,
    pub focal_y: i64,
}

pub async fn update_text(tx: &mut Tx, id: i64, t: &MediaText<'_>) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE media SET alt = $1, caption = $2, credit = $3, focal_x = $4, \
         focal_y = $5 WHERE id = $6";
    with_tx!(tx, c => sqlx::query(SQL).bind(t.alt).bind(t.caption).bind(t.credit)
        .bind(t.focal_x).bind(t.focal_y).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn set_uploader(tx: &mut Tx, id: i64, user_id: Option<i64>) -> sqlx::Result<()> {
    with_tx!(tx, c => sqlx::query("UPDATE media SET uploaded_by = $1 WHERE id = $2 AND uploaded_by IS NULL")
        .bind(user_id).bind(id).execute(c).await.map(|_| ()))
}

/// How many articles (as lead image or in the body) and author profiles use an item.
pub async fn uses(db: &Db, id: i64) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT (SELECT COUNT(*) FROM articles WHERE lead_media_id = $1) \
         + (SELECT COUNT(*) FROM article_media WHERE media_id = $1) \
         + (SELECT COUNT(*) FROM page_media WHERE media_id = $1) \
         + (SELECT COUNT(*) FROM authors WHERE avatar_media_id = $1)";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(id).fetch_one(p).await)
}

/// Values bound to one `IN` list at most.
const IN_CHUNK: usize = 500;

/// The ids of the items stored at `paths`, inside the caller's transaction.
pub async fn ids_at_paths(tx: &mut Tx, paths: &[String]) -> sqlx::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(paths.len());
    for chunk in paths.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT id FROM media WHERE path IN ({})",
            placeholders(1, chunk.len())
        );
        let found: Vec<i64> = with_tx!(tx, c => {
            let mut q = sqlx::query_scalar(AssertSqlSafe(sql.as_str()));
            for path in chunk {
                q = q.bind(path);
            }
            q.fetch_all(c).await
        })?;
        ids.extend(found);
    }
    Ok(ids)
}

/// Which of `ids` are library items, with their width and height, inside the caller's
/// transaction.
pub async fn dimensions(tx: &mut Tx, ids: &[i64]) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT id, width, height FROM media WHERE id IN ({})",
            placeholders(1, chunk.len())
        );
        let present: Vec<(i64, i64, i64)> = with_tx!(tx, c => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
            for id in chunk {
                q = q.bind(id);
            }
            q.fetch_all(c).await
        })?;
        found.extend(present);
    }
    Ok(found)
}

pub async fn delete(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    with_tx!(tx, c => sqlx::query("DELETE FROM media WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
}

/// The next `limit` items after id `after`, by id: for reading the whole library in batches.
pub async fn after(db: &Db, after: i64, limit: i64) -> sqlx::Result<Vec<MediaRow>> {
    const SQL: &str = media_where!("WHERE id > $1 ORDER BY id LIMIT $2");
    with_db!(db, p => sqlx::query_as(SQL).bind(after).bind(limit).fetch_all(p).await)
}

/// Whether the item `m` may be seen by anyone at `$1`: a published article's lead image or body,
/// or a published page's body (whose time has come), an author's portrait, the site's logo.
/// Asked per item, so that a page of items costs what its size costs (each step has an index).
macro_rules! is_public {
    () => {
        "(EXISTS (SELECT 1 FROM articles a WHERE a.lead_media_id = m.id \
            AND a.status = 'published' AND a.published_at <= $1) \
         OR EXISTS (SELECT 1 FROM article_media am JOIN articles a ON a.id = am.article_id \
            WHERE am.media_id = m.id AND a.status = 'published' AND a.published_at <= $1) \
         OR EXISTS (SELECT 1 FROM page_media pm JOIN pages pg ON pg.id = pm.page_id \
            WHERE pm.media_id = m.id AND pg.status IN ('published', 'scheduled') \
            AND pg.published_at <= $1) \
         OR EXISTS (SELECT 1 FROM authors au WHERE au.avatar_media_id = m.id) \
         OR EXISTS (SELECT 1 FROM settings s WHERE s.key = 'logo_path' AND s.value = m.path))"
    };
}

/// Whether anyone may see the item `id` at `now` (the condition above).
pub async fn is_public(db: &Db, id: i64, now: Timestamp) -> sqlx::Result<bool> {
    const SQL: &str = concat!(
        "SELECT COUNT(*) FROM media m WHERE m.id = $2 AND ",
        is_public!()
    );
    let found: i64 =
        with_db!(db, p => sqlx::query_scalar(SQL).bind(now).bind(id).fetch_one(p).await)?;
    Ok(found > 0)
}

/// Which public items a list shows: those of `ids` when given, shown by the article `shown_by`
/// when given, of one content type when given.
#[derive(Debug, Clone, Default)]
pub struct PublicMedia {
    pub ids: Option<Vec<i64>>,
    pub exclude: Vec<i64>,
    pub shown_by: Option<i64>,
    pub content_type: Option<String>,
}

/// The `WHERE` clause of a public list and its id list values, numbered from `$4` (`$1` is the
/// time, `$2` the article, `$3` the content type).
fn public_media_where(filter: &PublicMedia) -> (String, Vec<i64>) {
    let mut sql = String::from(concat!(
        is_public!(),
        " AND ($2 IS NULL OR m.id IN (SELECT lead_media_id FROM articles WHERE id = $2 \
         AND lead_media_id IS NOT NULL UNION SELECT media_id FROM article_media \
         WHERE article_id = $2)) AND ($3 IS NULL OR m.content_type = $3)"
    ));
    let mut binds = Vec::new();
    if let Some(ids) = &filter.ids {
        binds.extend_from_slice(ids);
        let marks = if ids.is_empty() {
            "NULL".to_string()
        } else {
            placeholders(4, ids.len())
        };
        sql.push_str(&format!(" AND m.id IN ({marks})"));
    }
    if !filter.exclude.is_empty() {
        let marks = placeholders(4 + binds.len(), filter.exclude.len());
        binds.extend_from_slice(&filter.exclude);
        sql.push_str(&format!(" AND m.id NOT IN ({marks})"));
    }
    (sql, binds)
}

pub async fn public_page(
    db: &Db,
    now: Timestamp,
    filter: &PublicMedia,
    newest_first: bool,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<MediaRow>> {
    let (clause, binds) = public_media_where(filter);
    let dir = if newest_first { "DESC" } else { "ASC" };
    let n = binds.len();
    let sql = format!(
        "{} m WHERE {clause} ORDER BY m.created_at {dir}, m.id {dir} LIMIT ${} OFFSET ${}",
        media_where!(""),
        n + 4,
        n + 5
    );
    with_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(now).bind(filter.shown_by).bind(filter.content_type.as_deref());
        for v in &binds {
            q = q.bind(*v);
        }
        q.bind(limit).bind(offset).fetch_all(p).await
    })
}

pub async fn public_count(db: &Db, now: Timestamp, filter: &PublicMedia) -> sqlx::Result<i64> {
    let (clause, binds) = public_media_where(filter);
    let sql = format!("SELECT COUNT(*) FROM media m WHERE {clause}");
    with_db!(db, p => {
        let mut q = sqlx::query_scalar(AssertSqlSafe(sql.as_str()))
            .bind(now).bind(filter.shown_by).bind(filter.content_type.as_deref());
        for v in &binds {
            q = q.bind(*v);
        }
        q.fetch_one(p).await
    })
}

/// For each of `ids`, the first published article that leads with it, as WordPress's parent.
pub async fn lead_of(db: &Db, now: Timestamp, ids: &[i64]) -> sqlx::Result<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT lead_media_id, MIN(id) FROM articles WHERE status = 'published' \
         AND published_at <= $1 AND lead_media_id IN ({}) GROUP BY lead_media_id",
        placeholders(2, ids.len())
    );
    with_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(now);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })
}
