//! The key under which the page cache and the render cache keep a public page: its path and
//! the query parameters the page reads, so one page cannot be stored under many names.

use std::borrow::Cow;

use axum::http::Uri;

/// Every query parameter some public page reads: `page` on lists, WordPress's comment
/// parameters on articles, and its `feed`, `p` (an article by id), `paged` (a feed's page) and
/// `s` (a search, redirected to the search page), and the other addresses of WordPress that
/// answer with a redirect (`page_id`, `cat`, `tag`, `author`, `attachment_id`), and `rest_route` (the
/// REST API's plain form), which must not be answered with the home page kept under `/`. A cache lookup keys on these; a page is stored
/// only under the key of the parameters it read itself (see [`super::Cacheable`]), so a
/// parameter a page ignores (`/?page=7`, `?utm_source=…`) cannot make copies of it.
pub const PAGE_PARAMS: [&str; 15] = [
    "attachment_id",
    "author",
    "cat",
    "cpage",
    "feed",
    "moderation-hash",
    "p",
    "page",
    "page_id",
    "paged",
    "replytocom",
    "rest_route",
    "s",
    "tag",
    "unapproved",
];

/// The parameters the search page reads; its key keeps them whatever their values.
const SEARCH_PARAMS: [&str; 8] = [
    "author", "from", "page", "q", "section", "sort", "tag", "to",
];
/// The longest parameter value a search page is kept under; longer ones are never kept.
const MAX_SEARCH_VALUE: usize = 200;

/// Where the compatibility APIs answer: every parameter of theirs may change the answer.
const API_PREFIXES: [&str; 2] = ["/wp-json", crate::ghost_api::ROOT];
/// The most parameters an API answer is kept under; a request with more is answered afresh.
const MAX_API_PARAMS: usize = 24;

fn is_api_path(path: &str) -> bool {
    API_PREFIXES.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The key a request is looked up under in the page cache: the search page's own (see
/// [`search_key`]), an API answer's (see [`api_key`]) or any other page's.
pub fn request_key(uri: &Uri) -> Option<Cow<'_, str>> {
    let path = uri.path();
    if path == crate::search::SEARCH_PATH {
        search_key(uri)
    } else if is_api_path(path) {
        api_key(uri)
    } else {
        page_key(uri, &PAGE_PARAMS)
    }
}

/// The key of an API answer: its path and every parameter, decoded, in a fixed order (a
/// repeated list parameter keeps each value). Like search pages, these are free text and are
/// kept apart within a budget of their own; a long or escaped request is not kept at all.
pub fn api_key(uri: &Uri) -> Option<Cow<'_, str>> {
    let path = uri.path();
    if path.contains('%') {
        return None;
    }
    let Some(query) = uri.query() else {
        return Some(Cow::Borrowed(path));
    };
    let mut pairs: Vec<(Cow<str>, Cow<str>)> = form_urlencoded::parse(query.as_bytes()).collect();
    if pairs.len() > MAX_API_PARAMS
        || pairs
            .iter()
            .any(|(n, v)| n.len() + v.len() > MAX_SEARCH_VALUE)
    {
        return None;
    }
    pairs.sort();
    let mut key = form_urlencoded::Serializer::for_suffix(format!("{path}?"), path.len() + 1);
    for (name, value) in &pairs {
        key.append_pair(name, value);
    }
    Some(Cow::Owned(key.finish()))
}

/// The key of a search results page: the query exactly as sent, reduced to the parameters the
/// page reads, in a fixed order. Free text, so the page cache keeps these pages apart, within a
/// budget of their own (random queries must not push articles out).
pub fn search_key(uri: &Uri) -> Option<Cow<'_, str>> {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return Some(Cow::Borrowed(path));
    };
    let mut kept: Vec<(Cow<str>, Cow<str>)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| SEARCH_PARAMS.contains(&name.as_ref()))
        .collect();
    kept.sort();
    let repeated = kept.windows(2).any(|w| w[0].0 == w[1].0);
    if repeated || kept.iter().any(|(_, v)| v.len() > MAX_SEARCH_VALUE) {
        return None;
    }
    if kept.is_empty() {
        return Some(Cow::Borrowed(path));
    }
    let mut key = form_urlencoded::Serializer::for_suffix(format!("{path}?"), path.len() + 1);
    for (name, value) in &kept {
        key.append_pair(name, value);
    }
    Some(Cow::Owned(key.finish()))
}

/// Whether a key names free text (a search page, an API answer), whose entries have their own
/// budget so that random queries cannot push pages out.
pub fn is_free_text_key(key: &str) -> bool {
    let path = key.split('?').next().unwrap_or(key);
    path == crate::search::SEARCH_PATH || is_api_path(path)
}

