//! Articles as the editor and the workflow change them: their stored fields, links to tags,
//! authors and media, redirects, the admin list, and deletion.

use sqlx::{AssertSqlSafe, FromRow};

use crate::db::{Db, Keyed, Timestamp, Tx, placeholders, with_id};
use crate::{with_db, with_tx};

pub async fn count_articles(db: &Db) -> sqlx::Result<i64> {
    with_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM articles").fetch_one(p).await)
}

/// The stored columns of an article, as the service has validated and rendered them.
pub struct ArticleFields<'a> {
    pub section_id: i64,
    pub slug: &'a str,
    pub headline: &'a str,
    pub standfirst: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
    pub lead_media_id: Option<i64>,
    pub lead_alt: &'a str,
    pub lead_caption: &'a str,
    pub lead_credit: &'a str,
    pub status: &'a str,
    pub published_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub comments_open: bool,
    pub newsletter_topic: Option<&'a str>,
    pub seo_title: &'a str,
    pub seo_description: &'a str,
}

pub async fn insert_article(
    tx: &mut Tx,
    f: &ArticleFields<'_>,
    created_at: Timestamp,
    created_by: Option<i64>,
    id: Option<i64>,
) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO articles (section_id, slug, headline, standfirst, body, \
         body_html, body_schema, lead_media_id, lead_alt, lead_caption, lead_credit, status, published_at, \
         updated_at, comments_open, newsletter_topic, seo_title, seo_description, created_at, \
         created_by) VALUES ($1, $2, $3, $4, $5, $6, $20, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16, $17, $18, $19) RETURNING id";
    let sql = with_id(SQL, id, 21);
    let made = with_tx!(tx, c => {
        let q = sqlx::query_scalar(AssertSqlSafe(sql.as_ref()))
        .bind(f.section_id).bind(f.slug).bind(f.headline).bind(f.standfirst).bind(f.body)
        .bind(f.body_html).bind(f.lead_media_id).bind(f.lead_alt).bind(f.lead_caption)
        .bind(f.lead_credit).bind(f.status).bind(f.published_at).bind(f.updated_at)
        .bind(f.comments_open).bind(f.newsletter_topic).bind(f.seo_title).bind(f.seo_description)
        .bind(created_at).bind(created_by).bind(crate::articles::body::SCHEMA);
        (match id {
            Some(id) => q.bind(id),
            None => q,
        }).fetch_one(c).await
    })?;
    tx.keep_ids_ahead(Keyed::Articles, id).await?;
    Ok(made)
}

pub async fn update_article(tx: &mut Tx, id: i64, f: &ArticleFields<'_>) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE articles SET section_id = $1, slug = $2, headline = $3, \
         standfirst = $4, body = $5, body_html = $6, body_schema = $19, lead_media_id = $7, lead_alt = $8, \
         lead_caption = $9, lead_credit = $10, status = $11, published_at = $12, \
         updated_at = $13, comments_open = $14, newsletter_topic = $15, seo_title = $16, \
         seo_description = $17 WHERE id = $18";
    with_tx!(tx, c => sqlx::query(SQL)
        .bind(f.section_id).bind(f.slug).bind(f.headline).bind(f.standfirst).bind(f.body)
        .bind(f.body_html).bind(f.lead_media_id).bind(f.lead_alt).bind(f.lead_caption)
        .bind(f.lead_credit).bind(f.status).bind(f.published_at).bind(f.updated_at)
        .bind(f.comments_open).bind(f.newsletter_topic).bind(f.seo_title).bind(f.seo_description)
        .bind(id).bind(crate::articles::body::SCHEMA)
        .execute(c).await.map(|r| r.rows_affected()))
}

/// Up to `limit` articles whose body is in a document model older than `schema`, in the order
/// of the `body_schema` index: ordered by id alone, SQLite read the whole archive at every start
/// to find that none was left.
pub async fn legacy_bodies(db: &Db, schema: i64, limit: i64) -> sqlx::Result<Vec<(i64, String)>> {
    const SQL: &str =
        "SELECT id, body FROM articles WHERE body_schema < $1 ORDER BY body_schema, id LIMIT $2";
    with_db!(db, p => sqlx::query_as(SQL).bind(schema).bind(limit).fetch_all(p).await)
}

