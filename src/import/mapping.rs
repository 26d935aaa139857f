//! What a WordPress thing becomes in Broadsheet, decided from the export alone: statuses, times,
//! slugs, headlines, comment states. No database here, so every rule is tested on its own.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use crate::articles::body;
use crate::articles::service::Status;
use crate::articles::slug;
use crate::db::Timestamp;

/// The most a headline may hold; a longer WordPress title is cut at a word.
const HEADLINE_CHARS: usize = 300;
/// The most a standfirst may hold; a longer excerpt is cut at a word.
const STANDFIRST_CHARS: usize = 1000;

/// What a post's WordPress status becomes, or why the post is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Import(Status),
    /// `private`: kept with its publication time, but not public: archived, which readers
    /// cannot open and an export writes back as private.
    Private,
    Skip(&'static str),
}

pub fn disposition(wp_status: &str) -> Disposition {
    match wp_status {
        "publish" => Disposition::Import(Status::Published),
        "future" => Disposition::Import(Status::Scheduled),
        "draft" | "" => Disposition::Import(Status::Draft),
        "pending" => Disposition::Import(Status::Review),
        "private" => Disposition::Private,
        "trash" => Disposition::Skip("a post in WordPress's trash"),
        "auto-draft" => Disposition::Skip("an empty auto-draft"),
        "inherit" => Disposition::Skip("a revision"),
        _ => Disposition::Skip("a post of an unknown status"),
    }
}

/// WordPress's `YYYY-MM-DD HH:MM:SS`, with its "no date" of zeros read as none.
fn wordpress_time(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0000-00-00") {
        return None;
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()
}

/// A post's or comment's time in UTC: its `_gmt` field, else its local time in the site's zone.
pub fn instant(gmt: &str, local: &str, tz: Tz) -> Option<Timestamp> {
    if let Some(utc) = wordpress_time(gmt) {
        return Some(Timestamp::from_datetime(utc.and_utc()));
    }
    let local = wordpress_time(local)?;
    let zoned = tz.from_local_datetime(&local).earliest()?;
    Some(Timestamp::from_datetime(zoned.with_timezone(&chrono::Utc)))
}

