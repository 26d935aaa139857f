//! Any HTML → the document model's canonical HTML ([`super`] lists the schema). Every door that
//! brings a body in — the editor, the API, Markdown, the WordPress importer, a paste from Word or
//! Google Docs — ends here, so the schema is enforced in one place.
//!
//! Two passes: ammonia parses the input as a browser would and keeps only the elements,
//! attributes, classes and URL schemes this pass understands (so nothing it forgets to handle
//! can survive); then a single walk over the cleaned tokens maps what is left onto the schema —
//! `<b>` and bold spans become `<strong>`, an `<h1>` an `<h2>`, a stray line of text a paragraph,
//! an image inside a paragraph a figure of its own, a YouTube iframe an embed — dropping empty
//! blocks and collapsing white space as a browser would. The output is a fixed point: normalising
//! it again changes nothing.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::embeds;
use super::tokens::{Token, tokens};
use super::write::{escape_attr, escape_text};

/// The elements the cleaning pass lets through to the walk; anything else is unwrapped (its text
/// kept) or, for [`DROPPED_WITH_CONTENT`], removed with what it holds.
const UNDERSTOOD: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "iframe",
    "img",
    "ins",
    "kbd",
    "li",
    "main",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
];

const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "template", "noscript", "svg", "math", "object", "select", "textarea",
    "button", "title",
];

/// The styles that carry meaning in a paste from Google Docs or Word; every other style goes.
const MEANINGFUL_STYLES: &[&str] = &[
    "font-weight",
    "font-style",
    "text-decoration",
    "text-decoration-line",
    "vertical-align",
];

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.tags(UNDERSTOOD.iter().copied().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "title"])),
            ("img", HashSet::from(["src", "alt", "title", "data-focal"])),
            ("figure", HashSet::from(["data-size", "data-focal"])),
            ("ol", HashSet::from(["start"])),
            ("td", HashSet::from(["colspan", "rowspan"])),
            ("th", HashSet::from(["colspan", "rowspan"])),
            ("iframe", HashSet::from(["src"])),
            ("span", HashSet::from(["style"])),
            ("b", HashSet::from(["style"])),
        ]))
        .allowed_classes(HashMap::from([
            (
                "blockquote",
                HashSet::from(["pull-quote", "wp-block-pullquote"]),
            ),
            (
                "figure",
                HashSet::from([
                    "image",
                    "embed",
                    "gallery",
                    "wp-block-image",
                    "wp-block-embed",
                    "wp-block-gallery",
                    "wp-block-pullquote",
                    "alignwide",
                    "alignfull",
                ]),
            ),
            (
                "div",
                HashSet::from(["footnote-definition", "gallery", "wp-block-embed__wrapper"]),
            ),
            ("aside", HashSet::from(["note"])),
            ("span", HashSet::from(["credit"])),
            ("small", HashSet::from(["credit"])),
        ]))
        .filter_style_properties(MEANINGFUL_STYLES.iter().copied().collect())
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true);
    b
});

/// `html` in the schema's canonical form.
pub fn normalize(html: &str) -> String {
    let cleaned = CLEANER.clean(&flatten_deep(html)).to_string();
    let mut walk = Walk::new(cleaned.len());
    for token in tokens(&cleaned) {
        match token {
            Token::Start { ref name, .. } => {
                let name = name.clone();
                walk.start(&name, &token);
            }
            Token::End(name) => walk.end(&name),
            Token::Text(text) => walk.text(&text),
        }
    }
    walk.finish()
}

/// How deep elements may nest before the walk drops their tags (keeping their text). No
/// article needs more, and html5ever's tree building, like a browser's, costs time in
/// proportion to the depth for each element, so without a bound a body of nested tags would
/// take time in the square of its length.
const MAX_DEPTH: usize = 100;

