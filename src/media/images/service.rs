//! The image service: resolves a source, finds or renders the variant, and keeps the machine
//! safe while doing it. Identical concurrent requests render once; at most `workers` loads and
//! renders run at a time, and the rest wait for a worker up to a deadline: a browser does not
//! retry an image, so a burst of distinct variants (a front page on a cold cache) must be
//! rendered, not refused. Only a request that would wait past the deadline, or past a ceiling
//! of waiters, is told to come back (503).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{OnceCell, Semaphore};

use super::budget::RenderBudget;
use super::decode::{DecodeError, read_header};
use super::encode::Output;
use super::errors::ImageError;
use super::fetch::{FetchError, FetchLimits, Fetcher};
use super::params::{Format, Gravity, Quality, Transform};
use super::pipeline::{Bounds, RenderError, Target, render};
use super::source::{AllowList, Source};
use super::variants::{Variant, VariantCache};
use crate::db::{Db, Timestamp};
use crate::error::AppError;
use crate::media::files::is_media_path;
use crate::media::references;
use crate::media::service as library;
use crate::media::{MediaFiles, StoreError};
use crate::secrets::sha256_hex;
use crate::site::settings;

/// Requests that may wait for a worker by default: enough for two readers opening a front page
/// of a hundred pictures on a cold cache; waiting requests hold no image in memory.
pub const DEFAULT_QUEUE: usize = 256;

/// How long a request waits for a worker by default: a reader notices, but the picture arrives.
pub const DEFAULT_QUEUE_WAIT_SECONDS: u64 = 5;

pub struct ImageConfig {
    pub allowed: AllowList,
    pub fetch: FetchLimits,
    pub bounds: Bounds,
    pub cache_bytes: u64,
    pub workers: usize,
    /// Requests that may wait for a worker at once; a ceiling, so waiting cannot pile up.
    pub queue: usize,
    /// How long a request waits for a worker before it is answered 503.
    pub queue_wait: Duration,
    /// Renders one client address may cause a minute; 0 for no limit.
    pub renders_per_client: u32,
}

pub struct ImageService {
    allowed: AllowList,
    fetcher: Fetcher,
    bounds: Bounds,
    cache: VariantCache,
    inflight: Mutex<HashMap<String, Arc<Pending>>>,
    workers: Semaphore,
    queue: usize,
    queue_wait: Duration,
    waiting: AtomicUsize,
    budget: RenderBudget,
    renders: AtomicU64,
    /// Keys of AVIF variants queued for the background, and the one turn they share.
    background: Mutex<HashSet<String>>,
    background_turn: Semaphore,
    /// Recent failures of remote origins, so a broken origin is not asked again on every view.
    failures: Mutex<HashMap<String, (Instant, ImageError)>>,
    /// Library items as resolved in the current content generation, so a request that the
    /// variant cache answers costs no query.
    known: Mutex<KnownItems>,
}

/// Library items and whether anyone may see them, valid for one content generation: every
/// change that could alter either (publishing, unpublishing, a scheduled time passing, an edit
/// or deletion of the item) moves the generation.
#[derive(Default)]
struct KnownItems {
    generation: u64,
    items: HashMap<i64, (Arc<library::MediaItem>, bool)>,
}

/// Items remembered at most; past it the memory starts again.
const KNOWN_ITEMS: usize = 10_000;

/// A render in progress, shared by everyone asking for the same variant.
type Pending = OnceCell<Result<Arc<Variant>, ImageError>>;

/// AVIF renders waiting in the background, at most; beyond that a request just gets WebP again.
const BACKGROUND_PENDING: usize = 64;

/// A resolved source: what identifies its bytes, and how to get them.
#[derive(Clone)]
struct Origin {
    identity: String,
    focus: (f64, f64),
    immutable: bool,
    /// A library item no published content shows, seen through a signed URL.
    private: bool,
    location: Location,
}

#[derive(Clone)]
enum Location {
    /// A library file, read from the media store (which may be another machine's bucket).
    Stored(MediaFiles, String),
    Remote(reqwest::Url),
}

