//! The in-memory cache of rendered public pages, stored pre-compressed (identity, gzip, brotli)
//! with their validators. It is the outermost service, so a hit does no routing, no query, no
//! template work and no compression: it clones a prepared header map and a reference-counted
//! body, which lives in a sealed memory file so the connection sends it with `sendfile` (see
//! [`super::sealed`]). An entry stays until a change reaches what its page shows (see
//! [`crate::cache`]), which its `Surrogate-Key` header names for caches in front.
//!
//! When connections have threads of their own, a miss is handed from here to the application's
//! runtime (see [`crate::app::serve`]), so only hits run on the connection threads.
//!
//! Pages are keyed by [`request_key`]: the path and only the query parameters pages read, so
//! tracking parameters share the page's entry instead of each filling the cache with a copy.

use std::borrow::Cow;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service, ServiceExt};

use super::Cacheable;
use super::page_key::{is_free_text_key, request_key};
use super::request_id::CountingIds;
use super::sealed;
use crate::cache::{Changes, TaggedCache};
use crate::config::TagHeaders;
use crate::db::Db;

/// How long a request that missed waits for another request's render of the same page before
/// rendering it itself.
const RENDER_WAIT: Duration = Duration::from_secs(5);

/// The largest page the cache will hold; anything bigger is served but not kept.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

pub struct PageCache {
    enabled: bool,
    /// One render of a page at a time: requests that miss while it renders wait for it and are
    /// answered from the cache, rather than each rendering the same page (the home page dropped
    /// by a change, at the height of a spike).
    renders: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    entries: Arc<TaggedCache<Arc<Entry>>>,
    /// Search results pages, apart: any query makes a new one, so they get a small budget of
    /// their own and cannot push articles out.
    searches: Arc<TaggedCache<Arc<Entry>>>,
    tag_headers: TagHeaders,
}

/// The share of the budget search results may fill.
const SEARCH_SHARE: usize = 8;

/// One page in every encoding, with the headers it was first served with (validators, `Vary`
/// and security headers included).
pub struct Entry {
    etag: HeaderValue,
    last_modified: Option<SystemTime>,
    identity: Answer,
    gzip: Option<Answer>,
    brotli: Option<Answer>,
}

/// The page in one encoding, with its headers whole: `Content-Encoding` included, and a
/// request id to overwrite. An answer then clones a map and changes one value in place, where
/// adding headers to the clone had it grow and copy itself on every hit.
struct Answer {
    headers: HeaderMap,
    body: Bytes,
}

impl Entry {
    fn size(&self) -> usize {
        [
            Some(&self.identity),
            self.gzip.as_ref(),
            self.brotli.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|answer| answer.body.len())
        .sum()
    }
}

impl PageCache {
    /// A cache of `budget_bytes` that drops what the `changes` reach.
    pub fn new(enabled: bool, budget_bytes: usize, changes: &Arc<Changes>) -> Self {
        PageCache {
            enabled,
            renders: Mutex::new(HashMap::new()),
            entries: TaggedCache::new(budget_bytes - budget_bytes / SEARCH_SHARE, changes),
            searches: TaggedCache::new(budget_bytes / SEARCH_SHARE, changes),
            tag_headers: TagHeaders::SurrogateKey,
        }
    }

