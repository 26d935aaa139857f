//! This node's index on local disk: `search/` in the data dir holds one or more index folders
//! and `CURRENT`, the name of the one in use. A rebuild writes a new folder beside the old one
//! and only then points `CURRENT` at it, so readers keep the old results meanwhile and a crash
//! halfway leaves the old index in use; folders older than the current one are removed.
//!
//! Each commit carries a [`Mark`]: the log epoch and sequence number it has caught up to and the
//! analysis it was built with. The mark and the documents commit together, so after a crash the
//! indexer resumes exactly where the last commit stopped.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    Index, IndexReader, IndexSettings, IndexSortByField, IndexWriter, Order, ReloadPolicy,
    TantivyDocument, Term,
};

use super::analysis::Analysis;
use super::document::{self, Fields};
use super::hidden::Hidden;
use super::recency::Latest;

/// Memory the writer buffers before it writes a segment, over all its threads.
const WRITER_BYTES: usize = 64 * 1024 * 1024;
const CURRENT: &str = "CURRENT";
/// Stored articles are compressed in blocks of about this size, and a result's text costs the
/// decompression of its whole block: tantivy's default (16 KiB, three or four articles) made
/// fetching a page of results cost a tenth of the search, for a store a little smaller.
const STORE_BLOCK_BYTES: usize = 4 * 1024;
/// Decompressed store blocks kept per segment, about 2 MiB: tantivy's default of 100 held
/// fewer stories than a few dozen popular searches show, so their pages decompressed their
/// results again each time (a twelfth of a results page's work).
const STORE_CACHE_BLOCKS: usize = 500;

/// How far an index has caught up, kept with each commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub epoch: i64,
    pub seq: i64,
    pub analysis: String,
    /// The [`document::FORMAT`] the documents were built with.
    pub format: u32,
}

/// An open index, searchable through `reader`. A writer is opened only to write and closed
/// after, so the index on disk is never locked between writes: another process (a restarted
/// node, `search reindex`) can take it over at any time.
pub struct Live {
    name: String,
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    /// What readers may not see yet, per segment, kept between searches.
    pub hidden: Hidden,
    /// How recent each segment's documents are, kept between searches.
    pub latest: Latest,
    /// The writer of a rebuild in progress, which commits once, at its end.
    building: Mutex<Option<IndexWriter<TantivyDocument>>>,
    mark: Mutex<Mark>,
}

impl Live {
    fn open(dir: &Path, name: &str) -> anyhow::Result<Live> {
        let index = Index::open_in_dir(dir.join(name))?;
        let mark: Mark = index
            .load_metas()?
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .context("the index has no record of what it holds")?;
        anyhow::ensure!(
            mark.format == document::FORMAT,
            "the index was built by another version of Broadsheet"
        );
        Analysis::for_code(&mark.analysis)
            .context("the index was built with an unknown analysis")?
            .register(&index);
        let fields = Fields::from_schema(&index.schema())?;
        Live::ready(name, index, fields, mark)
    }

    /// A new, empty index in `dir/name`, marked as not caught up to anything.
    pub fn create(dir: &Path, name: &str, analysis: Analysis) -> anyhow::Result<Live> {
        let path = dir.join(name);
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let (schema, fields) = Fields::schema();
        let settings = IndexSettings {
            docstore_blocksize: STORE_BLOCK_BYTES,
            sort_by_field: Some(IndexSortByField {
                field: document::PUBLISHED.to_string(),
                order: Order::Desc,
            }),
            ..IndexSettings::default()
        };
        let index = Index::builder()
            .schema(schema)
            .settings(settings)
            .create_in_dir(&path)?;
        analysis.register(&index);
        let mark = Mark {
            epoch: 0,
            seq: 0,
            analysis: analysis.code().to_string(),
            format: document::FORMAT,
        };
        Live::ready(name, index, fields, mark)
    }