/// `html` without the tags nested deeper than [`MAX_DEPTH`]: one pass that reads tags roughly
/// (quoted attribute values, comments), which is enough, since ammonia parses the result
/// properly.
fn flatten_deep(html: &str) -> std::borrow::Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut out = String::new();
    let (mut depth, mut copied, mut i) = (0usize, 0usize, 0usize);
    let mut changed = false;
    while let Some(offset) = memchr_lt(&bytes[i..]) {
        let at = i + offset;
        let rest = &bytes[at + 1..];
        if rest.starts_with(b"!--") {
            i = html[at..].find("-->").map_or(bytes.len(), |e| at + e + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_at = at + 1 + usize::from(closing);
        if !bytes.get(name_at).is_some_and(u8::is_ascii_alphabetic) {
            i = at + 1;
            continue;
        }
        let end = tag_end(bytes, name_at);
        let name: String = html[name_at..end]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let self_closing = super::tokens::is_void(&name) || bytes[..end].ends_with(b"/");
        let deep = if closing {
            let deep = depth > MAX_DEPTH;
            depth = depth.saturating_sub(1);
            deep
        } else if self_closing {
            depth >= MAX_DEPTH
        } else {
            depth += 1;
            depth > MAX_DEPTH
        };
        let next = (end + 1).min(bytes.len());
        if deep {
            out.push_str(&html[copied..at]);
            copied = next;
            changed = true;
        }
        i = next;
    }
    if !changed {
        return std::borrow::Cow::Borrowed(html);
    }
    out.push_str(&html[copied..]);
    std::borrow::Cow::Owned(out)
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| *b == b'<')
}

/// The index of the `>` ending the tag whose name starts at `from`, skipping quoted values.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (i, b) in bytes.iter().enumerate().skip(from) {
        match (quote, *b) {
            (None, b'"' | b'\'') => quote = Some(*b),
            (Some(q), b) if b == q => quote = None,
            (None, b'>') => return i,
            _ => {}
        }
    }
    bytes.len()
}

/// An `href` a body may keep: the web, mail and phone, or a path or fragment of this site.
pub fn safe_href(href: &str) -> Option<&str> {
    let href = href.trim();
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    let web = ["http://", "https://", "mailto:", "tel:"]
        .iter()
        .any(|s| lower.starts_with(s));
    let local = (href.starts_with('/') && !href.starts_with("//")) || href.starts_with('#');
    (web || local).then_some(href)
}

/// An image `src` a body may keep: a path of this site (the image service, the media folder) or
/// an address on the web, which the image service fetches only from its allowed sources.
pub fn safe_src(src: &str) -> Option<&str> {
    let src = src.trim();
    let lower = src.get(..8).unwrap_or(src).to_ascii_lowercase();
    let ok = lower.starts_with("https://")
        || lower.starts_with("http://")
        || (src.starts_with('/') && !src.starts_with("//"));
    ok.then_some(src)
}

/// An image's width in the page.
pub fn size_or_default(size: Option<&str>) -> &'static str {
    match size {
        Some("wide") => "wide",
        Some("full") => "full",
        _ => "inline",
    }
}

/// A focal point as the lead image keeps it: `x,y`, each 0–1000 (per mille of the width and
/// height).
pub fn parse_focal(focal: &str) -> Option<(u16, u16)> {
    let (x, y) = focal.split_once(',')?;
    let (x, y) = (x.trim().parse::<u16>().ok()?, y.trim().parse::<u16>().ok()?);
    (x <= 1000 && y <= 1000).then_some((x, y))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Doc,
    List,
    Item,
    Quote,
    Aside,
    Gallery,
    Table,
    TableBody,
    Row,
    Cell,
    Caption,
    Cite,
    Text,
}

impl Kind {
    /// Holds paragraphs and lists.
    fn is_flow(self) -> bool {
        matches!(self, Kind::Doc | Kind::Item | Kind::Quote | Kind::Aside)
    }

    /// Holds text and inline marks.
    fn is_inline(self) -> bool {
        matches!(self, Kind::Text | Kind::Cell | Kind::Caption | Kind::Cite)
    }
}