/// Who asks, and when: the request's query (which may carry a signature), the client's
/// address (whose renders are counted) and the time.
pub struct Asker<'a> {
    pub query: &'a str,
    pub accept: &'a str,
    pub client: &'a str,
    pub now: Timestamp,
}

/// What `raw` and `metadata` answer with.
pub struct Answer {
    pub variant: Arc<Variant>,
    pub output: Output,
    pub etag: String,
    /// Media-library sources never change (their files are content-addressed).
    pub immutable: bool,
    /// An unpublished library item, for the signed URL's holder alone: no shared cache keeps it.
    pub private: bool,
    /// A stand-in (WebP) while the negotiated AVIF renders in the background: cache it briefly.
    pub interim: bool,
    /// The `dpr` the caller gave, for `Content-Dpr`.
    pub dpr: Option<f64>,
}

/// The `debug` answer: the transform as understood, without rendering.
#[derive(Serialize)]
pub struct Debug {
    pub source: String,
    pub transform: Transform,
    pub output: String,
    pub cache_key: String,
}

impl ImageService {
    pub fn new(config: ImageConfig, data_dir: &std::path::Path) -> anyhow::Result<ImageService> {
        Ok(ImageService {
            allowed: config.allowed,
            fetcher: Fetcher::new(config.fetch)?,
            bounds: config.bounds,
            cache: VariantCache::open(data_dir, config.cache_bytes)?,
            inflight: Mutex::new(HashMap::new()),
            workers: Semaphore::new(config.workers.max(1)),
            queue: config.queue,
            queue_wait: config.queue_wait,
            waiting: AtomicUsize::new(0),
            budget: RenderBudget::new(config.renders_per_client),
            renders: AtomicU64::new(0),
            background: Mutex::new(HashSet::new()),
            background_turn: Semaphore::new(1),
            failures: Mutex::new(HashMap::new()),
            known: Mutex::new(KnownItems::default()),
        })
    }

    /// Requests waiting for a worker now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Renders started since the service began (cache hits and shared renders not counted).
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    pub async fn raw(
        self: &Arc<Self>,
        db: &Db,
        media: &MediaFiles,
        source: &str,
        asker: &Asker<'_>,
    ) -> Result<Answer, ImageError> {
        let (t, origin, target) = self.understand(db, media, source, asker).await?;
        let key = variant_key(&origin, &t, target);
        if let Some(hit) = self.cache.get(&key) {
            return answer(Arc::new(hit), &key, &origin, &t, false);
        }
        self.charge(asker)?;
        if t.format == Format::Auto && target == Target::Exactly(Output::Avif) {
            self.render_later(key, origin.clone(), t.clone(), target);
            let interim = Target::Exactly(Output::Webp);
            let key = variant_key(&origin, &t, interim);
            let variant = match self.cache.get(&key) {
                Some(hit) => Arc::new(hit),
                None => self.render_once(&key, &origin, &t, interim).await?,
            };
            return answer(variant, &key, &origin, &t, true);
        }
        let variant = self.render_once(&key, &origin, &t, target).await?;
        answer(variant, &key, &origin, &t, false)
    }

    /// Starts an AVIF render in the background, one at a time and a bounded number waiting, so
    /// it never takes a worker a reader is waiting for; one that cannot start is simply tried
    /// again by the next request.
    fn render_later(self: &Arc<Self>, key: String, origin: Origin, t: Transform, target: Target) {
        {
            let mut pending = self.background.lock().unwrap_or_else(|p| p.into_inner());
            if pending.len() >= BACKGROUND_PENDING || !pending.insert(key.clone()) {
                return;
            }
        }
        let service = Arc::clone(self);
        tokio::spawn(async move {
            if let Ok(_turn) = service.background_turn.acquire().await
                && let Err(e) = service.render_once(&key, &origin, &t, target).await
            {
                tracing::warn!(
                    error = ?e,
                    "a background AVIF render failed; browsers keep getting WebP for this picture"
                );
            }
            let mut pending = service.background.lock().unwrap_or_else(|p| p.into_inner());
            pending.remove(&key);
        });
    }

