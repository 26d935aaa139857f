//! The rules of articles, sections, tags and authors: validation, URLs, redirects after a move,
//! and the reads behind every public page. Services take only the database and "now", never
//! HTTP types, so the CLI, jobs and tests call them directly.

use chrono::{Datelike, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::markdown;
use super::slug;
use super::store::{self, ArticleFields, AuthorRow, CardRow, Listing, SectionRow, TagRow};
use crate::clock::Clock;
use crate::db::{Db, Timestamp, Tx};
use crate::error::{AppError, AppResult, FieldError};
use crate::jobs;

pub use store::{ArticleRow, NewSection};

/// How many articles a section front, tag, author or archive page lists.
pub const PAGE_SIZE: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    /// Submitted for review by a contributor.
    Review,
    Scheduled,
    Published,
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => Status::Draft,
            "review" => Status::Review,
            "scheduled" => Status::Scheduled,
            "published" => Status::Published,
            "archived" => Status::Archived,
            _ => return None,
        })
    }
}

/// What an editor (or the demo generator, or an importer) gives to create or change an article.
/// It is also the snapshot a revision keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleInput {
    pub section_id: i64,
    /// Empty means "derive from the headline".
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body_markdown: String,
    pub lead_media_id: Option<i64>,
    pub lead_alt: String,
    pub lead_caption: String,
    pub lead_credit: String,
    pub status: Status,
    pub published_at: Option<Timestamp>,
    pub comments_open: bool,
    pub newsletter_topic: Option<String>,
    pub seo_title: String,
    pub seo_description: String,
    pub tag_ids: Vec<i64>,
    pub author_ids: Vec<i64>,
    /// The account that created the article; its "own" article for authors and contributors.
    #[serde(default)]
    pub created_by: Option<i64>,
}

impl ArticleInput {
    fn validate(&mut self, now: Timestamp) -> AppResult<()> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: &str| {
            errors.push(FieldError {
                field: field.into(),
                message: message.into(),
            })
        };
        self.headline = self.headline.trim().to_string();
        if self.headline.is_empty() || self.headline.chars().count() > 300 {
            fail("headline", "write a headline of 1 to 300 characters");
        }
        if self.slug.is_empty() {
            self.slug = slug::slugify(&self.headline);
        }
        if !slug::is_valid(&self.slug) {
            fail(
                "slug",
                "use lowercase letters, digits and single hyphens, at most 80 characters",
            );
        }
        if self.standfirst.chars().count() > 1000 {
            fail("standfirst", "keep the standfirst under 1,000 characters");
        }
        if self.body_markdown.len() > 1_000_000 {
            fail("body", "the body is larger than 1 MB");
        }
        if self.lead_media_id.is_some() && self.lead_alt.trim().is_empty() {
            fail(
                "lead_alt",
                "describe the lead image for readers who cannot see it",
            );
        }
        match self.status {
            Status::Published | Status::Archived => {
                self.published_at.get_or_insert(now);
            }
            Status::Scheduled if self.published_at.is_none() => {
                fail(
                    "published_at",
                    "a scheduled article needs a publication time",
                );
            }
            _ => {}
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }
}

/// The public path of an article: `/{section}/{yyyy}/{mm}/{slug}`, the month in the site's zone.
pub fn article_path(section_slug: &str, published_at: Timestamp, slug: &str, tz: Tz) -> String {
    let local = published_at.to_datetime().with_timezone(&tz);
    format!(
        "/{section_slug}/{:04}/{:02}/{slug}",
        local.year(),
        local.month()
    )
}

/// Creates an article inside the caller's transaction (the demo loader and importers batch many).
pub async fn create_article_in(
    tx: &mut Tx,
    now: Timestamp,
    mut input: ArticleInput,
) -> AppResult<i64> {
    input.validate(now)?;
    let body_html = markdown::render(&input.body_markdown);
    // An article entered after its publication time (a backdated story, an import) has not been
    // "updated" for readers: its last change is its publication.
    let updated_at = input.published_at.filter(|p| *p < now).unwrap_or(now);
    let id = store::insert_article(
        tx,
        &fields(&input, &body_html, updated_at),
        now,
        input.created_by,
    )
    .await
    .map_err(slug_conflict)?;
    store::replace_links(tx, id, &input.tag_ids, &input.author_ids).await?;
    after_save(tx, id, &input, input.created_by, now).await?;
    Ok(id)
}

