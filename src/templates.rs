//! The theme: minijinja templates and static assets, embedded in the binary and overridable file
//! by file from a theme folder (`--theme-dir`), so an operator restyles the site without a rebuild.
//! Every template is parsed at start, so a broken override fails fast instead of on a request.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

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
}

pub struct Asset {
    pub bytes: Bytes,
    pub content_type: &'static str,
    pub etag: String,
}

impl Templates {
    /// Loads the embedded theme with `theme_dir`'s files taking precedence.
    pub fn load(theme_dir: Option<&Path>) -> anyhow::Result<Self> {
        if let Some(dir) = theme_dir {
            if !dir.is_dir() {
                bail!("theme folder {} does not exist", dir.display());
            }
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(format_value);
        let override_dir = theme_dir.map(Path::to_path_buf);
        env.set_loader(move |name| load_template(override_dir.as_deref(), name));

        let mut names = Vec::new();
        collect_embedded(&DEFAULT_THEME, &mut names);
        if let Some(dir) = theme_dir {
            collect_overrides(dir, dir, &mut names)?;
        }
        names.sort();
        names.dedup();
        for name in names.iter().filter(|n| is_template(n)) {
            env.get_template(name)
                .with_context(|| format!("theme template {name} does not parse"))?;
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
        })
    }

    pub fn render<S: Serialize>(&self, name: &str, context: &S) -> anyhow::Result<String> {
        self.render_value(name, Value::from(Serde(context)))
    }

    /// Renders from a context already converted to template values (see
    /// [`crate::site::layout::RenderCache`]).
    pub fn render_value(&self, name: &str, context: Value) -> anyhow::Result<String> {
        let template = self.env.get_template(name)?;
        template
            .render(context)
            .with_context(|| format!("rendering {name}"))
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
        (AutoEscape::Html, Some(text)) if !value.is_safe() => {
            let mut start = 0;
            for (i, b) in text.bytes().enumerate() {
                let entity = match b {
                    b'&' => "&amp;",
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'"' => "&quot;",
                    b'\'' => "&#39;",
                    _ => continue,
                };
                out.write_str(&text[start..i])?;
                out.write_str(entity)?;
                start = i + 1;
            }
            out.write_str(&text[start..])?;
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
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

fn read_theme_file(theme_dir: Option<&Path>, name: &str) -> anyhow::Result<Option<Vec<u8>>> {
    let Some(rel) = safe_relative(name) else {
        return Ok(None);
    };
    if let Some(dir) = theme_dir {
        let candidate = dir.join(&rel);
        if candidate.is_file() {
            return std::fs::read(&candidate)
                .map(Some)
                .with_context(|| format!("cannot read {}", candidate.display()));
        }
    }
    Ok(DEFAULT_THEME.get_file(&rel).map(|f| f.contents().to_vec()))
}

fn load_template(theme_dir: Option<&Path>, name: &str) -> Result<Option<String>, minijinja::Error> {
    let bytes = read_theme_file(theme_dir, name).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::TemplateNotFound, format!("{e:#}"))
    })?;
    bytes
        .map(|b| {
            String::from_utf8(b).map_err(|_| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("template {name} is not UTF-8"),
                )
            })
        })
        .transpose()
}
