//! The rules of pages: who may write them (editors and administrators, [`ManagePages`]), the
//! workflow (the articles' transitions, decided by [`workflow::decide`]), where a page lives and
//! what it may not shadow, revisions, and which pages readers see.
//!
//! A page is served at `/{slug}`, or `/{parent}/{slug}` under a top-level page. Sections and the
//! site's own paths come first: a page may not take a reserved word or a section's slug at the
//! top, nor `feed` below a parent (each section has a feed there), and saving one that would is
//! refused with the reason. A section made later with a page's slug takes the address; the page
//! can then be moved.

use serde::{Deserialize, Serialize};

use super::store::{self, PageFields, PageRow, RevisionRow};
use crate::accounts::service::User;
use crate::accounts::{Capability, allows};
use crate::articles::body;
use crate::articles::service::{self as articles, Status};
use crate::articles::slug;
use crate::articles::workflow::{self, Outcome, Standing, Transition};
use crate::clock::Clock;
use crate::db::{Db, Timestamp, Tx};
use crate::error::{AppError, AppResult, FieldError};
use crate::media::service as media;

/// What an editor (or an importer) gives to create or change a page; also a revision's snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageInput {
    pub parent_id: Option<i64>,
    /// Empty means "derive from the title".
    pub slug: String,
    pub title: String,
    /// The body in the document model; any HTML is accepted and normalised on save.
    pub body: String,
    pub seo_title: String,
    pub seo_description: String,
    pub published_at: Option<Timestamp>,
}

/// A revision's snapshot: the input and the status it was saved with.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Snapshot {
    #[serde(flatten)]
    input: PageInput,
    status: Status,
}

pub use store::PageRow as Page;

impl PageRow {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Draft)
    }

    /// Its address on the site.
    pub fn path(&self) -> String {
        match &self.parent_slug {
            Some(parent) => format!("/{parent}/{}", self.slug),
            None => format!("/{}", self.slug),
        }
    }

    /// Whether readers may see it at `now`.
    pub fn is_public(&self, now: Timestamp) -> bool {
        matches!(self.status(), Status::Published | Status::Scheduled)
            && self.published_at.is_some_and(|at| at <= now)
    }

    pub fn input(&self) -> PageInput {
        PageInput {
            parent_id: self.parent_id,
            slug: self.slug.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            seo_title: self.seo_title.clone(),
            seo_description: self.seo_description.clone(),
            published_at: self.published_at,
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

fn check_role(user: &User) -> AppResult<()> {
    if allows(user.role, Capability::ManagePages) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only editors and administrators write pages".into(),
        ))
    }
}