/// The key a public page is kept under (by the page cache and the render cache), from the
/// request's path and those of its query parameters named in `reads`, decoded and in a fixed
/// order; any other parameter is left out. `None` when the request must not share a kept page
/// because another spelling of it could name the same page: an escaped path
/// (`/%62usiness-news`), or a parameter read that is not a plain whole number (`page=02`).
pub fn page_key<'a>(uri: &'a Uri, reads: &[&str]) -> Option<Cow<'a, str>> {
    let path = uri.path();
    if path.contains('%') {
        return None;
    }
    let Some(query) = uri.query() else {
        return Some(Cow::Borrowed(path));
    };
    let mut kept: Vec<(Cow<str>, Cow<str>)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| reads.contains(&name.as_ref()))
        .collect();
    if kept.is_empty() {
        return Some(Cow::Borrowed(path));
    }
    kept.sort();
    let plain = |v: &str| {
        (1..=9).contains(&v.len()) && !v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit())
    };
    let repeated = kept.windows(2).any(|w| w[0].0 == w[1].0);
    if repeated || !kept.iter().all(|(_, value)| plain(value)) {
        return None;
    }
    let mut key = String::with_capacity(path.len() + 24);
    key.push_str(path);
    for (i, (name, value)) in kept.iter().enumerate() {
        key.push(if i == 0 { '?' } else { '&' });
        key.push_str(name);
        key.push('=');
        key.push_str(value);
    }
    Some(Cow::Owned(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(target: &str) -> Option<String> {
        page_key(&target.parse::<Uri>().unwrap(), &PAGE_PARAMS).map(Cow::into_owned)
    }

    #[test]
    fn keys_keep_only_the_parameters_pages_read() {
        assert_eq!(key("/").as_deref(), Some("/"));
        assert_eq!(key("/?utm_source=mail&fbclid=x").as_deref(), Some("/"));
        assert_eq!(
            key("/world?utm_medium=x&page=3").as_deref(),
            Some("/world?page=3")
        );
        assert_eq!(
            key("/a/2026/06/b?replytocom=7&cpage=2").as_deref(),
            key("/a/2026/06/b?cpage=2&replytocom=7").as_deref(),
        );
        assert_eq!(
            key("/world?p%61ge=3").as_deref(),
            Some("/world?page=3"),
            "an escaped name is the parameter the handler reads"
        );
    }

    fn search(target: &str) -> Option<String> {
        request_key(&target.parse::<Uri>().unwrap()).map(Cow::into_owned)
    }

    #[test]
    fn search_pages_are_kept_under_their_exact_query() {
        assert_eq!(
            search("/search?utm_source=x&sort=newest&q=harbour+cranes").as_deref(),
            Some("/search?q=harbour+cranes&sort=newest")
        );
        assert_eq!(search("/search").as_deref(), Some("/search"));
        assert_ne!(search("/search?q=Harbour"), search("/search?q=harbour"));
        assert_eq!(search("/search?q=a&q=b"), None, "a repeated parameter");
        let long = format!("/search?q={}", "a".repeat(201));
        assert_eq!(search(&long), None, "a query too long to keep");
        assert!(is_free_text_key("/search?q=x"));
        assert!(is_free_text_key("/search"));
        assert!(
            !is_free_text_key("/searchlight"),
            "a section called searchlight is a page"
        );
        assert_eq!(
            key("/?s=harbour"),
            None,
            "a WordPress search goes to its redirect"
        );
    }

    #[test]
    fn api_answers_are_kept_under_every_parameter() {
        assert_eq!(
            search("/wp-json/wp/v2/posts?per_page=2&categories[]=3&categories[]=1").as_deref(),
            Some("/wp-json/wp/v2/posts?categories%5B%5D=1&categories%5B%5D=3&per_page=2")
        );
        assert_ne!(
            search("/wp-json/wp/v2/posts?page=2"),
            search("/wp-json/wp/v2/posts?page=3")
        );
        assert!(is_free_text_key("/wp-json/wp/v2/posts?page=2"));
        assert!(!is_free_text_key("/wp-jsonish"));
        let long = format!("/wp-json/wp/v2/posts?search={}", "a".repeat(201));
        assert_eq!(search(&long), None, "a query too long to keep");
    }

    #[test]
    fn other_spellings_of_a_page_are_not_kept() {
        for target in [
            "/%77orld",
            "/world?page=03",
            "/world?page=3&page=4",
            "/world?page=three",
            "/world?page=",
            "/world?page=9999999999",
            "/a/2026/06/b?unapproved=4&moderation-hash=ab12",
        ] {
            assert_eq!(key(target), None, "{target}");
        }
    }

    proptest::proptest! {
        /// Any path and query a client sends gives a key or none, never a panic; a key names
        /// itself (asking for the key gives the key again), and grows at most linearly.
        #[test]
        fn keys_are_fixed_points(path in "(/[a-z0-9%._~-]{0,12}){0,5}", query in "([a-z_]{1,8}=[a-zA-Z0-9%+ ]{0,10}&?){0,6}") {
            let target = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
            let target = if target.is_empty() { "/".to_string() } else { target };
            let Ok(uri) = target.parse::<Uri>() else { return Ok(()) };
            for k in [request_key(&uri), api_key(&uri), search_key(&uri)] {
                let Some(k) = k else { continue };
                // Re-encoding may grow a byte to nine (an invalid escape becomes U+FFFD's), no more.
                proptest::prop_assert!(k.len() <= 9 * target.len(), "{} from {}", k, target);
                let again: Uri = k.parse().expect("a key is a target");
                let twice = page_key(&again, &PAGE_PARAMS).map(Cow::into_owned);
                if k.as_ref() == page_key(&uri, &PAGE_PARAMS).as_deref().unwrap_or_default() {
                    proptest::prop_assert_eq!(twice.as_deref(), Some(k.as_ref()));
                }
            }
        }
    }
}