    /// Names what each page shows in `headers` (`Surrogate-Key` unless told otherwise).
    pub fn tagging_with(mut self, headers: TagHeaders) -> Self {
        self.tag_headers = headers;
        self
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// How many pages are held, for tests and the health check.
    pub fn len(&self) -> usize {
        self.entries.len() + self.searches.len()
    }

    fn map_for(&self, key: &str) -> &TaggedCache<Arc<Entry>> {
        if is_free_text_key(key) {
            &self.searches
        } else {
            &self.entries
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The turn to render `key`: free at once unless another request is rendering it.
    fn render_turn(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut renders = self.renders.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(turn) = renders.get(key).and_then(Weak::upgrade) {
            return turn;
        }
        renders.retain(|_, turn| turn.strong_count() > 0);
        let turn = Arc::new(tokio::sync::Mutex::new(()));
        renders.insert(key.to_string(), Arc::downgrade(&turn));
        turn
    }

    /// About how many bytes the held pages take, every encoding counted.
    pub fn bytes(&self) -> usize {
        self.entries.bytes() + self.searches.bytes()
    }
}

/// Wraps the whole application: answers cached pages itself, and stores what the application
/// marks [`Cacheable`].
#[derive(Clone)]
pub struct PageCacheLayer {
    pub cache: Arc<PageCache>,
    pub db: Db,
    pub ids: CountingIds,
    pub counts: Lookups,
}

/// Hits and misses, registered once: a hit costs one atomic add, not a lookup of its series.
#[derive(Clone)]
pub struct Lookups {
    hits: metrics::Counter,
    misses: metrics::Counter,
}

impl Lookups {
    /// Registers the series with the recorder installed now (see [`crate::telemetry::install`]).
    pub fn register() -> Self {
        Lookups {
            hits: metrics::counter!("broadsheet_page_cache_hits_total"),
            misses: metrics::counter!("broadsheet_page_cache_misses_total"),
        }
    }
}

impl PageCacheLayer {
    /// Answers `request` from `entry`, with a request id and an access line as the
    /// application's answers have.
    fn hit(&self, entry: &Entry, request: &Request) -> Response {
        self.counts.hits.increment(1);
        let response = respond(entry, request.headers(), self.ids.next());
        tracing::info!(
            target: "broadsheet::access",
            id = response
                .headers()
                .get(&REQUEST_ID)
                .and_then(|id| id.to_str().ok())
                .unwrap_or("-"),
            path = request.uri().path(),
            status = response.status().as_u16(),
            "served from the page cache"
        );
        response
    }
}

impl<S> Layer<S> for PageCacheLayer {
    type Service = PageCacheService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PageCacheService {
            shared: Arc::new(Shared {
                inner,
                layer: self.clone(),
                app_runtime: None,
            }),
            peer: None,
        }
    }
}

/// The application as each connection holds it. hyper clones it for every request, so what
/// does not change is behind one `Arc`: a hit then costs one reference count, not a copy of
/// the whole layer stack.
pub struct PageCacheService<S> {
    shared: Arc<Shared<S>>,
    /// The connection's peer, given to the application on a miss as axum's `ConnectInfo`;
    /// hits do not need it.
    peer: Option<SocketAddr>,
}

impl<S> Clone for PageCacheService<S> {
    fn clone(&self) -> Self {
        PageCacheService {
            shared: self.shared.clone(),
            peer: self.peer,
        }
    }
}

#[derive(Clone)]
struct Shared<S> {
    inner: S,
    layer: PageCacheLayer,
    app_runtime: Option<tokio::runtime::Handle>,
}

impl<S: Clone> PageCacheService<S> {
    /// Runs everything but cache hits on `runtime`: the connections then live on their own
    /// threads, which answer hits without waiting behind renders (see [`crate::app::serve`]).
    pub fn misses_on(self, runtime: tokio::runtime::Handle) -> Self {
        let mut shared = Arc::unwrap_or_clone(self.shared);
        shared.app_runtime = Some(runtime);
        PageCacheService {
            shared: Arc::new(shared),
            peer: self.peer,
        }
    }

    /// The application for one connection from `peer`.
    pub fn for_peer(&self, peer: SocketAddr) -> Self {
        PageCacheService {
            shared: self.shared.clone(),
            peer: Some(peer),
        }
    }
}

type BoxedResponse = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// What the page shows, for a cache in front to purge by (Varnish's xkey, Fastly).
static SURROGATE_KEY: HeaderName = HeaderName::from_static("surrogate-key");
/// The same names, comma-separated, for the CDNs that read `Cache-Tag` (Cloudflare, Akamai).
static CACHE_TAG: HeaderName = HeaderName::from_static("cache-tag");

impl<S> Service<Request> for PageCacheService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxedResponse;

    /// Always ready: the inner service is cloned and made ready for each miss (`oneshot`).
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let shared = &self.shared;
        // A request that signs in (an API token) may see more than readers do.
        let readable = (request.method() == Method::GET || request.method() == Method::HEAD)
            && !request.headers().contains_key(header::AUTHORIZATION);
        // Only a read with the cache on is looked up or stored.
        let key = (readable && shared.layer.cache.enabled)
            .then(|| request_key(request.uri()))
            .flatten();
        if let Some(key) = &key
            && let Some(entry) = shared.layer.cache.map_for(key).get(key)
        {
            let response = shared.layer.hit(&entry, &request);
            return Box::pin(std::future::ready(Ok(response)));
        }
        let key = key.map(Cow::into_owned);
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        let inner = shared.inner.clone();
        if !readable {
            return on_runtime(shared.app_runtime.as_ref(), inner.oneshot(request));
        }
        let layer = shared.layer.clone();
        on_runtime(shared.app_runtime.as_ref(), async move {
            let request_headers = request.headers().clone();
            let turn = key.as_ref().map(|key| layer.cache.render_turn(key));
            let _rendering = match &turn {
                Some(turn) => tokio::time::timeout(RENDER_WAIT, turn.lock()).await.ok(),
                None => None,
            };
            if let Some(key) = &key {
                if let Some(entry) = layer.cache.map_for(key).get(key) {
                    return Ok(layer.hit(&entry, &request));
                }
                layer.counts.misses.increment(1);
            }
            let since = layer.db.generation();
            let response = inner.oneshot(request).await?;
            let Some(marker) = response.extensions().get::<Cacheable>().cloned() else {
                return Ok(response);
            };
            if response.status() != StatusCode::OK {
                return Ok(response);
            }
            let (parts, body) = response.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
                return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
            };
            let request_id = parts.headers.get(&REQUEST_ID).cloned();
            let mut headers = parts.headers;
            headers.remove(&REQUEST_ID);
            // Kept only under the key of what the page read; a page that will not be kept is
            // not worth compressing at the best levels.
            let kept = key.is_some() && marker.key.as_deref() == key.as_deref();
            let shows = marker.shows.clone();
            let tags = layer.cache.tag_headers;
            let entry = Arc::new(build_entry(headers, marker, bytes, kept, tags));
            if let (true, Some(key)) = (kept, key) {
                layer
                    .cache
                    .map_for(&key)
                    .insert(&key, since, entry.clone(), entry.size(), shows);
            }
            let id = request_id.unwrap_or_else(|| layer.ids.next());
            Ok(respond(&entry, &request_headers, id))
        })
    }
}

