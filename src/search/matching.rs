//! A parsed query as a tantivy query: which documents match, and how each field weighs.
//!
//! Every wanted word or phrase must match somewhere. A word matches its stem in the headline
//! (×3), standfirst (×2) and body (×1), its folded form among the names of sections, tags and
//! authors (×2), and its folded form as written (×1 more, so "Davies" outranks "Davis", which
//! shares the stem). A word of five letters or more that the index does not know at all also
//! matches words one edit away (a typo). Two or more words also score a bonus where they
//! stand together as typed, so a phrase beats the same words scattered. Excluded words and
//! phrases remove the documents they match anywhere.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::document::{Fields, as_key};
use super::query::{Clause, Parsed};

/// Field weights, documented in docs/search.md.
const HEADLINE: f32 = 3.0;
const STANDFIRST: f32 = 2.0;
const BODY: f32 = 1.0;
const NAMES: f32 = 2.0;
const AS_WRITTEN: f32 = 1.0;
const TYPO: f32 = 0.5;
/// Words shorter than this get no typo tolerance: too many short words are one edit apart.
const TYPO_MIN_CHARS: usize = 5;

/// The analyzers of the index searched, and a way to ask whether it knows a term.
pub struct Matcher<'a> {
    pub fields: &'a Fields,
    pub stemmed: TextAnalyzer,
    pub folded: TextAnalyzer,
    pub known: &'a dyn Fn(&Term) -> bool,
}

/// A token's text and position.
pub type Token = (usize, String);

pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push((token.position, token.text.clone()));
    }
    out
}

