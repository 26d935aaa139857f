//! Markdown as an input and output format of the document model. In: CommonMark (with tables,
//! strikethrough, footnotes and smart punctuation, as the old Markdown editor offered) rendered
//! by pulldown-cmark and then normalised like any HTML. Out: Markdown for what Markdown can say
//! (paragraphs, headings, emphasis, links, lists, quotes, code, rules) and the block's canonical
//! HTML, which Markdown carries through untouched, for the rest (figures, galleries, embeds,
//! tables, pull quotes, asides) — so Markdown → model → Markdown → model loses nothing.

use pulldown_cmark::{Options, Parser, html};

use super::normalize::normalize;
use super::tokens::{Token, is_void, matching_end, tokens};
use super::write::{escape_attr, escape_text};

const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_SMART_PUNCTUATION);

/// The document a Markdown text describes.
pub fn from_markdown(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 5 / 4);
    html::push_html(&mut html, Parser::new_ext(markdown, OPTIONS));
    normalize(&html)
}

/// The document of a body written in the Markdown editor of earlier versions, which told
/// writers to use `>` for a pull quote: its quotes become pull quotes. (Markdown from anywhere
/// else keeps CommonMark's meaning, a quotation.)
pub fn from_editor_markdown(markdown: &str) -> String {
    from_markdown(markdown).replace("<blockquote>\n", "<blockquote class=\"pull-quote\">\n")
}

/// A container a Markdown line sits in, which gives it a prefix.
enum Container {
    /// A quote; `written` once a block is in it, so a blank line before its first block does
    /// not continue the quote before it.
    Quote {
        written: bool,
    },
    List {
        ordered: bool,
        next: u32,
    },
    /// A list item; `marker` is written on its first line, spaces of its width after.
    Item {
        marker: String,
        written: bool,
    },
}

