//! The disk cache of rendered variants (and of fetched remote originals): one file per key under
//! `<data-dir>/image-cache`, capped in total size, least recently used evicted first. Each file
//! starts with a small header (format, width, height) so a hit needs no decoding.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bytes::Bytes;

use super::encode::Output;

/// Eviction frees down to this share of the cap, so it does not run on every insert.
const LOW_WATER_PERCENT: u64 = 90;
const HEADER_LEN: usize = 12;
const MAGIC: &[u8; 3] = b"BSV";

#[derive(Debug, Clone)]
pub struct Variant {
    /// Shared, so answering from a variant copies nothing.
    pub bytes: Bytes,
    /// `None` for a stored original.
    pub output: Option<Output>,
    pub width: u32,
    pub height: u32,
}

pub struct VariantCache {
    root: PathBuf,
    cap: u64,
    index: Mutex<Index>,
    failures: Mutex<Failures>,
}

/// Failed writes since the last report: a full disk fails every render's write, and one line a
/// minute says as much as thousands.
#[derive(Default)]
struct Failures {
    reported: Option<std::time::Instant>,
    since: u64,
}

/// How often failed writes are reported at most.
const REPORT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Default)]
struct Index {
    entries: HashMap<String, Entry>,
    total: u64,
    clock: u64,
}

struct Entry {
    size: u64,
    used: u64,
}

impl VariantCache {
    /// Opens the cache, indexing what an earlier run left (oldest first by modification time)
    /// and removing the temporary files of renders a crash interrupted.
    pub fn open(data_dir: &Path, cap: u64) -> anyhow::Result<VariantCache> {
        let root = data_dir.join("image-cache");
        std::fs::create_dir_all(&root)?;
        let mut found = Vec::new();
        for shard in std::fs::read_dir(&root)?.flatten() {
            let Ok(files) = std::fs::read_dir(shard.path()) else {
                continue;
            };
            for file in files.flatten() {
                let Ok(meta) = file.metadata() else { continue };
                let name = file.file_name().to_string_lossy().into_owned();
                if meta.is_file() && is_key(&name) {
                    found.push((meta.modified().ok(), name, meta.len()));
                } else if meta.is_file() && name.contains(".tmp") {
                    // A render's temporary file, left by a process killed before its rename.
                    std::fs::remove_file(file.path()).ok();
                }
            }
        }
        found.sort();
        let mut index = Index::default();
        for (_, key, size) in found {
            index.clock += 1;
            index.total += size;
            index.entries.insert(
                key,
                Entry {
                    size,
                    used: index.clock,
                },
            );
        }
        let cache = VariantCache {
            root,
            cap,
            index: Mutex::new(index),
            failures: Mutex::new(Failures::default()),
        };
        cache.evict();
        Ok(cache)
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(&key[..2]).join(key)
    }

    pub fn get(&self, key: &str) -> Option<Variant> {
        {
            let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
            index.clock += 1;
            let clock = index.clock;
            index.entries.get_mut(key)?.used = clock;
        }
        match std::fs::read(self.path(key)) {
            Ok(file) => parse(file),
            Err(_) => {
                self.forget(key);
                None
            }
        }
    }

    /// Stores a variant. A failure to write (a full disk) only costs a later re-render: the
    /// variant is still served, its partial file removed, and failures reported once a minute.
    pub fn put(&self, key: &str, variant: &Variant) {
        let mut file = Vec::with_capacity(HEADER_LEN + variant.bytes.len());
        file.extend_from_slice(MAGIC);
        file.push(variant.output.map_or(0, Output::code));
        file.extend_from_slice(&variant.width.to_le_bytes());
        file.extend_from_slice(&variant.height.to_le_bytes());
        file.extend_from_slice(&variant.bytes);
        let path = self.path(key);
        let temp = path.with_extension(format!("tmp{}", std::process::id()));
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&temp, &file))
            .and_then(|()| std::fs::rename(&temp, &path));
        if let Err(e) = written {
            std::fs::remove_file(&temp).ok();
            self.report_failure(&e);
            return;
        }
        {
            let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
            index.clock += 1;
            let used = index.clock;
            let size = file.len() as u64;
            if let Some(old) = index.entries.insert(key.to_string(), Entry { size, used }) {
                index.total -= old.size;
            }
            index.total += size;
        }
        self.evict();
    }

    fn report_failure(&self, error: &std::io::Error) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.since += 1;
        if failures
            .reported
            .is_some_and(|at| at.elapsed() < REPORT_EVERY)
        {
            return;
        }
        tracing::warn!(
            %error,
            folder = %self.root.display(),
            failed_writes = failures.since,
            "cannot store image variants: renders are still served, but uncached, so each \
             costs CPU again; free space on that disk or lower --image-cache-mb (reported at \
             most once a minute)"
        );
        failures.reported = Some(std::time::Instant::now());
        failures.since = 0;
    }

    fn forget(&self, key: &str) {
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = index.entries.remove(key) {
            index.total -= old.size;
        }
    }

    /// Removes the least recently used files until the total is back under the low-water mark.
    fn evict(&self) {
        let victims = {
            let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
            if index.total <= self.cap {
                return;
            }
            let target = self.cap / 100 * LOW_WATER_PERCENT;
            let mut by_age: Vec<(u64, String)> = index
                .entries
                .iter()
                .map(|(k, e)| (e.used, k.clone()))
                .collect();
            by_age.sort_unstable();
            let mut victims = Vec::new();
            for (_, key) in by_age {
                if index.total <= target {
                    break;
                }
                if let Some(entry) = index.entries.remove(&key) {
                    index.total -= entry.size;
                    victims.push(key);
                }
            }
            victims
        };
        for key in victims {
            let _ = std::fs::remove_file(self.path(&key));
        }
    }

    #[cfg(test)]
    fn size(&self) -> u64 {
        self.index.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

fn is_key(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

fn parse(file: Vec<u8>) -> Option<Variant> {
    if file.len() < HEADER_LEN || &file[..3] != MAGIC {
        return None;
    }
    let output = match file[3] {
        0 => None,
        code => Some(Output::from_code(code)?),
    };
    let number =
        |at: usize| u32::from_le_bytes([file[at], file[at + 1], file[at + 2], file[at + 3]]);
    let (width, height) = (number(4), number(8));
    Some(Variant {
        bytes: Bytes::from(file).slice(HEADER_LEN..),
        output,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    fn variant(size: usize) -> Variant {
        Variant {
            bytes: Bytes::from(vec![7; size]),
            output: Some(Output::Webp),
            width: 3,
            height: 2,
        }
    }

    #[test]
    fn least_recently_used_variants_go_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = VariantCache::open(dir.path(), 3500).expect("opens");
        cache.put(&key(1), &variant(1000));
        cache.put(&key(2), &variant(1000));
        cache.put(&key(3), &variant(1000));
        assert!(cache.get(&key(1)).is_some(), "touch 1 so 2 is the oldest");
        cache.put(&key(4), &variant(1000));
        assert!(cache.get(&key(2)).is_none(), "the least recently used went");
        let hit = cache.get(&key(1)).expect("kept");
        assert_eq!(
            (hit.output, hit.width, hit.height, hit.bytes.len()),
            (Some(Output::Webp), 3, 2, 1000)
        );
        assert!(cache.size() <= 3500);

        let reopened = VariantCache::open(dir.path(), 3500).expect("reopens");
        assert_eq!(
            reopened.size(),
            cache.size(),
            "the index is rebuilt from disk"
        );
        assert!(reopened.get(&key(4)).is_some());
    }
}
