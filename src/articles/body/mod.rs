//! The article body's document model.
//!
//! **The source of truth is HTML with a fixed schema**, stored canonical (see [`normalize`]):
//!
//! | Block | Canonical HTML |
//! |---|---|
//! | paragraph, subheadings | `<p>`, `<h2>`, `<h3>`, `<h4>` holding inline content |
//! | lists | `<ul>`, `<ol start>` of `<li>` holding paragraphs and lists |
//! | quote | `<blockquote>` of paragraphs and lists, an optional `<cite>` |
//! | pull quote | `<blockquote class="pull-quote">`, likewise |
//! | image | `<figure class="image" data-size="inline\|wide\|full" data-focal="x,y"><img src alt><figcaption>caption <small class="credit">credit</small></figcaption></figure>` |
//! | gallery | `<figure class="gallery">` of images and an optional `<figcaption>` |
//! | embed | `<figure class="embed"><a href="URL">URL</a></figure>` |
//! | table | `<table>`, optional `<caption>`, one `<tbody>` of `<tr>` of `<th>`/`<td>` (`colspan`, `rowspan`) holding inline content |
//! | aside | `<aside class="note">` of paragraphs and lists (footnote-style notes) |
//! | rule, code | `<hr>`, `<pre><code>` |
//!
//! Inline content is text, `<strong>`, `<em>`, `<a href title>`, `<code>`, `<s>`, `<sub>`,
//! `<sup>` and `<br>`. Nothing else survives.
//!
//! Why HTML and not a JSON tree (ProseMirror's or Lexical's): what comes in is HTML — the
//! WordPress export, classic and block bodies alike, pastes from Word and Google Docs, API
//! clients of WordPress and Ghost — and what goes out is HTML (pages, feeds, emails), so HTML
//! as the stored form needs no second renderer and no conversion at either door; the editor
//! (ProseMirror) reads and writes the same schema through its DOM parser and serialiser; a
//! body stays readable in the database, in a revision diff and in an export; and a schema
//! enforced by one normaliser on every save is as strict as a JSON schema, while an element the
//! schema later learns costs no migration of stored JSON.

mod embeds;
mod markdown;
mod normalize;
mod render;
mod text;
mod tokens;
mod urls;
mod wordpress;
mod write;

pub use markdown::{from_editor_markdown, from_markdown, to_markdown};
pub use normalize::normalize as from_html;
pub use render::{EMAIL_WIDTH, LIBRARY_PREFIX, Target, library_id, render};
pub use text::plain_text;
pub use urls::{UrlUse, map_urls};
pub use wordpress::{Gallery, GalleryImage, from_wordpress};

/// The version of the document model that saves write, stored with each body (`body_schema`):
/// 0 was the Markdown of earlier versions. A body of an older version is converted at start
/// ([`crate::articles::service::upgrade_bodies`]).
pub const SCHEMA: i64 = 1;

/// The largest body a save accepts, in bytes of canonical HTML.
pub const MAX_BYTES: usize = 1_000_000;

/// The first `count` paragraphs of a document that stand on their own (not in a list, quote or
/// table), as a document: a story's opening for a newsletter.
pub fn opening(doc: &str, count: usize) -> String {
    let tokens = tokens::tokens(doc);
    let mut out = String::new();
    let (mut depth, mut start, mut taken) = (0usize, None, 0);
    for (i, token) in tokens.iter().enumerate() {
        match token {
            tokens::Token::Start { name, .. } => {
                if depth == 0 && name == "p" {
                    start = Some(i);
                }
                depth += 1;
            }
            tokens::Token::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0
                    && let Some(s) = start.take()
                {
                    out.push_str(&markdown::serialize(&tokens[s..=i]));
                    out.push('\n');
                    taken += 1;
                    if taken == count {
                        break;
                    }
                }
            }
            tokens::Token::Text(_) => {}
        }
    }
    out
}

/// Words in a document, as a reader counts them.
pub fn word_count(doc: &str) -> usize {
    plain_text(doc).split_whitespace().count()
}

/// Minutes a reader needs, at 230 words a minute, at least one.
pub fn reading_minutes(words: usize) -> usize {
    words.div_ceil(230).max(1)
}

/// [`from_html`] on the CPU pool ([`crate::cpu`]): a body may be a megabyte.
pub async fn from_html_on_pool(html: &str) -> crate::error::AppResult<String> {
    let html = html.to_owned();
    Ok(crate::cpu::run(move || from_html(&html)).await?)
}

/// The article page's HTML of `doc` on the CPU pool, with the width and height of each library
/// image it shows.
pub async fn render_page_on_pool(
    doc: &str,
    dimensions: std::collections::HashMap<i64, (u32, u32)>,
) -> crate::error::AppResult<String> {
    let doc = doc.to_owned();
    Ok(
        crate::cpu::run(move || render(&doc, Target::Page, &|id| dimensions.get(&id).copied()))
            .await?,
    )
}

/// [`from_markdown`] on the CPU pool.
pub async fn from_markdown_on_pool(markdown: &str) -> crate::error::AppResult<String> {
    let markdown = markdown.to_owned();
    Ok(crate::cpu::run(move || from_markdown(&markdown)).await?)
}

/// [`from_editor_markdown`] on the CPU pool.
pub async fn from_editor_markdown_on_pool(markdown: &str) -> crate::error::AppResult<String> {
    let markdown = markdown.to_owned();
    Ok(crate::cpu::run(move || from_editor_markdown(&markdown)).await?)
}

#[cfg(test)]
mod tests;
