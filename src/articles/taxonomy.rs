//! What organises articles: sections (one level of sub-sections), tags and author profiles.

use chrono_tz::Tz;

use super::service::article_path;
use super::slug;
use super::store::{self, AuthorRow, NewAuthor, NewSection, TagRow};
use crate::accounts::service::User;
use crate::accounts::{Capability, allows};
use crate::clock::Clock;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult, FieldError};
use crate::search::log::{self as search_log, Label};

pub async fn create_section_in(tx: &mut Tx, section: &NewSection<'_>) -> AppResult<i64> {
    create_section_with_id_in(tx, section, None).await
}

async fn create_section_with_id_in(
    tx: &mut Tx,
    section: &NewSection<'_>,
    id: Option<i64>,
) -> AppResult<i64> {
    if !slug::is_valid(section.slug) || slug::RESERVED.contains(&section.slug) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "slug".into(),
            message: format!("{:?} cannot be a section slug", section.slug),
        }]));
    }
    let id = store::insert_section(tx, section, id).await?;
    tx.bump_content_version().await?;
    Ok(id)
}

pub async fn create_tag_in(tx: &mut Tx, name: &str) -> AppResult<i64> {
    Ok(store::insert_tag(tx, name, &slug::slugify(name), None).await?)
}

pub async fn create_author_in(
    tx: &mut Tx,
    name: &str,
    bio: &str,
    avatar_media_id: Option<i64>,
) -> AppResult<i64> {
    let author = NewAuthor {
        name,
        slug: &slug::slugify(name),
        bio,
        avatar_media_id,
        x_handle: "",
    };
    Ok(store::insert_author(tx, &author, None).await?)
}

/// A row an `ensure_*` function found, or made because there was none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ensured {
    pub id: i64,
    pub created: bool,
}

impl Ensured {
    fn found(id: i64) -> Self {
        Ensured { id, created: false }
    }

    fn made(id: i64) -> Self {
        Ensured { id, created: true }
    }
}

/// The section with `section.slug`, created (with the id `wanted`, when given) when there is
/// none: an importer meets the same section again on every run, and a section an editor made
/// first is the one it means.
pub async fn ensure_section_in(
    tx: &mut Tx,
    section: &NewSection<'_>,
    wanted: Option<i64>,
) -> AppResult<Ensured> {
    match store::section_id_by_slug_in(tx, section.slug).await? {
        Some(id) => Ok(Ensured::found(id)),
        None => create_section_with_id_in(tx, section, wanted)
            .await
            .map(Ensured::made),
    }
}

/// The name of the section with `section_slug`, if there is one: another content type asks
/// before it takes an address at the top of the site.
pub async fn section_named_in(tx: &mut Tx, section_slug: &str) -> AppResult<Option<String>> {
    Ok(store::section_name_by_slug_in(tx, section_slug).await?)
}

/// The public path of a section's front.
pub async fn section_path_in(tx: &mut Tx, id: i64) -> AppResult<String> {
    Ok(format!("/{}", store::section_slug_in(tx, id).await?))
}

/// The tag with `tag_slug`, created (with its description, and the id `wanted` when given)
/// when there is none.
pub async fn ensure_tag_in(
    tx: &mut Tx,
    name: &str,
    tag_slug: &str,
    description: &str,
    wanted: Option<i64>,
) -> AppResult<Ensured> {
    if let Some(id) = store::tag_id_by_slug_in(tx, tag_slug).await? {
        return Ok(Ensured::found(id));
    }
    if !slug::is_valid(tag_slug) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "slug".into(),
            message: format!("{tag_slug:?} cannot be a tag slug"),
        }]));
    }
    let id = store::insert_tag(tx, name, tag_slug, wanted).await?;
    store::set_tag_description(tx, id, description).await?;
    Ok(Ensured::made(id))
}

/// The author profile with `author_slug`, created (with the id `wanted`, when given) when there
/// is none.
pub async fn ensure_author_in(
    tx: &mut Tx,
    name: &str,
    author_slug: &str,
    bio: &str,
    wanted: Option<i64>,
) -> AppResult<Ensured> {
    if let Some(id) = store::author_id_by_slug_in(tx, author_slug).await? {
        return Ok(Ensured::found(id));
    }
    let author = NewAuthor {
        name,
        slug: author_slug,
        bio,
        avatar_media_id: None,
        x_handle: "",
    };
    Ok(Ensured::made(
        store::insert_author(tx, &author, wanted).await?,
    ))
}

pub async fn tags(db: &Db) -> AppResult<Vec<TagRow>> {
    Ok(store::tags(db).await?)
}

/// A tag's description (empty when it has none), shown on its page.
pub async fn tag_description(db: &Db, id: i64) -> AppResult<String> {
    Ok(store::tag_description(db, id).await?.unwrap_or_default())
}

