//! Sections, tags and author profiles: the rows the taxonomy service and every page's
//! navigation read, and their writes.

use sqlx::{AssertSqlSafe, FromRow};

use crate::db::{Db, Keyed, Timestamp, Tx, with_id};
use crate::{with_db, with_tx};

#[derive(Debug, Clone, FromRow)]
pub struct SectionRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub slug: String,
    pub description: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct TagRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

/// Author profiles with their portraits; the condition and order follow.
macro_rules! authors_where {
    ($rest:literal) => {
        concat!(
            "SELECT au.id, au.name, au.slug, au.bio, au.x_handle, m.id AS avatar_id, \
             m.path AS avatar_path FROM authors au LEFT JOIN media m ON m.id = au.avatar_media_id ",
            $rest
        )
    };
}
pub(super) use authors_where;

#[derive(Debug, Clone, FromRow)]
pub struct AuthorRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub bio: String,
    pub x_handle: String,
    pub avatar_id: Option<i64>,
    pub avatar_path: Option<String>,
}

pub async fn author_by_slug(db: &Db, slug: &str) -> sqlx::Result<Option<AuthorRow>> {
    const SQL: &str = authors_where!("WHERE au.slug = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(slug).fetch_optional(p).await)
}

pub async fn tag_by_slug(db: &Db, slug: &str) -> sqlx::Result<Option<TagRow>> {
    const SQL: &str = "SELECT id, name, slug FROM tags WHERE slug = $1";
    with_db!(db, p => sqlx::query_as(SQL).bind(slug).fetch_optional(p).await)
}

pub async fn tag_by_id(db: &Db, id: i64) -> sqlx::Result<Option<TagRow>> {
    const SQL: &str = "SELECT id, name, slug FROM tags WHERE id = $1";
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn sections(db: &Db) -> sqlx::Result<Vec<SectionRow>> {
    const SQL: &str = "SELECT id, parent_id, name, slug, description FROM sections \
         ORDER BY position, id";
    with_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

pub struct NewSection<'a> {
    pub parent_id: Option<i64>,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
    pub position: i64,
}

pub async fn insert_section(tx: &mut Tx, s: &NewSection<'_>, id: Option<i64>) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO sections (parent_id, name, slug, description, position) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id";
    let sql = with_id(SQL, id, 6);
    let made = with_tx!(tx, c => {
        let q = sqlx::query_scalar(AssertSqlSafe(sql.as_ref()))
            .bind(s.parent_id).bind(s.name).bind(s.slug).bind(s.description).bind(s.position);
        (match id {
            Some(id) => q.bind(id),
            None => q,
        }).fetch_one(c).await
    })?;
    tx.keep_ids_ahead(Keyed::Sections, id).await?;
    Ok(made)
}

pub async fn insert_tag(tx: &mut Tx, name: &str, slug: &str, id: Option<i64>) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO tags (name, slug) VALUES ($1, $2) RETURNING id";
    let sql = with_id(SQL, id, 3);
    let made = with_tx!(tx, c => {
        let q = sqlx::query_scalar(AssertSqlSafe(sql.as_ref())).bind(name).bind(slug);
        (match id {
            Some(id) => q.bind(id),
            None => q,
        }).fetch_one(c).await
    })?;
    tx.keep_ids_ahead(Keyed::Tags, id).await?;
    Ok(made)
}

/// An author profile as it is written.
pub struct NewAuthor<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub bio: &'a str,
    pub avatar_media_id: Option<i64>,
    pub x_handle: &'a str,
}

pub async fn insert_author(tx: &mut Tx, a: &NewAuthor<'_>, id: Option<i64>) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO authors (name, slug, bio, avatar_media_id, x_handle) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id";
    let sql = with_id(SQL, id, 6);
    let made = with_tx!(tx, c => {
        let q = sqlx::query_scalar(AssertSqlSafe(sql.as_ref()))
            .bind(a.name).bind(a.slug).bind(a.bio).bind(a.avatar_media_id).bind(a.x_handle);
        (match id {
            Some(id) => q.bind(id),
            None => q,
        }).fetch_one(c).await
    })?;
    tx.keep_ids_ahead(Keyed::Authors, id).await?;
    Ok(made)
}

pub async fn tags(db: &Db) -> sqlx::Result<Vec<TagRow>> {
    with_db!(db, p => sqlx::query_as("SELECT id, name, slug FROM tags ORDER BY lower(name)")
        .fetch_all(p).await)
}

pub async fn count_tags(db: &Db) -> sqlx::Result<i64> {
    with_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM tags").fetch_one(p).await)
}

