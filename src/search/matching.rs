//! A parsed query as a tantivy query: which documents match, and how each field weighs.
//!
//! Every wanted word or phrase must match somewhere: a word its stem in the article's `text`
//! (headline, standfirst, body and names, with the weights of [`super::document`] as
//! repetitions), a phrase its stems side by side there. A word of five letters or more that
//! the index does not know at all also matches words one edit away (a typo). Bonuses, which
//! never decide what matches: a word found as written (folded, not stemmed) scores once more,
//! so "Davies" outranks "Davis", which shares the stem; two or more words standing together as
//! typed in the headline (×3) or standfirst (×2) score as a phrase, so a phrase beats the same
//! words scattered. Excluded words and phrases remove the documents they match anywhere.
//!
//! A query of plain words is then a pure intersection of posting lists, the cheapest shape
//! there is, with the bonuses looked up only for the documents that match.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::analysis::pair;
use super::document::{Fields, as_key};
use super::query::{Clause, Parsed};
use crate::db::Timestamp;

/// Bonus weights, documented in docs/search.md (the fields' own weights are in the index).
const HEADLINE: f32 = 3.0;
const STANDFIRST: f32 = 2.0;
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
    /// Set once a word is looked for with a typo: its query reads the postings of every
    /// word one edit away, which no count of the query's own terms shows.
    pub tolerates_typo: bool,
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

/// What a query asks of a document: `scored`, the words (a phrase's words among them), which
/// rank the matches; and `checks`, the phrases of more than two words that a match must also
/// contain in order. A check reads positions, far dearer than a word's postings, so it is made
/// only of the documents whose words score high enough to be kept (see [`super::top`]), while
/// the words alone let the search skip what cannot rank. A phrase of two words is one term of
/// its own (see [`super::analysis::pair`]), scored and never checked.
pub struct TextQuery {
    pub scored: Box<dyn Query>,
    pub checks: Vec<Box<dyn Query>>,
}

impl TextQuery {
    /// Both parts as one query, scored as `scored` alone.
    pub fn whole(&self) -> Box<dyn Query> {
        if self.checks.is_empty() {
            return self.scored.box_clone();
        }
        let mut clauses = vec![(Occur::Must, self.scored.box_clone())];
        clauses.extend(
            self.checks
                .iter()
                .map(|c| (Occur::Must, filter(c.box_clone()))),
        );
        Box::new(BooleanQuery::new(clauses))
    }
}

/// One wanted word or phrase: the terms that score it, and the phrase to check when the terms
/// do not say it all.
struct Wanted {
    terms: Vec<Box<dyn Query>>,
    check: Option<Box<dyn Query>>,
}

impl Wanted {
    fn one(query: Box<dyn Query>) -> Wanted {
        Wanted {
            terms: vec![query],
            check: None,
        }
    }

    /// Terms and check as one query, for an exclusion.
    fn whole(mut self) -> Box<dyn Query> {
        if self.terms.len() == 1 && self.check.is_none() {
            return self.terms.remove(0);
        }
        let clauses = self
            .terms
            .into_iter()
            .chain(self.check)
            .map(|q| (Occur::Must, q))
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }
}

