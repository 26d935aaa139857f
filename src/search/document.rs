//! The index's schema, and an article as the index holds it.
//!
//! Every article is indexed, whatever its status, so one index answers readers (only what is
//! published and due, a filter at query time) and the editors' list (drafts and scheduled
//! stories too). The publication time is a filter rather than a reason to index later: an
//! embargoed story appears in results the moment its time comes, with nothing to write then.

use tantivy::schema::OwnedValue;
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{TantivyDocument, Term};

use super::analysis::{FOLDED, PAIRS, STEMMED};
use crate::articles::service::IndexSource;
use crate::db::Timestamp;

/// The fields, looked up once from the schema.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    pub id: Field,
    pub status: Field,
    /// Microseconds since the epoch; 0 when the article has no publication time.
    pub published: Field,
    /// When readers may see the article: its publication time if it is published, else never
    /// (`i64::MAX`). Indexed, not a fast field: readers' searches exclude the few terms after
    /// now, read as a query where filters apply ([`super::matching::not_yet_visible`]) and as
    /// lists kept per segment where they do not ([`super::hidden`]).
    pub visible_from: Field,
    /// The article's section and that section's parent, so a parent's filter finds both.
    pub sections: Field,
    pub tags: Field,
    pub authors: Field,
    /// The account that created the article (0 for none): an author's "own" stories.
    pub owner: Field,
    /// Everything a reader's words are looked for in, stemmed: the headline [`IN_HEADLINE`]
    /// times, the standfirst [`IN_STANDFIRST`] times, the body once and the names
    /// [`IN_NAMES`] times. One field, with the weights as repetitions (BM25 counts a word met
    /// three times as more telling than once), lets a query be one posting list per word
    /// instead of a union over four fields: a tenth of the work for the same ranking.
    pub text: Field,
    /// The same as `text`, as pairs of neighbouring words, for exact phrases.
    pub pairs: Field,
    pub headline: Field,
    pub standfirst: Field,
    /// Indexed without positions: phrases are looked for in `text`.
    pub body: Field,
    /// Section, tag and author names.
    pub names: Field,
    /// Headline, standfirst and body as written: folded, never stemmed.
    pub exact: Field,
}

/// Names of the fast fields read while ranking.
pub const ID: &str = "id";
pub const PUBLISHED: &str = "published";

/// The version of how an article becomes a document: an index built by another is rebuilt at
/// start. Bump it with any change to [`Fields::document`] or to the weights below that the
/// schema does not show.
pub const FORMAT: u32 = 5;