pub async fn authors(db: &Db) -> sqlx::Result<Vec<AuthorRow>> {
    const SQL: &str = authors_where!("ORDER BY lower(au.name)");
    with_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

pub async fn tag_id_by_slug_in(tx: &mut Tx, slug: &str) -> sqlx::Result<Option<i64>> {
    with_tx!(tx, c => sqlx::query_scalar("SELECT id FROM tags WHERE slug = $1")
        .bind(slug).fetch_optional(c).await)
}

pub async fn update_section(tx: &mut Tx, id: i64, s: &NewSection<'_>) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE sections SET parent_id = $1, name = $2, slug = $3, description = $4, \
         position = $5 WHERE id = $6";
    with_tx!(tx, c => sqlx::query(SQL)
        .bind(s.parent_id).bind(s.name).bind(s.slug).bind(s.description).bind(s.position).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

/// Articles and sub-sections that keep a section from being deleted.
pub async fn section_contents(db: &Db, id: i64) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT (SELECT COUNT(*) FROM articles WHERE section_id = $1) \
         + (SELECT COUNT(*) FROM sections WHERE parent_id = $1)";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(id).fetch_one(p).await)
}

pub async fn delete_section(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    with_tx!(tx, c => sqlx::query("DELETE FROM sections WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
}

pub async fn rename_tag(tx: &mut Tx, id: i64, name: &str, slug: &str) -> sqlx::Result<u64> {
    with_tx!(tx, c => sqlx::query("UPDATE tags SET name = $1, slug = $2 WHERE id = $3")
        .bind(name).bind(slug).bind(id).execute(c).await.map(|r| r.rows_affected()))
}

pub async fn delete_tag(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    with_tx!(tx, c => sqlx::query("DELETE FROM tags WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
}

pub async fn update_author(tx: &mut Tx, id: i64, a: &NewAuthor<'_>) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE authors SET name = $1, slug = $2, bio = $3, avatar_media_id = $4, \
         x_handle = $5 WHERE id = $6";
    with_tx!(tx, c => sqlx::query(SQL)
        .bind(a.name).bind(a.slug).bind(a.bio).bind(a.avatar_media_id).bind(a.x_handle).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

/// The published articles of a section, with what their paths are made of.
pub async fn published_in_section(
    tx: &mut Tx,
    section_id: i64,
) -> sqlx::Result<Vec<(i64, String, Timestamp)>> {
    const SQL: &str = "SELECT id, slug, published_at FROM articles \
         WHERE section_id = $1 AND status = 'published' AND published_at IS NOT NULL";
    with_tx!(tx, c => sqlx::query_as(SQL).bind(section_id).fetch_all(c).await)
}

pub async fn delete_author(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    with_tx!(tx, c => sqlx::query("DELETE FROM authors WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
}

pub async fn author_avatar_id(db: &Db, id: i64) -> sqlx::Result<Option<i64>> {
    with_db!(db, p => sqlx::query_scalar("SELECT avatar_media_id FROM authors WHERE id = $1")
        .bind(id).fetch_optional(p).await)
    .map(Option::flatten)
}

pub async fn section_id_by_slug_in(tx: &mut Tx, slug: &str) -> sqlx::Result<Option<i64>> {
    with_tx!(tx, c => sqlx::query_scalar("SELECT id FROM sections WHERE slug = $1")
        .bind(slug).fetch_optional(c).await)
}

pub async fn author_id_by_slug_in(tx: &mut Tx, slug: &str) -> sqlx::Result<Option<i64>> {
    with_tx!(tx, c => sqlx::query_scalar("SELECT id FROM authors WHERE slug = $1")
        .bind(slug).fetch_optional(c).await)
}

pub async fn set_tag_description(tx: &mut Tx, id: i64, description: &str) -> sqlx::Result<()> {
    with_tx!(tx, c => sqlx::query("UPDATE tags SET description = $1 WHERE id = $2")
        .bind(description).bind(id).execute(c).await.map(|_| ()))
}

pub async fn section_slug_in(tx: &mut Tx, id: i64) -> sqlx::Result<String> {
    with_tx!(tx, c => sqlx::query_scalar("SELECT slug FROM sections WHERE id = $1")
        .bind(id).fetch_one(c).await)
}

pub async fn tag_descriptions(db: &Db) -> sqlx::Result<Vec<(i64, String)>> {
    with_db!(db, p => sqlx::query_as("SELECT id, description FROM tags WHERE description <> ''")
        .fetch_all(p).await)
}

pub async fn section_name_by_slug_in(tx: &mut Tx, slug: &str) -> sqlx::Result<Option<String>> {
    with_tx!(tx, c => sqlx::query_scalar("SELECT name FROM sections WHERE slug = $1")
        .bind(slug).fetch_optional(c).await)
}

pub async fn tag_description(db: &Db, id: i64) -> sqlx::Result<Option<String>> {
    with_db!(db, p => sqlx::query_scalar("SELECT description FROM tags WHERE id = $1")
        .bind(id).fetch_optional(p).await)
}