/// What every save does besides the row itself, in the same transaction: keep a revision,
/// (re)schedule or cancel the publication job, and tell caches that content changed.
async fn after_save(
    tx: &mut Tx,
    id: i64,
    input: &ArticleInput,
    by: Option<i64>,
    now: Timestamp,
) -> AppResult<()> {
    let snapshot = serde_json::to_string(input).map_err(anyhow::Error::from)?;
    store::insert_revision(tx, id, by, now, &input.headline, &snapshot).await?;
    let key = format!("publish:{id}");
    match (input.status, input.published_at) {
        (Status::Scheduled, Some(at)) => {
            let job = jobs::Job::PublishArticle { article_id: id };
            jobs::enqueue_in(tx, &job, at, Some(&key), now).await?;
        }
        _ => jobs::cancel_in(tx, &key, now).await?,
    }
    tx.bump_content_version().await?;
    Ok(())
}

pub async fn create_article(db: &Db, clock: &Clock, input: ArticleInput) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = create_article_in(&mut tx, clock.now(), input).await?;
    tx.commit().await?;
    db.content_changed();
    Ok(id)
}

/// Who saves, and which version they edited: a save based on an older version than the stored
/// one is refused, so when two people edit one article the second cannot overwrite the first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Edit {
    pub by: Option<i64>,
    pub expected_version: Option<Timestamp>,
}

/// Saves changes to an article. When a published article's public path changes (new slug,
/// section or date) the old path is kept as a redirect, so links in the wild keep working.
pub async fn update_article(
    db: &Db,
    clock: &Clock,
    tz: Tz,
    id: i64,
    mut input: ArticleInput,
    edit: Edit,
) -> AppResult<()> {
    let now = clock.now();
    input.validate(now)?;
    let before = store::article_by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("no such article"))?;
    let body_html = markdown::render(&input.body_markdown);
    let mut tx = db.begin().await?;
    let stored = store::edit_row_in(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found("no such article"))?;
    if edit
        .expected_version
        .is_some_and(|v| v != stored.updated_at)
    {
        return Err(AppError::Conflict {
            code: "edit_conflict",
            message: "someone else saved this article after you opened it; your changes were \
                      not saved. Copy them, reload the article and apply them again"
                .into(),
        });
    }
    input.created_by = stored.created_by;
    store::update_article(&mut tx, id, &fields(&input, &body_html, now))
        .await
        .map_err(slug_conflict)?;
    store::replace_links(&mut tx, id, &input.tag_ids, &input.author_ids).await?;
    let after = location(&mut tx, id).await?;
    if let (Some(old_at), Some(new_at)) = (before.published_at, after.published_at) {
        let old_path = article_path(&before.section_slug, old_at, &before.slug, tz);
        let new_path = article_path(&after.section_slug, new_at, &after.slug, tz);
        if old_path != new_path {
            store::insert_redirect(&mut tx, &old_path, id, now).await?;
            store::delete_redirect(&mut tx, &new_path).await?;
        }
    }
    after_save(&mut tx, id, &input, edit.by, now).await?;
    tx.commit().await?;
    db.content_changed();
    Ok(())
}

/// Where an article lives after an update, read inside the same transaction.
async fn location(tx: &mut Tx, id: i64) -> AppResult<Location> {
    use crate::with_tx;
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

struct Location {
    section_slug: String,
    slug: String,
    published_at: Option<Timestamp>,
}

fn fields<'a>(
    input: &'a ArticleInput,
    body_html: &'a str,
    updated_at: Timestamp,
) -> ArticleFields<'a> {
    ArticleFields {
        section_id: input.section_id,
        slug: &input.slug,
        headline: &input.headline,
        standfirst: &input.standfirst,
        body_md: &input.body_markdown,
        body_html,
        lead_media_id: input.lead_media_id,
        lead_alt: &input.lead_alt,
        lead_caption: &input.lead_caption,
        lead_credit: &input.lead_credit,
        status: input.status.as_str(),
        published_at: input.published_at,
        updated_at,
        comments_open: input.comments_open,
        newsletter_topic: input.newsletter_topic.as_deref(),
        seo_title: &input.seo_title,
        seo_description: &input.seo_description,
    }
}

