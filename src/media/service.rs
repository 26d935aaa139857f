//! The media library's rules: adding files, who may change or delete an item, when an item is
//! in use, and which items anyone may see through the image service.

use std::collections::{BTreeSet, HashMap};

use super::files::{MediaFiles, content_type};
use super::inspect::inspect;
use super::references;
use super::store::{self, NewMedia};
use crate::accounts::service::User;
use crate::accounts::{Capability, allows};
use crate::db::{Db, Timestamp, Tx, page_total};
use crate::error::{AppError, AppResult, FieldError};

/// An image whose format and dimensions the caller has established.
pub struct ImageInput<'a> {
    pub bytes: &'a [u8],
    pub extension: &'a str,
    pub width: u32,
    pub height: u32,
    pub alt: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
}

/// Stores the file and records it inside the caller's transaction; returns the media id.
pub async fn add_image_in(
    tx: &mut Tx,
    files: &MediaFiles,
    now: Timestamp,
    image: &ImageInput<'_>,
) -> AppResult<i64> {
    let stored = files.store(image.bytes, image.extension).await?;
    let id = store::upsert(
        tx,
        &NewMedia {
            sha256: &stored.sha256,
            path: &stored.path,
            content_type: content_type(&stored.path),
            width: i64::from(image.width),
            height: i64::from(image.height),
            bytes: i64::try_from(image.bytes.len()).unwrap_or(i64::MAX),
            alt: image.alt,
            caption: image.caption,
            credit: image.credit,
            created_at: now,
        },
    )
    .await?;
    Ok(id)
}

pub async fn delete_unused_in(tx: &mut Tx) -> AppResult<u64> {
    Ok(store::delete_unused(tx).await?)
}

pub use super::store::MediaRow as MediaItem;

pub async fn library(db: &Db, limit: i64) -> AppResult<Vec<MediaItem>> {
    Ok(store::library(db, None, limit, 0).await?)
}

/// The next `limit` items of the library after id `after`, by id: for an export.
pub async fn after(db: &Db, after: i64, limit: i64) -> AppResult<Vec<MediaItem>> {
    Ok(store::after(db, after, limit).await?)
}

/// One page of the library, newest first, optionally filtered by its text.
pub async fn search(
    db: &Db,
    query: Option<&str>,
    page: i64,
    per_page: i64,
) -> AppResult<(Vec<MediaItem>, i64)> {
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    let total = store::count(db, query).await?;
    let pages = ((total + per_page - 1) / per_page).max(1);
    let page = page.clamp(1, pages);
    let items = store::library(db, query, per_page, (page - 1) * per_page).await?;
    Ok((items, pages))
}

pub async fn item(db: &Db, id: i64) -> AppResult<MediaItem> {
    store::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("no such media item"))
}

/// What a file added to the library is shown with.
#[derive(Debug, Clone, Copy, Default)]
pub struct Texts<'a> {
    pub alt: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
}

/// Adds a file to the library inside the caller's transaction, after reading what it is from
/// its header: the name it came with is not trusted. Identical files are stored once.
pub async fn add_file_in(
    tx: &mut Tx,
    files: &MediaFiles,
    now: Timestamp,
    bytes: &[u8],
    texts: Texts<'_>,
) -> AppResult<i64> {
    let kind = inspect(bytes).map_err(|why| {
        AppError::Invalid(vec![FieldError {
            field: "file".into(),
            message: why,
        }])
    })?;
    add_image_in(
        tx,
        files,
        now,
        &ImageInput {
            bytes,
            extension: kind.extension,
            width: kind.width,
            height: kind.height,
            alt: texts.alt,
            caption: texts.caption,
            credit: texts.credit,
        },
    )
    .await
}

/// Adds an uploaded file to the library (see [`add_file_in`]).
pub async fn upload(
    db: &Db,
    files: &MediaFiles,
    now: Timestamp,
    bytes: &[u8],
    uploaded_by: Option<i64>,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = add_file_in(&mut tx, files, now, bytes, Texts::default()).await?;
    store::set_uploader(&mut tx, id, uploaded_by).await?;
    tx.commit().await?;
    Ok(id)
}

pub struct MediaEdit {
    pub alt: String,
    pub caption: String,
    pub credit: String,
    /// Thousandths of the width and height from the top left.
    pub focal_x: i64,
    pub focal_y: i64,
}

