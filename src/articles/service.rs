//! The rules of articles, sections, tags and authors: validation, URLs, redirects after a move,
//! and the reads behind every public page. Services take only the database and "now", never
//! HTTP types, so the CLI, jobs and tests call them directly.

use chrono::Datelike;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::body;
use super::cache_names;
use super::slug;
use super::store::{self, ArticleFields, SectionRow};
use crate::clock::Clock;
use crate::db::{Db, Timestamp, Tx};
use crate::error::{AppError, AppResult, FieldError};
use crate::jobs;
use crate::media::service as media;
use crate::search::log as search_log;

pub use super::discussion::*;
pub use super::editorial::*;
pub use super::indexing::*;
pub use super::reads::*;
pub use super::taxonomy::*;
pub use store::NewSection;

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
    /// The body in the document model ([`body`]); any HTML is accepted and normalised on save.
    pub body: String,
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
    /// Related articles the editor pinned, shown first under the story, in this order.
    #[serde(default)]
    pub related_ids: Vec<i64>,
}

/// The most related articles an editor may pin.
pub const MAX_PINNED: usize = 4;

impl ArticleInput {
    /// An empty draft `created_by` starts, for the API doors to fill in: no section yet
    /// (`0`), comments open.
    pub fn new_draft(created_by: i64) -> ArticleInput {
        ArticleInput {
            section_id: 0,
            slug: String::new(),
            headline: String::new(),
            standfirst: String::new(),
            body: String::new(),
            lead_media_id: None,
            lead_alt: String::new(),
            lead_caption: String::new(),
            lead_credit: String::new(),
            status: Status::Draft,
            published_at: None,
            comments_open: true,
            newsletter_topic: None,
            seo_title: String::new(),
            seo_description: String::new(),
            tag_ids: Vec::new(),
            author_ids: Vec::new(),
            created_by: Some(created_by),
            related_ids: Vec::new(),
        }
    }

    /// The input a revision kept. Revisions saved before the document model hold Markdown under
    /// `body_markdown`; it is converted here, so old revisions stay comparable and restorable.
    pub fn from_snapshot(json: &str) -> AppResult<Self> {
        let mut value: serde_json::Value =
            serde_json::from_str(json).map_err(anyhow::Error::from)?;
        if let Some(fields) = value.as_object_mut()
            && let Some(markdown) = fields.remove("body_markdown")
        {
            let doc = body::from_editor_markdown(markdown.as_str().unwrap_or_default());
            fields.insert("body".into(), doc.into());
        }
        Ok(serde_json::from_value(value).map_err(anyhow::Error::from)?)
    }

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
        if self.body.len() > body::MAX_BYTES {
            fail("body", "the body is larger than 1 MB");
        }
        let mut seen = std::collections::HashSet::new();
        self.related_ids.retain(|id| seen.insert(*id));
        if self.related_ids.len() > MAX_PINNED {
            fail("related", "pin at most four related articles");
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
pub async fn create_article_in(tx: &mut Tx, now: Timestamp, input: ArticleInput) -> AppResult<i64> {
    create_article_with_id_in(tx, now, input, None).await
}

/// [`create_article_in`], giving the article `id` (free: see [`Tx::id_is_free`]) when there is
/// one, as an import keeps the id a post had.
pub async fn create_article_with_id_in(
    tx: &mut Tx,
    now: Timestamp,
    mut input: ArticleInput,
    id: Option<i64>,
) -> AppResult<i64> {
    input.validate(now)?;
    let body_html = prepare_body(tx, &mut input).await?;
    // An article entered after its publication time (a backdated story, an import) has not been
    // "updated" for readers: its last change is its publication.
    let updated_at = input.published_at.filter(|p| *p < now).unwrap_or(now);
    let id = store::insert_article(
        tx,
        &fields(&input, &body_html, updated_at),
        now,
        input.created_by,
        id,
    )
    .await
    .map_err(slug_conflict)?;
    store::replace_links(tx, id, &input.tag_ids, &input.author_ids).await?;
    pin_related(tx, id, &input.related_ids).await?;
    record_media(tx, id, &input.body).await?;
    after_save(tx, id, &input, input.created_by, now, None).await?;
    Ok(id)
}

/// Brings the input's body into the document model's canonical form and renders the page's
/// HTML from it, with the sizes of the library images it shows.
async fn prepare_body(tx: &mut Tx, input: &mut ArticleInput) -> AppResult<String> {
    input.body = body::from_html_on_pool(&input.body).await?;
    render_page(tx, &input.body).await
}

/// The page HTML of a canonical document, with the sizes of the library images it shows: for
/// every content type written in the document model.
pub async fn render_page(tx: &mut Tx, doc: &str) -> AppResult<String> {
    let ids = crate::media::references::find(doc).ids;
    let dimensions = media::dimensions_in(tx, &ids).await?;
    body::render_page_on_pool(doc, dimensions).await
}

/// Keeps the list of library items the body shows, which decides when they are public and
/// whether they may be deleted.
async fn record_media(tx: &mut Tx, id: i64, doc: &str) -> AppResult<()> {
    let shown = media::shown_in(tx, doc).await?;
    store::replace_media(tx, id, &shown).await?;
    Ok(())
}

/// Keeps the related articles pinned to `id`; each must exist and not be the article itself.
async fn pin_related(tx: &mut Tx, id: i64, related: &[i64]) -> AppResult<()> {
    let known = store::existing_ids_in(tx, related).await?;
    if let Some(missing) = related.iter().find(|r| **r == id || !known.contains(r)) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "related".into(),
            message: if *missing == id {
                "an article cannot be related to itself".into()
            } else {
                format!("there is no article {missing} to pin")
            },
        }]));
    }
    store::replace_related(tx, id, related).await?;
    Ok(())
}