impl Matcher<'_> {
    /// The query for `parsed`, or `None` when no wanted clause leaves a word to look for (only
    /// stop words or punctuation).
    pub fn text_query(&mut self, parsed: &Parsed) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for clause in &parsed.wanted {
            if let Some(q) = self.clause(clause, true) {
                clauses.push((Occur::Must, q));
            }
        }
        if clauses.is_empty() {
            return None;
        }
        let words: Vec<&str> = parsed
            .wanted
            .iter()
            .filter_map(|c| match c {
                Clause::Word(w) => Some(w.as_str()),
                Clause::Phrase(_) => None,
            })
            .collect();
        if words.len() > 1 {
            // Headline and standfirst only: positions in bodies cost more than the bonus is worth.
            let f = *self.fields;
            let together = self.phrase(
                &words.join(" "),
                &[(f.headline, HEADLINE), (f.standfirst, STANDFIRST)],
            );
            if let Some(bonus) = together {
                clauses.push((Occur::Should, bonus));
            }
        }
        for clause in &parsed.excluded {
            if let Some(q) = self.clause(clause, false) {
                clauses.push((Occur::MustNot, q));
            }
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    fn clause(&mut self, clause: &Clause, wanted: bool) -> Option<Box<dyn Query>> {
        match clause {
            Clause::Word(word) => self.word(word, wanted),
            Clause::Phrase(text) => {
                let f = *self.fields;
                let fields = [
                    (f.headline, HEADLINE),
                    (f.standfirst, STANDFIRST),
                    (f.body, BODY),
                ];
                match self.phrase(text, &fields) {
                    Some(q) => Some(match self.phrase_in_names(text) {
                        Some(names) => Box::new(BooleanQuery::union(vec![q, names])),
                        None => q,
                    }),
                    // One word in quotes: that word, as written.
                    None => self.word(text, false),
                }
            }
        }
    }

    fn word(&mut self, word: &str, tolerate_typo: bool) -> Option<Box<dyn Query>> {
        let stemmed = tokens(&mut self.stemmed, word);
        let folded = tokens(&mut self.folded, word);
        if stemmed.len() > 1 {
            // "e-mail", "covid-19": the parts, together.
            let f = *self.fields;
            return self.phrase(
                word,
                &[
                    (f.headline, HEADLINE),
                    (f.standfirst, STANDFIRST),
                    (f.body, BODY),
                ],
            );
        }
        let (_, stem) = stemmed.into_iter().next()?;
        let f = self.fields;
        let mut any: Vec<Box<dyn Query>> = vec![
            term(f.headline, &stem, HEADLINE),
            term(f.standfirst, &stem, STANDFIRST),
            term(f.body, &stem, BODY),
        ];
        if let Some((_, written)) = folded.first() {
            any.push(term(f.names, written, NAMES));
            // A word that is its own stem gains nothing from matching as written.
            if *written != stem {
                any.push(term(f.exact, written, AS_WRITTEN));
            }
            let unknown = !(self.known)(&Term::from_field_text(f.exact, written))
                && !(self.known)(&Term::from_field_text(f.body, &stem));
            if tolerate_typo && unknown && written.chars().count() >= TYPO_MIN_CHARS {
                let fuzzy = FuzzyTermQuery::new(Term::from_field_text(f.exact, written), 1, true);
                any.push(Box::new(BoostQuery::new(Box::new(fuzzy), TYPO)));
            }
        }
        Some(Box::new(BooleanQuery::union(any)))
    }

    /// `text` as a phrase in each of `fields`, or `None` when it has fewer than two words.
    fn phrase(&mut self, text: &str, fields: &[(Field, f32)]) -> Option<Box<dyn Query>> {
        let stemmed = tokens(&mut self.stemmed, text);
        if stemmed.len() < 2 {
            return None;
        }
        let first = stemmed[0].0;
        let per_field = fields
            .iter()
            .map(|&(field, boost)| {
                let terms = stemmed
                    .iter()
                    .map(|(pos, t)| (pos - first, Term::from_field_text(field, t)))
                    .collect();
                boosted(Box::new(PhraseQuery::new_with_offset(terms)), boost)
            })
            .collect();
        Some(Box::new(BooleanQuery::union(per_field)))
    }

    fn phrase_in_names(&mut self, text: &str) -> Option<Box<dyn Query>> {
        let folded = tokens(&mut self.folded, text);
        if folded.len() < 2 {
            return None;
        }
        let first = folded[0].0;
        let terms = folded
            .iter()
            .map(|(pos, t)| (pos - first, Term::from_field_text(self.fields.names, t)))
            .collect();
        Some(boosted(
            Box::new(PhraseQuery::new_with_offset(terms)),
            NAMES,
        ))
    }
}

/// Documents with `text` in `field`, scored by BM25 times `boost`.
pub fn term(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    let q = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    boosted(Box::new(q), boost)
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// Documents with `value` in a numeric field, as a filter that adds nothing to the score.
pub fn having(field: Field, value: i64) -> Box<dyn Query> {
    let q = TermQuery::new(
        Term::from_field_u64(field, as_key(value)),
        IndexRecordOption::Basic,
    );
    filter(Box::new(q))
}

pub fn status(fields: &Fields, status: &str) -> Box<dyn Query> {
    let q = TermQuery::new(
        Term::from_field_text(fields.status, status),
        IndexRecordOption::Basic,
    );
    filter(Box::new(q))
}

/// Publication times within `from..=until` (microseconds), either end open.
pub fn published_between(fields: &Fields, from: Option<i64>, until: Option<i64>) -> Box<dyn Query> {
    between(fields.published, from, until)
}

/// What readers may see at `now` (microseconds): published, and due.
pub fn visible_at(fields: &Fields, now: i64) -> Box<dyn Query> {
    between(fields.visible_from, None, Some(now))
}

fn between(field: Field, from: Option<i64>, until: Option<i64>) -> Box<dyn Query> {
    let bound = |v: Option<i64>| match v {
        Some(v) => Bound::Included(Term::from_field_i64(field, v)),
        None => Bound::Unbounded,
    };
    filter(Box::new(RangeQuery::new(bound(from), bound(until))))
}

fn filter(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}
