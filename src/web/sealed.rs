//! Page bodies kept in read-only files, so the connection can hand them to the kernel with
//! `sendfile(2)` (see [`super::sendfile`]) the way nginx sends a static file.
//!
//! A cached page's encodings are written once into one file and mapped read-only; the rest of
//! the server reads them as ordinary [`Bytes`]. A registry of the live mappings lets the
//! connection tell, from a slice's address alone, which file and offset hold it.
//!
//! The file is an unnamed one in the data directory (`O_TMPFILE`, see [`keep_files_in`]) where
//! the filesystem allows it: the kernel sends a disk filesystem's page cache for about a
//! microsecond less a request than shared memory's (measured with nginx serving the same feed
//! from ext4 and from tmpfs: 9.2 against 10.3 µs of system time a request), and the pages may
//! be written back and evicted under memory pressure rather than pinned. Elsewhere it is a
//! sealed `memfd`.
//!
//! Why this is sound: nothing can change a file's content once written, for as long as any copy
//! of the pages is in flight (a memfd is sealed; an unnamed file is reopened read-only and its
//! writable descriptor closed, and no path leads to it); a mapping is registered while it lives
//! and removed before it is unmapped; and whoever asks [`file_of`] about a slice holds the
//! [`Bytes`] the slice borrows from, so the file cannot close during the lookup's use.

use std::collections::BTreeMap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

use axum::body::Bytes;

/// Live mappings by start address: (length, file descriptor).
static REGIONS: RwLock<BTreeMap<usize, (usize, RawFd)>> = RwLock::new(BTreeMap::new());
static OPEN_FILES: AtomicUsize = AtomicUsize::new(0);

/// Cached pages hold at most a quarter of the process's file descriptors, so connections, the
/// database and uploads keep the rest.
const DESCRIPTOR_SHARE: usize = 4;
/// Each file is one mapping too; the kernel allows a process about 65,000 mappings, which the
/// allocator and thread stacks also draw on.
const MAX_FILES: usize = 16_384;

/// Sealed files past this many stay on the heap instead.
fn max_files() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        let Ok(limit) = open_file_limit() else {
            return 0;
        };
        let share = usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX) / DESCRIPTOR_SHARE;
        share.min(MAX_FILES)
    })
}

fn open_file_limit() -> io::Result<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(limit)
}

/// Raises the soft limit on open files to the hard one, as servers that hold many connections
/// do (nginx's `worker_rlimit_nofile`, Go's runtime); returns the limit in force.
pub fn raise_open_file_limit() -> io::Result<u64> {
    let limit = open_file_limit()?;
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit reads the struct we own.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(limit.rlim_max)
}

/// Where unnamed files for page bodies go; unset, bodies go into memory files.
static FILES_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Keeps page bodies in unnamed files in `dir` (the data directory) from now on, when one can
/// be made and reopened read-only there (the filesystem supports them, `/proc` is mounted);
/// returns whether it can.
pub fn keep_files_in(dir: &Path) -> bool {
    let usable = read_only_file(dir, &[b"probe"]).is_ok();
    if usable {
        let _ = FILES_DIR.set(dir.to_path_buf());
    }
    usable
}

/// How many sealed files are held (by every page cache of the process).
pub fn open_files() -> usize {
    OPEN_FILES.load(Ordering::Relaxed)
}

/// Copies `parts` one after another into a sealed memory file and returns each as [`Bytes`]
/// backed by it; `None` when no file can be had (the share of descriptors is used up, or the
/// kernel refuses), and the caller keeps its heap copies.
pub fn seal(parts: &[&[u8]]) -> Option<Vec<Bytes>> {
    seal_in(parts, FILES_DIR.get().map(PathBuf::as_path))
}

fn seal_in(parts: &[&[u8]], dir: Option<&Path>) -> Option<Vec<Bytes>> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len == 0 {
        return None;
    }
    if OPEN_FILES.fetch_add(1, Ordering::Relaxed) >= max_files() {
        OPEN_FILES.fetch_sub(1, Ordering::Relaxed);
        return None;
    }
    let file = match SealedFile::create(parts, len, dir) {
        Ok(file) => file,
        Err(error) => {
            OPEN_FILES.fetch_sub(1, Ordering::Relaxed);
            tracing::debug!(%error, "a page stays on the heap: no memory file");
            return None;
        }
    };
    let whole = Bytes::from_owner(file);
    let mut start = 0;
    Some(
        parts
            .iter()
            .map(|part| {
                let bytes = whole.slice(start..start + part.len());
                start += part.len();
                bytes
            })
            .collect(),
    )
}

/// The sealed file and offset that hold all of `slice`, if one does.
pub fn file_of(slice: &[u8]) -> Option<(RawFd, usize)> {
    region_of(slice.as_ptr() as usize, slice.len())
}

fn region_of(start: usize, len: usize) -> Option<(RawFd, usize)> {
    if len == 0 {
        return None;
    }
    let regions = REGIONS.read().unwrap_or_else(PoisonError::into_inner);
    let (&base, &(mapped, fd)) = regions.range(..=start).next_back()?;
    (start + len <= base + mapped).then_some((fd, start - base))
}

/// A sealed, read-only mapped memory file; unmapped and closed when the last [`Bytes`] of it
/// goes.
struct SealedFile {
    /// Held open for `sendfile`; the registry lends out its number.
    _file: OwnedFd,
    address: *const u8,
    len: usize,
}

// SAFETY: the mapping is read-only and lives as long as the value; nothing writes through it.
unsafe impl Send for SealedFile {}
// SAFETY: as above: shared reads of memory nobody changes.
unsafe impl Sync for SealedFile {}

