//! The library items a piece of HTML shows, and the signatures that let an unpublished one be
//! seen. An item is addressed by the image service (`…/raw/media:42?…`) or as a stored file
//! (`/media/ab/cdef….jpg`); both are found in one pass over the HTML.
//!
//! The image service serves a library item by id only when published content, the site's logo
//! or an author's portrait uses it, since ids are sequential and an embargoed photograph would
//! otherwise be one guess away. Everyone else — the editor's preview, the media library, a
//! preview link — gets URLs signed with the site's key that expire after a day or two.

use std::collections::BTreeSet;

use crate::db::Timestamp;

const BY_ID: &str = "raw/media:";
const BY_FILE: &str = "/media/";

/// What a piece of HTML refers to: library ids, and stored file paths.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub ids: Vec<i64>,
    pub paths: Vec<String>,
}

/// Every library item `html` refers to, each once, in order. Linear in the length of `html`
/// (sets keep the distinct ones, however many references a body repeats).
pub fn find(html: &str) -> Found {
    let mut found = Found::default();
    let mut seen_ids = BTreeSet::new();
    for (at, _) in html.match_indices(BY_ID) {
        let digits = leading(&html[at + BY_ID.len()..], |b| b.is_ascii_digit());
        if let Ok(id) = digits.parse::<i64>()
            && seen_ids.insert(id)
        {
            found.ids.push(id);
        }
    }
    let mut seen_paths = BTreeSet::new();
    for (at, _) in html.match_indices(BY_FILE) {
        let path = leading(&html[at + BY_FILE.len()..], |b| {
            b.is_ascii_alphanumeric() || b == b'/' || b == b'.' || b == b'-' || b == b'_'
        });
        if path.contains('.') && seen_paths.insert(path) {
            found.paths.push(path.to_string());
        }
    }
    found
}

/// The longest start of `text` whose bytes all pass `keep`, at most 200 bytes.
fn leading(text: &str, keep: impl Fn(u8) -> bool) -> &str {
    let end = text
        .bytes()
        .take(200)
        .position(|b| !keep(b))
        .unwrap_or(text.len().min(200));
    &text[..end]
}

/// How long a signed URL lives: until the end of the next whole day (UTC), so the URLs of a page
/// stay the same for a day and browsers reuse what they fetched.
fn expiry(now: Timestamp) -> i64 {
    let day = 86_400;
    let seconds = now.micros().div_euclid(1_000_000);
    (seconds.div_euclid(day) + 2) * day
}

fn message(id: i64, expires: i64) -> String {
    format!("image:{id}:{expires}")
}

/// The query parameters that let `id` be seen until they expire.
pub fn signature(key: &str, id: i64, now: Timestamp) -> String {
    let expires = expiry(now);
    let signature = crate::secrets::sign(key, &message(id, expires));
    format!("expires={expires}&signature={signature}")
}

/// An image-service URL of item `id` with its signature added.
pub fn signed_url(url: &str, key: &str, id: i64, now: Timestamp) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{}", signature(key, id, now))
}

/// Whether the `expires` and `signature` of an image query were made here for `id` and have not
/// expired.
pub fn allows(key: &str, id: i64, query: &str, now: Timestamp) -> bool {
    let (mut expires, mut signature) = (None, None);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "expires" => expires = value.parse::<i64>().ok(),
            "signature" => signature = Some(value.into_owned()),
            _ => {}
        }
    }
    let (Some(expires), Some(signature)) = (expires, signature) else {
        return false;
    };
    now.micros().div_euclid(1_000_000) < expires
        && crate::secrets::verify_signature(key, &message(id, expires), &signature)
}

/// `html` with every image-service URL of a library item signed, for a page that shows
/// unpublished content to someone allowed to see it (a preview, the editor). The URLs sit in
/// attributes, so the added `&` is written as `&amp;`. Linear in the length of `html`.
pub fn sign_html(html: &str, key: &str, now: Timestamp) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut done = 0;
    for (at, _) in html.match_indices(BY_ID) {
        let start = at + BY_ID.len();
        let digits = leading(&html[start..], |b| b.is_ascii_digit());
        let Ok(id) = digits.parse::<i64>() else {
            continue;
        };
        let after = start + digits.len();
        out.push_str(&html[done..after]);
        let params = signature(key, id, now).replace('&', "&amp;");
        if html[after..].starts_with('?') {
            out.push('?');
            out.push_str(&params);
            out.push_str("&amp;");
            done = after + 1;
        } else {
            out.push('?');
            out.push_str(&params);
            done = after;
        }
    }
    out.push_str(&html[done..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOON: Timestamp = Timestamp::from_micros(1_781_524_800_000_000);

    #[test]
    fn finds_items_by_id_and_by_file_once_each() {
        let html = r#"<img src="/images/v2/raw/media:42?width=700&amp;fit=scale-down" srcset="/images/v2/raw/media:42?width=320 320w"><a href="/media/ab/cd12.jpg">x</a> media:7 /media/ /images/v2/raw/media:9"#;
        assert_eq!(
            find(html),
            Found {
                ids: vec![42, 9],
                paths: vec!["ab/cd12.jpg".into()]
            }
        );
    }

    #[test]
    fn signatures_bind_the_item_and_expire() {
        let query = format!("width=700&{}", signature("k", 42, NOON));
        assert!(allows("k", 42, &query, NOON));
        assert!(!allows("k", 43, &query, NOON), "another item");
        assert!(!allows("other key", 42, &query, NOON));
        assert!(!allows("k", 42, "width=700", NOON));
        assert!(
            !allows("k", 42, &query, NOON.plus_seconds(3 * 86_400)),
            "expired"
        );
        assert_eq!(
            signature("k", 42, NOON),
            signature("k", 42, NOON.plus_seconds(60)),
            "stable within the day"
        );
    }

    #[test]
    fn pages_get_every_item_url_signed() {
        let html = r#"<img src="/images/v2/raw/media:4?width=700&amp;fit=scale-down" srcset="/images/v2/raw/media:42 1600w">"#;
        let signed = sign_html(html, "k", NOON);
        let four = signature("k", 4, NOON).replace('&', "&amp;");
        let forty_two = signature("k", 42, NOON).replace('&', "&amp;");
        assert!(
            signed.contains(&format!("media:4?{four}&amp;width=700&amp;fit=scale-down")),
            "{signed}"
        );
        assert!(
            signed.contains(&format!("media:42?{forty_two} 1600w")),
            "{signed}"
        );
    }
}