/// An element of the output that is still open.
struct Open {
    kind: Kind,
    close: &'static str,
    start: usize,
    /// Whether anything worth keeping was written inside; an empty block is taken back out.
    filled: bool,
    /// Opened by the walk (a paragraph around stray text), not by an element of the input.
    implicit: bool,
    /// Kept even when empty (a table cell keeps its column).
    keep_empty: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mark {
    Strong,
    Em,
    Code,
    Strike,
    Sub,
    Sup,
    Link { href: String, title: Option<String> },
}

impl Mark {
    fn open(&self, out: &mut String) {
        match self {
            Mark::Strong => out.push_str("<strong>"),
            Mark::Em => out.push_str("<em>"),
            Mark::Code => out.push_str("<code>"),
            Mark::Strike => out.push_str("<s>"),
            Mark::Sub => out.push_str("<sub>"),
            Mark::Sup => out.push_str("<sup>"),
            Mark::Link { href, title } => {
                out.push_str("<a href=\"");
                escape_attr(out, href);
                out.push('"');
                if let Some(title) = title {
                    out.push_str(" title=\"");
                    escape_attr(out, title);
                    out.push('"');
                }
                out.push('>');
            }
        }
    }

    fn close(&self) -> &'static str {
        match self {
            Mark::Strong => "</strong>",
            Mark::Em => "</em>",
            Mark::Code => "</code>",
            Mark::Strike => "</s>",
            Mark::Sub => "</sub>",
            Mark::Sup => "</sup>",
            Mark::Link { .. } => "</a>",
        }
    }

    fn same_kind(&self, other: &Mark) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// Where the text of the input goes while an element collects it instead of writing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    Caption,
    Credit,
    Embed,
    Pre,
}

/// A `<figure>` of the input being read: an image with its caption, or an embed.
#[derive(Default)]
struct Figure {
    embed: bool,
    src: Option<String>,
    alt: String,
    size: &'static str,
    focal: Option<(u16, u16)>,
    caption: String,
    credit: String,
    url: Option<String>,
    text: String,
}

/// What the end tag of an input element undoes.
enum Frame {
    Nothing,
    /// Closes the output back to this depth.
    Close(usize),
    /// Ends the paragraph around stray text, or breaks the line inside a cell or caption.
    Boundary,
    Marks(usize),
    Figure,
    Capture(Option<Capture>),
    Pre,
    PullQuoteFigure,
    Skip,
}

struct Walk {
    out: String,
    open: Vec<Open>,
    frames: Vec<(String, Frame)>,
    /// For each mark of the input elements around the current text, whether it is the first of
    /// its kind (and so in `wanted`, the marks to write).
    active: Vec<bool>,
    wanted: Vec<Mark>,
    /// The marks open in the output.
    written: Vec<Mark>,
    pending_space: bool,
    pending_breaks: u8,
    /// Whether the current text block has shown anything yet.
    visible: bool,
    capture: Option<Capture>,
    figures: Vec<Figure>,
    pre: String,
    pull_quote_figures: usize,
    skipping: usize,
}

impl Walk {
    fn new(capacity: usize) -> Self {
        Walk {
            out: String::with_capacity(capacity),
            open: vec![Open {
                kind: Kind::Doc,
                close: "",
                start: 0,
                filled: false,
                implicit: false,
                keep_empty: true,
            }],
            frames: Vec::new(),
            active: Vec::new(),
            wanted: Vec::new(),
            written: Vec::new(),
            pending_space: false,
            pending_breaks: 0,
            visible: false,
            capture: None,
            figures: Vec::new(),
            pre: String::new(),
            pull_quote_figures: 0,
            skipping: 0,
        }
    }

    fn top(&self) -> Kind {
        self.open.last().map_or(Kind::Doc, |o| o.kind)
    }

    fn push_open(&mut self, kind: Kind, tag: &str, close: &'static str, implicit: bool) {
        let start = self.out.len();
        self.out.push_str(tag);
        if !kind.is_inline() && kind != Kind::Row {
            self.out.push('\n');
        }
        if kind.is_inline() {
            self.reset_text();
        }
        self.open.push(Open {
            kind,
            close,
            start,
            filled: false,
            implicit,
            keep_empty: kind == Kind::Cell,
        });
    }

    fn reset_text(&mut self) {
        self.written.clear();
        self.pending_space = false;
        self.pending_breaks = 0;
        self.visible = false;
    }

