//! Times the image pipeline for `bench/images.sh`: every file in memory, one untimed warm-up
//! round, then PASSES timed rounds over all of them on this thread; CPU time per image (the
//! median round) printed as JSON, and the last round's outputs written to OUT_DIR for the size
//! and fidelity checks.
//!
//! Usage: image_bench WIDTH FORMAT QUALITY PASSES OUT_DIR FILE...

use std::path::Path;

/// The server's allocator (see `src/main.rs`), so buffers are reused as they are there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn thread_cpu_ms() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own and reads nothing else.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1e6
}

fn main() -> Result<(), String> {
    broadsheet::media::images::keep_codec_buffers();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [width, format, quality, passes, out, files @ ..] = &args[..] else {
        return Err("usage: image_bench WIDTH FORMAT QUALITY PASSES OUT_DIR FILE...".into());
    };
    let width: u32 = width.parse().map_err(|_| "WIDTH is a number")?;
    let quality: u8 = quality.parse().map_err(|_| "QUALITY is a number")?;
    let passes: usize = passes.parse().map_err(|_| "PASSES is a number")?;
    let inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| {
            let name = Path::new(f)
                .file_stem()
                .map_or_else(|| f.clone(), |s| s.to_string_lossy().into_owned());
            std::fs::read(f)
                .map(|b| (name, b))
                .map_err(|e| format!("{f}: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let mut rounds = Vec::new();
    let mut outputs = Vec::new();
    for round in 0..=passes.max(1) {
        outputs.clear();
        let start = thread_cpu_ms();
        for (name, bytes) in &inputs {
            let encoded =
                broadsheet::media::images::resize_to_width(bytes, width, format, quality)?;
            outputs.push((name, encoded));
        }
        if round > 0 {
            rounds.push((thread_cpu_ms() - start) / inputs.len() as f64);
        }
    }
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let mut total_bytes = 0;
    for (name, encoded) in &outputs {
        total_bytes += encoded.len();
        std::fs::write(Path::new(out).join(format!("{name}.{format}")), encoded)
            .map_err(|e| e.to_string())?;
    }
    rounds.sort_by(f64::total_cmp);
    println!(
        "{{\"cpu_ms_per_image\": {:.2}, \"bytes\": {total_bytes}, \"rounds\": {:?}}}",
        rounds[rounds.len() / 2],
        rounds
    );
    Ok(())
}
