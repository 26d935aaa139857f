//! `broadsheet media migrate --to ADDRESS`: copies a media store into another, so a site can move
//! its library from its data dir into a bucket every node shares when it scales out, or back.
//! Names are content hashes, so a file the target already holds whole needs no copy: that is
//! what makes a stopped copy resumable, and a copy into a store in use safe.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, bail};
use futures_util::{StreamExt, TryStreamExt};

use super::files::{MediaFiles, PutError};
use crate::config::{Common, MediaCommand};

/// What a copy did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Copied {
    pub copied: u64,
    pub bytes: u64,
    /// Already in the target, whole.
    pub present: u64,
    /// In the source, but not holding what their names say: left where they are.
    pub damaged: Vec<String>,
}

pub async fn run(common: &Common, command: MediaCommand) -> anyhow::Result<()> {
    let MediaCommand::Migrate(args) = command;
    let data_dir = common.prepare_data_dir()?;
    let from = common.media_files(&data_dir)?;
    let to = MediaFiles::open(Some(&args.to), &data_dir)?;
    if from.address() == to.address() {
        bail!(
            "--to names the store the site already uses ({})",
            from.address()
        );
    }
    let started = Instant::now();
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} files, {bytes_per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let copied = copy_all(&from, &to, usize::from(args.jobs), &bar).await;
    bar.finish_and_clear();
    let copied = copied.with_context(|| {
        format!(
            "the copy from {} to {} stopped; run the same command again to go on from where it \
             was",
            from.address(),
            to.address()
        )
    })?;
    println!(
        "Copied {} files ({:.1} MB) from {} to {} in {:.1} s; {} were there already.",
        copied.copied,
        copied.bytes as f64 / 1e6,
        from.address(),
        to.address(),
        started.elapsed().as_secs_f64(),
        copied.present
    );
    if let Some(first) = copied.damaged.first() {
        bail!(
            "{} files in {} do not hold what their names say and were not copied (the first: \
             {first}); restore them from a backup",
            copied.damaged.len(),
            from.address()
        );
    }
    println!(
        "Start every node with --media-store {} to serve from it.",
        to.address()
    );
    Ok(())
}

/// Copies every file of `from` that `to` lacks (or holds with another size), `jobs` at a time,
/// moving `bar` as files are done.
pub async fn copy_all(
    from: &MediaFiles,
    to: &MediaFiles,
    jobs: usize,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<Copied> {
    bar.set_message("reading the target's list");
    let held: HashMap<String, u64> = to
        .list()
        .try_collect()
        .await
        .with_context(|| format!("cannot list {}", to.address()))?;
    let wanted: Vec<(String, u64)> = from
        .list()
        .try_collect()
        .await
        .with_context(|| format!("cannot list {}", from.address()))?;
    bar.set_length(wanted.len() as u64);
    let mut done = Copied::default();
    let mut missing = Vec::new();
    for (path, size) in wanted {
        if held.get(&path) == Some(&size) {
            done.present += 1;
            bar.inc(1);
        } else {
            missing.push(path);
        }
    }
    let mut copies = futures_util::stream::iter(missing)
        .map(|path| async move {
            let bytes = from.read(&path).await?;
            let size = bytes.len() as u64;
            match to.put_named(&path, bytes).await {
                Ok(()) => Ok(Some(size)),
                Err(PutError::Damaged(_)) => Ok(None),
                Err(PutError::Store(e)) => Err(anyhow::Error::new(e)),
                Err(e @ PutError::NotOurs(_)) => Err(anyhow::Error::new(e)),
            }
            .map(|outcome| (path, outcome))
        })
        .buffer_unordered(jobs.max(1));
    while let Some(result) = copies.next().await {
        let (path, outcome) = result?;
        bar.inc(1);
        match outcome {
            Some(size) => {
                done.copied += 1;
                done.bytes += size;
            }
            None => done.damaged.push(path),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_copy_resumes_and_leaves_damaged_files_behind() {
        let dir = tempfile::tempdir().unwrap();
        let from = MediaFiles::open(None, &dir.path().join("a")).unwrap();
        let to = MediaFiles::open(None, &dir.path().join("b")).unwrap();
        let mut paths = Vec::new();
        for n in 0..5 {
            paths.push(
                from.store(format!("picture {n}").as_bytes(), "jpg")
                    .await
                    .unwrap()
                    .path,
            );
        }
        let bar = indicatif::ProgressBar::hidden();
        to.put_named(&paths[0], from.read(&paths[0]).await.unwrap())
            .await
            .unwrap();
        let damaged = dir.path().join("a/media").join(&paths[1]);
        std::fs::write(&damaged, b"bit rot").unwrap();

        let first = copy_all(&from, &to, 2, &bar).await.unwrap();
        assert_eq!(first.present, 1);
        assert_eq!(first.copied, 3);
        assert_eq!(first.damaged, vec![paths[1].clone()]);
        assert!(!to.contains(&paths[1]).await.unwrap());
        for path in [&paths[0], &paths[2], &paths[3], &paths[4]] {
            assert_eq!(to.read(path).await.unwrap(), from.read(path).await.unwrap());
        }

        let again = copy_all(&from, &to, 2, &bar).await.unwrap();
        assert_eq!((again.present, again.copied), (4, 0), "{again:?}");
    }
}