fn slug_conflict(e: sqlx::Error) -> AppError {
    if crate::db::is_unique_violation(&e) {
        AppError::Conflict {
            code: "slug_taken",
            message: "another article in this section already uses that slug".into(),
        }
    } else if matches!(&e, sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
    {
        AppError::Invalid(vec![FieldError {
            field: "section_id".into(),
            message: "choose an existing section, authors, tags and media".into(),
        }])
    } else {
        e.into()
    }
}

/// Sets the time an article was last changed, for importers and the demo's "Updated" stamps.
pub async fn set_updated_at_in(tx: &mut Tx, id: i64, at: Timestamp) -> AppResult<()> {
    use crate::with_tx;
    with_tx!(tx, c => sqlx::query("UPDATE articles SET updated_at = $1 WHERE id = $2")
        .bind(at).bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn create_section_in(tx: &mut Tx, section: &NewSection<'_>) -> AppResult<i64> {
    if !slug::is_valid(section.slug) || slug::RESERVED.contains(&section.slug) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "slug".into(),
            message: format!("{:?} cannot be a section slug", section.slug),
        }]));
    }
    let id = store::insert_section(tx, section).await?;
    tx.bump_content_version().await?;
    Ok(id)
}

pub async fn create_tag_in(tx: &mut Tx, name: &str) -> AppResult<i64> {
    Ok(store::insert_tag(tx, name, &slug::slugify(name)).await?)
}

pub async fn create_author_in(
    tx: &mut Tx,
    name: &str,
    bio: &str,
    avatar_media_id: Option<i64>,
) -> AppResult<i64> {
    Ok(store::insert_author(tx, name, &slug::slugify(name), bio, avatar_media_id).await?)
}

pub async fn delete_all_in(tx: &mut Tx) -> AppResult<()> {
    store::delete_all(tx).await?;
    tx.bump_content_version().await?;
    Ok(())
}

pub async fn count_articles(db: &Db) -> AppResult<i64> {
    Ok(store::count_articles(db).await?)
}

pub async fn sections(db: &Db) -> AppResult<Vec<SectionRow>> {
    Ok(store::sections(db).await?)
}

pub use store::{AuthorRow as Author, CardRow as Card, SectionRow as Section, TagRow as Tag};

/// One page of a list, with what pagination links need.
#[derive(Debug)]
pub struct Paged {
    pub items: Vec<CardRow>,
    pub page: i64,
    pub total_pages: i64,
}

