//! Adding media to the library.

use super::files::{MediaFiles, content_type};
use super::store::{self, NewMedia};
use crate::db::{Db, Timestamp, Tx};
use crate::error::AppResult;

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
    Ok(store::library(db, limit).await?)
}
