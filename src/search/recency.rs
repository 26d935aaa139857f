//! Recency in the ranking: a match's relevance is multiplied by `1 + w · 2^(−age / 30 days)`,
//! where `w` is the site's recency setting (0 to 1). With the default 0.3 a story from today
//! outranks an equally relevant one from last year by 30 %, one from a month ago by 15 %.
//!
//! The factor weighs on every match, and the best are still found without scoring them all.
//! tantivy skips the postings whose words cannot beat the bar the kept results set, and here
//! that bar is divided by the largest factor a document still to come can have. The index keeps
//! its documents newest first (see [`super::index`]), so once the recent ones are passed the
//! bar is nearly the plain one again and the old archive is skipped as if recency did not
//! count. Each segment's latest publication time from each block of documents on is read
//! once and kept ([`Latest`]).

use std::sync::Arc;

use tantivy::columnar::ColumnValues;
use tantivy::{DocId, Score, SegmentReader};

use super::document;
use super::segments::PerSegment;

/// The age at which a story's recency bonus has halved.
pub const HALF_LIFE_SECONDS: f64 = 30.0 * 86_400.0;
/// Documents per block of [`Latest`].
const BLOCK: u32 = 128;

/// `1 + weight · 2^(−age / half-life)`; a future time counts as new, a missing one (0) as
/// long past.
pub fn factor(now_micros: i64, published_micros: i64, weight: f64) -> Score {
    for_age(now_micros.saturating_sub(published_micros), weight)
}

/// The factor of an age in microseconds; a negative age counts as none.
fn for_age(age_micros: i64, weight: f64) -> Score {
    let age = age_micros.max(0) as f64 / 1e6;
    (1.0 + weight * (-age / HALF_LIFE_SECONDS).exp2()) as Score
}

/// A segment's publication times.
pub fn published(reader: &SegmentReader) -> tantivy::Result<Arc<dyn ColumnValues<i64>>> {
    Ok(reader
        .fast_fields()
        .i64(document::PUBLISHED)?
        .first_or_default_col(0))
}

/// Per segment, for each block of [`BLOCK`] documents, the latest publication time in that
/// block and every block after it.
pub struct Latest {
    per_segment: PerSegment<Arc<[i64]>>,
}

impl Latest {
    pub fn new() -> Latest {
        Latest {
            per_segment: PerSegment::new(),
        }
    }

    fn in_segment(&self, reader: &SegmentReader) -> tantivy::Result<Arc<[i64]>> {
        self.per_segment
            .get(reader, |_| true, || latest_from_each_block(reader))
    }

    /// Forgets the segments not among `searched` (merged away or deleted).
    pub fn keep_only(&self, searched: &[SegmentReader]) {
        self.per_segment.keep_only(searched);
    }
}

fn latest_from_each_block(reader: &SegmentReader) -> tantivy::Result<Arc<[i64]>> {
    let published = published(reader)?;
    let blocks = reader.max_doc().div_ceil(BLOCK);
    let mut latest = vec![i64::MIN; blocks as usize];
    let mut running = i64::MIN;
    for block in (0..blocks).rev() {
        let docs = block * BLOCK..((block + 1) * BLOCK).min(reader.max_doc());
        for doc in docs {
            running = running.max(published.get_val(doc));
        }
        latest[block as usize] = running;
    }
    Ok(latest.into())
}

/// The recency blend of one search: its time and weight.
pub struct Recency<'a> {
    pub now: i64,
    pub weight: f64,
    pub latest: &'a Latest,
}

impl Recency<'_> {
    pub fn in_segment(&self, reader: &SegmentReader) -> tantivy::Result<SegmentRecency> {
        Ok(SegmentRecency {
            published: published(reader)?,
            latest: self.latest.in_segment(reader)?,
            now: self.now,
            weight: self.weight,
        })
    }

    /// This blend as a [`tantivy::collector::TopDocs`] tweak, for the searches that score every
    /// match anyway.
    pub fn blend(
        &self,
    ) -> impl Fn(&SegmentReader) -> Box<dyn Fn(DocId, Score) -> Score> + Send + Sync + 'static {
        tweak(self.now, self.weight, false)
    }
}

