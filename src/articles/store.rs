//! SQL for sections, tags, authors, articles and their redirects. Private to the articles room.
//!
//! Query texts are assembled with `concat!` from literals in this file only, so every statement
//! is a `&'static str` and every value is a bound parameter.

use sqlx::{AssertSqlSafe, FromRow};

use crate::db::{Db, Timestamp, Tx, placeholders};
use crate::{with_db, with_tx};

#[derive(Debug, Clone, FromRow)]
pub struct SectionRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub slug: String,
    pub description: String,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct TagRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct AuthorRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub bio: String,
    #[serde(skip)]
    pub avatar_id: Option<i64>,
    pub avatar_path: Option<String>,
}

/// What a list of articles shows of each one.
#[derive(Debug, Clone, FromRow)]
pub struct CardRow {
    pub id: i64,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub published_at: Option<Timestamp>,
    pub section_slug: String,
    pub section_name: String,
    pub lead_alt: String,
    pub lead_id: Option<i64>,
    pub lead_width: Option<i64>,
    pub lead_height: Option<i64>,
    pub comment_count: i64,
}

/// Everything the article page shows, joined with its section and lead image.
#[derive(Debug, Clone, FromRow)]
pub struct ArticleRow {
    pub id: i64,
    pub section_id: i64,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body_html: String,
    pub lead_alt: String,
    pub lead_caption: String,
    pub lead_credit: String,
    pub status: String,
    pub published_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub comments_open: bool,
    pub newsletter_topic: Option<String>,
    pub seo_title: String,
    pub seo_description: String,
    pub section_slug: String,
    pub section_name: String,
    pub lead_id: Option<i64>,
    pub lead_width: Option<i64>,
    pub lead_height: Option<i64>,
    pub comment_count: i64,
    pub created_by: Option<i64>,
}

macro_rules! cards_where {
    ($where:literal) => {
        concat!(
            "SELECT a.id, a.slug, a.headline, a.standfirst, a.published_at, \
             s.slug AS section_slug, s.name AS section_name, a.lead_alt, \
             m.id AS lead_id, m.width AS lead_width, m.height AS lead_height, a.comment_count \
             FROM articles a JOIN sections s ON s.id = a.section_id \
             LEFT JOIN media m ON m.id = a.lead_media_id \
             WHERE a.status = 'published' AND a.published_at <= $1 AND ",
            $where,
            " ORDER BY a.published_at DESC, a.id DESC LIMIT $2 OFFSET $3"
        )
    };
}

macro_rules! count_where {
    ($where:literal) => {
        concat!(
            "SELECT COUNT(*) FROM articles a \
             WHERE a.status = 'published' AND a.published_at <= $1 AND ",
            $where
        )
    };
}

macro_rules! article_where {
    ($where:literal) => {
        concat!(
            "SELECT a.id, a.section_id, a.slug, a.headline, a.standfirst, a.body_html, \
             a.lead_alt, a.lead_caption, a.lead_credit, a.status, a.published_at, a.created_at, \
             a.updated_at, a.comments_open, a.newsletter_topic, a.seo_title, a.seo_description, \
             s.slug AS section_slug, s.name AS section_name, \
             m.id AS lead_id, m.width AS lead_width, m.height AS lead_height, a.comment_count, \
             a.created_by \
             FROM articles a JOIN sections s ON s.id = a.section_id \
             LEFT JOIN media m ON m.id = a.lead_media_id ",
            $where
        )
    };
}

/// Which published articles a list shows.
#[derive(Debug, Clone, Copy)]
pub enum Listing {
    All,
    WithLeadImage,
    Section(i64),
    Tag(i64),
    Author(i64),
    Between(Timestamp, Timestamp),
    Related { section_id: i64, article_id: i64 },
}

