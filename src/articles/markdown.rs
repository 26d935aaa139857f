//! Article bodies: Markdown in, sanitised HTML out. The HTML is stored beside the Markdown so the
//! page never renders Markdown on a request.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown to HTML and strips anything unsafe (scripts, event handlers, `javascript:`
/// links), so that an editor's paste can never run code in a reader's browser.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_SMART_PUNCTUATION;
    let mut unsafe_html = String::with_capacity(markdown.len() * 5 / 4);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
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

#[cfg(test)]
mod tests {
    use super::render;

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
