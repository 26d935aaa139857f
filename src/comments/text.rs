//! Comment text is plain text: every character a reader typed is escaped, blank lines make
//! paragraphs, single line breaks stay, and web addresses become links marked `nofollow ugc`, so
//! search engines give them no weight. Nothing a commenter types can become markup.

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
    let mut count = 0;
    let mut rest = text;
    while let Some((start, end)) = next_link(rest) {
        count += 1;
        rest = &rest[end.max(start + 1)..];
    }
    count
}

/// The addresses in a text, for the classifier's link features.
pub fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some((start, end)) = next_link(rest) {
        found.push(href(&rest[start..end]));
        rest = &rest[end.max(start + 1)..];
    }
    found
}

fn linkify(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some((start, end)) = next_link(rest) {
        escape_into(&rest[..start], out);
        let shown = &rest[start..end];
        out.push_str("<a href=\"");
        escape_into(&href(shown), out);
        out.push_str("\" rel=\"nofollow ugc\">");
        escape_into(shown, out);
        out.push_str("</a>");
        rest = &rest[end..];
    }
    escape_into(rest, out);
}

fn href(shown: &str) -> String {
    if shown.starts_with("www.") {
        format!("https://{shown}")
    } else {
        shown.to_string()
    }
}

/// The byte range of the next web address: `http://`, `https://` or `www.` at a word start, up to
/// white space, without trailing punctuation or an unbalanced closing bracket.
fn next_link(text: &str) -> Option<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let start = ["https://", "http://", "www."]
            .iter()
            .filter_map(|p| lower[from..].find(p).map(|i| (i + from, p.len())))
            .min_by_key(|(i, _)| *i)?;
        let (at, prefix_len) = start;
        let word_start = at == 0
            || text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_whitespace() || "([<\"'".contains(c));
        let mut end = text[at..]
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .map_or(text.len(), |i| at + i);
        while end > at {
            let last = text[..end].chars().next_back().unwrap_or(' ');
            let unbalanced_close = last == ')'
                && text[at..end].matches('(').count() < text[at..end].matches(')').count();
            if ".,;:!?'".contains(last) || unbalanced_close {
                end -= last.len_utf8();
            } else {
                break;
            }
        }
        if word_start && end > at + prefix_len {
            return Some((at, end));
        }
        from = at + prefix_len;
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
}
