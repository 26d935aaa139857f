//! The most relevant matches a reader may see, and how many there are, without scoring every
//! match.
//!
//! A common word matches a tenth of the archive; scoring each of those matches cost more than
//! the rest of a results page together. Scored alone, a word or an intersection of words lets
//! tantivy skip blocks of postings that cannot reach the best `k` (block-max WAND); a query with
//! the readers' visibility rule inside it cannot, since an exclusion must be checked document by
//! document. So the few documents readers may not see yet (drafts, stories scheduled later) are
//! listed once per segment and turned away as matches come, and the count is the matches of the
//! words less those of them that are hidden: neither count scores anything.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, TERMINATED};

/// The `k` best-scoring matches of `text` that `hidden` does not match, best first, and the
/// number of all such matches.
pub fn visible_top(
    searcher: &Searcher,
    text: &dyn Query,
    hidden: &dyn Query,
    k: usize,
) -> tantivy::Result<(Vec<(Score, DocAddress)>, usize)> {
    let weight = text.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let hidden_weight = hidden.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut best: Vec<(Score, DocAddress)> = Vec::new();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let segment_ord = u32::try_from(ord).unwrap_or(u32::MAX);
        let mut turned_away = Vec::new();
        let mut scorer = hidden_weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            turned_away.push(doc);
            doc = scorer.advance();
        }
        let alive = reader.alive_bitset();
        let mut heap = Best::new(k);
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            let gone = alive.is_some_and(|a| a.is_deleted(doc));
            if !gone && turned_away.binary_search(&doc).is_err() {
                heap.push(score, doc);
            }
            heap.threshold()
        })?;
        best.extend(
            heap.into_docs()
                .map(|(score, doc)| (score, DocAddress::new(segment_ord, doc))),
        );
    }
    best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    best.truncate(k);
    let all = searcher.search(text, &Count)?;
    let hidden_matches = BooleanQuery::new(vec![
        (Occur::Must, text.box_clone()),
        (Occur::Must, hidden.box_clone()),
    ]);
    let hidden_count = searcher.search(&hidden_matches, &Count)?;
    Ok((best, all.saturating_sub(hidden_count)))
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
        } else if let Some(worst) = self.heap.peek()
            && score > worst.0
        {
            self.heap.pop();
            self.heap.push(Scored(score, doc));
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
    use tantivy::query::{BooleanQuery, Occur, Query, QueryClone, RangeQuery, TermQuery};
    use tantivy::schema::{INDEXED, IndexRecordOption, STRING, Schema, TEXT};
    use tantivy::{Index, IndexWriter, TantivyDocument, Term, doc};

    use super::{Best, visible_top};

    /// Against the plain way (the exclusion inside the query, every match scored), on an index
    /// of several segments with deleted and hidden documents.
    #[test]
    fn finds_what_scoring_every_match_finds() -> tantivy::Result<()> {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let key = schema.add_text_field("key", STRING);
        let visible_from = schema.add_i64_field("visible_from", INDEXED);
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
            writer
                .add_document(doc!(text => body, key => n.to_string(), visible_from => hidden))?;
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
            for k in [1, 10, 100] {
                let (found, total) = visible_top(&searcher, &query, &hidden, k)?;
                let plain = BooleanQuery::new(vec![
                    (Occur::Must, query.box_clone()),
                    (Occur::MustNot, hidden.box_clone()),
                ]);
                let (expected, expected_total) =
                    searcher.search(&plain, &(TopDocs::with_limit(k).order_by_score(), Count))?;
                assert_eq!(total, expected_total, "{words:?}");
                let scores = |hits: &[(f32, tantivy::DocAddress)]| -> Vec<String> {
                    hits.iter().map(|(s, _)| format!("{s:.4}")).collect()
                };
                assert_eq!(scores(&found), scores(&expected), "{words:?} top {k}");
            }
        }
        Ok(())
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
