//! The articles readers may not see yet — drafts and the like, stories scheduled for later — per
//! segment of the index, kept between searches. Every reader's search turns them away (see
//! [`super::top`]); listing them afresh each time cost a twentieth of a search, yet the list
//! changes only when a scheduled story's time comes (a segment's documents never change; a
//! write adds a segment, and deletions are checked apart).

use std::sync::Arc;

use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, SegmentReader, TERMINATED, Term};

use super::segments::PerSegment;

/// The lists of one index, for its `visible_from` field.
pub struct Hidden {
    field: Field,
    lists: PerSegment<Listed>,
}

#[derive(Clone)]
struct Listed {
    /// The time the list was made for, and the first time after it at which a listed document
    /// becomes visible: the list holds for every time in between.
    from: i64,
    until: i64,
    docs: Arc<[DocId]>,
}

impl Hidden {
    pub fn new(field: Field) -> Hidden {
        Hidden {
            field,
            lists: PerSegment::new(),
        }
    }

    /// The documents of `reader` readers may not see at `now` (microseconds), ascending.
    pub fn in_segment(&self, reader: &SegmentReader, now: i64) -> tantivy::Result<Arc<[DocId]>> {
        let holds = |listed: &Listed| (listed.from..listed.until).contains(&now);
        let listed = self
            .lists
            .get(reader, holds, || list(reader, self.field, now))?;
        Ok(listed.docs)
    }

    /// Forgets the segments not among `searched` (merged away or deleted).
    pub fn keep_only(&self, searched: &[SegmentReader]) {
        self.lists.keep_only(searched);
    }
}

/// Reads the segment's `visible_from` terms after `now` — one per time still to come, and one
/// for never — and their documents.
fn list(reader: &SegmentReader, field: Field, now: i64) -> tantivy::Result<Listed> {
    let inverted = reader.inverted_index(field)?;
    let after = Term::from_field_i64(field, now);
    let mut terms = inverted
        .terms()
        .range()
        .gt(after.serialized_value_bytes())
        .into_stream()?;
    let mut until = None;
    let mut docs = Vec::new();
    while terms.advance() {
        if until.is_none() {
            until = Some(decode(terms.key()));
        }
        let mut postings =
            inverted.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
        let mut doc = postings.doc();
        while doc != TERMINATED {
            docs.push(doc);
            doc = postings.advance();
        }
    }
    docs.sort_unstable();
    Ok(Listed {
        from: now,
        until: until.unwrap_or(i64::MAX),
        docs: docs.into(),
    })
}

/// The time a `visible_from` term holds (the index keys an i64 as big-endian order-preserving
/// bytes); an unreadable key counts as now, which only makes the list expire sooner.
fn decode(key: &[u8]) -> i64 {
    <[u8; 8]>::try_from(key).map_or(i64::MIN, |bytes| {
        tantivy::u64_to_i64(u64::from_be_bytes(bytes))
    })
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{INDEXED, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument, doc};

    use super::Hidden;

    #[test]
    fn lists_what_is_not_due_and_follows_the_clock() -> tantivy::Result<()> {
        let mut schema = Schema::builder();
        let visible_from = schema.add_i64_field("visible_from", INDEXED);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter<TantivyDocument> = index.writer(15_000_000)?;
        for at in [10, i64::MAX, 30, 20, i64::MAX, 5] {
            writer.add_document(doc!(visible_from => at))?;
        }
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        let segment = searcher.segment_reader(0);
        let hidden = Hidden::new(visible_from);
        assert_eq!(&*hidden.in_segment(segment, 12)?, &[1, 2, 3, 4]);
        assert_eq!(&*hidden.in_segment(segment, 19)?, &[1, 2, 3, 4], "kept");
        assert_eq!(
            &*hidden.in_segment(segment, 20)?,
            &[1, 2, 4],
            "a story's time came"
        );
        assert_eq!(
            &*hidden.in_segment(segment, 1)?,
            &[0, 1, 2, 3, 4, 5],
            "the clock went back"
        );
        assert_eq!(
            &*hidden.in_segment(segment, 40)?,
            &[1, 4],
            "drafts stay hidden"
        );
        hidden.keep_only(&[]);
        assert_eq!(hidden.lists.len(), 0);
        Ok(())
    }
}