/// Runs `future` as a task of `runtime` when one is given, else where it is polled.
fn on_runtime(
    runtime: Option<&tokio::runtime::Handle>,
    future: impl Future<Output = Result<Response, Infallible>> + Send + 'static,
) -> BoxedResponse {
    let Some(runtime) = runtime else {
        return Box::pin(future);
    };
    let mut task = AbortOnDrop(runtime.spawn(future));
    Box::pin(async move {
        (&mut task.0).await.unwrap_or_else(|error| {
            tracing::error!(
                %error,
                "a request's task failed (a panic or an abort); the reader got a 500: report \
                 it with this line"
            );
            Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        })
    })
}

/// A request's task stops when its connection gives up on it, as an awaited handler would.
struct AbortOnDrop(tokio::task::JoinHandle<Result<Response, Infallible>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn build_entry(
    mut headers: HeaderMap,
    marker: Cacheable,
    identity: Bytes,
    compress: bool,
    tag_headers: TagHeaders,
) -> Entry {
    let etag = HeaderValue::from_str(&format!("W/\"{:016x}\"", etag_hash(&identity)))
        .unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""));
    let last_modified = marker.last_modified.map(|t| t.to_system_time());
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(header::ETAG, etag.clone());
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if tag_headers.surrogate_key()
        && let Ok(keys) = HeaderValue::from_str(&marker.shows.surrogate_key())
    {
        headers.insert(SURROGATE_KEY.clone(), keys);
    }
    if tag_headers.cache_tag()
        && let Ok(tags) = HeaderValue::from_str(&marker.shows.cache_tag())
    {
        headers.insert(CACHE_TAG.clone(), tags);
    }
    if let Some(v) =
        last_modified.and_then(|m| HeaderValue::from_str(&httpdate::fmt_http_date(m)).ok())
    {
        headers.insert(header::LAST_MODIFIED, v);
    }
    headers.insert(REQUEST_ID.clone(), HeaderValue::from_static("-"));
    let (identity, gzip, brotli) = if compress {
        let (gzip, brotli) = (gzip(&identity), brotli(&identity));
        in_memory_file(identity, gzip, brotli)
    } else {
        (identity, None, None)
    };
    let encoded = |name: &'static str, body: Bytes| {
        let mut headers = headers.clone();
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        Answer { headers, body }
    };
    Entry {
        etag,
        last_modified,
        gzip: gzip.map(|body| encoded("gzip", body)),
        brotli: brotli.map(|body| encoded("br", body)),
        identity: Answer {
            headers,
            body: identity,
        },
    }
}