/// Stores a converted body, unless another node converted it first; returns whether it did.
pub async fn upgrade_body(
    tx: &mut Tx,
    id: i64,
    body: &str,
    body_html: &str,
    schema: i64,
) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE articles SET body = $1, body_html = $2, body_schema = $3 \
         WHERE id = $4 AND body_schema < $3";
    with_tx!(tx, c => sqlx::query(SQL).bind(body).bind(body_html).bind(schema).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn replace_links(
    tx: &mut Tx,
    article_id: i64,
    tag_ids: &[i64],
    author_ids: &[i64],
) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        sqlx::query("DELETE FROM article_tags WHERE article_id = $1")
            .bind(article_id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM article_authors WHERE article_id = $1")
            .bind(article_id).execute(&mut *c).await?;
        for (position, tag_id) in (0_i64..).zip(tag_ids) {
            sqlx::query("INSERT INTO article_tags (article_id, tag_id, position) VALUES ($1, $2, $3)")
                .bind(article_id).bind(tag_id).bind(position).execute(&mut *c).await?;
        }
        for (position, author_id) in (0_i64..).zip(author_ids) {
            sqlx::query(
                "INSERT INTO article_authors (article_id, author_id, position) VALUES ($1, $2, $3)",
            )
            .bind(article_id).bind(author_id).bind(position).execute(&mut *c).await?;
        }
        Ok(())
    })
}

/// Which of `ids` are articles.
pub async fn existing_ids_in(tx: &mut Tx, ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM articles WHERE id IN ({})",
        placeholders(1, ids.len())
    );
    with_tx!(tx, c => {
        let mut q = sqlx::query_scalar(AssertSqlSafe(sql.as_str()));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(c).await
    })
}

pub async fn replace_related(tx: &mut Tx, article_id: i64, related: &[i64]) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        sqlx::query("DELETE FROM article_related WHERE article_id = $1")
            .bind(article_id).execute(&mut *c).await?;
        for (position, related_id) in (0_i64..).zip(related) {
            sqlx::query(
                "INSERT INTO article_related (article_id, related_id, position) VALUES ($1, $2, $3)",
            )
            .bind(article_id).bind(related_id).bind(position).execute(&mut *c).await?;
        }
        Ok(())
    })
}

/// Where an article lives: its section's slug, its slug and its publication time.
pub struct Location {
    pub section_slug: String,
    pub slug: String,
    pub published_at: Option<Timestamp>,
}

/// Where an article lives, read inside the transaction that changes it.
pub async fn location_in(tx: &mut Tx, id: i64) -> sqlx::Result<Location> {
    const SQL: &str = "SELECT s.slug, a.slug, a.published_at FROM articles a \
         JOIN sections s ON s.id = a.section_id WHERE a.id = $1";
    let (section_slug, slug, published_at): (String, String, Option<Timestamp>) =
        with_tx!(tx, c => sqlx::query_as(SQL).bind(id).fetch_one(c).await)?;
    Ok(Location {
        section_slug,
        slug,
        published_at,
    })
}

/// Where an article is listed: its status and time, its section and the section's parent, its
/// tags and authors. `None` for an article that does not exist (any more).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub status: String,
    pub published_at: Option<Timestamp>,
    pub section_id: i64,
    pub parent_section_id: Option<i64>,
    pub tag_ids: Vec<i64>,
    pub author_ids: Vec<i64>,
}

pub async fn placement_in(tx: &mut Tx, id: i64) -> sqlx::Result<Option<Placement>> {
    const ROW: &str = "SELECT a.status, a.published_at, a.section_id, s.parent_id FROM articles a \
         JOIN sections s ON s.id = a.section_id WHERE a.id = $1";
    const TAGS: &str = "SELECT tag_id FROM article_tags WHERE article_id = $1 ORDER BY tag_id";
    const AUTHORS: &str =
        "SELECT author_id FROM article_authors WHERE article_id = $1 ORDER BY author_id";
    with_tx!(tx, c => {
        let row: Option<(String, Option<Timestamp>, i64, Option<i64>)> =
            sqlx::query_as(ROW).bind(id).fetch_optional(&mut *c).await?;
        let Some((status, published_at, section_id, parent_section_id)) = row else {
            return Ok(None);
        };
        let tag_ids = sqlx::query_scalar(TAGS).bind(id).fetch_all(&mut *c).await?;
        let author_ids = sqlx::query_scalar(AUTHORS).bind(id).fetch_all(&mut *c).await?;
        Ok(Some(Placement {
            status,
            published_at,
            section_id,
            parent_section_id,
            tag_ids,
            author_ids,
        }))
    })
}

/// Records the library items an article's body shows, replacing what it showed before.
pub async fn replace_media(tx: &mut Tx, article_id: i64, media_ids: &[i64]) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        sqlx::query("DELETE FROM article_media WHERE article_id = $1")
            .bind(article_id).execute(&mut *c).await?;
        for media_id in media_ids {
            sqlx::query("INSERT INTO article_media (article_id, media_id) VALUES ($1, $2)")
                .bind(article_id).bind(media_id).execute(&mut *c).await?;
        }
        Ok(())
    })
}

