//! The document model rendered for where readers meet it: the article page, feeds and emails.
//! Everything but figures, embeds, links and table heads passes through as the schema wrote it.
//!
//! - **Page**: library images through the image service with a `srcset` and their size (no
//!   layout shift), lazily loaded; embeds as a card whose player loads only when the reader asks
//!   (the site's script swaps the button for the provider's iframe), so no third party hears of
//!   a reader who does not.
//! - **Feed**: one image size, embeds as links; feed readers run no script and ignore `srcset`.
//! - **Email**: as the feed, with every address absolute and images at the mail's width.

use super::embeds;
use super::markdown::serialize;
use super::normalize::size_or_default;
use super::tokens::{Token, matching_end, tokens};
use super::write::{escape_attr, escape_text};
use crate::media::images::urls;

/// The width of an email's column, in CSS pixels.
pub const EMAIL_WIDTH: u32 = 600;

#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Page,
    Feed,
    /// An email, with the site's public address for its links and images.
    Email {
        base: &'a str,
    },
}

/// The path by which a body refers to a library item; the renderer turns it into sized URLs.
pub const LIBRARY_PREFIX: &str = "/images/v2/raw/media:";

/// The library item a body image shows, when its `src` is a bare library reference.
pub fn library_id(src: &str) -> Option<i64> {
    src.strip_prefix(LIBRARY_PREFIX)?.parse().ok()
}

/// `doc` rendered for `target`; `dimensions` gives the width and height of a library item.
pub fn render(doc: &str, target: Target, dimensions: &dyn Fn(i64) -> Option<(u32, u32)>) -> String {
    let tokens = tokens(doc);
    let mut out = String::with_capacity(doc.len() + doc.len() / 2);
    let mut in_gallery = false;
    let mut head_row_open = false;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        match token {
            Token::Start { name, .. } if name == "figure" && token.has_class("image") => {
                let end = matching_end(&tokens, i);
                let figure = read_figure(&tokens[i..=end]);
                write_figure(&mut out, &figure, target, in_gallery, dimensions);
                i = end;
            }
            Token::Start { name, .. } if name == "figure" && token.has_class("embed") => {
                let end = matching_end(&tokens, i);
                if let Some(url) = tokens[i..end].iter().find_map(|t| t.attr("href")) {
                    write_embed(&mut out, url, target);
                }
                i = end;
            }
            Token::Start { name, .. } if name == "figure" && token.has_class("gallery") => {
                in_gallery = true;
                out.push_str(&serialize(std::slice::from_ref(token)));
            }
            Token::End(name) if name == "figure" => {
                in_gallery = false;
                out.push_str("</figure>");
            }
            Token::Start { name, attrs } if name == "a" => {
                out.push_str("<a");
                for (n, v) in attrs {
                    let v = if n == "href" {
                        absolute(v, target)
                    } else {
                        v.clone()
                    };
                    out.push_str(&format!(" {n}=\""));
                    escape_attr(&mut out, &v);
                    out.push('"');
                }
                if !matches!(target, Target::Email { .. }) {
                    out.push_str(" rel=\"noopener\"");
                }
                out.push('>');
            }
            Token::Start { name, .. } if name == "tbody" && first_row_is_head(&tokens, i) => {
                out.push_str("<thead>");
                head_row_open = true;
            }
            Token::End(name) if name == "tr" && head_row_open => {
                out.push_str("</tr>\n</thead>\n<tbody>");
                head_row_open = false;
            }
            Token::Start { name, .. } if matches!(target, Target::Email { .. }) => {
                let tag = serialize(std::slice::from_ref(token));
                match email_style(name) {
                    // The schema's attributes on these elements (class, colspan) hold no `>`.
                    Some(style) => {
                        out.push_str(&tag.replacen('>', &format!(" style=\"{style}\">"), 1))
                    }
                    None => out.push_str(&tag),
                }
            }
            other => out.push_str(&serialize(std::slice::from_ref(other))),
        }
        i += 1;
    }
    out
}

