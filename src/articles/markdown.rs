//! Article bodies: Markdown in, sanitised HTML out. The HTML is stored beside the Markdown so the
//! page never renders Markdown on a request.

use pulldown_cmark::{Event, Options, Parser, TagEnd, html};

const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_SMART_PUNCTUATION);

/// Renders Markdown to HTML and strips anything unsafe (scripts, event handlers, `javascript:`
/// links), so that an editor's paste can never run code in a reader's browser.
pub fn render(markdown: &str) -> String {
    let mut unsafe_html = String::with_capacity(markdown.len() * 5 / 4);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, OPTIONS));
    ammonia::Builder::default()
        .link_rel(Some("noopener"))
        .clean(&unsafe_html)
        .to_string()
}

/// [`render`] on the CPU pool ([`crate::cpu`]): a body may be a megabyte, and the editor's live
/// preview asks again every few seconds.
pub async fn render_on_pool(markdown: &str) -> crate::error::AppResult<String> {
    let markdown = markdown.to_owned();
    Ok(crate::cpu::run(move || render(&markdown)).await?)
}

/// The words a reader reads, without markup: for the search index and its snippets. Blocks of
/// raw HTML are dropped, inline tags lose their markup but keep their words; blocks are
/// separated by a line break so a snippet never runs two paragraphs' words together.
pub fn plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, OPTIONS) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock,
            ) => text.push('\n'),
            _ => {}
        }
    }
    text.truncate(text.trim_end().len());
    text
}

#[cfg(test)]
mod tests {
    use super::{plain_text, render};

    #[test]
    fn plain_text_keeps_the_words_and_drops_the_markup() {
        let text = plain_text(
            "## Subhead\n\nA [link](https://x.example) and *emphasis*.\n\n<script>alert(1)</script>\n\nA <b>bold</b> end.",
        );
        assert_eq!(text, "Subhead\nA link and emphasis.\nA bold end.");
    }

    #[test]
    fn markdown_becomes_safe_html() {
        let html = render(
            "Hello *world*\n\n> A pull quote\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) \
             <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<em>world</em>"));
        assert!(html.contains("<blockquote>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("href=\"javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }
}