/// Up to `limit` articles after `after_id`, by id, with their bodies.
pub async fn bodies_after(db: &Db, after_id: i64, limit: i64) -> sqlx::Result<Vec<(i64, String)>> {
    const SQL: &str = "SELECT id, body FROM articles WHERE id > $1 ORDER BY id LIMIT $2";
    with_db!(db, p => sqlx::query_as(SQL).bind(after_id).bind(limit).fetch_all(p).await)
}

pub async fn insert_redirect(
    tx: &mut Tx,
    path: &str,
    article_id: i64,
    at: Timestamp,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO article_redirects (path, article_id, created_at) \
         VALUES ($1, $2, $3) ON CONFLICT (path) DO UPDATE SET article_id = $2, created_at = $3";
    with_tx!(tx, c => sqlx::query(SQL).bind(path).bind(article_id).bind(at)
        .execute(c).await.map(|_| ()))
}

/// Drops a redirect that would shadow an article now living at that path again.
pub async fn delete_redirect(tx: &mut Tx, path: &str) -> sqlx::Result<()> {
    with_tx!(tx, c => sqlx::query("DELETE FROM article_redirects WHERE path = $1")
        .bind(path).execute(c).await.map(|_| ()))
}

/// Removes every article, tag, author and section, for `demo --force`.
pub async fn delete_all(tx: &mut Tx) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        for sql in [
            "DELETE FROM article_redirects",
            "DELETE FROM article_tags",
            "DELETE FROM article_authors",
            "DELETE FROM article_related",
            "DELETE FROM articles",
            "DELETE FROM tags",
            "DELETE FROM authors",
            "DELETE FROM sections WHERE parent_id IS NOT NULL",
            "DELETE FROM sections",
        ] {
            sqlx::query(sql).execute(&mut *c).await?;
        }
        Ok(())
    })
}

/// The editable form of an article, as stored.
#[derive(Debug, Clone, FromRow)]
pub struct EditRow {
    pub section_id: i64,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body: String,
    pub lead_media_id: Option<i64>,
    pub lead_alt: String,
    pub lead_caption: String,
    pub lead_credit: String,
    pub status: String,
    pub published_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub comments_open: bool,
    pub newsletter_topic: Option<String>,
    pub seo_title: String,
    pub seo_description: String,
    pub created_by: Option<i64>,
}

pub async fn edit_row(db: &Db, id: i64) -> sqlx::Result<Option<EditRow>> {
    const SQL: &str = "SELECT section_id, slug, headline, standfirst, body, lead_media_id, \
         lead_alt, lead_caption, lead_credit, status, published_at, updated_at, comments_open, \
         newsletter_topic, seo_title, seo_description, created_by FROM articles WHERE id = $1";
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn edit_row_in(tx: &mut Tx, id: i64) -> sqlx::Result<Option<EditRow>> {
    const SQL: &str = "SELECT section_id, slug, headline, standfirst, body, lead_media_id, \
         lead_alt, lead_caption, lead_credit, status, published_at, updated_at, comments_open, \
         newsletter_topic, seo_title, seo_description, created_by FROM articles WHERE id = $1";
    with_tx!(tx, c => sqlx::query_as(SQL).bind(id).fetch_optional(c).await)
}

pub async fn link_ids(db: &Db, article_id: i64) -> sqlx::Result<(Vec<i64>, Vec<i64>)> {
    const TAGS: &str = "SELECT tag_id FROM article_tags WHERE article_id = $1 ORDER BY position";
    const AUTHORS: &str =
        "SELECT author_id FROM article_authors WHERE article_id = $1 ORDER BY position";
    with_db!(db, p => {
        let tags = sqlx::query_scalar(TAGS).bind(article_id).fetch_all(p).await?;
        let authors = sqlx::query_scalar(AUTHORS).bind(article_id).fetch_all(p).await?;
        Ok((tags, authors))
    })
}

/// Flips a scheduled article to published once its time has come; returns whether it did.
pub async fn publish_if_due(tx: &mut Tx, id: i64, now: Timestamp) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE articles SET status = 'published' \
         WHERE id = $1 AND status = 'scheduled' AND published_at <= $2";
    with_tx!(tx, c => sqlx::query(SQL).bind(id).bind(now).execute(c).await
        .map(|r| r.rows_affected() > 0))
}

#[derive(Debug, Clone, FromRow)]
pub struct AdminRow {
    pub id: i64,
    pub headline: String,
    pub status: String,
    pub published_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub section_name: String,
    pub section_slug: String,
    pub slug: String,
    pub created_by: Option<i64>,
}

