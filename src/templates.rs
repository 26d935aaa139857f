//! The theme: minijinja templates and static assets, embedded in the binary and overridable file
//! by file from a theme folder (`--theme-dir`), so an operator restyles the site without a rebuild.
//! Every template is parsed at start, so a broken override fails fast instead of on a request.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use axum::body::Bytes;
use include_dir::{Dir, include_dir};
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Output, State, UndefinedBehavior, Value};
use serde::Serialize;

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

const STATIC_PREFIX: &str = "static/";

pub struct Templates {
    env: Environment<'static>,
    assets: HashMap<String, Asset>,
    asset_version: String,
    output_sizes: HashMap<String, AtomicUsize>,
}

pub struct Asset {
    pub bytes: Bytes,
    pub content_type: &'static str,
    pub etag: String,
}

impl Templates {
    /// Loads the embedded theme with `theme_dir`'s files taking precedence.
    pub fn load(theme_dir: Option<&Path>) -> anyhow::Result<Self> {
        if let Some(dir) = theme_dir
            && !dir.is_dir()
        {
            bail!("theme folder {} does not exist", dir.display());
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(format_value);

        let mut names = Vec::new();
        collect_embedded(&DEFAULT_THEME, &mut names);
        if let Some(dir) = theme_dir {
            collect_overrides(dir, dir, &mut names)?;
        }
        names.sort();
        names.dedup();
        let mut output_sizes = HashMap::new();
        for name in names.iter().filter(|n| is_template(n)) {
            add_template(&mut env, theme_dir, name)
                .with_context(|| format!("theme template {name} does not parse"))?;
            output_sizes.insert(name.clone(), AtomicUsize::new(0));
        }

        let mut assets = HashMap::new();
        for name in names.iter().filter_map(|n| n.strip_prefix(STATIC_PREFIX)) {
            let bytes = read_theme_file(theme_dir, &format!("{STATIC_PREFIX}{name}"))?
                .with_context(|| format!("theme asset {name} vanished while loading"))?;
            assets.insert(name.to_string(), Asset::new(name, bytes));
        }
        let mut hasher = DefaultHasher::new();
        let mut asset_names: Vec<_> = assets.keys().collect();
        asset_names.sort();
        for name in asset_names {
            hasher.write(name.as_bytes());
            hasher.write(assets[name].etag.as_bytes());
        }
        let asset_version = format!("{:08x}", hasher.finish() as u32);
        Ok(Templates {
            env,
            assets,
            asset_version,
            output_sizes,
        })
    }

    pub fn render<S: Serialize>(&self, name: &str, context: &S) -> anyhow::Result<String> {
        self.render_value(name, Value::from(Serde(context)))
    }

    /// Renders from a context already converted to template values (see
    /// [`crate::site::layout::RenderCache`]).
    pub fn render_value(&self, name: &str, context: Value) -> anyhow::Result<String> {
        let template = self.env.get_template(name)?;
        // minijinja sizes its buffer from the template's source, a fraction of a page that
        // includes a layout and partials; growing it to the page's size took a dozen copies, a
        // tenth of a render. The page's last size is a better guess.
        let last_size = self.output_sizes.get(name);
        let guess = last_size.map_or(0, |size| size.load(Ordering::Relaxed));
        let mut out = Vec::with_capacity(guess + guess / 8);
        template
            .render_captured_to(context, &mut out)
            .with_context(|| format!("rendering {name}"))?;
        if let Some(size) = last_size {
            size.store(out.len(), Ordering::Relaxed);
        }
        String::from_utf8(out).with_context(|| format!("rendering {name}"))
    }

    pub fn asset(&self, path: &str) -> Option<&Asset> {
        self.assets.get(path)
    }

    /// A fingerprint of all static assets, appended to their URLs so browsers may cache them
    /// for a year and still pick up a new theme at once.
    pub fn asset_version(&self) -> &str {
        &self.asset_version
    }
}

impl Asset {
    fn new(name: &str, bytes: Vec<u8>) -> Self {
        let mut hasher = DefaultHasher::new();
        hasher.write(&bytes);
        Asset {
            bytes: Bytes::from(bytes),
            content_type: content_type(name),
            etag: format!("\"{:016x}\"", hasher.finish()),
        }
    }
}

/// Escapes strings for HTML the way browsers need (`& < > " '`), leaving `/` alone: minijinja's
/// default also escapes slashes, which bloats every URL and hurts readability of the source.
fn format_value(
    out: &mut Output,
    state: &mut State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match (state.auto_escape(), value.as_str()) {
        (AutoEscape::Html, Some(text)) if !value.is_safe() => write_escaped(out, text),
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// The bytes HTML escaping replaces, as a table: one lookup per byte keeps the scan over long
/// attribute values (srcsets, URLs) cheap.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table
};

/// Escapes into one buffer and writes it once: every write goes through minijinja's output
/// layers, and a URL list such as a `srcset`, with an `&` in each of its URLs, took dozens.
fn write_escaped(out: &mut Output, text: &str) -> Result<(), minijinja::Error> {
    if !text.bytes().any(|b| NEEDS_ESCAPE[usize::from(b)]) {
        return out.write_str(text).map_err(Into::into);
    }
    let mut escaped = String::with_capacity(text.len() + text.len() / 8 + 8);
    escape_html_into(text, &mut escaped);
    out.write_str(&escaped).map_err(Into::into)
}

/// Appends `text` to `out` escaped as templates escape it, for HTML a handler builds itself
/// (marked search passages): runs without a special byte are copied whole.
pub fn escape_html_into(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(offset) = bytes[start..]
        .iter()
        .position(|&b| NEEDS_ESCAPE[usize::from(b)])
    {
        let at = start + offset;
        out.push_str(&text[start..at]);
        out.push_str(match bytes[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        start = at + 1;
    }
    out.push_str(&text[start..]);
}

fn is_template(name: &str) -> bool {
    !name.starts_with(STATIC_PREFIX)
        && [".html", ".xml", ".txt"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<String>) {
    for file in dir.files() {
        out.push(file.path().to_string_lossy().replace('\\', "/"));
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

fn collect_overrides(root: &Path, dir: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read theme folder {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect_overrides(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// A theme-relative name must stay inside the theme.
fn safe_relative(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    path.components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
        .then(|| path.to_path_buf())
}

/// Where a theme file comes from: the operator's theme folder, else the built-in theme.
enum ThemeFile {
    Override(PathBuf),
    BuiltIn(&'static include_dir::File<'static>),
}

fn locate(theme_dir: Option<&Path>, name: &str) -> Option<ThemeFile> {
    let rel = safe_relative(name)?;
    if let Some(candidate) = theme_dir.map(|dir| dir.join(&rel)).filter(|c| c.is_file()) {
        return Some(ThemeFile::Override(candidate));
    }
    DEFAULT_THEME.get_file(&rel).map(ThemeFile::BuiltIn)
}

fn read_theme_file(theme_dir: Option<&Path>, name: &str) -> anyhow::Result<Option<Vec<u8>>> {
    match locate(theme_dir, name) {
        Some(ThemeFile::Override(path)) => std::fs::read(&path)
            .map(Some)
            .with_context(|| format!("cannot read {}", path.display())),
        Some(ThemeFile::BuiltIn(file)) => Ok(Some(file.contents().to_vec())),
        None => Ok(None),
    }
}

/// Compiles one template at start. A built-in one is added borrowed from the binary: minijinja
/// finds those without taking a lock, which matters because every include looks one up.
fn add_template(
    env: &mut Environment<'static>,
    theme_dir: Option<&Path>,
    name: &str,
) -> anyhow::Result<()> {
    match locate(theme_dir, name) {
        Some(ThemeFile::Override(path)) => {
            let source = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {} as UTF-8 text", path.display()))?;
            env.add_template_owned(name.to_string(), source)?;
        }
        Some(ThemeFile::BuiltIn(file)) => {
            let (Some(path), Some(source)) = (file.path().to_str(), file.contents_utf8()) else {
                bail!("built-in template {name} is not UTF-8");
            };
            env.add_template(path, source)?;
        }
        None => bail!("{name} is not a theme file"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(source: &str, value: &str) -> String {
        let mut env = Environment::new();
        env.set_formatter(format_value);
        env.add_template("t.html", source).unwrap();
        env.get_template("t.html")
            .unwrap()
            .render(minijinja::context! { v => value })
            .unwrap()
    }

    #[test]
    fn html_escaping_covers_the_five_characters_and_keeps_slashes() {
        assert_eq!(
            render("{{ v }}", r#"<a href="/x?a=1&b='2'">/path</a>"#),
            "&lt;a href=&quot;/x?a=1&amp;b=&#39;2&#39;&quot;&gt;/path&lt;/a&gt;"
        );
        assert_eq!(render("{{ v }}", "plain text, é ü"), "plain text, é ü");
        assert_eq!(render("{{ v }}", "&&"), "&amp;&amp;");
        assert_eq!(render("{{ v|safe }}", "<b>"), "<b>");
    }

    #[test]
    fn escaping_finds_characters_anywhere_in_long_values() {
        let reference = |text: &str| {
            text.chars()
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '>' => "&gt;".to_string(),
                    '"' => "&quot;".to_string(),
                    '\'' => "&#39;".to_string(),
                    c => c.to_string(),
                })
                .collect::<String>()
        };
        let base: Vec<char> = "/images/raw/ab/cd/é-photo.jpg?width=700&dpr=1 700w, "
            .chars()
            .cycle()
            .take(70)
            .collect();
        for at in [0, 1, 14, 15, 16, 17, 31, 32, 33, 47, 48, 68, 69] {
            for special in ['&', '<', '>', '"', '\''] {
                let mut chars = base.clone();
                chars[at] = special;
                let text: String = chars.into_iter().collect();
                assert_eq!(
                    render("{{ v }}", &text),
                    reference(&text),
                    "{special} at {at}"
                );
            }
        }
    }
}