    fn close_top(&mut self) {
        let Some(open) = self.open.pop() else { return };
        if open.kind.is_inline() {
            while let Some(mark) = self.written.pop() {
                self.out.push_str(mark.close());
            }
            self.reset_text();
        }
        if open.filled || open.keep_empty {
            self.out.push_str(open.close);
            if open.kind != Kind::Cell {
                self.out.push('\n');
            }
            if let Some(parent) = self.open.last_mut()
                && open.kind != Kind::Caption
            {
                parent.filled = true;
            }
        } else {
            self.out.truncate(open.start);
        }
    }

    fn close_to(&mut self, depth: usize) {
        while self.open.len() > depth.max(1) {
            self.close_top();
        }
    }

    /// Ends a paragraph the walk opened around stray text, before a block.
    fn end_implicit_text(&mut self) {
        while self
            .open
            .last()
            .is_some_and(|o| o.kind == Kind::Text && o.implicit)
        {
            self.close_top();
        }
    }

    /// Ends any paragraph, even one of the input: a figure inside a paragraph splits it.
    fn end_text(&mut self) {
        while self.top() == Kind::Text {
            self.close_top();
        }
    }

    fn boundary(&mut self) {
        self.end_implicit_text();
        if self.top().is_inline() && self.visible {
            self.pending_breaks = self.pending_breaks.max(1);
        }
    }

    /// Makes room for text: in a flow container, a paragraph; in a list, an item first.
    fn inline_target(&mut self) -> bool {
        loop {
            let top = self.top();
            if top.is_inline() {
                return true;
            }
            if top.is_flow() {
                self.push_open(Kind::Text, "<p>", "</p>", true);
                return true;
            }
            if top == Kind::List {
                self.push_open(Kind::Item, "<li>", "</li>", true);
                continue;
            }
            return false;
        }
    }

    /// Adds the marks of an input element; each kind is written once, by its outermost element.
    fn push_marks(&mut self, marks: Vec<Mark>) -> Frame {
        let n = marks.len();
        for mark in marks {
            let first = !self.wanted.iter().any(|w| w.same_kind(&mark));
            if first {
                self.wanted.push(mark);
            }
            self.active.push(first);
        }
        Frame::Marks(n)
    }

    fn pop_marks(&mut self, n: usize) {
        for _ in 0..n {
            if self.active.pop() == Some(true) {
                self.wanted.pop();
            }
        }
    }

    /// Writes a run of text without white space, with the marks around it.
    fn word(&mut self, word: &str) {
        if !self.inline_target() {
            return;
        }
        let common = self
            .written
            .iter()
            .zip(&self.wanted)
            .take_while(|(a, b)| a == b)
            .count();
        while self.written.len() > common {
            let mark = self.written.pop().expect("longer than common");
            self.out.push_str(mark.close());
        }
        if self.visible {
            if self.pending_breaks > 0 {
                for _ in 0..self.pending_breaks {
                    self.out.push_str("<br>");
                }
            } else if self.pending_space {
                self.out.push(' ');
            }
        }
        self.pending_space = false;
        self.pending_breaks = 0;
        for mark in &self.wanted[common..] {
            mark.open(&mut self.out);
            self.written.push(mark.clone());
        }
        escape_text(&mut self.out, word);
        if word.chars().any(|c| c != '\u{a0}') {
            self.visible = true;
            if let Some(open) = self.open.last_mut() {
                open.filled = true;
            }
        }
    }

    fn text(&mut self, text: &str) {
        if self.skipping > 0 {
            return;
        }
        if let Some(capture) = self.capture {
            let figure = self.figures.last_mut();
            let into = match (capture, figure) {
                (Capture::Pre, _) => &mut self.pre,
                (Capture::Caption, Some(f)) => &mut f.caption,
                (Capture::Credit, Some(f)) => &mut f.credit,
                (Capture::Embed, Some(f)) => &mut f.text,
                (_, None) => return,
            };
            into.push_str(text);
            return;
        }
        for (i, word) in text.split([' ', '\t', '\n', '\r', '\x0c']).enumerate() {
            if i > 0 {
                self.pending_space = true;
            }
            if !word.is_empty() {
                self.word(word);
            }
        }
    }

