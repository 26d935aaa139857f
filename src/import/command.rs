//! `broadsheet import …`: runs an import with a progress bar on a terminal (plain log lines
//! otherwise) and prints its summary; a file the importer cannot read is named with the line and
//! column where reading stopped.

use std::io::IsTerminal;

use std::sync::Arc;

use anyhow::Context;
use std::time::{Duration, Instant};

use super::service::{self, ImportError, Options, Progress};
use crate::clock::Clock;
use crate::commands;
use crate::config::{Common, ExportCommand, ImportCommand};
use crate::media::images::ImageService;

/// How often a log line reports progress when there is no terminal to draw a bar on.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// A bar on a terminal; log lines every few seconds elsewhere.
struct Report {
    bar: Option<indicatif::ProgressBar>,
    pass: std::cell::Cell<&'static str>,
    done: std::cell::Cell<u64>,
    last_log: std::cell::Cell<Instant>,
}

impl Report {
    fn new() -> Self {
        Report {
            bar: std::io::stderr()
                .is_terminal()
                .then(indicatif::ProgressBar::new_spinner),
            pass: std::cell::Cell::new(""),
            done: std::cell::Cell::new(0),
            last_log: std::cell::Cell::new(Instant::now()),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Report {
    fn pass(&self, name: &'static str, total: Option<u64>) {
        self.pass.set(name);
        self.done.set(0);
        match &self.bar {
            Some(bar) => {
                let template = match total {
                    Some(_) => "{msg}: {bar:30} {pos}/{len} items, {per_sec}, {eta} left",
                    None => "{msg}: {pos} items, {per_sec}",
                };
                bar.set_style(
                    indicatif::ProgressStyle::with_template(template)
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.set_message(name);
                bar.set_position(0);
                bar.set_length(total.unwrap_or(0));
            }
            None => tracing::info!(total, "{name}"),
        }
    }

    fn advance(&self) {
        self.done.set(self.done.get() + 1);
        match &self.bar {
            Some(bar) => bar.inc(1),
            None if self.last_log.get().elapsed() >= LOG_EVERY => {
                self.last_log.set(Instant::now());
                tracing::info!(items = self.done.get(), "{}", self.pass.get());
            }
            None => {}
        }
    }
}

pub async fn run(common: &Common, command: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Wordpress(args) = command;
    let (data_dir, db) = commands::open(common).await?;
    if let Some(uploads) = &args.uploads
        && !uploads.is_dir()
    {
        anyhow::bail!("--uploads {}: no such folder", uploads.display());
    }
    let fetch_media = match args.fetch_media {
        true => Some(Arc::new(ImageService::new(
            args.images.config()?,
            &data_dir,
        )?)),
        false => None,
    };
    let options = Options {
        uploads: args.uploads.clone(),
        fetch_media,
        create_accounts: args.create_accounts,
        dry_run: args.dry_run,
    };
    let report = Report::new();
    let started = Instant::now();
    let files = common.media_files(&data_dir)?;
    let outcome = service::run(&db, &Clock::System, &files, &args.file, &options, &report).await;
    report.finish();
    db.close().await;
    let file = args.file.display();
    let summary = match outcome {
        Ok(summary) => summary,
        Err(ImportError::Format(e)) => {
            anyhow::bail!("{file}:{}:{}: {}", e.line, e.column, e.message)
        }
        Err(ImportError::Item { line, message }) => anyhow::bail!(
            "{file}:{line}: {message}; everything before this item was imported, nothing after"
        ),
        Err(ImportError::Io(e)) => anyhow::bail!("{file}: {e}"),
        Err(ImportError::Failed(e)) => anyhow::bail!("{file}: the import stopped: {e}"),
    };
    print!("{summary}");
    println!("Done in {:.1} s.", started.elapsed().as_secs_f64());
    if summary.problems() > 0 {
        anyhow::bail!(
            "{} items could not be imported (listed above); the rest were",
            summary.problems()
        );
    }
    Ok(())
}

pub async fn export(common: &Common, command: ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::Wordpress(args) = command;
    let (_, db) = commands::open(common).await?;
    let now = Clock::System.now();
    let written = match &args.output {
        Some(path) => {
            let partial = path.with_extension("part");
            let file = std::fs::File::create(&partial)
                .with_context(|| format!("cannot write {}", partial.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let written = super::export::write_wxr(&db, now, &mut out).await;
            drop(out);
            if written.is_ok() {
                std::fs::rename(&partial, path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            written
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            super::export::write_wxr(&db, now, &mut out).await
        }
    };
    db.close().await;
    let done = written.map_err(|e| anyhow::anyhow!("the export stopped: {e}"))?;
    eprintln!(
        "Exported {} posts, {} pages, {} comments, {} attachments, {} categories, {} tags and {} \
         authors.",
        done.posts,
        done.pages,
        done.comments,
        done.attachments,
        done.categories,
        done.tags,
        done.authors
    );
    Ok(())
}