/// Text without markup or entities, on one line: for headlines, names and standfirsts.
pub fn plain(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return html.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    let doc = body::from_html(&format!("<p>{html}</p>"));
    body::plain_text(&doc)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` cut at a word so that it holds at most `max` characters, with an ellipsis when cut.
fn shortened(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max - 1).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

/// An article's headline from a post's title; an untitled post is named by its id, as
/// WordPress's own lists show it.
pub fn headline(title: &str, wp_id: &str) -> String {
    let text = plain(title);
    if text.is_empty() {
        return format!("Untitled ({wp_id})");
    }
    shortened(text, HEADLINE_CHARS)
}

pub fn standfirst(excerpt: &str) -> String {
    shortened(plain(excerpt), STANDFIRST_CHARS)
}

/// A slug from WordPress's `post_name` (percent-encoded when not ASCII), else from the title,
/// else from the id.
pub fn article_slug(post_name: &str, title: &str, wp_id: &str) -> String {
    let decoded = percent_decoded(post_name);
    [slug::slugify(&decoded), slug::slugify(title)]
        .into_iter()
        .find(|s| slug::is_valid(s))
        .unwrap_or_else(|| format!("post-{}", slug::slugify(wp_id)))
}

/// A term's or author's slug: WordPress's own where it is a valid one, else made from `name`.
pub fn term_slug(wp_slug: &str, name: &str, fallback: &str) -> String {
    let decoded = percent_decoded(wp_slug);
    [
        decoded.clone(),
        slug::slugify(&decoded),
        slug::slugify(name),
    ]
    .into_iter()
    .find(|s| slug::is_valid(s))
    .unwrap_or_else(|| fallback.to_string())
}

/// `%xx` escapes decoded, as WordPress writes non-ASCII slugs; anything malformed kept.
fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// What a WordPress comment becomes, or why it is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentFate {
    Import(&'static str),
    Skip(&'static str),
}

pub fn comment_fate(approved: &str, comment_type: &str) -> CommentFate {
    match comment_type {
        "" | "comment" | "review" => {}
        "pingback" | "trackback" => return CommentFate::Skip("a pingback or trackback"),
        _ => return CommentFate::Skip("a comment of a type Broadsheet does not keep"),
    }
    match approved {
        "1" | "approve" => CommentFate::Import("approved"),
        "0" | "hold" => CommentFate::Import("pending"),
        "spam" => CommentFate::Import("spam"),
        "trash" | "post-trashed" => CommentFate::Skip("a comment in WordPress's trash"),
        _ => CommentFate::Skip("a comment of an unknown status"),
    }
}

/// A comment's words as Broadsheet keeps them, plain text: WordPress's markup made into
/// paragraphs first, then dropped, with blank lines between paragraphs.
pub fn comment_text(content: &str) -> String {
    let doc = body::from_wordpress(content, &|_| Vec::new());
    body::plain_text(&doc.replace("</p>", "</p><br>"))
        .trim()
        .to_string()
}

/// The path (and query) of an address on the old site, without its trailing slash: the key old
/// links are found by. `None` for an address elsewhere or no address.
pub fn old_path(address: &str, site_hosts: &[&str]) -> Option<String> {
    let address = address.trim();
    let rest = address
        .strip_prefix("https://")
        .or_else(|| address.strip_prefix("http://"))?;
    let (host, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    if !site_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return None;
    }
    let path = path.split('#').next().unwrap_or("");
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    let trimmed = match path.split_once('?') {
        Some((p, q)) => format!("{}?{q}", p.trim_end_matches('/')),
        None => path.trim_end_matches('/').to_string(),
    };
    Some(if trimmed.is_empty() || trimmed.starts_with('?') {
        format!("/{trimmed}")
    } else {
        trimmed
    })
}

/// The host of a site address (`https://news.example/blog` → `news.example`).
pub fn host(address: &str) -> Option<&str> {
    let rest = address
        .strip_prefix("https://")
        .or_else(|| address.strip_prefix("http://"))?;
    let host = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    (!host.is_empty()).then_some(host)
}

/// The file in the uploads folder an address shows, with WordPress's size suffix
/// (`-300x200`) removed: `…/wp-content/uploads/2024/05/boat-300x200.jpg` → `2024/05/boat.jpg`.
pub fn upload_file(address: &str) -> Option<String> {
    let at = address.find("/wp-content/uploads/")?;
    let file = &address[at + "/wp-content/uploads/".len()..];
    let file = file.split(['?', '#']).next().unwrap_or(file);
    let (stem, extension) = file.rsplit_once('.')?;
    let stem = match stem.rsplit_once('-') {
        Some((base, size))
            if size.split_once('x').is_some_and(|(w, h)| {
                !w.is_empty()
                    && !h.is_empty()
                    && w.bytes().all(|b| b.is_ascii_digit())
                    && h.bytes().all(|b| b.is_ascii_digit())
            }) =>
        {
            base
        }
        _ => stem,
    };
    let stem = stem.strip_suffix("-scaled").unwrap_or(stem);
    Some(format!("{stem}.{extension}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_fate() {
        assert_eq!(
            disposition("publish"),
            Disposition::Import(Status::Published)
        );
        assert_eq!(
            disposition("future"),
            Disposition::Import(Status::Scheduled)
        );
        assert_eq!(disposition("pending"), Disposition::Import(Status::Review));
        assert_eq!(disposition("draft"), Disposition::Import(Status::Draft));
        assert_eq!(disposition("private"), Disposition::Private);
        assert!(matches!(disposition("trash"), Disposition::Skip(_)));
        assert!(matches!(disposition("inherit"), Disposition::Skip(_)));
    }

    #[test]
    fn times_come_from_gmt_else_the_site_zone() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let gmt = instant("2024-05-01 10:00:00", "2024-05-01 12:00:00", tz).unwrap();
        let local = instant("0000-00-00 00:00:00", "2024-05-01 12:00:00", tz).unwrap();
        assert_eq!(gmt, local);
        assert_eq!(gmt.to_datetime().to_rfc3339(), "2024-05-01T10:00:00+00:00");
        assert_eq!(instant("", "0000-00-00 00:00:00", tz), None);
        assert_eq!(instant("garbage", "", tz), None);
    }

    #[test]
    fn headlines_and_slugs_are_always_usable() {
        assert_eq!(
            headline("Caf&eacute; &amp; <em>Bar</em>", "4"),
            "Café & Bar"
        );
        assert_eq!(headline("  ", "12"), "Untitled (12)");
        let long = headline(&"word ".repeat(100), "1");
        assert!(
            long.chars().count() <= 300 && long.ends_with("word…"),
            "{long}"
        );
        assert_eq!(article_slug("hello-world", "x", "1"), "hello-world");
        assert_eq!(
            article_slug("%e6%97%a5%e6%9c%ac", "Japan day", "1"),
            "japan-day"
        );
        assert_eq!(article_slug("", "", "77"), "post-77");
        assert_eq!(article_slug("caf%c3%a9", "", "1"), "cafe");
        assert_eq!(term_slug("news", "News", "t-1"), "news");
        assert_eq!(term_slug("", "Über Uns", "t-1"), "uber-uns");
        assert_eq!(term_slug("", "日本", "t-1"), "t-1");
    }

    #[test]
    fn comments_keep_their_words_and_paragraphs() {
        assert_eq!(
            comment_text("Hello <strong>there</strong>.\n\nSecond &amp; last."),
            "Hello there.\n\nSecond & last."
        );
        assert_eq!(comment_fate("1", ""), CommentFate::Import("approved"));
        assert_eq!(comment_fate("0", "comment"), CommentFate::Import("pending"));
        assert_eq!(comment_fate("spam", ""), CommentFate::Import("spam"));
        assert!(matches!(comment_fate("trash", ""), CommentFate::Skip(_)));
        assert!(matches!(
            comment_fate("1", "pingback"),
            CommentFate::Skip(_)
        ));
    }

    #[test]
    fn old_addresses_become_keys() {
        let hosts = ["wp.example"];
        assert_eq!(
            old_path("http://wp.example/2024/05/01/hello/", &hosts).as_deref(),
            Some("/2024/05/01/hello")
        );
        assert_eq!(
            old_path("https://WP.example/?p=12", &hosts).as_deref(),
            Some("/?p=12")
        );
        assert_eq!(old_path("http://wp.example", &hosts).as_deref(), Some("/"));
        assert_eq!(old_path("http://other.example/a/", &hosts), None);
        assert_eq!(old_path("/relative", &hosts), None);
        assert_eq!(host("https://wp.example/blog"), Some("wp.example"));
    }

    #[test]
    fn upload_addresses_name_their_original_file() {
        assert_eq!(
            upload_file("http://wp.example/wp-content/uploads/2024/05/boat-300x200.jpg").as_deref(),
            Some("2024/05/boat.jpg")
        );
        assert_eq!(
            upload_file("http://wp.example/wp-content/uploads/2024/05/big-scaled.jpg").as_deref(),
            Some("2024/05/big.jpg")
        );
        assert_eq!(
            upload_file("https://cdn.example/wp-content/uploads/x-ray.png?v=2").as_deref(),
            Some("x-ray.png")
        );
        assert_eq!(upload_file("https://wp.example/images/a.jpg"), None);
    }
}