/// The admin list's filters: each is a bound parameter that, when NULL, filters nothing.
macro_rules! admin_filtered {
    ($select:literal, $tail:literal) => {
        concat!(
            $select,
            "WHERE ($1 IS NULL OR a.status = $1) \
         AND ($2 IS NULL OR a.section_id = $2 OR a.section_id IN (SELECT id FROM sections WHERE parent_id = $2)) \
         AND ($3 IS NULL OR a.id IN (SELECT article_id FROM article_tags WHERE tag_id = $3)) \
         AND ($4 IS NULL OR a.id IN (SELECT article_id FROM article_authors WHERE author_id = $4)) \
         AND ($5 IS NULL OR a.created_by = $5) \
         AND ($6 IS NULL OR lower(a.headline) LIKE $6)",
            $tail
        )
    };
}

/// Filters of the admin's article list; every value is bound, never spliced.
#[derive(Debug, Clone, Default)]
pub struct AdminFilter {
    pub status: Option<String>,
    pub section_id: Option<i64>,
    pub tag_id: Option<i64>,
    pub author_id: Option<i64>,
    pub created_by: Option<i64>,
    pub headline: Option<String>,
}

pub async fn admin_rows(
    db: &Db,
    f: &AdminFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<AdminRow>> {
    const SQL: &str = admin_filtered!(
        "SELECT a.id, a.headline, a.status, a.published_at, a.updated_at, \
         s.name AS section_name, s.slug AS section_slug, a.slug, a.created_by \
         FROM articles a JOIN sections s ON s.id = a.section_id ",
        " ORDER BY a.updated_at DESC, a.id DESC LIMIT $7 OFFSET $8"
    );
    let pattern = f
        .headline
        .as_ref()
        .map(|h| format!("%{}%", h.to_lowercase()));
    with_db!(db, p => sqlx::query_as(SQL)
        .bind(f.status.as_deref()).bind(f.section_id).bind(f.tag_id).bind(f.author_id)
        .bind(f.created_by).bind(pattern.as_deref()).bind(limit).bind(offset)
        .fetch_all(p).await)
}

/// The admin list's rows of `ids`, in any order.
pub async fn admin_rows_by_ids(db: &Db, ids: &[i64]) -> sqlx::Result<Vec<AdminRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT a.id, a.headline, a.status, a.published_at, a.updated_at, \
         s.name AS section_name, s.slug AS section_slug, a.slug, a.created_by \
         FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.id IN ({})",
        placeholders(1, ids.len())
    );
    with_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })
}

pub async fn admin_count(db: &Db, f: &AdminFilter) -> sqlx::Result<i64> {
    const SQL: &str = admin_filtered!("SELECT COUNT(*) FROM articles a ", "");
    let pattern = f
        .headline
        .as_ref()
        .map(|h| format!("%{}%", h.to_lowercase()));
    with_db!(db, p => sqlx::query_scalar(SQL)
        .bind(f.status.as_deref()).bind(f.section_id).bind(f.tag_id).bind(f.author_id)
        .bind(f.created_by).bind(pattern.as_deref())
        .fetch_one(p).await)
}

pub async fn delete_article(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    with_tx!(tx, c => {
        sqlx::query("DELETE FROM revisions WHERE article_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM articles WHERE id = $1").bind(id).execute(&mut *c).await
            .map(|r| r.rows_affected())
    })
}

/// Whether another article of the section than `except` has the slug.
pub async fn slug_taken_in(
    tx: &mut Tx,
    section_id: i64,
    slug: &str,
    except: Option<i64>,
) -> sqlx::Result<bool> {
    const SQL: &str = "SELECT id FROM articles WHERE section_id = $1 AND slug = $2";
    let found: Option<i64> = with_tx!(tx, c => sqlx::query_scalar(SQL)
        .bind(section_id).bind(slug).fetch_optional(c).await)?;
    Ok(found.is_some_and(|id| Some(id) != except))
}

pub async fn body_of(db: &Db, id: i64) -> sqlx::Result<Option<String>> {
    with_db!(db, p => sqlx::query_scalar("SELECT body FROM articles WHERE id = $1")
        .bind(id).fetch_optional(p).await)
}

pub async fn set_body(tx: &mut Tx, id: i64, doc: &str, page: &str) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE articles SET body = $1, body_html = $2 WHERE id = $3";
    with_tx!(tx, c => sqlx::query(SQL).bind(doc).bind(page).bind(id)
        .execute(c).await.map(|_| ()))
}

pub async fn body_of_in(tx: &mut Tx, id: i64) -> sqlx::Result<Option<String>> {
    with_tx!(tx, c => sqlx::query_scalar("SELECT body FROM articles WHERE id = $1")
        .bind(id).fetch_optional(c).await)
}