impl Listing {
    fn cards_sql(self) -> &'static str {
        match self {
            Listing::All => cards_where!("TRUE"),
            Listing::WithLeadImage => cards_where!("a.lead_media_id IS NOT NULL"),
            Listing::Section(_) => cards_where!(
                "a.section_id IN (SELECT id FROM sections WHERE id = $4 OR parent_id = $4)"
            ),
            Listing::Tag(_) => {
                cards_where!("a.id IN (SELECT article_id FROM article_tags WHERE tag_id = $4)")
            }
            Listing::Author(_) => cards_where!(
                "a.id IN (SELECT article_id FROM article_authors WHERE author_id = $4)"
            ),
            Listing::Between(..) => cards_where!("a.published_at >= $4 AND a.published_at < $5"),
            Listing::Related { .. } => cards_where!("a.section_id = $4 AND a.id <> $5"),
        }
    }

    fn count_sql(self) -> &'static str {
        match self {
            Listing::All | Listing::Related { .. } => count_where!("TRUE"),
            Listing::WithLeadImage => count_where!("a.lead_media_id IS NOT NULL"),
            Listing::Section(_) => count_where!(
                "a.section_id IN (SELECT id FROM sections WHERE id = $2 OR parent_id = $2)"
            ),
            Listing::Tag(_) => {
                count_where!("a.id IN (SELECT article_id FROM article_tags WHERE tag_id = $2)")
            }
            Listing::Author(_) => count_where!(
                "a.id IN (SELECT article_id FROM article_authors WHERE author_id = $2)"
            ),
            Listing::Between(..) => count_where!("a.published_at >= $2 AND a.published_at < $3"),
        }
    }

    /// The values bound after the common ones, in placeholder order.
    fn extra_binds(self) -> (Option<i64>, Option<i64>) {
        match self {
            Listing::All | Listing::WithLeadImage => (None, None),
            Listing::Section(id) | Listing::Tag(id) | Listing::Author(id) => (Some(id), None),
            Listing::Between(from, to) => (Some(from.micros()), Some(to.micros())),
            Listing::Related {
                section_id,
                article_id,
            } => (Some(section_id), Some(article_id)),
        }
    }
}

pub async fn cards(
    db: &Db,
    now: Timestamp,
    listing: Listing,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<CardRow>> {
    let (first, second) = listing.extra_binds();
    with_db!(db, p => {
        let mut q = sqlx::query_as(listing.cards_sql()).bind(now).bind(limit).bind(offset);
        if let Some(v) = first {
            q = q.bind(v);
        }
        if let Some(v) = second {
            q = q.bind(v);
        }
        q.fetch_all(p).await
    })
}

pub async fn count(db: &Db, now: Timestamp, listing: Listing) -> sqlx::Result<i64> {
    let (first, second) = match listing {
        Listing::Related { .. } => (None, None),
        other => other.extra_binds(),
    };
    with_db!(db, p => {
        let mut q = sqlx::query_scalar(listing.count_sql()).bind(now);
        if let Some(v) = first {
            q = q.bind(v);
        }
        if let Some(v) = second {
            q = q.bind(v);
        }
        q.fetch_one(p).await
    })
}

pub async fn article_by_slug(
    db: &Db,
    section_slug: &str,
    slug: &str,
) -> sqlx::Result<Option<ArticleRow>> {
    const SQL: &str = article_where!("WHERE s.slug = $1 AND a.slug = $2");
    with_db!(db, p => sqlx::query_as(SQL).bind(section_slug).bind(slug).fetch_optional(p).await)
}

pub async fn article_by_id(db: &Db, id: i64) -> sqlx::Result<Option<ArticleRow>> {
    const SQL: &str = article_where!("WHERE a.id = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn tags_of(db: &Db, article_id: i64) -> sqlx::Result<Vec<TagRow>> {
    const SQL: &str = "SELECT t.id, t.name, t.slug FROM tags t \
         JOIN article_tags at ON at.tag_id = t.id WHERE at.article_id = $1 ORDER BY at.position";
    with_db!(db, p => sqlx::query_as(SQL).bind(article_id).fetch_all(p).await)
}

pub async fn authors_of(db: &Db, article_id: i64) -> sqlx::Result<Vec<AuthorRow>> {
    const SQL: &str = "SELECT au.id, au.name, au.slug, au.bio, m.id AS avatar_id, m.path AS avatar_path \
         FROM authors au LEFT JOIN media m ON m.id = au.avatar_media_id \
         JOIN article_authors aa ON aa.author_id = au.id \
         WHERE aa.article_id = $1 ORDER BY aa.position";
    with_db!(db, p => sqlx::query_as(SQL).bind(article_id).fetch_all(p).await)
}

pub async fn author_by_slug(db: &Db, slug: &str) -> sqlx::Result<Option<AuthorRow>> {
    const SQL: &str = "SELECT au.id, au.name, au.slug, au.bio, m.id AS avatar_id, m.path AS avatar_path \
         FROM authors au LEFT JOIN media m ON m.id = au.avatar_media_id WHERE au.slug = $1";
    with_db!(db, p => sqlx::query_as(SQL).bind(slug).fetch_optional(p).await)
}

pub async fn tag_by_slug(db: &Db, slug: &str) -> sqlx::Result<Option<TagRow>> {
    const SQL: &str = "SELECT id, name, slug FROM tags WHERE slug = $1";
    with_db!(db, p => sqlx::query_as(SQL).bind(slug).fetch_optional(p).await)
}

pub async fn sections(db: &Db) -> sqlx::Result<Vec<SectionRow>> {
    const SQL: &str = "SELECT id, parent_id, name, slug, description FROM sections \
         ORDER BY position, id";
    with_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

pub async fn redirect_target(db: &Db, path: &str) -> sqlx::Result<Option<i64>> {
    const SQL: &str = "SELECT article_id FROM article_redirects WHERE path = $1";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(path).fetch_optional(p).await)
}

pub async fn next_publication_after(db: &Db, now: Timestamp) -> sqlx::Result<Option<Timestamp>> {
    const SQL: &str =
        "SELECT MIN(published_at) FROM articles WHERE status = 'published' AND published_at > $1";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(now).fetch_one(p).await)
}

pub async fn count_articles(db: &Db) -> sqlx::Result<i64> {
    with_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM articles").fetch_one(p).await)
}

pub struct NewSection<'a> {
    pub parent_id: Option<i64>,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
    pub position: i64,
}