/// Moves the bodies into one sealed memory file, so hits go out with `sendfile`; they stay on
/// the heap when no file can be had.
fn in_memory_file(
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
) -> (Bytes, Option<Bytes>, Option<Bytes>) {
    let empty = Bytes::new();
    let parts = [
        &identity[..],
        gzip.as_ref().unwrap_or(&empty),
        brotli.as_ref().unwrap_or(&empty),
    ];
    match sealed::seal(&parts) {
        Some(mut files) => {
            let brotli_file = files.pop().filter(|_| brotli.is_some());
            let gzip_file = files.pop().filter(|_| gzip.is_some());
            let identity_file = files.pop().unwrap_or(identity);
            (identity_file, gzip_file, brotli_file)
        }
        None => (identity, gzip, brotli),
    }
}

/// A fast hash with a fixed seed, so every node and every restart gives a page the same ETag.
/// SipHash, the standard library's, cost a twentieth of a page render with the cache off.
fn etag_hash(body: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(body)
}

fn gzip(data: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::best(),
    );
    encoder.write_all(data).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn brotli(data: &[u8]) -> Option<Bytes> {
    let mut out = Vec::with_capacity(data.len() / 4);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).ok()?;
    Some(Bytes::from(out))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The best encoding the client accepts, honouring `q=0` refusals.
fn negotiate(headers: &HeaderMap) -> Encoding {
    let Some(accept) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let (mut br, mut gz) = (false, false);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        match name {
            "br" => br = !refused,
            "gzip" => gz = !refused,
            "*" => {
                br |= !refused;
                gz |= !refused;
            }
            _ => {}
        }
    }
    if br {
        Encoding::Brotli
    } else if gz {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn not_modified(entry: &Entry, request: &HeaderMap) -> bool {
    if let Some(inm) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        let ours = entry.etag.to_str().unwrap_or("");
        let ours_strong = ours.trim_start_matches("W/");
        return inm.split(',').any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == ours_strong
        });
    }
    match (
        entry.last_modified,
        request
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok()),
    ) {
        (Some(modified), Some(since)) => modified <= since,
        _ => false,
    }
}

