//! Keeps this node's index true to the database: it tails the change log ([`super::log`]),
//! rebuilds from the articles when the index is missing, unreadable, from another epoch or
//! another language, and tells the page caches when results changed. Text analysis and index
//! writes run on blocking threads; only one catch-up runs at a time.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::analysis::Analysis;
use super::document::Fields;
use super::index::{Live, Mark, SearchIndex};
use super::store;
use crate::articles::service::{self as articles, IndexSource};
use crate::cache::{Changed, Tag};
use crate::db::Db;
use crate::error::AppResult;
use crate::site::settings;

/// Articles read and indexed at a time.
const BATCH: i64 = 500;

/// What a catch-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Caught {
    pub rebuilt: bool,
    pub changes: usize,
}

/// Told how far a rebuild has come: articles indexed, of how many.
pub trait Progress: Send + Sync {
    fn indexed(&self, done: u64, total: u64);
}

/// For rebuilds nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn indexed(&self, _: u64, _: u64) {}
}

pub struct Indexer {
    pub index: Arc<SearchIndex>,
    busy: tokio::sync::Mutex<()>,
}

impl Indexer {
    pub fn new(index: Arc<SearchIndex>) -> Indexer {
        Indexer {
            index,
            busy: tokio::sync::Mutex::new(()),
        }
    }

    /// Brings the index up to the log's head, rebuilding it first when it cannot be caught up.
    pub async fn catch_up(&self, db: &Db, progress: &dyn Progress) -> AppResult<Caught> {
        let _one_at_a_time = self.busy.lock().await;
        if let Err(error) = self.index.follow_current() {
            tracing::warn!(
                %error,
                "cannot open the search index another process built; this node keeps its own \
                 and catches up from the database (`broadsheet search reindex` rebuilds it)"
            );
        }
        let analysis = Analysis::for_site_language(&settings::load(db).await?.language);
        let (epoch, head) = store::head(db).await?;
        let live = match self.index.live() {
            Some(live) if fits(&live.mark(), epoch, head, analysis) => live,
            stale => {
                if let Some(live) = stale {
                    let mark = live.mark();
                    tracing::info!(
                        epoch = mark.epoch,
                        seq = mark.seq,
                        analysis = mark.analysis,
                        "the search index is from another epoch or language; rebuilding it"
                    );
                    // Another language's index still answers meanwhile, if less well.
                    if names_other_articles(&mark, epoch, head) {
                        self.index.retire();
                    }
                }
                self.rebuild_now(db, analysis, progress).await?;
                db.content_changed(index_moved(true));
                return Ok(Caught {
                    rebuilt: true,
                    changes: 0,
                });
            }
        };
        let mut changes = 0;
        let mut entered_or_left = false;
        loop {
            let mark = live.mark();
            let batch = store::changes_after(db, mark.seq, BATCH).await?;
            let Some(&(_, last_seq)) = batch.last() else {
                break;
            };
            let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
            let sources = articles::index_sources(db, &ids).await?;
            let next = Mark {
                seq: last_seq,
                ..mark
            };
            let writing = live.clone();
            entered_or_left |= tokio::task::spawn_blocking(move || {
                let before = writing.published_among(&ids)?;
                let after: HashSet<i64> = sources
                    .iter()
                    .filter(|s| s.status == "published")
                    .map(|s| s.id)
                    .collect();
                let docs = documents(&writing.fields, &sources);
                writing.apply(&ids, docs, next)?;
                anyhow::Ok(before != after)
            })
            .await
            .map_err(anyhow::Error::from)??;
            changes += batch.len();
        }
        if changes > 0 {
            db.content_changed(index_moved(entered_or_left));
        }
        Ok(Caught {
            rebuilt: false,
            changes,
        })
    }

    /// Changes in the log this node's index does not hold yet, or `None` while it has no index
    /// to answer from: for the operator's metrics.
    pub async fn lag(&self, db: &Db) -> AppResult<Option<i64>> {
        let Some(live) = self.index.live() else {
            return Ok(None);
        };
        let (epoch, head) = store::head(db).await?;
        let mark = live.mark();
        Ok(Some(if mark.epoch == epoch {
            (head - mark.seq).max(0)
        } else {
            head
        }))
    }