/// Whether the first row of the table body starting at `tbody` holds only header cells: the row
/// is then the table's head for screen readers and for the page's styles.
fn first_row_is_head(tokens: &[Token], tbody: usize) -> bool {
    let mut cells = 0;
    for t in &tokens[tbody + 1..] {
        match t {
            Token::Start { name, .. } if name == "th" => cells += 1,
            Token::Start { name, .. } if name == "td" => return false,
            Token::End(name) if name == "tr" => return cells > 0,
            _ => {}
        }
    }
    false
}

struct Figure {
    src: String,
    alt: String,
    size: &'static str,
    caption: String,
    credit: String,
}

fn read_figure(tokens: &[Token]) -> Figure {
    let mut figure = Figure {
        src: String::new(),
        alt: String::new(),
        size: size_or_default(tokens[0].attr("data-size")),
        caption: String::new(),
        credit: String::new(),
    };
    let mut in_credit = false;
    for t in tokens {
        match t {
            Token::Start { name, .. } if name == "img" => {
                figure.src = t.attr("src").unwrap_or_default().to_string();
                figure.alt = t.attr("alt").unwrap_or_default().to_string();
            }
            Token::Start { name, .. } if name == "small" => in_credit = true,
            Token::End(name) if name == "small" => in_credit = false,
            Token::Text(text) if in_credit => figure.credit.push_str(text),
            Token::Text(text) => figure.caption.push_str(text),
            _ => {}
        }
    }
    figure.caption = figure.caption.trim().to_string();
    figure
}

/// The `sizes` of an image: how wide the page shows it, for the browser's choice in `srcset`.
fn sizes(size: &str, in_gallery: bool) -> &'static str {
    match (size, in_gallery) {
        (_, true) => "(min-width: 44rem) 21rem, calc(50vw - 1.5rem)",
        ("full", _) => "100vw",
        ("wide", _) => "(min-width: 62rem) 60rem, calc(100vw - 2rem)",
        _ => "(min-width: 44rem) 42rem, calc(100vw - 2rem)",
    }
}

fn write_figure(
    out: &mut String,
    f: &Figure,
    target: Target,
    in_gallery: bool,
    dimensions: &dyn Fn(i64) -> Option<(u32, u32)>,
) {
    out.push_str("<figure class=\"image\" data-size=\"");
    out.push_str(f.size);
    out.push_str("\"><img src=\"");
    // Without its size (a render that does not look it up), a library image is still sized by
    // the service, only without width and height for the layout.
    let library = library_id(&f.src).map(|id| (id, dimensions(id)));
    match (library, target) {
        (Some((id, size)), Target::Page) => {
            escape_attr(out, &urls::sized(id, urls::FALLBACK_WIDTH));
            out.push_str("\" srcset=\"");
            let widest = urls::SRCSET_WIDTHS[urls::SRCSET_WIDTHS.len() - 1];
            escape_attr(out, &urls::srcset(id, size.map_or(widest, |(w, _)| w)));
            out.push_str("\" sizes=\"");
            out.push_str(sizes(f.size, in_gallery));
            if let Some((w, h)) = size {
                out.push_str(&format!("\" width=\"{w}\" height=\"{h}"));
            }
            out.push_str("\" loading=\"lazy\" decoding=\"async");
        }
        (Some((id, size)), Target::Feed) => {
            escape_attr(out, &urls::sized(id, urls::FALLBACK_WIDTH));
            if let Some((w, h)) = size {
                let shown = w.min(urls::FALLBACK_WIDTH);
                let tall = u64::from(h) * u64::from(shown) / u64::from(w.max(1));
                out.push_str(&format!("\" width=\"{shown}\" height=\"{tall}"));
            }
        }
        (Some((id, size)), Target::Email { .. }) => {
            escape_attr(out, &absolute(&urls::sized(id, EMAIL_WIDTH), target));
            let shown = size.map_or(EMAIL_WIDTH, |(w, _)| w.min(EMAIL_WIDTH));
            out.push_str(&format!(
                "\" width=\"{shown}\" style=\"display:block;max-width:100%;height:auto"
            ));
        }
        (None, _) => {
            escape_attr(out, &absolute(&f.src, target));
            if matches!(target, Target::Page) {
                out.push_str("\" loading=\"lazy\" decoding=\"async");
            }
        }
    }
    out.push_str("\" alt=\"");
    escape_attr(out, &f.alt);
    out.push_str("\">");
    if !f.caption.is_empty() || !f.credit.is_empty() {
        out.push_str("<figcaption>");
        escape_text(out, &f.caption);
        if !f.credit.is_empty() {
            if !f.caption.is_empty() {
                out.push(' ');
            }
            out.push_str("<small class=\"credit\">");
            escape_text(out, &f.credit);
            out.push_str("</small>");
        }
        out.push_str("</figcaption>");
    }
    out.push_str("</figure>");
}