    fn start(&mut self, name: &str, token: &Token) {
        let frame = if self.skipping > 0 {
            Frame::Nothing
        } else if let Some(capture) = self.capture {
            self.start_captured(capture, name, token)
        } else {
            self.start_element(name, token)
        };
        if matches!(frame, Frame::Skip) {
            self.skipping += 1;
        }
        self.frames.push((name.to_string(), frame));
    }

    /// A tag inside an element that collects its text (a caption, a code block, an embed).
    fn start_captured(&mut self, capture: Capture, name: &str, token: &Token) -> Frame {
        match (capture, name) {
            (Capture::Pre, "br") => self.pre.push('\n'),
            (Capture::Caption | Capture::Credit | Capture::Embed, "br") => self.text(" "),
            (Capture::Caption, _) if token.has_class("credit") => {
                self.capture = Some(Capture::Credit);
                return Frame::Capture(Some(Capture::Caption));
            }
            (Capture::Embed, "a" | "iframe") => {
                let url = token.attr("href").or(token.attr("src"));
                if let Some(figure) = self.figures.last_mut()
                    && figure.url.is_none()
                {
                    figure.url = url.and_then(embeds::canonical);
                }
                if name == "iframe" {
                    return Frame::Skip;
                }
            }
            _ => {}
        }
        Frame::Nothing
    }

    fn start_element(&mut self, name: &str, token: &Token) -> Frame {
        let depth = self.open.len();
        match name {
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "dt" | "dd" | "summary" => {
                self.text_block(name)
            }
            "ul" | "ol" => self.list(name, token),
            "li" => {
                self.end_implicit_text();
                match self.top() {
                    Kind::List => {
                        self.push_open(Kind::Item, "<li>", "</li>", false);
                        Frame::Close(depth)
                    }
                    _ => {
                        self.boundary();
                        Frame::Boundary
                    }
                }
            }
            "blockquote" => self.quote(token),
            "cite" => {
                self.end_implicit_text();
                if self.top() == Kind::Quote {
                    self.push_open(Kind::Cite, "<cite>", "</cite>", false);
                    Frame::Close(depth)
                } else {
                    Frame::Nothing
                }
            }
            "aside" => self.aside(),
            "div" if token.has_class("footnote-definition") => self.aside(),
            "div" if token.has_class("gallery") => self.gallery(),
            "figure" => self.figure(token),
            "figcaption" => {
                self.end_implicit_text();
                if self.figures.last().is_some_and(|f| !f.embed) {
                    self.capture = Some(Capture::Caption);
                    Frame::Capture(None)
                } else if self.top() == Kind::Gallery {
                    self.push_open(Kind::Caption, "<figcaption>", "</figcaption>", false);
                    Frame::Close(depth)
                } else {
                    self.text_block("p")
                }
            }
            "img" => {
                self.image(token);
                Frame::Nothing
            }
            "iframe" => {
                if let Some(url) = token.attr("src").and_then(embeds::canonical) {
                    self.end_text();
                    if self.top() == Kind::Doc {
                        write_embed(&mut self.out, &url);
                        self.open[0].filled = true;
                    }
                }
                Frame::Skip
            }
            "table" => {
                self.end_implicit_text();
                if self.top() == Kind::Doc {
                    self.push_open(Kind::Table, "<table>", "</table>", false);
                    Frame::Close(depth)
                } else {
                    self.boundary();
                    Frame::Boundary
                }
            }
            "caption" if self.top() == Kind::Table => {
                self.push_open(Kind::Caption, "<caption>", "</caption>", false);
                Frame::Close(depth)
            }
            "tr" => {
                self.end_implicit_text();
                if self.top() == Kind::Table {
                    self.push_open(Kind::TableBody, "<tbody>", "</tbody>", true);
                }
                if self.top() == Kind::TableBody {
                    self.push_open(Kind::Row, "<tr>", "</tr>", false);
                    Frame::Close(self.open.len() - 1)
                } else {
                    self.boundary();
                    Frame::Boundary
                }
            }
            "td" | "th" if self.top() == Kind::Row => {
                let mut tag = format!("<{name}");
                for span in ["colspan", "rowspan"] {
                    if let Some(n) = token.attr(span).and_then(|v| v.trim().parse::<u8>().ok())
                        && (2..=100).contains(&n)
                    {
                        tag.push_str(&format!(" {span}=\"{n}\""));
                    }
                }
                tag.push('>');
                let close = if name == "th" { "</th>" } else { "</td>" };
                self.push_open(Kind::Cell, &tag, close, false);
                Frame::Close(depth)
            }
            "td" | "th" => {
                self.boundary();
                Frame::Boundary
            }
            "hr" => {
                self.end_text();
                if self.top() == Kind::Doc {
                    self.out.push_str("<hr>\n");
                    self.open[0].filled = true;
                }
                Frame::Nothing
            }
            "pre" => {
                self.end_implicit_text();
                if self.top() == Kind::Doc {
                    self.pre.clear();
                    self.capture = Some(Capture::Pre);
                    Frame::Pre
                } else {
                    self.boundary();
                    Frame::Boundary
                }
            }
            "br" => {
                if self.top().is_inline() {
                    self.pending_breaks = (self.pending_breaks + 1).min(2);
                }
                Frame::Nothing
            }
            "strong" => self.push_marks(vec![Mark::Strong]),
            "b" => self.push_marks(
                if style_value(token, "font-weight").is_some_and(|w| !is_bold(w)) {
                    Vec::new()
                } else {
                    vec![Mark::Strong]
                },
            ),
            "em" | "i" => self.push_marks(vec![Mark::Em]),
            "code" | "kbd" | "samp" | "tt" => self.push_marks(vec![Mark::Code]),
            "s" | "del" | "strike" => self.push_marks(vec![Mark::Strike]),
            "sub" => self.push_marks(vec![Mark::Sub]),
            "sup" => self.push_marks(vec![Mark::Sup]),
            "a" => {
                let link = token
                    .attr("href")
                    .and_then(safe_href)
                    .map(|href| Mark::Link {
                        href: href.to_string(),
                        title: token
                            .attr("title")
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(str::to_string),
                    });
                self.push_marks(link.into_iter().collect())
            }
            "span" => self.push_marks(styled_marks(token)),
            "div" | "section" | "article" | "header" | "footer" | "main" | "center" | "address"
            | "dl" | "details" | "nav" | "hgroup" => {
                self.boundary();
                Frame::Boundary
            }
            _ => Frame::Nothing,
        }
    }