/// Articles read at a time by [`record_media_after`].
const MEDIA_BATCH: i64 = 500;

/// Records the library items shown by the bodies of the articles after `after_id`, a batch at
/// a time (the job that migration 0010 queues for bodies saved before it); the last id done
/// when more remain.
pub async fn record_media_after(db: &Db, after_id: i64) -> AppResult<Option<i64>> {
    let bodies = store::bodies_after(db, after_id, MEDIA_BATCH).await?;
    let mut tx = db.begin().await?;
    for (id, html) in &bodies {
        record_media(&mut tx, *id, html).await?;
    }
    tx.commit().await?;
    Ok(bodies
        .last()
        .filter(|_| bodies.len() as i64 == MEDIA_BATCH)
        .map(|(id, _)| *id))
}

/// Articles converted at a time by [`upgrade_bodies`], each batch one transaction.
const UPGRADE_BATCH: i64 = 200;

/// Converts the bodies stored in an older document model (the Markdown of earlier versions)
/// to the current one, rendering their pages anew; run at start, after the schema migrations.
/// Each row is converted only while it is still old, so nodes starting together share the
/// work and a crash half-way resumes where it stopped. Returns how many were converted.
pub async fn upgrade_bodies(db: &Db) -> AppResult<u64> {
    let mut done = 0u64;
    loop {
        let legacy = store::legacy_bodies(db, body::SCHEMA, UPGRADE_BATCH).await?;
        if legacy.is_empty() {
            return Ok(done);
        }
        let mut tx = db.begin().await?;
        for (id, markdown) in &legacy {
            let doc = body::from_editor_markdown_on_pool(markdown).await?;
            let page = render_page(&mut tx, &doc).await?;
            done += store::upgrade_body(&mut tx, *id, &doc, &page, body::SCHEMA).await?;
        }
        tx.bump_content_version().await?;
        tx.commit().await?;
    }
}

/// What every save does besides the row itself, in the same transaction: keep a revision,
/// (re)schedule or cancel the publication job, and tell caches what changed (with the lists the
/// article was in `before` the save, if it existed).
async fn after_save(
    tx: &mut Tx,
    id: i64,
    input: &ArticleInput,
    by: Option<i64>,
    now: Timestamp,
    before: Option<&store::Placement>,
) -> AppResult<()> {
    let snapshot = serde_json::to_string(input).map_err(anyhow::Error::from)?;
    store::insert_revision(tx, id, by, now, &input.headline, &snapshot).await?;
    search_log::article_changed_in(tx, id).await?;
    cache_names::changed_in(tx, id, before).await?;
    let key = format!("publish:{id}");
    match (input.status, input.published_at) {
        (Status::Scheduled, Some(at)) => {
            let job = jobs::Job::PublishArticle { article_id: id };
            jobs::enqueue_in(tx, &job, at, Some(&key), now).await?;
        }
        _ => jobs::cancel_in(tx, &key, now).await?,
    }
    Ok(())
}

pub async fn create_article(db: &Db, clock: &Clock, input: ArticleInput) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = create_article_in(&mut tx, clock.now(), input).await?;
    tx.commit().await?;
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
    input: ArticleInput,
    edit: Edit,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    update_article_in(&mut tx, clock.now(), tz, id, input, edit).await?;
    tx.commit().await?;
    Ok(())
}