/// Whether `user` may change and delete `item`: editors and administrators any item, authors
/// only what they uploaded themselves.
pub fn may_manage(user: &User, item: &MediaItem) -> bool {
    allows(user.role, Capability::ManageAnyMedia)
        || (allows(user.role, Capability::UploadMedia) && item.uploaded_by == Some(user.id))
}

fn refuse_unless_manager(user: &User, item: &MediaItem) -> AppResult<()> {
    if may_manage(user, item) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only editors may change media that someone else uploaded".into(),
        ))
    }
}

/// Changes an item's text and focal point, for someone who may manage it.
pub async fn update(db: &Db, user: &User, id: i64, edit: &MediaEdit) -> AppResult<()> {
    refuse_unless_manager(user, &item(db, id).await?)?;
    if !(0..=1000).contains(&edit.focal_x) || !(0..=1000).contains(&edit.focal_y) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "focal point".into(),
            message: "the focal point must lie inside the image".into(),
        }]));
    }
    let mut tx = db.begin().await?;
    let changed = store::update_text(
        &mut tx,
        id,
        &store::MediaText {
            alt: edit.alt.trim(),
            caption: edit.caption.trim(),
            credit: edit.credit.trim(),
            focal_x: edit.focal_x,
            focal_y: edit.focal_y,
        },
    )
    .await?;
    if changed == 0 {
        return Err(AppError::not_found("no such media item"));
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    Ok(())
}

/// How many articles (lead image or body) and author profiles use an item.
pub async fn uses(db: &Db, id: i64) -> AppResult<i64> {
    Ok(store::uses(db, id).await?)
}

/// Whether anyone may see an item by its id: published content, an author's portrait or the
/// site's logo shows it. Others need a signed URL (see [`references`]).
pub async fn is_public(db: &Db, id: i64, now: Timestamp) -> AppResult<bool> {
    Ok(store::is_public(db, id, now).await?)
}

/// The library items a body's HTML shows, as ids of items that exist.
pub async fn shown_in(tx: &mut Tx, html: &str) -> AppResult<Vec<i64>> {
    let found = references::find(html);
    let mut ids: BTreeSet<i64> = dimensions_in(tx, &found.ids).await?.into_keys().collect();
    ids.extend(store::ids_at_paths(tx, &found.paths).await?);
    Ok(ids.into_iter().collect())
}

/// The width and height of each of `ids` that is a library item.
pub async fn dimensions_in(tx: &mut Tx, ids: &[i64]) -> AppResult<HashMap<i64, (u32, u32)>> {
    let size = |v: i64| u32::try_from(v).unwrap_or(0);
    Ok(store::dimensions(tx, ids)
        .await?
        .into_iter()
        .map(|(id, w, h)| (id, (size(w), size(h))))
        .collect())
}

/// Deletes an item no article or author uses, and its file, for someone who may manage it.
pub async fn delete(db: &Db, files: &MediaFiles, user: &User, id: i64) -> AppResult<()> {
    let found = item(db, id).await?;
    refuse_unless_manager(user, &found)?;
    let uses = store::uses(db, id).await?;
    if uses > 0 {
        return Err(AppError::Conflict {
            code: "media_in_use",
            message: format!(
                "this image is used {uses} time(s); remove it from those articles and authors first"
            ),
        });
    }
    let mut tx = db.begin().await?;
    store::delete(&mut tx, id).await?;
    tx.bump_content_version().await?;
    tx.commit().await?;
    if let Err(e) = files.remove(&found.path).await {
        tracing::warn!(error = %e, path = %found.path, "a deleted media item's file stays in the store");
    }
    Ok(())
}

pub use super::store::PublicMedia;

/// A page of the items anyone may see (see [`is_public`]) that `filter` keeps, each with the
/// published article that leads with it, if any; and how many there are in all.
pub async fn public(
    db: &Db,
    now: Timestamp,
    filter: &PublicMedia,
    newest_first: bool,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<(MediaItem, Option<i64>)>, i64)> {
    let rows = store::public_page(db, now, filter, newest_first, limit, offset).await?;
    let total = page_total(offset, limit, rows.len(), || {
        store::public_count(db, now, filter)
    })
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let leads: HashMap<i64, i64> = store::lead_of(db, now, &ids).await?.into_iter().collect();
    let items = rows
        .into_iter()
        .map(|r| {
            let parent = leads.get(&r.id).copied();
            (r, parent)
        })
        .collect();
    Ok((items, total))
}
