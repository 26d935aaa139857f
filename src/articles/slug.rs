//! URL slugs: lowercase ASCII words joined by hyphens, so that a URL survives every client.

/// Top-level paths that belong to the site itself, which a section slug may not take.
pub const RESERVED: &[&str] = &[
    "admin",
    "api",
    "archive",
    "author",
    "comments",
    "feed",
    "healthz",
    "images",
    "media",
    "metrics",
    "news-sitemap.xml",
    "newsletters",
    "preview",
    "robots.txt",
    "search",
    "sitemap.xml",
    "sitemaps",
    "static",
    "tag",
    "wp-comments-post.php",
    "wp-sitemap.xml",
    "__origami",
];

const MAX_LEN: usize = 80;

/// Makes a slug from a title, folding common Latin accents ("Café Society" → "cafe-society").
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_hyphen = false;
    let mut push = |c: char| {
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !slug.is_empty() {
                slug.push('-');
            }
            pending_hyphen = false;
            slug.push(c.to_ascii_lowercase());
        } else if c != '\'' && c != '’' {
            pending_hyphen = true;
        }
    };
    for c in text.chars() {
        match fold_accent(c) {
            Some(folded) => folded.chars().for_each(&mut push),
            None => push(c),
        }
    }
    if slug.len() > MAX_LEN {
        let cut = slug[..=MAX_LEN].rfind('-').unwrap_or(MAX_LEN);
        slug.truncate(cut);
    }
    slug.trim_end_matches('-').to_string()
}

/// `slug` told apart by a number (`…-2`), shortened at a hyphen where needed so the result is
/// still a well-formed slug of at most 80 characters.
pub fn numbered(slug: &str, n: u64) -> String {
    let suffix = format!("-{n}");
    let room = MAX_LEN.saturating_sub(suffix.len());
    let mut base = slug;
    if base.len() > room {
        let cut = base[..=room].rfind('-').unwrap_or(room);
        base = base[..cut].trim_end_matches('-');
    }
    format!("{base}{suffix}")
}

fn fold_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        '&' => " and ",
        _ => return None,
    })
}

/// Whether `slug` is a well-formed slug (what [`slugify`] produces).
pub fn is_valid(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_LEN
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_plain_ascii_words() {
        assert_eq!(slugify("Business News"), "business-news");
        assert_eq!(
            slugify("  Café Society: Öl & Gas!  "),
            "cafe-society-ol-and-gas"
        );
        assert_eq!(slugify("Don't panic"), "dont-panic");
        assert_eq!(slugify("???"), "");
        assert!(slugify(&"word ".repeat(40)).len() <= MAX_LEN);
        let long = slugify(&"word ".repeat(40));
        for n in [2, 99_999, u64::MAX] {
            let told_apart = numbered(&long, n);
            assert!(is_valid(&told_apart), "{told_apart}");
            assert!(told_apart.ends_with(&format!("-{n}")));
        }
        assert_eq!(numbered("short", 3), "short-3");
        assert!(is_valid("white-house-watch"));
        assert!(!is_valid("White"));
        assert!(!is_valid("a--b"));
        assert!(!is_valid("-a"));
    }
}