/// Saves a page for `user` through a workflow transition: a new page when `id` is `None`. A
/// save based on an older version than the stored one (`expected`) is refused.
pub async fn save(
    db: &Db,
    clock: &Clock,
    user: &User,
    id: Option<i64>,
    input: PageInput,
    transition: Transition,
    expected: Option<Timestamp>,
) -> AppResult<i64> {
    check_role(user)?;
    let now = clock.now();
    let mut tx = db.begin().await?;
    let current = match id {
        Some(id) => Some(
            store::by_id_in(&mut tx, id)
                .await?
                .ok_or_else(|| AppError::not_found("no such page"))?,
        ),
        None => None,
    };
    if let (Some(page), Some(expected)) = (&current, expected)
        && page.updated_at != expected
    {
        return Err(AppError::Conflict {
            code: "edit_conflict",
            message: "someone else saved this page after you opened it; your changes were not \
                      saved. Copy them, reload the page and apply them again"
                .into(),
        });
    }
    let standing = current.as_ref().map(|p| Standing {
        created_by: p.created_by,
        status: p.status(),
        published_at: p.published_at,
    });
    let outcome = workflow::decide(user, standing.as_ref(), transition, input.published_at, now)?;
    let target = match id {
        Some(id) => Target::Existing(id),
        None => Target::New { wanted: None },
    };
    let id = save_in(&mut tx, now, target, input, outcome, Some(user.id)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Where a save goes: the page `id`, or a new page (given the id `wanted`, free, when there is
/// one, as an import keeps the id a page had).
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Existing(i64),
    New { wanted: Option<i64> },
}

/// Saves a page inside the caller's transaction with its status decided already: the
/// importer's door (the operator's, at the command line) and [`save`]'s.
pub async fn save_in(
    tx: &mut Tx,
    now: Timestamp,
    target: Target,
    mut input: PageInput,
    outcome: Outcome,
    by: Option<i64>,
) -> AppResult<i64> {
    let id = match target {
        Target::Existing(id) => Some(id),
        Target::New { .. } => None,
    };
    validate(tx, id, &mut input).await?;
    input.body = body::from_html_on_pool(&input.body).await?;
    let page_html = articles::render_page(tx, &input.body).await?;
    let fields = PageFields {
        parent_id: input.parent_id,
        slug: &input.slug,
        title: &input.title,
        body: &input.body,
        body_html: &page_html,
        status: outcome.status.as_str(),
        published_at: outcome.published_at,
        seo_title: &input.seo_title,
        seo_description: &input.seo_description,
    };
    let id = match id {
        Some(id) => {
            if store::update(tx, id, &fields, now).await? == 0 {
                return Err(AppError::not_found("no such page"));
            }
            id
        }
        None => {
            let wanted = match target {
                Target::New { wanted } => wanted,
                Target::Existing(_) => None,
            };
            store::insert(tx, &fields, by, now, wanted).await?
        }
    };
    let shown = media::shown_in(tx, &input.body).await?;
    store::replace_media(tx, id, &shown).await?;
    let snapshot = Snapshot {
        input: PageInput {
            published_at: outcome.published_at,
            ..input.clone()
        },
        status: outcome.status,
    };
    let json = serde_json::to_string(&snapshot).map_err(anyhow::Error::from)?;
    store::insert_revision(tx, id, by, now, &input.title, &json).await?;
    tx.bump_content_version().await?;
    Ok(id)
}

/// Brings the input into shape and refuses what cannot be saved, each problem on its field.
async fn validate(tx: &mut Tx, id: Option<i64>, input: &mut PageInput) -> AppResult<()> {
    input.title = input.title.trim().to_string();
    if input.title.is_empty() || input.title.chars().count() > 300 {
        return Err(invalid("title", "write a title of 1 to 300 characters"));
    }
    if input.slug.is_empty() {
        input.slug = slug::slugify(&input.title);
    }
    if !slug::is_valid(&input.slug) {
        return Err(invalid(
            "slug",
            "use lowercase letters, digits and single hyphens, at most 80 characters",
        ));
    }
    if input.body.len() > body::MAX_BYTES {
        return Err(invalid("body", "the body is larger than 1 MB"));
    }
    match input.parent_id {
        Some(parent_id) => {
            if Some(parent_id) == id {
                return Err(invalid("parent_id", "a page cannot be its own parent"));
            }
            let parent = store::by_id_in(tx, parent_id)
                .await?
                .ok_or_else(|| invalid("parent_id", "choose an existing parent page"))?;
            if parent.parent_id.is_some() {
                return Err(invalid(
                    "parent_id",
                    "pages nest one level: choose a top-level page as the parent",
                ));
            }
            if let Some(id) = id
                && store::has_children_in(tx, id).await?
            {
                return Err(invalid(
                    "parent_id",
                    "this page has pages under it, so it stays at the top level",
                ));
            }
            if input.slug == "feed" || input.slug == "page" {
                return Err(invalid(
                    "slug",
                    format!("“{}” under a page is taken by the site", input.slug),
                ));
            }
        }
        None => {
            if slug::RESERVED.contains(&input.slug.as_str()) {
                return Err(invalid(
                    "slug",
                    format!(
                        "/{} is one of the site's own addresses; choose another slug",
                        input.slug
                    ),
                ));
            }
            if let Some(section) = articles::section_named_in(tx, &input.slug).await? {
                return Err(invalid(
                    "slug",
                    format!(
                        "/{} is the section “{section}”, which comes first; choose another slug",
                        input.slug
                    ),
                ));
            }
        }
    }
    if store::path_taken_in(tx, input.parent_id, &input.slug, id).await? {
        return Err(invalid(
            "slug",
            "another page already has this address; choose another slug",
        ));
    }
    Ok(())
}

/// Whether `slug` under `parent_id` is an address the site or a section keeps for itself.
async fn kept_by_site(tx: &mut Tx, parent_id: Option<i64>, slug: &str) -> AppResult<bool> {
    Ok(match parent_id {
        Some(_) => slug == "feed" || slug == "page",
        None => {
            slug::RESERVED.contains(&slug) || articles::section_named_in(tx, slug).await?.is_some()
        }
    })
}

/// `wanted`, or the first numbered form of it (`-2`, `-3`…) that is free under `parent_id` for
/// a page other than `except`: for importers, whose pages met no sections.
pub async fn free_slug_in(
    tx: &mut Tx,
    parent_id: Option<i64>,
    wanted: &str,
    except: Option<i64>,
) -> AppResult<String> {
    let mut candidate = wanted.to_string();
    let mut n = 1;
    while kept_by_site(tx, parent_id, &candidate).await?
        || store::path_taken_in(tx, parent_id, &candidate, except).await?
    {
        n += 1;
        candidate = slug::numbered(wanted, n);
    }
    Ok(candidate)
}

pub async fn page_in(tx: &mut Tx, id: i64) -> AppResult<Page> {
    store::by_id_in(tx, id)
        .await?
        .ok_or_else(|| AppError::not_found("no such page"))
}

/// The page readers see at a path, if it is public now.
pub async fn public(
    db: &Db,
    now: Timestamp,
    parent: Option<&str>,
    slug: &str,
) -> AppResult<Option<Page>> {
    Ok(store::by_path(db, parent, slug)
        .await?
        .filter(|p| p.is_public(now)))
}

pub async fn page(db: &Db, id: i64) -> AppResult<Page> {
    store::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("no such page"))
}

/// Every page, each top-level page followed by the pages under it.
pub async fn all(db: &Db) -> AppResult<Vec<Page>> {
    Ok(store::all(db).await?)
}

pub use store::RevisionRow as Revision;

pub async fn revisions(db: &Db, id: i64) -> AppResult<Vec<RevisionRow>> {
    Ok(store::revisions(db, id).await?)
}

/// Puts a revision's text back as a new save (the status stays as it is).
pub async fn restore(
    db: &Db,
    clock: &Clock,
    user: &User,
    id: i64,
    revision_id: i64,
) -> AppResult<()> {
    check_role(user)?;
    let revision = store::revisions(db, id)
        .await?
        .into_iter()
        .find(|r| r.id == revision_id)
        .ok_or_else(|| AppError::not_found("no such revision"))?;
    let snapshot: Snapshot =
        serde_json::from_str(&revision.snapshot).map_err(anyhow::Error::from)?;
    let current = page(db, id).await?;
    let input = PageInput {
        published_at: current.published_at,
        ..snapshot.input
    };
    save(db, clock, user, Some(id), input, Transition::Save, None).await?;
    Ok(())
}

/// Removes every page, when all content is replaced (a demo reload).
pub async fn delete_all_in(tx: &mut Tx) -> AppResult<()> {
    Ok(store::delete_all(tx).await?)
}

/// Deletes a page that has none under it.
pub async fn delete(db: &Db, user: &User, id: i64) -> AppResult<()> {
    check_role(user)?;
    let mut tx = db.begin().await?;
    if store::has_children_in(&mut tx, id).await? {
        return Err(AppError::Conflict {
            code: "has_children",
            message: "move or delete the pages under this one first".into(),
        });
    }
    if store::delete(&mut tx, id).await? == 0 {
        return Err(AppError::not_found("no such page"));
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    Ok(())
}