    fn text_block(&mut self, name: &str) -> Frame {
        self.end_implicit_text();
        let depth = self.open.len();
        let top = self.top();
        if top == Kind::List {
            self.push_open(Kind::Item, "<li>", "</li>", true);
        }
        match self.top() {
            Kind::Doc => {
                let (open, close) = match name {
                    "h1" | "h2" => ("<h2>", "</h2>"),
                    "h3" => ("<h3>", "</h3>"),
                    "h4" | "h5" | "h6" => ("<h4>", "</h4>"),
                    _ => ("<p>", "</p>"),
                };
                self.push_open(Kind::Text, open, close, false);
                Frame::Close(depth)
            }
            kind if kind.is_flow() => {
                self.push_open(Kind::Text, "<p>", "</p>", false);
                Frame::Close(depth)
            }
            _ => {
                self.boundary();
                Frame::Boundary
            }
        }
    }

    fn list(&mut self, name: &str, token: &Token) -> Frame {
        self.end_implicit_text();
        let depth = self.open.len();
        if self.top() == Kind::List {
            self.push_open(Kind::Item, "<li>", "</li>", true);
        }
        if !self.top().is_flow() {
            self.boundary();
            return Frame::Boundary;
        }
        if name == "ul" {
            self.push_open(Kind::List, "<ul>", "</ul>", false);
        } else {
            let start = token
                .attr("start")
                .and_then(|s| s.trim().parse::<u32>().ok())
                .filter(|s| *s != 1);
            let tag = start.map_or("<ol>".to_string(), |s| format!("<ol start=\"{s}\">"));
            self.push_open(Kind::List, &tag, "</ol>", false);
        }
        Frame::Close(depth)
    }

