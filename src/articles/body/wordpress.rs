//! WordPress post content → the document model, for the importer's door. Block-editor posts
//! (their HTML carries `<!-- wp:… -->` markers) are HTML already. Classic posts are not: WordPress
//! stores them as typed and makes paragraphs only when it shows them (its `wpautop`: a blank
//! line ends a paragraph, a single newline is a line break), wraps captioned pictures in a
//! `[caption]` shortcode and turns a provider's address alone on a line into an embed. This does
//! the same before normalising, in one pass over the text.

use super::embeds;
use super::normalize::normalize;
use super::write::{escape_attr, escape_text};

/// Elements WordPress leaves outside paragraphs.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "iframe",
    "li",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// A picture of a `[gallery]`, as the importer finds it among the export's attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GalleryImage {
    pub src: String,
    pub alt: String,
    pub caption: String,
}

/// Finds the pictures of a `[gallery]` shortcode by the attachment ids it lists; no ids means
/// the pictures attached to the post itself, as WordPress shows them.
pub type Gallery<'a> = &'a dyn Fn(&[i64]) -> Vec<GalleryImage>;

/// The document of a WordPress post's content.
pub fn from_wordpress(content: &str, gallery: Gallery<'_>) -> String {
    if content.contains("<!-- wp:") {
        normalize(&shortcodes(content, gallery))
    } else {
        normalize(&autop(&shortcodes(content, gallery)))
    }
}

/// Paragraphs and line breaks as WordPress makes them from classic content; `<pre>` keeps its
/// lines.
pub fn autop(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut rest = text.as_str();
    while let Some(at) = find_tag(rest, "<pre") {
        paragraphs(&rest[..at], &mut out);
        let end = find_tag(&rest[at..], "</pre>").map_or(rest.len(), |e| at + e + "</pre>".len());
        out.push_str(&rest[at..end]);
        out.push('\n');
        rest = &rest[end..];
    }
    paragraphs(rest, &mut out);
    out
}

/// The index of `tag` in `text`, ignoring ASCII case.
fn find_tag(text: &str, tag: &str) -> Option<usize> {
    text.as_bytes()
        .windows(tag.len())
        .position(|w| w.eq_ignore_ascii_case(tag.as_bytes()))
}

/// Whether `text` starts with a block element's start or end tag.
fn starts_with_block(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('<') else {
        return false;
    };
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let name: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    BLOCKS.contains(&name.as_str())
}

/// Splits `text` at blank lines, and before every block start tag and after every block end
/// tag, and writes each piece: block markup as it is, a provider's address alone as an embed,
/// anything else as a paragraph whose single newlines are line breaks. The next tag and the
/// next blank line are each looked for again only once passed, so the pass stays linear.
fn paragraphs(text: &str, out: &mut String) {
    let mut piece = String::new();
    let (mut pos, mut tag, mut blank) = (0, None, None);
    while pos < text.len() {
        if tag.is_none_or(|t| t < pos) {
            tag = text[pos..].find('<').map(|t| t + pos);
        }
        if blank.is_none_or(|b| b < pos) {
            blank = text[pos..].find("\n\n").map(|b| b + pos);
        }
        match (tag, blank) {
            (Some(t), b) if b.is_none_or(|b| t < b) => {
                let end = text[t..].find('>').map_or(text.len(), |e| t + e + 1);
                if starts_with_block(&text[t..end]) {
                    piece.push_str(&text[pos..t]);
                    flush(&mut piece, out);
                    out.push_str(&text[t..end]);
                    out.push('\n');
                } else {
                    piece.push_str(&text[pos..end]);
                }
                pos = end;
            }
            (_, Some(b)) => {
                piece.push_str(&text[pos..b]);
                flush(&mut piece, out);
                pos = b + text[b..].bytes().take_while(|c| *c == b'\n').count();
            }
            _ => {
                piece.push_str(&text[pos..]);
                pos = text.len();
            }
        }
    }
    flush(&mut piece, out);
}

fn flush(piece: &mut String, out: &mut String) {
    let text = piece.trim();
    if !text.is_empty() {
        if !text.contains(char::is_whitespace)
            && embeds::provider(text).is_some()
            && let Some(url) = embeds::canonical(text)
        {
            write_embed(out, &url);
        } else {
            out.push_str("<p>");
            out.push_str(&text.replace('\n', "<br>\n"));
            out.push_str("</p>\n");
        }
    }
    piece.clear();
}

