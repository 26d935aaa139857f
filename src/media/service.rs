//! Adding media to the library.

use super::files::{MediaFiles, content_type};
use super::inspect::inspect;
use super::store::{self, NewMedia};
use crate::db::{Db, Timestamp, Tx};
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
    let stored = files.store(image.bytes, image.extension)?;
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

/// Adds an uploaded file to the library after reading what it is from its header; the name a
/// browser sent is not trusted. Identical files are stored once.
pub async fn upload(
    db: &Db,
    files: &MediaFiles,
    now: Timestamp,
    bytes: &[u8],
    uploaded_by: Option<i64>,
) -> AppResult<i64> {
    let kind = inspect(bytes).map_err(|why| {
        AppError::Invalid(vec![FieldError {
            field: "file".into(),
            message: why,
        }])
    })?;
    let mut tx = db.begin().await?;
    let id = add_image_in(
        &mut tx,
        files,
        now,
        &ImageInput {
            bytes,
            extension: kind.extension,
            width: kind.width,
            height: kind.height,
            alt: "",
            caption: "",
            credit: "",
        },
    )
    .await?;
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

pub async fn update(db: &Db, id: i64, edit: &MediaEdit) -> AppResult<()> {
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
    db.content_changed();
    Ok(())
}

/// How many articles and author profiles use an item.
pub async fn uses(db: &Db, id: i64) -> AppResult<i64> {
    Ok(store::uses(db, id).await?)
}

/// Deletes an item no article or author uses, and its file.
pub async fn delete(db: &Db, files: &MediaFiles, id: i64) -> AppResult<()> {
    let found = item(db, id).await?;
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
    tx.commit().await?;
    files.remove(&found.path)?;
    Ok(())
}