    fn quote(&mut self, token: &Token) -> Frame {
        self.end_implicit_text();
        let depth = self.open.len();
        if self.top() != Kind::Doc {
            self.boundary();
            return Frame::Boundary;
        }
        let pull = token.has_class("pull-quote")
            || token.has_class("wp-block-pullquote")
            || self.pull_quote_figures > 0;
        let tag = if pull {
            "<blockquote class=\"pull-quote\">"
        } else {
            "<blockquote>"
        };
        self.push_open(Kind::Quote, tag, "</blockquote>", false);
        Frame::Close(depth)
    }

    fn aside(&mut self) -> Frame {
        self.end_implicit_text();
        if self.top() != Kind::Doc {
            self.boundary();
            return Frame::Boundary;
        }
        let depth = self.open.len();
        self.push_open(Kind::Aside, "<aside class=\"note\">", "</aside>", false);
        Frame::Close(depth)
    }

    fn gallery(&mut self) -> Frame {
        self.end_implicit_text();
        if self.top() != Kind::Doc {
            self.boundary();
            return Frame::Boundary;
        }
        let depth = self.open.len();
        self.push_open(
            Kind::Gallery,
            "<figure class=\"gallery\">",
            "</figure>",
            false,
        );
        Frame::Close(depth)
    }

    fn figure(&mut self, token: &Token) -> Frame {
        if token.has_class("gallery") || token.has_class("wp-block-gallery") {
            return self.gallery();
        }
        if token.has_class("wp-block-pullquote") {
            self.pull_quote_figures += 1;
            return Frame::PullQuoteFigure;
        }
        let embed = token.has_class("embed") || token.has_class("wp-block-embed");
        let size = if token.has_class("alignfull") {
            "full"
        } else if token.has_class("alignwide") {
            "wide"
        } else {
            size_or_default(token.attr("data-size"))
        };
        self.figures.push(Figure {
            embed,
            size,
            focal: token.attr("data-focal").and_then(parse_focal),
            ..Figure::default()
        });
        if embed {
            self.capture = Some(Capture::Embed);
        }
        Frame::Figure
    }

    fn image(&mut self, token: &Token) {
        let Some(src) = token.attr("src").and_then(safe_src) else {
            return;
        };
        if let Some(figure) = self.figures.last_mut()
            && !figure.embed
            && figure.src.is_none()
        {
            figure.src = Some(src.to_string());
            figure.alt = token.attr("alt").unwrap_or_default().to_string();
            figure.focal = figure
                .focal
                .or_else(|| token.attr("data-focal").and_then(parse_focal));
            return;
        }
        let figure = Figure {
            src: Some(src.to_string()),
            alt: token.attr("alt").unwrap_or_default().to_string(),
            size: "inline",
            focal: token.attr("data-focal").and_then(parse_focal),
            caption: token.attr("title").unwrap_or_default().to_string(),
            ..Figure::default()
        };
        self.place_figure(&figure);
    }

    /// Writes a finished image or embed where the output is, if a figure may stand there.
    fn place_figure(&mut self, figure: &Figure) {
        self.end_text();
        let top = self.top();
        if figure.embed {
            let url = figure
                .url
                .clone()
                .or_else(|| embeds::canonical(figure.text.trim()));
            match url {
                Some(url) if top == Kind::Doc => {
                    write_embed(&mut self.out, &url);
                    self.open[0].filled = true;
                }
                Some(url) => self.text(&url),
                None => self.text(&figure.text.clone()),
            }
            return;
        }
        match &figure.src {
            Some(src) if matches!(top, Kind::Doc | Kind::Gallery) => {
                write_image(
                    &mut self.out,
                    &ImageFigure {
                        src,
                        alt: &figure.alt,
                        size: figure.size,
                        focal: figure.focal,
                        caption: &collapse(&figure.caption),
                        credit: &collapse(&figure.credit),
                    },
                );
                if let Some(open) = self.open.last_mut() {
                    open.filled = true;
                }
            }
            _ => {
                let words = format!("{} {}", figure.caption, figure.credit);
                self.text(&words);
                self.boundary();
            }
        }
    }