    pub async fn debug(
        &self,
        db: &Db,
        media: &MediaFiles,
        source: &str,
        asker: &Asker<'_>,
    ) -> Result<Debug, ImageError> {
        let (t, origin, target) = self.understand(db, media, source, asker).await?;
        Ok(Debug {
            source: source.trim().to_string(),
            output: match target {
                Target::Exactly(output) => output.content_type().to_string(),
                Target::JpegOrPng => "image/jpeg, or image/png when transparent".to_string(),
            },
            cache_key: variant_key(&origin, &t, target),
            transform: t,
        })
    }

    /// Reads a request: its transform, its source, and the format it will get.
    async fn understand(
        &self,
        db: &Db,
        media: &MediaFiles,
        source: &str,
        asker: &Asker<'_>,
    ) -> Result<(Transform, Origin, Target), ImageError> {
        let t = Transform::parse(asker.query).map_err(ImageError::BadParameter)?;
        if let Some(system) = &t.source {
            tracing::debug!(source = %system, "image requested");
        }
        let origin = self.resolve(db, media, source, asker).await?;
        let target = negotiate(&t, asker.accept);
        Ok((t, origin, target))
    }

    /// Finds the source. A library item that no published content shows is answered only to a
    /// signed URL, and otherwise as if it did not exist, so ids cannot be probed.
    async fn resolve(
        &self,
        db: &Db,
        media: &MediaFiles,
        raw: &str,
        asker: &Asker<'_>,
    ) -> Result<Origin, ImageError> {
        match Source::parse(raw).map_err(ImageError::BadParameter)? {
            Source::Media(id) => {
                let missing = || ImageError::NotFound(format!("There is no media item {id}"));
                let internal = |e: AppError| match e {
                    AppError::NotFound(_) => missing(),
                    other => ImageError::Internal(other.to_string()),
                };
                let (item, public) = match self.recall(db, id) {
                    Some(known) => known,
                    None => {
                        let generation = db.generation();
                        let item = Arc::new(library::item(db, id).await.map_err(internal)?);
                        let public = library::is_public(db, id, asker.now)
                            .await
                            .map_err(internal)?;
                        self.remember(generation, id, &item, public);
                        (item, public)
                    }
                };
                if !public {
                    let key = settings::signing_key(db).await.map_err(internal)?;
                    if !references::allows(&key, id, asker.query, asker.now) {
                        return Err(missing());
                    }
                }
                if !is_media_path(&item.path) {
                    return Err(missing());
                }
                Ok(Origin {
                    identity: format!("media:{}", item.path),
                    focus: (item.focal_x as f64 / 1000.0, item.focal_y as f64 / 1000.0),
                    immutable: true,
                    private: !public,
                    location: Location::Stored(media.clone(), item.path.clone()),
                })
            }
            Source::Remote(url) => {
                if !self.allowed.permits(&url) {
                    return Err(ImageError::Refused(format!(
                        "Images from {} are not allowed",
                        url.host_str().unwrap_or("that address")
                    )));
                }
                Ok(Origin {
                    identity: format!("url:{url}"),
                    focus: (0.5, 0.5),
                    immutable: false,
                    private: false,
                    location: Location::Remote(url),
                })
            }
        }
    }

