//! The addresses a document links to and shows, rewritten one by one: for the importer, whose
//! posts link to each other and show pictures by their old WordPress addresses.

use super::markdown::serialize;
use super::normalize::normalize;
use super::tokens::{Token, tokens};

/// What an address is to the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlUse {
    /// A link's `href`.
    Link,
    /// A picture's `src`.
    Image,
}

/// `doc` with every link and picture address that `map` answers for replaced by its answer, in
/// canonical form again (a picture that becomes a library item is written as one).
pub fn map_urls(doc: &str, map: &mut dyn FnMut(UrlUse, &str) -> Option<String>) -> String {
    let mut list = tokens(doc);
    let mut changed = false;
    for token in &mut list {
        let Token::Start { name, attrs } = token else {
            continue;
        };
        let (use_, attribute) = match name.as_str() {
            "a" => (UrlUse::Link, "href"),
            "img" => (UrlUse::Image, "src"),
            _ => continue,
        };
        for (n, value) in attrs.iter_mut() {
            if n == attribute
                && let Some(new) = map(use_, value)
            {
                changed |= *value != new;
                *value = new;
            }
        }
    }
    if changed {
        normalize(&serialize(&list))
    } else {
        doc.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_pictures_are_mapped_and_the_rest_kept() {
        let doc = normalize(
            "<p><a href=\"https://old.example/2020/01/a/\">A</a> and <a href=\"https://else.example/\">B</a></p>\
             <figure><img src=\"https://old.example/wp-content/uploads/p.jpg\" alt=\"P\"></figure>",
        );
        let mut seen = Vec::new();
        let mapped = map_urls(&doc, &mut |use_, url| {
            seen.push((use_, url.to_string()));
            match use_ {
                UrlUse::Link if url.contains("/2020/") => Some("/news/2020/01/a".into()),
                UrlUse::Image => Some("/images/v2/raw/media:7".into()),
                UrlUse::Link => None,
            }
        });
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert!(
            mapped.contains("<a href=\"/news/2020/01/a\">A</a>"),
            "{mapped}"
        );
        assert!(
            mapped.contains("<a href=\"https://else.example/\">B</a>"),
            "{mapped}"
        );
        assert!(
            mapped.contains("<img src=\"/images/v2/raw/media:7\" alt=\"P\">"),
            "{mapped}"
        );
        assert_eq!(map_urls(&mapped, &mut |_, _| None), mapped);
    }
}
