//! What readers see: published articles, their cards in lists, their tags and bylines, and the
//! redirects that keep old paths alive.

use sqlx::{AssertSqlSafe, FromRow};

use super::taxonomy::{AuthorRow, TagRow, authors_where};
use crate::db::{Db, Timestamp, placeholders};
use crate::with_db;

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

/// The cards of the articles readers may see now (`$1` is the time): the query's condition
/// follows.
macro_rules! card_rows {
    () => {
        "SELECT a.id, a.slug, a.headline, a.standfirst, a.published_at, \
         s.slug AS section_slug, s.name AS section_name, a.lead_alt, \
         m.id AS lead_id, m.width AS lead_width, m.height AS lead_height, a.comment_count \
         FROM articles a JOIN sections s ON s.id = a.section_id \
         LEFT JOIN media m ON m.id = a.lead_media_id "
    };
}

macro_rules! published_cards {
    () => {
        concat!(
            card_rows!(),
            "WHERE a.status = 'published' AND a.published_at <= $1 AND "
        )
    };
}

macro_rules! cards_where {
    ($where:literal) => {
        concat!(
            published_cards!(),
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

/// The columns of [`ArticleRow`] and the joins they come from, for queries built at run time.
pub const ARTICLE_COLUMNS: &str = article_where!("");

/// Which published articles a list shows.
#[derive(Debug, Clone, Copy)]
pub enum Listing {
    All,
    WithLeadImage,
    Section(i64),
    /// A section's (and its subsections') articles that have a lead image.
    SectionWithLeadImage(i64),
    Tag(i64),
    Author(i64),
    Between(Timestamp, Timestamp),
    Related {
        section_id: i64,
        article_id: i64,
    },
}

impl Listing {
    fn cards_sql(self) -> &'static str {
        match self {
            Listing::All => cards_where!("TRUE"),
            Listing::WithLeadImage => cards_where!("a.lead_media_id IS NOT NULL"),
            Listing::Section(_) => cards_where!(
                "a.section_id IN (SELECT id FROM sections WHERE id = $4 OR parent_id = $4)"
            ),
            Listing::SectionWithLeadImage(_) => cards_where!(
                "a.lead_media_id IS NOT NULL AND \
                 a.section_id IN (SELECT id FROM sections WHERE id = $4 OR parent_id = $4)"
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
            Listing::SectionWithLeadImage(_) => count_where!(
                "a.lead_media_id IS NOT NULL AND \
                 a.section_id IN (SELECT id FROM sections WHERE id = $2 OR parent_id = $2)"
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
            Listing::Section(id)
            | Listing::SectionWithLeadImage(id)
            | Listing::Tag(id)
            | Listing::Author(id) => (Some(id), None),
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
    const SQL: &str = authors_where!(
        "JOIN article_authors aa ON aa.author_id = au.id WHERE aa.article_id = $1 \
         ORDER BY aa.position"
    );
    with_db!(db, p => sqlx::query_as(SQL).bind(article_id).fetch_all(p).await)
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

/// The cards of those of `ids` that readers may see now, in no particular order.
pub async fn cards_by_ids(db: &Db, now: Timestamp, ids: &[i64]) -> sqlx::Result<Vec<CardRow>> {
    visible_by_ids(
        db,
        concat!(card_rows!(), "WHERE a.id IN ({}) AND {visible}"),
        now,
        ids,
    )
    .await
}

/// A card joined with one of its bylines: a row per author (one with none for an article
/// without), in byline order.
#[derive(Debug, Clone, FromRow)]
pub struct BylinedCardRow {
    #[sqlx(flatten)]
    pub card: CardRow,
    pub author_name: Option<String>,
    pub author_slug: Option<String>,
}

/// The cards among `ids` readers may see at `now`, with their bylines, in one query: a results
/// page asks for both at once, and each query is a round trip to the database's thread.
pub async fn bylined_cards_by_ids(
    db: &Db,
    now: Timestamp,
    ids: &[i64],
) -> sqlx::Result<Vec<BylinedCardRow>> {
    const SQL: &str = "SELECT a.id, a.slug, a.headline, a.standfirst, a.published_at, \
         s.slug AS section_slug, s.name AS section_name, a.lead_alt, \
         m.id AS lead_id, m.width AS lead_width, m.height AS lead_height, a.comment_count, \
         au.name AS author_name, au.slug AS author_slug \
         FROM articles a JOIN sections s ON s.id = a.section_id \
         LEFT JOIN media m ON m.id = a.lead_media_id \
         LEFT JOIN article_authors aa ON aa.article_id = a.id \
         LEFT JOIN authors au ON au.id = aa.author_id \
         WHERE a.id IN ({}) AND {visible} ORDER BY a.id, aa.position";
    visible_by_ids(db, SQL, now, ids).await
}

/// Runs `sql` for the articles among `ids` readers may see at `now` (`$1`): `{}` becomes a
/// placeholder per id and `{visible}` the visibility test. The test sits inside a CASE so that
/// no index can serve it: SQLite would otherwise walk the (status, published_at) index through
/// the whole archive instead of looking the few ids up (25 ms rather than microseconds at
/// 100,000 articles).
async fn visible_by_ids<T>(db: &Db, sql: &str, now: Timestamp, ids: &[i64]) -> sqlx::Result<Vec<T>>
where
    T: Send
        + Unpin
        + for<'r> FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> FromRow<'r, sqlx::postgres::PgRow>,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sql.replace("{}", &placeholders(2, ids.len())).replace(
        "{visible}",
        "CASE WHEN a.status = 'published' AND a.published_at <= $1 THEN 1 ELSE 0 END = 1",
    );
    with_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(now);
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(p).await
    })
}

/// The stories published since `since` with the most approved comments, optionally within a
/// section (and its subsections); ties go to the newer story.
pub async fn most_commented(
    db: &Db,
    now: Timestamp,
    since: Timestamp,
    section_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<CardRow>> {
    const SQL: &str = concat!(
        published_cards!(),
        "a.published_at >= $2 AND a.comment_count > 0 AND ($3 IS NULL OR a.section_id IN \
         (SELECT id FROM sections WHERE id = $3 OR parent_id = $3)) \
         ORDER BY a.comment_count DESC, a.published_at DESC, a.id DESC LIMIT $4"
    );
    with_db!(db, p => {
        sqlx::query_as(SQL).bind(now).bind(since).bind(section_id).bind(limit).fetch_all(p).await
    })
}

/// Published stories whose headline contains `words` (any case), newest first: what an editor
/// picks from when placing stories on a front.
pub async fn find_published(
    db: &Db,
    now: Timestamp,
    words: &str,
    limit: i64,
) -> sqlx::Result<Vec<CardRow>> {
    const SQL: &str = concat!(
        published_cards!(),
        "LOWER(a.headline) LIKE $2 ESCAPE '\\' \
         ORDER BY a.published_at DESC, a.id DESC LIMIT $3"
    );
    let pattern = format!("%{}%", escape_like(&words.to_lowercase()));
    with_db!(db, p => sqlx::query_as(SQL).bind(now).bind(&pattern).bind(limit).fetch_all(p).await)
}

/// `text` with LIKE's wildcards taken literally.
pub(super) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
