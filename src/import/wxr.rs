//! A streaming reader of WordPress eXtended RSS (WXR 1.0, 1.1 and 1.2): the export's site
//! details, then its authors, terms and items one at a time, so an export of any size is read in
//! the memory of its largest item. Elements are known by their namespace, not their prefix, as
//! WordPress's own importer does: a `wp:` prefix bound to another namespace is not WordPress's.

use std::collections::BTreeMap;
use std::io::BufRead;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

/// Where a WXR file went wrong, for a message that names the file, line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct WxrError {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

/// The export's channel: the site it came from and the format's version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    pub title: String,
    pub link: String,
    pub base_site_url: String,
    pub base_blog_url: String,
    pub version: String,
}

/// An element's children as the export writes them: each field's text by its name (`wp:post_id`,
/// `content:encoded`, `title`…), repeated fields in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(pub BTreeMap<String, Vec<String>>);

impl Fields {
    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .get(name)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }
}

/// A term an item is filed under (`<category domain="post_tag" nicename="x">X</category>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemTerm {
    pub domain: String,
    pub nicename: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comment {
    pub fields: Fields,
    pub meta: Vec<(String, String)>,
}

/// A post, page, attachment or any other item of the export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// The line its `<item>` starts on, for messages about it.
    pub line: u64,
    pub fields: Fields,
    pub terms: Vec<ItemTerm>,
    pub meta: Vec<(String, String)>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Author(Fields),
    Category(Fields),
    Tag(Fields),
    Term(Fields),
    Item(Item),
}

/// What a namespace URI is to an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Rss,
    Wp,
    Content,
    Excerpt,
    Dc,
    Other,
}

fn namespace(resolved: &ResolveResult) -> Ns {
    let uri = match resolved {
        ResolveResult::Unbound => return Ns::Rss,
        ResolveResult::Bound(ns) => ns.as_ref(),
        ResolveResult::Unknown(_) => return Ns::Other,
    };
    match uri {
        "" => Ns::Rss,
        "http://purl.org/rss/1.0/modules/content/" => Ns::Content,
        "http://purl.org/dc/elements/1.1/" => Ns::Dc,
        _ => {
            // WordPress.com writes https; WordPress itself http.
            let Some(rest) = uri
                .strip_prefix("http://wordpress.org/export/1.")
                .or_else(|| uri.strip_prefix("https://wordpress.org/export/1."))
            else {
                return Ns::Other;
            };
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            match &rest[digits..] {
                "/" if digits > 0 => Ns::Wp,
                "/excerpt/" if digits > 0 => Ns::Excerpt,
                _ => Ns::Other,
            }
        }
    }
}

fn field_name(ns: Ns, local: &str) -> Option<String> {
    let prefix = match ns {
        Ns::Rss => "",
        Ns::Wp => "wp:",
        Ns::Content => "content:",
        Ns::Excerpt => "excerpt:",
        Ns::Dc => "dc:",
        Ns::Other => return None,
    };
    Some(format!("{prefix}{local}"))
}

/// The WXR versions this reader knows.
const VERSIONS: &[&str] = &["1.0", "1.1", "1.2"];

/// Bytes read, and the lines they held, so an error can say where it is.
struct Lines<R> {
    inner: R,
    newlines: u64,
    last_newline: u64,
    consumed: u64,
}

impl<R: BufRead> std::io::Read for Lines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Lines<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if let Ok(buffer) = self.inner.fill_buf() {
            for (i, b) in buffer[..amount.min(buffer.len())].iter().enumerate() {
                if *b == b'\n' {
                    self.newlines += 1;
                    self.last_newline = self.consumed + i as u64;
                }
            }
        }
        self.consumed += amount as u64;
        self.inner.consume(amount);
    }
}

/// A reader of the export at `path`, gzipped or not (told by its first bytes, not its name).
pub fn open(path: &std::path::Path) -> std::io::Result<WxrReader<Box<dyn BufRead>>> {
    let mut file = std::io::BufReader::with_capacity(256 * 1024, std::fs::File::open(path)?);
    let gzipped = file.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let input: Box<dyn BufRead> = if gzipped {
        Box::new(std::io::BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(file),
        ))
    } else {
        Box::new(file)
    };
    Ok(WxrReader::new(input))
}

pub struct WxrReader<R: BufRead> {
    xml: NsReader<Lines<R>>,
    buf: Vec<u8>,
    site: Site,
    in_channel: bool,
    done: bool,
}