/// How many times `text` repeats each part of an article: its field weights, documented in
/// docs/search.md.
pub const IN_HEADLINE: usize = 3;
pub const IN_STANDFIRST: usize = 2;
pub const IN_NAMES: usize = 2;

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let indexed = |tokenizer: &str, option: IndexRecordOption| {
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(option)
        };
        let text = TextOptions::default()
            .set_indexing_options(indexed(STEMMED, IndexRecordOption::WithFreqsAndPositions));
        let pairs = TextOptions::default()
            .set_indexing_options(indexed(PAIRS, IndexRecordOption::WithFreqsAndPositions));
        let stemmed = TextOptions::default()
            .set_stored()
            .set_indexing_options(indexed(STEMMED, IndexRecordOption::WithFreqsAndPositions));
        let body = TextOptions::default()
            .set_stored()
            .set_indexing_options(indexed(STEMMED, IndexRecordOption::WithFreqs));
        let names = TextOptions::default()
            .set_stored()
            .set_indexing_options(indexed(FOLDED, IndexRecordOption::WithFreqs));
        let exact = TextOptions::default()
            .set_indexing_options(indexed(FOLDED, IndexRecordOption::WithFreqs));
        let fields = Fields {
            id: b.add_u64_field(ID, INDEXED | FAST | STORED),
            status: b.add_text_field("status", STRING),
            published: b.add_i64_field(PUBLISHED, INDEXED | FAST),
            visible_from: b.add_i64_field("visible_from", INDEXED),
            sections: b.add_u64_field("sections", INDEXED),
            tags: b.add_u64_field("tags", INDEXED),
            authors: b.add_u64_field("authors", INDEXED),
            owner: b.add_u64_field("owner", INDEXED),
            text: b.add_text_field("text", text),
            pairs: b.add_text_field("pairs", pairs),
            headline: b.add_text_field("headline", stemmed.clone()),
            standfirst: b.add_text_field("standfirst", stemmed),
            body: b.add_text_field("body", body),
            names: b.add_text_field("names", names),
            exact: b.add_text_field("exact", exact),
        };
        (b.build(), fields)
    }

    /// The fields of an index opened from disk.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        let (expected, _) = Fields::schema();
        if *schema != expected {
            return Err(tantivy::TantivyError::SchemaError(
                "the index was built with another schema".into(),
            ));
        }
        let (_, fields) = Fields::schema();
        Ok(fields)
    }

    pub fn id_term(&self, id: i64) -> Term {
        Term::from_field_u64(self.id, as_key(id))
    }

    /// The article as a document; `body_text` is its body as plain text.
    pub fn document(&self, source: &IndexSource, body_text: &str) -> TantivyDocument {
        let mut doc = TantivyDocument::new();
        doc.add_u64(self.id, as_key(source.id));
        doc.add_text(self.status, &source.status);
        doc.add_i64(
            self.published,
            source.published_at.map_or(0, Timestamp::micros),
        );
        let visible = source
            .published_at
            .filter(|_| source.status == "published")
            .map_or(i64::MAX, Timestamp::micros);
        doc.add_i64(self.visible_from, visible);
        for id in [Some(source.section_id), source.parent_section_id]
            .into_iter()
            .flatten()
        {
            doc.add_u64(self.sections, as_key(id));
        }
        for id in &source.tag_ids {
            doc.add_u64(self.tags, as_key(*id));
        }
        for id in &source.author_ids {
            doc.add_u64(self.authors, as_key(*id));
        }
        doc.add_u64(self.owner, source.created_by.map_or(0, as_key));
        doc.add_text(self.headline, &source.headline);
        doc.add_text(self.standfirst, &source.standfirst);
        doc.add_text(self.body, body_text);
        let names = || {
            std::iter::once(&source.section_name)
                .chain(&source.tag_names)
                .chain(&source.author_names)
        };
        for name in names() {
            doc.add_text(self.names, name);
        }
        let parts = [
            (source.headline.as_str(), IN_HEADLINE),
            (source.standfirst.as_str(), IN_STANDFIRST),
            (body_text, 1),
        ]
        .into_iter()
        .chain(names().map(|name| (name.as_str(), IN_NAMES)));
        for (part, times) in parts {
            for _ in 0..times {
                doc.add_text(self.text, part);
                doc.add_text(self.pairs, part);
            }
        }
        for text in [&source.headline, &source.standfirst, body_text] {
            doc.add_text(self.exact, text);
        }
        doc
    }
}

/// Database ids are positive; the index keys them as unsigned.
pub fn as_key(id: i64) -> u64 {
    u64::try_from(id).unwrap_or(0)
}

/// The database id of an index key.
pub fn from_key(key: u64) -> i64 {
    i64::try_from(key).unwrap_or(0)
}

/// A result's stored fields as the store holds them, each value moved out rather than copied
/// into a [`TantivyDocument`] first: a results page reads ten bodies of several kilobytes.
pub struct Stored(Vec<(Field, OwnedValue)>);

impl DocumentDeserialize for Stored {
    fn deserialize<'de, D: DocumentDeserializer<'de>>(
        mut fields: D,
    ) -> Result<Self, DeserializeError> {
        let mut values = Vec::with_capacity(fields.size_hint());
        while let Some(field) = fields.next_field::<OwnedValue>()? {
            values.push(field);
        }
        Ok(Stored(values))
    }
}

impl Stored {
    /// The text of `field`, taken out; empty when the document has none.
    pub fn take_text(&mut self, field: Field) -> String {
        self.0
            .iter_mut()
            .find_map(|(f, value)| match value {
                OwnedValue::Str(text) if *f == field => Some(std::mem::take(text)),
                _ => None,
            })
            .unwrap_or_default()
    }

    pub fn id(&self, field: Field) -> i64 {
        self.0
            .iter()
            .find_map(|(f, value)| match value {
                OwnedValue::U64(key) if *f == field => Some(from_key(*key)),
                _ => None,
            })
            .unwrap_or(0)
    }
}
