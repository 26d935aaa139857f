//! The most relevant matches a reader may see, and how many there are, without scoring every
//! match.
//!
//! A common word matches a tenth of the archive; scoring each of those matches cost more than
//! the rest of a results page together. Scored alone, a word or an intersection of words lets
//! tantivy skip blocks of postings that cannot reach the best `k` (block-max WAND); a query with
//! the readers' visibility rule inside it cannot, since an exclusion must be checked document by
//! document. So the few documents readers may not see yet (drafts, stories scheduled later) are
//! listed per segment ([`Hidden`]) and turned away as matches come, and a phrase's positions are
//! checked only for the documents whose words score high enough to be kept.
//!
//! The matches are counted exactly up to [`COUNTED`], as many as a reader can page through;
//! past that, counting every match of a common phrase cost as much as finding the best ones,
//! so the count is estimated from the share of the archive read to reach it.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::query::{EnableScoring, Query, Scorer, Weight};
use tantivy::{
    DocAddress, DocId, DocSet, Score, Searcher, SeekDangerResult, SegmentReader, TERMINATED,
};

use super::hidden::Hidden;
use super::recency::Recency;

/// Matches counted one by one before the rest are estimated.
pub const COUNTED: usize = 1000;

/// How many matches a search has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Total {
    pub count: usize,
    /// Whether `count` is an estimate, rounded to two significant figures: there are more than
    /// [`COUNTED`].
    pub estimated: bool,
}

/// The `k` best matches of `scored`, their scores blended with `recency`, that every one of
/// `checks` also matches and readers may see at `recency.now`, best first, and how many such
/// matches there are.
pub fn visible_top(
    searcher: &Searcher,
    scored: &dyn Query,
    checks: &[Box<dyn Query>],
    hidden: &Hidden,
    recency: &Recency,
    k: usize,
) -> tantivy::Result<(Vec<(Score, DocAddress)>, Total)> {
    let weight = scored.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let unscored = EnableScoring::disabled_from_searcher(searcher);
    let check_weights = checks
        .iter()
        .map(|c| c.weight(unscored))
        .collect::<tantivy::Result<Vec<_>>>()?;
    hidden.keep_only(searcher.segment_readers());
    recency.latest.keep_only(searcher.segment_readers());
    let mut turned_away = Vec::new();
    let mut best: Vec<(Score, DocAddress)> = Vec::new();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let segment_ord = u32::try_from(ord).unwrap_or(u32::MAX);
        let now = recency.now;
        let mut visible = Visible::new(reader, hidden.in_segment(reader, now)?, &check_weights)?;
        let blend = recency.in_segment(reader)?;
        let mut heap = Best::new(k);
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            let blended = score * blend.factor(doc);
            if blended > heap.threshold() && visible.admits(doc) {
                heap.push(blended, doc);
            }
            heap.threshold() / blend.most_from(doc)
        })?;
        best.extend(
            heap.into_docs()
                .map(|(score, doc)| (score, DocAddress::new(segment_ord, doc))),
        );
        turned_away.push(visible.hidden);
    }
    best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    best.truncate(k);
    let total = count(searcher, scored, &check_weights, turned_away)?;
    Ok((best, total))
}

/// The matches readers may see, one by one up to [`COUNTED`], then estimated.
fn count(
    searcher: &Searcher,
    scored: &dyn Query,
    check_weights: &[Box<dyn Weight>],
    turned_away: Vec<Arc<[DocId]>>,
) -> tantivy::Result<Total> {
    let weight = scored.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let archive: u64 = searcher
        .segment_readers()
        .iter()
        .map(|r| u64::from(r.max_doc()))
        .sum();
    let mut read_before: u64 = 0;
    let mut count = 0;
    for (reader, hidden) in searcher.segment_readers().iter().zip(turned_away) {
        let mut visible = Visible::new(reader, hidden, check_weights)?;
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if visible.admits(doc) {
                count += 1;
                if count > COUNTED {
                    let read = read_before + u64::from(doc) + 1;
                    return Ok(Total {
                        count: estimate(count, read, archive),
                        estimated: true,
                    });
                }
            }
            doc = scorer.advance();
        }
        read_before += u64::from(reader.max_doc());
    }
    Ok(Total {
        count,
        estimated: false,
    })
}

