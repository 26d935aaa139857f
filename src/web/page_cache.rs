//! The in-memory cache of rendered public pages, stored pre-compressed (identity, gzip, brotli)
//! with their validators. A hit does no query, no template work and no compression.
//!
//! Entries are tagged with the content generation they were rendered under ([`Db::generation`]);
//! any committed change to what readers see moves the generation and every older entry becomes a
//! miss. Memory stays bounded with two generations of maps: new entries fill the young map, and
//! when it holds half the budget it becomes the old map and the previous old map is dropped, so
//! pages read recently survive (hits in the old map move back to the young one).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::io::Write;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Cacheable;
use crate::db::Db;

/// The largest page the cache will hold; anything bigger is served but not kept.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

pub struct PageCache {
    enabled: bool,
    budget_bytes: usize,
    maps: RwLock<Maps>,
}

#[derive(Default)]
struct Maps {
    generation: u64,
    young: HashMap<String, Arc<Entry>>,
    old: HashMap<String, Arc<Entry>>,
    young_bytes: usize,
}

/// One page in every encoding, with the headers it was first served with (validators and
/// `Vary` included, so a hit only adds the encoding).
pub struct Entry {
    headers: HeaderMap,
    etag: HeaderValue,
    last_modified: Option<SystemTime>,
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

impl Entry {
    fn size(&self) -> usize {
        self.identity.len()
            + self.gzip.as_ref().map_or(0, Bytes::len)
            + self.brotli.as_ref().map_or(0, Bytes::len)
    }
}

impl PageCache {
    pub fn new(enabled: bool, budget_bytes: usize) -> Self {
        PageCache {
            enabled,
            budget_bytes,
            maps: RwLock::new(Maps::default()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn get(&self, key: &str, generation: u64) -> Option<Arc<Entry>> {
        let maps = self.maps.read().ok()?;
        if maps.generation != generation {
            return None;
        }
        if let Some(entry) = maps.young.get(key) {
            return Some(entry.clone());
        }
        let entry = maps.old.get(key)?.clone();
        drop(maps);
        self.insert(key, generation, entry.clone());
        Some(entry)
    }

    fn insert(&self, key: &str, generation: u64, entry: Arc<Entry>) {
        let Ok(mut maps) = self.maps.write() else {
            return;
        };
        if generation < maps.generation {
            return;
        }
        if generation > maps.generation {
            *maps = Maps {
                generation,
                ..Maps::default()
            };
        }
        maps.young_bytes += entry.size();
        maps.young.insert(key.to_string(), entry);
        if maps.young_bytes > self.budget_bytes / 2 {
            maps.old = std::mem::take(&mut maps.young);
            maps.young_bytes = 0;
        }
    }

    /// How many pages are held, for tests and the health page.
    pub fn len(&self) -> usize {
        self.maps
            .read()
            .map(|m| m.young.len() + m.old.len())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone)]
pub struct CacheState {
    pub cache: Arc<PageCache>,
    pub db: Db,
}

/// Middleware: answer public pages from the cache, or render, store and answer.
pub async fn serve(State(state): State<CacheState>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return next.run(request).await;
    }
    let key = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_string(),
        |pq| pq.as_str().to_string(),
    );
    let generation = state.db.generation();
    if state.cache.enabled {
        if let Some(entry) = state.cache.get(&key, generation) {
            return respond(&entry, request.headers());
        }
    }
    let request_headers = request.headers().clone();
    let response = next.run(request).await;
    let Some(marker) = response.extensions().get::<Cacheable>().copied() else {
        return response;
    };
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let compress = state.cache.enabled;
    let entry = Arc::new(build_entry(parts.headers, marker, bytes, compress));
    if compress {
        state.cache.insert(&key, generation, entry.clone());
    }
    respond(&entry, &request_headers)
}

fn build_entry(
    mut headers: HeaderMap,
    marker: Cacheable,
    identity: Bytes,
    compress: bool,
) -> Entry {
    let mut hasher = DefaultHasher::new();
    hasher.write(&identity);
    let etag = HeaderValue::from_str(&format!("W/\"{:016x}\"", hasher.finish()))
        .unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""));
    let last_modified = marker.last_modified.map(|t| t.to_system_time());
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(header::ETAG, etag.clone());
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Some(v) =
        last_modified.and_then(|m| HeaderValue::from_str(&httpdate::fmt_http_date(m)).ok())
    {
        headers.insert(header::LAST_MODIFIED, v);
    }
    let (gzip, brotli) = if compress {
        (gzip(&identity), brotli(&identity))
    } else {
        (None, None)
    };
    Entry {
        headers,
        etag,
        last_modified,
        identity,
        gzip,
        brotli,
    }
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

fn respond(entry: &Entry, request: &HeaderMap) -> Response {
    let mut headers = entry.headers.clone();
    if not_modified(entry, request) {
        headers.remove(header::CONTENT_TYPE);
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().extend(headers);
        return response;
    }
    let (body, encoding) = match (negotiate(request), &entry.brotli, &entry.gzip) {
        (Encoding::Brotli, Some(br), _) => (br.clone(), Some("br")),
        (Encoding::Brotli | Encoding::Gzip, _, Some(gz)) => (gz.clone(), Some("gzip")),
        _ => (entry.identity.clone(), None),
    };
    if let Some(name) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    let mut response = Response::new(Body::from(body));
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
    fn cache_forgets_older_generations_and_stays_within_budget() {
        let cache = PageCache::new(true, 1000);
        let entry = |n: usize| {
            Arc::new(build_entry(
                HeaderMap::new(),
                Cacheable {
                    last_modified: None,
                },
                Bytes::from(vec![b'x'; n]),
                false,
            ))
        };
        cache.insert("/a", 1, entry(100));
        assert!(cache.get("/a", 1).is_some());
        assert!(cache.get("/a", 2).is_none(), "a newer generation misses");
        cache.insert("/b", 2, entry(100));
        assert!(cache.get("/a", 2).is_none(), "older entries were dropped");
        for i in 0..30 {
            cache.insert(&format!("/p{i}"), 2, entry(100));
        }
        assert!(
            cache.len() <= 12,
            "bounded by the budget, holds {}",
            cache.len()
        );
    }
}