    /// Stops answering from an index of another archive (replaced while this node was down)
    /// before the server takes requests; the first catch-up then rebuilds it in the background.
    pub async fn retire_if_stale(&self, db: &Db) -> AppResult<()> {
        let (epoch, head) = store::head(db).await?;
        if let Some(live) = self.index.live()
            && names_other_articles(&live.mark(), epoch, head)
        {
            tracing::info!(
                "the search index is of another archive; search answers 503 until rebuilt"
            );
            self.index.retire();
        }
        Ok(())
    }

    /// Builds a new index from every article and puts it in use (`broadsheet search reindex`).
    pub async fn rebuild(&self, db: &Db, progress: &dyn Progress) -> AppResult<()> {
        let _one_at_a_time = self.busy.lock().await;
        let analysis = Analysis::for_site_language(&settings::load(db).await?.language);
        self.rebuild_now(db, analysis, progress).await?;
        db.content_changed(index_moved(true));
        Ok(())
    }

    async fn rebuild_now(
        &self,
        db: &Db,
        analysis: Analysis,
        progress: &dyn Progress,
    ) -> AppResult<()> {
        // The head first: what is written while the rebuild reads is replayed from the log.
        let (epoch, seq) = store::head(db).await?;
        let total = u64::try_from(articles::count_articles(db).await?).unwrap_or(0);
        let root = self.index.root().to_path_buf();
        let name = self.index.new_name();
        let built = Arc::new(
            tokio::task::spawn_blocking(move || Live::create(&root, &name, analysis))
                .await
                .map_err(anyhow::Error::from)??,
        );
        let mut after = 0;
        let mut done = 0;
        loop {
            let ids = articles::ids_after(db, after, BATCH).await?;
            let Some(&last) = ids.last() else {
                break;
            };
            after = last;
            let sources = articles::index_sources(db, &ids).await?;
            done += sources.len() as u64;
            let writing = built.clone();
            tokio::task::spawn_blocking(move || writing.add(documents(&writing.fields, &sources)))
                .await
                .map_err(anyhow::Error::from)??;
            progress.indexed(done, total.max(done));
        }
        let mark = Mark {
            epoch,
            seq,
            analysis: analysis.code().to_string(),
            format: super::document::FORMAT,
        };
        let finishing = built.clone();
        tokio::task::spawn_blocking(move || finishing.apply(&[], Vec::new(), mark))
            .await
            .map_err(anyhow::Error::from)??;
        self.index.switch_to(built)?;
        tracing::info!(articles = done, "the search index is built");
        Ok(())
    }
}

/// Whether an index marked `mark` was built from another archive, or a log this one has not
/// reached: its ids may name other articles now, so it must not answer until rebuilt.
fn names_other_articles(mark: &Mark, epoch: i64, head: i64) -> bool {
    mark.epoch != epoch || mark.seq > head
}

/// Whether an index marked `mark` can be caught up by replaying the log from its mark.
fn fits(mark: &Mark, epoch: i64, head: i64, analysis: Analysis) -> bool {
    mark.epoch == epoch && mark.seq <= head && mark.analysis == analysis.code()
}

/// What this node's index moving reaches: its search results, and its related-articles blocks
/// when stories entered or left the published ones.
fn index_moved(entered_or_left: bool) -> Changed {
    let related = entered_or_left.then_some(Tag::RELATED);
    Changed::only(std::iter::once(Tag::SEARCH).chain(related))
}

fn documents(fields: &Fields, sources: &[IndexSource]) -> Vec<tantivy::TantivyDocument> {
    sources
        .iter()
        .map(|s| fields.document(s, &crate::articles::body::plain_text(&s.body)))
        .collect()
}

/// Catches up every `interval`, for as long as the server runs: after this node's own writes
/// and other nodes' alike, since both go through the log.
pub fn spawn(indexer: Arc<Indexer>, db: Db, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = indexer.catch_up(&db, &Quiet).await {
                error.log_failure("the search index could not catch up; it tries again shortly");
            }
        }
    })
}
