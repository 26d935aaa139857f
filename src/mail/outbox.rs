//! The outbox folder: where mail goes when no SMTP server is configured, one `.eml` file per
//! message, written atomically, and listed newest first on the admin's outbox page.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

pub fn write(dir: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
    let suffix = &crate::secrets::random_token()?[..8];
    let path = dir.join(format!("{stamp}-{suffix}.eml"));
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, bytes).with_context(|| format!("cannot write {}", temp.display()))?;
    std::fs::rename(&temp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A message waiting in the outbox, as the admin lists it.
#[derive(Debug, Serialize)]
pub struct OutboxItem {
    pub file: String,
    pub to: String,
    pub subject: String,
    pub date: String,
}

/// The newest `limit` messages in the outbox, newest first.
pub fn read(dir: &Path, limit: usize) -> anyhow::Result<Vec<OutboxItem>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    files.reverse();
    files.truncate(limit);
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let header = |name: &str| {
                text.lines()
                    .take_while(|l| !l.is_empty())
                    .find_map(|l| l.strip_prefix(name))
                    .unwrap_or("")
                    .trim()
                    .to_string()
            };
            Ok(OutboxItem {
                file: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                to: header("To:"),
                subject: header("Subject:"),
                date: header("Date:"),
            })
        })
        .collect()
}