/// The tags that have a description, with it.
pub async fn tag_descriptions(db: &Db) -> AppResult<Vec<(i64, String)>> {
    Ok(store::tag_descriptions(db).await?)
}

pub async fn count_tags(db: &Db) -> AppResult<i64> {
    Ok(store::count_tags(db).await?)
}

pub async fn tag(db: &Db, id: i64) -> AppResult<Option<TagRow>> {
    Ok(store::tag_by_id(db, id).await?)
}

pub async fn authors(db: &Db) -> AppResult<Vec<AuthorRow>> {
    Ok(store::authors(db).await?)
}

/// The ids of the tags an article is given by name, for `user`. Whoever manages the taxonomy
/// creates the ones that do not exist yet (the editor's "create on the fly"); anyone else may
/// only use existing tags, since every new tag is a public page. Call it after the save has been
/// allowed, so a refused request leaves no tag behind.
pub async fn tags_for(db: &Db, user: &User, names: &[String]) -> AppResult<Vec<i64>> {
    tags_named(db, names, allows(user.role, Capability::ManageTaxonomy)).await
}

async fn tags_named(db: &Db, names: &[String], create: bool) -> AppResult<Vec<i64>> {
    let mut tx = db.begin().await?;
    let mut ids = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let tag_slug = slug::slugify(name);
        if tag_slug.is_empty() {
            continue;
        }
        let id = match store::tag_id_by_slug_in(&mut tx, &tag_slug).await? {
            Some(id) => id,
            None if create => store::insert_tag(&mut tx, name, &tag_slug, None).await?,
            None => {
                return Err(AppError::Invalid(vec![FieldError {
                    field: "tags".into(),
                    message: format!(
                        "there is no tag “{name}”; use an existing tag, or ask an editor to add it"
                    ),
                }]));
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    tx.commit().await?;
    Ok(ids)
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

/// A section as it stands, as the input that would save it unchanged (its position is its
/// place in the site's order), for a door that changes some of its fields.
pub async fn section_input(db: &Db, id: i64) -> AppResult<SectionInput> {
    let sections = store::sections(db).await?;
    let (position, section) = sections
        .iter()
        .enumerate()
        .find(|(_, s)| s.id == id)
        .ok_or_else(|| AppError::not_found("no such section"))?;
    Ok(SectionInput {
        parent_id: section.parent_id,
        name: section.name.clone(),
        slug: section.slug.clone(),
        description: section.description.clone(),
        position: i64::try_from(position).unwrap_or(0),
    })
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
    tx.bump_content_version().await?;
    tx.commit().await?;
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
    search_log::label_changed_in(&mut tx, Label::Section(id)).await?;
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
    Ok(())
}

pub async fn create_tag(db: &Db, name: &str) -> AppResult<i64> {
    tags_named(db, &[name.to_string()], true)
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
    search_log::label_changed_in(&mut tx, Label::Tag(id)).await?;
    tx.bump_content_version().await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a tag; its articles simply lose it.
pub async fn delete_tag(db: &Db, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    search_log::label_changed_in(&mut tx, Label::Tag(id)).await?;
    if store::delete_tag(&mut tx, id).await? == 0 {
        return Err(AppError::not_found("no such tag"));
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    Ok(())
}

pub struct AuthorInput {
    pub name: String,
    pub bio: String,
    pub avatar_media_id: Option<i64>,
    /// Their handle on X, with or without the "@"; empty for none.
    pub x_handle: String,
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
    let handle =
        crate::site::settings::x_handle(&input.x_handle).map_err(|e| AppError::Invalid(vec![e]))?;
    let author = NewAuthor {
        name,
        slug: &author_slug,
        bio: input.bio.trim(),
        avatar_media_id: input.avatar_media_id,
        x_handle: &handle,
    };
    let mut tx = db.begin().await?;
    let saved = match id {
        Some(id) => {
            if store::update_author(&mut tx, id, &author).await? == 0 {
                return Err(AppError::not_found("no such author"));
            }
            search_log::label_changed_in(&mut tx, Label::Author(id)).await?;
            id
        }
        None => store::insert_author(&mut tx, &author, None).await?,
    };
    tx.bump_content_version().await?;
    tx.commit().await?;
    Ok(saved)
}

/// Deletes an author profile; its articles lose the byline. A profile linked to an account
/// stays until the account is unlinked.
pub async fn delete_author(db: &Db, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    search_log::label_changed_in(&mut tx, Label::Author(id)).await?;
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
    Ok(())
}

/// The media id of an author's portrait (the author list shows its path).
pub async fn author_avatar_id(db: &Db, id: i64) -> AppResult<Option<i64>> {
    Ok(store::author_avatar_id(db, id).await?)
}