fn write_embed(out: &mut String, url: &str) {
    out.push_str("<figure class=\"embed\"><a href=\"");
    escape_attr(out, url);
    out.push_str("\">");
    escape_text(out, url);
    out.push_str("</a></figure>\n");
}

/// `[caption]` around a picture becomes a figure with its caption; `[embed]URL[/embed]` an embed;
/// `[gallery]` a gallery. Other shortcodes stay as text, for the importer to report.
fn shortcodes(content: &str, gallery: Gallery<'_>) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(at) = rest.find('[') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let found = caption(tail)
            .or_else(|| embed(tail))
            .or_else(|| gallery_of(tail, gallery));
        if let Some((figure, used)) = found {
            out.push_str(&figure);
            rest = &tail[used..];
        } else {
            out.push('[');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// How far a shortcode's closing tag is looked for: a caption is a picture and a sentence, and
/// the bound keeps a text of many unclosed shortcodes linear.
const SHORTCODE_REACH: usize = 16 * 1024;

/// `[caption …]<a><img></a> Caption[/caption]` at the start of `text`: the figure, and the bytes
/// it took.
fn caption(text: &str) -> Option<(String, usize)> {
    if !text.starts_with("[caption") {
        return None;
    }
    let text = reach(text);
    let open_end = text.find(']')? + 1;
    let close = text[open_end..].find("[/caption]")? + open_end;
    let inner = &text[open_end..close];
    let img = find_tag(inner, "<img")?;
    let mut picture_end = img + inner[img..].find('>')? + 1;
    if let Some(a_end) = find_tag(&inner[picture_end..], "</a>")
        && inner[picture_end..picture_end + a_end].trim().is_empty()
    {
        picture_end += a_end + "</a>".len();
    }
    let figure = format!(
        "\n\n<figure>{}<figcaption>{}</figcaption></figure>\n\n",
        &inner[..picture_end],
        inner[picture_end..].trim()
    );
    Some((figure, close + "[/caption]".len()))
}

/// The start of `text` that a shortcode may span.
fn reach(text: &str) -> &str {
    let mut end = text.len().min(SHORTCODE_REACH);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn embed(text: &str) -> Option<(String, usize)> {
    let rest = reach(text).strip_prefix("[embed]")?;
    let end = rest.find("[/embed]")?;
    let url = embeds::canonical(rest[..end].trim())?;
    let mut figure = String::from("\n\n");
    write_embed(&mut figure, &url);
    figure.push('\n');
    Some((figure, "[embed]".len() + end + "[/embed]".len()))
}

/// `[gallery ids="1,2"]` at the start of `text`: the gallery's figure, and the bytes it took. A
/// gallery whose pictures are all missing leaves nothing behind.
fn gallery_of(text: &str, gallery: Gallery<'_>) -> Option<(String, usize)> {
    let rest = text.strip_prefix("[gallery")?;
    if !rest.starts_with([' ', ']']) {
        return None;
    }
    let end = reach(rest).find(']')?;
    let attributes = &rest[..end];
    let ids: Vec<i64> = attribute(attributes, "ids")
        .map(|list| {
            list.split(',')
                .filter_map(|id| id.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let mut figure = String::from("\n\n");
    let images = gallery(&ids);
    if !images.is_empty() {
        figure.push_str("<figure class=\"gallery\">");
        for image in images {
            figure.push_str("<figure><img src=\"");
            escape_attr(&mut figure, &image.src);
            figure.push_str("\" alt=\"");
            escape_attr(&mut figure, &image.alt);
            figure.push_str("\"><figcaption>");
            escape_text(&mut figure, &image.caption);
            figure.push_str("</figcaption></figure>");
        }
        figure.push_str("</figure>\n\n");
    }
    Some((figure, "[gallery".len() + end + 1))
}

/// The value of `name="…"` (or `'…'`, or bare) among a shortcode's attributes.
fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attributes;
    while let Some(at) = rest.find(name) {
        let before_ok = at == 0 || rest.as_bytes()[at - 1].is_ascii_whitespace();
        let after = rest[at + name.len()..].trim_start();
        if before_ok && let Some(value) = after.strip_prefix('=') {
            let value = value.trim_start();
            return Some(match value.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &value[1..];
                    &inner[..inner.find(q).unwrap_or(inner.len())]
                }
                _ => &value[..value.find(char::is_whitespace).unwrap_or(value.len())],
            });
        }
        rest = &rest[at + name.len()..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_content_gets_paragraphs_breaks_captions_and_embeds() {
        let classic = "First line\nsecond line.\n\nNext paragraph with <em>emphasis</em>.\n<ul>\n<li>one</li>\n</ul>\nAfter the list.\n\n[caption id=\"attachment_7\" align=\"alignnone\" width=\"300\"]<a href=\"/big.jpg\"><img src=\"https://wp.example/a.jpg\" alt=\"Boat\" width=\"300\" /></a> A boat at dawn[/caption]\n\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ\n\n<pre>keep\n\n  this</pre>\nEnd [gallery ids=\"1,2\"]";
        assert_eq!(
            from_wordpress(classic, &|_| Vec::new()),
            concat!(
                "<p>First line<br>second line.</p>\n",
                "<p>Next paragraph with <em>emphasis</em>.</p>\n",
                "<ul>\n<li>\n<p>one</p>\n</li>\n</ul>\n",
                "<p>After the list.</p>\n",
                "<figure class=\"image\" data-size=\"inline\"><img src=\"https://wp.example/a.jpg\" alt=\"Boat\"><figcaption>A boat at dawn</figcaption></figure>\n",
                "<figure class=\"embed\"><a href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></figure>\n",
                "<pre><code>keep\n\n  this\n</code></pre>\n",
                "<p>End</p>\n",
            )
        );
    }

    #[test]
    fn a_gallery_shows_the_pictures_it_lists_or_those_attached() {
        let pictures = |ids: &[i64]| {
            let ids = if ids.is_empty() {
                vec![9]
            } else {
                ids.to_vec()
            };
            ids.iter()
                .filter(|id| **id != 404)
                .map(|id| GalleryImage {
                    src: format!("/images/v2/raw/media:{id}"),
                    alt: format!("Picture {id}"),
                    caption: if *id == 2 {
                        "Two & more".into()
                    } else {
                        String::new()
                    },
                })
                .collect()
        };
        let doc = from_wordpress(
            "Before\n\n[gallery columns=\"2\" ids='1, 2,404']\n\nMiddle [gallery] after [gallery ids=\"404\"]",
            &pictures,
        );
        assert_eq!(
            doc,
            concat!(
                "<p>Before</p>\n",
                "<figure class=\"gallery\">\n",
                "<figure class=\"image\" data-size=\"inline\"><img src=\"/images/v2/raw/media:1\" alt=\"Picture 1\"></figure>\n",
                "<figure class=\"image\" data-size=\"inline\"><img src=\"/images/v2/raw/media:2\" alt=\"Picture 2\"><figcaption>Two &amp; more</figcaption></figure>\n",
                "</figure>\n",
                "<p>Middle</p>\n",
                "<figure class=\"gallery\">\n",
                "<figure class=\"image\" data-size=\"inline\"><img src=\"/images/v2/raw/media:9\" alt=\"Picture 9\"></figure>\n",
                "</figure>\n",
                "<p>after</p>\n",
            )
        );
    }

    #[test]
    fn block_content_is_html_already() {
        let blocks = "<!-- wp:paragraph -->\n<p>One\ntwo</p>\n<!-- /wp:paragraph -->";
        assert_eq!(from_wordpress(blocks, &|_| Vec::new()), "<p>One two</p>\n");
    }

    #[test]
    fn the_theme_unit_test_classic_post_keeps_its_paragraphs() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/fixtures/wxr/wordpress-importer/theme-unit-test-data.xml"
        );
        let Ok(xml) = std::fs::read_to_string(path) else {
            eprintln!("skipped: the WordPress fixtures are not at {path}");
            return;
        };
        let at = xml
            .find("<title>Markup: HTML Tags and Formatting</title>")
            .unwrap();
        let start = xml[at..].find("<![CDATA[").unwrap() + at + 9;
        let end = xml[start..].find("]]></content:encoded>").unwrap() + start;
        let doc = from_wordpress(&xml[start..end], &|_| Vec::new());
        assert!(doc.matches("<p>").count() >= 20, "{doc}");
        assert!(
            doc.contains("<h2>Header one</h2>\n<h2>Header two</h2>"),
            "{doc}"
        );
        assert!(
            doc.contains("<blockquote>\n<p>Stay hungry. Stay foolish.</p>\n</blockquote>"),
            "{doc}"
        );
        assert!(doc.contains("<table>"), "{doc}");
        assert_eq!(from_wordpress(&doc, &|_| Vec::new()), doc);
    }
}