impl SealedFile {
    /// `parts` in an unnamed file in `dir`, or in a memory file without one (or when the
    /// unnamed file cannot be had).
    fn create(parts: &[&[u8]], len: usize, dir: Option<&Path>) -> io::Result<SealedFile> {
        let file = match dir.map(|dir| read_only_file(dir, parts)) {
            Some(Ok(file)) => file,
            _ => sealed_memory_file(parts)?,
        };
        // SAFETY: a read-only shared mapping of a file of exactly `len` bytes; checked below.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        REGIONS
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(address as usize, (len, file.as_raw_fd()));
        Ok(SealedFile {
            _file: file,
            address: address.cast_const().cast(),
            len,
        })
    }
}

/// An unnamed file in `dir`, open for writing; gone when closed.
fn unnamed_file(dir: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_TMPFILE | libc::O_CLOEXEC)
        .mode(0o600)
        .open(dir)
}

/// `parts` written into an unnamed file, returned open for reading only: the writable
/// descriptor is closed before anyone sees the file.
fn read_only_file(dir: &Path, parts: &[&[u8]]) -> io::Result<OwnedFd> {
    let mut out = unnamed_file(dir)?;
    for part in parts {
        io::Write::write_all(&mut out, part)?;
    }
    let reader = std::fs::File::open(format!("/proc/self/fd/{}", out.as_raw_fd()))?;
    Ok(OwnedFd::from(reader))
}

/// `parts` in a memfd sealed against writing, growing and shrinking.
fn sealed_memory_file(parts: &[&[u8]]) -> io::Result<OwnedFd> {
    // SAFETY: a valid C string and flags; the result is checked.
    let fd = unsafe {
        libc::memfd_create(
            c"broadsheet-page".as_ptr(),
            libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    let mut out = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    for part in parts {
        io::Write::write_all(&mut out, part)?;
    }
    let file = OwnedFd::from(out);
    let seals = libc::F_SEAL_WRITE | libc::F_SEAL_GROW | libc::F_SEAL_SHRINK | libc::F_SEAL_SEAL;
    // SAFETY: fcntl on our descriptor; the result is checked.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(file)
}

impl AsRef<[u8]> for SealedFile {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: address..address + len is our live, read-only mapping.
        unsafe { std::slice::from_raw_parts(self.address, self.len) }
    }
}

impl Drop for SealedFile {
    fn drop(&mut self) {
        REGIONS
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(self.address as usize));
        // SAFETY: `create` made this mapping, and nothing borrows it any more: the last Bytes
        // that pointed into it is being dropped. Pages the kernel is still sending stay alive
        // through its own references, and the seals keep them unchanged.
        unsafe {
            libc::munmap(self.address.cast_mut().cast(), self.len);
        }
        OPEN_FILES.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_parts_read_back_and_are_found_by_address() {
        let parts: [&[u8]; 3] = [b"<html>identity</html>", b"", b"brotli bytes"];
        let sealed = seal(&parts).expect("a memory file");
        assert_eq!(sealed.len(), 3);
        for (bytes, part) in sealed.iter().zip(parts) {
            assert_eq!(&bytes[..], part);
        }
        let (fd, offset) = file_of(&sealed[2]).expect("the file is registered");
        assert_eq!(offset, parts[0].len());
        let (same_fd, inner) = file_of(&sealed[0][7..15]).expect("a slice inside it");
        assert_eq!((same_fd, inner), (fd, 7));
        assert!(file_of(b"heap bytes").is_none());
        assert!(
            file_of(&sealed[1]).is_none(),
            "an empty slice names no file"
        );

        let mut buffer = [0u8; 12];
        // SAFETY: pread into a buffer we own, from the sealed file's descriptor.
        let read = unsafe { libc::pread(fd, buffer.as_mut_ptr().cast(), 12, offset as i64) };
        assert_eq!(read, 12);
        assert_eq!(&buffer, b"brotli bytes");
        // SAFETY: a write attempt on our descriptor; the seal must refuse it.
        let write = unsafe { libc::pwrite(fd, b"x".as_ptr().cast(), 1, 0) };
        assert_eq!(write, -1, "a sealed file refuses writes");

        let address = sealed[0].as_ptr() as usize;
        assert!(region_of(address, 1).is_some());
        drop(sealed);
        assert!(
            region_of(address, 1).is_none(),
            "the mapping goes with its last bytes"
        );
    }

    #[test]
    fn unnamed_files_read_back_and_refuse_writes() {
        let dir = tempfile::tempdir().unwrap();
        let parts: [&[u8]; 2] = [b"<html>identity</html>", b"gzip bytes"];
        let sealed = seal_in(&parts, Some(dir.path())).expect("an unnamed file");
        assert_eq!(&sealed[1][..], b"gzip bytes");
        let (fd, offset) = file_of(&sealed[1]).expect("the file is registered");
        assert_eq!(offset, parts[0].len());
        let target = std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap();
        assert!(
            target
                .to_string_lossy()
                .starts_with(&*dir.path().to_string_lossy()),
            "{target:?} lies in the data directory"
        );
        // SAFETY: a write attempt on our descriptor; it is open for reading only.
        let write = unsafe { libc::pwrite(fd, b"x".as_ptr().cast(), 1, 0) };
        assert_eq!(write, -1, "the file is read-only");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no name in the directory"
        );
        assert!(!keep_files_in(&dir.path().join("missing")));
    }

    #[test]
    fn nothing_to_seal_gives_none() {
        assert!(seal(&[b"", b""]).is_none());
    }
}