async fn paged(db: &Db, now: Timestamp, listing: Listing, page: i64) -> AppResult<Paged> {
    let total = store::count(db, now, listing).await?;
    let total_pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    if page < 1 || page > total_pages {
        return Err(AppError::not_found(format!(
            "there is no page {page} here; the last page is {total_pages}"
        )));
    }
    let items = store::cards(db, now, listing, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    Ok(Paged {
        items,
        page,
        total_pages,
    })
}

/// The home page: the lead story, the latest news, and a block for each top-level section.
pub struct Home {
    pub lead: Option<CardRow>,
    pub latest: Vec<CardRow>,
    pub blocks: Vec<(SectionRow, Vec<CardRow>)>,
}

pub async fn home(db: &Db, now: Timestamp) -> AppResult<Home> {
    let lead = store::cards(db, now, Listing::WithLeadImage, 1, 0)
        .await?
        .pop();
    let mut latest = store::cards(db, now, Listing::All, 11, 0).await?;
    latest.retain(|c| Some(c.id) != lead.as_ref().map(|l| l.id));
    latest.truncate(10);
    let mut blocks = Vec::new();
    for section in store::sections(db).await? {
        if section.parent_id.is_some() {
            continue;
        }
        let cards = store::cards(db, now, Listing::Section(section.id), 4, 0).await?;
        if !cards.is_empty() {
            blocks.push((section, cards));
        }
    }
    Ok(Home {
        lead,
        latest,
        blocks,
    })
}

pub struct SectionFront {
    pub section: SectionRow,
    pub parent: Option<SectionRow>,
    pub children: Vec<SectionRow>,
    pub articles: Paged,
}

pub async fn section_front(
    db: &Db,
    now: Timestamp,
    slug: &str,
    page: i64,
) -> AppResult<SectionFront> {
    let all = store::sections(db).await?;
    let section = all
        .iter()
        .find(|s| s.slug == slug)
        .cloned()
        .ok_or_else(|| AppError::not_found("there is no such section"))?;
    let parent = section
        .parent_id
        .and_then(|pid| all.iter().find(|s| s.id == pid).cloned());
    let children = all
        .iter()
        .filter(|s| s.parent_id == Some(section.id))
        .cloned()
        .collect();
    let articles = paged(db, now, Listing::Section(section.id), page).await?;
    Ok(SectionFront {
        section,
        parent,
        children,
        articles,
    })
}

pub async fn tag_page(
    db: &Db,
    now: Timestamp,
    slug: &str,
    page: i64,
) -> AppResult<(TagRow, Paged)> {
    let tag = store::tag_by_slug(db, slug)
        .await?
        .ok_or_else(|| AppError::not_found("there is no such tag"))?;
    let articles = paged(db, now, Listing::Tag(tag.id), page).await?;
    Ok((tag, articles))
}

pub async fn author_page(
    db: &Db,
    now: Timestamp,
    slug: &str,
    page: i64,
) -> AppResult<(AuthorRow, Paged)> {
    let author = store::author_by_slug(db, slug)
        .await?
        .ok_or_else(|| AppError::not_found("there is no such author"))?;
    let articles = paged(db, now, Listing::Author(author.id), page).await?;
    Ok((author, articles))
}

/// A month (or a whole year, `month: None`) of published articles, in the site's zone.
pub async fn archive(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    year: i32,
    month: Option<u32>,
    page: i64,
) -> AppResult<Paged> {
    let bad = || AppError::not_found("there is no archive for that date");
    let (start, end) = match month {
        Some(m) if (1..=12).contains(&m) => {
            let (ny, nm) = if m == 12 {
                (year + 1, 1)
            } else {
                (year, m + 1)
            };
            (
                local_midnight(tz, year, m).ok_or_else(bad)?,
                local_midnight(tz, ny, nm).ok_or_else(bad)?,
            )
        }
        Some(_) => return Err(bad()),
        None => (
            local_midnight(tz, year, 1).ok_or_else(bad)?,
            local_midnight(tz, year + 1, 1).ok_or_else(bad)?,
        ),
    };
    paged(db, now, Listing::Between(start, end), page).await
}

fn local_midnight(tz: Tz, year: i32, month: u32) -> Option<Timestamp> {
    if !(1..=9999).contains(&year) {
        return None;
    }
    let local = tz.with_ymd_and_hms(year, month, 1, 0, 0, 0).earliest()?;
    Some(Timestamp::from_datetime(local.with_timezone(&chrono::Utc)))
}

/// What a request for an article path finds.
pub enum Lookup {
    Found(Box<ArticlePage>),
    /// The article lives at another path now (moved, or the date in the URL is wrong).
    MovedTo(String),
    /// The article was archived: readers get 410 Gone.
    Gone,
    NotFound,
}

pub struct ArticlePage {
    pub article: ArticleRow,
    pub path: String,
    pub tags: Vec<TagRow>,
    pub authors: Vec<AuthorRow>,
    pub related: Vec<CardRow>,
}

pub async fn find_article(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    section_slug: &str,
    requested_path: &str,
    slug: &str,
) -> AppResult<Lookup> {
    let found = store::article_by_slug(db, section_slug, slug).await?;
    let article = match found {
        Some(a) => a,
        None => {
            return Ok(match store::redirect_target(db, requested_path).await? {
                Some(id) => match store::article_by_id(db, id).await? {
                    Some(a) => public_path(&a, now, tz).map_or(Lookup::NotFound, Lookup::MovedTo),
                    None => Lookup::NotFound,
                },
                None => Lookup::NotFound,
            });
        }
    };
    if article.status == Status::Archived.as_str() {
        return Ok(Lookup::Gone);
    }
    let Some(path) = public_path(&article, now, tz) else {
        return Ok(Lookup::NotFound);
    };
    if path != requested_path {
        return Ok(Lookup::MovedTo(path));
    }
    let tags = store::tags_of(db, article.id).await?;
    let authors = store::authors_of(db, article.id).await?;
    let related = store::cards(
        db,
        now,
        Listing::Related {
            section_id: article.section_id,
            article_id: article.id,
        },
        4,
        0,
    )
    .await?;
    Ok(Lookup::Found(Box::new(ArticlePage {
        article,
        path,
        tags,
        authors,
        related,
    })))
}

/// The article's path when readers may see it now; `None` for drafts and future articles.
fn public_path(a: &ArticleRow, now: Timestamp, tz: Tz) -> Option<String> {
    let published_at = a.published_at?;
    (a.status == Status::Published.as_str() && published_at <= now)
        .then(|| article_path(&a.section_slug, published_at, &a.slug, tz))
}

/// The next time a published article becomes visible, so caches can be refreshed the moment an
/// embargo ends even though nothing was written then.
pub async fn next_publication_after(db: &Db, now: Timestamp) -> AppResult<Option<Timestamp>> {
    Ok(store::next_publication_after(db, now).await?)
}

/// Publishes a scheduled article whose time has come (the job queue calls this; running it
/// twice, or after someone unscheduled the article, does nothing).
pub async fn publish_if_due(db: &Db, clock: &Clock, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let published = store::publish_if_due(&mut tx, id, clock.now()).await?;
    if published {
        tx.bump_content_version().await?;
    }
    tx.commit().await?;
    if published {
        db.content_changed();
    }
    Ok(())
}

/// An article as the editor shows it.
pub struct Editable {
    pub id: i64,
    pub input: ArticleInput,
    pub status: Status,
    /// The stored `updated_at`; the editor sends it back so a conflicting save is caught.
    pub version: Timestamp,
    pub created_by: Option<i64>,
    pub public_path: Option<String>,
}

pub async fn editable(db: &Db, tz: Tz, id: i64) -> AppResult<Editable> {
    let row = store::edit_row(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("no such article"))?;
    let (tag_ids, author_ids) = store::link_ids(db, id).await?;
    let status = Status::parse(&row.status)
        .ok_or_else(|| anyhow::anyhow!("article {id} has an unknown status"))?;
    let public_path = match (status, row.published_at) {
        (Status::Published, Some(at)) => {
            let section = store::sections(db)
                .await?
                .into_iter()
                .find(|s| s.id == row.section_id)
                .map(|s| s.slug);
            section.map(|s| article_path(&s, at, &row.slug, tz))
        }
        _ => None,
    };
    Ok(Editable {
        id,
        status,
        version: row.updated_at,
        created_by: row.created_by,
        public_path,
        input: ArticleInput {
            section_id: row.section_id,
            slug: row.slug,
            headline: row.headline,
            standfirst: row.standfirst,
            body_markdown: row.body_md,
            lead_media_id: row.lead_media_id,
            lead_alt: row.lead_alt,
            lead_caption: row.lead_caption,
            lead_credit: row.lead_credit,
            status,
            published_at: row.published_at,
            comments_open: row.comments_open,
            newsletter_topic: row.newsletter_topic,
            seo_title: row.seo_title,
            seo_description: row.seo_description,
            tag_ids,
            author_ids,
            created_by: row.created_by,
        },
    })
}

pub use store::{AdminFilter, AdminRow, RevisionRow};

pub struct AdminPage {
    pub rows: Vec<AdminRow>,
    pub page: i64,
    pub total_pages: i64,
    pub total: i64,
}

pub async fn admin_list(
    db: &Db,
    filter: &AdminFilter,
    page: i64,
    per_page: i64,
) -> AppResult<AdminPage> {
    let total = store::admin_count(db, filter).await?;
    let total_pages = ((total + per_page - 1) / per_page).max(1);
    let page = page.clamp(1, total_pages);
    let rows = store::admin_rows(db, filter, per_page, (page - 1) * per_page).await?;
    Ok(AdminPage {
        rows,
        page,
        total_pages,
        total,
    })
}

pub async fn tags(db: &Db) -> AppResult<Vec<TagRow>> {
    Ok(store::tags(db).await?)
}

pub async fn authors(db: &Db) -> AppResult<Vec<AuthorRow>> {
    Ok(store::authors(db).await?)
}

/// The ids of tags by name, creating the ones that do not exist yet (the editor's "create on the
/// fly").
pub async fn ensure_tags(db: &Db, names: &[String]) -> AppResult<Vec<i64>> {
    let mut tx = db.begin().await?;
    let mut ids = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let tag_slug = slug::slugify(name);
        if tag_slug.is_empty() {
            continue;
        }
        let id = match store::tag_id_by_slug_in(&mut tx, &tag_slug).await? {
            Some(id) => id,
            None => store::insert_tag(&mut tx, name, &tag_slug).await?,
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    tx.commit().await?;
    Ok(ids)
}

pub async fn revisions(db: &Db, article_id: i64) -> AppResult<Vec<RevisionRow>> {
    Ok(store::revisions(db, article_id).await?)
}

/// Restores a revision: its content becomes a new save (so the restore is itself a revision).
pub async fn restore_revision(
    db: &Db,
    clock: &Clock,
    tz: Tz,
    article_id: i64,
    revision_id: i64,
    by: Option<i64>,
) -> AppResult<()> {
    let revision = store::revisions(db, article_id)
        .await?
        .into_iter()
        .find(|r| r.id == revision_id)
        .ok_or_else(|| AppError::not_found("no such revision of this article"))?;
    let input: ArticleInput =
        serde_json::from_str(&revision.snapshot).map_err(anyhow::Error::from)?;
    update_article(
        db,
        clock,
        tz,
        article_id,
        input,
        Edit {
            by,
            expected_version: None,
        },
    )
    .await
}

/// The editor's live preview: the same rendering and sanitising as a saved body.
pub fn preview_html(markdown_text: &str) -> String {
    markdown::render(markdown_text)
}

/// What changed between two saved versions, field by field, for the revisions page.
pub fn diff(before: &ArticleInput, after: &ArticleInput) -> Vec<(&'static str, String, String)> {
    let text = |a: &ArticleInput| {
        [
            ("Headline", a.headline.clone()),
            ("Standfirst", a.standfirst.clone()),
            ("Slug", a.slug.clone()),
            ("Body", a.body_markdown.clone()),
            ("Status", a.status.as_str().to_string()),
            (
                "Published",
                a.published_at
                    .map(|t| t.to_datetime().to_rfc3339())
                    .unwrap_or_default(),
            ),
            ("Section", a.section_id.to_string()),
            ("Tags", format!("{:?}", a.tag_ids)),
            ("Authors", format!("{:?}", a.author_ids)),
            (
                "Lead image",
                a.lead_media_id.map(|m| m.to_string()).unwrap_or_default(),
            ),
            ("Alt text", a.lead_alt.clone()),
            ("Caption", a.lead_caption.clone()),
            ("Credit", a.lead_credit.clone()),
            ("Newsletter", a.newsletter_topic.clone().unwrap_or_default()),
            ("Comments open", a.comments_open.to_string()),
            ("SEO title", a.seo_title.clone()),
            ("SEO description", a.seo_description.clone()),
        ]
    };
    text(before)
        .into_iter()
        .zip(text(after))
        .filter(|((_, x), (_, y))| x != y)
        .map(|((field, x), (_, y))| (field, x, y))
        .collect()
}

/// A section as an editor submits it.
pub struct SectionInput {
    pub parent_id: Option<i64>,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub position: i64,
}

fn checked_section(input: &SectionInput, id: Option<i64>) -> AppResult<String> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Invalid(vec![FieldError {
            field: "name".into(),
            message: "give the section a name of 1 to 100 characters".into(),
        }]));
    }
    if input.parent_id.is_some() && input.parent_id == id {
        return Err(AppError::Invalid(vec![FieldError {
            field: "parent_id".into(),
            message: "a section cannot be its own parent".into(),
        }]));
    }
    let slug = if input.slug.trim().is_empty() {
        slug::slugify(name)
    } else {
        input.slug.trim().to_string()
    };
    Ok(slug)
}