    fn recall(&self, db: &Db, id: i64) -> Option<(Arc<library::MediaItem>, bool)> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        (known.generation == db.generation())
            .then(|| known.items.get(&id).cloned())
            .flatten()
    }

    fn remember(&self, generation: u64, id: i64, item: &Arc<library::MediaItem>, public: bool) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.generation != generation || known.items.len() >= KNOWN_ITEMS {
            known.generation = generation;
            known.items.clear();
        }
        known.items.insert(id, (Arc::clone(item), public));
    }

    /// Renders a missing variant; concurrent callers for the same key share one render.
    async fn render_once(
        &self,
        key: &str,
        origin: &Origin,
        t: &Transform,
        target: Target,
    ) -> Result<Arc<Variant>, ImageError> {
        let cell = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            inflight.entry(key.to_string()).or_default().clone()
        };
        let result = cell
            .get_or_init(|| self.load_and_render(key, origin, t, target))
            .await
            .clone();
        let mut inflight = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        if inflight.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            inflight.remove(key);
        }
        result
    }

    async fn load_and_render(
        &self,
        key: &str,
        origin: &Origin,
        t: &Transform,
        target: Target,
    ) -> Result<Arc<Variant>, ImageError> {
        let _permit = self.admit().await?;
        let bytes = self.load(origin).await?;
        let (t, bounds, focus) = (t.clone(), self.bounds, origin.focus);
        self.renders.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let rendered = tokio::task::spawn_blocking(move || {
            let header = read_header(&bytes, bounds.max_pixels).map_err(source_error)?;
            render(
                &bytes,
                &header,
                &t,
                target,
                t.quality_number(),
                focus,
                bounds,
            )
            .map_err(|e| match e {
                RenderError::Source(e) => source_error(e),
                RenderError::Failed(why) => ImageError::Internal(why),
            })
        })
        .await
        .map_err(|e| ImageError::Internal(format!("render task: {e}")))??;
        metrics::histogram!("broadsheet_image_render_seconds")
            .record(started.elapsed().as_secs_f64());
        let variant = Variant {
            bytes: rendered.bytes.into(),
            output: Some(rendered.output),
            width: rendered.width,
            height: rendered.height,
        };
        self.cache.put(key, &variant);
        Ok(Arc::new(variant))
    }

    /// Counts a miss (a render to wait for or to start in the background) against the asking
    /// client's budget.
    fn charge(&self, asker: &Asker<'_>) -> Result<(), ImageError> {
        if self.budget.charge(asker.client) {
            Ok(())
        } else {
            metrics::counter!("broadsheet_image_rejections_total", "reason" => "client_limit")
                .increment(1);
            Err(ImageError::TooManyRenders)
        }
    }

    /// Waits for a worker up to the deadline, unless the waiters' ceiling is already reached.
    async fn admit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ImageError> {
        if let Ok(permit) = self.workers.try_acquire() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(shed("queue_full"));
        }
        let permit = tokio::time::timeout(self.queue_wait, self.workers.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        match permit {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(shed("waited_too_long")),
        }
    }

    async fn load(&self, origin: &Origin) -> Result<Vec<u8>, ImageError> {
        match &origin.location {
            Location::Stored(media, path) => match media.read(path).await {
                Ok(bytes) => Ok(bytes.to_vec()),
                Err(StoreError::Missing) => {
                    tracing::warn!(
                        path,
                        store = media.address(),
                        "a library picture's original is missing from the media store"
                    );
                    Err(ImageError::OriginalMissing)
                }
                Err(down) => Err(ImageError::StoreDown(down.to_string())),
            },
            Location::Remote(url) => self.fetch_original(&origin.identity, url).await,
        }
    }

    /// The file at `address` when the allow-list admits it, fetched under the same rules as
    /// the service's own remote originals: for the importer's `--fetch-media`. The error is a
    /// sentence for a report.
    pub async fn fetch_allowed(&self, address: &str) -> Result<Vec<u8>, String> {
        let url = reqwest::Url::parse(address)
            .map_err(|e| format!("{address:?} is not an address: {e}"))?;
        self.fetcher
            .fetch(&url, &self.allowed)
            .await
            .map_err(|e| fetch_error(e).info().message)
    }

    /// Remote originals are kept in the variant cache too, so the widths of one `srcset` fetch
    /// the origin once; failures are remembered for as long as their answer may be cached.
    async fn fetch_original(
        &self,
        identity: &str,
        url: &reqwest::Url,
    ) -> Result<Vec<u8>, ImageError> {
        let key = sha256_hex(&format!("original|{identity}"));
        if let Some(original) = self.cache.get(&key) {
            return Ok(original.bytes.to_vec());
        }
        if let Some(error) = self.recent_failure(identity) {
            return Err(error);
        }
        match self.fetcher.fetch(url, &self.allowed).await {
            Ok(bytes) => {
                self.cache.put(
                    &key,
                    &Variant {
                        bytes: bytes.clone().into(),
                        output: None,
                        width: 0,
                        height: 0,
                    },
                );
                Ok(bytes)
            }
            Err(e) => {
                let error = fetch_error(e);
                self.remember_failure(identity, &error);
                Err(error)
            }
        }
    }

    fn recent_failure(&self, identity: &str) -> Option<ImageError> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures
            .get(identity)
            .filter(|(until, _)| Instant::now() < *until)
            .map(|(_, e)| e.clone())
    }

    fn remember_failure(&self, identity: &str, error: &ImageError) {
        let Some(seconds) = error.max_age() else {
            return;
        };
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        failures.retain(|_, (until, _)| now < *until);
        failures.insert(
            identity.to_string(),
            (
                now + Duration::from_secs(u64::from(seconds.min(300))),
                error.clone(),
            ),
        );
    }
}