/// `found` matches in the first `read` documents of `archive`, extrapolated to all of it and
/// rounded to two significant figures.
fn estimate(found: usize, read: u64, archive: u64) -> usize {
    let all = (found as f64) * (archive.max(read) as f64) / (read.max(1) as f64);
    if all < 100.0 {
        return found;
    }
    let unit = 10f64.powi(all.log10().floor() as i32 - 1);
    let rounded = ((all / unit).round() * unit) as usize;
    rounded.max(found)
}

/// Whether a match of one segment may be shown: not deleted, not hidden from readers, and
/// matching every check.
struct Visible<'a> {
    reader: &'a SegmentReader,
    /// Ascending; `hidden[next_hidden..]` are those not passed yet.
    hidden: Arc<[DocId]>,
    next_hidden: usize,
    checks: Vec<Lookup>,
}

impl<'a> Visible<'a> {
    fn new(
        reader: &'a SegmentReader,
        hidden: Arc<[DocId]>,
        checks: &[Box<dyn Weight>],
    ) -> tantivy::Result<Visible<'a>> {
        let checks = checks
            .iter()
            .map(|w| w.scorer(reader, 1.0).map(Lookup::new))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Visible {
            reader,
            hidden,
            next_hidden: 0,
            checks,
        })
    }

    /// `doc` must grow from call to call.
    fn admits(&mut self, doc: DocId) -> bool {
        while self.hidden.get(self.next_hidden).is_some_and(|h| *h < doc) {
            self.next_hidden += 1;
        }
        let hidden = self.hidden.get(self.next_hidden) == Some(&doc);
        let deleted = self
            .reader
            .alive_bitset()
            .is_some_and(|a| a.is_deleted(doc));
        !hidden && !deleted && self.checks.iter_mut().all(|c| c.score_at(doc).is_some())
    }
}

/// A scorer asked about a few documents in ascending order. `seek_danger` checks the one
/// document, where `seek` would read on to the next match (for a phrase, checking positions
/// all the way); it may leave the scorer unable to say where it stands, so the lowest document
/// that can still match is kept here.
pub struct Lookup {
    scorer: Box<dyn Scorer>,
    next: DocId,
}

impl Lookup {
    pub fn new(scorer: Box<dyn Scorer>) -> Lookup {
        let next = scorer.doc();
        Lookup { scorer, next }
    }

    /// The score of `doc`, `None` where it does not match; `doc` must grow from call to call.
    pub fn score_at(&mut self, doc: DocId) -> Option<Score> {
        if doc < self.next {
            return None;
        }
        match self.scorer.seek_danger(doc) {
            SeekDangerResult::Found => {
                self.next = doc + 1;
                Some(self.scorer.score())
            }
            SeekDangerResult::SeekLowerBound(bound) => {
                self.next = bound;
                None
            }
        }
    }
}

/// A scored document, ordered so that the heap's top is the worst kept.
struct Scored(Score, DocId);

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Scored {}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scored {
    /// Lower scores, then later documents, count as greater: they leave first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(self.1.cmp(&other.1))
    }
}

/// The best `k` of a segment's matches.
struct Best {
    k: usize,
    heap: BinaryHeap<Scored>,
}

impl Best {
    fn new(k: usize) -> Best {
        Best {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    fn push(&mut self, score: Score, doc: DocId) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(Scored(score, doc));
        } else if let Some(mut worst) = self.heap.peek_mut()
            && score > worst.0
        {
            *worst = Scored(score, doc);
        }
    }

    /// The score a match must beat to be kept: none until `k` are kept.
    fn threshold(&self) -> Score {
        match self.heap.peek() {
            Some(worst) if self.heap.len() == self.k => worst.0,
            _ => Score::MIN,
        }
    }

