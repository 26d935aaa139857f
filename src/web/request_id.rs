//! Request ids: a short process prefix and a counter, cheaper than a UUID on the hot path and
//! still unique across nodes for log correlation. A client's or proxy's own `x-request-id` is
//! kept only when it looks like an id (see [`drop_unsafe`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderName, HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};

#[derive(Clone)]
pub struct CountingIds {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl CountingIds {
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let prefix = format!("{:x}{:04x}", std::process::id(), nanos & 0xffff);
        CountingIds {
            prefix: prefix.into(),
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl Default for CountingIds {
    fn default() -> Self {
        Self::new()
    }
}

impl CountingIds {
    /// The next id. Written without `format!`: page-cache hits make one each, and formatting
    /// cost more than the rest of the id's work.
    pub fn next(&self) -> HeaderValue {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(n).as_bytes();
        let mut id = Vec::with_capacity(self.prefix.len() + 1 + digits.len());
        id.extend_from_slice(self.prefix.as_bytes());
        id.push(b'-');
        id.extend_from_slice(digits);
        // A hex prefix, a dash and digits: always a valid value.
        HeaderValue::from_maybe_shared(axum::body::Bytes::from(id))
            .unwrap_or_else(|_| HeaderValue::from_static("-"))
    }
}

impl MakeRequestId for CountingIds {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        Some(RequestId::new(self.next()))
    }
}

/// The longest request id taken from a client.
const MAX_CLIENT_ID: usize = 64;
static HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Removes a client-sent `x-request-id` that is not 1 to 64 letters, digits, `.`, `_`, `:` or
/// `-` (a UUID, a ULID, a load balancer's trace id), so a fresh one is made instead: the id is
/// written into every log line, and a client must not be able to put newlines, quotes or a
/// kilobyte of text there.
pub fn drop_unsafe<B>(mut request: Request<B>) -> Request<B> {
    let safe = |v: &HeaderValue| {
        let bytes = v.as_bytes();
        (1..=MAX_CLIENT_ID).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
    };
    if request.headers().get(&HEADER).is_some_and(|v| !safe(v)) {
        request.headers_mut().remove(&HEADER);
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(id: &[u8]) -> bool {
        let request = Request::builder()
            .header("x-request-id", HeaderValue::from_bytes(id).unwrap())
            .body(())
            .unwrap();
        drop_unsafe(request).headers().contains_key("x-request-id")
    }

    #[test]
    fn only_plain_bounded_ids_are_kept() {
        assert!(kept(b"0b1f8c9e-5d4a-4f7b-9a61-1c2d3e4f5a6b"));
        assert!(kept(b"01J9ZQ7K3M:edge-1.lb_2"));
        assert!(!kept(b"x\" forged=\"yes"));
        assert!(!kept(b"tab\tinside"));
        assert!(!kept("ünïcode".as_bytes()));
        assert!(!kept(&[b'a'; 65]));
    }
}