pub async fn insert_section(tx: &mut Tx, s: &NewSection<'_>) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO sections (parent_id, name, slug, description, position) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL)
        .bind(s.parent_id).bind(s.name).bind(s.slug).bind(s.description).bind(s.position)
        .fetch_one(c).await)
}

pub async fn insert_tag(tx: &mut Tx, name: &str, slug: &str) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO tags (name, slug) VALUES ($1, $2) RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL).bind(name).bind(slug).fetch_one(c).await)
}

pub async fn insert_author(
    tx: &mut Tx,
    name: &str,
    slug: &str,
    bio: &str,
    avatar_media_id: Option<i64>,
) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO authors (name, slug, bio, avatar_media_id) \
         VALUES ($1, $2, $3, $4) RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL)
        .bind(name).bind(slug).bind(bio).bind(avatar_media_id)
        .fetch_one(c).await)
}

/// The stored columns of an article, as the service has validated and rendered them.
pub struct ArticleFields<'a> {
    pub section_id: i64,
    pub slug: &'a str,
    pub headline: &'a str,
    pub standfirst: &'a str,
    pub body_md: &'a str,
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
) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO articles (section_id, slug, headline, standfirst, body_md, \
         body_html, lead_media_id, lead_alt, lead_caption, lead_credit, status, published_at, \
         updated_at, comments_open, newsletter_topic, seo_title, seo_description, created_at, \
         created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, $18, $19) RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL)
        .bind(f.section_id).bind(f.slug).bind(f.headline).bind(f.standfirst).bind(f.body_md)
        .bind(f.body_html).bind(f.lead_media_id).bind(f.lead_alt).bind(f.lead_caption)
        .bind(f.lead_credit).bind(f.status).bind(f.published_at).bind(f.updated_at)
        .bind(f.comments_open).bind(f.newsletter_topic).bind(f.seo_title).bind(f.seo_description)
        .bind(created_at).bind(created_by)
        .fetch_one(c).await)
}