/// The Markdown of a canonical document.
pub fn to_markdown(doc: &str) -> String {
    let tokens = tokens(doc);
    let mut out = String::with_capacity(doc.len());
    let mut stack: Vec<Container> = Vec::new();
    let mut list_just_closed = None;
    let mut i = 0;
    while i < tokens.len() {
        if matches!(tokens[i], Token::Start { .. }) {
            list_just_closed = list_just_closed.filter(
                |_| matches!(&tokens[i], Token::Start { name, .. } if name == "ul" || name == "ol"),
            );
        }
        match &tokens[i] {
            Token::Start { name, .. } => match name.as_str() {
                "p" | "h2" | "h3" | "h4"
                    if !(name.starts_with('h') && has_inside(&tokens, i, "br")) =>
                {
                    let end = matching_end(&tokens, i);
                    let hashes = match name.as_str() {
                        "h2" => "## ",
                        "h3" => "### ",
                        "h4" => "#### ",
                        _ => "",
                    };
                    let text = format!("{hashes}{}", inline(&tokens[i + 1..end]));
                    write_block(&mut out, &mut stack, &text);
                    i = end;
                }
                "ul" | "ol" => {
                    // Two lists in a row would read as one; a comment keeps them apart.
                    if list_just_closed == Some(stack.len()) {
                        write_block(&mut out, &mut stack, "<!-- -->");
                    }
                    stack.push(Container::List {
                        ordered: name == "ol",
                        next: tokens[i]
                            .attr("start")
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(1),
                    });
                }
                "li" => {
                    let marker = match stack.last_mut() {
                        Some(Container::List {
                            ordered: true,
                            next,
                        }) => {
                            *next += 1;
                            format!("{}. ", *next - 1)
                        }
                        _ => "- ".to_string(),
                    };
                    stack.push(Container::Item {
                        marker,
                        written: false,
                    });
                }
                "blockquote"
                    if tokens[i].attr("class").is_none() && !has_inside(&tokens, i, "cite") =>
                {
                    stack.push(Container::Quote { written: false })
                }
                "hr" => write_block(&mut out, &mut stack, "---"),
                "pre" => {
                    let end = matching_end(&tokens, i);
                    let code: String = tokens[i..end]
                        .iter()
                        .filter_map(|t| match t {
                            Token::Text(t) => Some(t.as_str()),
                            _ => None,
                        })
                        .collect();
                    let fence = "`".repeat(longest_run(&code, '`').max(2) + 1);
                    let block = format!("{fence}\n{}\n{fence}", code.trim_end_matches('\n'));
                    write_block(&mut out, &mut stack, &block);
                    i = end;
                }
                _ => {
                    let end = matching_end(&tokens, i);
                    let html = serialize(&tokens[i..=end]);
                    write_block(&mut out, &mut stack, html.trim_end());
                    i = end;
                }
            },
            Token::End(name) if matches!(name.as_str(), "ul" | "ol" | "li" | "blockquote") => {
                stack.pop();
                if matches!(name.as_str(), "ul" | "ol") {
                    list_just_closed = Some(stack.len());
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push('\n');
    out
}

/// Whether the element starting at `start` holds a `tag`: a quote naming its source, or a
/// heading broken over lines, which only HTML can say.
fn has_inside(tokens: &[Token], start: usize, tag: &str) -> bool {
    let end = matching_end(tokens, start);
    tokens[start..end]
        .iter()
        .any(|t| matches!(t, Token::Start { name, .. } if name == tag))
}

/// Writes a block's lines with the prefixes of the quotes and list items around it, after a
/// blank line.
fn write_block(out: &mut String, stack: &mut [Container], text: &str) {
    if !out.is_empty() {
        let blank = prefix(stack, Line::Blank);
        out.push_str(blank.trim_end());
        out.push('\n');
    }
    for (n, line) in text.split('\n').enumerate() {
        out.push_str(&prefix(
            stack,
            if n == 0 { Line::First } else { Line::Next },
        ));
        out.push_str(line);
        out.push('\n');
    }
    for container in stack.iter_mut() {
        if let Container::Item { written, .. } | Container::Quote { written } = container {
            *written = true;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    /// The blank line before a block: only the containers it shares with the block before.
    Blank,
    First,
    Next,
}

fn prefix(stack: &[Container], line: Line) -> String {
    let mut prefix = String::new();
    for container in stack {
        match container {
            Container::Quote { written } => {
                if *written || line != Line::Blank {
                    prefix.push_str("> ");
                }
            }
            Container::List { .. } => {}
            Container::Item { marker, written } => {
                if !written && line == Line::First {
                    prefix.push_str(marker);
                } else if *written || line == Line::Next {
                    prefix.push_str(&" ".repeat(marker.len()));
                }
            }
        }
    }
    prefix
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// The Markdown of a run of inline tokens. A mark whose text begins or ends with anything but a
/// letter or digit is written as HTML, since Markdown's emphasis rules could read its
/// asterisks as literal ones.
fn inline(tokens: &[Token]) -> String {
    let mut out = String::new();
    let mut at_line_start = true;
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Text(text) => {
                escape_markdown(&mut out, text, at_line_start);
                at_line_start = false;
            }
            Token::Start { name, .. } if name == "br" => {
                out.push_str("\\\n");
                at_line_start = true;
                i += 1;
            }
            Token::Start { name, .. } => {
                let end = matching_end(tokens, i);
                let inner = &tokens[i + 1..end];
                let plain = inner.iter().all(|t| matches!(t, Token::Text(_)));
                let text: String = inner
                    .iter()
                    .filter_map(|t| match t {
                        Token::Text(t) => Some(t.as_str()),
                        _ => None,
                    })
                    .collect();
                let edges_alnum = text.chars().next().is_some_and(char::is_alphanumeric)
                    && text.chars().last().is_some_and(char::is_alphanumeric);
                let delimiter = match name.as_str() {
                    "strong" if edges_alnum => Some("**"),
                    "em" if edges_alnum => Some("*"),
                    "s" if edges_alnum => Some("~~"),
                    _ => None,
                };
                if let Some(d) = delimiter {
                    out.push_str(d);
                    out.push_str(&inline(inner));
                    out.push_str(d);
                } else if name == "code" && plain && !text.contains('`') && !text.is_empty() {
                    let padded = text.starts_with(' ') || text.ends_with(' ');
                    out.push('`');
                    out.push_str(if padded { " " } else { "" });
                    out.push_str(&text);
                    out.push_str(if padded { " " } else { "" });
                    out.push('`');
                } else if name == "a"
                    && let Some(href) = tokens[i].attr("href")
                    && !href.contains(['<', '>', '\n'])
                {
                    out.push('[');
                    out.push_str(&inline(inner));
                    out.push_str("](<");
                    out.push_str(href);
                    out.push('>');
                    if let Some(title) = tokens[i].attr("title") {
                        out.push_str(" \"");
                        out.push_str(&title.replace('\\', "\\\\").replace('"', "\\\""));
                        out.push('"');
                    }
                    out.push(')');
                } else {
                    // Markdown reads the text between inline tags as Markdown, so it is escaped
                    // like any other.
                    out.push_str(&serialize(&tokens[i..=i]));
                    out.push_str(&inline(inner));
                    out.push_str(&serialize(&tokens[end..=end]));
                }
                at_line_start = false;
                i = end;
            }
            Token::End(_) => {}
        }
        i += 1;
    }
    out
}

/// Text with every character that Markdown (with smart punctuation) would read as syntax
/// escaped by a backslash.
fn escape_markdown(out: &mut String, text: &str, at_line_start: bool) {
    let mut chars = text.chars().peekable();
    let mut start = at_line_start;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let special = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '|' | '"' | '\'' => true,
            '.' | '-' => next == Some(c) || (start && c == '-'),
            '#' | '+' | '=' => start,
            _ => false,
        };
        if special {
            out.push('\\');
        }
        out.push(c);
        // A number then "." or ")" at the start of a line opens an ordered list.
        if start && c.is_ascii_digit() {
            let mut digits = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            out.push_str(&digits);
            if let Some(p) = chars.peek().copied().filter(|p| *p == '.' || *p == ')') {
                out.push('\\');
                out.push(p);
                chars.next();
            }
        }
        start = false;
    }
}

/// Tokens written back as the canonical HTML they came from.
pub fn serialize(tokens: &[Token]) -> String {
    let mut out = String::new();
    for token in tokens {
        match token {
            Token::Start { name, attrs } => {
                out.push('<');
                out.push_str(name);
                for (n, v) in attrs {
                    out.push(' ');
                    out.push_str(n);
                    out.push_str("=\"");
                    escape_attr(&mut out, v);
                    out.push('"');
                }
                out.push('>');
            }
            Token::End(name) if !is_void(name) => {
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
            Token::End(_) => {}
            Token::Text(t) => escape_text(&mut out, t),
        }
    }
    out
}
