//! Page bodies kept in sealed memory files, so the connection can hand them to the kernel with
//! `sendfile(2)` (see [`super::sendfile`]) the way nginx sends a static file.
//!
//! A cached page's encodings are written once into one `memfd`, sealed against any further
//! change, and mapped read-only; the rest of the server reads them as ordinary [`Bytes`]. A
//! registry of the live mappings lets the connection tell, from a slice's address alone, which
//! file and offset hold it.
//!
//! Why this is sound: the seals make the file's content the content the cache holds, for as long
//! as any copy of the pages is in flight; a mapping is registered while it lives and removed
//! before it is unmapped; and whoever asks [`file_of`] about a slice holds the [`Bytes`] the
//! slice borrows from, so the file cannot close during the lookup's use.

use std::collections::BTreeMap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
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

/// How many sealed files are held (by every page cache of the process).
pub fn open_files() -> usize {
    OPEN_FILES.load(Ordering::Relaxed)
}

/// Copies `parts` one after another into a sealed memory file and returns each as [`Bytes`]
/// backed by it; `None` when no file can be had (the share of descriptors is used up, or the
/// kernel refuses), and the caller keeps its heap copies.
pub fn seal(parts: &[&[u8]]) -> Option<Vec<Bytes>> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len == 0 {
        return None;
    }
    if OPEN_FILES.fetch_add(1, Ordering::Relaxed) >= max_files() {
        OPEN_FILES.fetch_sub(1, Ordering::Relaxed);
        return None;
    }
    let file = match SealedFile::create(parts, len) {
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
    fn create(parts: &[&[u8]], len: usize) -> io::Result<SealedFile> {
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
        let seals =
            libc::F_SEAL_WRITE | libc::F_SEAL_GROW | libc::F_SEAL_SHRINK | libc::F_SEAL_SEAL;
        // SAFETY: fcntl on our descriptor; the result is checked.
        if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
            return Err(io::Error::last_os_error());
        }
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
    fn nothing_to_seal_gives_none() {
        assert!(seal(&[b"", b""]).is_none());
    }
}
