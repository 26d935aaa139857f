//! Comment text is plain text: every character a reader typed is escaped, blank lines make
//! paragraphs, single line breaks stay, and web addresses become links marked `nofollow ugc`, so
//! search engines give them no weight. Nothing a commenter types can become markup.
//!
//! Every function here reads its input in time linear in its length: a comment runs through them
//! before it is stored (spam features, the link rule), on every render and in the moderation
//! queue, so a pass that doubled its work for a longer input would let one comment burn a core.

use std::ops::Range;

/// Renders a comment's stored text as safe HTML.
pub fn render(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut html = String::with_capacity(normalised.len() + 32);
    for paragraph in normalised.split("\n\n") {
        let paragraph = paragraph.trim_matches('\n');
        if paragraph.trim().is_empty() {
            continue;
        }
        html.push_str("<p>");
        for (i, line) in paragraph.split('\n').enumerate() {
            if i > 0 {
                html.push_str("<br>\n");
            }
            linkify(line, &mut html);
        }
        html.push_str("</p>\n");
    }
    html
}

/// How many web addresses a text contains, as WordPress counts links for its hold rule.
pub fn count_links(text: &str) -> usize {
    Links::new(text).count()
}

/// The addresses in a text, for the classifier's link features.
pub fn links(text: &str) -> Vec<String> {
    Links::new(text).map(|r| href(&text[r])).collect()
}

fn linkify(line: &str, out: &mut String) {
    let mut done = 0;
    for range in Links::new(line) {
        escape_into(&line[done..range.start], out);
        let shown = &line[range.clone()];
        out.push_str("<a href=\"");
        escape_into(&href(shown), out);
        out.push_str("\" rel=\"nofollow ugc\">");
        escape_into(shown, out);
        out.push_str("</a>");
        done = range.end;
    }
    escape_into(&line[done..], out);
}

/// The target of a shown address: one that starts `www.` (in any case) is given `https://`, or
/// the browser would read it as a path on this site.
fn href(shown: &str) -> String {
    if shown
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("www."))
    {
        format!("https://{shown}")
    } else {
        shown.to_string()
    }
}

/// What a link starts with, matched without regard to case.
const PREFIXES: [&[u8]; 3] = [b"https://", b"http://", b"www."];
/// Characters a link does not end with: they close the sentence around it.
const TRAILING: &[u8] = b".,;:!?'";

/// The byte ranges of the web addresses in a text: `http://`, `https://` or `www.` at a word
/// start, up to white space, without trailing punctuation or an unbalanced closing bracket.
///
/// One forward pass: each byte is looked at a bounded number of times, however the text is
/// built. A candidate's span is scanned once to find its end and count its brackets, and the
/// trailing characters are then dropped one at a time against those counts. The scan resumes
/// after a link; after a candidate too short to be one, it resumes after the prefix, and what
/// follows up to the next white space is only punctuation, which no link can start in.
struct Links<'a> {
    text: &'a str,
    at: usize,
    /// Bytes looked at so far, so tests can hold the scan to its linear bound.
    examined: usize,
}

impl<'a> Links<'a> {
    fn new(text: &'a str) -> Self {
        Links {
            text,
            at: 0,
            examined: 0,
        }
    }

    fn starts_word(&self, at: usize) -> bool {
        self.text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "([<\"'".contains(c))
    }

    /// The end of the link that starts at `at`, its trailing punctuation dropped.
    fn end_of(&mut self, at: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = at;
        let (mut opens, mut closes) = (0usize, 0usize);
        for (offset, c) in self.text[at..].char_indices() {
            if c.is_whitespace() || matches!(c, '<' | '>' | '"') {
                break;
            }
            match c {
                '(' => opens += 1,
                ')' => closes += 1,
                _ => {}
            }
            end = at + offset + c.len_utf8();
        }
        self.examined += end - at;
        while end > at {
            let last = bytes[end - 1];
            if last == b')' && opens < closes {
                closes -= 1;
            } else if !TRAILING.contains(&last) {
                break;
            }
            end -= 1;
            self.examined += 1;
        }
        end
    }
}

impl Iterator for Links<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let bytes = self.text.as_bytes();
        while self.at < bytes.len() {
            let at = self.at;
            self.examined += 1;
            self.at += 1;
            if !matches!(bytes[at], b'h' | b'H' | b'w' | b'W') {
                continue;
            }
            let Some(prefix) = PREFIXES.iter().find(|p| {
                bytes
                    .get(at..at + p.len())
                    .is_some_and(|b| b.eq_ignore_ascii_case(p))
            }) else {
                continue;
            };
            if !self.starts_word(at) {
                continue;
            }
            let end = self.end_of(at);
            if end > at + prefix.len() {
                self.at = end;
                return Some(at..end);
            }
            self.at = at + prefix.len();
        }
        debug_assert!(
            self.examined <= 3 * bytes.len(),
            "the link scan looked at {} bytes of {}",
            self.examined,
            bytes.len()
        );
        None
    }
}

pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comments::service::MAX_COMMENT;

    #[test]
    fn paragraphs_line_breaks_and_escaping() {
        let html = render("Hello <b>there</b> & you\nsecond line\n\n\nnew paragraph");
        assert_eq!(
            html,
            "<p>Hello &lt;b&gt;there&lt;/b&gt; &amp; you<br>\nsecond line</p>\n<p>new paragraph</p>\n"
        );
    }

    #[test]
    fn addresses_become_nofollow_links_without_trailing_punctuation() {
        let html = render("See https://example.com/a?b=1&c=2. Or (www.example.org/x).");
        assert!(html.contains(
            "<a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow ugc\">https://example.com/a?b=1&amp;c=2</a>."
        ));
        assert!(html.contains(
            "(<a href=\"https://www.example.org/x\" rel=\"nofollow ugc\">www.example.org/x</a>)."
        ));
        assert_eq!(count_links("a http://x.io b https://y.io c www.z.io"), 3);
        assert_eq!(count_links("javascript:alert(1) and http:// alone"), 0);
    }

    #[test]
    fn balanced_brackets_stay_in_the_link_and_case_does_not_matter() {
        assert_eq!(
            links("see (https://en.wikipedia.org/wiki/Rust_(language)), then"),
            vec!["https://en.wikipedia.org/wiki/Rust_(language)"]
        );
        assert_eq!(
            links("HTTPS://EXAMPLE.COM/X!"),
            vec!["HTTPS://EXAMPLE.COM/X"]
        );
        assert_eq!(links("WWW.Example.com"), vec!["https://WWW.Example.com"]);
        assert_eq!(
            links("'https://a.io/é' «http://b.io»"),
            vec!["https://a.io/é"],
            "« is no word boundary"
        );
    }

    #[test]
    fn quotes_cannot_break_out_of_the_href() {
        let html = render("http://x.io/\"onmouseover=alert(1)");
        assert!(!html.contains("\"onmouseover"));
        assert!(html.contains("&quot;onmouseover=alert(1)"));
    }

    #[test]
    fn links_only_start_at_word_boundaries() {
        assert_eq!(count_links("xhttp://evil.example"), 0);
        assert_eq!(
            links("go to www.example.com!"),
            vec!["https://www.example.com"]
        );
    }

    /// Bodies at the comment limit built to make a naive scanner rescan: brackets to strip,
    /// prefixes that are not at a word start, empty prefixes, and links packed edge to edge.
    fn adversarial_bodies() -> Vec<(&'static str, String)> {
        let fill = |unit: &str| unit.repeat(MAX_COMMENT / unit.len());
        let mut bodies = vec![
            (
                "closing brackets",
                format!("http://a{}", ")".repeat(MAX_COMMENT - 8)),
            ),
            ("embedded prefixes", fill("xhttp://")),
            ("empty prefixes", fill("http:// ")),
            ("empty prefixes and punctuation", fill("www.,;:")),
            ("packed links", fill("http://a.io/ ")),
            ("prefixes in one word", fill("(http://(")),
            (
                "trailing punctuation",
                format!("www.a{}", ".!?".repeat(MAX_COMMENT / 3 - 2)),
            ),
            ("no www to find", fill("http://")),
        ];
        let mut mixed = "xhttp://".repeat(100);
        mixed.push_str(&")".repeat(MAX_COMMENT - mixed.len()));
        bodies.push(("the reported body, at the limit", mixed));
        bodies
    }

    #[test]
    fn the_scan_is_linear_on_adversarial_bodies_at_the_limit() {
        for (name, body) in adversarial_bodies() {
            let mut scan = Links::new(&body);
            let found = scan.by_ref().count();
            assert!(
                scan.examined <= 3 * body.len(),
                "{name}: {} bytes examined for {} bytes ({found} links)",
                scan.examined,
                body.len()
            );
            let html = render(&body);
            assert!(html.len() >= body.len(), "{name} renders whole");
        }
    }

    proptest::proptest! {
        /// Whatever a commenter types, the HTML holds only the markup the renderer writes
        /// (paragraphs, line breaks, `nofollow ugc` links), grows at most linearly, and every
        /// link counted is a link shown.
        #[test]
        fn any_comment_renders_inert(text in "(\\PC|[<>&\"'\n\r]|www\\.|https?://|\\.com ){0,120}") {
            let html = render(&text);
            proptest::prop_assert!(html.len() <= text.len() * 12 + 16, "{} bytes from {}", html.len(), text.len());
            let mut rest = html.as_str();
            while let Some(at) = rest.find('<') {
                rest = &rest[at + 1..];
                let tag = rest.split(['>', ' ']).next().unwrap_or_default();
                proptest::prop_assert!(matches!(tag, "p" | "/p" | "br" | "a" | "/a"), "<{} in {}", tag, html);
            }
            proptest::prop_assert_eq!(html.matches("<a href=").count(), count_links(&text.replace("\r\n", "\n").replace('\r', "\n")));
            proptest::prop_assert_eq!(links(&text).len(), count_links(&text));
        }
    }
}