fn write_embed(out: &mut String, url: &str, target: Target) {
    let provider = embeds::provider(url);
    let name = provider.as_ref().map_or("the web", |p| p.name);
    match target {
        Target::Page => {
            out.push_str("<figure class=\"embed\"");
            if let Some(p) = &provider {
                out.push_str(&format!(" data-provider=\"{}\"", p.slug));
            }
            out.push_str("><p class=\"embed-source\">");
            escape_text(out, &format!("Content from {name}"));
            out.push_str("</p><a class=\"embed-link\" href=\"");
            escape_attr(out, url);
            out.push_str("\" rel=\"noopener\">");
            escape_text(out, url);
            out.push_str("</a>");
            if let Some(player) = provider.as_ref().and_then(|p| p.player.as_deref()) {
                out.push_str("<button type=\"button\" class=\"embed-load\" data-embed-player=\"");
                escape_attr(out, player);
                out.push_str("\" data-embed-title=\"");
                escape_attr(out, &format!("Content from {name}"));
                out.push_str("\" hidden>");
                escape_text(out, &format!("Load it here from {name}"));
                out.push_str("</button><small class=\"embed-note\">");
                escape_text(
                    out,
                    &format!("Loading it lets {name} see your visit and set cookies."),
                );
                out.push_str("</small>");
            }
            out.push_str("</figure>");
        }
        Target::Feed | Target::Email { .. } => {
            out.push_str("<p><a href=\"");
            escape_attr(out, url);
            out.push_str("\">");
            escape_text(out, &format!("View on {name}: {url}"));
            out.push_str("</a></p>");
        }
    }
}

/// Inline styles for an email: mail clients drop style sheets, so each element carries its own.
fn email_style(name: &str) -> Option<&'static str> {
    const TEXT: &str = "font-family: Georgia, 'Times New Roman', serif; color: #333333;";
    Some(match name {
        "p" | "li" => {
            "margin: 0 0 12px; font-family: Georgia, 'Times New Roman', serif; font-size: 16px; line-height: 1.55; color: #333333;"
        }
        "h2" | "h3" | "h4" => {
            "margin: 20px 0 8px; font-family: Georgia, 'Times New Roman', serif; font-size: 19px; line-height: 1.3; color: #1b1b1b;"
        }
        "blockquote" => {
            "margin: 16px 0; padding: 0 0 0 14px; border-left: 3px solid #a3341f; font-style: italic;"
        }
        "figcaption" | "cite" => {
            "margin: 6px 0 0; font-family: Helvetica, Arial, sans-serif; font-size: 13px; color: #6b6b6b; font-style: normal;"
        }
        "td" | "th" => {
            "padding: 4px 8px 4px 0; border-bottom: 1px solid #d9d6cf; text-align: left; font-family: Helvetica, Arial, sans-serif; font-size: 14px;"
        }
        "pre" => "font-size: 13px; white-space: pre-wrap;",
        "aside" => TEXT,
        _ => return None,
    })
}

/// An address usable from anywhere: in emails, paths become URLs of the site.
fn absolute(url: &str, target: Target) -> String {
    match target {
        Target::Email { base } if url.starts_with('/') && !url.starts_with("//") => {
            format!("{}{url}", base.trim_end_matches('/'))
        }
        _ => url.to_string(),
    }
}
