//! Content-addressed storage: a file lives at `ab/cd/<sha256>.<ext>` in the media store, so
//! identical uploads are stored once, names never collide, and a URL can be cached forever.
//!
//! The store is a folder (`<data-dir>/media` by default) or an S3 bucket every node shares. Both
//! go through `object_store`, so nothing else in Broadsheet knows which; rendered image variants
//! stay in each node's own cache and are not kept here.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};
use sha2::{Digest, Sha256};

use super::store_address::{Bucket, StoreAddress};

#[derive(Debug, Clone)]
pub struct MediaFiles {
    objects: Arc<dyn ObjectStore>,
    address: Arc<str>,
    /// The last health check and when it was made: `/healthz` may be asked often, and a store
    /// that answered a moment ago need not be asked again.
    health: Arc<Mutex<Option<(Instant, bool)>>>,
}

pub struct Stored {
    pub sha256: String,
    /// Relative to the store's root, with forward slashes: what URLs and the database use.
    pub path: String,
}

/// Why a file could not be had. `Down` is the store's trouble, not the reader's: a 503 that
/// invites a retry, where `Missing` is a 404.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("there is no such file in the media store")]
    Missing,
    #[error("the media store {address} failed: {why}")]
    Down { address: String, why: String },
}

/// How long a health answer is reused.
const HEALTH_FOR: Duration = Duration::from_secs(2);

/// A store that has not answered by then is down, as far as `/healthz` is concerned.
const HEALTH_WAIT: Duration = Duration::from_secs(2);

/// Asked for by the health check; that it is absent is the answer of a store that works.
const HEALTH_KEY: &str = ".broadsheet-health";

impl MediaFiles {
    /// Opens the store at `address`, or the data dir's `media` folder when none is given.
    pub fn open(address: Option<&StoreAddress>, data_dir: &Path) -> anyhow::Result<Self> {
        let folder = StoreAddress::Folder(data_dir.join("media"));
        let address = address.unwrap_or(&folder);
        let objects: Arc<dyn ObjectStore> = match address {
            StoreAddress::Folder(path) => {
                std::fs::create_dir_all(path).with_context(|| {
                    format!("cannot create the media folder {}", path.display())
                })?;
                Arc::new(
                    LocalFileSystem::new_with_prefix(path)
                        .with_context(|| {
                            format!("cannot open the media folder {}", path.display())
                        })?
                        .with_automatic_cleanup(true)
                        .with_fsync(true),
                )
            }
            StoreAddress::S3(bucket) => {
                s3(bucket).with_context(|| format!("cannot open the media store {address}"))?
            }
        };
        Ok(MediaFiles {
            objects,
            address: address.to_string().into(),
            health: Arc::new(Mutex::new(None)),
        })
    }

    /// The store's address, for messages and logs.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Whether the store answers now (a missing object is an answer).
    pub async fn is_up(&self) -> bool {
        if let Some((at, up)) = *self.health.lock().unwrap_or_else(|p| p.into_inner())
            && at.elapsed() < HEALTH_FOR
        {
            return up;
        }
        let key = Key::from(HEALTH_KEY);
        let up = match tokio::time::timeout(HEALTH_WAIT, self.objects.head(&key)).await {
            Ok(Ok(_) | Err(object_store::Error::NotFound { .. })) => true,
            Ok(Err(e)) => {
                tracing::warn!(store = %self.address, error = %e, "the media store is down");
                false
            }
            Err(_) => {
                tracing::warn!(store = %self.address, "the media store did not answer in time");
                false
            }
        };
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), up));
        up
    }

    /// Stores `bytes` unless the store already holds them. Writes are whole or nothing: a
    /// folder store renames a finished temporary file into place, S3 makes an object visible
    /// only once all of it arrived.
    pub async fn store(&self, bytes: &[u8], extension: &str) -> Result<Stored, StoreError> {
        let sha256 = format!("{:x}", Sha256::digest(bytes));
        let path = format!("{}/{}/{sha256}.{extension}", &sha256[0..2], &sha256[2..4]);
        if !self.contains(&path).await? {
            self.put(&path, Bytes::copy_from_slice(bytes)).await?;
        }
        Ok(Stored { sha256, path })
    }

    /// Writes a file under the name it already has (a copy from another store or a backup),
    /// after checking that its content still matches that name.
    pub async fn put_named(&self, path: &str, bytes: Bytes) -> Result<(), PutError> {
        if !is_media_path(path) {
            return Err(PutError::NotOurs(path.to_string()));
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let actual = format!("{:x}", Sha256::digest(&bytes));
        if !name.starts_with(&actual) {
            return Err(PutError::Damaged(path.to_string()));
        }
        self.put(path, bytes).await.map_err(PutError::Store)
    }

    async fn put(&self, path: &str, bytes: Bytes) -> Result<(), StoreError> {
        self.objects
            .put(&Key::from(path), PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
            .map_err(|e| self.failed(e))
    }

    /// A stored file's bytes.
    pub async fn read(&self, path: &str) -> Result<Bytes, StoreError> {
        if !is_media_path(path) {
            return Err(StoreError::Missing);
        }
        let got = self.objects.get(&Key::from(path)).await;
        match got {
            Ok(found) => found.bytes().await.map_err(|e| self.failed(e)),
            Err(e) => Err(self.failed(e)),
        }
    }

    pub async fn contains(&self, path: &str) -> Result<bool, StoreError> {
        if !is_media_path(path) {
            return Ok(false);
        }
        match self.objects.head(&Key::from(path)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.failed(e)),
        }
    }

    /// Removes a stored file; one already gone is fine.
    pub async fn remove(&self, path: &str) -> Result<(), StoreError> {
        if !is_media_path(path) {
            return Ok(());
        }
        match self.objects.delete(&Key::from(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.failed(e)),
        }
    }

    /// Every stored file with its size, in no particular order; anything in the store that is
    /// not one of ours (a temporary file, the health key, an operator's note) is passed over.
    pub fn list(&self) -> impl Stream<Item = Result<(String, u64), StoreError>> + '_ {
        self.objects.list(None).filter_map(move |entry| {
            let item = match entry {
                Ok(meta) => {
                    let path = meta.location.to_string();
                    is_media_path(&path).then_some(Ok((path, meta.size)))
                }
                Err(e) => Some(Err(self.failed(e))),
            };
            std::future::ready(item)
        })
    }

    /// Sorts an error into missing or down; a store seen down is reported so by `/healthz`
    /// at once, without waiting for its next check.
    fn failed(&self, error: object_store::Error) -> StoreError {
        match error {
            object_store::Error::NotFound { .. } => StoreError::Missing,
            other => {
                *self.health.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((Instant::now(), false));
                StoreError::Down {
                    address: self.address.to_string(),
                    why: other.to_string(),
                }
            }
        }
    }
}