    fn end(&mut self, name: &str) {
        if self.frames.last().is_none_or(|(open, _)| open != name) {
            return;
        }
        let Some((_, frame)) = self.frames.pop() else {
            return;
        };
        match frame {
            Frame::Nothing => {}
            Frame::Close(depth) => self.close_to(depth),
            Frame::Boundary => self.boundary(),
            Frame::Marks(n) => self.pop_marks(n),
            Frame::Capture(previous) => self.capture = previous,
            Frame::Figure => {
                self.capture = None;
                if let Some(figure) = self.figures.pop() {
                    self.place_figure(&figure);
                }
            }
            Frame::Pre => {
                self.capture = None;
                let code = std::mem::take(&mut self.pre);
                let code = code
                    .strip_prefix('\n')
                    .unwrap_or(&code)
                    .trim_end_matches('\n');
                if !code.trim().is_empty() {
                    self.out.push_str("<pre><code>");
                    escape_text(&mut self.out, code);
                    self.out.push_str("\n</code></pre>\n");
                    self.open[0].filled = true;
                }
            }
            Frame::PullQuoteFigure => self.pull_quote_figures -= 1,
            Frame::Skip => self.skipping -= 1,
        }
    }

    fn finish(mut self) -> String {
        self.close_to(1);
        self.out
    }
}

/// An image figure of the schema, as [`write_image`] writes it.
pub struct ImageFigure<'a> {
    pub src: &'a str,
    pub alt: &'a str,
    pub size: &'a str,
    pub focal: Option<(u16, u16)>,
    pub caption: &'a str,
    pub credit: &'a str,
}

pub fn write_image(out: &mut String, f: &ImageFigure) {
    out.push_str("<figure class=\"image\" data-size=\"");
    out.push_str(f.size);
    out.push('"');
    if let Some((x, y)) = f.focal {
        out.push_str(&format!(" data-focal=\"{x},{y}\""));
    }
    out.push_str("><img src=\"");
    escape_attr(out, f.src);
    out.push_str("\" alt=\"");
    escape_attr(out, f.alt);
    out.push_str("\">");
    if !f.caption.is_empty() || !f.credit.is_empty() {
        out.push_str("<figcaption>");
        escape_text(out, f.caption);
        if !f.credit.is_empty() {
            if !f.caption.is_empty() {
                out.push(' ');
            }
            out.push_str("<small class=\"credit\">");
            escape_text(out, f.credit);
            out.push_str("</small>");
        }
        out.push_str("</figcaption>");
    }
    out.push_str("</figure>\n");
}

fn write_embed(out: &mut String, url: &str) {
    out.push_str("<figure class=\"embed\"><a href=\"");
    escape_attr(out, url);
    out.push_str("\">");
    escape_text(out, url);
    out.push_str("</a></figure>\n");
}

/// White space collapsed and trimmed, as a browser shows it.
fn collapse(text: &str) -> String {
    text.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

fn style_value<'a>(token: &'a Token, property: &str) -> Option<&'a str> {
    token.attr("style")?.split(';').find_map(|declaration| {
        let (name, value) = declaration.split_once(':')?;
        (name.trim().eq_ignore_ascii_case(property)).then(|| value.trim())
    })
}

fn is_bold(weight: &str) -> bool {
    match weight {
        "bold" | "bolder" => true,
        w => w.parse::<u16>().is_ok_and(|w| w >= 600),
    }
}

/// The marks a styled `<span>` from a word processor means.
fn styled_marks(token: &Token) -> Vec<Mark> {
    let mut marks = Vec::new();
    if style_value(token, "font-weight").is_some_and(is_bold) {
        marks.push(Mark::Strong);
    }
    if style_value(token, "font-style").is_some_and(|s| s == "italic" || s == "oblique") {
        marks.push(Mark::Em);
    }
    let decoration = style_value(token, "text-decoration-line")
        .or_else(|| style_value(token, "text-decoration"));
    if decoration.is_some_and(|d| d.contains("line-through")) {
        marks.push(Mark::Strike);
    }
    match style_value(token, "vertical-align") {
        Some("super") => marks.push(Mark::Sup),
        Some("sub") => marks.push(Mark::Sub),
        _ => {}
    }
    marks
}
