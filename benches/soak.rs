//! The soak's load generator (`bench/soak.sh` runs it against a release server): mixed traffic
//! at 64 connections for SECONDS, with the server's memory and open descriptors sampled every
//! second throughout.
//!
//! Usage: cargo bench --bench soak -- BASE_URL DATA_DIR SERVER_PID SECONDS GHOST_KEY
//! Prints each kind's answers, p50 and p99, a line of samples a minute, each third's median and
//! highest sample, then `soak_errors=`, `rss_end_vs_middle=` and `fds_end_vs_middle=` (targets:
//! 0, and within 10 % of 1.0).
//!
//! Flatness compares the last third of the run with the middle third, window against window:
//! a single sample swings with what is in flight at that instant (a large picture's decode holds
//! tens of megabytes for a few milliseconds; each cached page holds a memory file, and the page
//! cache empties when published content changes), so a leak shows as a window's level rising,
//! not as one sample above another. The first third is the warm-up.

#[path = "../tests/it/support/soak.rs"]
mod soak;

use std::sync::{Arc, Mutex};
use std::time::Duration;

const CONNECTIONS: usize = 64;

/// One sample of the server: seconds since the traffic began, resident kB, open descriptors.
type Sample = (u64, u64, usize);

/// Resident kB by kind: the heap and other private memory, mapped files (the search index),
/// and shared memory (the page cache's sealed files).
fn resident_parts(pid: u32) -> [u64; 3] {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    ["RssAnon:", "RssFile:", "RssShmem:"].map(|name| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let base = args.next().expect("BASE_URL");
    let data_dir = std::path::PathBuf::from(args.next().expect("DATA_DIR"));
    let pid: u32 = args.next().expect("SERVER_PID").parse()?;
    let seconds: u64 = args.next().expect("SECONDS").parse()?;
    let ghost_key = args.next().expect("GHOST_KEY");

    let db = broadsheet::db::connect(
        &format!("sqlite://{}", data_dir.join("broadsheet.db").display()),
        1,
    )
    .await?;
    let user = broadsheet::accounts::service::user_by_email(&db, "desk@soak.example").await?;
    let token = broadsheet::accounts::service::create_api_token(
        &db,
        &broadsheet::clock::Clock::System,
        user.id,
        "soak",
    )
    .await?;
    db.close().await;

    let targets =
        Arc::new(soak::discover(&base, &token, &ghost_key, Duration::from_millis(500)).await);
    soak::warm_up(&targets).await;
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let parts = Arc::new(Mutex::new(Vec::<[u64; 3]>::new()));
    let sampler = tokio::spawn(sample_every_second(pid, samples.clone(), parts.clone()));
    let report = soak::run(targets, CONNECTIONS, Duration::from_secs(seconds)).await;
    sampler.abort();
    let samples = samples.lock().expect("the samples").clone();
    let parts = parts.lock().expect("the samples").clone();

    println!(
        "{seconds} s at {CONNECTIONS} connections, {} answers",
        report.answers()
    );
    for line in report.lines() {
        println!("  {line}");
    }
    for error in report.errors.iter().take(10) {
        println!("  error: {error}");
    }
    println!(
        "the server each minute (resident MB: all = heap + files + shared; open descriptors):"
    );
    for ((at, rss, fds), [heap, files, shared]) in
        samples.iter().zip(&parts).filter(|(s, _)| s.0 % 60 == 0)
    {
        let mb = |kb: u64| kb as f64 / 1024.0;
        println!(
            "  {at:>5} s  {:>6.1} = {:>6.1} + {:>6.1} + {:>6.1} MB  {fds:>4}",
            mb(*rss),
            mb(*heap),
            mb(*files),
            mb(*shared)
        );
    }
    let thirds: Vec<Window> = samples
        .chunks(samples.len().div_ceil(3).max(1))
        .map(Window::of)
        .collect();
    for (name, window) in ["warm-up", "middle", "end"].iter().zip(&thirds) {
        println!(
            "  {name:<8} third: resident median {:.1} MB (highest {:.1}), descriptors median {} (highest {})",
            window.rss_median as f64 / 1024.0,
            window.rss_highest as f64 / 1024.0,
            window.fds_median,
            window.fds_highest
        );
    }
    println!("soak_errors={}", report.errors.len());
    if let [_, middle, end] = thirds.as_slice() {
        println!(
            "rss_end_vs_middle={:.3}",
            end.rss_median as f64 / middle.rss_median.max(1) as f64
        );
        println!(
            "fds_end_vs_middle={:.3}",
            end.fds_median as f64 / middle.fds_median.max(1) as f64
        );
        println!(
            "rss_highest_end_vs_middle={:.3}",
            end.rss_highest as f64 / middle.rss_highest.max(1) as f64
        );
    }
    Ok(())
}

async fn sample_every_second(
    pid: u32,
    into: Arc<Mutex<Vec<Sample>>>,
    parts: Arc<Mutex<Vec<[u64; 3]>>>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    for at in 0.. {
        tick.tick().await;
        let (rss, fds) = soak::resources(pid);
        into.lock().expect("the samples").push((at, rss, fds));
        parts.lock().expect("the samples").push(resident_parts(pid));
    }
}

/// A stretch of samples: its median and highest resident memory and descriptors.
struct Window {
    rss_median: u64,
    rss_highest: u64,
    fds_median: usize,
    fds_highest: usize,
}

impl Window {
    fn of(samples: &[Sample]) -> Self {
        let mut rss: Vec<u64> = samples.iter().map(|s| s.1).collect();
        let mut fds: Vec<usize> = samples.iter().map(|s| s.2).collect();
        rss.sort_unstable();
        fds.sort_unstable();
        Self {
            rss_median: rss[rss.len() / 2],
            rss_highest: rss[rss.len() - 1],
            fds_median: fds[fds.len() / 2],
            fds_highest: fds[fds.len() - 1],
        }
    }
}