pub struct SegmentRecency {
    published: Arc<dyn ColumnValues<i64>>,
    latest: Arc<[i64]>,
    now: i64,
    weight: f64,
}

impl SegmentRecency {
    pub fn factor(&self, doc: DocId) -> Score {
        factor(self.now, self.published.get_val(doc), self.weight)
    }

    /// The largest factor of `doc` and the documents after it.
    pub fn most_from(&self, doc: DocId) -> Score {
        let latest = self
            .latest
            .get((doc / BLOCK) as usize)
            .copied()
            .unwrap_or(i64::MAX);
        factor(self.now, latest, self.weight)
    }
}

/// Scores multiplied by the factor of their documents' nearness to `at` (either way when
/// `both_ways`, else only older documents lose), as a [`tantivy::collector::TopDocs`] tweak:
/// for the searches that score every match anyway.
pub fn tweak(
    at: i64,
    weight: f64,
    both_ways: bool,
) -> impl Fn(&SegmentReader) -> Box<dyn Fn(DocId, Score) -> Score> + Send + Sync + 'static {
    move |segment| {
        let Ok(published) = published(segment) else {
            return Box::new(|_, score| score);
        };
        Box::new(move |doc, score| {
            let age = at.saturating_sub(published.get_val(doc));
            let age = if both_ways { age.saturating_abs() } else { age };
            score * for_age(age, weight)
        })
    }
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{FAST, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument, doc};

    use super::{BLOCK, Latest, Recency, factor};
    use crate::search::document::PUBLISHED;

    const DAY: i64 = 86_400_000_000;

    #[test]
    fn halves_every_thirty_days() {
        let now = 400 * DAY;
        assert!((factor(now, now, 0.3) - 1.3).abs() < 1e-6);
        assert!((factor(now, now - 30 * DAY, 0.3) - 1.15).abs() < 1e-6);
        assert!(
            (factor(now, now + DAY, 0.3) - 1.3).abs() < 1e-6,
            "future counts as new"
        );
        assert!(
            (factor(now, 0, 0.3) - 1.0).abs() < 1e-4,
            "missing counts as old"
        );
        assert!((factor(now, now - 30 * DAY, 0.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn the_most_a_later_document_has_falls_as_the_documents_age() -> tantivy::Result<()> {
        let mut schema = Schema::builder();
        let published = schema.add_i64_field(PUBLISHED, FAST);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter<TantivyDocument> = index.writer(15_000_000)?;
        // Newest first, except one recent story deep in the second block.
        let count = 3 * BLOCK as i64;
        for n in 0..count {
            let when = if n == BLOCK as i64 + 5 {
                1000
            } else {
                1000 - n
            };
            writer.add_document(doc!(published => when * DAY))?;
        }
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        let segment = searcher.segment_reader(0);
        let latest = Latest::new();
        let recency = Recency {
            now: 1000 * DAY,
            weight: 0.3,
            latest: &latest,
        };
        let blend = recency.in_segment(segment)?;
        assert!((blend.most_from(0) - 1.3).abs() < 1e-6);
        assert!((blend.most_from(BLOCK + 6) - 1.3).abs() < 1e-6, "its block");
        let third = blend.most_from(2 * BLOCK);
        let newest_of_third = factor(1000 * DAY, (1000 - 2 * BLOCK as i64) * DAY, 0.3);
        assert!((third - newest_of_third).abs() < 1e-6, "{third}");
        assert!((blend.factor(2) - factor(1000 * DAY, 998 * DAY, 0.3)).abs() < 1e-6);
        for doc in 0..segment.max_doc() {
            assert!(blend.most_from(doc) >= blend.factor(doc));
        }
        latest.keep_only(&[]);
        assert_eq!(latest.per_segment.len(), 0);
        Ok(())
    }
}