pub async fn update_article(tx: &mut Tx, id: i64, f: &ArticleFields<'_>) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE articles SET section_id = $1, slug = $2, headline = $3, \
         standfirst = $4, body_md = $5, body_html = $6, lead_media_id = $7, lead_alt = $8, \
         lead_caption = $9, lead_credit = $10, status = $11, published_at = $12, \
         updated_at = $13, comments_open = $14, newsletter_topic = $15, seo_title = $16, \
         seo_description = $17 WHERE id = $18";
    with_tx!(tx, c => sqlx::query(SQL)
        .bind(f.section_id).bind(f.slug).bind(f.headline).bind(f.standfirst).bind(f.body_md)
        .bind(f.body_html).bind(f.lead_media_id).bind(f.lead_alt).bind(f.lead_caption)
        .bind(f.lead_credit).bind(f.status).bind(f.published_at).bind(f.updated_at)
        .bind(f.comments_open).bind(f.newsletter_topic).bind(f.seo_title).bind(f.seo_description)
        .bind(id)
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

/// Up to `limit` articles after `after_id`, by id, with their body HTML.
pub async fn bodies_after(db: &Db, after_id: i64, limit: i64) -> sqlx::Result<Vec<(i64, String)>> {
    const SQL: &str = "SELECT id, body_html FROM articles WHERE id > $1 ORDER BY id LIMIT $2";
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
    pub body_md: String,
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
    const SQL: &str = "SELECT section_id, slug, headline, standfirst, body_md, lead_media_id, \
         lead_alt, lead_caption, lead_credit, status, published_at, updated_at, comments_open, \
         newsletter_topic, seo_title, seo_description, created_by FROM articles WHERE id = $1";
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn edit_row_in(tx: &mut Tx, id: i64) -> sqlx::Result<Option<EditRow>> {
    const SQL: &str = "SELECT section_id, slug, headline, standfirst, body_md, lead_media_id, \
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

pub async fn tags(db: &Db) -> sqlx::Result<Vec<TagRow>> {
    with_db!(db, p => sqlx::query_as("SELECT id, name, slug FROM tags ORDER BY lower(name)")
        .fetch_all(p).await)
}

pub async fn authors(db: &Db) -> sqlx::Result<Vec<AuthorRow>> {
    const SQL: &str = "SELECT au.id, au.name, au.slug, au.bio, m.id AS avatar_id, m.path AS avatar_path \
         FROM authors au LEFT JOIN media m ON m.id = au.avatar_media_id ORDER BY lower(au.name)";
    with_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

pub async fn tag_id_by_slug_in(tx: &mut Tx, slug: &str) -> sqlx::Result<Option<i64>> {
    with_tx!(tx, c => sqlx::query_scalar("SELECT id FROM tags WHERE slug = $1")
        .bind(slug).fetch_optional(c).await)
}

pub async fn insert_revision(
    tx: &mut Tx,
    article_id: i64,
    user_id: Option<i64>,
    at: Timestamp,
    headline: &str,
    snapshot: &str,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO revisions (article_id, user_id, created_at, headline, snapshot) \
         VALUES ($1, $2, $3, $4, $5)";
    with_tx!(tx, c => sqlx::query(SQL).bind(article_id).bind(user_id).bind(at).bind(headline)
        .bind(snapshot).execute(c).await.map(|_| ()))
}

#[derive(Debug, Clone, FromRow)]
pub struct RevisionRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub created_at: Timestamp,
    pub headline: String,
    pub snapshot: String,
}

pub async fn revisions(db: &Db, article_id: i64) -> sqlx::Result<Vec<RevisionRow>> {
    const SQL: &str = "SELECT id, user_id, created_at, headline, snapshot FROM revisions \
         WHERE article_id = $1 ORDER BY created_at DESC, id DESC";
    with_db!(db, p => sqlx::query_as(SQL).bind(article_id).fetch_all(p).await)
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

pub async fn update_author(
    tx: &mut Tx,
    id: i64,
    name: &str,
    slug: &str,
    bio: &str,
    avatar_media_id: Option<i64>,
) -> sqlx::Result<u64> {
    const SQL: &str =
        "UPDATE authors SET name = $1, slug = $2, bio = $3, avatar_media_id = $4 WHERE id = $5";
    with_tx!(tx, c => sqlx::query(SQL).bind(name).bind(slug).bind(bio).bind(avatar_media_id).bind(id)
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

pub async fn delete_article(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    with_tx!(tx, c => {
        sqlx::query("DELETE FROM revisions WHERE article_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM articles WHERE id = $1").bind(id).execute(&mut *c).await
            .map(|r| r.rows_affected())
    })
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

pub async fn put_autosave(
    db: &Db,
    article_id: i64,
    user_id: i64,
    at: Timestamp,
    fields: &str,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO autosaves (article_id, user_id, saved_at, fields) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (article_id, user_id) \
         DO UPDATE SET saved_at = excluded.saved_at, fields = excluded.fields";
    with_db!(db, p => sqlx::query(SQL).bind(article_id).bind(user_id).bind(at).bind(fields)
        .execute(p).await.map(|_| ()))
}

pub async fn autosave(
    db: &Db,
    article_id: i64,
    user_id: i64,
) -> sqlx::Result<Option<(Timestamp, String)>> {
    const SQL: &str =
        "SELECT saved_at, fields FROM autosaves WHERE article_id = $1 AND user_id = $2";
    with_db!(db, p => sqlx::query_as(SQL).bind(article_id).bind(user_id).fetch_optional(p).await)
}

pub async fn delete_autosave(db: &Db, article_id: i64, user_id: i64) -> sqlx::Result<()> {
    with_db!(db, p => sqlx::query("DELETE FROM autosaves WHERE article_id = $1 AND user_id = $2")
        .bind(article_id).bind(user_id).execute(p).await.map(|_| ()))
}

/// Keeps the approved-comment count that lists show; the comments room recounts in its own
/// transaction and records the figure here.
pub async fn set_comment_count(tx: &mut Tx, id: i64, count: i64) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE articles SET comment_count = $1 WHERE id = $2";
    with_tx!(tx, c => sqlx::query(SQL).bind(count).bind(id).execute(c).await.map(|_| ()))
}

/// The articles a person created or carries a byline on through their author profile.
pub async fn owned_ids(db: &Db, user_id: i64, author_id: Option<i64>) -> sqlx::Result<Vec<i64>> {
    const SQL: &str = "SELECT id FROM articles WHERE created_by = $1 \
         UNION SELECT article_id FROM article_authors WHERE author_id = $2 ORDER BY 1";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(user_id).bind(author_id).fetch_all(p).await)
}

/// Ids of articles published in `[from, until)` in any of `sections` (or their children) or
/// with any of `tags`, newest first.
pub async fn published_in_sources(
    db: &Db,
    from: Timestamp,
    until: Timestamp,
    sections: &[i64],
    tags: &[i64],
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    if sections.is_empty() && tags.is_empty() {
        return Ok(Vec::new());
    }
    let mut sources = Vec::new();
    if !sections.is_empty() {
        let list = placeholders(4, sections.len());
        sources.push(format!(
            "a.section_id IN (SELECT id FROM sections WHERE id IN ({list}) OR parent_id IN ({list}))"
        ));
    }
    if !tags.is_empty() {
        let list = placeholders(4 + sections.len(), tags.len());
        sources.push(format!(
            "a.id IN (SELECT article_id FROM article_tags WHERE tag_id IN ({list}))"
        ));
    }
    let sql = format!(
        "SELECT a.id FROM articles a WHERE a.status = 'published' AND a.published_at >= $1 \
         AND a.published_at < $2 AND ({}) ORDER BY a.published_at DESC, a.id DESC LIMIT $3",
        sources.join(" OR ")
    );
    with_db!(db, p => {
        let mut q = sqlx::query_scalar(AssertSqlSafe(sql.as_str())).bind(from).bind(until).bind(limit);
        for id in sections.iter().chain(tags) {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })
}

/// The cards of the given published articles, in no particular order.
pub async fn cards_by_ids(db: &Db, ids: &[i64]) -> sqlx::Result<Vec<CardRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT a.id, a.slug, a.headline, a.standfirst, a.published_at, \
         s.slug AS section_slug, s.name AS section_name, a.lead_alt, \
         m.id AS lead_id, m.width AS lead_width, m.height AS lead_height, a.comment_count \
         FROM articles a JOIN sections s ON s.id = a.section_id \
         LEFT JOIN media m ON m.id = a.lead_media_id \
         WHERE a.status = 'published' AND a.id IN ({})",
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