    fn into_docs(self) -> impl Iterator<Item = (Score, DocId)> {
        self.heap.into_iter().map(|Scored(score, doc)| (score, doc))
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Bound;

    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{
        BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query, QueryClone, RangeQuery, TermQuery,
    };
    use tantivy::schema::{FAST, INDEXED, IndexRecordOption, STRING, Schema, TEXT};
    use tantivy::{Index, IndexWriter, TantivyDocument, Term, doc};

    use super::{Best, estimate, visible_top};
    use crate::search::document::PUBLISHED;
    use crate::search::hidden::Hidden;
    use crate::search::recency::{self, Latest, Recency};

    const DAY: i64 = 86_400_000_000;

    /// Against the plain way (the exclusion inside the query, every match scored and blended
    /// with recency), on an index of several segments with deleted and hidden documents, their
    /// times newest first as the index keeps them, with a few out of order.
    #[test]
    fn finds_what_scoring_every_match_finds() -> tantivy::Result<()> {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let key = schema.add_text_field("key", STRING);
        let visible_from = schema.add_i64_field("visible_from", INDEXED);
        let published = schema.add_i64_field(PUBLISHED, FAST);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter<TantivyDocument> = index.writer(15_000_000)?;
        let words = ["harbour", "grain", "treaty", "vote", "storm"];
        for n in 0..600_i64 {
            let mut body = String::new();
            for (i, word) in words.iter().enumerate() {
                let times = (n * 7 + i as i64 * 3) % 5;
                for _ in 0..times {
                    body.push_str(word);
                    body.push(' ');
                }
            }
            body.push_str(&"filler ".repeat(usize::try_from(n % 13).unwrap_or(0)));
            let hidden = if n % 11 == 0 { i64::MAX } else { n };
            let days_old = if n % 97 == 50 { 1 } else { n / 3 };
            writer.add_document(doc!(
                text => body,
                key => n.to_string(),
                visible_from => hidden,
                published => (400 - days_old) * DAY,
            ))?;
            if n % 200 == 199 {
                writer.commit()?;
            }
        }
        for n in (0..600).step_by(17) {
            writer.delete_term(Term::from_field_text(key, &n.to_string()));
        }
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        assert!(searcher.segment_readers().len() > 1);
        let hidden = RangeQuery::new(
            Bound::Excluded(Term::from_field_i64(visible_from, 1_000)),
            Bound::Unbounded,
        );
        let unseen = Hidden::new(visible_from);
        let latest = Latest::new();
        for words in [
            &["harbour"][..],
            &["grain", "storm"],
            &["treaty", "vote", "harbour"],
        ] {
            let terms: Vec<Box<dyn Query>> = words
                .iter()
                .map(|w| {
                    Box::new(TermQuery::new(
                        Term::from_field_text(text, w),
                        IndexRecordOption::WithFreqs,
                    )) as Box<dyn Query>
                })
                .collect();
            let query = BooleanQuery::intersection(terms);
            for (k, weight) in [(1, 0.3), (10, 0.3), (100, 0.3), (10, 0.0), (10, 1.0)] {
                let now = 400 * DAY;
                let recency = Recency {
                    now,
                    weight,
                    latest: &latest,
                };
                let (found, total) = visible_top(&searcher, &query, &[], &unseen, &recency, k)?;
                let plain = BooleanQuery::new(vec![
                    (Occur::Must, query.box_clone()),
                    (Occur::MustNot, hidden.box_clone()),
                ]);
                let blended =
                    TopDocs::with_limit(k).tweak_score(recency::tweak(now, weight, false));
                let (expected, expected_total) = searcher.search(&plain, &(blended, Count))?;
                assert_eq!(total.count, expected_total, "{words:?}");
                assert!(!total.estimated);
                let scores = |hits: &[(f32, tantivy::DocAddress)]| -> Vec<String> {
                    hits.iter().map(|(s, _)| format!("{s:.4}")).collect()
                };
                assert_eq!(
                    scores(&found),
                    scores(&expected),
                    "{words:?} top {k}, weight {weight}"
                );
            }
        }
        Ok(())
    }

    /// A phrase checked only where the words score high enough finds what the phrase inside
    /// the query finds; past [`super::COUNTED`] matches the count is an estimate near the truth.
    #[test]
    fn checks_find_what_the_whole_query_finds_and_large_counts_are_estimated() -> tantivy::Result<()>
    {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let visible_from = schema.add_i64_field("visible_from", INDEXED);
        schema.add_i64_field(PUBLISHED, FAST);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter<TantivyDocument> = index.writer(15_000_000)?;
        for n in 0..3000_i64 {
            let body = match n % 3 {
                0 => "grain deal signed at the port",
                1 => "the port signed a deal for grain",
                _ => "storm at sea",
            };
            let extra = "grain ".repeat(usize::try_from(n % 4).unwrap_or(0));
            let hidden = if n % 10 == 0 { i64::MAX } else { n };
            writer.add_document(doc!(text => format!("{body} {extra}"), visible_from => hidden))?;
        }
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        let hidden = RangeQuery::new(
            Bound::Excluded(Term::from_field_i64(visible_from, 10_000)),
            Bound::Unbounded,
        );
        let unseen = Hidden::new(visible_from);
        let latest = Latest::new();
        let unblended = Recency {
            now: 10_000,
            weight: 0.0,
            latest: &latest,
        };
        let term = |w: &str| Term::from_field_text(text, w);
        let words: Vec<Box<dyn Query>> = ["grain", "deal"]
            .iter()
            .map(|w| {
                Box::new(TermQuery::new(term(w), IndexRecordOption::WithFreqs)) as Box<dyn Query>
            })
            .collect();
        let scored = BooleanQuery::intersection(words);
        let phrase: Box<dyn Query> = Box::new(PhraseQuery::new(vec![term("grain"), term("deal")]));
        let (found, total) = visible_top(
            &searcher,
            &scored,
            &[phrase.box_clone()],
            &unseen,
            &unblended,
            10,
        )?;
        let plain = BooleanQuery::new(vec![
            (Occur::Must, scored.box_clone()),
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(phrase, 0.0)) as Box<dyn Query>,
            ),
            (Occur::MustNot, hidden.box_clone()),
        ]);
        let (expected, expected_total) =
            searcher.search(&plain, &(TopDocs::with_limit(10).order_by_score(), Count))?;
        assert_eq!(
            expected_total, 900,
            "a third of the archive, less the hidden tenth"
        );
        assert_eq!(total.count, 900);
        assert!(!total.estimated);
        assert_eq!(found, expected);