/// The parts of a child element read so far: its name, text and attributes.
struct Open {
    name: Option<String>,
    text: String,
    domain: String,
    nicename: String,
}

impl<R: BufRead> WxrReader<R> {
    pub fn new(input: R) -> Self {
        WxrReader {
            xml: NsReader::from_reader(Lines {
                inner: input,
                newlines: 0,
                last_newline: 0,
                consumed: 0,
            }),
            buf: Vec::new(),
            site: Site::default(),
            in_channel: false,
            done: false,
        }
    }

    /// The channel's details read so far (they come before the entries).
    pub fn site(&self) -> &Site {
        &self.site
    }

    fn error(&self, message: impl Into<String>) -> WxrError {
        let lines = self.xml.get_ref();
        let line = lines.newlines + 1;
        let column = lines.consumed.saturating_sub(lines.last_newline).max(1);
        WxrError {
            line,
            column,
            message: message.into(),
        }
    }

    fn xml_error(&self, e: quick_xml::Error) -> WxrError {
        self.error(format!("the XML is malformed: {e}"))
    }

    /// The next event, with what its namespace is to an export.
    fn next_event(&mut self) -> Result<(Ns, Event<'static>), WxrError> {
        self.buf.clear();
        match self.xml.read_resolved_event_into(&mut self.buf) {
            Ok((r, e)) => Ok((namespace(&r), e.into_owned())),
            Err(e) => Err(self.xml_error(e)),
        }
    }