fn answer(
    variant: Arc<Variant>,
    key: &str,
    origin: &Origin,
    t: &Transform,
    interim: bool,
) -> Result<Answer, ImageError> {
    let output = variant
        .output
        .ok_or_else(|| ImageError::Internal("a cached variant lost its format".into()))?;
    Ok(Answer {
        variant,
        output,
        etag: format!("\"{}\"", &key[..32]),
        immutable: origin.immutable,
        private: origin.private,
        interim,
        dpr: t.dpr_given.then(|| f64::from(t.dpr) / 100.0),
    })
}

/// `format=auto` by `Accept`: AVIF, then WebP, then JPEG (PNG for transparent sources); and
/// Origami's rule that `quality=lossless` with `auto` means PNG.
fn negotiate(t: &Transform, accept: &str) -> Target {
    let output = match t.format {
        Format::Jpg => Output::Jpeg,
        Format::Png => Output::Png,
        Format::Webp => Output::Webp,
        Format::Avif => Output::Avif,
        Format::Gif => Output::Gif,
        Format::Auto if t.quality == Quality::Lossless => Output::Png,
        Format::Auto if accepts(accept, "image/avif") => Output::Avif,
        Format::Auto if accepts(accept, "image/webp") => Output::Webp,
        Format::Auto => return Target::JpegOrPng,
    };
    Target::Exactly(output)
}

/// Whether `Accept` lists the type with a non-zero quality.
fn accepts(accept: &str, media_type: &str) -> bool {
    accept.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let matches = parts
            .next()
            .is_some_and(|t| t.eq_ignore_ascii_case(media_type));
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        matches && !refused
    })
}

fn variant_key(origin: &Origin, t: &Transform, target: Target) -> String {
    let focus = if t.gravity == Gravity::Poi {
        format!("{:.3},{:.3}", origin.focus.0, origin.focus.1)
    } else {
        String::new()
    };
    sha256_hex(&format!(
        "{}|{}|{target:?}|{focus}",
        origin.identity,
        t.cache_key()
    ))
}

/// A render refused for load, counted by why.
fn shed(reason: &'static str) -> ImageError {
    metrics::counter!("broadsheet_image_rejections_total", "reason" => reason).increment(1);
    ImageError::Busy
}

fn source_error(e: DecodeError) -> ImageError {
    ImageError::BadSource(e.to_string())
}

fn fetch_error(e: FetchError) -> ImageError {
    match e {
        FetchError::Refused(m) => ImageError::Refused(m),
        FetchError::NotFound => ImageError::NotFound("The origin has no such image".into()),
        FetchError::NotAnImage(m) => ImageError::BadSource(m),
        FetchError::TooLarge(cap) => ImageError::BadSource(format!(
            "The source image is larger than {} MB",
            cap / (1024 * 1024)
        )),
        FetchError::Timeout => ImageError::Timeout,
        FetchError::Upstream(m) => ImageError::Upstream(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(query: &str, accept: &str) -> Target {
        negotiate(&Transform::parse(query).expect(query), accept)
    }

    #[test]
    fn auto_prefers_avif_then_webp_then_jpeg() {
        let chrome = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8";
        assert_eq!(target("", chrome), Target::Exactly(Output::Avif));
        assert_eq!(target("", "image/webp,*/*"), Target::Exactly(Output::Webp));
        assert_eq!(target("", "*/*"), Target::JpegOrPng);
        assert_eq!(
            target("", "image/avif;q=0, image/webp"),
            Target::Exactly(Output::Webp)
        );
        assert_eq!(
            target("quality=lossless", chrome),
            Target::Exactly(Output::Png)
        );
        assert_eq!(target("format=jpg", chrome), Target::Exactly(Output::Jpeg));
    }
}