/// The entry's answer for `request`, carrying the request id `id`.
fn respond(entry: &Entry, request: &HeaderMap, id: HeaderValue) -> Response {
    let answer = match (negotiate(request), &entry.brotli, &entry.gzip) {
        (Encoding::Brotli, Some(br), _) => br,
        (Encoding::Brotli | Encoding::Gzip, _, Some(gz)) => gz,
        _ => &entry.identity,
    };
    let mut headers = answer.headers.clone();
    if let Some(value) = headers.get_mut(&REQUEST_ID) {
        *value = id;
    }
    if not_modified(entry, request) {
        headers.remove(header::CONTENT_TYPE);
        headers.remove(header::CONTENT_ENCODING);
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        *response.headers_mut() = headers;
        return response;
    }
    let mut response = Response::new(Body::from(answer.body.clone()));
    *response.headers_mut() = headers;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn negotiation_prefers_brotli_and_honours_refusals() {
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(negotiate(&accept("gzip, deflate, br")), Encoding::Brotli);
        assert_eq!(negotiate(&accept("gzip")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("br;q=0, gzip;q=0.5")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("identity")), Encoding::Identity);
    }

    #[test]
    fn pages_name_what_they_show_in_the_headers_asked_for() {
        let marker = || Cacheable {
            last_modified: None,
            key: Some("/story".into()),
            shows: crate::cache::Shows::only([]),
        };
        let sent = |tags| {
            let entry = build_entry(HeaderMap::new(), marker(), Bytes::from("<p>"), false, tags);
            let headers = &entry.identity.headers;
            (
                headers
                    .get(&SURROGATE_KEY)
                    .map(|v| v.to_str().unwrap().to_string()),
                headers.get(&CACHE_TAG).is_some(),
            )
        };
        assert_eq!(sent(TagHeaders::SurrogateKey), (Some("site".into()), false));
        assert_eq!(sent(TagHeaders::CacheTag), (None, true));
        assert_eq!(sent(TagHeaders::Both), (Some("site".into()), true));
        assert_eq!(sent(TagHeaders::None), (None, false));
    }

    #[test]
    fn each_answer_carries_its_own_request_id_and_encoding() {
        let mut page = HeaderMap::new();
        page.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        let marker = Cacheable {
            last_modified: None,
            key: Some("/story".into()),
            shows: crate::cache::Shows::only([]),
        };
        let entry = build_entry(
            page,
            marker,
            Bytes::from("<p>Story</p>"),
            true,
            TagHeaders::None,
        );
        let first = respond(&entry, &accept("gzip"), HeaderValue::from_static("n-1"));
        let second = respond(&entry, &HeaderMap::new(), HeaderValue::from_static("n-2"));
        assert_eq!(first.headers()[&REQUEST_ID], "n-1");
        assert_eq!(first.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(second.headers()[&REQUEST_ID], "n-2");
        assert!(second.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(second.headers().get_all(&REQUEST_ID).iter().count(), 1);
    }

    #[tokio::test]
    async fn requests_handed_to_the_application_runtime_answer_and_can_be_abandoned() {
        use std::sync::atomic::{AtomicBool, Ordering};

        let here = tokio::runtime::Handle::current();
        let answered = on_runtime(Some(&here), async {
            Ok(StatusCode::IM_A_TEAPOT.into_response())
        })
        .await;
        assert_eq!(
            answered.map(|r| r.status()).ok(),
            Some(StatusCode::IM_A_TEAPOT)
        );

        struct SetOnDrop(Arc<AtomicBool>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let stopped = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(stopped.clone());
        let never = on_runtime(Some(&here), async move {
            let _guard = guard;
            std::future::pending::<Result<Response, Infallible>>().await
        });
        tokio::task::yield_now().await;
        assert!(!stopped.load(Ordering::SeqCst), "the request runs");
        drop(never);
        for _ in 0..100 {
            if stopped.load(Ordering::SeqCst) {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(
            stopped.load(Ordering::SeqCst),
            "a request nobody waits for is stopped"
        );
    }

    #[tokio::test]
    async fn a_page_is_rendered_once_however_many_miss_it_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tower::ServiceExt;

        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("db").display());
        let db = crate::db::connect(&url, 1).await.unwrap();
        let layer = PageCacheLayer {
            cache: Arc::new(PageCache::new(true, 1 << 20, db.changes())),
            db,
            ids: CountingIds::new(),
            counts: Lookups::register(),
        };
        let renders = Arc::new(AtomicUsize::new(0));
        let counted = renders.clone();
        let service = layer.layer(tower::service_fn(move |_: Request| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                let page = crate::web::Page {
                    html: "<p>Rendered once.</p>".into(),
                    last_modified: None,
                    key: Some("/story".into()),
                    shows: crate::cache::Shows::only([]),
                };
                Ok::<_, Infallible>(page.into_response())
            }
        }));
        let asks = (0..8).map(|_| {
            let request = Request::get("/story").body(Body::empty()).unwrap();
            service.clone().oneshot(request)
        });
        for answer in futures_util::future::join_all(asks).await {
            let answer = answer.unwrap();
            assert_eq!(answer.status(), StatusCode::OK);
            let body = axum::body::to_bytes(answer.into_body(), 1 << 20)
                .await
                .unwrap();
            assert_eq!(&body[..], b"<p>Rendered once.</p>");
        }
        assert_eq!(
            renders.load(Ordering::SeqCst),
            1,
            "the others waited for it"
        );
    }
}