/// [`update_article`] inside the caller's transaction, for changes to several articles that
/// stand or fall together; the caller tells the caches after committing.
pub async fn update_article_in(
    tx: &mut Tx,
    now: Timestamp,
    tz: Tz,
    id: i64,
    mut input: ArticleInput,
    edit: Edit,
) -> AppResult<()> {
    input.validate(now)?;
    let body_html = prepare_body(tx, &mut input).await?;
    let stored = store::edit_row_in(tx, id)
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
    let before = store::location_in(tx, id).await?;
    let listed_before = cache_names::placement_in(tx, id).await?;
    input.created_by = stored.created_by;
    store::update_article(tx, id, &fields(&input, &body_html, now))
        .await
        .map_err(slug_conflict)?;
    store::replace_links(tx, id, &input.tag_ids, &input.author_ids).await?;
    pin_related(tx, id, &input.related_ids).await?;
    record_media(tx, id, &input.body).await?;
    let after = store::location_in(tx, id).await?;
    if let (Some(old_at), Some(new_at)) = (before.published_at, after.published_at) {
        let old_path = article_path(&before.section_slug, old_at, &before.slug, tz);
        let new_path = article_path(&after.section_slug, new_at, &after.slug, tz);
        if old_path != new_path {
            store::insert_redirect(tx, &old_path, id, now).await?;
            store::delete_redirect(tx, &new_path).await?;
        }
    }
    after_save(tx, id, &input, edit.by, now, listed_before.as_ref()).await?;
    Ok(())
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
        body: &input.body,
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

/// `wanted`, or the first numbered form of it (`-2`, `-3`…) that no other article of the
/// section than `except` uses: for importers, whose slugs were unique in another system.
pub async fn free_slug_in(
    tx: &mut Tx,
    section_id: i64,
    wanted: &str,
    except: Option<i64>,
) -> AppResult<String> {
    let mut candidate = wanted.to_string();
    let mut n = 1;
    while store::slug_taken_in(tx, section_id, &candidate, except).await? {
        n += 1;
        candidate = slug::numbered(wanted, n);
    }
    Ok(candidate)
}

/// Keeps an address the article had elsewhere (an imported post's old permalink) answering
/// with a 301 to wherever the article is, now and after later moves.
pub async fn keep_old_path_in(tx: &mut Tx, path: &str, id: i64, now: Timestamp) -> AppResult<()> {
    store::insert_redirect(tx, path, id, now).await?;
    Ok(())
}

/// An article's body in the document model.
pub async fn body(db: &Db, id: i64) -> AppResult<String> {
    store::body_of(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("no such article"))
}

/// Replaces an article's body without a new revision: for an importer finishing what its save
/// began (links between imported posts, known only once all are in). Returns whether it
/// changed.
pub async fn set_body_in(tx: &mut Tx, id: i64, doc: &str) -> AppResult<bool> {
    let doc = body::from_html_on_pool(doc).await?;
    if store::body_of_in(tx, id).await?.as_deref() == Some(doc.as_str()) {
        return Ok(false);
    }
    let page = render_page(tx, &doc).await?;
    store::set_body(tx, id, &doc, &page).await?;
    record_media(tx, id, &doc).await?;
    search_log::article_changed_in(tx, id).await?;
    Ok(true)
}

/// Sets the time an article was last changed, for importers and the demo's "Updated" stamps.
pub async fn set_updated_at_in(tx: &mut Tx, id: i64, at: Timestamp) -> AppResult<()> {
    use crate::with_tx;
    with_tx!(tx, c => sqlx::query("UPDATE articles SET updated_at = $1 WHERE id = $2")
        .bind(at).bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn delete_all_in(tx: &mut Tx) -> AppResult<()> {
    store::delete_all(tx).await?;
    search_log::archive_replaced_in(tx).await?;
    Ok(())
}

pub async fn count_articles(db: &Db) -> AppResult<i64> {
    Ok(store::count_articles(db).await?)
}

pub async fn sections(db: &Db) -> AppResult<Vec<SectionRow>> {
    Ok(store::sections(db).await?)
}

pub use store::{AuthorRow as Author, CardRow as Card, SectionRow as Section, TagRow as Tag};

/// Publishes a scheduled article whose time has come (the job queue calls this; running it
/// twice, or after someone unscheduled the article, does nothing).
pub async fn publish_if_due(db: &Db, clock: &Clock, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    // The write first: on SQLite a transaction that reads before it writes cannot wait for
    // another writer. A story coming out enters every list it is placed in, as a new one does.
    let published = store::publish_if_due(&mut tx, id, clock.now()).await?;
    if published {
        search_log::article_changed_in(&mut tx, id).await?;
        cache_names::changed_in(&mut tx, id, None).await?;
    }
    tx.commit().await?;
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
            body: row.body,
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
            related_ids: store::pinned_related(db, id).await?,
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

/// The admin list's rows of `ids`, in that order (the desk's search results).
pub async fn admin_rows_in_order(db: &Db, ids: &[i64]) -> AppResult<Vec<AdminRow>> {
    let mut rows = store::admin_rows_by_ids(db, ids).await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}

/// Deletes an article for good, with its revisions, redirects and pending publication.
pub async fn delete_article(db: &Db, clock: &Clock, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    jobs::cancel_in(&mut tx, &format!("publish:{id}"), clock.now()).await?;
    let before = cache_names::placement_in(&mut tx, id).await?;
    if store::delete_article(&mut tx, id).await? == 0 {
        return Err(AppError::not_found("no such article"));
    }
    search_log::article_changed_in(&mut tx, id).await?;
    cache_names::changed_in(&mut tx, id, before.as_ref()).await?;
    tx.commit().await?;
    Ok(())
}