/// Sections nest one level deep: a parent must itself be top-level, and a section with
/// sub-sections cannot become one.
async fn check_nesting(db: &Db, id: Option<i64>, parent_id: Option<i64>) -> AppResult<()> {
    let Some(parent) = parent_id else {
        return Ok(());
    };
    let all = store::sections(db).await?;
    let parent_row = all
        .iter()
        .find(|s| s.id == parent)
        .ok_or_else(|| AppError::not_found("no such parent section"))?;
    let has_children = id.is_some_and(|id| all.iter().any(|s| s.parent_id == Some(id)));
    if parent_row.parent_id.is_some() || has_children {
        return Err(AppError::Invalid(vec![FieldError {
            field: "parent_id".into(),
            message: "sections nest one level deep only".into(),
        }]));
    }
    Ok(())
}

pub async fn create_section(db: &Db, input: &SectionInput) -> AppResult<i64> {
    let slug = checked_section(input, None)?;
    check_nesting(db, None, input.parent_id).await?;
    let mut tx = db.begin().await?;
    let id = create_section_in(
        &mut tx,
        &NewSection {
            parent_id: input.parent_id,
            name: input.name.trim(),
            slug: &slug,
            description: input.description.trim(),
            position: input.position,
        },
    )
    .await?;
    tx.commit().await?;
    db.content_changed();
    Ok(id)
}