        let (_, total) = visible_top(&searcher, &scored, &[], &unseen, &unblended, 10)?;
        assert!(total.estimated, "1,800 matches are more than are counted");
        assert!((1700..=1900).contains(&total.count), "{total:?}");
        Ok(())
    }

    #[test]
    fn estimates_extrapolate_and_round_to_two_figures() {
        assert_eq!(estimate(1001, 12_345, 100_000), 8100);
        assert_eq!(
            estimate(1001, 100_000, 100_000),
            1001,
            "never below what was counted"
        );
        assert_eq!(estimate(1001, 50, 100_000), 2_000_000);
        assert_eq!(estimate(1001, 0, 0), 1001);
    }

    #[test]
    fn keeps_the_best_and_raises_the_bar() {
        let mut best = Best::new(2);
        assert_eq!(best.threshold(), f32::MIN);
        best.push(1.0, 1);
        assert_eq!(best.threshold(), f32::MIN, "no bar until k are kept");
        best.push(3.0, 2);
        assert_eq!(best.threshold(), 1.0);
        best.push(0.5, 3);
        best.push(2.0, 4);
        assert_eq!(best.threshold(), 2.0);
        let mut kept: Vec<_> = best.into_docs().map(|(_, d)| d).collect();
        kept.sort_unstable();
        assert_eq!(kept, vec![2, 4]);
    }
}