impl Matcher<'_> {
    /// The query for `parsed`, or `None` when no wanted clause leaves a word to look for (only
    /// stop words or punctuation). The wanted terms make one flat intersection, the shape
    /// tantivy prunes best.
    pub fn text_query(&mut self, parsed: &Parsed) -> Option<TextQuery> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut checks = Vec::new();
        for clause in &parsed.wanted {
            if let Some(wanted) = self.clause(clause, true) {
                clauses.extend(wanted.terms.into_iter().map(|q| (Occur::Must, q)));
                checks.extend(wanted.check);
            }
        }
        if clauses.is_empty() {
            return None;
        }
        for clause in &parsed.excluded {
            if let Some(wanted) = self.clause(clause, false) {
                clauses.push((Occur::MustNot, wanted.whole()));
            }
        }
        let scored = if let [(Occur::Must, _)] = clauses.as_slice() {
            clauses.remove(0).1
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        Some(TextQuery { scored, checks })
    }

    /// The bonuses of `parsed` (words as written, words together), added to the score of the
    /// most relevant matches only (see [`super::service`]), each its own query: looked up for
    /// a few documents, a union of them would read far past each.
    pub fn bonuses(&mut self, parsed: &Parsed) -> Vec<Box<dyn Query>> {
        let mut bonuses: Vec<Box<dyn Query>> = Vec::new();
        let mut words = Vec::new();
        for clause in &parsed.wanted {
            if let Clause::Word(word) = clause {
                bonuses.extend(self.as_written(word));
                words.push(word.as_str());
            }
        }
        let together = if words.len() > 1 {
            tokens(&mut self.stemmed, &words.join(" "))
        } else {
            Vec::new()
        };
        if together.len() > 1 {
            let f = self.fields;
            bonuses.push(positional(&together, f.headline, HEADLINE));
            bonuses.push(positional(&together, f.standfirst, STANDFIRST));
        }
        bonuses
    }

    fn clause(&mut self, clause: &Clause, wanted: bool) -> Option<Wanted> {
        match clause {
            Clause::Word(word) => self.word(word, wanted),
            // One word in quotes: that word, as written.
            Clause::Phrase(phrase) => self.phrase_anywhere(phrase).or_else(|| {
                let (_, written) = tokens(&mut self.folded, phrase).into_iter().next()?;
                Some(Wanted::one(term(self.fields.exact, &written, 1.0)))
            }),
        }
    }

    fn word(&mut self, word: &str, tolerate_typo: bool) -> Option<Wanted> {
        let f = *self.fields;
        let stemmed = tokens(&mut self.stemmed, word);
        if stemmed.len() > 1 {
            // "e-mail", "covid-19": the parts, together.
            return self.phrase_anywhere(word);
        }
        let (_, stem) = stemmed.into_iter().next()?;
        let found = term(f.text, &stem, 1.0);
        let written = tokens(&mut self.folded, word).into_iter().next();
        if let Some((_, written)) = written
            && tolerate_typo
            && written.chars().count() >= TYPO_MIN_CHARS
            && !(self.known)(&Term::from_field_text(f.text, &stem))
            && !(self.known)(&Term::from_field_text(f.exact, &written))
        {
            self.tolerates_typo = true;
            let fuzzy = FuzzyTermQuery::new(Term::from_field_text(f.exact, &written), 1, true);
            let typo = Box::new(BoostQuery::new(Box::new(fuzzy), TYPO));
            return Some(Wanted::one(Box::new(BooleanQuery::union(vec![
                found, typo,
            ]))));
        }
        Some(Wanted::one(found))
    }

    /// The bonus for `word` found as written, when that differs from its stem (a word that is
    /// its own stem gains nothing from it).
    fn as_written(&mut self, word: &str) -> Option<Box<dyn Query>> {
        let stemmed = tokens(&mut self.stemmed, word);
        let [(_, stem)] = stemmed.as_slice() else {
            return None;
        };
        let (_, written) = tokens(&mut self.folded, word).into_iter().next()?;
        (written != *stem).then(|| term(self.fields.exact, &written, AS_WRITTEN))
    }

    /// `text` as a phrase anywhere in an article, or `None` when it has fewer than two words.
    /// Words side by side are looked up as pairs: one term for two words; for more, the pairs
    /// scored and checked at neighbouring positions (pairs side by side are the words in
    /// order), which reads far fewer positions than the words would. A stop word in the middle
    /// ("talks on a ceasefire") breaks the pairs: the words are scored, and their positions
    /// checked.
    fn phrase_anywhere(&mut self, text: &str) -> Option<Wanted> {
        let stemmed = tokens(&mut self.stemmed, text);
        if stemmed.len() < 2 {
            return None;
        }
        let text_field = self.fields.text;
        if !stemmed.windows(2).all(|w| w[1].0 == w[0].0 + 1) {
            return Some(Wanted {
                terms: stemmed
                    .iter()
                    .map(|(_, t)| term(text_field, t, 1.0))
                    .collect(),
                check: Some(positional(&stemmed, text_field, 1.0)),
            });
        }
        let pairs: Vec<Term> = stemmed
            .windows(2)
            .map(|w| Term::from_field_text(self.fields.pairs, &pair(&w[0].1, &w[1].1)))
            .collect();
        let terms = pairs
            .iter()
            .map(|t| {
                Box::new(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs)) as Box<dyn Query>
            })
            .collect();
        let check = (pairs.len() > 1).then(|| Box::new(PhraseQuery::new(pairs)) as Box<dyn Query>);
        Some(Wanted { terms, check })
    }
}

/// The words of `stemmed` (at least two) in their order and distances in `field`, checked by
/// position, scored by BM25 times `boost`.
fn positional(stemmed: &[Token], field: Field, boost: f32) -> Box<dyn Query> {
    let first = stemmed[0].0;
    let terms = stemmed
        .iter()
        .map(|(pos, t)| (pos - first, Term::from_field_text(field, t)))
        .collect();
    boosted(Box::new(PhraseQuery::new_with_offset(terms)), boost)
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

/// What readers may not see at `now`: drafts and the like (which are never visible), and what
/// is scheduled for later. A range over the index's terms, which hold one value per time still
/// to come: cheap however large the archive, where a range over the column of every article's
/// time costs a pass over all of them.
pub fn not_yet_visible(fields: &Fields, now: Timestamp) -> Box<dyn Query> {
    let after = Bound::Excluded(Term::from_field_i64(fields.visible_from, now.micros()));
    filter(Box::new(RangeQuery::new(after, Bound::Unbounded)))
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
