//! "More like this": the terms that say most about one article, as a query for others. Each
//! term of the article's headline (counted twice), standfirst, body and labels is weighed by how
//! often the article uses it and how rare it is in the archive (tf·idf); the strongest terms,
//! each boosted by its weight, make the query. Terms found in only one article (this one) say
//! nothing about others and are skipped.
//!
//! Written here rather than with tantivy's `MoreLikeThisQuery`, which counts live documents
//! against document frequencies that include deleted ones and panics once an article has been
//! re-indexed a few times.

use std::collections::HashMap;

use tantivy::query::{BooleanQuery, BoostQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, TantivyDocument, Term};

use super::document::Fields;
use super::matching::tokens;

/// The most terms a query keeps.
const MAX_TERMS: usize = 32;
/// How much a headline word counts against a body word.
const HEADLINE_WEIGHT: f32 = 2.0;

pub fn query(
    searcher: &Searcher,
    fields: &Fields,
    doc: &TantivyDocument,
    stemmed: &mut TextAnalyzer,
    folded: &mut TextAnalyzer,
) -> Option<Box<dyn Query>> {
    let mut counts: HashMap<Term, f32> = HashMap::new();
    let mut count = |field: Field, analyzer: &mut TextAnalyzer, weight: f32| {
        for value in doc.get_all(field) {
            if let Some(text) = tantivy::schema::Value::as_str(&value) {
                for (_, token) in tokens(analyzer, text) {
                    *counts
                        .entry(Term::from_field_text(field, &token))
                        .or_default() += weight;
                }
            }
        }
    };
    count(fields.headline, stemmed, HEADLINE_WEIGHT);
    count(fields.standfirst, stemmed, 1.0);
    count(fields.body, stemmed, 1.0);
    count(fields.names, folded, 1.0);
    let total: u64 = searcher
        .segment_readers()
        .iter()
        .map(|s| u64::from(s.max_doc()))
        .sum();
    let mut weighed: Vec<(f32, Term)> = counts
        .into_iter()
        .filter_map(|(term, tf)| {
            let df = searcher.doc_freq(&term).ok()?;
            (df >= 2).then(|| (tf * idf(df, total), term))
        })
        .collect();
    weighed.sort_by(|a, b| b.0.total_cmp(&a.0));
    weighed.truncate(MAX_TERMS);
    let top = weighed.first()?.0;
    if top <= 0.0 {
        return None;
    }
    let clauses = weighed
        .into_iter()
        .map(|(weight, term)| {
            let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
            Box::new(BoostQuery::new(q, weight / top)) as Box<dyn Query>
        })
        .collect();
    Some(Box::new(BooleanQuery::union(clauses)))
}

/// BM25's inverse document frequency, with the count never below the frequency.
fn idf(doc_freq: u64, docs: u64) -> f32 {
    let docs = docs.max(doc_freq) as f32;
    let df = doc_freq as f32;
    (1.0 + (docs - df + 0.5) / (df + 0.5)).ln()
}
