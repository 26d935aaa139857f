//! The soak's load generator (`bench/soak.sh` runs it against a release server): mixed traffic
//! at 64 connections for SECONDS, the server's memory and open descriptors sampled at the start
//! (after the pictures are warm), the middle and the end.
//!
//! Usage: cargo bench --bench soak -- BASE_URL DATA_DIR SERVER_PID SECONDS GHOST_KEY
//! Prints each kind's answers, p50 and p99, then `soak_errors=`, `rss_end_vs_middle=` and
//! `fds_end_vs_middle=` (targets: 0, and within 10 % of 1.0 once warm).

#[path = "../tests/it/support/soak.rs"]
mod soak;

use std::sync::Arc;
use std::time::Duration;

const CONNECTIONS: usize = 64;

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
    let half = Duration::from_secs(seconds / 2);
    let start = soak::resources(pid);
    let first = soak::run(targets.clone(), CONNECTIONS, half).await;
    let middle = soak::resources(pid);
    let second = soak::run(targets, CONNECTIONS, half).await;
    let end = soak::resources(pid);

    let mut report = first;
    for (kind, tally) in second.kinds {
        let into = report.kinds.entry(kind).or_default();
        into.answers += tally.answers;
        into.latencies_us.extend(tally.latencies_us);
    }
    report.errors.extend(second.errors);
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
        "memory (kB): start {} middle {} end {}; open descriptors: start {} middle {} end {}",
        start.0, middle.0, end.0, start.1, middle.1, end.1
    );
    println!("soak_errors={}", report.errors.len());
    println!(
        "rss_end_vs_middle={:.3}",
        end.0 as f64 / middle.0.max(1) as f64
    );
    println!(
        "fds_end_vs_middle={:.3}",
        end.1 as f64 / middle.1.max(1) as f64
    );
    Ok(())
}
