//! "More like this": the words that say most about one article, as a query for others.
//!
//! A story's subject is named in its headline and then comes back again and again in its body;
//! the rest of a headline (what the subject did) is shared with stories about other subjects.
//! So each word is weighed by where the article uses it (headline, standfirst), by how often its
//! body repeats it, damped (`1 + ln(1 + n)`: twenty mentions are not twenty times the subject),
//! and by how rare it is in the archive (idf). The strongest words make the query, each boosted
//! by its weight, matched in other articles' headlines first and bodies after; the article's
//! section, tag and author names join in with a small weight. Words found in only one article
//! (this one) say nothing about others and are skipped.
//!
//! Written here rather than with tantivy's `MoreLikeThisQuery`, which counts live documents
//! against document frequencies that include deleted ones and panics once an article has been
//! re-indexed a few times.

use std::collections::HashMap;

use tantivy::query::{BooleanQuery, Query};
use tantivy::schema::{Field, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, TantivyDocument, Term};

use super::document::Fields;
use super::matching::{term, tokens};

/// The most words a query keeps, and the most names.
const MAX_WORDS: usize = 24;
const MAX_NAMES: usize = 6;
/// How much a word counts for being in the headline or standfirst, on top of 1.
const IN_HEADLINE: f32 = 3.0;
const IN_STANDFIRST: f32 = 1.0;
/// How much more a match in another article's headline counts than one in its body.
const HEADLINE_MATCH: f32 = 2.0;
/// The weight of names against the strongest word.
const NAME_MATCH: f32 = 0.3;

/// How often an article uses a word, by field.
#[derive(Default)]
struct Uses {
    headline: bool,
    standfirst: bool,
    body: u32,
}

pub fn query(
    searcher: &Searcher,
    fields: &Fields,
    doc: &TantivyDocument,
    stemmed: &mut TextAnalyzer,
    folded: &mut TextAnalyzer,
) -> Option<Box<dyn Query>> {
    let mut words: HashMap<String, Uses> = HashMap::new();
    for (token, uses) in words_of(doc, fields.headline, stemmed) {
        words.entry(token).or_default().headline |= uses > 0;
    }
    for (token, uses) in words_of(doc, fields.standfirst, stemmed) {
        words.entry(token).or_default().standfirst |= uses > 0;
    }
    for (token, uses) in words_of(doc, fields.body, stemmed) {
        words.entry(token).or_default().body += uses;
    }
    let total: u64 = searcher
        .segment_readers()
        .iter()
        .map(|s| u64::from(s.max_doc()))
        .sum();
    let rarity = |term: &Term| {
        let df = searcher.doc_freq(term).ok()?;
        (df >= 2).then(|| idf(df, total))
    };
    let mut weighed: Vec<(f32, String)> = words
        .into_iter()
        .filter_map(|(word, uses)| {
            let idf = rarity(&Term::from_field_text(fields.body, &word))
                .or_else(|| rarity(&Term::from_field_text(fields.headline, &word)))?;
            let place = 1.0
                + if uses.headline { IN_HEADLINE } else { 0.0 }
                + if uses.standfirst { IN_STANDFIRST } else { 0.0 };
            let repeated = 1.0 + (1.0 + uses.body as f32).ln();
            Some((place * repeated * idf, word))
        })
        .collect();
    strongest(&mut weighed, MAX_WORDS);
    let top = weighed.first()?.0;
    let mut clauses: Vec<Box<dyn Query>> = Vec::new();
    for (weight, word) in &weighed {
        let share = weight / top;
        clauses.push(term(fields.headline, word, share * HEADLINE_MATCH));
        clauses.push(term(fields.body, word, share));
    }
    let mut names: Vec<(f32, String)> = words_of(doc, fields.names, folded)
        .into_keys()
        .filter_map(|name| {
            let idf = rarity(&Term::from_field_text(fields.names, &name))?;
            Some((idf, name))
        })
        .collect();
    strongest(&mut names, MAX_NAMES);
    if let Some(&(most, _)) = names.first() {
        for (weight, name) in &names {
            clauses.push(term(fields.names, name, NAME_MATCH * weight / most));
        }
    }
    Some(Box::new(BooleanQuery::union(clauses)))
}

/// The words of a stored field, with how often each occurs.
fn words_of(
    doc: &TantivyDocument,
    field: Field,
    analyzer: &mut TextAnalyzer,
) -> HashMap<String, u32> {
    let mut counts = HashMap::new();
    for value in doc.get_all(field) {
        if let Some(text) = value.as_str() {
            for (_, token) in tokens(analyzer, text) {
                *counts.entry(token).or_default() += 1;
            }
        }
    }
    counts
}

/// Keeps the `n` heaviest, heaviest first (ties by the word, so a query is the same every time).
fn strongest(weighed: &mut Vec<(f32, String)>, n: usize) {
    weighed.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    weighed.truncate(n);
}

/// BM25's inverse document frequency, with the count never below the frequency.
fn idf(doc_freq: u64, docs: u64) -> f32 {
    let docs = docs.max(doc_freq) as f32;
    let df = doc_freq as f32;
    (1.0 + (docs - df + 0.5) / (df + 0.5)).ln()
}