/// Changing a section's slug moves its articles: each published article's old address is kept
/// as a redirect to its new one, in the same transaction.
pub async fn update_section(
    db: &Db,
    clock: &Clock,
    tz: Tz,
    id: i64,
    input: &SectionInput,
) -> AppResult<()> {
    let slug = checked_section(input, Some(id))?;
    if !slug::is_valid(&slug) || slug::RESERVED.contains(&slug.as_str()) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "slug".into(),
            message: format!("{slug:?} cannot be a section slug"),
        }]));
    }
    check_nesting(db, Some(id), input.parent_id).await?;
    let before = store::sections(db)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| AppError::not_found("no such section"))?;
    let mut tx = db.begin().await?;
    store::update_section(
        &mut tx,
        id,
        &NewSection {
            parent_id: input.parent_id,
            name: input.name.trim(),
            slug: &slug,
            description: input.description.trim(),
            position: input.position,
        },
    )
    .await?;
    if before.slug != slug {
        let now = clock.now();
        for (article_id, article_slug, published_at) in
            store::published_in_section(&mut tx, id).await?
        {
            let old_path = article_path(&before.slug, published_at, &article_slug, tz);
            store::insert_redirect(&mut tx, &old_path, article_id, now).await?;
        }
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    db.content_changed();
    Ok(())
}

