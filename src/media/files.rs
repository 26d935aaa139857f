//! Content-addressed storage: a file lives at `ab/cd/<sha256>.<ext>` under `<data-dir>/media`, so
//! identical uploads are stored once, names never collide, and a URL can be cached forever.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
pub struct MediaFiles {
    root: PathBuf,
}

pub struct Stored {
    pub sha256: String,
    /// Relative to the media root, with forward slashes: what URLs and the database use.
    pub path: String,
}

impl MediaFiles {
    pub fn new(data_dir: &Path) -> Self {
        MediaFiles {
            root: data_dir.join("media"),
        }
    }

    /// Whether the store answers: its folder can be read (or, before the first upload, its data
    /// dir is there to make it in).
    pub fn is_up(&self) -> bool {
        match std::fs::read_dir(&self.root) {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.root.parent().is_some_and(Path::is_dir)
            }
            Err(_) => false,
        }
    }

    /// Writes `bytes` (atomically: a temporary file renamed into place) unless already stored.
    pub fn store(&self, bytes: &[u8], extension: &str) -> anyhow::Result<Stored> {
        let sha256 = format!("{:x}", Sha256::digest(bytes));
        let path = format!("{}/{}/{sha256}.{extension}", &sha256[0..2], &sha256[2..4]);
        let target = self.root.join(&path);
        if !target.exists() {
            let dir = target.parent().context("media path has no folder")?;
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create media folder {}", dir.display()))?;
            let temp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
            std::fs::write(&temp, bytes)
                .with_context(|| format!("cannot write media file {}", temp.display()))?;
            std::fs::rename(&temp, &target)
                .with_context(|| format!("cannot move media file into {}", target.display()))?;
        }
        Ok(Stored { sha256, path })
    }

    /// Removes a stored file; one already gone is fine.
    pub fn remove(&self, path: &str) -> anyhow::Result<()> {
        let Some(file) = self.locate(path) else {
            return Ok(());
        };
        match std::fs::remove_file(&file) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => {
                Err(anyhow::Error::new(e).context(format!("cannot delete {}", file.display())))
            }
        }
    }

    /// The file for a stored path, or `None` for anything that is not one of ours.
    pub fn locate(&self, path: &str) -> Option<PathBuf> {
        let mut parts = path.split('/');
        let (a, b, name) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let (hash, ext) = name.split_once('.')?;
        let hex = |s: &str| {
            s.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        };
        let ok = a.len() == 2
            && b.len() == 2
            && hash.len() == 64
            && hex(hash)
            && hash.starts_with(a)
            && hash[2..].starts_with(b)
            && !ext.is_empty()
            && ext.bytes().all(|c| c.is_ascii_alphanumeric());
        ok.then(|| self.root.join(path))
    }
}

/// The media type of a stored file, from the extension we gave it when storing.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("avif") => "image/avif",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_addressed_paths_are_served() {
        let files = MediaFiles::new(Path::new("/data"));
        let hash = "ab".to_string() + &"c".repeat(62);
        let good = format!("ab/cc/{hash}.jpg");
        assert!(files.locate(&good).is_some());
        assert!(files.locate("../etc/passwd").is_none());
        assert!(files.locate(&format!("ab/cc/{hash}.jpg/x")).is_none());
        assert!(files.locate(&format!("zz/cc/{hash}.jpg")).is_none());
        assert!(files.locate(&format!("ab/cc/{hash}.j/g")).is_none());
    }
}