    fn ready(name: &str, index: Index, fields: Fields, mark: Mark) -> anyhow::Result<Live> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(STORE_CACHE_BLOCKS)
            .try_into()?;
        Ok(Live {
            name: name.to_string(),
            index,
            reader,
            hidden: Hidden::new(fields.visible_from),
            latest: Latest::new(),
            fields,
            building: Mutex::new(None),
            mark: Mutex::new(mark),
        })
    }

    pub fn mark(&self) -> Mark {
        self.mark
            .lock()
            .map(|m| m.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// The analyzer of a text field, for reading a query the way the field was indexed.
    pub fn analyzer(&self, field: Field) -> anyhow::Result<TextAnalyzer> {
        Ok(self.index.tokenizer_for_field(field)?)
    }

    /// Replaces the documents of `ids` with `docs` (an id without a document is removed) and
    /// commits with `mark`. Blocking: run it off the async threads.
    pub fn apply(&self, ids: &[i64], docs: Vec<TantivyDocument>, mark: Mark) -> anyhow::Result<()> {
        let mut building = self
            .building
            .lock()
            .map_err(|_| anyhow::anyhow!("the index writer failed earlier"))?;
        let rebuilt = building.is_some();
        let mut writer = match building.take() {
            Some(writer) => writer,
            None => self.index.writer(WRITER_BYTES)?,
        };
        for id in ids {
            writer.delete_term(self.fields.id_term(*id));
        }
        for doc in docs {
            writer.add_document(doc)?;
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&serde_json::to_string(&mark)?);
        commit.commit()?;
        if rebuilt {
            // A rebuilt index is read far more than it is written: one segment answers a
            // query with one lookup per term, where the writer's threads left several.
            let segments = self.index.searchable_segment_ids()?;
            if segments.len() > 1 {
                writer.merge(&segments).wait()?;
            }
        }
        // Merges the commit started finish before the writer lets go of the index.
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        if let Ok(mut m) = self.mark.lock() {
            *m = mark;
        }
        Ok(())
    }

    /// Which of `ids` the index holds as published. Compared before and after a batch, it tells
    /// whether stories entered or left what related-articles blocks choose from.
    pub fn published_among(&self, ids: &[i64]) -> anyhow::Result<HashSet<i64>> {
        let searcher = self.reader.searcher();
        let published = Term::from_field_text(self.fields.status, "published");
        let mut found = HashSet::new();
        for id in ids {
            let query = BooleanQuery::intersection(vec![
                Box::new(TermQuery::new(
                    self.fields.id_term(*id),
                    IndexRecordOption::Basic,
                )),
                Box::new(TermQuery::new(published.clone(), IndexRecordOption::Basic)),
            ]);
            if searcher.search(&query, &Count)? > 0 {
                found.insert(*id);
            }
        }
        Ok(found)
    }

    /// Adds documents to a new index without committing: a rebuild commits once, at its end.
    pub fn add(&self, docs: Vec<TantivyDocument>) -> anyhow::Result<()> {
        let mut building = self
            .building
            .lock()
            .map_err(|_| anyhow::anyhow!("the index writer failed earlier"))?;
        if building.is_none() {
            *building = Some(self.index.writer(WRITER_BYTES)?);
        }
        let Some(writer) = building.as_ref() else {
            return Ok(());
        };
        for doc in docs {
            writer.add_document(doc)?;
        }
        Ok(())
    }
}

/// The node's index folder and the index in use, if there is one that can be read.
pub struct SearchIndex {
    root: PathBuf,
    live: RwLock<Option<Arc<Live>>>,
    /// The folder `CURRENT` named when this process last looked: only a change of it means
    /// another process built a new index (ours may be out of use, or unreadable).
    followed: Mutex<Option<String>>,
}

impl SearchIndex {
    /// Opens the index in use under `data_dir`. A missing or unreadable index is not an error:
    /// the node serves without search until the indexer has rebuilt it.
    pub fn open(data_dir: &Path) -> SearchIndex {
        let root = data_dir.join("search");
        let current = current_name(&root);
        let live = match &current {
            Some(name) => match Live::open(&root, name) {
                Ok(live) => Some(Arc::new(live)),
                Err(error) => {
                    tracing::warn!(
                        %error,
                        dir = %root.join(name).display(),
                        "the search index cannot be read; it will be rebuilt from the database, \
                         and search answers 503 until then"
                    );
                    None
                }
            },
            None => {
                tracing::info!(
                    dir = %root.display(),
                    "no search index yet; building it from the database"
                );
                None
            }
        };
        SearchIndex {
            root,
            live: RwLock::new(live),
            followed: Mutex::new(current),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The index in use, or `None` while there is none (search answers 503 then).
    pub fn live(&self) -> Option<Arc<Live>> {
        self.live.read().ok().and_then(|l| l.clone())
    }

    /// Takes the index out of use (search answers 503) until a rebuild puts another in.
    pub fn retire(&self) {
        if let Ok(mut slot) = self.live.write() {
            *slot = None;
        }
    }

    /// Whether another process (`broadsheet search reindex`) put a newer index in use; if so it
    /// is opened in place of ours.
    pub fn follow_current(&self) -> anyhow::Result<bool> {
        let Some(name) = current_name(&self.root) else {
            return Ok(false);
        };
        let mut followed = self
            .followed
            .lock()
            .map_err(|_| anyhow::anyhow!("the index folder's record failed earlier"))?;
        if followed.as_deref() == Some(name.as_str()) {
            return Ok(false);
        }
        *followed = Some(name.clone());
        drop(followed);
        let opened = Arc::new(Live::open(&self.root, &name)?);
        self.put_in_use(opened);
        Ok(true)
    }

    /// A name for a new index folder, later than every existing one.
    pub fn new_name(&self) -> String {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros());
        format!("index-{micros:020}")
    }

    /// Makes `built` the index in use, on disk and here, and removes older folders.
    pub fn switch_to(&self, built: Arc<Live>) -> anyhow::Result<()> {
        let tmp = self.root.join("CURRENT.tmp");
        std::fs::write(&tmp, &built.name)?;
        std::fs::rename(&tmp, self.root.join(CURRENT))?;
        self.put_in_use(built);
        Ok(())
    }

    fn put_in_use(&self, live: Arc<Live>) {
        let name = live.name.clone();
        if let Ok(mut followed) = self.followed.lock() {
            *followed = Some(name.clone());
        }
        if let Ok(mut slot) = self.live.write() {
            *slot = Some(live);
        }
        remove_older(&self.root, &name);
    }
}

fn current_name(root: &Path) -> Option<String> {
    let name = std::fs::read_to_string(root.join(CURRENT)).ok()?;
    let name = name.trim();
    is_index_name(name).then(|| name.to_string())
}

fn is_index_name(name: &str) -> bool {
    name.strip_prefix("index-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Removes index folders older than `current`; newer ones may be a rebuild in progress.
fn remove_older(root: &Path, current: &str) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_index_name(&name)
            && name.as_str() < current
            && let Err(error) = std::fs::remove_dir_all(entry.path())
        {
            tracing::warn!(
                %error,
                dir = %entry.path().display(),
                "cannot remove an old search index; it only takes disk space: delete the folder"
            );
        }
    }
}
