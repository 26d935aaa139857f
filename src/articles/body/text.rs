//! The words of a canonical document without markup: for the search index and its snippets, word
//! counts and the plain-text part of emails. One pass over the bytes, since the index reads every
//! body of the archive when it is rebuilt; it relies on the canonical form (attribute values in
//! double quotes, only `&amp;`, `&lt;`, `&gt;`, `&quot;` and `&nbsp;` as entities).

/// Elements whose end starts a new line of text, so words of two blocks never run together.
const LINE_ENDS: &[&str] = &[
    "p",
    "h2",
    "h3",
    "h4",
    "li",
    "pre",
    "figcaption",
    "caption",
    "tr",
    "cite",
    "figure",
];

pub fn plain_text(doc: &str) -> String {
    let mut text = String::with_capacity(doc.len());
    let mut rest = doc;
    while let Some(lt) = rest.find('<') {
        push_decoded(&mut text, &rest[..lt]);
        let tag = &rest[lt + 1..];
        let end = tag_end(tag);
        let inside = &tag[..end];
        if let Some(name) = inside.strip_prefix('/') {
            if LINE_ENDS.contains(&name.trim()) && !text.ends_with('\n') && !text.is_empty() {
                text.push('\n');
            } else if matches!(name.trim(), "td" | "th") {
                text.push(' ');
            }
        } else if inside == "br" {
            text.push('\n');
        }
        rest = tag.get(end + 1..).unwrap_or("");
    }
    push_decoded(&mut text, rest);
    text.truncate(text.trim_end().len());
    text
}

/// Where a tag's `>` is, skipping `>` inside quoted attribute values.
fn tag_end(tag: &str) -> usize {
    let mut quoted = false;
    for (i, b) in tag.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'>' if !quoted => return i,
            _ => {}
        }
    }
    tag.len()
}

fn push_decoded(text: &mut String, raw: &str) {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        push_spaced(text, &rest[..amp]);
        let after = &rest[amp..];
        let (decoded, len) = [
            ("&amp;", "&"),
            ("&lt;", "<"),
            ("&gt;", ">"),
            ("&quot;", "\""),
            ("&nbsp;", "\u{a0}"),
        ]
        .iter()
        .find(|(entity, _)| after.starts_with(entity))
        .map_or(("&", 1), |(entity, c)| (*c, entity.len()));
        text.push_str(decoded);
        rest = &after[len..];
    }
    push_spaced(text, rest);
}

/// Text between tags, where the canonical form's line breaks between blocks are not words.
fn push_spaced(text: &mut String, raw: &str) {
    if raw.trim().is_empty() && (text.is_empty() || text.ends_with('\n')) {
        return;
    }
    text.push_str(raw);
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    #[test]
    fn blocks_become_lines_and_entities_are_decoded() {
        let doc = "<h2>Sub</h2>\n<p>A <a href=\"/x?a=1&amp;b=2\" title=\"a&gt;b\">link</a> &amp; <em>more</em>.</p>\n<ul>\n<li>\n<p>one</p>\n</li>\n</ul>\n<figure class=\"image\" data-size=\"inline\"><img src=\"/a.jpg\" alt=\"x > y\"><figcaption>Caption <small class=\"credit\">Credit</small></figcaption></figure>\n";
        assert_eq!(plain_text(doc), "Sub\nA link & more.\none\nCaption Credit");
    }
}