/// Why a named file was not written.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    #[error("{0} is not a media file's name")]
    NotOurs(String),
    #[error("{0} does not hold what its name says (its checksum differs): it was not copied")]
    Damaged(String),
    #[error(transparent)]
    Store(StoreError),
}

/// A bucket client that gives up quickly: a reader waits for a picture while it tries, so a few
/// seconds of retries is the most that helps; past that the reader gets a 503 to retry.
fn s3(bucket: &Bucket) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&bucket.name)
        .with_client_options(
            ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(2))
                .with_timeout(Duration::from_secs(30)),
        )
        .with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 2,
            retry_timeout: Duration::from_secs(5),
        });
    if let Some(endpoint) = &bucket.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    if let Some(region) = &bucket.region {
        builder = builder.with_region(region);
    }
    let store = builder.build()?;
    Ok(if bucket.prefix.is_empty() {
        Arc::new(store)
    } else {
        Arc::new(PrefixStore::new(store, bucket.prefix.as_str()))
    })
}

/// Whether `path` is a name this store gives (`ab/cd/<sha256>.<ext>`); anything else, such as
/// `../etc/passwd`, is refused before it reaches the store.
pub fn is_media_path(path: &str) -> bool {
    let mut parts = path.split('/');
    let (Some(a), Some(b), Some(name), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Some((hash, ext)) = name.split_once('.') else {
        return false;
    };
    let hex = |s: &str| {
        s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    };
    a.len() == 2
        && b.len() == 2
        && hash.len() == 64
        && hex(hash)
        && hash.starts_with(a)
        && hash[2..].starts_with(b)
        && !ext.is_empty()
        && ext.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// The media type of a stored file, from the extension we gave it when storing.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("avif") => "image/avif",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_addressed_paths_are_ours() {
        let hash = "ab".to_string() + &"c".repeat(62);
        assert!(is_media_path(&format!("ab/cc/{hash}.jpg")));
        assert!(!is_media_path("../etc/passwd"));
        assert!(!is_media_path(&format!("ab/cc/{hash}.jpg/x")));
        assert!(!is_media_path(&format!("zz/cc/{hash}.jpg")));
        assert!(!is_media_path(&format!("ab/cc/{hash}.j/g")));
        assert!(!is_media_path(&format!("ab/cc/{hash}.jpg#1")));
    }

    #[tokio::test]
    async fn a_folder_store_keeps_each_content_once_and_checks_names() {
        let dir = tempfile::tempdir().unwrap();
        let files = MediaFiles::open(None, dir.path()).unwrap();
        assert!(files.is_up().await);
        let first = files.store(b"a picture", "jpg").await.unwrap();
        let again = files.store(b"a picture", "jpg").await.unwrap();
        assert_eq!(first.path, again.path);
        assert_eq!(&files.read(&first.path).await.unwrap()[..], b"a picture");
        assert!(dir.path().join("media").join(&first.path).is_file());
        let listed: Vec<_> = files.list().collect().await;
        assert_eq!(listed, vec![Ok((first.path.clone(), 9))]);

        let other = MediaFiles::open(None, &dir.path().join("copy")).unwrap();
        let bytes = files.read(&first.path).await.unwrap();
        other.put_named(&first.path, bytes).await.unwrap();
        let wrong = other
            .put_named(&first.path, Bytes::from_static(b"something else"))
            .await;
        assert!(matches!(wrong, Err(PutError::Damaged(_))), "{wrong:?}");

        files.remove(&first.path).await.unwrap();
        files.remove(&first.path).await.unwrap();
        assert_eq!(files.read(&first.path).await, Err(StoreError::Missing));
        assert_eq!(
            files.read("../../etc/passwd").await,
            Err(StoreError::Missing)
        );
    }
}