    /// The next author, term or item; `None` at the end of the export.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, WxrError> {
        if self.done {
            return Ok(None);
        }
        loop {
            let (resolved, event) = self.next_event()?;
            match event {
                Event::Start(start) => {
                    let local = start.local_name().as_ref().to_string();
                    match (resolved, local.as_str()) {
                        (Ns::Rss, "rss") => {}
                        (Ns::Rss, "channel") => self.in_channel = true,
                        _ if !self.in_channel => {
                            return Err(self.error(format!(
                                "this is not a WordPress export: <{local}> where <channel> was expected"
                            )));
                        }
                        (Ns::Wp, "author" | "category" | "tag" | "term") | (Ns::Rss, "item") => {
                            self.check_version()?;
                            let line = self.xml.get_ref().newlines + 1;
                            return self.entry(resolved, &local, line).map(Some);
                        }
                        (ns, name) => {
                            let text = self.text_of()?;
                            self.channel_field(ns, name, text)?;
                        }
                    }
                }
                Event::End(end) if end.local_name().as_ref() == "channel" => {
                    self.in_channel = false;
                }
                Event::Eof => {
                    self.done = true;
                    if self.site.version.is_empty() {
                        return Err(self
                            .error("this is not a WordPress export: it has no <wp:wxr_version>"));
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
    }

    fn check_version(&self) -> Result<(), WxrError> {
        if self.site.version.is_empty() {
            return Err(self.error(
                "this is not a WordPress export: <wp:wxr_version> must come before the content",
            ));
        }
        Ok(())
    }

    fn channel_field(&mut self, ns: Ns, name: &str, text: String) -> Result<(), WxrError> {
        match (ns, name) {
            (Ns::Rss, "title") => self.site.title = text,
            (Ns::Rss, "link") => self.site.link = text,
            (Ns::Wp, "base_site_url") => self.site.base_site_url = text,
            (Ns::Wp, "base_blog_url") => self.site.base_blog_url = text,
            (Ns::Wp, "wxr_version") => {
                let version = text.trim();
                if !VERSIONS.contains(&version) {
                    return Err(self.error(format!(
                        "WXR version {version:?} is not supported (1.0, 1.1 and 1.2 are)"
                    )));
                }
                self.site.version = version.to_string();
            }
            _ => {}
        }
        Ok(())
    }

    /// The text inside the element just started, up to its end (nested markup's text included).
    fn text_of(&mut self) -> Result<String, WxrError> {
        let mut text = String::new();
        let mut depth = 1usize;
        while depth > 0 {
            self.buf.clear();
            let event = match self.xml.read_event_into(&mut self.buf) {
                Ok(e) => e.into_owned(),
                Err(e) => return Err(self.xml_error(e)),
            };
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                Event::Text(t) => text.push_str(&t.xml10_content()),
                Event::CData(c) => text.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => push_reference(&mut text, &r),
                Event::Eof => return Err(self.error("the file ends inside an element")),
                _ => {}
            }
        }
        Ok(text)
    }

    /// An author, term or item: its fields, and for an item its terms, meta and comments.
    fn entry(&mut self, ns: Ns, local: &str, line: u64) -> Result<Entry, WxrError> {
        let mut item = Item {
            line,
            ..Item::default()
        };
        let mut stack: Vec<Open> = Vec::new();
        let mut meta: Option<(String, Fields)> = None;
        let mut comment: Option<Comment> = None;
        loop {
            let (resolved, event) = self.next_event()?;
            match event {
                Event::Start(start) => {
                    let name = start.local_name().as_ref().to_string();
                    match (resolved, name.as_str()) {
                        (Ns::Wp, "postmeta" | "termmeta" | "commentmeta") => {
                            meta = Some((name.clone(), Fields::default()));
                        }
                        (Ns::Wp, "comment") if comment.is_none() && stack.is_empty() => {
                            comment = Some(Comment::default());
                        }
                        _ => {
                            let attr = |key: &str| {
                                start
                                    .try_get_attribute(key)
                                    .ok()
                                    .flatten()
                                    .and_then(|a| {
                                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                            .ok()
                                            .map(|v| v.into_owned())
                                    })
                                    .unwrap_or_default()
                            };
                            stack.push(Open {
                                name: field_name(resolved, &name),
                                text: String::new(),
                                domain: attr("domain"),
                                nicename: attr("nicename"),
                            });
                        }
                    }
                }
                Event::End(end) => {
                    let name = end.local_name().as_ref().to_string();
                    if let Some(open) = stack.pop() {
                        let Some(field) = open.name else { continue };
                        if let Some((_, fields)) = meta.as_mut() {
                            fields.0.entry(field).or_default().push(open.text);
                        } else if let Some(c) = comment.as_mut() {
                            c.fields.0.entry(field).or_default().push(open.text);
                        } else if field == "category" && ns == Ns::Rss {
                            item.terms.push(ItemTerm {
                                domain: open.domain,
                                nicename: open.nicename,
                                name: open.text,
                            });
                        } else {
                            item.fields.0.entry(field).or_default().push(open.text);
                        }
                        continue;
                    }
                    match name.as_str() {
                        "postmeta" | "termmeta" | "commentmeta" => {
                            if let Some((kind, fields)) = meta.take() {
                                let pair = (
                                    fields.get("wp:meta_key").to_string(),
                                    fields.get("wp:meta_value").to_string(),
                                );
                                match comment.as_mut() {
                                    Some(c) if kind == "commentmeta" => c.meta.push(pair),
                                    _ => item.meta.push(pair),
                                }
                            }
                        }
                        "comment" => {
                            if let Some(c) = comment.take() {
                                item.comments.push(c);
                            }
                        }
                        n if n == local => {
                            return Ok(match (ns, local) {
                                (Ns::Wp, "author") => Entry::Author(item.fields),
                                (Ns::Wp, "category") => Entry::Category(item.fields),
                                (Ns::Wp, "tag") => Entry::Tag(item.fields),
                                (Ns::Wp, "term") => Entry::Term(item.fields),
                                _ => Entry::Item(item),
                            });
                        }
                        _ => {}
                    }
                }
                Event::Text(t) => {
                    if let Some(open) = stack.last_mut() {
                        open.text.push_str(&t.xml10_content());
                    }
                }
                Event::CData(c) => {
                    if let Some(open) = stack.last_mut() {
                        open.text.push_str(&c.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(open) = stack.last_mut() {
                        push_reference(&mut open.text, &r);
                    }
                }
                Event::Eof => return Err(self.error("the file ends inside an entry")),
                _ => {}
            }
        }
    }
}

/// An entity or character reference in text: XML's five and numbers resolved, anything else
/// kept as written.
fn push_reference(text: &mut String, reference: &quick_xml::events::BytesRef) {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        text.push(c);
        return;
    }
    let name = reference.xml10_content();
    match name.as_ref() {
        "amp" => text.push('&'),
        "lt" => text.push('<'),
        "gt" => text.push('>'),
        "quot" => text.push('"'),
        "apos" => text.push('\''),
        other => {
            text.push('&');
            text.push_str(other);
            text.push(';');
        }
    }
}

#[cfg(test)]
mod tests;
