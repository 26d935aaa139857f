//! `broadsheet search …`: rebuild this node's index from the database, and report on it.

use std::sync::Arc;

use super::index::SearchIndex;
use super::indexer::{Indexer, Progress};
use crate::commands;
use crate::config::{Common, SearchCommand};

/// A progress bar on the terminal for a rebuild.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn indexed(&self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }
}

pub async fn run(common: &Common, command: SearchCommand) -> anyhow::Result<()> {
    let (data_dir, db) = commands::open(common).await?;
    let result = match command {
        SearchCommand::Reindex => {
            let indexer = Indexer::new(Arc::new(SearchIndex::open(&data_dir)));
            let bar = indicatif::ProgressBar::new(0).with_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} articles indexed, {per_sec}, {eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let rebuilt = indexer.rebuild(&db, &Bar(bar.clone())).await;
            bar.finish_and_clear();
            rebuilt.map_err(|e| anyhow::anyhow!("cannot rebuild the search index: {e}"))?;
            println!(
                "The search index in {} holds {} articles, built in {:.1} s. A server on this \
                 data dir switches to it within a second.",
                indexer.index.root().display(),
                indexer
                    .index
                    .live()
                    .map_or(0, |l| l.reader.searcher().num_docs()),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    };
    db.close().await;
    result
}
