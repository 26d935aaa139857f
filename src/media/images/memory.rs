//! How the C codecs' memory is kept between renders. libjpeg-turbo allocates its big per-image
//! buffers (for a progressive JPEG, every DCT coefficient of the image: tens of megabytes) with
//! the C library's malloc, which by default maps such blocks fresh and unmaps them on free; every
//! render then pays for page faults and zeroing again, about a tenth of its CPU. Broadsheet's own
//! allocations go through mimalloc and are not affected.

/// Mapping threshold: blocks below this come from malloc's heap and are reused after a free.
/// 32 MiB is the most glibc accepts on 64-bit (a progressive photograph up to about 16 MP).
const MMAP_THRESHOLD: i32 = 32 << 20;
/// Free memory above this at the top of a heap is given back to the system.
const TRIM_THRESHOLD: i32 = 128 << 20;
/// Heaps (arenas): with the thresholds above each may keep up to `TRIM_THRESHOLD` free, so few
/// of them keep the memory held bounded; only the C libraries allocate here.
const ARENA_MAX: i32 = 2;

/// Tells glibc's malloc to keep codec buffers for reuse, unless the operator set the
/// corresponding `MALLOC_*_` environment variable (glibc's own), which then stays in force.
/// Returns how many settings were applied.
pub fn keep_codec_buffers() -> usize {
    let settings = [
        (
            "MALLOC_MMAP_THRESHOLD_",
            libc::M_MMAP_THRESHOLD,
            MMAP_THRESHOLD,
        ),
        (
            "MALLOC_TRIM_THRESHOLD_",
            libc::M_TRIM_THRESHOLD,
            TRIM_THRESHOLD,
        ),
        ("MALLOC_ARENA_MAX", libc::M_ARENA_MAX, ARENA_MAX),
    ];
    let mut applied = 0;
    for (variable, parameter, value) in settings {
        if std::env::var_os(variable).is_some() {
            continue;
        }
        // SAFETY: mallopt only changes malloc's tuning; any value is accepted or refused (0).
        if unsafe { libc::mallopt(parameter, value) } == 1 {
            applied += 1;
        } else {
            tracing::warn!(
                variable,
                value,
                "the C library refused a malloc setting; renders work, but idle memory may stay \
                 high: set the variable in the environment instead (docs/images.md, Memory)"
            );
        }
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_takes_every_setting() {
        let expected = [
            "MALLOC_MMAP_THRESHOLD_",
            "MALLOC_TRIM_THRESHOLD_",
            "MALLOC_ARENA_MAX",
        ]
        .iter()
        .filter(|v| std::env::var_os(v).is_none())
        .count();
        assert_eq!(keep_codec_buffers(), expected);
    }
}