pub async fn delete_section(db: &Db, id: i64) -> AppResult<()> {
    let contents = store::section_contents(db, id).await?;
    if contents > 0 {
        return Err(AppError::Conflict {
            code: "section_not_empty",
            message: "move its articles and sub-sections elsewhere first".into(),
        });
    }
    let mut tx = db.begin().await?;
    if store::delete_section(&mut tx, id).await? == 0 {
        return Err(AppError::not_found("no such section"));
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    db.content_changed();
    Ok(())
}

pub async fn create_tag(db: &Db, name: &str) -> AppResult<i64> {
    ensure_tags(db, &[name.to_string()])
        .await?
        .first()
        .copied()
        .ok_or_else(|| {
            AppError::Invalid(vec![FieldError {
                field: "name".into(),
                message: "give the tag a name with letters or digits".into(),
            }])
        })
}

pub async fn rename_tag(db: &Db, id: i64, name: &str) -> AppResult<()> {
    let name = name.trim();
    let tag_slug = slug::slugify(name);
    if tag_slug.is_empty() {
        return Err(AppError::Invalid(vec![FieldError {
            field: "name".into(),
            message: "give the tag a name with letters or digits".into(),
        }]));
    }
    let mut tx = db.begin().await?;
    if store::rename_tag(&mut tx, id, name, &tag_slug).await? == 0 {
        return Err(AppError::not_found("no such tag"));
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    db.content_changed();
    Ok(())
}

/// Deletes a tag; its articles simply lose it.
pub async fn delete_tag(db: &Db, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    if store::delete_tag(&mut tx, id).await? == 0 {
        return Err(AppError::not_found("no such tag"));
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    db.content_changed();
    Ok(())
}

pub struct AuthorInput {
    pub name: String,
    pub bio: String,
    pub avatar_media_id: Option<i64>,
}

pub async fn save_author(db: &Db, id: Option<i64>, input: &AuthorInput) -> AppResult<i64> {
    let name = input.name.trim();
    let author_slug = slug::slugify(name);
    if author_slug.is_empty() || name.chars().count() > 200 {
        return Err(AppError::Invalid(vec![FieldError {
            field: "name".into(),
            message: "give the author a name of 1 to 200 characters".into(),
        }]));
    }
    let mut tx = db.begin().await?;
    let saved = match id {
        Some(id) => {
            let n = store::update_author(
                &mut tx,
                id,
                name,
                &author_slug,
                input.bio.trim(),
                input.avatar_media_id,
            )
            .await?;
            if n == 0 {
                return Err(AppError::not_found("no such author"));
            }
            id
        }
        None => {
            store::insert_author(
                &mut tx,
                name,
                &author_slug,
                input.bio.trim(),
                input.avatar_media_id,
            )
            .await?
        }
    };
    tx.bump_content_version().await?;
    tx.commit().await?;
    db.content_changed();
    Ok(saved)
}

/// Deletes an article for good, with its revisions, redirects and pending publication.
pub async fn delete_article(db: &Db, clock: &Clock, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    jobs::cancel_in(&mut tx, &format!("publish:{id}"), clock.now()).await?;
    if store::delete_article(&mut tx, id).await? == 0 {
        return Err(AppError::not_found("no such article"));
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    db.content_changed();
    Ok(())
}

/// Deletes an author profile; its articles lose the byline. A profile linked to an account
/// stays until the account is unlinked.
pub async fn delete_author(db: &Db, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let deleted = store::delete_author(&mut tx, id)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::ForeignKeyViolation => {
                AppError::Conflict {
                    code: "author_in_use",
                    message: "an account is linked to this author profile".into(),
                }
            }
            _ => e.into(),
        })?;
    if deleted == 0 {
        return Err(AppError::not_found("no such author"));
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    db.content_changed();
    Ok(())
}

/// The media id of an author's portrait (the author list shows its path).
pub async fn author_avatar_id(db: &Db, id: i64) -> AppResult<Option<i64>> {
    Ok(store::author_avatar_id(db, id).await?)
}

/// An article as it would look published, whatever its status, for a signed preview link.
pub async fn preview(db: &Db, now: Timestamp, tz: Tz, id: i64) -> AppResult<ArticlePage> {
    let article = store::article_by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("no such article"))?;
    let at = article.published_at.unwrap_or(now);
    let path = article_path(&article.section_slug, at, &article.slug, tz);
    let tags = store::tags_of(db, id).await?;
    let authors = store::authors_of(db, id).await?;
    let related = store::cards(
        db,
        now,
        Listing::Related {
            section_id: article.section_id,
            article_id: id,
        },
        4,
        0,
    )
    .await?;
    Ok(ArticlePage {
        article,
        path,
        tags,
        authors,
        related,
    })
}

/// How long a preview link works.
pub const PREVIEW_SECONDS: i64 = 48 * 3600;

fn preview_message(id: i64, expires: i64) -> String {
    format!("preview:{id}:{expires}")
}

/// A link that shows an unpublished article to anyone who has it, until it expires.
pub fn preview_path(key: &str, id: i64, now: Timestamp) -> String {
    let expires = now.plus_seconds(PREVIEW_SECONDS).micros() / 1_000_000;
    let signature = crate::secrets::sign(key, &preview_message(id, expires));
    format!("/preview/{id}?expires={expires}&signature={signature}")
}

/// Whether a preview link was made here for this article and has not expired.
pub fn preview_allowed(key: &str, id: i64, expires: i64, signature: &str, now: Timestamp) -> bool {
    now.micros() / 1_000_000 < expires
        && crate::secrets::verify_signature(key, &preview_message(id, expires), signature)
}

/// Keeps what someone is typing in the editor, without saving the article or a revision.
pub async fn autosave(
    db: &Db,
    clock: &Clock,
    article_id: i64,
    user_id: i64,
    fields: &[(String, String)],
) -> AppResult<()> {
    let json = serde_json::to_string(fields).map_err(anyhow::Error::from)?;
    Ok(store::put_autosave(db, article_id, user_id, clock.now(), &json).await?)
}

/// The person's autosaved fields for an article, when newer than its last save.
pub async fn newer_autosave(
    db: &Db,
    article_id: i64,
    user_id: i64,
    version: Timestamp,
) -> AppResult<Option<(Timestamp, Vec<(String, String)>)>> {
    let Some((at, json)) = store::autosave(db, article_id, user_id).await? else {
        return Ok(None);
    };
    if at <= version {
        return Ok(None);
    }
    let fields = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
    Ok(Some((at, fields)))
}

pub async fn discard_autosave(db: &Db, article_id: i64, user_id: i64) -> AppResult<()> {
    Ok(store::delete_autosave(db, article_id, user_id).await?)
}
