//! `broadsheet backup` and `broadsheet restore`: a consistent copy of a running site (database,
//! media, settings, which live in the database) into one folder with a manifest of checksums,
//! and its return into an empty data dir. See docs/operations.md, "Backups".

mod manifest;
mod restore;
mod take;

use std::time::Instant;

use crate::clock::Clock;
use crate::commands;
use crate::config::{BackupArgs, Common, RestoreArgs};
use crate::db::snapshot::Counts;

/// A bar on the terminal while files are copied; nothing when the output is not a terminal.
fn progress(total: u64, what: &str) -> indicatif::ProgressBar {
    indicatif::ProgressBar::new(total).with_style(
        indicatif::ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {what}"))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    )
}

/// What a backup holds, for the closing line.
fn held(counts: Option<Counts>) -> String {
    counts.map_or_else(
        || "the media only".to_string(),
        |c| {
            format!(
                "{} articles, {} comments, {} library items and {} accounts",
                c.articles, c.comments, c.media, c.users
            )
        },
    )
}

pub async fn backup(common: &Common, args: &BackupArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let (data_dir, db) = commands::open(common).await?;
    let url = common.database_url(&data_dir);
    let media = common.media_files(&data_dir)?;
    let taken = take::take(&db, &url, &media, &Clock::System, &args.dest).await;
    db.close().await;
    let manifest = taken?;
    let bytes: u64 = manifest.files.iter().map(|f| f.bytes).sum();
    let held = held(manifest.counts);
    println!(
        "Backed up {held} into {} ({} files, {:.1} MB) in {:.1} s.",
        args.dest.display(),
        manifest.files.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    if !manifest.missing_media.is_empty() {
        println!(
            "{} library files were deleted while the backup ran and are not in it; the manifest \
             lists them under missing_media.",
            manifest.missing_media.len()
        );
    }
    Ok(())
}

pub async fn restore(common: &Common, args: &RestoreArgs) -> anyhow::Result<()> {
    let data_dir = common.prepare_data_dir()?;
    let url = common.database_url(&data_dir);
    let media = common.media_files(&data_dir)?;
    let restored = restore::restore(&args.src, &url, &media).await?;
    let held = held(restored.counts);
    println!(
        "Restored {held} from {} (taken {} by {}) into {}. Start the server on it; the search \
         index rebuilds by itself.",
        args.src.display(),
        restored.manifest.created_at,
        restored.manifest.made_by,
        data_dir.display()
    );
    Ok(())
}
